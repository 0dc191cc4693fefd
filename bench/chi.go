package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/go-playground/validator/v10"
)

// chiAuth is chi's idiomatic authentication: a middleware that puts the
// current user in the request context.
func chiAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if _, ok := bearer(h); !ok {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeDetail(w, http.StatusUnauthorized, "Not authenticated")
			return
		}
		u, ok := currentUser(h)
		if !ok {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeDetail(w, http.StatusUnauthorized, "Could not validate credentials")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
	})
}

// chiJWT is a middleware verifying the JWT and its scope.
func chiJWT(scope string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, err := authorizeJWT(r.Header.Get("Authorization"), scope)
			if err != nil {
				status, challenge, detail := jwtFailure(err)
				w.Header().Set("WWW-Authenticate", challenge)
				writeDetail(w, status, detail)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
		})
	}
}

func chiItems(v *validator.Validate) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := r.Context().Value(userKey).(*User)
		p := itemParams{Limit: 10}
		var err error
		if p.ID, err = strconv.Atoi(chi.URLParam(r, "id")); err != nil {
			writeDetail(w, http.StatusUnprocessableEntity, "id: not an integer")
			return
		}
		q := r.URL.Query()
		if s := q.Get("limit"); s != "" {
			if p.Limit, err = strconv.Atoi(s); err != nil {
				writeDetail(w, http.StatusUnprocessableEntity, "limit: not an integer")
				return
			}
		}
		p.Q = q.Get("q")
		if err := v.Struct(&p); err != nil {
			writeDetail(w, http.StatusUnprocessableEntity, "invalid parameters")
			return
		}
		writeJSON(w, http.StatusOK, Item{ID: p.ID, Limit: p.Limit, Q: p.Q, User: u.Name})
	}
}

// NewChi serves the endpoints with chi: middleware for authentication,
// chi.URLParam and validator.Struct for parameters.
func NewChi() http.Handler {
	v := validator.New()
	r := chi.NewRouter()
	r.Get("/ping", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, Pong{OK: true})
	})
	r.With(chiAuth).Get("/items/{id}", chiItems(v))
	r.With(chiJWT("items")).Get("/users/me/items", func(w http.ResponseWriter, r *http.Request) {
		u := r.Context().Value(userKey).(*User)
		writeJSON(w, http.StatusOK, Owned{ItemID: "Foo", Owner: u.Name})
	})
	r.Post("/things", func(w http.ResponseWriter, r *http.Request) {
		var t Thing
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&t); err != nil {
			writeDetail(w, http.StatusUnprocessableEntity, "invalid JSON")
			return
		}
		if err := v.Struct(&t); err != nil {
			writeDetail(w, http.StatusUnprocessableEntity, "invalid")
			return
		}
		writeJSON(w, http.StatusCreated, t)
	})
	return r
}

// RoutesChi registers n Items routes on a chi router.
func RoutesChi(n int) http.Handler {
	v := validator.New()
	r := chi.NewRouter()
	for i := range n {
		r.With(chiAuth).Get(fmt.Sprintf("/r%d/items/{id}", i), chiItems(v))
	}
	return r
}

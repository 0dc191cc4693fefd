package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-playground/validator/v10"
)

// itemParams are the Items parameters validated with validator.Struct by the
// floor, chi and echo.
type itemParams struct {
	ID    int    `param:"id"`
	Limit int    `query:"limit" validate:"gte=1,lte=100"`
	Q     string `query:"q" validate:"max=50"`
}

// writeJSON writes v as JSON with status, as a hand-written handler does.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeDetail writes {"detail": detail} with status.
func writeDetail(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, map[string]string{"detail": detail})
}

// NewNetHTTP is the floor: hand-written handlers on net/http's ServeMux,
// validating with validator.Struct.
func NewNetHTTP() http.Handler {
	mux := http.NewServeMux()
	v := validator.New()
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, Pong{OK: true})
	})
	mux.HandleFunc("GET /items/{id}", nethttpItems(v))
	mux.HandleFunc("GET /users/me/items", func(w http.ResponseWriter, r *http.Request) {
		u, err := authorizeJWT(r.Header.Get("Authorization"), "items")
		if err != nil {
			status, challenge, detail := jwtFailure(err)
			w.Header().Set("WWW-Authenticate", challenge)
			writeDetail(w, status, detail)
			return
		}
		writeJSON(w, http.StatusOK, Owned{ItemID: "Foo", Owner: u.Name})
	})
	mux.HandleFunc("POST /things", func(w http.ResponseWriter, r *http.Request) {
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
	return mux
}

// nethttpItems is the floor's Items handler.
func nethttpItems(v *validator.Validate) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
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
		p := itemParams{Limit: 10}
		var err error
		if p.ID, err = strconv.Atoi(r.PathValue("id")); err != nil {
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

// RoutesNetHTTP registers n Items routes on a ServeMux.
func RoutesNetHTTP(n int) http.Handler {
	mux := http.NewServeMux()
	v := validator.New()
	for i := range n {
		mux.HandleFunc(fmt.Sprintf("GET /r%d/items/{id}", i), nethttpItems(v))
	}
	return mux
}

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-fuego/fuego"
	"github.com/go-fuego/fuego/option"
	"github.com/go-fuego/fuego/param"
)

// fuegoUnprocessable is the 422 the fuego handlers answer for invalid input.
func fuegoUnprocessable(detail string, err error) error {
	return fuego.HTTPError{Status: http.StatusUnprocessableEntity, Title: "Unprocessable Entity", Detail: detail, Err: err}
}

// fuegoAuth is a net/http middleware, fuego's documented way to authenticate,
// putting the current user in the request context.
func fuegoAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if _, ok := bearer(h); !ok {
			w.Header().Set("WWW-Authenticate", "Bearer")
			fuego.SendJSONError(w, r, fuego.UnauthorizedError{Detail: "Not authenticated"})
			return
		}
		u, ok := currentUser(h)
		if !ok {
			w.Header().Set("WWW-Authenticate", "Bearer")
			fuego.SendJSONError(w, r, fuego.UnauthorizedError{Detail: "Could not validate credentials"})
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
	})
}

func fuegoJWT(scope string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, err := authorizeJWT(r.Header.Get("Authorization"), scope)
			if err != nil {
				status, challenge, detail := jwtFailure(err)
				w.Header().Set("WWW-Authenticate", challenge)
				fuego.SendJSONError(w, r, fuego.HTTPError{Status: status, Detail: detail})
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
		})
	}
}

func fuegoItems(c fuego.ContextNoBody) (Item, error) {
	id, err := c.PathParamIntErr("id")
	if err != nil {
		return Item{}, fuegoUnprocessable("id: not an integer", err)
	}
	limit, err := c.QueryParamIntErr("limit")
	if err != nil {
		return Item{}, fuegoUnprocessable("limit: not an integer", err)
	}
	if limit < 1 || limit > 100 {
		return Item{}, fuegoUnprocessable("limit: must be in 1..100", nil)
	}
	q := c.QueryParam("q")
	if len([]rune(q)) > 50 {
		return Item{}, fuegoUnprocessable("q: at most 50 characters", nil)
	}
	u := c.Value(userKey).(*User)
	return Item{ID: id, Limit: limit, Q: q, User: u.Name}, nil
}

// fuegoItemsOptions declares the Items parameters and security for fuego.
func fuegoItemsOptions() []func(*fuego.BaseRoute) {
	return []func(*fuego.BaseRoute){
		option.Middleware(fuegoAuth),
		option.Path("id", "Item ID", param.Integer()),
		option.QueryInt("limit", "Page size (1..100)", param.Default(10)),
		option.Query("q", "Search, at most 50 characters"),
		option.Security(openapi3.SecurityRequirement{"token": {}}),
	}
}

// newFuego makes a fuego server without request logging. fuego.WithoutLogger
// would not do: it only replaces the process-wide slog.Default (for every
// other implementation in the process too) while fuego's logging middleware
// still runs on every request; disabling both of that middleware's logs
// leaves it out, and touches no global state.
func newFuego() *fuego.Server {
	return fuego.NewServer(
		fuego.WithLoggingMiddleware(fuego.LoggingConfig{DisableRequest: true, DisableResponse: true}),
		fuego.WithoutStartupMessages(),
		fuego.WithEngineOptions(fuego.WithOpenAPIConfig(fuego.OpenAPIConfig{
			DisableLocalSave: true,
			DisableMessages:  true,
		})),
		fuego.WithSecurity(openapi3.SecuritySchemes{
			"token": &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{Type: "oauth2", Flows: &openapi3.OAuthFlows{Password: &openapi3.OAuthFlow{TokenURL: "token", Scopes: map[string]string{}}}}},
			"jwt":   &openapi3.SecuritySchemeRef{Value: openapi3.NewJWTSecurityScheme()},
		}),
	)
}

// NewFuego serves the endpoints with fuego (request logging off): typed controllers, declared
// parameters read with c.PathParamIntErr/c.QueryParamIntErr (fuego validates
// bodies, not parameters, with validate tags), net/http middlewares for
// authentication. Body errors, which fuego answers with 400, are mapped to 422.
func NewFuego() http.Handler {
	s := newFuego()
	fuego.Get(s, "/ping", func(fuego.ContextNoBody) (Pong, error) { return Pong{OK: true}, nil })
	fuego.Get(s, "/items/{id}", fuegoItems, fuegoItemsOptions()...)
	fuego.Get(s, "/users/me/items", func(c fuego.ContextNoBody) (Owned, error) {
		u := c.Value(userKey).(*User)
		return Owned{ItemID: "Foo", Owner: u.Name}, nil
	}, option.Middleware(fuegoJWT("items")), option.Security(openapi3.SecurityRequirement{"jwt": {"items"}}))
	fuego.Post(s, "/things", func(c fuego.ContextWithBody[Thing]) (Thing, error) {
		t, err := c.Body()
		if err != nil {
			return Thing{}, fuegoUnprocessable("invalid body", err)
		}
		return t, nil
	}, option.DefaultStatusCode(http.StatusCreated))
	return s.Mux
}

// fuegoRoutes is the result of RoutesFuego: the mux and its server.
type fuegoRoutes struct {
	*http.ServeMux
	s *fuego.Server
}

// RoutesFuego registers n Items routes with fuego.
func RoutesFuego(n int) http.Handler {
	s := newFuego()
	for i := range n {
		fuego.Get(s, fmt.Sprintf("/r%d/items/{id}", i), fuegoItems, fuegoItemsOptions()...)
	}
	return fuegoRoutes{s.Mux, s}
}

// OpenAPIFuego renders the OpenAPI document of a RoutesFuego application.
func OpenAPIFuego(h http.Handler) ([]byte, error) {
	return json.Marshal(h.(fuegoRoutes).s.OpenAPI.Description())
}

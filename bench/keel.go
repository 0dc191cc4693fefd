package bench

//go:generate go run github.com/keelgo/keel/cmd/keeladapt

import (
	"fmt"
	"net/http"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// keelImpls are Keel four times: "keel" with the typed constructors
// (di.Func1 ...); "keel-plain" with di.Provide and plain handler functions,
// the README's way, called through the adapters go generate writes
// (keel_adapters.go, router.WithAdapters); "keel-reflect", the same plain
// functions without adapters, called by reflection; and "keel-mux", the typed
// app behind an http.ServeMux, so that every request pays ServeMux's routing
// as the floor and the limit do (Keel's exact-match table for static routes
// skips it: compare Ping).
func keelImpls() []Impl {
	return []Impl{
		{Name: "keel", New: NewKeelTyped, Routes: RoutesKeel, OpenAPI: OpenAPIKeel},
		{Name: "keel-plain", New: NewKeelPlain, Routes: RoutesKeelPlain, OpenAPI: OpenAPIKeel},
		{Name: "keel-reflect", New: NewKeel, Routes: RoutesKeel, OpenAPI: OpenAPIKeel},
		{Name: "keel-mux", New: NewKeelServeMux},
	}
}

// keelItemParams are the Items parameters as Keel declares them.
type keelItemParams struct {
	ID    int    `path:"id"`
	Limit int    `query:"limit" default:"10" validate:"gte=1,lte=100"`
	Q     string `query:"q" default:"" validate:"max=50"`
}

func keelLookup(t security.Token) (*User, error) {
	u, ok := users[string(t)]
	if !ok {
		return nil, keel.NewHTTPError(http.StatusUnauthorized, "Could not validate credentials").
			WithHeader("WWW-Authenticate", "Bearer")
	}
	return u, nil
}

func keelClaimsUser(c Claims) (*User, error) {
	u, ok := users[c.Subject]
	if !ok {
		return nil, keel.NewHTTPError(http.StatusUnauthorized, "Could not validate credentials").
			WithHeader("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	return u, nil
}

func keelJWT() *security.JWTBearer[Claims] {
	return &security.JWTBearer[Claims]{
		Key:        Secret,
		Algorithms: []string{"HS256"},
		TokenURL:   "token",
		Scopes:     map[string]string{"me": "Read your profile.", "items": "Read items."},
	}
}

// NewKeelTyped is NewKeel with typed providers and handlers (di.Func0..Func2):
// the same graph, called without reflection.
func NewKeelTyped() http.Handler {
	app := router.New(router.Info{Title: "bench", Version: "1"})
	app.Get("/ping", di.Func0(func() (Pong, error) { return Pong{OK: true}, nil }))

	user := di.Func1(keelLookup, &security.OAuth2PasswordBearer{TokenURL: "token"})
	app.Get("/items/{id}", di.Func2(keelItems), user)

	claimsUser := di.Func1(keelClaimsUser, keelJWT())
	app.Get("/users/me/items", di.Func1(func(u *User) (Owned, error) {
		return Owned{ItemID: "Foo", Owner: u.Name}, nil
	}), di.Security(claimsUser, "items"))

	app.Post("/things", di.Func1(func(t Thing) (Thing, error) { return t, nil }), router.Status(http.StatusCreated))
	return app
}

// keelItemsUser is the Items endpoint's current user: the bearer token of an
// OAuth2 password flow, looked up in the user table.
func keelItemsUser() *di.Provider {
	oauth2 := &security.OAuth2PasswordBearer{TokenURL: "token"}
	return di.Provide(func(t security.Token) (*User, error) {
		u, ok := users[string(t)]
		if !ok {
			return nil, keel.NewHTTPError(http.StatusUnauthorized, "Could not validate credentials").
				WithHeader("WWW-Authenticate", "Bearer")
		}
		return u, nil
	}, oauth2)
}

func keelItems(p keelItemParams, u *User) (Item, error) {
	return Item{ID: p.ID, Limit: p.Limit, Q: p.Q, User: u.Name}, nil
}

// NewKeel serves the endpoints with Keel: typed handlers, providers for the
// current user, a security scheme per endpoint, parameter structs and a body
// struct validated from their tags.
func NewKeel() http.Handler { return newKeel() }

// NewKeelPlain is NewKeel with the generated adapters: the same plain
// functions, called without reflection.
func NewKeelPlain() http.Handler { return newKeel(router.WithAdapters(keelAdapters()...)) }

// NewKeelServeMux is NewKeelTyped behind an http.ServeMux holding the
// endpoints' patterns.
func NewKeelServeMux() http.Handler {
	app := NewKeelTyped()
	mux := http.NewServeMux()
	for _, p := range []string{"GET /ping", "GET /items/{id}", "GET /users/me/items", "POST /things"} {
		mux.Handle(p, app)
	}
	return mux
}

func newKeel(opts ...router.Option) http.Handler {
	app := router.New(router.Info{Title: "bench", Version: "1"}, opts...)
	app.Get("/ping", func() (Pong, error) { return Pong{OK: true}, nil })

	app.Get("/items/{id}", keelItems, di.Depends(keelItemsUser()))

	jwtBearer := &security.JWTBearer[Claims]{
		Key:        Secret,
		Algorithms: []string{"HS256"},
		TokenURL:   "token",
		Scopes:     map[string]string{"me": "Read your profile.", "items": "Read items."},
	}
	claimsUser := di.Provide(func(c Claims) (*User, error) {
		u, ok := users[c.Subject]
		if !ok {
			return nil, keel.NewHTTPError(http.StatusUnauthorized, "Could not validate credentials").
				WithHeader("WWW-Authenticate", `Bearer error="invalid_token"`)
		}
		return u, nil
	}, jwtBearer)
	app.Get("/users/me/items", func(u *User) (Owned, error) {
		return Owned{ItemID: "Foo", Owner: u.Name}, nil
	}, di.Security(claimsUser, "items"))

	app.Post("/things", func(t Thing) (Thing, error) { return t, nil }, router.Status(http.StatusCreated))
	return app
}

// RoutesKeel registers n Items routes with Keel.
func RoutesKeel(n int) http.Handler { return routesKeel(n) }

// RoutesKeelPlain is RoutesKeel with the generated adapters.
func RoutesKeelPlain(n int) http.Handler {
	return routesKeel(n, router.WithAdapters(keelAdapters()...))
}

func routesKeel(n int, opts ...router.Option) http.Handler {
	app := router.New(router.Info{Title: "bench", Version: "1"}, opts...)
	user := keelItemsUser()
	for i := range n {
		app.Get(fmt.Sprintf("/r%d/items/{id}", i), keelItems, di.Depends(user))
	}
	return app
}

// OpenAPIKeel renders the OpenAPI document of a RoutesKeel application.
func OpenAPIKeel(h http.Handler) ([]byte, error) { return h.(*router.App).OpenAPI() }

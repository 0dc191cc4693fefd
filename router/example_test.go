package router_test

import (
	"fmt"
	"io"
	"net/http/httptest"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
)

type Greeting struct {
	Message string `json:"message"`
}

type HelloParams struct {
	Name  string `path:"name" validate:"max=20"`
	Times int    `query:"times" default:"1" validate:"gte=1,lte=3"`
}

func hello(p HelloParams) (Greeting, error) {
	msg := ""
	for range p.Times {
		msg += "hello " + p.Name + "! "
	}
	return Greeting{Message: msg}, nil
}

// An App is an http.Handler: register typed handlers, then serve it.
func Example() {
	app := router.New(router.Info{Title: "Hello", Version: "1.0.0"})
	app.Get("/hello/{name}", hello)

	for _, url := range []string{"/hello/gopher?times=2", "/hello/gopher?times=9"} {
		w := httptest.NewRecorder()
		app.ServeHTTP(w, httptest.NewRequest("GET", url, nil))
		body, _ := io.ReadAll(w.Body)
		fmt.Println(w.Code, string(body))
	}
	// Output:
	// 200 {"message":"hello gopher! hello gopher! "}
	// 422 {"detail":[{"type":"less_than_equal","loc":["query","times"],"msg":"Input should be less than or equal to 3","input":"9","ctx":{"le":3}}]}
}

type APIKey string

type ExampleKeyHeader struct {
	Key string `header:"x-api-key"`
}

// Dependencies are providers: plain functions whose parameters are resolved too.
func ExampleApp_Get_dependencies() {
	apiKey := di.Provide(func(h ExampleKeyHeader) (APIKey, error) {
		if h.Key != "secret" {
			return "", keel.NewHTTPError(403, "Forbidden")
		}
		return APIKey(h.Key), nil
	})
	app := router.New(router.Info{Title: "Keys"})
	app.Get("/whoami", func(k APIKey) (map[string]string, error) {
		return map[string]string{"key": string(k)}, nil
	}, apiKey)

	r := httptest.NewRequest("GET", "/whoami", nil)
	r.Header.Set("X-API-Key", "wrong")
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body.String())
	// Output: 403 {"detail":"Forbidden"}
}

// Groups share a prefix, tags, dependencies and middleware.
func ExampleApp_Group() {
	app := router.New(router.Info{Title: "Groups"})
	v1 := app.Group("/v1", router.Tags("v1"))
	v1.Get("/ping", func() (map[string]bool, error) { return map[string]bool{"ok": true}, nil })

	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/v1/ping", nil))
	fmt.Println(w.Code, w.Body.String())
	// Output: 200 {"ok":true}
}

// Override swaps a provider for tests, at any depth.
func ExampleApp_Override() {
	type User struct {
		Name string `json:"name"`
	}
	realUser := di.Provide(func(h ExampleKeyHeader) (*User, error) { return nil, keel.NewHTTPError(401) })
	app := router.New(router.Info{Title: "Override"})
	app.Get("/me", func(u *User) (*User, error) { return u, nil }, realUser)

	app.Override(realUser, di.Provide(func() *User { return &User{Name: "test-user"} }))
	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/me", nil))
	fmt.Println(w.Code, w.Body.String())
	// Output: 200 {"name":"test-user"}
}

// Graph prints a route's dependency graph as declared; "(reflect)" marks the
// functions called by reflection (plain functions without an adapter, see
// WithAdapters).
func ExampleApp_Graph() {
	type Token string
	type User struct{ Name string }
	token := di.Provide(func(h ExampleKeyHeader) Token { return Token(h.Key) })
	user := di.Provide(func(t Token) *User { return &User{Name: string(t)} }, token)
	app := router.New(router.Info{Title: "Graph"})
	app.Get("/me", func(u *User) (*User, error) { return u, nil }, di.Security(user, "me"))
	fmt.Print(app.Graph("GET", "/me"))
	// Output:
	// router_test.ExampleApp_Graph.func3 (reflect)
	//   router_test.ExampleApp_Graph.func2 scopes=[me] (reflect)
	//     router_test.ExampleApp_Graph.func1 scopes=[me] (reflect)
	//       params(router_test.ExampleKeyHeader) scopes=[me] (params)
}

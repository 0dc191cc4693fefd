package di_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
)

// Security declares scopes; providers below see them, parents first.
func ExampleSecurity() {
	type Me []string
	check := di.Provide(func(s di.SecurityScopes) []string { return s.Scopes })
	me := di.Provide(func(s []string) Me { return s }, di.Security(check, "me"))
	app := router.New(router.Info{Title: "Scopes"})
	app.Get("/users/me/items/", func(m Me) (Me, error) { return m, nil }, di.Security(me, "items"))

	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/users/me/items/", nil))
	fmt.Println(w.Body.String())
	// Output: ["items","me"]
}

// Providers may return a cleanup that sees the request's error.
func ExampleCleanup() {
	type Conn struct{ ID int }
	conn := di.Provide(func() (*Conn, di.Cleanup, error) {
		c := &Conn{ID: 1}
		return c, func(err error) error {
			fmt.Println("release conn", c.ID, "error:", err)
			return err
		}, nil
	})
	app := router.New(router.Info{Title: "Cleanup"})
	app.Get("/conn", func(c *Conn) (int, error) {
		fmt.Println("handler uses conn", c.ID)
		return c.ID, nil
	}, conn)

	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/conn", nil))
	fmt.Println("response", w.Body.String())
	// Output:
	// handler uses conn 1
	// release conn 1 error: <nil>
	// response 1
}

// Args binds dependencies to parameters by position: three ints from one
// provider, declared with different scopes, as FastAPI's
// `count: int = Security(dep_counter)` and its siblings.
func ExampleArgs() {
	calls := 0
	depCounter := di.Provide(func() int { calls++; return calls })
	app := router.New(router.Info{Title: "Counters"})
	app.Get("/scope-counter", func(count, scoped1, scoped2 int) (string, error) {
		return fmt.Sprint(count, scoped1, scoped2), nil
	}, di.Args(
		di.Security(depCounter),
		di.Security(depCounter, "scope"),
		di.Security(depCounter, "scope"), // the same cache key as the line above: one call
	))
	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/scope-counter", nil))
	fmt.Println(w.Body.String())
	// Output: "1 2 2"
}

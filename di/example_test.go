package di_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
)

// Security declares scopes; providers below see them, parents first.
func ExampleSecurity() {
	type Scopes []string
	check := di.Provide(func(s di.SecurityScopes) Scopes { return s.Scopes })
	type Me Scopes
	me := di.Provide(func(s Scopes) Me { return Me(s) }, di.Security(check, "me"))

	plan, err := di.Compile(di.Provide(func(m Me) (Me, error) { return m, nil }), nil,
		[]di.Dependency{di.Security(me, "items")}, di.Config{})
	if err != nil {
		panic(err)
	}
	st := plan.Acquire(httptest.NewRequest("GET", "/", nil))
	v, _ := st.Run()
	st.CloseAll(nil)
	plan.Release(st)
	fmt.Println(v.Interface())
	// Output: [items me]
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
	plan, _ := di.Compile(di.Provide(func(c *Conn) (int, error) { return c.ID, nil }), nil,
		[]di.Dependency{di.Depends(conn)}, di.Config{})
	st := plan.Acquire(httptest.NewRequest("GET", "/", nil))
	v, err := st.Run()
	fmt.Println("handler returned", v.Interface())
	st.CloseAll(err)
	plan.Release(st)
	// Output:
	// handler returned 1
	// release conn 1 error: <nil>
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

package router_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
)

type DB struct{}

type PathID struct {
	ID int `path:"id"`
}

func registerPanic(f func()) (msg string) {
	defer func() {
		if p := recover(); p != nil {
			msg = fmt.Sprint(p)
		}
	}()
	f()
	return ""
}

// Core issue item 3: misdeclared routes fail at registration with a message that
// names the route, the function, the parameter, its type and the fix.
func TestRegistrationErrors(t *testing.T) {
	type A int
	type R string
	fnScoped := di.Provide(func() (A, di.Cleanup, error) { return 1, nil, nil })
	reqScoped := di.Provide(func(A) (R, di.Cleanup, error) { return "", nil, nil }, di.Depends(fnScoped).InScope(di.ScopeFunction))
	type CA int
	type CB int
	cases := []struct {
		name string
		reg  func(app *router.App)
		want []string
	}{
		{"unresolvable", func(app *router.App) {
			app.Get("/x", func(*DB) error { return nil })
		}, []string{"GET /x", "parameter #1 (*router_test.DB)", "nothing provides *router_test.DB", "app.Provide"}},
		{"ambiguous", func(app *router.App) {
			app.Get("/x", func(a, b A) error { return nil }, di.Provide(func() A { return 1 }))
		}, []string{"ambiguous", "parameters #1 and #2", "di.Args(", "di.Auto()"}},
		{"ambiguous by type for a provider", func(app *router.App) {
			one := di.Provide(func() A { return 1 })
			p := di.Provide(func(a, b A) R { return "" }, one, one)
			app.Get("/x", func(R) error { return nil }, p)
		}, []string{"ambiguous", "di.Args("}},
		{"unused in provider", func(app *router.App) {
			p := di.Provide(func() R { return "" }, di.Provide(func() A { return 1 }))
			app.Get("/x", func(R) error { return nil }, p)
		}, []string{"which no parameter", "remove it"}},
		{"scope", func(app *router.App) {
			app.Get("/x", func(R) error { return nil }, reqScoped)
		}, []string{`has a scope of "request", it cannot depend on dependencies with scope "function"`}},
		{"path field missing from pattern", func(app *router.App) {
			app.Get("/x", func(PathID) error { return nil })
		}, []string{`path field "id"`, "add {id} to the pattern"}},
		{"wildcard bound to nothing", func(app *router.App) {
			app.Get("/x/{name}", func() error { return nil })
		}, []string{"{name} is bound to nothing"}},
		{"cycle through app-wide providers", func(app *router.App) {
			app.Provide(di.Provide(func(CB) CA { return 0 }), di.Provide(func(CA) CB { return 0 }))
			app.Get("/x", func(CA) error { return nil })
		}, []string{"dependency cycle", "→"}},
		{"bad handler", func(app *router.App) {
			app.Get("/x", 42)
		}, []string{"want a function"}},
		{"bad option", func(app *router.App) {
			app.Get("/x", func() error { return nil }, "oops")
		}, []string{"argument #3 has type string"}},
		{"malformed tag", func(app *router.App) {
			app.Get("/x", func(struct {
				N int `query:"n" validate:"gte=abc"`
			}) error {
				return nil
			})
		}, []string{"GET /x", "gte"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app, _ := quietApp()
			msg := registerPanic(func() { c.reg(app) })
			if msg == "" {
				t.Fatal("registration did not fail")
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestDuplicateOperationID(t *testing.T) {
	app, _ := quietApp()
	app.Get("/a", func() error { return nil }, router.OperationID("same"))
	msg := registerPanic(func() { app.Get("/b", func() error { return nil }, router.OperationID("same")) })
	if !strings.Contains(msg, `operationId "same" is already used by GET /a`) {
		t.Fatalf("got %q", msg)
	}
}

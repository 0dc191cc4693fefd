package router_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/testutil"
	"github.com/keelgo/keel/router"
)

type argsQuery struct {
	Q string `query:"q"`
}

type argsNames []string

type argsNamer interface{ Name() string }

type argsNamed string

func (n argsNamed) Name() string { return string(n) }

// di.Args binds dependencies to parameters by position: parameters of one
// type get different dependencies, one line each (issue 10 item 1).
func TestArgsByPosition(t *testing.T) {
	n := 0
	counter := di.Provide(func(s di.SecurityScopes) int { n++; return n*100 + len(s.Scopes) })
	double := di.Func1(func(c int) (int, error) { return 2 * c, nil }, di.Args(di.Security(counter, "x")))
	word := di.Provide(func() string { return "w" })
	app, _ := quietApp()

	// Three ints, a built-in and a parameter struct left to the usual
	// resolution (Auto and after the last entry), a by-type dependency for the
	// remaining string.
	app.Get("/mixed", func(a int, r *http.Request, b int, q argsQuery, s string, c int) (map[string]any, error) {
		return map[string]any{"a": a, "b": b, "c": c, "path": r.URL.Path, "q": q.Q, "s": s}, nil
	}, di.Args(di.Depends(counter), di.Auto(), di.Security(counter, "a"), di.Auto(), di.Auto(), double), word)
	n = 0
	testutil.Get(app, "/mixed?q=z").Expect(t, 200, `{"a":100,"b":201,"c":602,"path":"/mixed","q":"z","s":"w"}`)

	// A typed handler, with an unnamed type for a named one, a concrete type
	// for an interface, and a by-type dependency filling the parameter Args
	// leaves although it matches a bound one by type.
	names := di.Provide(func() []string { return []string{"a", "b"} })
	namer := di.Provide(func() argsNamed { return "n" })
	app.Get("/typed", di.Func3(func(x argsNames, y argsNamer, z int) (string, error) {
		return strings.Join(x, ",") + "/" + y.Name() + "/" + string(rune('0'+z%10)), nil
	}), di.Args(names, namer), di.Provide(func() int { return 7 }))
	testutil.Get(app, "/typed").Expect(t, 200, `"a,b/n/7"`)
}

func TestArgsRegistrationErrors(t *testing.T) {
	one := di.Provide(func() int { return 1 })
	str := di.Provide(func() string { return "" })
	effect := di.Provide(func() error { return nil })
	h2 := func(a, b int) (string, error) { return "", nil }
	for _, tt := range []struct {
		name string
		reg  func(app *router.App)
		want []string
	}{
		{"too many entries", func(app *router.App) { app.Get("/x", h2, di.Args(one, one, one)) },
			[]string{"GET /x", "di.Args has 3 entries", "has 2 parameters"}},
		{"not assignable", func(app *router.App) { app.Get("/x", h2, di.Args(one, str)) },
			[]string{"parameter #2 (int)", "di.Args entry #2", "provides string, which is not assignable to this parameter", "di.Auto() skips one"}},
		{"provides nothing", func(app *router.App) { app.Get("/x", h2, di.Args(effect)) },
			[]string{"parameter #1 (int)", "provides nothing", "router.Dependencies"}},
		{"two lists", func(app *router.App) { app.Get("/x", h2, di.Args(one), di.Args(di.Auto(), one)) },
			[]string{"two di.Args lists"}},
		{"Auto alone", func(app *router.App) { app.Get("/x", h2, di.Args(one, one), di.Auto()) },
			[]string{"di.Auto() stands only in a di.Args list"}},
		{"one entry for two parameters", func(app *router.App) { app.Get("/x", func(int) error { return nil }, di.Args(one)) }, nil},
		{"in a provider", func(app *router.App) {
			p := di.Provide(func(a, b int) string { return "" }, di.Args(one, str))
			app.Get("/x", func(string) error { return nil }, p)
		}, []string{"di.Args entry #2", "provides string"}},
		{"as a group dependency", func(app *router.App) { app.Group("/g", di.Args(one)) },
			[]string{"di.Args and di.Auto bind the parameters of one function"}},
		{"as a route effect", func(app *router.App) { app.Get("/x", h2, router.Dependencies(di.Args(one))) },
			[]string{"di.Args and di.Auto bind the parameters of one function"}},
		{"nil entry", func(app *router.App) { di.Args(one, nil) },
			[]string{"entry #2 is nil", "di.Auto()"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app, _ := quietApp()
			msg := registerPanic(func() { tt.reg(app) })
			if tt.want == nil {
				if msg != "" {
					t.Fatal(msg)
				}
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
		})
	}
}

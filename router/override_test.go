package router_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/testutil"
	"github.com/keelgo/keel/router"
)

type overrideName string

// overrideApp serves GET /name with the name a provider gives.
func overrideApp(name *di.Provider) *router.App {
	app, _ := quietApp()
	app.Get("/name", func(n overrideName) (string, error) { return string(n), nil }, name)
	return app
}

func constName(s string) *di.Provider {
	return di.Provide(func() overrideName { return overrideName(s) })
}

// Override returns the replacement it displaced, so that passing it back
// restores the previous state exactly, nil included.
func TestOverrideReturnsPrevious(t *testing.T) {
	orig, a, b := constName("orig"), constName("a"), constName("b")
	app := overrideApp(orig)
	steps := []struct {
		replacement di.Source
		wantPrev    di.Source
		wantBody    string
	}{
		{a, nil, `"a"`},
		{b, a, `"b"`},
		{nil, b, `"orig"`},
		{nil, nil, `"orig"`},
		{(*di.Provider)(nil), nil, `"orig"`}, // a typed nil removes too
		{di.Depends(a), nil, `"a"`},          // stored as its provider
		{b, a, `"b"`},
	}
	for i, s := range steps {
		prev := app.Override(orig, s.replacement)
		if prev != s.wantPrev {
			t.Errorf("step %d: Override returned %v, want %v", i, prev, s.wantPrev)
		}
		testutil.Get(app, "/name").Expect(t, 200, s.wantBody)
	}
	// Undo in reverse order: each step's previous value brings back the state before it.
	app.ResetOverrides()
	var undo []di.Source
	for _, r := range []di.Source{a, b, nil, a} {
		undo = append(undo, app.Override(orig, r))
	}
	for i := len(undo) - 1; i >= 0; i-- {
		app.Override(orig, undo[i])
	}
	testutil.Get(app, "/name").Expect(t, 200, `"orig"`)
	if prev := app.Override(orig, nil); prev != nil {
		t.Errorf("after undoing every step, an override is left: %v", prev)
	}
}

// A replacement that cannot be compiled panics and leaves the App as it was.
func TestOverrideFailureChangesNothing(t *testing.T) {
	orig, a := constName("orig"), constName("a")
	app := overrideApp(orig)
	app.Override(orig, a)
	bad := di.Provide(func(chan int) overrideName { return "bad" }) // nothing provides a channel
	func() {
		defer func() {
			p := recover()
			if p == nil || !strings.Contains(fmt.Sprint(p), "with overrides") {
				t.Errorf("panic = %v, want a registration error", p)
			}
		}()
		app.Override(orig, bad)
	}()
	testutil.Get(app, "/name").Expect(t, 200, `"a"`)
	if prev := app.Override(orig, nil); prev != a {
		t.Errorf("the failed override was kept: previous = %v, want %v", prev, a)
	}
}

// Apps share providers (package-level values) but no override state: tests
// overriding the same provider on different apps run in parallel (run with -race).
func TestOverrideParallelApps(t *testing.T) {
	orig := constName("orig")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			app := overrideApp(orig)
			want := fmt.Sprintf("app%d", i)
			for range 20 {
				prev := app.Override(orig, constName(want))
				if r := testutil.Get(app, "/name"); strings.TrimSpace(r.Body) != `"`+want+`"` {
					t.Errorf("app %d: %s", i, r.Body)
				}
				app.Override(orig, prev)
			}
		}()
	}
	wg.Wait()
}

// Overrides of one App may come from several goroutines; each sees a consistent
// previous value, and requests served meanwhile get a complete plan.
func TestOverrideConcurrentSameApp(t *testing.T) {
	orig := constName("orig")
	app := overrideApp(orig)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range 20 {
				app.Override(orig, constName("x"))
				app.Override(orig, nil)
			}
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				if r := testutil.Get(app, "/name"); r.Status != 200 {
					t.Errorf("status %d", r.Status)
				}
			}
		}()
	}
	wg.Wait()
}

type ovUser struct{ Name string }

type ovNames []string

type ovStore interface{ Name() string }

type ovFakeStore struct{}

func (ovFakeStore) Name() string { return "fake" }

// An override whose result is not assignable to the original's is refused at
// Override, naming both types, on the reflective and the typed path, whether or
// not a route uses the original yet (issue 10 item 2).
func TestOverrideTypeChecked(t *testing.T) {
	reflective := di.Provide(func() (*ovUser, error) { return &ovUser{"john"}, nil })
	typed := di.Func0(func() (*ovUser, error) { return &ovUser{"john"}, nil })
	wrongReflective := di.Provide(func() (string, error) { return "alice", nil })
	wrongTyped := di.Func0(func() (string, error) { return "alice", nil })
	effect := di.Provide(func() error { return nil })
	for _, tc := range []struct {
		name       string
		orig, repl *di.Provider
		used       bool
		want       []string
	}{
		{"reflective", reflective, wrongReflective, true, []string{"provides string", "not assignable to *router_test.ovUser"}},
		{"typed", typed, wrongTyped, true, []string{"provides string", "not assignable to *router_test.ovUser"}},
		{"unused original", reflective, wrongTyped, false, []string{"provides string", "*router_test.ovUser"}},
		{"replacement provides nothing", typed, effect, true, []string{"provides nothing", "*router_test.ovUser"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app, _ := quietApp()
			if tc.used {
				app.Get("/me", di.Func1(func(u *ovUser) (string, error) { return u.Name, nil }), tc.orig)
			}
			p := registerPanic(func() { app.Override(tc.orig, tc.repl) })
			if p == "" {
				t.Fatal("Override accepted the replacement")
			}
			for _, w := range append(tc.want, "app.Override") {
				if !strings.Contains(p, w) {
					t.Errorf("panic %q lacks %q", p, w)
				}
			}
			if tc.used {
				testutil.Get(app, "/me").Expect(t, 200, `"john"`)
			}
		})
	}
}

// A replacement of an assignable type reaches typed and reflective functions
// as its value, never a zero value: an unnamed type for a named one, a
// concrete type for an interface, anything for an effect-only original.
func TestOverrideAssignable(t *testing.T) {
	names := di.Func0(func() (ovNames, error) { return ovNames{"a"}, nil })
	store := di.Func0(func() (ovStore, error) { return nil, nil })
	effect := di.Provide(func() error { return keel.NewHTTPError(418, "teapot") })
	app, _ := quietApp()
	app.Get("/typed", di.Func2(func(n ovNames, s ovStore) (string, error) {
		if s == nil {
			return strings.Join(n, ",") + "/nil", nil
		}
		return strings.Join(n, ",") + "/" + s.Name(), nil
	}), names, store)
	app.Get("/reflect", func(n ovNames, s ovStore) (string, error) {
		if s == nil {
			return strings.Join(n, ",") + "/nil", nil
		}
		return strings.Join(n, ",") + "/" + s.Name(), nil
	}, names, store)
	app.Get("/effect", func() (string, error) { return "ran", nil }, router.Dependencies(effect))
	testutil.Get(app, "/typed").Expect(t, 200, `"a/nil"`)
	testutil.Get(app, "/effect").Expect(t, 418, `{"detail":"teapot"}`)

	app.Override(names, di.Provide(func() []string { return []string{"x", "y"} }))
	app.Override(store, di.Func0(func() (ovFakeStore, error) { return ovFakeStore{}, nil }))
	app.Override(effect, di.Provide(func() int { return 1 }))
	testutil.Get(app, "/typed").Expect(t, 200, `"x,y/fake"`)
	testutil.Get(app, "/reflect").Expect(t, 200, `"x,y/fake"`)
	testutil.Get(app, "/effect").Expect(t, 200, `"ran"`)
}

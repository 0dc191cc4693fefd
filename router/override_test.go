package router_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

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

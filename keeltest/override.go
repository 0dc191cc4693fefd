package keeltest

import (
	"fmt"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/resolve"
)

// Overrider is an app whose dependencies can be overridden, such as a
// *router.App. Override returns the replacement in effect before the call, nil
// when there was none; Override(original, nil) removes an override.
type Overrider interface {
	Override(original, replacement di.Source) (previous di.Source)
}

// Override replaces original with replacement in app for the rest of the test,
// as app.Override does (FastAPI's app.dependency_overrides), and restores what
// was there before, override or none, when the test ends (t.Cleanup). A nil
// replacement removes an override for the test. Overrides nest: the last one
// made is restored first.
//
// Overrides apply to the whole App: tests that override one App must not run
// in parallel, and Override reports it when it finds at cleanup that another
// test changed the override meanwhile. Tests with an App each run in parallel
// freely.
//
// A replacement the App cannot compile fails the test (t.Fatalf) and changes
// nothing.
func Override(t testing.TB, app Overrider, original, replacement di.Source) {
	t.Helper()
	if p, ok := replacement.(*di.Provider); ok && p == nil {
		replacement = nil
	}
	var mine *di.Provider
	if replacement != nil {
		mine = (*di.Provider)(resolve.Dependency(di.Depends(replacement)).Provider())
	}
	prev, err := override(app, original, replacement)
	if err != nil {
		t.Fatalf("keeltest.Override: %v", err)
	}
	t.Cleanup(func() {
		cur, err := override(app, original, prev)
		if err != nil {
			t.Errorf("keeltest.Override: restoring %s: %v", name(original), err)
			return
		}
		if p, _ := cur.(*di.Provider); p != mine && cur != nil {
			t.Errorf("keeltest.Override: the override of %s was changed during the test by someone else (tests that override one App must not run in parallel); restored the one from before the test", name(original))
		}
	})
}

// override calls app.Override, turning its panic into an error.
func override(app Overrider, original, replacement di.Source) (prev di.Source, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	return app.Override(original, replacement), nil
}

func name(src di.Source) string {
	if src == nil {
		return "<nil>"
	}
	if p := resolve.Dependency(src.Dependency()).Provider(); p != nil {
		return p.Name()
	}
	return fmt.Sprint(src)
}

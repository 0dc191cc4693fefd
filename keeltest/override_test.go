package keeltest_test

import (
	"fmt"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/keeltest"
)

func fakeUser(name string) *di.Provider {
	return di.Provide(func() *user { return &user{Name: name, Scopes: []string{"notes:read"}} })
}

// An override lasts for the test that makes it; what was there before comes back.
func TestOverride(t *testing.T) {
	app := notesApp()
	c := keeltest.New(t, app)
	anon := func(t *testing.T) { c.For(t).Get("/users/me").ExpectStatus(401) }
	me := func(t *testing.T, name string) {
		c.For(t).Get("/users/me").ExpectStatus(200).ExpectJSON(fmt.Sprintf(`{"name":%q,"scopes":["notes:read"]}`, name))
	}

	t.Run("scoped to the test", func(t *testing.T) {
		keeltest.Override(t, app, CurrentUser, fakeUser("alice"))
		me(t, "alice")
		// The override keeps the original's scopes: a route with
		// di.Security(CurrentUser, "notes:read") uses the replacement too.
		c.For(t).Get("/notes/").ExpectStatus(200).ExpectJSON(`["alice's note"]`)
	})
	anon(t)

	t.Run("nested", func(t *testing.T) {
		keeltest.Override(t, app, CurrentUser, fakeUser("alice"))
		t.Run("inner", func(t *testing.T) {
			keeltest.Override(t, app, CurrentUser, fakeUser("bob"))
			keeltest.Override(t, app, CurrentUser, fakeUser("carol"))
			me(t, "carol")
		})
		me(t, "alice")
	})
	anon(t)

	// An override made outside keeltest is restored exactly.
	app.Override(CurrentUser, fakeUser("dave"))
	t.Run("over an existing override", func(t *testing.T) {
		keeltest.Override(t, app, CurrentUser, fakeUser("erin"))
		me(t, "erin")
	})
	me(t, "dave")
	t.Run("nil removes it for the test", func(t *testing.T) {
		keeltest.Override(t, app, CurrentUser, nil)
		anon(t)
	})
	me(t, "dave")
	t.Run("reset during the test", func(t *testing.T) {
		keeltest.Override(t, app, CurrentUser, fakeUser("frank"))
		app.ResetOverrides()
		anon(t)
	})
	me(t, "dave")
	app.ResetOverrides()
	anon(t)
}

func TestOverrideFailures(t *testing.T) {
	app := notesApp()
	c := keeltest.New(t, app)

	// A replacement the app cannot compile fails the test and changes nothing.
	bad := di.Provide(func(chan int) *user { return nil })
	f := run(t, func(tb testing.TB) { keeltest.Override(tb, app, CurrentUser, bad) })
	expectFailures(t, f, "FATAL keeltest.Override: keel: route GET /users/me (handler")
	c.Get("/users/me").ExpectStatus(401)

	// Someone else changing the override during the test is reported, and
	// the state from before the test restored.
	f = run(t, func(tb testing.TB) {
		keeltest.Override(tb, app, CurrentUser, fakeUser("alice"))
		app.Override(CurrentUser, fakeUser("mallory"))
	})
	expectFailures(t, f, "keeltest.Override: the override of keeltest_test.currentUser was changed during the test by someone else (tests that override one App must not run in parallel); restored the one from before the test")
	c.Get("/users/me").ExpectStatus(401)
}

// Parallel tests with an App each override the same provider freely (run
// with -race).
func TestOverrideParallel(t *testing.T) {
	for i := range 6 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			app := notesApp()
			name := fmt.Sprintf("user%d", i)
			keeltest.Override(t, app, CurrentUser, fakeUser(name))
			c := keeltest.New(t, app)
			for range 10 {
				c.Get("/users/me").ExpectStatus(200).ExpectJSON(fmt.Sprintf(`{"name":%q,"scopes":["notes:read"]}`, name))
			}
		})
	}
}

package main

// In-process tests of what several instances share: the login throttle,
// health and readiness, a first start by several instances at once, and two
// apps sharing one Redis (when a redis-server can be started; the process
// test TestInstances runs three real instances under load).

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keelgo/keel/cmd/example/app"
	"github.com/keelgo/keel/keeltest"
	"github.com/keelgo/keel/redisstore"
	"github.com/keelgo/keel/redisstore/redistest"
)

const (
	tooMany     = `{"detail":"Too many login attempts"}`
	unavailable = `{"detail":"Service Unavailable"}`
)

// TestLoginThrottled: five wrong passwords for one user from one address,
// then that address is refused for that user, with the right password too.
func TestLoginThrottled(t *testing.T) {
	f := newFixture(t)
	pw := func(user, password string) call {
		return form("/token", url.Values{"username": {user}, "password": {password}})
	}
	for range 5 {
		check(t, f.do(t, pw("johndoe", "wrong")), want{400, nil, incorrectUser})
	}
	// The clock is fixed: the first failure leaves the window in 15 minutes.
	check(t, f.do(t, pw("johndoe", "wrong")), want{429, hdr("Retry-After", "900"), tooMany})
	check(t, f.do(t, pw("johndoe", "secret")), want{429, hdr("Retry-After", "900"), tooMany})
	// Another user from the same address is not throttled; nor is a form the
	// handler refuses counted.
	check(t, f.do(t, pw("alice", "wrong")), want{400, nil, incorrectUser})
	check(t, f.do(t, form("/token", url.Values{"username": {"alice"}})), want{422, nil, ""})
}

// TestHealth covers GET /healthz and GET /readyz, which are not in the
// OpenAPI document.
func TestHealth(t *testing.T) {
	var storeErr error
	var mu sync.Mutex
	a, err := app.New(app.Config{
		DBPath: filepath.Join(t.TempDir(), "example.db"),
		Secret: testSecret,
		StoreReady: func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			return storeErr
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	c := keeltest.New(t, a)
	c.Get("/healthz").ExpectStatus(200).ExpectJSON(`{"status":"ok"}`)
	c.Get("/readyz").ExpectStatus(200).ExpectJSON(`{"status":"ok","checks":{"database":"ok","store":"ok"}}`)
	mu.Lock()
	storeErr = errors.New("connection refused")
	mu.Unlock()
	c.Get("/readyz").ExpectStatus(503).ExpectHeader("Retry-After", "5").
		ExpectJSON(`{"status":"unavailable","checks":{"database":"ok","store":"unavailable"}}`)
	c.Get("/healthz").ExpectStatus(200)
	var doc struct{ Paths map[string]any }
	c.Get("/openapi.json").Decode(&doc)
	for _, p := range []string{"/healthz", "/readyz"} {
		if _, ok := doc.Paths[p]; ok {
			t.Errorf("%s is in the OpenAPI document", p)
		}
	}
	a.DB().Close()
	c.Get("/readyz").ExpectStatus(503).ExpectJSON(`{"status":"unavailable","checks":{"database":"unavailable","store":"unavailable"}}`)
}

// TestFirstStartTogether: instances started at the same moment on one new
// database file all start, and the users are seeded once.
func TestFirstStartTogether(t *testing.T) {
	path := filepath.Join(t.TempDir(), "example.db")
	const n = 4
	apps := make([]*app.App, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { apps[i], errs[i] = app.New(app.Config{DBPath: path, Secret: testSecret}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		defer apps[i].Close()
	}
	var users, scopes int
	if err := apps[0].DB().QueryRow(`SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM user_scopes)`).Scan(&users, &scopes); err != nil {
		t.Fatal(err)
	}
	if users != 2 || scopes != 3 {
		t.Fatalf("%d users and %d scopes, want 2 and 3 (seeded once)", users, scopes)
	}
	for i := range n {
		keeltest.New(t, apps[i]).Login("/token", "johndoe", "secret", "me")
	}
}

// TestSharedRedis: two apps sharing one Redis and one database behave as one
// for Digest replays, revoked tokens and failed logins; with Redis stopped,
// exactly the checks that need it answer 503 (logged once), and when it is
// back they answer as before, with no restart.
func TestSharedRedis(t *testing.T) {
	srv := redistest.Start(t)
	redisstore.LogTo(slog.New(slog.DiscardHandler), slog.LevelDebug)
	path := filepath.Join(t.TempDir(), "example.db")
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	newApp := func() *keeltest.Client {
		// A generous timeout: this test is about what is shared, not latency.
		rs, err := redisstore.Open(srv.URL, redisstore.Options{Prefix: "test:", Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rs.Close() })
		a, err := app.New(app.Config{DBPath: path, Secret: testSecret, Logger: logger,
			Nonces: rs, Revocations: rs, Attempts: rs, StoreReady: rs.Ping})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return keeltest.New(t, a, keeltest.FollowRedirects(false))
	}
	a, b := newApp(), newApp()
	const digestPath = "/digest/users/me"

	// A Digest header used on a is refused on b.
	ch := a.Get(digestPath)
	auth := keeltest.Header("Authorization", digestAuthorization(t, ch, "SHA-256", "johndoe", "secret", "GET", digestPath))
	a.Get(digestPath, auth).ExpectStatus(200)
	b.Get(digestPath, auth).ExpectStatus(401).ExpectJSON(notAuth)

	// A token revoked on a is refused on b.
	tok := a.Login("/token", "johndoe", "secret", "me items")
	b.Get("/users/me/", keeltest.Bearer(tok)).ExpectStatus(200)
	a.Post("/logout", keeltest.Bearer(tok)).ExpectStatus(204)
	b.Get("/jwt/items/", keeltest.Bearer(tok)).ExpectStatus(401).ExpectHeader("WWW-Authenticate", `Bearer error="invalid_token"`)

	// Failures on a and b add up.
	login := func(c *keeltest.Client, password string) *keeltest.Response {
		return c.Post("/token", keeltest.Form(url.Values{"username": {"alice"}, "password": {password}}))
	}
	for i := range 5 {
		login([]*keeltest.Client{a, b}[i%2], "wrong").ExpectStatus(400)
	}
	login(a, "wrong").ExpectStatus(429).ExpectJSON(tooMany)
	if ra, err := strconv.Atoi(login(b, "secretalice").ExpectStatus(429).Header.Get("Retry-After")); err != nil || ra < 1 || ra > 900 {
		t.Errorf("Retry-After %d, %v: want 1 to 900 seconds", ra, err)
	}

	// Redis down: the checks that need it answer 503; the others answer.
	tok2 := a.Login("/token", "johndoe", "secret", "me items")
	srv.Stop()
	for _, c := range []*keeltest.Client{a, b} {
		for range 3 {
			c.Get("/users/me/", keeltest.Bearer(tok2)).ExpectStatus(503).ExpectHeader("Retry-After", "5").ExpectJSON(unavailable)
			c.Get(digestPath, keeltest.Header("Authorization", digestAuthorizationNC(t, ch, "SHA-256", "johndoe", "secret", "GET", digestPath, "00000009"))).
				ExpectStatus(503).ExpectJSON(unavailable)
			login(c, "secretalice").ExpectStatus(503).ExpectJSON(unavailable)
			c.Get(digestPath, auth).ExpectStatus(503) // a replay is never let through
			c.Get("/items/5?q=x&size=1.5").ExpectStatus(200)
			c.Get("/basic/users/me", keeltest.BasicAuth("stanleyjobson", "swordfish")).ExpectStatus(200)
			c.Get("/openapi.json").ExpectStatus(200)
			c.Get("/readyz").ExpectStatus(503)
		}
	}
	srv.Restart()
	// The client dials again within a second (go-redis probes a server that
	// refused its dials once a second): wait for readiness, as a load
	// balancer does.
	for _, c := range []*keeltest.Client{a, b} {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if c.Get("/readyz").StatusCode == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("not ready 10 s after Redis was restarted")
			}
		}
	}
	// Back, empty (no persistence): the token works again, and everything
	// answers as usual without restarting the apps.
	a.Get("/users/me/", keeltest.Bearer(tok2)).ExpectStatus(200)
	b.Get("/users/me/", keeltest.Bearer(tok2)).ExpectStatus(200)
	b.Get("/readyz").ExpectStatus(200)
	login(b, "secretalice").ExpectStatus(200)
	ch = b.Get(digestPath)
	auth = keeltest.Header("Authorization", digestAuthorization(t, ch, "SHA-256", "johndoe", "secret", "GET", digestPath))
	a.Get(digestPath, auth).ExpectStatus(200)
	b.Get(digestPath, auth).ExpectStatus(401)

	// Each check logged the outage once per app (the end of an incident is
	// logged after a quiet second: TestInstances checks it).
	out := logs.String()
	if n := strings.Count(out, "level=ERROR"); n > 6 || n == 0 {
		t.Errorf("%d errors logged for one outage, want one per check and app:\n%s", n, out)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

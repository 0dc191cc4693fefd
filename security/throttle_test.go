package security_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// throttleClock is a settable clock for the in-memory attempt store.
type throttleClock struct{ ns atomic.Int64 }

func (c *throttleClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *throttleClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

type loginToken struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
}

// throttledApp serves POST /token, johndoe:secret, behind throttle, and
// counts the passwords it checked.
func throttledApp(throttle *security.LoginThrottle, checked *atomic.Int64) http.Handler {
	app := router.New(router.Info{Title: "x", Version: "1"})
	token := func(form security.OAuth2PasswordRequestForm) (loginToken, error) {
		checked.Add(1)
		if form.Username != "johndoe" || !security.CompareSecret(form.Password, "secret") {
			return loginToken{}, keel.NewHTTPError(400, "Incorrect username or password")
		}
		return loginToken{AccessToken: "t", TokenType: "bearer"}, nil
	}
	app.Post("/token", token, throttle, router.Name("login"))
	app.Get("/free", func() (string, error) { return "ok", nil })
	return app
}

func login(t *testing.T, h http.Handler, remote, user, password string, header ...string) result {
	t.Helper()
	form := url.Values{"username": {user}, "password": {password}}
	r := httptest.NewRequest("POST", "/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return do(t, h, r)
}

const (
	badLogin  = `{"detail":"Incorrect username or password"}`
	goodLogin = `{"access_token":"t","token_type":"bearer"}`
	throttled = `{"detail":"Too many login attempts"}`
)

func wantStatus(t *testing.T, r result, code int, body string, retryAfter string) {
	t.Helper()
	if r.code != code || r.body != body {
		t.Fatalf("got %d %s, want %d %s", r.code, r.body, code, body)
	}
	if got := r.header.Get("Retry-After"); got != retryAfter {
		t.Fatalf("Retry-After = %q, want %q", got, retryAfter)
	}
}

func TestLoginThrottle(t *testing.T) {
	clock := &throttleClock{}
	clock.ns.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	store := security.NewMemoryAttemptStore(0)
	store.Now = clock.Now
	var checked atomic.Int64
	h := throttledApp(&security.LoginThrottle{Attempts: store}, &checked)
	const a, b = "192.0.2.1:1234", "192.0.2.2:1234"

	for i := range 5 {
		wantStatus(t, login(t, h, a, "johndoe", fmt.Sprint("wrong", i)), 400, badLogin, "")
		clock.Advance(time.Minute)
	}
	// The sixth attempt from a is refused before the password is checked,
	// the right password too; the first failure leaves the window in 10 min.
	checked.Store(0)
	wantStatus(t, login(t, h, a, "johndoe", "wrong"), 429, throttled, "600")
	wantStatus(t, login(t, h, a, "johndoe", "secret"), 429, throttled, "600")
	if checked.Load() != 0 {
		t.Fatalf("%d passwords checked while throttled", checked.Load())
	}
	// Another address, or another user from a, is not throttled.
	wantStatus(t, login(t, h, b, "johndoe", "secret"), 200, goodLogin, "")
	wantStatus(t, login(t, h, a, "alice", "wrong"), 400, badLogin, "")
	// Sliding: when the first failure leaves the window, one more attempt.
	clock.Advance(10*time.Minute - time.Second)
	wantStatus(t, login(t, h, a, "johndoe", "secret"), 429, throttled, "1")
	clock.Advance(time.Second)
	wantStatus(t, login(t, h, a, "johndoe", "wrong"), 400, badLogin, "")
	wantStatus(t, login(t, h, a, "johndoe", "secret"), 429, throttled, "60")
	clock.Advance(time.Minute)
	// A success resets the (user, address) count.
	wantStatus(t, login(t, h, a, "johndoe", "secret"), 200, goodLogin, "")
	for range 5 {
		wantStatus(t, login(t, h, a, "johndoe", "wrong"), 400, badLogin, "")
	}
	wantStatus(t, login(t, h, a, "johndoe", "secret"), 429, throttled, "900")

	// A form the handler refuses (422) does not count.
	r := httptest.NewRequest("POST", "/token", strings.NewReader("username=bob"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = b
	for range 10 {
		if got := do(t, h, r.Clone(context.Background())); got.code != 422 {
			t.Fatalf("no password: %d %s", got.code, got.body)
		}
		r.Body = http.NoBody
		r = httptest.NewRequest("POST", "/token", strings.NewReader("username=bob"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = b
	}
	wantStatus(t, login(t, h, b, "bob", "x"), 400, badLogin, "")
}

func TestLoginThrottlePerAddress(t *testing.T) {
	var checked atomic.Int64
	h := throttledApp(&security.LoginThrottle{MaxPerAddress: 7}, &checked)
	// Seven users, one failure each, from one address; then everyone from it
	// is throttled, while another address is not.
	for i := range 7 {
		wantStatus(t, login(t, h, "198.51.100.7:1", fmt.Sprint("user", i), "x"), 400, badLogin, "")
	}
	wantStatus(t, login(t, h, "198.51.100.7:2", "johndoe", "secret"), 429, throttled, "900")
	wantStatus(t, login(t, h, "198.51.100.8:1", "johndoe", "secret"), 200, goodLogin, "")
	// IPv6 clients are counted per /64.
	for i := range 7 {
		wantStatus(t, login(t, h, fmt.Sprintf("[2001:db8:1:2::%x]:1", i), fmt.Sprint("mallory", i), "x"), 400, badLogin, "")
	}
	wantStatus(t, login(t, h, "[2001:db8:1:2:ffff::1]:1", "johndoe", "secret"), 429, throttled, "900")
	wantStatus(t, login(t, h, "[2001:db8:1:3::1]:1", "johndoe", "secret"), 200, goodLogin, "")
}

func TestLoginThrottleProxies(t *testing.T) {
	var checked atomic.Int64
	throttle := &security.LoginThrottle{MaxPerUser: 2, ClientAddress: security.ClientAddress{TrustedProxies: []string{"10.0.0.0/8"}}}
	h := throttledApp(throttle, &checked)
	// Behind the trusted proxy, each client is told apart by X-Forwarded-For;
	// what the client wrote itself (left of the proxy's entry) is ignored.
	for _, spoof := range []string{"1.1.1.1", "2.2.2.2"} {
		wantStatus(t, login(t, h, "10.0.0.1:80", "johndoe", "x", "X-Forwarded-For", spoof+", 203.0.113.9"), 400, badLogin, "")
	}
	wantStatus(t, login(t, h, "10.0.0.1:80", "johndoe", "secret", "X-Forwarded-For", "203.0.113.9"), 429, throttled, "900")
	wantStatus(t, login(t, h, "10.0.0.1:80", "johndoe", "secret", "X-Forwarded-For", "203.0.113.10"), 200, goodLogin, "")
	// A client connecting directly cannot choose its address.
	for range 2 {
		wantStatus(t, login(t, h, "203.0.113.50:1", "johndoe", "x", "X-Forwarded-For", "203.0.113.10"), 400, badLogin, "")
	}
	wantStatus(t, login(t, h, "203.0.113.50:1", "johndoe", "secret", "X-Forwarded-For", "203.0.113.11"), 429, throttled, "900")
	wantStatus(t, login(t, h, "10.0.0.1:80", "johndoe", "secret", "X-Forwarded-For", "203.0.113.10"), 200, goodLogin, "")
}

// failingAttempts is an AttemptStore that fails while down is set.
type failingAttempts struct {
	security.AttemptStore
	down atomic.Bool
}

var errDown = errors.New("connection refused")

func (f *failingAttempts) Attempt(ctx context.Context, id string, w time.Duration, l ...security.AttemptLimit) (time.Duration, error) {
	if f.down.Load() {
		return 0, errDown
	}
	return f.AttemptStore.Attempt(ctx, id, w, l...)
}

// logCounter counts the records logged at each level.
type logCounter struct {
	mu     sync.Mutex
	counts map[slog.Level]int
	msgs   []string
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[slog.Level]int{}
	}
	l.counts[r.Level]++
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCounter) WithGroup(string) slog.Handler      { return l }

func TestLoginThrottleStoreDown(t *testing.T) {
	store := &failingAttempts{AttemptStore: security.NewMemoryAttemptStore(0)}
	logs := &logCounter{}
	var checked atomic.Int64
	h := throttledApp(&security.LoginThrottle{Attempts: store, Logger: slog.New(logs)}, &checked)
	wantStatus(t, login(t, h, "192.0.2.1:1", "johndoe", "x"), 400, badLogin, "")
	store.down.Store(true)
	for range 50 {
		wantStatus(t, login(t, h, "192.0.2.1:1", "johndoe", "secret"), 503, `{"detail":"Service Unavailable"}`, "5")
		if got := do(t, h, httptest.NewRequest("GET", "/free", nil)); got.code != 200 {
			t.Fatalf("/free while the store is down: %d", got.code)
		}
	}
	store.down.Store(false)
	wantStatus(t, login(t, h, "192.0.2.1:1", "johndoe", "secret"), 200, goodLogin, "")
	// One error for the incident (its end is logged once the store has been
	// quiet for a second: unavailable_test.go).
	if logs.counts[slog.LevelError] != 1 {
		t.Fatalf("logged %v (%q), want one error", logs.counts, logs.msgs)
	}
}

func TestLoginThrottleOpenAPI(t *testing.T) {
	var checked atomic.Int64
	h := throttledApp(&security.LoginThrottle{}, &checked)
	got := do(t, h, httptest.NewRequest("GET", "/openapi.json", nil))
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(got.body), &doc); err != nil {
		t.Fatal(err)
	}
	op := doc.Paths["/token"]["post"]
	for _, code := range []string{"200", "422", "429", "503"} {
		if _, ok := op.Responses[code]; !ok {
			t.Errorf("/token documents no %s response: %v", code, op.Responses)
		}
	}
	// The throttle's own reading of the form is not documented: the body is
	// the handler's form, as without the throttle.
	ref := op.RequestBody.Content["application/x-www-form-urlencoded"].Schema.Ref
	if ref != "#/components/schemas/Body_login_token_post" {
		t.Errorf("request body %q", ref)
	}
}

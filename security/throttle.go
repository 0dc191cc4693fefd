package security

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/resolve"
)

// The defaults of LoginThrottle.
const (
	DefaultMaxLoginFailuresPerUser    = 5
	DefaultMaxLoginFailuresPerAddress = 100
	DefaultLoginThrottleWindow        = 15 * time.Minute
)

// LoginThrottle protects a login route against password guessing. It counts
// the failed logins per (user name, client address) and per client address
// over a sliding window (AttemptStore); once either count reaches its
// maximum, logins from that address (for that user, or for anyone) are
// answered 429 {"detail":"Too many login attempts"} with Retry-After (in
// seconds) until enough failures have left the window, before the password is
// even checked: while throttled, the right password gets 429 too, so the
// answer tells nothing about the password. A successful login resets the
// (user name, address) count.
//
// Used as a dependency of a login route (FastAPI's OAuth2 password flow), it
// reads the form field "username" (OAuth2PasswordRequestForm's), records the
// attempt, and judges it by the handler's answer: no error is a success; a
// validation error (422: the form was incomplete, no password was checked)
// does not count; any other error is a failure.
//
//	var throttle = &security.LoginThrottle{}
//	app.Post("/token", login, throttle) // login(form security.OAuth2PasswordRequestForm) (Token, error)
//
// The route documents its 429 (and the 503 below) in OpenAPI. For other login
// shapes, call Begin and LoginAttempt.End yourself.
//
// An attempt is recorded when it starts (so concurrent guesses on several
// instances cannot together pass the limit: the check and the record are one
// atomic step of the store), and un-counted when it succeeds: logins in flight
// count against the limits until they end. When the store fails, the login is
// answered 503 {"detail":"Service Unavailable"} with Retry-After: the check
// fails closed, and the failure is logged once per incident.
//
// The client address is ClientAddress's: RemoteAddr unless trusted proxies
// are configured. IPv6 clients are counted per /64 network, the block one
// subscriber usually holds, so that rotating addresses within it gains
// nothing.
//
// Configure it before its first use; it is safe for concurrent use.
type LoginThrottle struct {
	// Attempts counts the attempts; default a MemoryAttemptStore, which is
	// right for one instance. Several instances need one they share.
	Attempts AttemptStore
	// MaxPerUser is how many failed logins one client address may make for
	// one user name within Window; default DefaultMaxLoginFailuresPerUser (5).
	MaxPerUser int
	// MaxPerAddress is how many failed logins one client address may make in
	// all within Window; default DefaultMaxLoginFailuresPerAddress (100).
	MaxPerAddress int
	// Window is how long a failure counts; default
	// DefaultLoginThrottleWindow (15 minutes).
	Window time.Duration
	// ClientAddress tells the client's address; its zero value trusts no
	// proxy (RemoteAddr).
	ClientAddress ClientAddress
	// KeyPrefix is put before the keys of the counters; default "login:".
	// Two throttles sharing a store need different ones to count apart.
	KeyPrefix string
	// Logger logs the failures of Attempts, once per incident; default
	// slog.Default().
	Logger *slog.Logger

	setup  setup
	lazy   lazyProvider
	outage incidents
}

func (t *LoginThrottle) init() error { return t.setup.do(t.configure) }

// configure checks the fields and applies the defaults; it runs until it
// succeeds (see setup).
func (t *LoginThrottle) configure() error {
	switch {
	case t.MaxPerUser < 0 || t.MaxPerAddress < 0 || t.Window < 0:
		return configError(t, "MaxPerUser, MaxPerAddress and Window must not be negative")
	case t.Window > 0 && t.Window < time.Second:
		return configError(t, "Window must be at least a second")
	}
	if err := t.ClientAddress.Check(); err != nil {
		return err
	}
	if t.MaxPerUser == 0 {
		t.MaxPerUser = DefaultMaxLoginFailuresPerUser
	}
	if t.MaxPerAddress == 0 {
		t.MaxPerAddress = DefaultMaxLoginFailuresPerAddress
	}
	if t.Window == 0 {
		t.Window = DefaultLoginThrottleWindow
	}
	if t.KeyPrefix == "" {
		t.KeyPrefix = "login:"
	}
	if t.Attempts == nil {
		t.Attempts = NewMemoryAttemptStore(0)
	}
	return nil
}

// CheckConfig implements ConfigChecker: the App calls it when it registers a
// route that uses the throttle. It applies the defaults.
func (t *LoginThrottle) CheckConfig() error { return t.init() }

// loginUsername is the part of a login form the throttle reads. It is
// optional here: a form without it is refused by the handler's own binding.
type loginUsername struct {
	Username string `form:"username" default:"" hidden:"true"`
}

// Dependency implements di.Source: the provider of a *LoginAttempt, ended by
// its cleanup (in function scope, before the response is written) with the
// handler's error. The configuration is checked when a route using it is
// registered (CheckConfig).
func (t *LoginThrottle) Dependency() di.Dependency {
	d := t.lazy.get(false, func() *di.Provider {
		fn := func(r *http.Request, f loginUsername) (*LoginAttempt, di.Cleanup, error) {
			a, err := t.Begin(r, f.Username)
			if err != nil {
				return nil, nil, err
			}
			return a, func(err error) error {
				a.End(context.WithoutCancel(r.Context()), err)
				return err
			}, nil
		}
		p := resolve.NewTyped(fn, resolve.CallVCE2(fn), nil) // called without reflection
		// The throttle as the provider's meta: the router checks its
		// configuration (ConfigChecker) and documents its answers
		// (OpenAPIResponses).
		return (*di.Provider)(p.WithMeta(t).WithoutPathValues()) // Begin reads the client address, not the path
	})
	return d.InScope(di.ScopeFunction)
}

// OpenAPIResponses documents the answers the throttle adds to a route.
func (t *LoginThrottle) OpenAPIResponses() map[string]string {
	return map[string]string{
		"429": "Too many login attempts: try again after Retry-After seconds",
		"503": "Service Unavailable: the login throttle's store cannot be reached; try again after Retry-After seconds",
	}
}

// LoginAttempt is a login in progress, counted by a LoginThrottle.
type LoginAttempt struct {
	t        *LoginThrottle
	id       string
	userKey  string
	addrKey  string
	finished bool
}

// Begin starts a login attempt by username from r's client address. It
// returns the 429 (a *keel.HTTPError, with Retry-After) when the address is
// throttled, for username or for everyone, and the 503 when the store
// fails; otherwise the attempt is counted as a failure until End says
// otherwise.
func (t *LoginThrottle) Begin(r *http.Request, username string) (*LoginAttempt, error) {
	if err := t.init(); err != nil {
		return nil, err
	}
	addr := addressKey(t.ClientAddress.Addr(r))
	a := &LoginAttempt{t: t, id: attemptID(), addrKey: t.KeyPrefix + "a:" + addr, userKey: t.KeyPrefix + "u:" + userKey(addr, username)}
	ctx := r.Context()
	wait, err := t.Attempts.Attempt(ctx, a.id, t.Window,
		AttemptLimit{Key: a.userKey, Limit: t.MaxPerUser},
		AttemptLimit{Key: a.addrKey, Limit: t.MaxPerAddress})
	if err != nil {
		t.failed(ctx, err)
		return nil, serviceUnavailable()
	}
	t.outage.ok(ctx, loggerOr(t.Logger), "the login throttle's store")
	if wait > 0 {
		return nil, tooManyAttempts(wait)
	}
	return a, nil
}

func (t *LoginThrottle) failed(ctx context.Context, err error) {
	if ctx.Err() == nil { // not the client going away
		t.outage.fail(ctx, loggerOr(t.Logger), "the login throttle's store", err)
	}
}

// End ends the attempt with the login's outcome: err == nil is a success,
// which resets the (user name, address) count and un-counts the attempt; a
// *keel.ValidationError un-counts it (no password was checked); any other
// error leaves it counted as a failure. Only the first call counts. Its
// error is the store's, already logged (once per incident).
func (a *LoginAttempt) End(ctx context.Context, err error) error {
	if a == nil || a.finished {
		return nil
	}
	a.finished = true
	var ve *keel.ValidationError
	var serr error
	switch {
	case err == nil:
		if serr = a.t.Attempts.Forget(ctx, a.id, a.addrKey); serr == nil {
			serr = a.t.Attempts.Reset(ctx, a.userKey)
		}
	case errors.As(err, &ve):
		serr = a.t.Attempts.Forget(ctx, a.id, a.userKey, a.addrKey)
	default:
		return nil
	}
	if serr != nil {
		a.t.failed(ctx, serr)
		return serr
	}
	return nil
}

// tooManyAttempts is the 429 with Retry-After: wait, in whole seconds,
// rounded up (RFC 9110 §10.2.3).
func tooManyAttempts(wait time.Duration) *keel.HTTPError {
	secs := int64(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return keel.NewHTTPError(http.StatusTooManyRequests, "Too many login attempts").
		WithHeader("Retry-After", strconv.FormatInt(secs, 10))
}

// addressKey is how a client address is counted: IPv4 addresses alone, IPv6
// ones by their /64 network; a request without an IP address (a Unix
// socket) counts as "unknown".
func addressKey(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is4():
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// userKey names the (address, user name) counter: a hash, so that keys stay
// short whatever the user name, and user names are not stored.
func userKey(addr, username string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d:%s\x00%s", len(addr), addr, username)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

// attemptID is a unique id for an attempt: 96 random bits.
func attemptID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

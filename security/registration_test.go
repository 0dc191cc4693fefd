package security_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// registerPanic runs f and returns what it panicked with, "" if nothing.
func registerPanic(f func()) (msg string) {
	defer func() {
		if p := recover(); p != nil {
			msg = fmt.Sprint(p)
		}
	}()
	f()
	return ""
}

func newApp() *router.App { return router.New(router.Info{Title: "x", Version: "1"}) }

// A scope a scheme does not declare is a registration error naming the route,
// the scope, the declared scopes and the way to it; schemes that declare no
// scopes accept any (issue 10 item 3).
func TestRegistrationUndeclaredScope(t *testing.T) {
	scopes := map[string]string{"notes:read": "Read notes.", "notes:write": "Write notes."}
	oauth2 := &security.OAuth2PasswordBearer{TokenURL: "token", Scopes: scopes}
	jwtb := &security.JWTBearer[security.Claims]{Key: jwtSecret, Scopes: scopes}
	flows := &security.OAuth2{Flows: security.OAuthFlows{
		Password:          &security.OAuthFlow{TokenURL: "token", Scopes: map[string]string{"notes:read": ""}},
		ClientCredentials: &security.OAuthFlow{TokenURL: "token", Scopes: map[string]string{"notes:write": ""}},
	}}
	type user string
	currentUser := di.Provide(func(t security.Token) user { return user(t) }, oauth2)
	activeUser := di.Provide(func(u user) (user, error) { return u, nil }, di.Security(currentUser, "notes:read"))
	handler := func(u user) (string, error) { return string(u), nil }
	claims := func(c security.Claims) (string, error) { return c.Subject, nil }
	token := func(t security.Token) (string, error) { return string(t), nil }

	for _, tt := range []struct {
		name     string
		register func(app *router.App)
		want     []string // "" when the route registers
	}{
		{"declared", func(app *router.App) { app.Get("/n", handler, di.Security(activeUser, "notes:write")) }, nil},
		{"typo on the route", func(app *router.App) { app.Get("/n", handler, di.Security(currentUser, "notes:raed")) },
			[]string{"route GET /n", `scope "notes:raed" is not declared by security scheme OAuth2PasswordBearer (declared: notes:read, notes:write)`, "required via ", "→ OAuth2PasswordBearer;", "add it to the scheme's Scopes"}},
		{"typo above a provider that adds its own", func(app *router.App) { app.Get("/n", handler, di.Security(activeUser, "notes:wirte")) },
			[]string{`scope "notes:wirte"`, "declared: notes:read, notes:write"}},
		{"typo in a route dependency", func(app *router.App) {
			app.Get("/n", func() (string, error) { return "", nil }, router.Dependencies(di.Security(oauth2, "admin")))
		}, []string{`scope "admin"`}},
		{"typo in a group dependency", func(app *router.App) {
			app.Group("/g", di.Security(currentUser, "notes:delete")).Get("/n", func() (string, error) { return "", nil })
		}, []string{"route GET /g/n", `scope "notes:delete"`}},
		{"JWTBearer", func(app *router.App) { app.Get("/n", claims, di.Security(jwtb, "notes:red")) },
			[]string{`scope "notes:red" is not declared by security scheme JWTBearer (declared: notes:read, notes:write)`}},
		{"JWTBearer declared", func(app *router.App) { app.Get("/n", claims, di.Security(jwtb, "notes:read")) }, nil},
		{"OAuth2 flows together", func(app *router.App) { app.Get("/n", token, di.Security(flows, "notes:read", "notes:write")) }, nil},
		{"OAuth2 flows", func(app *router.App) { app.Get("/n", token, di.Security(flows, "notes")) },
			[]string{`scope "notes" is not declared by security scheme OAuth2 (declared: notes:read, notes:write)`}},
		{"a scheme without scopes accepts any", func(app *router.App) {
			app.Get("/n", token, di.Security(&security.OAuth2PasswordBearer{TokenURL: "token"}, "anything"))
		}, nil},
		{"a scheme that cannot declare scopes accepts any", func(app *router.App) {
			app.Get("/n", func(security.HTTPAuthorizationCredentials) (string, error) { return "", nil }, di.Security(&security.HTTPBearer{}, "x"))
		}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := registerPanic(func() { tt.register(newApp()) })
			if tt.want == nil {
				if p != "" {
					t.Fatalf("registration failed: %s", p)
				}
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(p, w) {
					t.Errorf("panic %q lacks %q", p, w)
				}
			}
		})
	}
}

// declareTokens declares the scheme as an application does in a
// package-level var, with its key left for main to set, and builds
// currentUserProvider from it as a package-level var too, the handle
// overrides need (issue 10 item 4). The test calls it instead of using real
// package-level vars because a scheme's settings are fixed by its first
// successful check: a second run (go test -count=2) would find it configured.
func declareTokens() (*security.JWTBearer[security.Claims], *di.Provider) {
	tokens := &security.JWTBearer[security.Claims]{TokenURL: "token", Scopes: map[string]string{"me": ""}}
	currentUserProvider := di.Provide(func(c security.Claims) (User, error) { return User{Name: c.Subject}, nil }, di.Security(tokens, "me"))
	return tokens, currentUserProvider
}

// A scheme is configured after it became a dependency; its configuration is
// checked when a route using it is registered, with a message that says so.
func TestRegistrationChecksSchemeConfig(t *testing.T) {
	tokens, currentUserProvider := declareTokens()
	readMe := func(u User) (User, error) { return u, nil }
	p := registerPanic(func() { newApp().Get("/me", readMe, currentUserProvider) })
	for _, w := range []string{"route GET /me", "security scheme JWTBearer is misconfigured", "exactly one of Key, KeyFunc and Tokens is required", "checked when the first route using it is registered"} {
		if !strings.Contains(p, w) {
			t.Errorf("panic %q lacks %q", p, w)
		}
	}

	tokens.Key = jwtSecret // what main does, before registering the routes
	app := newApp()
	app.Get("/me", readMe, currentUserProvider)
	do(t, app, getWith("/me", jwtToken(t, "alice", "me"))).check(t, 200, `{"name":"alice"}`)
	do(t, app, getWith("/me", jwtToken(t, "alice", "items"))).check(t, 403, `{"detail":"Not enough permissions"}`, `Bearer error="insufficient_scope", scope="me"`)
	app.Override(currentUserProvider, di.Provide(func() User { return User{Name: "test"} }))
	do(t, app, getWith("/me", "")).check(t, 200, `{"name":"test"}`)
}

// Every scheme with a required field is checked the same way: declared and
// used before it is configured, it registers once configured.
func TestRegistrationChecksEverySchemeConfig(t *testing.T) {
	q, h, c := &security.APIKeyQuery{}, &security.APIKeyHeader{}, &security.APIKeyCookie{}
	base, pw := &security.HTTPBase{}, &security.OAuth2PasswordBearer{}
	code, oidc := &security.OAuth2AuthorizationCodeBearer{}, &security.OpenIdConnect{}
	digest := &security.DigestAuth{}
	key := func(security.APIKey) (string, error) { return "", nil }
	tok := func(security.Token) (string, error) { return "", nil }
	creds := func(security.HTTPAuthorizationCredentials) (string, error) { return "", nil }
	du := func(security.DigestUser) (string, error) { return "", nil }
	for _, tt := range []struct {
		handler any
		scheme  di.Source
		msg     string
		fix     func()
	}{
		{key, q, "Param", func() { q.Param = "k" }},
		{key, h, "Header", func() { h.Header = "k" }},
		{key, c, "Cookie", func() { c.Cookie = "k" }},
		{creds, base, "Scheme is required", func() { base.Scheme = "x" }},
		{tok, pw, "TokenURL is required", func() { pw.TokenURL = "token" }},
		{tok, code, "AuthorizationURL and TokenURL are required", func() { code.AuthorizationURL, code.TokenURL = "a", "t" }},
		{tok, oidc, "URL (openIdConnectUrl) is required", func() { oidc.URL = "https://example.com" }},
		{du, digest, "Realm is required", func() { digest.Realm, digest.Lookup = "r", noDigestUsers }},
	} {
		p := registerPanic(func() { newApp().Get("/x", tt.handler, tt.scheme) })
		if !strings.Contains(p, tt.msg) || !strings.Contains(p, "is misconfigured") {
			t.Errorf("%T: panic %q, want %q", tt.scheme, p, tt.msg)
		}
		tt.fix()
		if p := registerPanic(func() { newApp().Get("/x", tt.handler, tt.scheme) }); p != "" {
			t.Errorf("%T: once configured: %s", tt.scheme, p)
		}
	}
}

func noDigestUsers(context.Context, string, string, string) (security.DigestSecret, bool, error) {
	return security.DigestSecret{}, false, nil
}

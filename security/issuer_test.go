package security

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/keelgo/keel"
)

func edKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, 32)
	s[0] = seed
	return ed25519.NewKeyFromSeed(s)
}

func newIssuer(clock *testClock, tune ...func(*TokenIssuer)) *TokenIssuer {
	ti := &TokenIssuer{
		Issuer: "https://keel.example", Audience: []string{"api"},
		Keys:   []SigningKey{{Key: edKey(1)}},
		MaxTTL: time.Hour, Now: clock.Now, Logger: slog.New(slog.DiscardHandler),
	}
	for _, f := range tune {
		f(ti)
	}
	return ti
}

// parts decodes a token's header and payload.
func parts(t *testing.T, tok string) (header, payload map[string]any) {
	t.Helper()
	p := strings.Split(tok, ".")
	if len(p) != 3 {
		t.Fatalf("%q is not a JWS", tok)
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(p[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, payload
}

func TestIssue(t *testing.T) {
	clock := newTestClock()
	ti := newIssuer(clock)
	ctx := context.Background()
	tok, err := ti.Issue(ctx, "alice", []string{"me", "items"}, 30*time.Minute, map[string]any{"role": "admin"})
	if err != nil {
		t.Fatal(err)
	}
	h, p := parts(t, tok)
	kid, _ := Thumbprint(edKey(1).Public())
	if h["alg"] != "EdDSA" || h["typ"] != "at+jwt" || h["kid"] != kid {
		t.Errorf("header %v", h)
	}
	now := clock.Now().Unix()
	if p["iss"] != "https://keel.example" || p["sub"] != "alice" || p["aud"] != "api" || p["scope"] != "me items" ||
		p["role"] != "admin" || p["iat"] != float64(now) || p["exp"] != float64(now+1800) {
		t.Errorf("payload %v", p)
	}
	if jti, _ := p["jti"].(string); len(jti) != 22 {
		t.Errorf("jti %q", p["jti"])
	}
	tok2, _ := ti.Issue(ctx, "alice", nil, time.Minute, nil)
	if _, p2 := parts(t, tok2); p2["jti"] == p["jti"] || p2["scope"] != "" {
		t.Errorf("second token %v", p2)
	}
	c, err := ti.Verify(ctx, tok)
	if err != nil || c.Subject != "alice" || c.Raw["role"] != "admin" {
		t.Fatalf("Verify: %+v, %v", c, err)
	}
	for name, f := range map[string]func() error{
		"ttl over MaxTTL": func() error { _, err := ti.Issue(ctx, "a", nil, 2*time.Hour, nil); return err },
		"zero ttl":        func() error { _, err := ti.Issue(ctx, "a", nil, 0, nil); return err },
		"reserved claim":  func() error { _, err := ti.Issue(ctx, "a", nil, time.Minute, map[string]any{"exp": 1}); return err },
		"sid":             func() error { _, err := ti.Issue(ctx, "a", nil, time.Minute, map[string]any{"sid": "x"}); return err },
		"pair without RefreshTTL": func() error {
			_, err := ti.IssuePair(ctx, "a", nil, time.Minute, nil)
			return err
		},
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestThumbprint is RFC 7638 §3.1's example.
func TestThumbprint(t *testing.T) {
	n, _ := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
	if got, err := Thumbprint(pub); err != nil || got != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Errorf("Thumbprint = %q, %v", got, err)
	}
}

func TestIssuerBearer(t *testing.T) {
	clock := newTestClock()
	ti := newIssuer(clock)
	b := &JWTBearer[Claims]{Tokens: ti, Realm: "api"}
	ctx := context.Background()
	tok, _ := ti.Issue(ctx, "alice", []string{"me"}, time.Minute, nil)
	other, _ := ti.Issue(ctx, "alice", []string{"me"}, time.Minute, nil)
	if _, err := b.Authenticate(authRequest(bearer(tok)), []string{"me"}); err != nil {
		t.Fatal(err)
	}
	_, err := b.Authenticate(authRequest(bearer(tok)), []string{"me", "items"})
	wantErr(t, err, 403, "Not enough permissions", []string{`Bearer realm="api", error="insufficient_scope", scope="me items"`})

	// Revocation: that token is refused, the other one of the same user is not.
	c, err := ti.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := ti.Revoke(ctx, c); err != nil {
		t.Fatal(err)
	}
	_, err = b.Authenticate(authRequest(bearer(tok)), nil)
	wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer realm="api", error="invalid_token"`})
	if _, err := ti.Verify(ctx, tok); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("Verify of a revoked token: %v", err)
	}
	if _, err := b.Authenticate(authRequest(bearer(other)), nil); err != nil {
		t.Fatal(err)
	}

	// Tokens of another issuer, key or type are refused.
	stranger := newIssuer(clock, func(ti *TokenIssuer) { ti.Keys = []SigningKey{{Key: edKey(2)}} })
	strangeTok, _ := stranger.Issue(ctx, "alice", nil, time.Minute, nil)
	otherIss := newIssuer(clock, func(ti *TokenIssuer) { ti.Issuer = "https://other.example" })
	otherIssTok, _ := otherIss.Issue(ctx, "alice", nil, time.Minute, nil)
	otherAud := newIssuer(clock, func(ti *TokenIssuer) { ti.Audience = []string{"other"} })
	otherAudTok, _ := otherAud.Issue(ctx, "alice", nil, time.Minute, nil)
	untyped := signWith(t, "EdDSA", edKey(1), mustThumb(edKey(1).Public()), "JWT", jwt.MapClaims{
		"iss": ti.Issuer, "aud": "api", "sub": "a", "jti": "j", "exp": clock.Now().Add(time.Minute).Unix()})
	noJTI := signWith(t, "EdDSA", edKey(1), mustThumb(edKey(1).Public()), "at+jwt", jwt.MapClaims{
		"iss": ti.Issuer, "aud": "api", "sub": "a", "exp": clock.Now().Add(time.Minute).Unix()})
	clock.Add(2 * time.Minute)
	expired := other
	clock.Add(-2 * time.Minute)
	for name, tk := range map[string]string{
		"another key": strangeTok, "another issuer": otherIssTok, "another audience": otherAudTok,
		"typ JWT": untyped, "no jti": noJTI,
	} {
		_, err := b.Authenticate(authRequest(bearer(tk)), nil)
		wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer realm="api", error="invalid_token"`})
		_ = name
	}
	clock.Add(2 * time.Minute)
	_, err = b.Authenticate(authRequest(bearer(expired)), nil)
	wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer realm="api", error="invalid_token"`})
}

func mustThumb(pub any) string {
	s, err := Thumbprint(pub)
	if err != nil {
		panic(err)
	}
	return s
}

// failingStore fails every call: the checks must fail closed with 503.
type failingStore struct{}

func (failingStore) Revoke(context.Context, string, time.Time) error {
	return errors.New("connection refused")
}
func (failingStore) IsRevoked(context.Context, ...string) (bool, error) {
	return false, errors.New("connection refused")
}
func (failingStore) Begin(context.Context, string, string, time.Time) error {
	return errors.New("connection refused")
}
func (failingStore) Rotate(context.Context, string, string, string, time.Time) (RefreshResult, error) {
	return RefreshRotated, errors.New("connection refused")
}
func (failingStore) End(context.Context, string) error { return errors.New("connection refused") }

func TestIssuerStoreDown(t *testing.T) {
	clock := newTestClock()
	ti := newIssuer(clock, func(ti *TokenIssuer) {
		ti.Revocations = failingStore{}
		ti.RefreshTTL = time.Hour
		ti.RefreshTokens = failingStore{}
	})
	ctx := context.Background()
	tok, err := ti.Issue(ctx, "alice", nil, time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, optional := range []bool{false, true} {
		b := &JWTBearer[Claims]{Tokens: ti, Optional: optional}
		_, err = b.Authenticate(authRequest(bearer(tok)), nil)
		var he *keel.HTTPError
		if !errors.As(err, &he) || he.Status != http.StatusServiceUnavailable || he.DetailValue() != "Service Unavailable" ||
			he.Headers.Get("Retry-After") != "5" {
			t.Fatalf("store down: %v, want 503 with Retry-After", err)
		}
	}
	if _, err := ti.Verify(ctx, tok); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Verify: %v", err)
	} else if he := new(keel.HTTPError); !errors.As(err, &he) || he.Status != 503 || he.Headers.Get("Retry-After") != "5" {
		t.Errorf("Verify: %v is not a 503 HTTPError", err)
	}
	c := &Claims{RegisteredClaims: jwt.RegisteredClaims{ID: "j", ExpiresAt: jwt.NewNumericDate(clock.Now().Add(time.Minute))}}
	if err := ti.Revoke(ctx, c); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Revoke: %v", err)
	}
	if _, err := ti.IssuePair(ctx, "alice", nil, time.Minute, nil); !errors.Is(err, ErrUnavailable) {
		t.Errorf("IssuePair: %v", err)
	}
}

func TestIssuerRotation(t *testing.T) {
	clock := newTestClock()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ti := newIssuer(clock, func(ti *TokenIssuer) {
		ti.Keys = []SigningKey{{Key: rsaKey}, {ID: "legacy", Key: []byte("0123456789abcdef0123456789abcdef")}}
	})
	b := &JWTBearer[Claims]{Tokens: ti}
	ctx := context.Background()
	old, _ := ti.Issue(ctx, "alice", nil, 50*time.Minute, nil)
	legacy := signWith(t, "HS256", []byte("0123456789abcdef0123456789abcdef"), "legacy", "at+jwt", jwt.MapClaims{
		"iss": ti.Issuer, "aud": "api", "sub": "a", "jti": "j1", "iat": clock.Now().Unix(), "exp": clock.Now().Add(time.Hour).Unix()})
	if h, _ := parts(t, old); h["alg"] != "RS256" || h["kid"] != mustThumb(&rsaKey.PublicKey) {
		t.Fatalf("header %v", h)
	}
	if err := ti.Rotate(SigningKey{Key: ecKey}); err != nil {
		t.Fatal(err)
	}
	fresh, _ := ti.Issue(ctx, "alice", nil, 50*time.Minute, nil)
	if h, _ := parts(t, fresh); h["alg"] != "ES256" || h["kid"] != mustThumb(&ecKey.PublicKey) {
		t.Fatalf("header after Rotate %v", h)
	}
	for name, tok := range map[string]string{"old": old, "fresh": fresh, "legacy": legacy} {
		if _, err := b.Authenticate(authRequest(bearer(tok)), nil); err != nil {
			t.Errorf("%s token after Rotate: %v", name, err)
		}
	}
	keys, _ := ti.PublicKeys()
	if len(keys) != 2 {
		t.Errorf("PublicKeys: %v", keys)
	}
	// MaxTTL later, every token of the old key has expired and the key is gone.
	clock.Add(time.Hour + time.Second)
	if err := ti.Rotate(SigningKey{Key: edKey(3)}); err != nil {
		t.Fatal(err)
	}
	reissued := signWith(t, "RS256", rsaKey, mustThumb(&rsaKey.PublicKey), "at+jwt", jwt.MapClaims{
		"iss": ti.Issuer, "aud": "api", "sub": "a", "jti": "j2", "iat": clock.Now().Unix(), "exp": clock.Now().Add(time.Minute).Unix()})
	_, err := b.Authenticate(authRequest(bearer(reissued)), nil)
	wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer error="invalid_token"`})
	if keys, _ := ti.PublicKeys(); len(keys) != 2 { // the ECDSA key (retiring) and the new one
		t.Errorf("PublicKeys after the second rotation: %d", len(keys))
	}
}

func TestIssuerRefresh(t *testing.T) {
	clock := newTestClock()
	ti := newIssuer(clock, func(ti *TokenIssuer) { ti.RefreshTTL = 24 * time.Hour })
	b := &JWTBearer[Claims]{Tokens: ti}
	ctx := context.Background()
	p1, err := ti.IssuePair(ctx, "alice", []string{"me"}, 10*time.Minute, map[string]any{"tenant": "t1"})
	if err != nil {
		t.Fatal(err)
	}
	if p1.ExpiresIn != 10*time.Minute {
		t.Error(p1.ExpiresIn)
	}
	if h, _ := parts(t, p1.RefreshToken); h["typ"] != "rt+jwt" {
		t.Errorf("refresh header %v", h)
	}
	// Neither token is the other.
	if _, err := b.Authenticate(authRequest(bearer(p1.RefreshToken)), nil); err == nil {
		t.Error("a refresh token was accepted as an access token")
	}
	if _, err := ti.Refresh(ctx, p1.AccessToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("an access token was accepted as a refresh token: %v", err)
	}
	clock.Add(time.Minute)
	p2, err := ti.Refresh(ctx, p1.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := ti.Verify(ctx, p2.AccessToken)
	if err != nil || c2.Subject != "alice" || c2.Raw["tenant"] != "t1" || strings.Join(c2.Scopes(), " ") != "me" ||
		c2.ExpiresAt.Sub(c2.IssuedAt.Time) != 10*time.Minute {
		t.Fatalf("refreshed claims %+v, %v", c2, err)
	}
	p3, err := ti.Refresh(ctx, p2.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	// p1's refresh token again: reuse. The whole family ends: p3's refresh
	// token no longer refreshes and the family's access tokens stop working.
	if _, err := ti.Refresh(ctx, p1.RefreshToken); !errors.Is(err, ErrRefreshReused) {
		t.Fatalf("reuse: %v", err)
	}
	if _, err := ti.Refresh(ctx, p3.RefreshToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("after reuse, the family's last refresh token: %v", err)
	}
	for _, tok := range []string{p1.AccessToken, p2.AccessToken, p3.AccessToken} {
		_, err := b.Authenticate(authRequest(bearer(tok)), nil)
		wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer error="invalid_token"`})
	}
	// Another family is untouched; EndSession ends it.
	q, _ := ti.IssuePair(ctx, "alice", nil, time.Minute, nil)
	if _, err := b.Authenticate(authRequest(bearer(q.AccessToken)), nil); err != nil {
		t.Fatal(err)
	}
	cq, _ := ti.Verify(ctx, q.AccessToken)
	if err := ti.EndSession(ctx, cq); err != nil {
		t.Fatal(err)
	}
	if _, err := ti.Refresh(ctx, q.RefreshToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("after EndSession: %v", err)
	}
	// An expired refresh token.
	r, _ := ti.IssuePair(ctx, "bob", nil, time.Minute, nil)
	clock.Add(25 * time.Hour)
	if _, err := ti.Refresh(ctx, r.RefreshToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("expired refresh token: %v", err)
	}
}

func TestIssuerConfig(t *testing.T) {
	for _, tc := range []struct {
		ti   *TokenIssuer
		want string
	}{
		{&TokenIssuer{Keys: []SigningKey{{Key: edKey(1)}}}, "Issuer is required"},
		{&TokenIssuer{Issuer: "i"}, "Keys is required"},
		{&TokenIssuer{Issuer: "i", Keys: []SigningKey{{ID: "k", Key: []byte("short")}}}, "at least 32 bytes"},
		{&TokenIssuer{Issuer: "i", Keys: []SigningKey{{Key: []byte("0123456789abcdef0123456789abcdef")}}}, "ID (the kid) is required"},
		{&TokenIssuer{Issuer: "i", Keys: []SigningKey{{Key: edKey(1)}, {Key: edKey(1)}}}, "used twice"},
		{&TokenIssuer{Issuer: "i", Keys: []SigningKey{{Key: edKey(1), Algorithm: "RS256"}}}, "does not fit"},
		{&TokenIssuer{Issuer: "i", Keys: []SigningKey{{Key: edKey(1).Public()}}}, "give a private key"},
		{&TokenIssuer{Issuer: "i", Keys: []SigningKey{{Key: edKey(1)}}, MaxTTL: -1}, "must not be negative"},
	} {
		if err := tc.ti.init(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.ti, err, tc.want)
		}
	}
	b := &JWTBearer[Claims]{Tokens: newIssuer(newTestClock()), Issuer: "x"}
	if err := b.init(); err == nil || !strings.Contains(err.Error(), "with Tokens, leave") {
		t.Error(err)
	}
}

package security

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/keelgo/keel"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

// fakeOP is a unit-level stand-in for an OpenID provider: a discovery
// document and a key set, with counters and knobs for the edge cases. The
// end-to-end path runs against a real provider (internal/e2e).
type fakeOP struct {
	t   testing.TB
	srv *httptest.Server

	mu           sync.Mutex
	issuer       string // "" = the server's URL
	keysDoc      []byte // the JWK Set of the keys
	cacheControl string
	jwksBody     []byte // when set, served instead of the keys
	jwksStatus   int
	hang         chan struct{} // when set, the key set waits for it

	discoveries atomic.Int64
	fetches     atomic.Int64
}

type opKey struct {
	kid  string
	alg  string // JWK "alg"; "" for none
	priv crypto.Signer
}

func newFakeOP(t testing.TB, keys ...opKey) *fakeOP {
	t.Helper()
	op := &fakeOP{t: t, keysDoc: jwksJSON(t, keys...)}
	op.srv = httptest.NewServer(http.HandlerFunc(op.serve))
	t.Cleanup(op.srv.Close)
	return op
}

func (op *fakeOP) URL() string { return op.srv.URL }

func (op *fakeOP) serve(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	issuer := op.issuer
	if issuer == "" {
		issuer = op.srv.URL
	}
	cc, body, status, hang := op.cacheControl, op.jwksBody, op.jwksStatus, op.hang
	if body == nil {
		body = op.keysDoc
	}
	op.mu.Unlock()
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		op.discoveries.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": issuer, "jwks_uri": op.srv.URL + "/keys"})
	case "/keys":
		op.fetches.Add(1)
		if hang != nil {
			<-hang
		}
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		if status != 0 {
			w.WriteHeader(status)
			return
		}
		_, _ = w.Write(body)
	default:
		http.NotFound(w, r)
	}
}

func (op *fakeOP) set(f func(op *fakeOP)) {
	op.mu.Lock()
	defer op.mu.Unlock()
	f(op)
}

// setKeys makes the key set those keys.
func (op *fakeOP) setKeys(keys ...opKey) {
	doc := jwksJSON(op.t, keys...)
	op.set(func(op *fakeOP) { op.keysDoc = doc })
}

// jwksJSON is a JWK Set of the keys' public halves, written by jwx.
func jwksJSON(t testing.TB, keys ...opKey) []byte {
	t.Helper()
	set := jwk.NewSet()
	for _, k := range keys {
		j, err := jwk.Import(k.priv.Public())
		if err != nil {
			t.Fatal(err)
		}
		_ = j.Set(jwk.KeyIDKey, k.kid)
		_ = j.Set(jwk.KeyUsageKey, "sig")
		if k.alg != "" {
			if err := j.Set(jwk.AlgorithmKey, k.alg); err != nil {
				t.Fatal(err)
			}
		}
		if err := set.AddKey(j); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	keysOnce sync.Once
	rsaTest  *rsa.PrivateKey
	rsaOther *rsa.PrivateKey
	ecTest   *ecdsa.PrivateKey
	edTest   ed25519.PrivateKey
)

func testKeys() {
	keysOnce.Do(func() {
		rsaTest, _ = rsa.GenerateKey(rand.Reader, 2048)
		rsaOther, _ = rsa.GenerateKey(rand.Reader, 2048)
		ecTest, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		_, edTest, _ = ed25519.GenerateKey(rand.Reader)
	})
}

// signWith signs claims with alg and key, with the kid and typ headers (none
// when "").
func signWith(t testing.TB, alg string, key any, kid, typ string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.GetSigningMethod(alg), claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	if typ != "" {
		tok.Header["typ"] = typ
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// opClaims are valid claims from op for audience "api".
func opClaims(op *fakeOP, extra ...any) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"iss": op.URL(), "sub": "alice", "aud": "api", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "scope": "items me"}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == nil {
			delete(c, extra[i].(string))
			continue
		}
		c[extra[i].(string)] = extra[i+1]
	}
	return c
}

func newOIDC(t *testing.T, op *fakeOP, tune ...func(*OIDCBearer[Claims])) *OIDCBearer[Claims] {
	t.Helper()
	o := &OIDCBearer[Claims]{Issuer: op.URL(), Audience: []string{"api"}, FetchTimeout: 2 * time.Second,
		Logger: slog.New(slog.DiscardHandler)}
	for _, f := range tune {
		f(o)
	}
	t.Cleanup(o.Close)
	return o
}

func ready(t *testing.T, o *OIDCBearer[Claims]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.Ready(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOIDCVerifies(t *testing.T) {
	testKeys()
	op := newFakeOP(t,
		opKey{"rsa", "", rsaTest},
		opKey{"rsa-ps", "PS256", rsaOther},
		opKey{"ec", "", ecTest},
		opKey{"ed", "EdDSA", edTest},
	)
	o := newOIDC(t, op)
	ready(t, o)
	for _, tc := range []struct {
		alg, kid string
		key      any
	}{
		{"RS256", "rsa", rsaTest},
		{"PS256", "rsa", rsaTest},
		{"PS256", "rsa-ps", rsaOther},
		{"ES256", "ec", ecTest},
		{"EdDSA", "ed", edTest},
	} {
		t.Run(tc.alg+"/"+tc.kid, func(t *testing.T) {
			tok := signWith(t, tc.alg, tc.key, tc.kid, "", opClaims(op))
			c, err := o.Authenticate(authRequest(bearer(tok)), []string{"items", "me"})
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != "alice" || c.Raw["iss"] != op.URL() {
				t.Fatalf("claims %+v", c)
			}
		})
	}
	if n := op.fetches.Load(); n != 1 {
		t.Errorf("key set fetched %d times, want 1", n)
	}
}

// TestOIDCRefused: every forged or wrong token is 401 invalid_token.
func TestOIDCRefused(t *testing.T) {
	testKeys()
	op := newFakeOP(t, opKey{"rsa", "RS256", rsaTest}, opKey{"ec", "", ecTest}, opKey{"ed", "", edTest})
	o := newOIDC(t, op, func(o *OIDCBearer[Claims]) {
		o.TokenType = "at+jwt"
		o.AuthorizedParties = []string{"docs"}
		o.Leeway = 10 * time.Second
	})
	ready(t, o)
	good := func(extra ...any) jwt.MapClaims { return opClaims(op, append([]any{"azp", "docs"}, extra...)...) }
	now := time.Now()
	rsaDER := rsaTest.PublicKey.N.Bytes()
	pem := jwksJSON(t, opKey{"rsa", "", rsaTest})
	tests := []struct {
		name string
		tok  string
	}{
		{"alg none", signWith(t, "none", jwt.UnsafeAllowNoneSignatureType, "rsa", "at+jwt", good())},
		{"HS256 with the public key as secret", signWith(t, "HS256", rsaDER, "rsa", "at+jwt", good())},
		{"HS256 with the JWK as secret", signWith(t, "HS256", pem, "rsa", "at+jwt", good())},
		{"kid of another key", signWith(t, "RS256", rsaOther, "rsa", "at+jwt", good())},
		{"alg the JWK does not name", signWith(t, "PS256", rsaTest, "rsa", "at+jwt", good())},
		{"RS256 on the EC key's kid", signWith(t, "RS256", rsaTest, "ec", "at+jwt", good())},
		{"unknown kid", signWith(t, "RS256", rsaTest, "nope", "at+jwt", good())},
		{"no kid, another key", signWith(t, "RS256", rsaOther, "", "at+jwt", good())},
		{"wrong issuer", signWith(t, "RS256", rsaTest, "rsa", "at+jwt", good("iss", "https://evil.example"))},
		{"issuer with a trailing slash", signWith(t, "RS256", rsaTest, "rsa", "at+jwt", good("iss", op.URL()+"/"))},
		{"wrong audience", signWith(t, "RS256", rsaTest, "rsa", "at+jwt", good("aud", "other-api"))},
		{"no audience", signWith(t, "RS256", rsaTest, "rsa", "at+jwt", good("aud", nil))},
		{"expired", signWith(t, "RS256", rsaTest, "rsa", "at+jwt", good("exp", now.Add(-time.Minute).Unix()))},
		{"no exp", signWith(t, "RS256", rsaTest, "rsa", "at+jwt", good("exp", nil))},
		{"not yet valid", signWith(t, "RS256", rsaTest, "rsa", "at+jwt", good("nbf", now.Add(time.Minute).Unix()))},
		{"issued in the future", signWith(t, "RS256", rsaTest, "rsa", "at+jwt", good("iat", now.Add(time.Minute).Unix()))},
		{"wrong typ (an ID token)", signWith(t, "RS256", rsaTest, "rsa", "JWT", good())},
		{"no typ", signWith(t, "RS256", rsaTest, "rsa", "", good())},
		{"other azp", signWith(t, "RS256", rsaTest, "rsa", "at+jwt", good("azp", "evil"))},
		{"no azp nor client_id", signWith(t, "RS256", rsaTest, "rsa", "at+jwt", good("azp", nil))},
		{"tampered payload", tamper(signWith(t, "ES256", ecTest, "ec", "at+jwt", good()))},
		{"not a JWT", "abc.def"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := o.Authenticate(authRequest(bearer(tc.tok)), nil)
			wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer error="invalid_token"`})
		})
	}
	// Within the leeway, and with client_id in place of azp, RFC 9068 style.
	for name, tok := range map[string]string{
		"expired within leeway":    signWith(t, "RS256", rsaTest, "rsa", "application/AT+JWT", good("exp", now.Add(-5*time.Second).Unix())),
		"client_id instead of azp": signWith(t, "EdDSA", edTest, "ed", "at+jwt", good("azp", nil, "client_id", "docs")),
	} {
		if _, err := o.Authenticate(authRequest(bearer(tok)), nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// tamper changes one character in the middle of the payload.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	p := []byte(parts[1])
	i := len(p) / 2
	if p[i] == 'A' {
		p[i] = 'B'
	} else {
		p[i] = 'A'
	}
	parts[1] = string(p)
	return strings.Join(parts, ".")
}

func TestOIDCScopes(t *testing.T) {
	testKeys()
	op := newFakeOP(t, opKey{"rsa", "", rsaTest})
	o := newOIDC(t, op, func(o *OIDCBearer[Claims]) { o.Realm = "api" })
	ready(t, o)
	for name, tc := range map[string]struct {
		claims jwt.MapClaims
		ok     bool
	}{
		"scope":         {opClaims(op, "scope", "me items"), true},
		"scp list":      {opClaims(op, "scope", nil, "scp", []string{"items", "me"}), true},
		"missing items": {opClaims(op, "scope", "me"), false},
		"none":          {opClaims(op, "scope", nil), false},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := o.Authenticate(authRequest(bearer(signWith(t, "RS256", rsaTest, "rsa", "", tc.claims))), []string{"items", "me"})
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, 403, "Not enough permissions", []string{`Bearer realm="api", error="insufficient_scope", scope="items me"`})
		})
	}
	_, err := o.Authenticate(authRequest(""), nil)
	wantErr(t, err, 401, "Not authenticated", []string{`Bearer realm="api"`})
}

// TestOIDCUnknownKidStorm: 10,000 requests with random kids, sent at once,
// cause one key set fetch; after the interval, one more.
func TestOIDCUnknownKidStorm(t *testing.T) {
	testKeys()
	op := newFakeOP(t, opKey{"rsa", "", rsaTest})
	clock := newTestClock()
	o := newOIDC(t, op, func(o *OIDCBearer[Claims]) { o.RefetchInterval = time.Minute })
	ready(t, o)
	must(o.start()).SetClock(clock.Now)
	// A signed token, whose header is then given random kids: with an
	// unknown kid the signature is never looked at.
	parts := strings.Split(signWith(t, "ES256", ecTest, "x", "", opClaims(op)), ".")
	storm := func(n int) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 64)
		for i := range n {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				header := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"alg":"ES256","kid":"forged-%d-%d"}`, i, mrand.Int64()))
				tok := header + "." + parts[1] + "." + parts[2]
				_, err := o.Authenticate(authRequest(bearer(tok)), nil)
				if code, _ := statusOf(err); code != 401 {
					t.Errorf("status %d, want 401", code)
				}
			}()
		}
		wg.Wait()
	}
	storm(10000)
	if n := op.fetches.Load(); n != 2 { // the first load, and one refetch
		t.Fatalf("key set fetched %d times, want 2 (the first load and one refetch)", n)
	}
	clock.Add(59 * time.Second)
	storm(1000)
	if n := op.fetches.Load(); n != 2 {
		t.Fatalf("within the interval: %d fetches, want still 2", n)
	}
	clock.Add(2 * time.Second)
	storm(1000)
	if n := op.fetches.Load(); n != 3 {
		t.Fatalf("after the interval: %d fetches, want 3", n)
	}
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Now()} }
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestOIDCRotation: a new key is picked up at the first token that names it;
// a key the provider dropped verifies until the set is fetched again.
func TestOIDCRotation(t *testing.T) {
	testKeys()
	op := newFakeOP(t, opKey{"k1", "", rsaTest})
	o := newOIDC(t, op)
	ready(t, o)
	old := signWith(t, "RS256", rsaTest, "k1", "", opClaims(op))
	if _, err := o.Authenticate(authRequest(bearer(old)), nil); err != nil {
		t.Fatal(err)
	}
	op.setKeys(opKey{"k2", "", ecTest}) // k1 dropped
	if _, err := o.Authenticate(authRequest(bearer(old)), nil); err != nil {
		t.Fatalf("before the set is fetched again, the old key verifies: %v", err)
	}
	fresh := signWith(t, "ES256", ecTest, "k2", "", opClaims(op))
	if _, err := o.Authenticate(authRequest(bearer(fresh)), nil); err != nil {
		t.Fatalf("a token of the new key: %v", err)
	}
	_, err := o.Authenticate(authRequest(bearer(old)), nil)
	wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer error="invalid_token"`})
}

// TestOIDCProviderDown: the keys fetched stay in use; unknown kids are 401.
func TestOIDCProviderDown(t *testing.T) {
	testKeys()
	op := newFakeOP(t, opKey{"k1", "", rsaTest})
	o := newOIDC(t, op)
	ready(t, o)
	op.srv.Close()
	good := signWith(t, "RS256", rsaTest, "k1", "", opClaims(op))
	if _, err := o.Authenticate(authRequest(bearer(good)), nil); err != nil {
		t.Fatal(err)
	}
	unknown := signWith(t, "RS256", rsaTest, "k9", "", opClaims(op))
	_, err := o.Authenticate(authRequest(bearer(unknown)), nil)
	wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer error="invalid_token"`})
	// And the provider answering errors is the same.
	op2 := newFakeOP(t, opKey{"k1", "", rsaTest})
	o2 := newOIDC(t, op2)
	ready(t, o2)
	op2.set(func(op *fakeOP) { op.jwksStatus = http.StatusBadGateway })
	tok2 := signWith(t, "RS256", rsaTest, "k1", "", opClaims(op2))
	if _, err := o2.Authenticate(authRequest(bearer(tok2)), nil); err != nil {
		t.Fatal(err)
	}
	_, err = o2.Authenticate(authRequest(bearer(signWith(t, "RS256", rsaTest, "k9", "", opClaims(op2)))), nil)
	wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer error="invalid_token"`})
}

// TestOIDCNotLoaded: until the provider has answered once, tokens are answered
// 503 with Retry-After, never 401 (they may be valid) and never 500.
func TestOIDCNotLoaded(t *testing.T) {
	testKeys()
	for name, tune := range map[string]func(op *fakeOP){
		"issuer differs":     func(op *fakeOP) { op.issuer = "https://other.example" },
		"key set too large":  func(op *fakeOP) { op.jwksBody = []byte(`{"keys":[],"pad":"` + strings.Repeat("x", 2<<10) + `"}`) },
		"key set not JSON":   func(op *fakeOP) { op.jwksBody = []byte(`<html>`) },
		"no usable key":      func(op *fakeOP) { op.jwksBody = []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"k1"}]}`) },
		"key set status 500": func(op *fakeOP) { op.jwksStatus = 500 },
	} {
		t.Run(name, func(t *testing.T) {
			op := newFakeOP(t, opKey{"k1", "", rsaTest})
			op.set(tune)
			o := newOIDC(t, op, func(o *OIDCBearer[Claims]) { o.MaxDocumentSize = 1 << 10 })
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if err := o.Ready(ctx); err == nil {
				t.Fatal("Ready succeeded")
			}
			tok := signWith(t, "RS256", rsaTest, "k1", "", opClaims(op))
			_, err := o.Authenticate(authRequest(bearer(tok)), nil)
			if he, ok := err.(*keel.HTTPError); !ok || he.Headers.Get("Retry-After") != "5" {
				t.Fatalf("%v, want 503 with Retry-After: 5", err)
			}
			if he := err.(*keel.HTTPError); he.Status != 503 || he.DetailValue() != "Service Unavailable" {
				t.Errorf("%d %v, want 503 Service Unavailable", he.Status, he.DetailValue())
			}
		})
	}
}

// TestOIDCFetchTimeout: a provider that does not answer makes requests wait
// at most FetchTimeout.
func TestOIDCFetchTimeout(t *testing.T) {
	testKeys()
	op := newFakeOP(t, opKey{"k1", "", rsaTest})
	hang := make(chan struct{})
	op.set(func(op *fakeOP) { op.hang = hang })
	defer close(hang)
	o := newOIDC(t, op, func(o *OIDCBearer[Claims]) { o.FetchTimeout = 200 * time.Millisecond })
	start := time.Now()
	tok := signWith(t, "RS256", rsaTest, "k1", "", opClaims(op))
	_, err := o.Authenticate(authRequest(bearer(tok)), nil)
	if code, _ := statusOf(err); code != 503 {
		t.Fatalf("status %d, want 503", code)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

// TestOIDCBackgroundRefresh: the set is fetched again before its max-age
// runs out, without any request.
func TestOIDCBackgroundRefresh(t *testing.T) {
	testKeys()
	op := newFakeOP(t, opKey{"k1", "", rsaTest})
	op.set(func(op *fakeOP) { op.cacheControl = "public, max-age=2" })
	o := newOIDC(t, op, func(o *OIDCBearer[Claims]) { o.MinRefreshInterval = time.Second })
	ready(t, o)
	op.setKeys(opKey{"k1", "", rsaTest}, opKey{"k2", "", ecTest})
	// Wait until the client holds the new key set, not until the provider
	// answered: op.fetches counts the request when it arrives, before the
	// client has parsed and installed the answer, so a token checked between
	// the two would (rightly) trigger the on-demand refetch this test must
	// not see.
	deadline := time.Now().Add(6 * time.Second)
	for {
		if _, ok := o.provider.Load().Keys().Lookup("k2", "ES256"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no background refresh within 6s of a max-age of 2s (%d fetches)", op.fetches.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	fetches := op.fetches.Load()
	tok := signWith(t, "ES256", ecTest, "k2", "", opClaims(op))
	if _, err := o.Authenticate(authRequest(bearer(tok)), nil); err != nil {
		t.Fatal(err)
	}
	if op.fetches.Load() != fetches {
		t.Error("the new key was fetched on demand: the background refresh did not bring it")
	}
}

func TestOIDCConfig(t *testing.T) {
	for _, tc := range []struct {
		o    *OIDCBearer[Claims]
		want string
	}{
		{&OIDCBearer[Claims]{Audience: []string{"a"}}, "Issuer is required"},
		{&OIDCBearer[Claims]{Issuer: "http://id.example.com", Audience: []string{"a"}}, "https is required"},
		{&OIDCBearer[Claims]{Issuer: "https://id.example.com"}, "Audience is required"},
		{&OIDCBearer[Claims]{Issuer: "https://id.example.com", Audience: []string{"a"}, Algorithms: []string{"HS256"}}, "asymmetric algorithms only"},
		{&OIDCBearer[Claims]{Issuer: "https://id.example.com", Audience: []string{"a"}, Algorithms: []string{"none"}}, "unsupported algorithm"},
		{&OIDCBearer[Claims]{Issuer: "https://id.example.com", Audience: []string{"a"}, AuthorizationURL: "https://x"}, "go together"},
	} {
		err := tc.o.init()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
	var notClaims OIDCBearer[struct{}]
	notClaims.Issuer, notClaims.Audience = "https://id.example.com", []string{"a"}
	if err := notClaims.init(); err == nil || !strings.Contains(err.Error(), "does not implement jwt.Claims") {
		t.Error(err)
	}
}

func TestOIDCOpenAPI(t *testing.T) {
	o := &OIDCBearer[Claims]{Issuer: "https://id.example.com/tenant/", Audience: []string{"a"}}
	if got := string(must(json.Marshal(o.OpenAPISecurityScheme()))); got != `{"openIdConnectUrl":"https://id.example.com/tenant/.well-known/openid-configuration","type":"openIdConnect"}` {
		t.Error(got)
	}
	o.AuthorizationURL, o.TokenURL, o.Scopes = "https://id.example.com/auth", "https://id.example.com/token", map[string]string{"items": "Read items"}
	if got := string(must(json.Marshal(o.OpenAPISecurityScheme()))); got != `{"flows":{"authorizationCode":{"authorizationUrl":"https://id.example.com/auth","scopes":{"items":"Read items"},"tokenUrl":"https://id.example.com/token"}},"type":"oauth2"}` {
		t.Error(got)
	}
	if o.SchemeName() != "OIDCBearer" {
		t.Error(o.SchemeName())
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestOIDCFirstRequest: the first request waits for the first load, which
// does not use up the unknown-kid refetch: a rotation right after still
// passes at once.
func TestOIDCFirstRequest(t *testing.T) {
	testKeys()
	op := newFakeOP(t, opKey{"k1", "", rsaTest})
	o := newOIDC(t, op)
	if _, err := o.Authenticate(authRequest(bearer(signWith(t, "RS256", rsaTest, "k1", "", opClaims(op)))), nil); err != nil {
		t.Fatalf("first request: %v", err)
	}
	op.setKeys(opKey{"k1", "", rsaTest}, opKey{"k2", "", ecTest})
	if _, err := o.Authenticate(authRequest(bearer(signWith(t, "ES256", ecTest, "k2", "", opClaims(op)))), nil); err != nil {
		t.Fatalf("a new key right after the first load: %v", err)
	}
	if n := op.fetches.Load(); n != 2 {
		t.Errorf("%d key set fetches, want 2", n)
	}
}

package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The OpenID provider's client and user (internal/oidcprovider's defaults).
const (
	opClient   = "keel-docs"
	opUser     = "alice"
	opPassword = "wonderland"
	opSub      = "alice-sub"
)

// provider is a running OpenID provider (internal/oidcprovider: zitadel/oidc's
// example provider) on a loopback port.
type provider struct {
	t    *testing.T
	addr string // 127.0.0.1:PORT, kept across restarts (the issuer)
	URL  string // the issuer, http://127.0.0.1:PORT

	mu      sync.Mutex
	logs    []*logWatcher // every run's output
	stopRun func()
}

// startProvider starts the provider with the keys in these PEM files (the
// first signs; created when missing) on a free loopback port. It is stopped,
// by its PID, when the test ends.
func startProvider(t *testing.T, keys ...string) *provider {
	t.Helper()
	p := &provider{t: t, addr: "127.0.0.1:0"}
	p.start(keys...)
	t.Cleanup(p.stop)
	return p
}

// start runs the provider on p.addr.
func (p *provider) start(keys ...string) {
	t := p.t
	t.Helper()
	if providerBin == "" {
		t.Fatal("the provider binary was not built (TestMain)")
	}
	log := &logWatcher{addr: make(chan string, 1)}
	cmd := exec.Command(providerBin, "-addr", p.addr, "-keys", strings.Join(keys, ","))
	cmd.Stdout, cmd.Stderr = log, log
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start the OpenID provider: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Kill() // this process only, by its PID
			<-exited
		})
	}
	p.mu.Lock()
	p.logs = append(p.logs, log)
	p.stopRun = stop
	p.mu.Unlock()
	select {
	case addr := <-log.addr:
		p.addr, p.URL = addr, "http://"+addr
	case <-exited:
		t.Fatalf("the OpenID provider exited before listening:\n%s", log.String())
	case <-time.After(30 * time.Second):
		stop()
		t.Fatalf("the OpenID provider did not log msg=listening within 30s:\n%s", log.String())
	}
}

// stop stops the running provider (a no-op when it is not running).
func (p *provider) stop() {
	p.mu.Lock()
	stop := p.stopRun
	p.mu.Unlock()
	if stop != nil {
		stop()
	}
	if p.t.Failed() {
		p.t.Logf("OpenID provider log:\n%s", p.log())
	}
}

// restart stops the provider and starts it again, on the same address (so
// with the same issuer), with these keys.
func (p *provider) restart(keys ...string) {
	p.t.Helper()
	p.stop()
	p.start(keys...)
}

func (p *provider) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, l := range p.logs {
		b.WriteString(l.String())
	}
	return b.String()
}

// keyFetches is how many times the key set has been requested, over every run.
func (p *provider) keyFetches() int { return strings.Count(p.log(), " path=/keys ") }

// login runs the authorization code flow with PKCE as a browser would (the
// provider's login form included, without following the final redirect) and
// returns the access token.
func (p *provider) login(t *testing.T, scope string) string {
	t.Helper()
	noRedirect := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	verifier := base64.RawURLEncoding.EncodeToString([]byte(rand.Text() + rand.Text()))
	sum := sha256.Sum256([]byte(verifier))
	redirect := "http://127.0.0.1:1/docs/oauth2-redirect" // any loopback port: never reached
	q := url.Values{
		"client_id": {opClient}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {scope},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}, "state": {"st"},
	}
	location := func(res *http.Response, err error) *url.URL {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s %s: status %d, want a redirect: %s", res.Request.Method, res.Request.URL, res.StatusCode, body)
		}
		u, err := res.Request.URL.Parse(res.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	loginPage := location(noRedirect.Get(p.URL + "/auth?" + q.Encode()))
	callback := location(noRedirect.PostForm(p.URL+"/login/username", url.Values{
		"username": {opUser}, "password": {opPassword}, "id": {loginPage.Query().Get("authRequestID")}}))
	back := location(noRedirect.Get(callback.String()))
	if back.Query().Get("state") != "st" || back.Query().Get("code") == "" {
		t.Fatalf("the provider redirected to %s", back)
	}
	res, err := noRedirect.PostForm(p.URL+"/oauth/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "redirect_uri": {redirect},
		"client_id": {opClient}, "code_verifier": {verifier}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != 200 || tok.AccessToken == "" {
		t.Fatalf("token endpoint: status %d, %+v, %v", res.StatusCode, tok, err)
	}
	return tok.AccessToken
}

// startOIDCExample starts the example with the provider as its OpenID
// Connect provider.
func startOIDCExample(t *testing.T, p *provider) *example {
	t.Helper()
	return startExample(t, "KEEL_EXAMPLE_OIDC_ISSUER="+p.URL, "KEEL_EXAMPLE_OIDC_AUDIENCE="+opClient, "KEEL_EXAMPLE_OIDC_CLIENT_ID="+opClient)
}

// answer is a response: status, the WWW-Authenticate header, the body.
type answer struct {
	status    int
	challenge string
	body      string
}

// items sends GET /oidc/items/ with the token ("" for none).
func (ex *example) items(t *testing.T, token string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ex.URL+"/oidc/items/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 20 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header.Get("WWW-Authenticate"), strings.TrimSpace(string(b))}
}

var (
	ok           = answer{200, "", `[{"item_id":"Foo","owner":"` + opSub + `"}]`}
	invalidToken = answer{401, `Bearer error="invalid_token"`, `{"detail":"Could not validate credentials"}`}
)

func expect(t *testing.T, what string, got, want answer) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
}

// readKey reads a provider key file.
func readKey(t *testing.T, path string) *rsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// claimsOf decodes a token's header and claims, unverified.
func claimsOf(t *testing.T, tok string) (jwt.MapClaims, map[string]any) {
	t.Helper()
	c := jwt.MapClaims{}
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, c)
	if err != nil {
		t.Fatal(err)
	}
	return c, parsed.Header
}

// forge signs claims with method and key under the header kid.
func forge(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// with copies claims with changes (nil deletes).
func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// TestOIDCProvider runs GET /oidc/items/ of the example against a real
// OpenID provider (issue 12, item 4): discovery and verification of its
// tokens, the scope check, forged tokens, and a storm of unknown kids.
func TestOIDCProvider(t *testing.T) {
	requireE2E(t)
	dir := t.TempDir()
	k1 := filepath.Join(dir, "k1.pem")
	p := startProvider(t, k1)
	ex := startOIDCExample(t, p)

	tok := p.login(t, "openid items")
	expect(t, "a token of the provider", ex.items(t, tok), ok)
	expect(t, "no token", ex.items(t, ""), answer{401, "Bearer", `{"detail":"Not authenticated"}`})
	expect(t, "a token without the scope items", ex.items(t, p.login(t, "openid")),
		answer{403, `Bearer error="insufficient_scope", scope="items"`, `{"detail":"Not enough permissions"}`})

	// Forged tokens: the provider's claims, signed otherwise.
	claims, header := claimsOf(t, tok)
	kid, _ := header["kid"].(string)
	key := readKey(t, k1)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&key.PublicKey))})
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for name, forged := range map[string]string{
		"alg none":                                         forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, claims),
		"HS256 with the public key (PEM)":                  forge(t, jwt.SigningMethodHS256, pubPEM, kid, claims),
		"HS256 with the public key (n)":                    forge(t, jwt.SigningMethodHS256, key.PublicKey.N.Bytes(), kid, claims),
		"kid of the provider's key, signed by another key": forge(t, jwt.SigningMethodRS256, other, kid, claims),
		"wrong issuer":                                     forge(t, jwt.SigningMethodRS256, key, kid, with(claims, "iss", "https://evil.example")),
		"wrong audience":                                   forge(t, jwt.SigningMethodRS256, key, kid, with(claims, "aud", []string{"another-api"})),
		"expired":                                          forge(t, jwt.SigningMethodRS256, key, kid, with(claims, "exp", now.Add(-time.Minute).Unix())),
		"not yet valid":                                    forge(t, jwt.SigningMethodRS256, key, kid, with(claims, "nbf", now.Add(time.Hour).Unix())),
		"PS256 on an RS256 key":                            forge(t, jwt.SigningMethodPS256, key, kid, claims),
		"tampered subject":                                 tamperClaims(t, tok, "sub", "mallory"),
	} {
		expect(t, name, ex.items(t, forged), invalidToken)
	}
	// The same claims signed by the provider's key pass: the refusals above
	// are about what was forged.
	expect(t, "re-signed by the provider's key", ex.items(t, forge(t, jwt.SigningMethodRS256, key, kid, claims)), ok)

	// 300 tokens with random kids, sent at once: at most one more fetch of
	// the key set (the first unknown kid's), every answer 401.
	before := p.keyFetches()
	var wg sync.WaitGroup
	answers := make(chan answer, 300)
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers <- ex.items(t, forge(t, jwt.SigningMethodRS256, key, fmt.Sprint("forged-", i, "-", rand.Text()), claims))
		}()
	}
	wg.Wait()
	close(answers)
	for a := range answers {
		if a != invalidToken {
			t.Fatalf("a random kid: %+v", a)
		}
	}
	if n := p.keyFetches() - before; n > 1 {
		t.Errorf("300 unknown kids caused %d key set fetches, want at most 1", n)
	}
	expect(t, "after the storm, a good token", ex.items(t, tok), ok)
}

// tamperClaims changes one claim of a token, keeping its signature.
func tamperClaims(t *testing.T, tok, name string, value any) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	c[name] = value
	b, _ = json.Marshal(c)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestOIDCKeyRotation restarts the provider with other keys while the example
// runs, and checks what docs/security.md says: a token of a new key passes at
// once (its unknown kid makes Keel fetch the key set), tokens of a key the
// provider still publishes keep passing, and a key the provider dropped keeps
// verifying until Keel fetches the set again, then fails.
func TestOIDCKeyRotation(t *testing.T) {
	requireE2E(t)
	dir := t.TempDir()
	k1, k2, k3 := filepath.Join(dir, "k1.pem"), filepath.Join(dir, "k2.pem"), filepath.Join(dir, "k3.pem")

	t.Run("new key, old one still published", func(t *testing.T) {
		p := startProvider(t, k1)
		ex := startOIDCExample(t, p)
		old := p.login(t, "openid items")
		expect(t, "k1's token", ex.items(t, old), ok)
		p.restart(k2, k1) // k2 signs, k1 is still published
		fresh := p.login(t, "openid items")
		_, hOld := claimsOf(t, old)
		_, hNew := claimsOf(t, fresh)
		if hOld["kid"] == hNew["kid"] {
			t.Fatal("the restarted provider signs with the same key")
		}
		expect(t, "k2's token, without restarting Keel", ex.items(t, fresh), ok)
		expect(t, "k1's token after the rotation", ex.items(t, old), ok)
	})

	t.Run("old key dropped", func(t *testing.T) {
		p := startProvider(t, k1)
		ex := startOIDCExample(t, p)
		old := p.login(t, "openid items")
		expect(t, "k1's token", ex.items(t, old), ok)
		p.restart(k3) // k1 is no longer published
		expect(t, "k1's token before Keel fetches the set again", ex.items(t, old), ok)
		fresh := p.login(t, "openid items")
		expect(t, "k3's token", ex.items(t, fresh), ok)
		expect(t, "k1's token once the set without it is fetched", ex.items(t, old), invalidToken)
	})
}

// TestOIDCProviderDown stops the provider: tokens of the keys Keel holds keep
// passing; a token naming a key it does not hold is 401, never 500.
func TestOIDCProviderDown(t *testing.T) {
	requireE2E(t)
	k1 := filepath.Join(t.TempDir(), "k1.pem")
	p := startProvider(t, k1)
	ex := startOIDCExample(t, p)
	tok := p.login(t, "openid items")
	expect(t, "before", ex.items(t, tok), ok)
	claims, _ := claimsOf(t, tok)
	unknownKid := forge(t, jwt.SigningMethodRS256, readKey(t, k1), "a-kid-keel-never-saw", claims)
	p.stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if req, _ := http.NewRequestWithContext(ctx, "GET", p.URL+"/keys", nil); req != nil {
		if _, err := http.DefaultClient.Do(req); err == nil {
			t.Fatal("the provider still answers")
		}
	}
	expect(t, "a token of a cached key, provider down", ex.items(t, tok), ok)
	expect(t, "an unknown kid, provider down", ex.items(t, unknownKid), invalidToken)
	expect(t, "again", ex.items(t, tok), ok)
}

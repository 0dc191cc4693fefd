package security

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelgo/keel"
)

func noUsers(context.Context, string, string, string) (DigestSecret, bool, error) {
	return DigestSecret{}, false, nil
}

// testLookup knows alice by password and bob by stored HA1 (password "builder").
func testLookup(_ context.Context, user, realm, hash string) (DigestSecret, bool, error) {
	switch user {
	case "alice", "Jäsper":
		return DigestSecret{Password: "wonderland"}, true, nil
	case "bob":
		var sum []byte
		switch hash {
		case "MD5":
			s := md5.Sum([]byte("bob:" + realm + ":builder"))
			sum = s[:]
		case "SHA-256":
			s := sha256.Sum256([]byte("bob:" + realm + ":builder"))
			sum = s[:]
		default:
			return DigestSecret{}, false, nil
		}
		return DigestSecret{HA1: strings.ToUpper(hex.EncodeToString(sum))}, true, nil
	case "broken":
		return DigestSecret{}, false, errors.New("database on fire")
	}
	return DigestSecret{}, false, nil
}

type fakeClock struct{ ns atomic.Int64 }

func newClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// serve writes the result of an Authenticate-style call as Keel would.
func serve[T any](auth func(*http.Request) (*T, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := auth(r)
		var he *keel.HTTPError
		switch {
		case errors.As(err, &he):
			for k, vs := range he.Headers {
				w.Header()[k] = vs
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(he.Status)
			_ = json.NewEncoder(w).Encode(map[string]any{"detail": he.DetailValue()})
		case err != nil:
			http.Error(w, `{"detail":"Internal Server Error"}`, 500)
		default:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(v)
		}
	})
}

func newDigest(clock *fakeClock, algs ...string) *DigestAuth {
	return &DigestAuth{
		Realm:      "keel@example.org",
		Lookup:     testLookup,
		Secret:     []byte("0123456789abcdef0123456789abcdef"),
		Algorithms: algs,
		Now:        clock.Now,
	}
}

var challengeRE = regexp.MustCompile(`^Digest realm="keel@example\.org", qop="auth", algorithm=([A-Za-z0-9-]+), nonce="([A-Za-z0-9_-]{48})", opaque="([0-9a-f]{32})"(, stale=true)?$`)

func TestDigestChallenge(t *testing.T) {
	d := newDigest(newClock())
	_, err := d.Authenticate(httptest.NewRequest("GET", "/x", nil))
	var he *keel.HTTPError
	if !errors.As(err, &he) || he.Status != 401 || he.Detail != "Not authenticated" {
		t.Fatalf("error = %v", err)
	}
	vs := he.Headers.Values("WWW-Authenticate")
	if len(vs) != 2 {
		t.Fatalf("challenges = %q", vs)
	}
	var nonces []string
	for i, alg := range []string{"SHA-256", "MD5"} {
		m := challengeRE.FindStringSubmatch(vs[i])
		if m == nil || m[1] != alg || m[4] != "" {
			t.Fatalf("challenge %d = %q, want algorithm %s", i, vs[i], alg)
		}
		nonces = append(nonces, m[2])
	}
	if nonces[0] != nonces[1] {
		t.Error("the two challenges carry different nonces")
	}
	if _, ok := d.checkNonce(nonces[0]); !ok {
		t.Error("own nonce does not verify")
	}
	// Another secret does not accept it.
	other := newDigest(newClock())
	other.Secret = []byte("another secret of sixteen bytes+")
	if _, ok := other.checkNonce(nonces[0]); ok {
		t.Error("nonce verifies under another secret")
	}
	// Optional: no credentials is nil, other schemes too.
	d.Optional = true
	for _, h := range []string{"", "Basic dTpw", "Digestx"} {
		if u, err := d.Authenticate(authRequest(h)); u != nil || err != nil {
			t.Errorf("optional %q: (%v, %v)", h, u, err)
		}
	}
	// Present but wrong Digest credentials still fail when optional.
	if _, err := d.Authenticate(authRequest(`Digest username="alice"`)); !errors.As(err, &he) || he.Status != 401 {
		t.Errorf("optional with bad credentials: %v", err)
	}
}

// credentials builds an Authorization value answering a challenge, as RFC 7616
// §3.4 says a client computes it (qop=auth, cnonce "0a4f113b"). It is the core
// module's own test client, for the tests that need Keel's internals (a fake
// clock, the nonce store); internal/interop authenticates with an independent
// client (github.com/icholy/digest) and the curl test below with curl.
func credentials(t *testing.T, chalHeader, method, uri, user, pass string, nc int) string {
	t.Helper()
	params := map[string]string{}
	for _, m := range challengeParamRE.FindAllStringSubmatch(strings.TrimPrefix(chalHeader, "Digest "), -1) {
		params[strings.ToLower(m[1])] = strings.Trim(m[2], `"`)
	}
	alg := params["algorithm"]
	if alg == "" {
		alg = "MD5"
	}
	var h func(string) string
	switch strings.TrimSuffix(strings.ToUpper(alg), "-SESS") {
	case "MD5":
		h = func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	case "SHA-256":
		h = func(s string) string { x := sha256.Sum256([]byte(s)); return hex.EncodeToString(x[:]) }
	case "SHA-512-256":
		h = func(s string) string { x := sha512.Sum512_256([]byte(s)); return hex.EncodeToString(x[:]) }
	default:
		t.Fatalf("challenge %q: unknown algorithm", chalHeader)
	}
	realm, nonce, cnonce := params["realm"], params["nonce"], "0a4f113b"
	if realm == "" || nonce == "" || params["qop"] != "auth" {
		t.Fatalf("challenge %q: no realm, nonce or qop=auth", chalHeader)
	}
	ha1 := h(user + ":" + realm + ":" + pass)
	if strings.HasSuffix(strings.ToUpper(alg), "-SESS") {
		ha1 = h(ha1 + ":" + nonce + ":" + cnonce)
	}
	ncs := fmt.Sprintf("%08x", nc)
	response := h(ha1 + ":" + nonce + ":" + ncs + ":" + cnonce + ":auth:" + h(method+":"+uri))
	return fmt.Sprintf(`Digest username=%q, realm=%q, nonce=%q, uri=%q, algorithm=%s, response=%q, opaque=%q, qop=auth, nc=%s, cnonce=%q`,
		user, realm, nonce, uri, alg, response, params["opaque"], ncs, cnonce)
}

var challengeParamRE = regexp.MustCompile(`([A-Za-z]+)=("[^"]*"|[^,\s]+)`)

func challengeOf(t *testing.T, d *DigestAuth) string {
	t.Helper()
	return d.Challenge(false).Headers.Get("WWW-Authenticate")
}

func digestRequest(method, uri, auth string) *http.Request {
	r := httptest.NewRequest(method, uri, nil)
	r.Header.Set("Authorization", auth)
	return r
}

func TestDigestStaleAndReplay(t *testing.T) {
	clock := newClock()
	d := newDigest(clock)
	auth := credentials(t, challengeOf(t, d), "GET", "/a", "alice", "wonderland", 1)

	// Stateless: the same credentials are accepted again (a replay) until the
	// nonce expires.
	for range 2 {
		if _, err := d.Authenticate(digestRequest("GET", "/a", auth)); err != nil {
			t.Fatalf("stateless: %v", err)
		}
	}
	// Not for another method or URI.
	for _, r := range []*http.Request{digestRequest("POST", "/a", auth), digestRequest("GET", "/b", auth), digestRequest("GET", "/a?x", auth)} {
		if _, err := d.Authenticate(r); err == nil {
			t.Errorf("%s %s accepted credentials for GET /a", r.Method, r.RequestURI)
		}
	}
	// Expired nonce with the right password: stale=true.
	clock.Advance(DefaultDigestNonceLifetime)
	_, err := d.Authenticate(digestRequest("GET", "/a", auth))
	assertChallenge(t, err, true)
	// Expired nonce with a wrong password: no stale.
	bad := credentials(t, challengeOf(t, d), "GET", "/a", "alice", "nope", 1)
	_, err = d.Authenticate(digestRequest("GET", "/a", bad))
	assertChallenge(t, err, false)

	// With a counter, a reused nc is refused with stale=true, counts may arrive
	// out of order, each once.
	d.Nonces = memoryNonces(clock, 10)
	chal := challengeOf(t, d)
	for _, step := range []struct {
		nc int
		ok bool
	}{{1, true}, {1, false}, {3, true}, {2, true}, {2, false}, {3, false}, {100, true}, {30, false}, {99, true}} {
		_, err := d.Authenticate(digestRequest("GET", "/a", credentials(t, chal, "GET", "/a", "alice", "wonderland", step.nc)))
		if step.ok && err != nil {
			t.Fatalf("nc %d: %v", step.nc, err)
		}
		if !step.ok {
			assertChallenge(t, err, true)
		}
	}
}

func assertChallenge(t *testing.T, err error, stale bool) {
	t.Helper()
	var he *keel.HTTPError
	if !errors.As(err, &he) || he.Status != 401 || he.Detail != "Not authenticated" {
		t.Fatalf("error = %v, want the 401 challenge", err)
	}
	for _, v := range he.Headers.Values("WWW-Authenticate") {
		m := challengeRE.FindStringSubmatch(v)
		if m == nil {
			t.Fatalf("challenge %q malformed", v)
		}
		if (m[4] != "") != stale {
			t.Fatalf("challenge %q: stale = %v, want %v", v, m[4] != "", stale)
		}
	}
}

func TestDigestRejects(t *testing.T) {
	clock := newClock()
	d := newDigest(clock)
	chal := challengeOf(t, d)
	good := credentials(t, chal, "GET", "/a", "alice", "wonderland", 1)
	if _, err := d.Authenticate(digestRequest("GET", "/a", good)); err != nil {
		t.Fatalf("good credentials: %v", err)
	}
	m := challengeRE.FindStringSubmatch(chal)
	nonce, opaque := m[2], m[3]
	replace := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("%q not in %q", old, good)
		}
		return strings.Replace(good, old, new, 1)
	}
	forged := []byte(nonce)
	forged[10] ^= 1
	tests := map[string]string{
		"wrong realm":          replace(`realm="keel@example.org"`, `realm="other"`),
		"forged nonce":         replace(nonce, string(forged)),
		"short nonce":          replace(nonce, nonce[:40]),
		"wrong opaque":         replace(opaque, strings.Repeat("0", 32)),
		"no opaque":            replace(`opaque="`+opaque+`"`, `x="y"`),
		"unknown user":         replace(`username="alice"`, `username="mallory"`),
		"no qop":               replace(`qop=auth`, `x=y`),
		"qop auth-int":         replace(`qop=auth`, `qop=auth-int`),
		"algorithm not served": replace(`algorithm=SHA-256`, `algorithm=SHA-512-256`),
		"bad nc":               replace(`nc=00000001`, `nc=0000001`),
		"nc not hex":           replace(`nc=00000001`, `nc=0000000g`),
		"duplicate username":   good + `, username="alice"`,
		"userhash":             good + `, userhash=true`,
		"unterminated":         good + `, x="abc`,
		"garbage":              "Digest ,,,=",
		"both usernames":       good + `, username*=UTF-8''alice`,
		"response tampered":    strings.Replace(good, `response="`, `response="0`, 1),
		"empty":                "Digest",
		"too long":             good + ", x=\"" + strings.Repeat("a", DefaultMaxAuthorization) + "\"",
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := d.Authenticate(digestRequest("GET", "/a", h))
			assertChallenge(t, err, false)
		})
	}
	// Algorithm absent means MD5 (RFC 7616 §3.4); accepted when MD5 is served.
	md5Chal := strings.Replace(chal, "algorithm=SHA-256", "algorithm=MD5", 1)
	noAlg := strings.Replace(credentials(t, md5Chal, "GET", "/a", "alice", "wonderland", 1), "algorithm=MD5, ", "", 1)
	if _, err := d.Authenticate(digestRequest("GET", "/a", noAlg)); err != nil {
		t.Errorf("no algorithm (MD5): %v", err)
	}
	sha := newDigest(clock, "SHA-256")
	if _, err := sha.Authenticate(digestRequest("GET", "/a", noAlg)); err == nil {
		t.Error("no algorithm accepted without MD5 served")
	}
	// username* (RFC 8187).
	star := strings.Replace(credentials(t, chal, "GET", "/a", "Jäsper", "wonderland", 1), `username="Jäsper"`, `username*=UTF-8''J%C3%A4sper`, 1)
	if u, err := d.Authenticate(digestRequest("GET", "/a", star)); err != nil || u.Username != "Jäsper" {
		t.Errorf("username*: (%v, %v)", u, err)
	}
	// A Lookup error is not an HTTPError and does not reach the client.
	broken := credentials(t, chal, "GET", "/a", "broken", "x", 1)
	_, err := d.Authenticate(digestRequest("GET", "/a", broken))
	var he *keel.HTTPError
	if err == nil || errors.As(err, &he) || !errors.Is(err, errDigestLookup) {
		t.Errorf("lookup error: %v", err)
	}
	// A nonce issued in the future (beyond a minute of skew) is refused.
	future := newDigest(newClock())
	future.Now = func() time.Time { return clock.Now().Add(time.Hour) }
	fchal := challengeOf(t, future)
	_, err = d.Authenticate(digestRequest("GET", "/a", credentials(t, fchal, "GET", "/a", "alice", "wonderland", 1)))
	assertChallenge(t, err, false)
}

// memoryNonces is a MemoryNonceStore on the test's clock.
func memoryNonces(clock *fakeClock, size int) *MemoryNonceStore {
	s := NewMemoryNonceStore(size)
	s.Now = clock.Now
	return s
}

func TestMemoryNonceStoreBounded(t *testing.T) {
	clock := &fakeClock{}
	clock.ns.Store(time.Unix(1000, 0).UnixNano())
	c := memoryNonces(clock, 3)
	now := clock.Now()
	exp := func(s int) time.Time { return now.Add(time.Duration(s) * time.Second) }
	use := func(nonce string, nc uint64, expires time.Time) bool {
		ok, err := c.UseNonce(context.Background(), nonce, nc, expires)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for i := range 3 {
		if !use(fmt.Sprint("n", i), 1, exp(10+i)) {
			t.Fatalf("n%d refused", i)
		}
	}
	// Full: n0 (expiring first) is dropped to make room for n3.
	if !use("n3", 1, exp(20)) || c.Len() != 3 {
		t.Fatalf("n3 refused or len %d", c.Len())
	}
	// n0 is forgotten but must not be replayable: refused (stale).
	if use("n0", 1, exp(10)) {
		t.Fatal("dropped nonce accepted again")
	}
	// A nonce expiring after the watermark is accepted (dropping n1).
	if !use("n4", 1, exp(21)) {
		t.Fatal("n4 refused")
	}
	// Expired entries are dropped.
	clock.Advance(30 * time.Second)
	if use("n5", 2, exp(40)); c.Len() != 1 {
		t.Fatalf("len after expiry = %d, want 1", c.Len())
	}
	for i := range 1000 {
		use(fmt.Sprint("m", i), 1, exp(100+i))
	}
	if c.Len() > 3 {
		t.Fatalf("len %d exceeds the size", c.Len())
	}
}

// TestDigestCurl authenticates with curl --digest, when curl is installed.
func TestDigestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	for _, algs := range [][]string{nil, {"MD5"}, {"SHA-256-sess"}, {"MD5-sess"}} {
		t.Run(strings.Join(algs, ","), func(t *testing.T) {
			d := newDigest(newClock(), algs...)
			d.Now = nil // curl runs in real time
			d.Nonces = NewMemoryNonceStore(0)
			srv := httptest.NewServer(serve(d.Authenticate))
			defer srv.Close()
			out, err := exec.Command(curl, "-s", "--digest", "-u", "alice:wonderland", srv.URL+"/items/?a=1&b=2").Output()
			if err != nil {
				t.Fatalf("curl: %v", err)
			}
			want := "SHA-256"
			if algs != nil {
				want = algs[0]
			}
			if got := strings.TrimSpace(string(out)); got != `{"username":"alice","realm":"keel@example.org","algorithm":"`+want+`"}` {
				t.Fatalf("curl got %s", got)
			}
			out, _ = exec.Command(curl, "-s", "--digest", "-u", "alice:wrong", srv.URL+"/items/").Output()
			if strings.TrimSpace(string(out)) != `{"detail":"Not authenticated"}` {
				t.Fatalf("curl with a wrong password got %s", out)
			}
		})
	}
}

package security

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/keelgo/keel"
)

// withAuth is a GET request with the given Authorization value.
func withAuth(value string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", value)
	return r
}

// statusOf is the status of an Authenticate error, 0 for none.
func statusOf(err error) (int, string) {
	var he *keel.HTTPError
	if errors.As(err, &he) {
		return he.Status, he.Headers.Get("WWW-Authenticate")
	}
	return 0, ""
}

// Every scheme that reads the Authorization header refuses a value longer
// than its MaxLength (default 8 KiB) with its own 401, Optional or not, and
// accepts one at the limit.
func TestAuthorizationLength(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	longBearer := "Bearer " + strings.Repeat("a", DefaultMaxAuthorization)             // 8 KiB + 7
	atLimit := "Bearer " + strings.Repeat("a", DefaultMaxAuthorization-len("Bearer ")) // 8 KiB
	longBasic := "Basic " + strings.Repeat("QUJD", DefaultMaxAuthorization/4) + "Ojo=" // > 8 KiB
	basicAtLimit := "Basic   " + strings.Repeat("QUJD", 2045) + "Ojo="                 // 8 KiB: "ABC...::", leading spaces trimmed
	type scheme struct {
		name      string
		auth      func(r *http.Request) error
		long, ok  string
		challenge string
	}
	schemes := func(max int, optional bool) []scheme {
		return []scheme{
			{"HTTPBearer", func(r *http.Request) error {
				_, err := (&HTTPBearer{MaxLength: max, Optional: optional}).Authenticate(r)
				return err
			}, longBearer, atLimit, "Bearer"},
			{"HTTPBase", func(r *http.Request) error {
				_, err := (&HTTPBase{Scheme: "bearer", MaxLength: max, Optional: optional}).Authenticate(r)
				return err
			}, longBearer, atLimit, "Bearer"},
			{"HTTPDigest", func(r *http.Request) error {
				_, err := (&HTTPDigest{MaxLength: max, Optional: optional}).Authenticate(r)
				return err
			}, "Digest " + strings.Repeat("a", DefaultMaxAuthorization), "Digest " + strings.Repeat("a", DefaultMaxAuthorization-7), "Digest"},
			{"HTTPBasic", func(r *http.Request) error {
				_, err := (&HTTPBasic{MaxLength: max, Optional: optional}).Authenticate(r)
				return err
			}, longBasic, basicAtLimit, "Basic"},
			{"OAuth2PasswordBearer", func(r *http.Request) error {
				_, err := (&OAuth2PasswordBearer{TokenURL: "token", MaxLength: max, Optional: optional}).Authenticate(r)
				return err
			}, longBearer, atLimit, "Bearer"},
			{"OAuth2AuthorizationCodeBearer", func(r *http.Request) error {
				_, err := (&OAuth2AuthorizationCodeBearer{AuthorizationURL: "a", TokenURL: "t", MaxLength: max, Optional: optional}).Authenticate(r)
				return err
			}, longBearer, atLimit, "Bearer"},
			{"OAuth2", func(r *http.Request) error {
				_, err := (&OAuth2{MaxLength: max, Optional: optional}).Authenticate(r)
				return err
			}, longBearer, atLimit, "Bearer"},
			{"OpenIdConnect", func(r *http.Request) error {
				_, err := (&OpenIdConnect{URL: "u", MaxLength: max, Optional: optional}).Authenticate(r)
				return err
			}, longBearer, atLimit, "Bearer"},
			{"DigestAuth", func(r *http.Request) error {
				d := &DigestAuth{Realm: "r", Lookup: func(ctx context.Context, user, realm, hash string) (DigestSecret, bool, error) {
					return DigestSecret{}, false, nil
				}, MaxLength: max, Optional: optional}
				_, err := d.Authenticate(r)
				return err
			}, "Digest " + strings.Repeat("a", DefaultMaxAuthorization), "", "Digest"},
			{"JWTBearer", func(r *http.Request) error {
				_, err := (&JWTBearer[Claims]{Key: secret, MaxLength: max, Optional: optional}).Authenticate(r, nil)
				return err
			}, longBearer, "", `Bearer error="invalid_token"`},
		}
	}
	for _, optional := range []bool{false, true} {
		for _, s := range schemes(0, optional) {
			st, ch := statusOf(s.auth(withAuth(s.long)))
			if st != 401 || !(ch == s.challenge || s.name == "DigestAuth" && strings.HasPrefix(ch, "Digest realm=")) {
				t.Errorf("%s (optional %v): %d bytes: %d %q, want 401 %q", s.name, optional, len(s.long), st, ch, s.challenge)
			}
			if s.ok == "" {
				continue
			}
			if len(s.ok) != DefaultMaxAuthorization {
				t.Fatalf("%s: test value of %d bytes", s.name, len(s.ok))
			}
			if err := s.auth(withAuth(s.ok)); err != nil {
				t.Errorf("%s (optional %v): at the limit: %v", s.name, optional, err)
			}
		}
	}
	// MaxLength moves the limit, or removes it.
	for _, s := range schemes(100, false) {
		if st, _ := statusOf(s.auth(withAuth("Bearer " + strings.Repeat("a", 100)))); st != 401 {
			t.Errorf("%s: MaxLength 100: %d", s.name, st)
		}
	}
	for _, s := range schemes(-1, false) {
		if s.ok == "" {
			continue
		}
		if err := s.auth(withAuth(s.long)); err != nil {
			t.Errorf("%s: no limit: %v", s.name, err)
		}
	}
}

// forged is a megabyte-long Authorization value shaped like a JWT: a header,
// a huge payload and a signature.
var forged = "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + strings.Repeat("eyJzdWIiOiJ4In0", 1<<20/16) + ".c2ln"

// A forged 1 MiB token costs a length check: well under a millisecond, and
// nothing allocated in proportion to its size.
func TestForgedTokenCost(t *testing.T) {
	b := &JWTBearer[Claims]{Key: []byte("0123456789abcdef0123456789abcdef")}
	r := withAuth(forged)
	if _, err := b.Authenticate(r, nil); err == nil {
		t.Fatal("accepted")
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 100
	for range n {
		if _, err := b.Authenticate(r, nil); err == nil {
			t.Fatal("accepted")
		}
	}
	runtime.ReadMemStats(&after)
	perCall := (after.TotalAlloc - before.TotalAlloc) / n
	if perCall > 2<<10 {
		t.Errorf("%d bytes allocated per forged token", perCall)
	}
	// The time: the fastest of five rounds, so that a loaded machine, which
	// can stall any one round, does not decide the outcome. Refused by its
	// length, a token costs about 7 µs; decoded and verified (no limit), about
	// 1.7 ms (BenchmarkForgedToken, 2 cores); the allocations above are the
	// sharper check.
	elapsed := time.Hour
	for range 5 {
		start := time.Now()
		for range n {
			if _, err := b.Authenticate(r, nil); err == nil {
				t.Fatal("accepted")
			}
		}
		elapsed = min(elapsed, time.Since(start)/n)
	}
	if elapsed > time.Millisecond {
		t.Errorf("%v per forged token", elapsed)
	}
}

// BenchmarkForgedToken: a 1 MiB forged JWT against JWTBearer with the default
// limit (refused by length) and with none (decoded and verified, the cost
// before the limit existed).
func BenchmarkForgedToken(b *testing.B) {
	r := withAuth(forged)
	for _, c := range []struct {
		name string
		max  int
	}{{"limit=default", 0}, {"limit=none", -1}} {
		jb := &JWTBearer[Claims]{Key: []byte("0123456789abcdef0123456789abcdef"), MaxLength: c.max}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jb.Authenticate(r, nil); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}

// claimsPayloads are payloads whose decoding by Claims is compared with
// golang-jwt's types (TestClaimsDecodeOnce, and FuzzClaims's seeds).
var claimsPayloads = []string{
	`{"sub":"alice","iss":"i","jti":"j","aud":"a","exp":1700000000,"nbf":1.5,"iat":"1699999999","scope":"me items","scp":["x","y"],"extra":{"k":[1,true]}}`,
	`{"aud":["a","b"],"exp":1e3}`,
	`{"exp":null,"sub":null,"aud":null}`,
	`{}`,
	`{"sub":5}`, `{"aud":[1]}`, `{"aud":{}}`, `{"exp":"soon"}`, `{"exp":true}`, `{"exp":"0x10"}`, `{"exp":" 1"}`, `{"scope":3}`, `{"iss":["x"]}`,
	`[]`, `"x"`, `null`, `{"exp":-1.25}`, `{"sub":"a","sub":"b"}`, `{"exp":1e400}`, `{"aud":["a",null]}`,
}

// checkClaims decodes payload with Claims and with golang-jwt's types and
// reports any difference.
func checkClaims(t *testing.T, payload []byte) {
	t.Helper()
	var got Claims
	gotErr := json.Unmarshal(payload, &got)
	var want struct {
		jwt.RegisteredClaims
		Scope jwt.ClaimStrings `json:"scope,omitempty"`
		Scp   jwt.ClaimStrings `json:"scp,omitempty"`
	}
	wantErr := json.Unmarshal(payload, &want)
	var raw map[string]any
	if wantErr == nil {
		wantErr = json.Unmarshal(payload, &raw)
		if wantErr == nil && raw == nil {
			wantErr = errors.New("null claims") // not a claims set; Claims refuses it
		}
	}
	if (gotErr == nil) != (wantErr == nil) {
		if caseVariant(payload) {
			return // encoding/json matches "EXP" to exp; Claims, as RFC 7519, does not
		}
		t.Fatalf("%s: error %v, golang-jwt's types: %v", payload, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	if (!reflect.DeepEqual(got.RegisteredClaims, want.RegisteredClaims) || !reflect.DeepEqual(got.Scope, want.Scope) ||
		!reflect.DeepEqual(got.Scp, want.Scp) || !reflect.DeepEqual(got.Raw, raw)) && !caseVariant(payload) {
		t.Fatalf("%s:\n got %+v\nwant %+v %+v", payload, got, want, raw)
	}
}

// caseVariant reports whether payload has a key that differs from a claim name
// Claims reads only in case ("EXP"): claim names are case-sensitive (RFC 7519
// §4), where encoding/json matches struct fields case-insensitively.
func caseVariant(payload []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil {
		return false
	}
	for k := range m {
		for _, name := range []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope", "scp"} {
			if k != name && strings.EqualFold(k, name) {
				return true
			}
		}
	}
	return false
}

// Claims decodes a payload once and finds the registered and scope claims as
// golang-jwt's types would.
func TestClaimsDecodeOnce(t *testing.T) {
	for _, p := range claimsPayloads {
		checkClaims(t, []byte(p))
	}
}

// FuzzClaims: Claims agrees with golang-jwt's types on any payload (claims are
// decoded before the signature is checked: this is untrusted input).
func FuzzClaims(f *testing.F) {
	for _, p := range claimsPayloads {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkClaims(t, payload)
	})
}

package oidc

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

var allAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// jwkJSON is the JWK of pub with extra members, written by jwx.
func jwkJSON(t testing.TB, pub any, members map[string]any) map[string]any {
	t.Helper()
	k, err := jwk.Import(pub)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range members {
		m[k] = v
	}
	return m
}

func set(t testing.TB, keys ...map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseKeySet(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	doc := set(t,
		jwkJSON(t, &rsaKey.PublicKey, map[string]any{"kid": "rsa"}),
		jwkJSON(t, &rsaKey.PublicKey, map[string]any{"kid": "rsa-ps", "alg": "PS256"}),
		jwkJSON(t, &rsaKey.PublicKey, map[string]any{"kid": "rsa-enc", "use": "enc"}),
		jwkJSON(t, &rsaKey.PublicKey, map[string]any{"kid": "rsa-ops", "key_ops": []string{"encrypt"}}),
		jwkJSON(t, &rsaKey.PublicKey, map[string]any{"kid": "rsa-hs", "alg": "HS256"}),
		map[string]any{"kty": "RSA", "kid": "small", "e": "AQAB", "n": base64.RawURLEncoding.EncodeToString(small.N.Bytes())},
		jwkJSON(t, &ec.PublicKey, map[string]any{"kid": "ec"}),
		jwkJSON(t, &ec384.PublicKey, map[string]any{"kid": "ec384", "alg": "ES256"}),
		jwkJSON(t, edPub, map[string]any{"kid": "ed"}),
		jwkJSON(t, rsaKey, map[string]any{"kid": "private"}), // its public half is used
		map[string]any{"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0", "kid": "oct"},
		map[string]any{"kty": "ML-DSA", "kid": "future", "pub": "AAAA"},
	)
	ks, err := ParseKeySet(doc, []string{"RS256", "PS256", "ES256", "EdDSA"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kid, alg string
		ok       bool
	}{
		{"rsa", "RS256", true}, {"rsa", "PS256", true}, {"rsa", "RS512", false}, // RS512 not allowed
		{"rsa-ps", "PS256", true}, {"rsa-ps", "RS256", false}, // bound to its alg
		{"rsa-enc", "RS256", false}, {"rsa-ops", "RS256", false}, {"rsa-hs", "RS256", false}, {"rsa-hs", "HS256", false},
		{"small", "RS256", false},
		{"ec", "ES256", true}, {"ec", "ES384", false}, {"ec", "RS256", false},
		{"ec384", "ES256", false},
		{"ed", "EdDSA", true}, {"private", "RS256", true},
		{"oct", "HS256", false}, {"future", "RS256", false}, {"nope", "RS256", false},
	} {
		k, ok := ks.Lookup(tc.kid, tc.alg)
		if ok != tc.ok {
			t.Errorf("Lookup(%q, %q) = %v, want %v", tc.kid, tc.alg, ok, tc.ok)
		}
		if ok && (k.ID != tc.kid || !slices.Contains(Fits(k.Public), tc.alg)) {
			t.Errorf("Lookup(%q, %q) = %+v", tc.kid, tc.alg, k)
		}
	}
	// Without a kid: only when exactly one key fits.
	if _, ok := ks.Lookup("", "EdDSA"); !ok {
		t.Error("no kid, one Ed25519 key: not found")
	}
	if _, ok := ks.Lookup("", "RS256"); ok {
		t.Error("no kid, several RSA keys: found one")
	}
	for name, doc := range map[string]string{
		"not JSON":     "<html>",
		"no key":       `{"keys":[]}`,
		"only secrets": `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`,
		"too many":     `{"keys":[` + strings.Repeat(`{"kty":"oct","k":"c2VjcmV0"},`, MaxKeys) + `{"kty":"oct","k":"c2VjcmV0"}]}`,
	} {
		if _, err := ParseKeySet([]byte(doc), allAlgs); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://id.example.com":            true,
		"https://id.example.com/t/v2.0":     true,
		"http://127.0.0.1:8080":             true,
		"http://127.1.2.3":                  true,
		"http://[::1]:9000/x":               true,
		"http://localhost:9000":             true,
		"http://LOCALHOST":                  true,
		"http://id.example.com":             false,
		"http://10.0.0.1":                   false,
		"http://localhost.evil.com":         false,
		"ftp://id.example.com":              false,
		"https://user:pw@id.example.com":    false,
		"https://id.example.com/#frag":      false,
		"/relative":                         false,
		"https:opaque":                      false,
		"http://127.0.0.1.nip.io":           false,
		"https://id.example.com/x?tenant=1": true,
	} {
		if _, err := CheckURL(u); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v, want ok %v", u, err, ok)
		}
	}
}

// TestRefreshClient: max-age becomes three quarters of the freshness left.
func TestRefreshClient(t *testing.T) {
	for _, tc := range []struct{ cc, age, want string }{
		{"max-age=3600", "", "max-age=2700"},
		{"public, max-age=400", "100", "max-age=225"},
		{"max-age=100", "500", "max-age=0"},
		{"no-store", "", "max-age=0"},
		{"public", "", "public"},
		{"", "", ""},
	} {
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			h := http.Header{}
			if tc.cc != "" {
				h.Set("Cache-Control", tc.cc)
			}
			if tc.age != "" {
				h.Set("Age", tc.age)
			}
			return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader("{}"))}, nil
		})
		req, _ := http.NewRequest("GET", "https://id.example.com/keys", nil)
		res, err := refreshClient{&http.Client{Transport: rt}}.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Header.Get("Cache-Control"); got != tc.want {
			t.Errorf("Cache-Control %q, Age %q: got %q, want %q", tc.cc, tc.age, got, tc.want)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzKeySet: no key set document panics the parser or yields a key that
// cannot verify what it claims to.
func FuzzKeySet(f *testing.F) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	f.Add(set(f, jwkJSON(f, &rsaKey.PublicKey, map[string]any{"kid": "a", "alg": "RS256"}), jwkJSON(f, &ec.PublicKey, nil), jwkJSON(f, edPub, map[string]any{"use": "sig"})))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA"}]}`))
	f.Add([]byte(`{"kty":"RSA"}`))
	f.Add([]byte(`{"keys":{}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		ks, err := ParseKeySet(doc, allAlgs)
		if err != nil {
			return
		}
		if ks.Len() == 0 || ks.Len() > MaxKeys {
			t.Fatalf("%d keys", ks.Len())
		}
		for _, k := range ks.all {
			fits := Fits(k.Public)
			if len(k.Algorithms) == 0 {
				t.Fatal("a key with no algorithm")
			}
			for _, a := range k.Algorithms {
				if !slices.Contains(fits, a) || !slices.Contains(allAlgs, a) {
					t.Fatalf("key %q (%T) claims %s", k.ID, k.Public, a)
				}
			}
		}
	})
}

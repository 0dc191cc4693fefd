package interop_test

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/icholy/digest"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// lookup knows alice and Jäsper by password and bob by stored HA1 (password
// "builder").
func lookup(_ context.Context, user, realm, hash string) (security.DigestSecret, bool, error) {
	switch user {
	case "alice", "Jäsper":
		return security.DigestSecret{Password: "wonderland"}, true, nil
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
			return security.DigestSecret{}, false, nil
		}
		return security.DigestSecret{HA1: strings.ToUpper(hex.EncodeToString(sum))}, true, nil
	}
	return security.DigestSecret{}, false, nil
}

// TestDigestIcholy authenticates with an independent client,
// github.com/icholy/digest, against a Keel app whose route depends on
// security.DigestAuth.
func TestDigestIcholy(t *testing.T) {
	tests := []struct {
		name, user, pass string
		algs             []string
		sess             bool
		wantAlg          string
		challenges       int // WWW-Authenticate values: one per algorithm served
	}{
		{"sha256 default", "alice", "wonderland", nil, false, "SHA-256", 2},
		{"md5 only", "alice", "wonderland", []string{"MD5"}, false, "MD5", 1},
		{"sha512-256", "alice", "wonderland", []string{"SHA-512-256"}, false, "SHA-512-256", 1},
		{"stored HA1 sha256", "bob", "builder", nil, false, "SHA-256", 2},
		{"stored HA1 md5", "bob", "builder", []string{"MD5"}, false, "MD5", 1},
		{"md5-sess", "alice", "wonderland", []string{"MD5-sess"}, true, "MD5-sess", 1},
		{"sha256-sess", "bob", "builder", []string{"SHA-256-sess"}, true, "SHA-256-sess", 1},
		{"non-ASCII user", "Jäsper", "wonderland", nil, false, "SHA-256", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &security.DigestAuth{
				Realm:      "keel@example.org",
				Lookup:     lookup,
				Secret:     []byte("0123456789abcdef0123456789abcdef"),
				Algorithms: tt.algs,
				Nonces:     security.NewMemoryNonceStore(0),
			}
			app := router.New(router.Info{Title: "interop", Version: "1"})
			app.Get("/items/", func(u security.DigestUser) (security.DigestUser, error) { return u, nil }, di.Depends(d))
			srv := httptest.NewServer(app)
			defer srv.Close()
			tr := &digest.Transport{Username: tt.user, Password: tt.pass}
			if tt.sess {
				tr.Digest = sessDigest
				tr.FindChallenge = func(h http.Header) (*digest.Challenge, error) {
					return digest.ParseChallenge(h.Get("WWW-Authenticate"))
				}
			}
			c := &http.Client{Transport: tr}
			for i := range 3 { // the challenge is reused with nc 1, 2, 3
				code, body, _ := get(t, c, srv.URL+"/items/?q=1")
				want := fmt.Sprintf(`{"username":%q,"realm":"keel@example.org","algorithm":%q}`, tt.user, tt.wantAlg)
				if code != 200 || body != want {
					t.Fatalf("request %d: %d %s, want 200 %s", i, code, body, want)
				}
			}
			// Wrong password.
			c = &http.Client{Transport: &digest.Transport{Username: tt.user, Password: "wrong", Digest: tr.Digest, FindChallenge: tr.FindChallenge}}
			code, body, h := get(t, c, srv.URL+"/items/")
			if code != 401 || body != `{"detail":"Not authenticated"}` || len(h.Values("WWW-Authenticate")) != tt.challenges {
				t.Fatalf("wrong password: %d %s %v", code, body, h)
			}
			if strings.Contains(h.Get("WWW-Authenticate"), "stale") {
				t.Fatal("wrong password answered stale=true")
			}
		})
	}
}

// sessDigest computes -sess credentials with icholy/digest, which lacks them:
// it computes the session HA1 itself and lets the library do the rest.
func sessDigest(req *http.Request, chal *digest.Challenge, o digest.Options) (*digest.Credentials, error) {
	base := strings.TrimSuffix(chal.Algorithm, "-sess")
	h := func(s string) string {
		if base == "MD5" {
			x := md5.Sum([]byte(s))
			return hex.EncodeToString(x[:])
		}
		x := sha256.Sum256([]byte(s))
		return hex.EncodeToString(x[:])
	}
	o.Cnonce = "0a4f113b"
	o.A1 = h(h(o.Username+":"+chal.Realm+":"+o.Password) + ":" + chal.Nonce + ":" + o.Cnonce)
	c := *chal
	c.Algorithm = base
	cred, err := digest.Digest(&c, o)
	if err != nil {
		return nil, err
	}
	cred.Algorithm = chal.Algorithm
	return cred, nil
}

func get(t *testing.T, c *http.Client, url string) (int, string, http.Header) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(b)), res.Header
}

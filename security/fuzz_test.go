package security

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/pycompat"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{"", "Bearer x", "Other  foobar ", "BEARER  x  y ", "Basic", "\xff\xfe x", " x", "a\x00 b\x1f",
		"Basic Og==", "Digest username=\"a\"", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scheme, cred := ParseAuthorization(s)
		if strings.Contains(scheme, " ") {
			t.Fatalf("scheme %q contains a space", scheme)
		}
		if len(scheme)+len(cred) > len(s) {
			t.Fatal("result longer than input")
		}
		if pycompat.Strip(cred) != cred {
			t.Fatalf("credentials %q not trimmed", cred)
		}
		// The definition: split at the first space, the rest stripped of
		// Python's ASCII white space.
		wantScheme, rest, _ := strings.Cut(s, " ")
		wantCred := strings.TrimFunc(rest, func(r rune) bool { return r == ' ' || r >= '\t' && r <= '\r' || r >= 0x1c && r <= 0x1f })
		if scheme != wantScheme || cred != wantCred {
			t.Fatalf("ParseAuthorization(%q) = %q, %q; want %q, %q", s, scheme, cred, wantScheme, wantCred)
		}
		if s != "" && !strings.HasPrefix(s, scheme) {
			t.Fatalf("scheme %q is not a prefix of %q", scheme, s)
		}
		// No scheme panics on it or answers with anything but an HTTPError.
		r := authRequest(s)
		for _, auth := range fuzzSchemes {
			if _, err := auth(r); err != nil {
				if _, ok := err.(*keel.HTTPError); !ok {
					t.Fatalf("error %T: %v", err, err)
				}
			}
		}
	})
}

var fuzzSchemes = []authFunc{
	adapt((&HTTPBearer{}).Authenticate),
	adapt((&HTTPDigest{}).Authenticate),
	adapt((&HTTPBase{Scheme: "x"}).Authenticate),
	adapt((&HTTPBasic{Realm: "r"}).Authenticate),
	adapt((&OAuth2PasswordBearer{TokenURL: "t"}).Authenticate),
	adapt((&OAuth2{}).Authenticate),
	adapt((&OpenIdConnect{URL: "u"}).Authenticate),
	adapt((&DigestAuth{Realm: "r", Lookup: noUsers}).Authenticate),
	adapt(func(r *http.Request) (*Claims, error) {
		return (&JWTBearer[Claims]{Key: []byte("k")}).Authenticate(r, []string{"a"})
	}),
}

func FuzzBasicDecode(f *testing.F) {
	for _, s := range []string{"dTpw", "dTpw!!", "dT pw", "dTpw-_", "dTpw=", "=dTpw", "Og===", "dTp", "Og=", "notabase64token", "", "asO2aG46cA==", "Og==\xff", "Og=!=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, ok := pycompat.B64Decode(s)
		if !ok {
			if b != nil {
				t.Fatal("bytes returned with failure")
			}
		} else if len(b) > len(s)*3/4+1 {
			t.Fatalf("decoded %d bytes from %d", len(b), len(s))
		}
		c, ok := parseBasic(s)
		if ok {
			if !utf8.ValidString(c.Username) || !utf8.ValidString(c.Password) || strings.Contains(c.Username, ":") {
				t.Fatalf("bad credentials %+v", c)
			}
		}
		// A clean encoding of decoded text decodes to the same.
		if ok {
			enc := encodeStd([]byte(c.Username + ":" + c.Password))
			c2, ok2 := parseBasic(enc)
			if !ok2 || c2 != c {
				t.Fatalf("round trip of %+v via %q = %+v, %v", c, enc, c2, ok2)
			}
		}
	})
}

func encodeStd(b []byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var out []byte
	for i := 0; i < len(b); i += 3 {
		var n uint32
		k := min(3, len(b)-i)
		for j := range 3 {
			n <<= 8
			if j < k {
				n |= uint32(b[i+j])
			}
		}
		for j := range 4 {
			if j <= k {
				out = append(out, alphabet[(n>>(18-6*j))&63])
			} else {
				out = append(out, '=')
			}
		}
	}
	return string(out)
}

func FuzzDigestParams(f *testing.F) {
	for _, s := range []string{
		`username="alice", realm="r", nonce="n", uri="/a", response="00", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="c", opaque="o"`,
		`username*=UTF-8''J%C3%A4sper, x="a\"b"`,
		`,,, a=b ,`, `a="unterminated`, `a=`, `=b`, `a="\`, "a=\xff", `a=b c=d`,
	} {
		f.Add(s)
	}
	d := newDigest(newClock())
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := parseDigestParams(s)
		if ok {
			for _, v := range []string{p.username, p.realm, p.nonce, p.uri, p.response, p.cnonce, p.qop, p.nc} {
				if len(v) > len(s) {
					t.Fatal("value longer than input")
				}
			}
			p.user()
		}
		// The whole scheme never panics on it and answers with the challenge.
		_, err := d.Authenticate(digestRequest("GET", "/a", "Digest "+s))
		if err == nil {
			t.Fatalf("accepted %q", s)
		}
	})
}

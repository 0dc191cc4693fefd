package wire

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// Python's bytes.decode("utf-8", "replace"), case by case (checked with CPython).
func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"abc":               "abc",
		"é€😀":               "é€😀",
		"\xe2\x82A":         "\uFFFDA",
		"\xe2\x82":          "\uFFFD",
		"\xf0\x80\x80":      "\uFFFD\uFFFD\uFFFD",
		"\xed\xa0\x80":      "\uFFFD\uFFFD\uFFFD",
		"\xf4\x90":          "\uFFFD\uFFFD",
		"\xe0\x80":          "\uFFFD\uFFFD",
		"\xc0\xaf":          "\uFFFD\uFFFD",
		"\xf0\x9f\x98":      "\uFFFD",
		"\xff\xfe":          "\uFFFD\uFFFD",
		"a\xf0\x9f\x98\x80": "a😀",
		// around TextString's ASCII words (8 bytes)
		"0123456789abcdef":       "0123456789abcdef",
		"0123456789abcde\xff":    "0123456789abcde\uFFFD",
		"0123456789abcdef\xff":   "0123456789abcdef\uFFFD",
		"0123456789abcdefg":      "0123456789abcdefg",
		"0123456789abcd\xc3\xa9": "0123456789abcdé",
	} {
		if got := Text([]byte(in)); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
		if got := TextString(in); got != want {
			t.Errorf("TextString(%q) = %q, want %q", in, got, want)
		}
	}
}

// ascii, TextString's fast path, finds a byte >= 0x80 wherever it is, in
// the eight-byte words and in the tail.
func TestASCII(t *testing.T) {
	for n := 0; n <= 20; n++ {
		s := strings.Repeat("a", n)
		if !ascii(s) || TextString(s) != s {
			t.Errorf("ascii(%q) = false", s)
		}
		for i := 0; i < n; i++ {
			for _, c := range []byte{0x80, 0xC3, 0xFF} {
				b := []byte(s)
				b[i] = c
				if ascii(string(b)) {
					t.Errorf("ascii(%q) = true", b)
				}
				if got, want := TextString(string(b)), Text(b); got != want {
					t.Errorf("TextString(%q) = %q, want %q", b, got, want)
				}
			}
		}
	}
}

// FuzzText: TextString and Text read a string alike, and ascii is true
// exactly for ASCII.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "abc", "/items/42", "é€😀", "\xe2\x82A", "abcdefgh\xff", "/api/v1/users/12345/orders"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := TextString(s), Text([]byte(s)); got != want {
			t.Fatalf("TextString(%q) = %q, Text %q", s, got, want)
		}
		isASCII := true
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				isASCII = false
			}
		}
		if ascii(s) != isASCII {
			t.Fatalf("ascii(%q) = %v", s, !isASCII)
		}
	})
}

// Python's unquote_plus (errors="replace"), as Starlette reads query strings
// and urlencoded forms.
func TestUnquote(t *testing.T) {
	for in, want := range map[string]string{
		"a+b":              "a b",
		"%41%2b":           "A+",
		"%zz":              "%zz",
		"%4":               "%4",
		"%":                "%",
		"100%":             "100%",
		"%00b":             "\x00b",
		"%E2%82%ACx%E2%82": "€x\uFFFD",
		"%ff%fe":           "\uFFFD\uFFFD",
		"x;":               "x;",
		"%C3%A9":           "é",
		"é":                "é",
	} {
		if got := Unquote(in); got != want {
			t.Errorf("Unquote(%q) = %q, want %q", in, got, want)
		}
		if !KeyIs(in, want) {
			t.Errorf("KeyIs(%q, %q) = false", in, want)
		}
	}
	if KeyIs("%ff", "\xff") || !KeyIs("%ff", "\uFFFD") || KeyIs("ab", "a") || KeyIs("a", "ab") || KeyIs("a%", "a") {
		t.Error("KeyIs")
	}
}

// The query string as Starlette splits it (each expectation checked with
// Starlette's QueryParams).
func TestQuery(t *testing.T) {
	for _, c := range []struct {
		raw  string
		last string
		all  []string
	}{
		{"api_key=keel-example-key&api_key=x;", "x;", []string{"keel-example-key", "x;"}},
		{"api_key=keel-example-key;", "keel-example-key;", []string{"keel-example-key;"}},
		{"api_key=%zz", "%zz", []string{"%zz"}},
		{"api_key=1+2&api_key", "", []string{"1 2", ""}},
		{"api_key=%00b", "\x00b", []string{"\x00b"}},
		{"api_key;b=1&api_key=2", "2", []string{"2"}},
		{"&&=&api_key==b&%61pi_key=c", "c", []string{"=b", "c"}},
		{"api%5Fkey=%E2%82", "\uFFFD", []string{"\uFFFD"}},
		{"api_key%3Db=1", "", nil},
		{"x=1", "", nil},
	} {
		last, ok := QueryLast(c.raw, "api_key")
		if last != c.last || ok != (c.all != nil) {
			t.Errorf("QueryLast(%q) = %q, %v; want %q", c.raw, last, ok, c.last)
		}
		if all := QueryAll(c.raw, "api_key"); !reflect.DeepEqual(all, c.all) {
			t.Errorf("QueryAll(%q) = %q, want %q", c.raw, all, c.all)
		}
	}
}

// Starlette's cookie_parser and Python's http.cookies._unquote.
func TestCookie(t *testing.T) {
	for _, c := range []struct {
		headers []string
		want    string
		ok      bool
	}{
		{[]string{"sess=a"}, "a", true},
		{[]string{"sess=a; sess=b"}, "b", true},
		{[]string{"sess=a", "x=1; sess=c"}, "c", true},
		{[]string{" sess = a b ; other=1"}, "a b", true},
		{[]string{`sess="a\"b\101\\"`}, `a"bA\`, true},
		{[]string{`sess="\400"`}, "400", true},
		{[]string{`sess="x`}, `"x`, true},
		{[]string{"sess=a=b"}, "a=b", true},
		{[]string{"sess="}, "", true},
		{[]string{"sess"}, "", false},
		{[]string{"Sess=a"}, "", false},
		{[]string{`sess="\377"`}, "\uFFFD", true},
		{[]string{"sess=à"}, "à", true},
		{[]string{"sess=\x1fa\x1c"}, "a", true},
		{nil, "", false},
	} {
		got, ok := CookieIn(c.headers, "sess")
		if got != c.want || ok != c.ok {
			t.Errorf("CookieIn(%q) = %q, %v; want %q, %v", c.headers, got, ok, c.want, c.ok)
		}
	}
	if v, ok := CookieIn([]string{"lone; =x"}, ""); v != "x" || !ok {
		t.Errorf("a chunk without '=' is a value named \"\": %q %v", v, ok)
	}
}

func TestHeader(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header["X-Key"] = []string{"first", "second"}
	r.Header["X-Empty"] = []string{""}
	r.Host = "example.org:8080"
	r.TransferEncoding = []string{"chunked"}
	for _, c := range []struct {
		name, want string
		ok         bool
	}{
		{"x-key", "first", true}, {"X-KEY", "first", true}, {"x-empty", "", true}, {"x_key", "", false},
		{"host", "example.org:8080", true}, {"transfer-encoding", "chunked", true}, {"missing", "", false},
	} {
		if got, ok := Header(r, c.name); got != c.want || ok != c.ok {
			t.Errorf("Header(%q) = %q, %v", c.name, got, ok)
		}
	}
	if vs := HeaderValues(r, "x-key"); len(vs) != 2 {
		t.Errorf("HeaderValues = %q", vs)
	}
	r.Header.Set("Authorization", "Bearer x")
	if Authorization(r) != "Bearer x" {
		t.Error("Authorization")
	}
}

// python-multipart's parse_options_header (each case checked with it).
func TestOptions(t *testing.T) {
	for _, c := range []struct {
		in     string
		value  string
		params map[string]string
	}{
		{`multipart/form-data; boundary="a;b"; charset=x`, "multipart/form-data", map[string]string{"boundary": "a;b", "charset": "x"}},
		{`a; b="x\"y"; c=d`, "a", map[string]string{"b": `x"y`, "c": "d"}},
		{`form-data; name="a\\b"`, "form-data", map[string]string{"name": `a\b`}},
		{`form-data; name`, "form-data", map[string]string{"name": ""}},
		{`form-data; NAME = "x" `, "form-data", map[string]string{"name": "x"}},
		{`form-data; name=x; name=y`, "form-data", map[string]string{"name": "y"}},
		{`form-data; name="a`, "form-data", map[string]string{"name": `"a`}},
		{`form-data; filename="C:\x\y.txt"; name=f`, "form-data", map[string]string{"filename": "y.txt", "name": "f"}},
		{`form-data; name*=utf-8''x; name=a`, "form-data", map[string]string{"name": "a"}},
		{` Multipart/Form-Data `, "multipart/form-data", nil},
		{`Multipart/Form-Data; boundary=x`, "Multipart/Form-Data", map[string]string{"boundary": "x"}},
		{`x; a="1;2";b="3;4"; c=5`, "x", map[string]string{"a": "1;2", "b": "3;4", "c": "5"}},
		{`x; a="1\";2"; b=3`, "x", map[string]string{"a": `1";2`, "b": "3"}},
		{``, "", nil},
	} {
		v, p := Options(c.in)
		if v != c.value || !reflect.DeepEqual(p, c.params) {
			t.Errorf("Options(%q) = %q %q, want %q %q", c.in, v, p, c.value, c.params)
		}
	}
	for ct, want := range map[string]string{
		"multipart/form-data; boundary=x":                   "multipart/form-data",
		"Application/X-WWW-Form-Urlencoded":                 "application/x-www-form-urlencoded",
		"Application/X-WWW-Form-Urlencoded; charset=utf-8":  "",
		"application/x-www-form-urlencoded ; charset=utf-8": "application/x-www-form-urlencoded",
		"application/json":                                  "",
		"":                                                  "",
	} {
		if got := FormKind(ct); got != want {
			t.Errorf("FormKind(%q) = %q, want %q", ct, got, want)
		}
	}
}

// The Location of Starlette's trailing-slash redirect.
func TestRedirectURL(t *testing.T) {
	req := func(target, host string) *http.Request {
		r := httptest.NewRequest("GET", target, nil)
		r.Host = host
		return r
	}
	for _, c := range []struct {
		r    *http.Request
		path string
		want string
	}{
		{req("/items/5%2F?q=x&size=1", "testserver"), "/items/5", "http://testserver/items/5?q=x&size=1"},
		{req("/items", "example.com:8080"), "/items/", "http://example.com:8080/items/"},
		{req("/a", "[::1]:8000"), "/a/", "http://[::1]:8000/a/"},
		{req(`/a?x="<é>"&y=%zz+1`, "h"), "/a/", "http://h/a/?x=%22%3C%C3%A9%3E%22&y=%zz+1"},
		{req("/a", "h"), "/a b/é!$&'()*+,;=:@[]~%?#\x00", "http://h/a%20b/%C3%A9!$&'()*+,;=:@[]~%25%3F%23%00/"},
		{req("/a", "h"), "/\xff", "http://h/%EF%BF%BD"},
	} {
		if got := RedirectURL(c.r, c.path); got != c.want && !(strings.HasSuffix(c.want, "/") && got+"/" == c.want) {
			t.Errorf("RedirectURL(%s, %q) = %q, want %q", c.r.URL, c.path, got, c.want)
		}
	}
	// A Host header that is not a plain host: the address the request came in on.
	r := req("/a", "evil.com/x@")
	if got := RedirectURL(r, "/a/"); got != "/a/" {
		t.Errorf("no address: %q", got)
	}
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, addr))
	if got := RedirectURL(r, "/a/"); got != "http://127.0.0.1:8000/a/" {
		t.Errorf("local address: %q", got)
	}
	r.TLS = &tls.ConnectionState{}
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv6loopback, Port: 443}))
	if got := RedirectURL(r, "/a/"); got != "https://[::1]/a/" {
		t.Errorf("https default port: %q", got)
	}
	for h, ok := range map[string]bool{
		"a.b-c": true, "A.B:80": true, "[::1]": true, "[::1]:1": true, "[fe80::1%eth0]": false, "a_b": false,
		"a:": false, "a:b": false, "": false, "[::1": false, "[1]": false, "a b": false, "x@y": false, "[::]": true, "[a::]": true, "a.b:80:90": false, "[::1]:": false, "[:]": false,
	} {
		if validHost(h) != ok {
			t.Errorf("validHost(%q) = %v", h, !ok)
		}
	}
}

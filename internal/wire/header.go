package wire

import (
	"net/http"
	"net/textproto"
	"strings"

	"github.com/keelgo/keel/internal/pycompat"
)

// HeaderValues returns the values of the request header name (any case), in
// the order received, or nil. net/http moves two headers out of r.Header;
// they are read back from where it keeps them: Host from r.Host, and
// Transfer-Encoding from r.TransferEncoding. Header bytes are kept as sent
// (Starlette decodes them as Latin-1; docs/security.md).
func HeaderValues(r *http.Request, name string) []string {
	key := textproto.CanonicalMIMEHeaderKey(name)
	if vs := r.Header[key]; len(vs) > 0 {
		return vs
	}
	switch key {
	case "Host":
		if r.Host != "" {
			return []string{r.Host}
		}
	case "Transfer-Encoding":
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ", ")}
		}
	}
	return nil
}

// Header returns the first value of the request header name (any case), as
// FastAPI's Header parameters and APIKeyHeader read it, and whether the header
// is present. A present header may be "".
func Header(r *http.Request, name string) (string, bool) {
	key := textproto.CanonicalMIMEHeaderKey(name)
	if vs := r.Header[key]; len(vs) > 0 {
		return vs[0], true
	}
	if vs := HeaderValues(r, key); len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// Authorization returns the first Authorization header, "" when there is none.
func Authorization(r *http.Request) string {
	if vs := r.Header["Authorization"]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Cookie returns the value of the cookie name as Starlette's cookie parser
// reads it, and whether there is one: every Cookie header is split on ';';
// each chunk splits at its first '=' (a chunk without '=' is a value with the
// name ""); name and value are trimmed of white space; a chunk where both are
// empty is skipped; a value in double quotes loses them and its backslash
// escapes (\" and \ooo octal) are decoded; the last cookie of a name wins.
// The value is read with TextString.
func Cookie(r *http.Request, name string) (string, bool) {
	return CookieIn(r.Header["Cookie"], name)
}

// CookieIn is Cookie over the values of the Cookie headers.
func CookieIn(headers []string, name string) (string, bool) {
	val, found := "", false
	for _, h := range headers {
		for rest := h; rest != ""; {
			var chunk string
			chunk, rest, _ = strings.Cut(rest, ";")
			k, v, ok := strings.Cut(chunk, "=")
			if !ok {
				k, v = "", chunk
			}
			k, v = pycompat.Strip(k), pycompat.Strip(v)
			if k == "" && v == "" {
				continue
			}
			if k == name {
				val, found = v, true
			}
		}
	}
	if !found {
		return "", false
	}
	return unquoteCookie(val), true
}

// unquoteCookie is Python's http.cookies._unquote: a value in double quotes
// loses them, and backslash escapes (\" and \ooo octal, first digit 0-3) are
// decoded.
func unquoteCookie(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return TextString(s)
	}
	s = s[1 : len(s)-1]
	if strings.IndexByte(s, '\\') < 0 {
		return TextString(s)
	}
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) || s[i+1] == '\n' {
			buf = append(buf, c)
			continue
		}
		if i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3' && isOctal(s[i+2]) && isOctal(s[i+3]) {
			buf = append(buf, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
			continue
		}
		buf = append(buf, s[i+1])
		i++
	}
	return Text(buf)
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
)

// The limit: the fastest honest hand-written net/http handlers for the floor's
// behaviour (issue 11). Same routes on http.ServeMux, same answers byte for
// byte (status, headers, body: TestLimitMatchesFloor), with what a
// performance-minded engineer would write by hand:
//
//   - the Authorization header read from the map, the user looked up once;
//   - the raw query scanned once, pair by pair, with url.ParseQuery's rules
//     (a pair with ';' skipped, the first value of a key wins, values unescaped
//     only when they contain '%' or '+', more than 10,000 pairs read as none);
//   - bounds checked by hand instead of validator.Struct;
//   - the answer appended as JSON (encoding/json's escaping and number
//     formats, with its trailing newline) into a pooled buffer, and the
//     Content-Type set from a shared slice.
//
// Items costs one allocation, ServeMux's wildcard values; Ping none.

// limitJSONCT is assigned to the header map without allocating; its capacity
// equals its length, so an Add elsewhere copies it.
var limitJSONCT = []string{"application/json"}[:1:1]

// limitBuffers are the response buffers, reused across requests.
type limitBuffers struct{ pool sync.Pool }

func (p *limitBuffers) get() *[]byte {
	if b, ok := p.pool.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 512)
	return &b
}

func (p *limitBuffers) put(b *[]byte) {
	if cap(*b) <= 64<<10 {
		*b = (*b)[:0]
		p.pool.Put(b)
	}
}

// limit is the state of the limit's handlers: its buffer pool and the
// validator the Body endpoint uses for the one rule not written by hand
// (validator's email syntax).
type limit struct {
	bufs  limitBuffers
	email *validator.Validate
}

// NewLimit serves the endpoints as fast as hand-written net/http code can,
// answering exactly as the floor (NewNetHTTP) does.
func NewLimit() http.Handler {
	l := &limit{email: validator.New()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ping", l.ping)
	mux.HandleFunc("GET /items/{id}", l.items)
	mux.HandleFunc("GET /users/me/items", l.scopes)
	mux.HandleFunc("POST /things", l.body)
	return mux
}

// RoutesLimit registers n Items routes on a ServeMux.
func RoutesLimit(n int) http.Handler {
	l := &limit{email: validator.New()}
	mux := http.NewServeMux()
	for i := range n {
		mux.HandleFunc("GET /r"+strconv.Itoa(i)+"/items/{id}", l.items)
	}
	return mux
}

// write sends b with status as application/json.
func (l *limit) write(w http.ResponseWriter, status int, b []byte) {
	w.Header()["Content-Type"] = limitJSONCT
	w.WriteHeader(status)
	w.Write(b)
}

// detail answers {"detail": msg} with status.
func (l *limit) detail(w http.ResponseWriter, status int, msg string) {
	bp := l.bufs.get()
	b := append(*bp, `{"detail":`...)
	b = appendLimitString(b, msg)
	b = append(b, "}\n"...)
	l.write(w, status, b)
	*bp = b
	l.bufs.put(bp)
}

func (l *limit) ping(w http.ResponseWriter, r *http.Request) {
	bp := l.bufs.get()
	b := append(*bp, `{"ok":`...)
	b = strconv.AppendBool(b, true)
	b = append(b, "}\n"...)
	l.write(w, http.StatusOK, b)
	*bp = b
	l.bufs.put(bp)
}

// firstHeader is Header.Get for a canonical key.
func firstHeader(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (l *limit) items(w http.ResponseWriter, r *http.Request) {
	h := firstHeader(r.Header, "Authorization")
	tok, ok := bearer(h)
	if !ok {
		w.Header().Set("WWW-Authenticate", "Bearer")
		l.detail(w, http.StatusUnauthorized, "Not authenticated")
		return
	}
	u, ok := users[tok]
	if !ok {
		w.Header().Set("WWW-Authenticate", "Bearer")
		l.detail(w, http.StatusUnauthorized, "Could not validate credentials")
		return
	}
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		l.detail(w, http.StatusUnprocessableEntity, "id: not an integer")
		return
	}
	limitRaw, q := scanItemsQuery(r.URL.RawQuery)
	n := 10
	if limitRaw != "" {
		if n, err = strconv.Atoi(limitRaw); err != nil {
			l.detail(w, http.StatusUnprocessableEntity, "limit: not an integer")
			return
		}
	}
	if n < 1 || n > 100 || utf8.RuneCountInString(q) > 50 {
		l.detail(w, http.StatusUnprocessableEntity, "invalid parameters")
		return
	}
	bp := l.bufs.get()
	b := append(*bp, `{"id":`...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"q":`...)
	b = appendLimitString(b, q)
	b = append(b, `,"user":`...)
	b = appendLimitString(b, u.Name)
	b = append(b, "}\n"...)
	l.write(w, http.StatusOK, b)
	*bp = b
	l.bufs.put(bp)
}

// maxQueryPairs is url.ParseQuery's limit: a query with more pairs parses
// to nothing.
const maxQueryPairs = 10000

// scanItemsQuery returns the first values of limit and q in raw, decoded,
// as r.URL.Query().Get returns them, reading raw once.
func scanItemsQuery(raw string) (limit, q string) {
	var haveLimit, haveQ bool
	pairs := 1
	for rest := raw; rest != ""; {
		var pair string
		var more bool
		pair, rest, more = strings.Cut(rest, "&")
		if more {
			pairs++
		}
		if pair == "" || strings.IndexByte(pair, ';') >= 0 || (haveLimit && haveQ) {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, ok := queryUnescape(k)
		if !ok {
			continue
		}
		switch {
		case k == "limit" && !haveLimit:
			if limit, ok = queryUnescape(v); ok {
				haveLimit = true
			}
		case k == "q" && !haveQ:
			if q, ok = queryUnescape(v); ok {
				haveQ = true
			}
		}
	}
	if pairs > maxQueryPairs {
		return "", ""
	}
	return limit, q
}

// queryUnescape is url.QueryUnescape, called only for text that needs it.
func queryUnescape(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}

func (l *limit) scopes(w http.ResponseWriter, r *http.Request) {
	u, err := authorizeJWT(firstHeader(r.Header, "Authorization"), "items")
	if err != nil {
		status, challenge, detail := jwtFailure(err)
		w.Header().Set("WWW-Authenticate", challenge)
		l.detail(w, status, detail)
		return
	}
	bp := l.bufs.get()
	b := append(*bp, `{"item_id":`...)
	b = appendLimitString(b, "Foo")
	b = append(b, `,"owner":`...)
	b = appendLimitString(b, u.Name)
	b = append(b, "}\n"...)
	l.write(w, http.StatusOK, b)
	*bp = b
	l.bufs.put(bp)
}

// maxThingBody is the floor's http.MaxBytesReader limit.
const maxThingBody = 1 << 20

func (l *limit) body(w http.ResponseWriter, r *http.Request) {
	bp := l.bufs.get()
	defer l.bufs.put(bp)
	data, err := readLimited(r, (*bp)[:0], maxThingBody)
	*bp = data
	var t Thing
	if err == nil {
		err = decodeThing(data, &t)
	}
	if err != nil {
		l.detail(w, http.StatusUnprocessableEntity, "invalid JSON")
		return
	}
	if !l.validThing(&t) {
		l.detail(w, http.StatusUnprocessableEntity, "invalid")
		return
	}
	b := append(data[:0], `{"name":`...)
	b = appendLimitString(b, t.Name)
	b = append(b, `,"email":`...)
	b = appendLimitString(b, t.Email)
	b = append(b, `,"age":`...)
	b = strconv.AppendInt(b, int64(t.Age), 10)
	b = append(b, `,"price":`...)
	b = appendLimitFloat(b, t.Price)
	b = append(b, `,"sku":`...)
	b = appendLimitString(b, t.SKU)
	b = append(b, `,"country":`...)
	b = appendLimitString(b, t.Country)
	b = append(b, "}\n"...)
	*bp = b
	l.write(w, http.StatusCreated, b)
}

// readLimited appends r's body to buf, at most max bytes of it: what the
// floor's decoder can read through its http.MaxBytesReader.
func readLimited(r *http.Request, buf []byte, max int) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n <= int64(max) && int64(cap(buf)) < n+1 {
		buf = make([]byte, 0, n+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > max {
			return buf[:max], nil // the value must end within max bytes
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// decodeThing decodes the first JSON value of data into t, as the floor's
// json.Decoder.Decode does. json.Unmarshal is faster and agrees whenever it
// succeeds (data is then one value); only a failure, where it may disagree
// (what follows the first value, an incomplete prefix), asks a Decoder.
func decodeThing(data []byte, t *Thing) error {
	if err := json.Unmarshal(data, t); err == nil {
		return nil
	}
	*t = Thing{}
	return json.NewDecoder(bytes.NewReader(data)).Decode(t)
}

// validThing checks the Thing rules of the floor's validate tags by hand,
// but the email syntax, which is validator's own.
func (l *limit) validThing(t *Thing) bool {
	if n := utf8.RuneCountInString(t.Name); n < 1 || n > 50 {
		return false
	}
	if t.Age < 0 || t.Age > 150 || !(t.Price > 0) {
		return false
	}
	if utf8.RuneCountInString(t.SKU) != 8 || utf8.RuneCountInString(t.Country) != 2 {
		return false
	}
	for i := 0; i < len(t.SKU); i++ {
		if c := t.SKU[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return l.email.Var(t.Email, "email") == nil
}

// appendLimitString appends s as a JSON string with encoding/json's default
// escaping: '"', '\\' and control characters, '<', '>' and '&' as \u00XX,
// U+2028 and U+2029, and each invalid UTF-8 byte as \ufffd.
func appendLimitString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(b, s[start:]...), '"')
}

// appendLimitFloat appends f as encoding/json writes a float64: the shortest
// decimal, in exponent form below 1e-6 and from 1e21 on (e-07, not e-07's
// zero: e-7). NaN and infinities cannot come from a JSON body.
func appendLimitFloat(b []byte, f float64) []byte {
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

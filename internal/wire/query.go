package wire

import (
	"strings"
	"unicode/utf8"
	"unsafe"
)

// NextPair splits the first non-empty pair off s, a raw query string or an
// urlencoded body: pairs are separated by '&' (never ';'), empty pairs are
// skipped, and a pair splits at its first '=' (a pair without '=' has the
// value ""). key and value are still escaped: decode them with Unquote. ok is
// false when s holds no more pairs.
//
//	for k, v, rest, ok := wire.NextPair(raw); ok; k, v, rest, ok = wire.NextPair(rest) { ... }
func NextPair(s string) (key, value, rest string, ok bool) {
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		key, value, _ = strings.Cut(pair, "=")
		return key, value, s, true
	}
	return "", "", "", false
}

// KeyIs reports whether the raw (escaped) key decodes to name.
func KeyIs(rawKey, name string) bool { return unquotedEquals(rawKey, name) }

// QueryLast returns the decoded value of the last pair of raw named name, and
// whether there is one: FastAPI's reading of a scalar query parameter, and of
// APIKeyQuery (docs/fastapi-compat.md §4.2). "?k=a&k=b;" gives "b;".
func QueryLast(raw, name string) (string, bool) {
	last, found := "", false
	for k, v, rest, ok := NextPair(raw); ok; k, v, rest, ok = NextPair(rest) {
		if KeyIs(k, name) {
			last, found = v, true
		}
	}
	if !found {
		return "", false
	}
	return Unquote(last), true
}

// QueryAll returns the decoded values of every pair of raw named name, in
// order (a sequence query parameter), or nil.
func QueryAll(raw, name string) []string {
	var out []string
	for k, v, rest, ok := NextPair(raw); ok; k, v, rest, ok = NextPair(rest) {
		if KeyIs(k, name) {
			out = append(out, Unquote(v))
		}
	}
	return out
}

// QueryFields are the names a reader takes from query strings, compiled once:
// Scan then reads a query string in one pass and finds, for each name, its
// last value, with NextPair's and Unquote's rules (a key matches a name when
// it decodes to it).
type QueryFields struct {
	names []string
	index map[string]int // when there are many names
}

// NewQueryFields compiles names for Scan.
func NewQueryFields(names ...string) *QueryFields {
	f := &QueryFields{names: names}
	if len(names) > 8 {
		f.index = make(map[string]int, len(names))
		for i, n := range names {
			if _, ok := f.index[n]; !ok {
				f.index[n] = i
			}
		}
	}
	return f
}

// QueryField is what Scan found for one name: the raw (still escaped) value
// of its last pair, and the number of pairs with that name.
type QueryField struct {
	Raw string
	N   int
}

// Scan reads raw once and fills out[i] for the i-th name; out has one entry
// per name, zeroed by the caller. Decode a value with Unquote.
func (f *QueryFields) Scan(raw string, out []QueryField) {
	for raw != "" {
		var pair string
		if i := strings.IndexByte(raw, '&'); i >= 0 {
			pair, raw = raw[:i], raw[i+1:]
		} else {
			pair, raw = raw, ""
		}
		if pair == "" {
			continue
		}
		// The key, up to the first '=': plain when it needs no decoding.
		plain := true
		k, v := pair, ""
		for i := 0; i < len(pair); i++ {
			c := pair[i]
			if c == '=' {
				k, v = pair[:i], pair[i+1:]
				break
			}
			if c == '%' || c == '+' || c >= 0x80 {
				plain = false
			}
		}
		var n int
		if plain {
			n = f.lookup(k)
		} else {
			n = f.find(k)
		}
		if n >= 0 {
			out[n].Raw = v
			out[n].N++
		}
	}
}

// Values appends to dst the decoded values of every pair of raw whose key is
// the i-th name, in order (a sequence parameter).
func (f *QueryFields) Values(raw string, i int, dst []string) []string {
	for k, v, rest, ok := NextPair(raw); ok; k, v, rest, ok = NextPair(rest) {
		if f.find(k) == i {
			dst = append(dst, Unquote(v))
		}
	}
	return dst
}

// lookup returns the index of the name k, or -1.
func (f *QueryFields) lookup(k string) int {
	if f.index != nil {
		if i, ok := f.index[k]; ok {
			return i
		}
		return -1
	}
	for i, n := range f.names {
		if n == k {
			return i
		}
	}
	return -1
}

// find returns the index of the name the raw key k decodes to, or -1. An
// escaped key is decoded into a stack buffer: no allocation unless it is
// long or not valid UTF-8.
func (f *QueryFields) find(k string) int {
	if strings.IndexByte(k, '%') >= 0 || strings.IndexByte(k, '+') >= 0 {
		var buf [64]byte
		d := AppendUnescape(buf[:0], k)
		if !utf8.Valid(d) {
			return f.lookup(Unquote(k))
		}
		return f.lookup(unsafe.String(unsafe.SliceData(d), len(d)))
	}
	return f.lookup(TextString(k))
}

package wire

import "strings"

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

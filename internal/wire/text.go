package wire

import (
	"strings"
	"unicode/utf8"
)

// Text returns b read as UTF-8 the way Python's bytes.decode("utf-8",
// "replace") reads it: each maximal invalid subsequence (an impossible byte,
// or the valid beginning of a sequence that is cut short) becomes one U+FFFD.
// "\xe2\x82" is one U+FFFD, "\xf0\x80\x80" three. Valid UTF-8 is returned
// unchanged (converted to a string without a second scan).
func Text(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var out strings.Builder
	out.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			out.WriteByte(c)
			i++
			continue
		}
		n := validPrefix(b[i:])
		if n > 0 {
			out.Write(b[i : i+n])
			i += n
			continue
		}
		out.WriteString("\uFFFD")
		i += -n
	}
	return out.String()
}

// TextString is Text for a string; it returns s itself when s is valid UTF-8.
// An ASCII string (a path, a segment, a number: the usual case) is recognised
// eight bytes at a time, several times cheaper than utf8.ValidString.
func TextString(s string) string {
	if ascii(s) || utf8.ValidString(s) {
		return s
	}
	return Text([]byte(s))
}

// ascii reports whether s holds only ASCII bytes: eight at a time (one load),
// then the rest one by one.
func ascii(s string) bool {
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
		s = s[8:]
	}
	var b byte
	for i := 0; i < len(s); i++ {
		b |= s[i]
	}
	return b < utf8.RuneSelf
}

// validPrefix looks at the sequence starting at b[0] (a byte >= 0x80). It
// returns its length when it is a complete, valid sequence, or minus the
// length of the maximal subpart to replace by one U+FFFD (Unicode's "U+FFFD
// substitution of maximal subparts", which CPython follows).
func validPrefix(b []byte) int {
	c := b[0]
	var n int
	lo, hi := byte(0x80), byte(0xBF) // the range of the second byte
	switch {
	case c >= 0xC2 && c <= 0xDF:
		n = 2
	case c == 0xE0:
		n, lo = 3, 0xA0
	case c == 0xED:
		n, hi = 3, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		n = 3
	case c == 0xF0:
		n, lo = 4, 0x90
	case c == 0xF4:
		n, hi = 4, 0x8F
	case c >= 0xF1 && c <= 0xF3:
		n = 4
	default:
		return -1
	}
	for k := 1; k < n; k++ {
		if k >= len(b) {
			return -k
		}
		x := b[k]
		if k == 1 && (x < lo || x > hi) || k > 1 && (x < 0x80 || x > 0xBF) {
			return -k
		}
	}
	return n
}

// Latin1 returns b read as ISO-8859-1: each byte is the code point of the same
// value. Starlette reads a multipart text part this way when it is not valid in
// its charset.
func Latin1(b []byte) string {
	var out strings.Builder
	out.Grow(len(b) * 2)
	for _, c := range b {
		out.WriteRune(rune(c))
	}
	return out.String()
}

// Unquote decodes a query or form component as Python's unquote_plus does
// (errors="replace"): '+' is a space, each %XX with two hexadecimal digits is
// the byte XX, a '%' that does not start such an escape is kept as written,
// and the resulting bytes are read with Text. A component without '%' or '+'
// is returned as is, when it is valid UTF-8.
func Unquote(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' || c == '+' || c >= utf8.RuneSelf {
			if strings.IndexByte(s[i:], '%') < 0 && strings.IndexByte(s[i:], '+') < 0 {
				return TextString(s)
			}
			return Text(AppendUnescape(make([]byte, 0, len(s)), s))
		}
	}
	return s // ASCII without escapes
}

// AppendUnescape appends s to dst with '+' read as a space and each %XX as
// the byte XX (Unquote without the UTF-8 step), so that a caller can look a
// decoded key up without allocating.
func AppendUnescape(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			c = ' '
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		dst = append(dst, c)
	}
	return dst
}

// unquotedEquals reports whether Unquote(raw) == name, without allocating
// unless name holds U+FFFD.
func unquotedEquals(raw, name string) bool {
	if strings.IndexByte(raw, '%') < 0 && strings.IndexByte(raw, '+') < 0 {
		if utf8.ValidString(raw) {
			return raw == name
		}
		return TextString(raw) == name // "\xff" reads as U+FFFD, as Unquote reads it
	}
	if strings.Contains(name, "\uFFFD") || !utf8.ValidString(name) {
		return Unquote(raw) == name
	}
	// name is valid UTF-8 without U+FFFD: Text would only add U+FFFD, so the
	// decoded bytes must equal name exactly.
	j := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '+':
			c = ' '
		case c == '%' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]):
			c = unhex(raw[i+1])<<4 | unhex(raw[i+2])
			i += 2
		}
		if j >= len(name) || name[j] != c {
			return false
		}
		j++
	}
	return j == len(name)
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

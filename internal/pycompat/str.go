package pycompat

import (
	"strconv"
	"strings"
	"unicode"
)

// Title is Python's str.title(): a cased letter that follows a cased letter is
// lowered, any other cased letter is title-cased; a letter after a digit or
// punctuation starts a new word ("v2items" → "V2Items", "x-token" → "X-Token").
// Python's few multi-rune title mappings (such as "ß" to "Ss") keep their
// single-rune form.
func Title(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	prevCased := false
	for _, r := range s {
		cased := unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r)
		switch {
		case !cased:
		case prevCased:
			r = unicode.ToLower(r)
		default:
			r = unicode.ToTitle(r)
		}
		b.WriteRune(r)
		prevCased = cased
	}
	return b.String()
}

// isSpace reports whether Python's str.strip() removes the ASCII character c:
// tab, line feed, vertical tab, form feed, carriage return, U+001C to U+001F
// and space.
func isSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' || c >= 0x1c && c <= 0x1f }

// Strip is Python's str.strip() on the ASCII characters of s. Python also
// strips U+0085 and U+00A0, which Starlette meets as the bytes 0x85 and 0xA0
// of headers decoded as Latin-1; Strip keeps those bytes, since in Go's UTF-8
// strings they continue a character ("à" ends with 0xA0). StripLatin1 is the
// Latin-1 reading.
func Strip(s string) string {
	// Every byte Strip removes is at most ' ': a string whose ends are above
	// it is returned at once.
	if s == "" || s[0] > ' ' && s[len(s)-1] > ' ' {
		return s
	}
	return strip(s)
}

func strip(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

// IsSpaceLatin1 reports whether Python's str.strip() removes the character of
// byte c in a string decoded as Latin-1, which is how Starlette and
// python-multipart see header bytes.
func IsSpaceLatin1(c byte) bool { return isSpace(c) || c == 0x85 || c == 0xa0 }

// StripLatin1 is Python's str.strip() on s read as Latin-1.
func StripLatin1(s string) string {
	i, j := 0, len(s)
	for i < j && IsSpaceLatin1(s[i]) {
		i++
	}
	for j > i && IsSpaceLatin1(s[j-1]) {
		j--
	}
	return s[i:j]
}

// Split is Python's str.split() with no argument: s split on runs of
// whitespace, never an empty field, [] (not nil) for none. strings.Fields
// splits on Unicode white space as Python does, except that Python also
// splits on U+001C to U+001F, which Fields does not.
func Split(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return (r >= 0x1c && r <= 0x1f) || unicode.IsSpace(r)
	})
	if f == nil {
		f = []string{}
	}
	return f
}

// Repr quotes a string like Python's repr: single quotes unless the text
// holds a single quote and no double quote.
func Repr(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatInt(int64(r)+0x100, 16)[1:])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// EqualFoldASCII reports whether s equals lower, an ASCII lower-case word,
// ignoring the case of ASCII letters only: what comparing Python's str.lower()
// of s with lower gives for the words Keel compares (schemes, media types), where
// strings.EqualFold would also match "ſ" (U+017F) with "s" and "K" (U+212A) with
// "k".
func EqualFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// Package pytext holds the few Python string functions whose exact output Keel
// reproduces on the wire (docs/fastapi-compat.md §0, §7).
package pytext

import (
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

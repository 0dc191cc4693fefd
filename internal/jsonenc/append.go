package jsonenc

import (
	"strings"
	"unicode/utf8"
)

// AppendString appends s as a JSON string exactly as encoding/json writes it
// with HTML escaping off (the rules of the package comment).
func AppendString(b []byte, s string) []byte { return appendString(b, s) }

// AppendStringHTML appends s as a JSON string exactly as json.Marshal writes
// it: AppendString's escapes, and '<', '>' and '&' as \u003c, \u003e and
// \u0026. Those three bytes never occur inside AppendString's escapes, so
// they are replaced in its output.
func AppendStringHTML(b []byte, s string) []byte {
	plainASCII := true
	for i := 0; i < len(s) && plainASCII; i++ {
		c := s[i]
		plainASCII = c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	if plainASCII {
		return append(append(append(b, '"'), s...), '"') // nothing to escape
	}
	if !strings.ContainsAny(s, "<>&") {
		return appendString(b, s)
	}
	var tmp [64]byte
	plain := appendString(tmp[:0], s)
	for _, c := range plain {
		switch c {
		case '<':
			b = append(b, `\u003c`...)
		case '>':
			b = append(b, `\u003e`...)
		case '&':
			b = append(b, `\u0026`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// AppendFloat appends f as encoding/json writes a float64 (ES6 number
// formatting); NaN and the infinities are encoding/json's
// *json.UnsupportedValueError.
func AppendFloat(b []byte, f float64) ([]byte, error) { return appendFloat(b, f, 64) }

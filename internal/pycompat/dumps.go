package pycompat

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Dumps encodes v as Python's json.dumps does by default, which FastAPI
// uses for values embedded in the Swagger UI page (docs/fastapi-compat.md §6.4): ", " and ": "
// separators and non-ASCII escaped as \uXXXX. Like Go's encoder (and
// FastAPI's page), '<', '>' and '&' are escaped as \u003c, \u003e, \u0026, so
// a value cannot close the <script> element.
func Dumps(v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(data) + len(data)/8)
	inString, escaped := false, false
	for i := 0; i < len(data); {
		c := data[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(data[i:])
			if r >= 0x10000 {
				r -= 0x10000
				fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
			i += size
			continue
		}
		b.WriteByte(c)
		i++
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ',' || c == ':'):
			b.WriteByte(' ')
		}
	}
	return b.String(), nil
}

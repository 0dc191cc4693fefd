package pycompat

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the params package's one reader of JSON text. CheckJSON
// validates a request body with Python's grammar and reports Python's error
// message and offset; the typed decoders (jsondecode.go) then walk the same,
// already valid, bytes with the small helpers at the end of the file. Nothing
// builds a generic tree of the document.

// MaxJSONDepth caps nesting of arrays and objects. Python's decoder fails deep
// documents with a RecursionError, which FastAPI answers with 400 "There was an
// error parsing the body"; Keel does the same past this depth.
const MaxJSONDepth = 512

// JSONSyntaxError is a JSON document that Python's json module rejects: Msg is
// the module's wording (json.JSONDecodeError.msg) and Pos the character (code
// point) offset it reports (docs/fastapi-compat.md §4.5).
type JSONSyntaxError struct {
	Msg string
	Pos int
}

func (e *JSONSyntaxError) Error() string { return e.Msg }

var (
	ErrJSONTooDeep  = errors.New("JSON nesting too deep")
	ErrJSONEncoding = errors.New("JSON text is not valid Unicode")
)

// Python json module messages (CPython's C scanner, Python 3.11/3.12 wording).
const (
	msgExpectingValue    = "Expecting value"
	msgExpectingProperty = "Expecting property name enclosed in double quotes"
	msgExpectingColon    = "Expecting ':' delimiter"
	msgExpectingComma    = "Expecting ',' delimiter"
	msgExtraData         = "Extra data"
	msgUnterminated      = "Unterminated string starting at"
	msgControlChar       = "Invalid control character at"
	msgInvalidEscape     = "Invalid \\escape"
	msgInvalidUEscape    = "Invalid \\uXXXX escape"
)

// JSONText decodes a request body's bytes the way Starlette's request.json()
// (json.loads on bytes) does before parsing: the encoding is detected as
// json.detect_encoding does (UTF-8, UTF-8 with BOM, UTF-16, UTF-32), and bytes
// that do not decode are ErrJSONEncoding. The result is the text in UTF-8: the
// body itself for UTF-8 (no copy), without its BOM for UTF-8-sig, and a new
// buffer only for UTF-16 and UTF-32.
func JSONText(b []byte) ([]byte, error) {
	enc := detectEncoding(b)
	switch enc {
	case "utf-8":
		if !utf8.Valid(b) {
			return nil, ErrJSONEncoding
		}
		return b, nil
	case "utf-8-sig":
		b = b[3:]
		if !utf8.Valid(b) {
			return nil, ErrJSONEncoding
		}
		return b, nil
	case "utf-16", "utf-16-be", "utf-16-le":
		be := enc == "utf-16-be"
		if enc == "utf-16" {
			be = b[0] == 0xFE
			b = b[2:]
		}
		if len(b)%2 != 0 {
			return nil, ErrJSONEncoding
		}
		out := make([]byte, 0, len(b)/2+len(b)/8)
		unit := func(i int) rune {
			if be {
				return rune(b[2*i])<<8 | rune(b[2*i+1])
			}
			return rune(b[2*i+1])<<8 | rune(b[2*i])
		}
		n := len(b) / 2
		for i := 0; i < n; i++ {
			r := unit(i)
			switch {
			case r >= 0xD800 && r < 0xDC00:
				// Python's strict decoder rejects unpaired surrogates.
				if i+1 >= n {
					return nil, ErrJSONEncoding
				}
				r2 := unit(i + 1)
				if r2 < 0xDC00 || r2 > 0xDFFF {
					return nil, ErrJSONEncoding
				}
				r = utf16.DecodeRune(r, r2)
				i++
			case r >= 0xDC00 && r <= 0xDFFF:
				return nil, ErrJSONEncoding
			}
			out = utf8.AppendRune(out, r)
		}
		return out, nil
	default: // utf-32, utf-32-be, utf-32-le
		be := enc == "utf-32-be"
		if enc == "utf-32" {
			be = b[0] == 0
			b = b[4:]
		}
		if len(b)%4 != 0 {
			return nil, ErrJSONEncoding
		}
		out := make([]byte, 0, len(b)/4)
		for i := 0; i < len(b)/4; i++ {
			var r uint32
			if be {
				r = uint32(b[4*i])<<24 | uint32(b[4*i+1])<<16 | uint32(b[4*i+2])<<8 | uint32(b[4*i+3])
			} else {
				r = uint32(b[4*i+3])<<24 | uint32(b[4*i+2])<<16 | uint32(b[4*i+1])<<8 | uint32(b[4*i])
			}
			if r > utf8.MaxRune || (r >= 0xD800 && r <= 0xDFFF) {
				return nil, ErrJSONEncoding
			}
			out = utf8.AppendRune(out, rune(r))
		}
		return out, nil
	}
}

// detectEncoding is Python's json.detect_encoding.
func detectEncoding(b []byte) string {
	switch {
	case len(b) >= 4 && ((b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF) ||
		(b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0)):
		return "utf-32"
	case len(b) >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE)):
		return "utf-16"
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return "utf-8-sig"
	}
	if len(b) >= 4 {
		if b[0] == 0 {
			if b[1] != 0 {
				return "utf-16-be"
			}
			return "utf-32-be"
		}
		if b[1] == 0 {
			if b[2] != 0 || b[3] != 0 {
				return "utf-16-le"
			}
			return "utf-32-le"
		}
	} else if len(b) == 2 {
		if b[0] == 0 {
			return "utf-16-be"
		}
		if b[1] == 0 {
			return "utf-16-le"
		}
	}
	return "utf-8"
}

// CheckJSON reports whether text (UTF-8, from JSONText) is one JSON document
// by Python's grammar. It allocates nothing unless the text is invalid. Errors:
// *JSONSyntaxError with Python's message and character offset, or
// ErrJSONTooDeep past MaxJSONDepth.
//
// Keel differs from Python in one documented way: NaN, Infinity and -Infinity
// are rejected ("Expecting value") because Go cannot encode them back.
func CheckJSON(text []byte) error {
	sc := jsonScanner{b: text}
	end, err := sc.value(SkipSpace(text, 0))
	if err == nil {
		end = SkipSpace(text, end)
		if end != len(text) {
			err = &JSONSyntaxError{Msg: msgExtraData, Pos: end}
		}
	}
	if se, ok := err.(*JSONSyntaxError); ok {
		// Positions are byte offsets until here; Python counts characters.
		se.Pos = utf8.RuneCount(text[:se.Pos])
	}
	return err
}

// jsonScanner follows CPython's _json.c scanner step by step so that error
// messages and positions agree with it. Positions are byte offsets into b.
type jsonScanner struct {
	b     []byte
	depth int
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func SkipSpace(b []byte, i int) int {
	for i < len(b) && isJSONSpace(b[i]) {
		i++
	}
	return i
}

func synErr(msg string, pos int) error { return &JSONSyntaxError{Msg: msg, Pos: pos} }

// value is scan_once: it returns the offset after the value at i.
func (p *jsonScanner) value(i int) (int, error) {
	b := p.b
	if i >= len(b) {
		return i, synErr(msgExpectingValue, i)
	}
	switch b[i] {
	case '"':
		return p.str(i + 1)
	case '{', '[':
		if p.depth >= MaxJSONDepth {
			return i, ErrJSONTooDeep
		}
		p.depth++
		var end int
		var err error
		if b[i] == '{' {
			end, err = p.object(i + 1)
		} else {
			end, err = p.array(i + 1)
		}
		p.depth--
		return end, err
	case 'n':
		if hasLiteral(b, i, "null") {
			return i + 4, nil
		}
	case 't':
		if hasLiteral(b, i, "true") {
			return i + 4, nil
		}
	case 'f':
		if hasLiteral(b, i, "false") {
			return i + 5, nil
		}
	}
	return p.number(i)
}

func hasLiteral(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

func IsDigit(c byte) bool { return c >= '0' && c <= '9' }

// number is _match_number_unicode.
func (p *jsonScanner) number(start int) (int, error) {
	b := p.b
	idx := start
	if b[idx] == '-' {
		idx++
		if idx >= len(b) {
			return start, synErr(msgExpectingValue, start)
		}
	}
	switch c := b[idx]; {
	case c >= '1' && c <= '9':
		idx++
		for idx < len(b) && IsDigit(b[idx]) {
			idx++
		}
	case c == '0':
		idx++
	default:
		return start, synErr(msgExpectingValue, start)
	}
	if idx+1 < len(b) && b[idx] == '.' && IsDigit(b[idx+1]) {
		idx += 2
		for idx < len(b) && IsDigit(b[idx]) {
			idx++
		}
	}
	if idx+1 < len(b) && (b[idx] == 'e' || b[idx] == 'E') {
		eStart := idx
		idx++
		if idx+1 < len(b) && (b[idx] == '-' || b[idx] == '+') {
			idx++
		}
		for idx < len(b) && IsDigit(b[idx]) {
			idx++
		}
		if !IsDigit(b[idx-1]) {
			idx = eStart
		}
	}
	return idx, nil
}

// str is scanstring_unicode; end is the offset after the opening quote. It
// returns the offset after the closing quote.
func (p *jsonScanner) str(end int) (int, error) {
	b := p.b
	begin := end - 1
	for {
		next := end
		var c byte
		found := false
		for ; next < len(b); next++ {
			c = b[next]
			if c == '"' || c == '\\' {
				found = true
				break
			}
			if c <= 0x1f {
				return next, synErr(msgControlChar, next)
			}
		}
		if !found {
			return begin, synErr(msgUnterminated, begin)
		}
		next++
		if c == '"' {
			return next, nil
		}
		if next == len(b) {
			return begin, synErr(msgUnterminated, begin)
		}
		c = b[next]
		if c != 'u' {
			end = next + 1
			switch c {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			default:
				return end - 2, synErr(msgInvalidEscape, end-2)
			}
			continue
		}
		next++
		end = next + 4
		if end >= len(b) {
			return next - 1, synErr(msgInvalidUEscape, next-1)
		}
		r, ok := hex4(b[next:end])
		if !ok {
			return end - 5, synErr(msgInvalidUEscape, end-5)
		}
		if r >= 0xD800 && r <= 0xDBFF && end+6 < len(b) && b[end] == '\\' && b[end+1] == 'u' {
			r2, ok := hex4(b[end+2 : end+6])
			if !ok {
				return end + 1, synErr(msgInvalidUEscape, end+1)
			}
			if r2 >= 0xDC00 && r2 <= 0xDFFF {
				end += 6
			}
		}
	}
}

func hex4(h []byte) (rune, bool) {
	var r rune
	for i := 0; i < 4; i++ {
		c := h[i]
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}

// object is _parse_object_unicode; idx is the offset after '{'.
func (p *jsonScanner) object(idx int) (int, error) {
	b := p.b
	idx = SkipSpace(b, idx)
	if idx < len(b) && b[idx] == '}' {
		return idx + 1, nil
	}
	for {
		if idx >= len(b) || b[idx] != '"' {
			return idx, synErr(msgExpectingProperty, idx)
		}
		next, err := p.str(idx + 1)
		if err != nil {
			return next, err
		}
		idx = SkipSpace(b, next)
		if idx >= len(b) || b[idx] != ':' {
			return idx, synErr(msgExpectingColon, idx)
		}
		idx = SkipSpace(b, idx+1)
		next, err = p.value(idx)
		if err != nil {
			return next, err
		}
		idx = SkipSpace(b, next)
		if idx < len(b) && b[idx] == '}' {
			return idx + 1, nil
		}
		if idx >= len(b) || b[idx] != ',' {
			return idx, synErr(msgExpectingComma, idx)
		}
		idx = SkipSpace(b, idx+1)
	}
}

// array is _parse_array_unicode; idx is the offset after '['.
func (p *jsonScanner) array(idx int) (int, error) {
	b := p.b
	idx = SkipSpace(b, idx)
	if idx < len(b) && b[idx] == ']' {
		return idx + 1, nil
	}
	for {
		next, err := p.value(idx)
		if err != nil {
			return next, err
		}
		idx = SkipSpace(b, next)
		if idx < len(b) && b[idx] == ']' {
			return idx + 1, nil
		}
		if idx >= len(b) || b[idx] != ',' {
			return idx, synErr(msgExpectingComma, idx)
		}
		idx = SkipSpace(b, idx+1)
	}
}

// The helpers below read text that CheckJSON accepted.

// SkipValue returns the offset after the value starting at i.
func SkipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return SkipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = SkipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	case 't', 'n':
		return i + 4
	case 'f':
		return i + 5
	}
	return NumberEnd(b, i)
}

// SkipString returns the offset after the string whose opening quote is at i.
func SkipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			i++
		}
	}
	return i
}

// NumberEnd returns the offset after the number starting at i.
func NumberEnd(b []byte, i int) int {
	for i < len(b) {
		switch c := b[i]; {
		case IsDigit(c), c == '-', c == '+', c == '.', c == 'e', c == 'E':
			i++
		default:
			return i
		}
	}
	return i
}

// CountItems returns the number of values in the array whose '[' is at i.
func CountItems(b []byte, i int) int {
	i = SkipSpace(b, i+1)
	if b[i] == ']' {
		return 0
	}
	n := 1
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = SkipString(b, i) - 1
		case '{', '[':
			depth++
		case '}':
			depth--
		case ']':
			if depth == 0 {
				return n
			}
			depth--
		case ',':
			if depth == 0 {
				n++
			}
		}
	}
	return n
}

// AppendUnescaped appends the value of a JSON string's contents (between the
// quotes) to dst, as Python decodes it: a lone surrogate escape, which Python
// keeps, becomes U+FFFD in a Go string.
func AppendUnescaped(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			j := i + 1
			for j < len(s) && s[j] != '\\' {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		c = s[i+1]
		i += 2
		switch c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(s[i : i+4])
			i += 4
			if r >= 0xD800 && r <= 0xDBFF && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
				if r2, ok := hex4(s[i+2 : i+6]); ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
					r = utf16.DecodeRune(r, r2)
					i += 6
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
	}
	return dst
}

package params

import (
	"encoding/json"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth caps nesting of arrays and objects. Python's decoder fails deep
// documents with a RecursionError, which FastAPI answers with 400 "There was an
// error parsing the body"; Keel does the same past this depth.
const maxJSONDepth = 512

// jsonSyntaxError is a JSON document that Python's json module rejects: Msg is
// the module's wording (json.JSONDecodeError.msg) and Pos the character (code
// point) offset it reports (docs/fastapi-compat.md §4.5).
type jsonSyntaxError struct {
	Msg string
	Pos int
}

func (e *jsonSyntaxError) Error() string { return e.Msg }

var (
	errJSONTooDeep  = errors.New("params: JSON nesting too deep")
	errJSONEncoding = errors.New("params: JSON body is not valid Unicode")
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

// parseJSON decodes a request body the way Starlette's request.json() does
// (json.loads on bytes): the encoding is detected (UTF-8, UTF-8 with BOM,
// UTF-16, UTF-32), then the text is parsed with Python's grammar and error
// messages. The result is built from nil, bool, json.Number, string, []any and
// map[string]any (duplicate keys: the last wins, like a Python dict).
//
// Errors: *jsonSyntaxError for a document Python rejects with JSONDecodeError;
// errJSONEncoding for undecodable bytes and errJSONTooDeep for nesting beyond
// maxJSONDepth (both are 400s in FastAPI, which reports other exceptions so).
//
// Keel differs from Python in one documented way: NaN, Infinity and -Infinity
// are rejected ("Expecting value") because Go cannot encode them back.
func parseJSON(data []byte) (any, error) {
	text, err := decodeJSONText(data)
	if err != nil {
		return nil, err
	}
	p := jsonParser{s: text}
	i := p.ws(0)
	v, end, perr := p.value(i)
	if perr == nil {
		end = p.ws(end)
		if end != len(text) {
			perr = &jsonSyntaxError{Msg: msgExtraData, Pos: end}
		}
	}
	if perr != nil {
		var se *jsonSyntaxError
		if errors.As(perr, &se) {
			// Positions are byte offsets until here; Python counts characters.
			se.Pos = utf8.RuneCountInString(text[:se.Pos])
		}
		return nil, perr
	}
	return v, nil
}

// decodeJSONText mirrors json.detect_encoding followed by bytes.decode: a UTF-8
// BOM is dropped, UTF-16 and UTF-32 (by BOM or by the position of zero bytes)
// are converted, and bytes that do not decode are an error.
func decodeJSONText(b []byte) (string, error) {
	enc := detectEncoding(b)
	switch enc {
	case "utf-8":
		if !utf8.Valid(b) {
			return "", errJSONEncoding
		}
		return string(b), nil
	case "utf-8-sig":
		b = b[3:]
		if !utf8.Valid(b) {
			return "", errJSONEncoding
		}
		return string(b), nil
	case "utf-16", "utf-16-be", "utf-16-le":
		be := enc == "utf-16-be"
		if enc == "utf-16" {
			be = b[0] == 0xFE
			b = b[2:]
		}
		if len(b)%2 != 0 {
			return "", errJSONEncoding
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			if be {
				u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			} else {
				u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
			}
		}
		// Python's strict decoder rejects unpaired surrogates.
		for i := 0; i < len(u); i++ {
			switch {
			case u[i] >= 0xD800 && u[i] < 0xDC00:
				if i+1 >= len(u) || u[i+1] < 0xDC00 || u[i+1] > 0xDFFF {
					return "", errJSONEncoding
				}
				i++
			case u[i] >= 0xDC00 && u[i] <= 0xDFFF:
				return "", errJSONEncoding
			}
		}
		return string(utf16.Decode(u)), nil
	default: // utf-32, utf-32-be, utf-32-le
		be := enc == "utf-32-be"
		if enc == "utf-32" {
			be = b[0] == 0
			b = b[4:]
		}
		if len(b)%4 != 0 {
			return "", errJSONEncoding
		}
		rs := make([]rune, len(b)/4)
		for i := range rs {
			var r uint32
			if be {
				r = uint32(b[4*i])<<24 | uint32(b[4*i+1])<<16 | uint32(b[4*i+2])<<8 | uint32(b[4*i+3])
			} else {
				r = uint32(b[4*i+3])<<24 | uint32(b[4*i+2])<<16 | uint32(b[4*i+1])<<8 | uint32(b[4*i])
			}
			if r > utf8.MaxRune || (r >= 0xD800 && r <= 0xDFFF) {
				return "", errJSONEncoding
			}
			rs[i] = rune(r)
		}
		return string(rs), nil
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

// jsonParser follows CPython's _json.c scanner step by step so that error
// messages and positions agree with it. Positions are byte offsets into s.
type jsonParser struct {
	s     string
	depth int
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *jsonParser) ws(i int) int {
	for i < len(p.s) && isJSONSpace(p.s[i]) {
		i++
	}
	return i
}

// value is scan_once: a missing value is Python's StopIteration(i), which the
// caller turns into "Expecting value" at i.
func (p *jsonParser) value(i int) (any, int, error) {
	s := p.s
	if i >= len(s) {
		return nil, i, &jsonSyntaxError{Msg: msgExpectingValue, Pos: i}
	}
	switch s[i] {
	case '"':
		return p.str(i + 1)
	case '{':
		if p.depth >= maxJSONDepth {
			return nil, i, errJSONTooDeep
		}
		p.depth++
		v, end, err := p.object(i + 1)
		p.depth--
		return v, end, err
	case '[':
		if p.depth >= maxJSONDepth {
			return nil, i, errJSONTooDeep
		}
		p.depth++
		v, end, err := p.array(i + 1)
		p.depth--
		return v, end, err
	case 'n':
		if len(s)-i >= 4 && s[i:i+4] == "null" {
			return nil, i + 4, nil
		}
	case 't':
		if len(s)-i >= 4 && s[i:i+4] == "true" {
			return true, i + 4, nil
		}
	case 'f':
		if len(s)-i >= 5 && s[i:i+5] == "false" {
			return false, i + 5, nil
		}
	}
	return p.number(i)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number is _match_number_unicode.
func (p *jsonParser) number(start int) (any, int, error) {
	s := p.s
	idx := start
	if s[idx] == '-' {
		idx++
		if idx >= len(s) {
			return nil, start, &jsonSyntaxError{Msg: msgExpectingValue, Pos: start}
		}
	}
	switch c := s[idx]; {
	case c >= '1' && c <= '9':
		idx++
		for idx < len(s) && isDigit(s[idx]) {
			idx++
		}
	case c == '0':
		idx++
	default:
		return nil, start, &jsonSyntaxError{Msg: msgExpectingValue, Pos: start}
	}
	if idx+1 < len(s) && s[idx] == '.' && isDigit(s[idx+1]) {
		idx += 2
		for idx < len(s) && isDigit(s[idx]) {
			idx++
		}
	}
	if idx+1 < len(s) && (s[idx] == 'e' || s[idx] == 'E') {
		eStart := idx
		idx++
		if idx+1 < len(s) && (s[idx] == '-' || s[idx] == '+') {
			idx++
		}
		for idx < len(s) && isDigit(s[idx]) {
			idx++
		}
		if !isDigit(s[idx-1]) {
			idx = eStart
		}
	}
	return json.Number(s[start:idx]), idx, nil
}

// str is scanstring_unicode; end is the index after the opening quote.
func (p *jsonParser) str(end int) (any, int, error) {
	s := p.s
	begin := end - 1
	// Fast path: no escapes.
	for j := end; j < len(s); j++ {
		c := s[j]
		if c == '"' {
			return s[end:j], j + 1, nil
		}
		if c == '\\' {
			break
		}
		if c <= 0x1f {
			return nil, j, &jsonSyntaxError{Msg: msgControlChar, Pos: j}
		}
	}
	buf := make([]byte, 0, 16)
	for {
		next := end
		var c byte
		found := false
		for ; next < len(s); next++ {
			c = s[next]
			if c == '"' || c == '\\' {
				found = true
				break
			}
			if c <= 0x1f {
				return nil, next, &jsonSyntaxError{Msg: msgControlChar, Pos: next}
			}
		}
		if !found {
			return nil, begin, &jsonSyntaxError{Msg: msgUnterminated, Pos: begin}
		}
		buf = append(buf, s[end:next]...)
		next++
		if c == '"' {
			return string(buf), next, nil
		}
		if next == len(s) {
			return nil, begin, &jsonSyntaxError{Msg: msgUnterminated, Pos: begin}
		}
		c = s[next]
		if c != 'u' {
			end = next + 1
			switch c {
			case '"', '\\', '/':
				buf = append(buf, c)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			default:
				return nil, end - 2, &jsonSyntaxError{Msg: msgInvalidEscape, Pos: end - 2}
			}
			continue
		}
		next++
		end = next + 4
		if end >= len(s) {
			return nil, next - 1, &jsonSyntaxError{Msg: msgInvalidUEscape, Pos: next - 1}
		}
		r, ok := hex4(s[next:end])
		if !ok {
			return nil, end - 5, &jsonSyntaxError{Msg: msgInvalidUEscape, Pos: end - 5}
		}
		if r >= 0xD800 && r <= 0xDBFF && end+6 < len(s) && s[end] == '\\' && s[end+1] == 'u' {
			r2, ok := hex4(s[end+2 : end+6])
			if !ok {
				return nil, end + 1, &jsonSyntaxError{Msg: msgInvalidUEscape, Pos: end + 1}
			}
			if r2 >= 0xDC00 && r2 <= 0xDFFF {
				r = utf16.DecodeRune(r, r2)
				end += 6
			}
		}
		// A lone surrogate (valid for Python) becomes U+FFFD in a Go string.
		buf = utf8.AppendRune(buf, r)
	}
}

func hex4(h string) (rune, bool) {
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

// object is _parse_object_unicode; idx is the index after '{'.
func (p *jsonParser) object(idx int) (any, int, error) {
	s := p.s
	m := map[string]any{}
	idx = p.ws(idx)
	if idx < len(s) && s[idx] == '}' {
		return m, idx + 1, nil
	}
	for {
		if idx >= len(s) || s[idx] != '"' {
			return nil, idx, &jsonSyntaxError{Msg: msgExpectingProperty, Pos: idx}
		}
		k, next, err := p.str(idx + 1)
		if err != nil {
			return nil, next, err
		}
		idx = p.ws(next)
		if idx >= len(s) || s[idx] != ':' {
			return nil, idx, &jsonSyntaxError{Msg: msgExpectingColon, Pos: idx}
		}
		idx = p.ws(idx + 1)
		v, next, err := p.value(idx)
		if err != nil {
			return nil, next, err
		}
		m[k.(string)] = v
		idx = p.ws(next)
		if idx < len(s) && s[idx] == '}' {
			return m, idx + 1, nil
		}
		if idx >= len(s) || s[idx] != ',' {
			return nil, idx, &jsonSyntaxError{Msg: msgExpectingComma, Pos: idx}
		}
		idx = p.ws(idx + 1)
	}
}

// array is _parse_array_unicode; idx is the index after '['.
func (p *jsonParser) array(idx int) (any, int, error) {
	s := p.s
	a := []any{}
	idx = p.ws(idx)
	if idx < len(s) && s[idx] == ']' {
		return a, idx + 1, nil
	}
	for {
		v, next, err := p.value(idx)
		if err != nil {
			return nil, next, err
		}
		a = append(a, v)
		idx = p.ws(next)
		if idx < len(s) && s[idx] == ']' {
			return a, idx + 1, nil
		}
		if idx >= len(s) || s[idx] != ',' {
			return nil, idx, &jsonSyntaxError{Msg: msgExpectingComma, Pos: idx}
		}
		idx = p.ws(idx + 1)
	}
}

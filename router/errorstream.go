package router

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/keelgo/keel"
)

// largeInput is the size from which a json.RawMessage error input is written
// straight into the response rather than through encoding/json's buffer.
const largeInput = 64 << 10

// hasLargeInput reports whether an error echoes a large JSON input: params
// gives the input of an error about an array or object as a json.RawMessage
// sharing the request body's bytes, so a 422 about a 10 MiB object echoes
// 10 MiB.
func hasLargeInput(errs []keel.ErrorDetail) bool {
	for i := range errs {
		if raw, ok := errs[i].Input.(json.RawMessage); ok && len(raw) >= largeInput {
			return true
		}
	}
	return false
}

// writeErrorList writes head, the errors as a JSON array, then tail, exactly
// as encoding/json would encode them (no HTML escaping), with a
// Content-Length; large json.RawMessage inputs are compacted straight into
// the response in small chunks, so that echoing a large body costs no copy of
// it. It reports false, having written nothing, when an item cannot be
// encoded.
func writeErrorList(w http.ResponseWriter, status int, contentType string, head []byte, errs []keel.ErrorDetail, tail []byte) bool {
	type part struct {
		b   []byte
		raw json.RawMessage // compacted while written
	}
	parts := []part{{b: append(head, '[')}}
	total := len(head) + 1
	add := func(b []byte) { parts = append(parts, part{b: b}); total += len(b) }
	for i := range errs {
		e := &errs[i]
		b, err := encode(struct {
			Type string `json:"type"`
			Loc  []any  `json:"loc"`
			Msg  string `json:"msg"`
		}{e.Type, e.Loc, e.Msg})
		if err != nil {
			return false
		}
		if i > 0 {
			b = append([]byte{','}, b...)
		}
		add(append(b[:len(b)-1], `,"input":`...))
		if raw, ok := e.Input.(json.RawMessage); ok && len(raw) >= largeInput {
			if !json.Valid(raw) {
				return false
			}
			parts = append(parts, part{raw: raw})
			total += compactLen(raw)
		} else {
			b, err := encode(e.Input)
			if err != nil {
				return false
			}
			add(b)
		}
		end := []byte{'}'}
		if len(e.Ctx) > 0 {
			b, err := encode(e.Ctx)
			if err != nil {
				return false
			}
			end = append(append([]byte(`,"ctx":`), b...), '}')
		}
		add(end)
	}
	add(append([]byte{']'}, tail...))

	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(total))
	w.WriteHeader(status)
	cw := compactWriter{w: w, buf: make([]byte, 0, 32<<10)}
	for _, p := range parts {
		if p.raw == nil {
			cw.write(p.b)
		} else {
			cw.compact(p.raw)
		}
	}
	cw.flush()
	return true
}

// compactWriter writes to w through a small buffer.
type compactWriter struct {
	w   http.ResponseWriter
	buf []byte
}

func (cw *compactWriter) write(b []byte) {
	for len(b) > 0 {
		n := copy(cw.buf[len(cw.buf):cap(cw.buf)], b)
		cw.buf = cw.buf[:len(cw.buf)+n]
		b = b[n:]
		if len(cw.buf) == cap(cw.buf) {
			cw.flush()
		}
	}
}

func (cw *compactWriter) flush() {
	if len(cw.buf) > 0 {
		cw.w.Write(cw.buf)
		cw.buf = cw.buf[:0]
	}
}

// compact writes valid JSON text without its insignificant white space, as
// encoding/json's Compact does, copying runs rather than bytes.
func (cw *compactWriter) compact(raw []byte) {
	for i := 0; i < len(raw); {
		switch c := raw[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			end := stringEnd(raw, i)
			cw.write(raw[i:end])
			i = end
		default:
			j := i + 1
			for j < len(raw) && !isSpaceOrQuote(raw[j]) {
				j++
			}
			cw.write(raw[i:j])
			i = j
		}
	}
}

func isSpaceOrQuote(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"'
}

// stringEnd returns the offset after the JSON string whose quote is at i.
func stringEnd(raw []byte, i int) int {
	for i++; i < len(raw); {
		j := bytes.IndexAny(raw[i:], `"\`)
		if j < 0 {
			return len(raw)
		}
		i += j
		if raw[i] == '"' {
			return i + 1
		}
		i += 2
	}
	return len(raw)
}

// compactLen is the length of valid JSON text without its insignificant white
// space.
func compactLen(raw []byte) int {
	n := 0
	for i := 0; i < len(raw); {
		switch c := raw[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			end := stringEnd(raw, i)
			n += end - i
			i = end
		default:
			i++
			n++
		}
	}
	return n
}

// encode is json.Marshal without HTML escaping (FastAPI does not escape).
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

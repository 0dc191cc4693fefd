package bind

import (
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"unsafe"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/pycompat"
	"github.com/keelgo/keel/internal/wire"
)

// Body is a request body read once (ReadBody) and shared by every binder of a
// request. Its parsed JSON and parsed form are computed on first use and
// cached. A Body is safe for concurrent use.
type Body struct {
	data        []byte
	contentType string

	mu       sync.Mutex
	jsonDone bool
	doc      []byte // the checked JSON text, in UTF-8
	jsonErr  error
	formDone bool
	form     *formData
	formErr  error
}

// NewBody wraps body bytes that were already read, with the request's
// Content-Type header value. Tests and routers that buffer bodies use it; data
// must not be modified afterwards.
func NewBody(data []byte, contentType string) *Body {
	return &Body{data: data, contentType: contentType}
}

// Bytes returns the raw body. It must not be modified: decoded values never
// share its memory, but the inputs of validation errors may.
func (b *Body) Bytes() []byte { return b.data }

// ContentType returns the request's Content-Type header value.
func (b *Body) ContentType() string { return b.contentType }

// Messages of the errors ReadBody and the form parser return.
const (
	DetailBodyTooLarge = "Request body too large"
	DetailFileTooLarge = "File too large"
	DetailBodyParse    = "There was an error parsing the body"
)

// ReadBody reads r.Body fully, up to limit bytes (limit <= 0: no limit of its
// own; an http.MaxBytesReader set by the server still applies). A body over
// the limit gives a *keel.HTTPError 413 {"detail":"Request body too large"};
// any other read failure a 400 {"detail":"There was an error parsing the body"}
// (docs/fastapi-compat.md §4.5).
//
// The body is read into one buffer that ends the size of the body: a declared
// Content-Length over the limit is refused before reading; the buffer starts
// at the declared length, or 1 MiB when more is declared, and then grows with
// what arrives, never to more than twice what was received (a client that
// declares much and sends little reserves little), up to the declared length.
func ReadBody(r *http.Request, limit int64) (*Body, error) {
	ct, _ := wire.Header(r, "Content-Type")
	b := &Body{contentType: ct}
	if r.Body == nil || r.Body == http.NoBody {
		return b, nil
	}
	if limit > 0 && r.ContentLength > limit {
		return nil, keel.NewHTTPError(http.StatusRequestEntityTooLarge, DetailBodyTooLarge)
	}
	data, err := readAll(r.Body, r.ContentLength, limit)
	if err != nil {
		return nil, err
	}
	b.data = data
	return b, nil
}

// readAll reads src to its end. declared is the announced length (<= 0:
// unknown); one spare byte notices a body longer than announced or than limit.
func readAll(src io.Reader, declared, limit int64) ([]byte, error) {
	const firstMax = 1 << 20
	size := int64(4 << 10)
	if declared > 0 {
		size = min(declared, firstMax) + 1
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			if limit > 0 && int64(len(buf)) > limit {
				return nil, keel.NewHTTPError(http.StatusRequestEntityTooLarge, DetailBodyTooLarge)
			}
			next := 2 * int64(cap(buf))
			if declared > 0 && int64(len(buf)) <= declared {
				next = min(next, declared+1)
			}
			if limit > 0 {
				next = min(next, limit+1)
			}
			nb := make([]byte, len(buf), next)
			copy(nb, buf)
			buf = nb
		}
		n, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, keel.NewHTTPError(http.StatusRequestEntityTooLarge, DetailBodyTooLarge)
			}
			return nil, keel.NewHTTPError(http.StatusBadRequest, DetailBodyParse)
		}
	}
	if limit > 0 && int64(len(buf)) > limit {
		return nil, keel.NewHTTPError(http.StatusRequestEntityTooLarge, DetailBodyTooLarge)
	}
	if int64(len(buf)) < declared {
		return nil, keel.NewHTTPError(http.StatusBadRequest, DetailBodyParse) // shorter than announced
	}
	return buf, nil
}

// isJSONMedia reports whether a Content-Type makes FastAPI parse the body as
// JSON: main type application and subtype json or *+json, parameters allowed.
// Like Python's email.message, a value without exactly one '/' counts as
// text/plain (docs/fastapi-compat.md §4.5).
//
// The words are compared ignoring ASCII case, without lower-casing the whole
// value: no other character lower-cases to a letter of "application",
// "json" or "+json" (U+212A KELVIN SIGN, the one non-ASCII character that
// lower-cases to an ASCII letter, becomes 'k').
func isJSONMedia(ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	t := strings.TrimSpace(ct)
	i := strings.IndexByte(t, '/')
	if i < 0 || strings.IndexByte(t[i+1:], '/') >= 0 {
		return false
	}
	main, sub := t[:i], t[i+1:]
	return pycompat.EqualFoldASCII(main, "application") &&
		(pycompat.EqualFoldASCII(sub, "json") || len(sub) >= 5 && pycompat.EqualFoldASCII(sub[len(sub)-5:], "+json"))
}

// jsonDoc returns the body as FastAPI hands it to validation: present is
// false for an empty body; a JSON body (by Content-Type, or with none when
// lax) is checked once and its text returned (isJSON); any other body is
// text, its bytes. err is the json_invalid *keel.ValidationError or a 400
// *keel.HTTPError.
func (b *Body) jsonDoc(lax bool) (doc []byte, present, isJSON bool, err error) {
	if b == nil || len(b.data) == 0 {
		return nil, false, false, nil
	}
	if !isJSONMedia(b.contentType) && !(lax && strings.TrimSpace(b.contentType) == "") {
		return b.data, true, false, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.jsonDone {
		b.jsonDone = true
		text, perr := pycompat.JSONText(b.data)
		if perr == nil {
			perr = pycompat.CheckJSON(text)
		}
		se, isSyntax := perr.(*pycompat.JSONSyntaxError)
		switch {
		case perr == nil:
			b.doc = text
		case isSyntax:
			b.jsonErr = &keel.ValidationError{Errors: []keel.ErrorDetail{{
				Type:  "json_invalid",
				Loc:   []any{"body", se.Pos},
				Msg:   "JSON decode error",
				Input: map[string]any{},
				Ctx:   map[string]any{"error": se.Msg},
			}}}
		default:
			b.jsonErr = keel.NewHTTPError(http.StatusBadRequest, DetailBodyParse)
		}
	}
	return b.doc, true, true, b.jsonErr
}

// bindJSON binds the body fields (docs/fastapi-compat.md §4.5): the whole body for a single
// non-embedded field, else an object keyed by the fields' names. The body is
// decoded straight into the fields (jsondecode.go).
func (b *Binder) bindJSON(body *Body, base unsafe.Pointer, errs *[]keel.ErrorDetail) error {
	doc, present, isJSON, err := body.jsonDoc(b.c.opts.LaxContentType)
	if err != nil {
		return err
	}
	d := &dstate{errs: *errs, limit: len(*errs) + maxBodyErrors}
	d.path = d.pathBuf[:0]
	defer func() {
		if len(d.errs) > d.limit {
			d.errs = d.errs[:d.limit] // missing fields added when an object was put in order
		}
		*errs = d.errs
	}()
	isNull := false
	if present {
		if isJSON {
			d.buf, d.pos = doc, pycompat.SkipSpace(doc, 0)
			isNull = d.buf[d.pos] == 'n'
		} else {
			d.isText, d.text = true, bytesString(doc)
		}
	}
	if w := b.whole; w != nil {
		p := fieldPtr(base, w.offset)
		reflect.NewAt(w.typ, p).Elem().SetZero()
		if !present || isNull {
			if w.required {
				d.errs = append(d.errs, missingDetail([]any{"body"}, nil))
				return nil
			}
			w.setDefault(p)
			return nil
		}
		d.push("body")
		w.dec(d, p)
		return nil
	}
	// Embedded: find where each field's value is (the last of duplicate keys).
	var stack [8]int
	at := stack[:0]
	if len(b.body) > len(stack) {
		at = make([]int, 0, len(b.body))
	}
	for range b.body {
		at = append(at, -1)
	}
	isObject := present && isJSON && d.kind() == '{'
	if isObject {
		d.pos = pycompat.SkipSpace(d.buf, d.pos+1)
		if d.buf[d.pos] == '}' {
			d.pos++
		} else {
			for {
				k := d.key(false)
				for i, bb := range b.body {
					if bb.name == k {
						at[i] = d.pos
					}
				}
				d.skip()
				if d.next() {
					break
				}
			}
		}
	}
	for i, bb := range b.body {
		p := fieldPtr(base, bb.offset)
		reflect.NewAt(bb.typ, p).Elem().SetZero()
		if d.capped {
			continue
		}
		if present && !isObject {
			// FastAPI: the body has no .get, every field is reported missing.
			d.errs = append(d.errs, missingDetail([]any{"body", bb.name}, nil))
			continue
		}
		if at[i] < 0 || d.buf[at[i]] == 'n' {
			if bb.required {
				d.errs = append(d.errs, missingDetail([]any{"body", bb.name}, nil))
				continue
			}
			bb.setDefault(p)
			continue
		}
		d.pos = at[i]
		d.path = append(d.path[:0], pathElem{name: "body", idx: -1}, pathElem{name: bb.name, idx: -1})
		bb.dec(d, p)
	}
	return nil
}

// setDefault stores the default (decoded afresh, so nothing is shared between
// requests) at p, which holds a zero value.
func (bb *bodyBinding) setDefault(p unsafe.Pointer) {
	if bb.def != nil {
		bb.def.store(p)
	}
}

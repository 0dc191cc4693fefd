package params

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"unsafe"

	"github.com/keelgo/keel"
)

// Body is a request body read once (ReadBody) and shared by every binder of a
// request. Its parsed JSON and parsed form are computed on first use and
// cached. A Body is safe for concurrent use.
type Body struct {
	data        []byte
	contentType string

	mu       sync.Mutex
	jsonDone bool
	jsonVal  any
	jsonErr  error
	formDone bool
	form     *formData
	formErr  error
}

// NewBody wraps body bytes that were already read, with the request's
// Content-Type header value. Tests and routers that buffer bodies use it.
func NewBody(data []byte, contentType string) *Body {
	return &Body{data: data, contentType: contentType}
}

// Bytes returns the raw body. It must not be modified.
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
func ReadBody(r *http.Request, limit int64) (*Body, error) {
	b := &Body{contentType: r.Header.Get("Content-Type")}
	if r.Body == nil || r.Body == http.NoBody {
		return b, nil
	}
	if limit > 0 && r.ContentLength > limit {
		return nil, keel.NewHTTPError(http.StatusRequestEntityTooLarge, DetailBodyTooLarge)
	}
	if n := r.ContentLength; n > 0 && n <= 1<<20 {
		// The usual case: a declared length, read into a slice of exactly that size
		// (net/http's body reader enforces the length). One spare byte notices a
		// body longer than declared.
		data := make([]byte, n+1)
		m, err := io.ReadFull(r.Body, data)
		switch {
		case int64(m) == n && (err == io.ErrUnexpectedEOF || err == io.EOF):
			b.data = data[:n]
			return b, nil
		case err != nil && int64(m) < n:
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, keel.NewHTTPError(http.StatusRequestEntityTooLarge, DetailBodyTooLarge)
			}
			return nil, keel.NewHTTPError(http.StatusBadRequest, DetailBodyParse)
		}
		// Longer than declared: fall back to reading it all under the limit.
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data[:m]), r.Body))
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		n := r.ContentLength
		if limit > 0 && n > limit {
			n = limit
		}
		buf.Grow(int(min(n, 1<<20)) + 1)
	}
	var src io.Reader = r.Body
	if limit > 0 {
		src = io.LimitReader(r.Body, limit+1)
	}
	if _, err := buf.ReadFrom(src); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, keel.NewHTTPError(http.StatusRequestEntityTooLarge, DetailBodyTooLarge)
		}
		return nil, keel.NewHTTPError(http.StatusBadRequest, DetailBodyParse)
	}
	if limit > 0 && int64(buf.Len()) > limit {
		return nil, keel.NewHTTPError(http.StatusRequestEntityTooLarge, DetailBodyTooLarge)
	}
	b.data = buf.Bytes()
	return b, nil
}

// isJSONMedia reports whether a Content-Type makes FastAPI parse the body as
// JSON: main type application and subtype json or *+json, parameters allowed.
// Like Python's email.message, a value without exactly one '/' counts as
// text/plain (docs/fastapi-compat.md §4.5).
func isJSONMedia(ct string) bool {
	t, _, _ := strings.Cut(ct, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	if strings.Count(t, "/") != 1 {
		return false
	}
	main, sub, _ := strings.Cut(t, "/")
	return main == "application" && (sub == "json" || strings.HasSuffix(sub, "+json"))
}

// mediaType returns the lower-cased media type without parameters.
func mediaType(ct string) string {
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	t, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// jsonValue returns the body as FastAPI hands it to validation: present is
// false for an empty body; a JSON body (by Content-Type, or with none when
// lax) is parsed; any other body is its text. err is the json_invalid
// *keel.ValidationError or a 400 *keel.HTTPError.
func (b *Body) jsonValue(lax bool) (v any, present bool, err error) {
	if b == nil || len(b.data) == 0 {
		return nil, false, nil
	}
	if !isJSONMedia(b.contentType) && !(lax && strings.TrimSpace(b.contentType) == "") {
		return string(b.data), true, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.jsonDone {
		b.jsonDone = true
		val, perr := parseJSON(b.data)
		var se *jsonSyntaxError
		switch {
		case perr == nil:
			b.jsonVal = val
		case errors.As(perr, &se):
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
	return b.jsonVal, true, b.jsonErr
}

// bindJSON binds the body fields (docs/fastapi-compat.md §4.5): the whole body for a single
// non-embedded field, else an object keyed by the fields' names.
func (b *Binder) bindJSON(body *Body, base unsafe.Pointer, errs *[]keel.ErrorDetail) error {
	val, present, err := body.jsonValue(b.c.opts.LaxContentType)
	if err != nil {
		return err
	}
	if w := b.whole; w != nil {
		dst := reflect.NewAt(w.typ, fieldPtr(base, w.offset)).Elem()
		if !present || val == nil {
			if w.required {
				*errs = append(*errs, missingDetail([]any{"body"}, nil))
				return nil
			}
			w.setDefault(dst)
			return nil
		}
		dst.SetZero()
		d := dstate{loc: []any{"body"}, errs: *errs}
		w.dec(&d, val, dst)
		*errs = d.errs
		return nil
	}
	m, isMap := val.(map[string]any)
	for _, bb := range b.body {
		dst := reflect.NewAt(bb.typ, fieldPtr(base, bb.offset)).Elem()
		if present && val != nil && !isMap {
			// FastAPI: the body has no .get, every field is reported missing.
			*errs = append(*errs, missingDetail([]any{"body", bb.name}, nil))
			continue
		}
		v, ok := m[bb.name]
		if !ok || v == nil {
			if bb.required {
				*errs = append(*errs, missingDetail([]any{"body", bb.name}, nil))
				continue
			}
			bb.setDefault(dst)
			continue
		}
		dst.SetZero()
		d := dstate{loc: []any{"body", bb.name}, errs: *errs}
		bb.dec(&d, v, dst)
		*errs = d.errs
	}
	return nil
}

// setDefault stores the default (decoded afresh, so nothing is shared between
// requests) or the zero value.
func (bb *bodyBinding) setDefault(dst reflect.Value) {
	dst.SetZero()
	if bb.hasDef {
		d := dstate{}
		bb.defDec(&d, bb.defIn, dst)
	}
}

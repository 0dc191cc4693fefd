package router

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/resolve"
)

// ErrorFormat renders the errors Keel answers with: HTTP errors (from handlers,
// providers, security schemes, and the router's own 404/405/413) and validation
// errors. An App has one; FastAPIErrors is the default, ProblemDetails the RFC 9457
// alternative. Implement it to render errors your own way.
type ErrorFormat interface {
	WriteHTTPError(w http.ResponseWriter, r *http.Request, e *keel.HTTPError)
	WriteValidationError(w http.ResponseWriter, r *http.Request, status int, e *keel.ValidationError)
}

// FastAPIErrors renders errors exactly as FastAPI does: {"detail": ...} for HTTP
// errors (docs/fastapi-compat.md §3.9) and {"detail":[{"type","loc","msg","input","ctx"}]} for
// validation errors (docs/fastapi-compat.md §5.1).
type FastAPIErrors struct{}

// WriteHTTPError implements ErrorFormat.
func (FastAPIErrors) WriteHTTPError(w http.ResponseWriter, r *http.Request, e *keel.HTTPError) {
	copyHeaders(w.Header(), e.Headers)
	if !keel.BodyAllowed(e.Status) {
		w.WriteHeader(e.Status)
		return
	}
	writeJSON(w, e.Status, "application/json", struct {
		Detail any `json:"detail"`
	}{e.DetailValue()})
}

// WriteValidationError implements ErrorFormat.
func (FastAPIErrors) WriteValidationError(w http.ResponseWriter, r *http.Request, status int, e *keel.ValidationError) {
	if hasLargeInput(e.Errors) && writeErrorList(w, status, "application/json", []byte(`{"detail":`), e.Errors, []byte("}")) {
		return
	}
	writeJSON(w, status, "application/json", struct {
		Detail []keel.ErrorDetail `json:"detail"`
	}{nonNil(e.Errors)})
}

// ProblemDetails renders errors as RFC 9457 application/problem+json:
// {"type":"about:blank","title":<reason>,"status":N,"detail":<string detail>}; a
// detail that is not a string goes in the "data" member, and validation items in
// "errors" (each in FastAPI's item shape).
type ProblemDetails struct{}

type problem struct {
	Type   string             `json:"type"`
	Title  string             `json:"title"`
	Status int                `json:"status"`
	Detail string             `json:"detail,omitempty"`
	Data   any                `json:"data,omitempty"`
	Errors []keel.ErrorDetail `json:"errors,omitempty"`
}

// WriteHTTPError implements ErrorFormat.
func (ProblemDetails) WriteHTTPError(w http.ResponseWriter, r *http.Request, e *keel.HTTPError) {
	copyHeaders(w.Header(), e.Headers)
	if !keel.BodyAllowed(e.Status) {
		w.WriteHeader(e.Status)
		return
	}
	p := problem{Type: "about:blank", Title: keel.StatusText(e.Status), Status: e.Status}
	if s, ok := e.DetailValue().(string); ok {
		p.Detail = s
	} else {
		p.Data = e.Detail
	}
	writeJSON(w, e.Status, "application/problem+json", p)
}

// WriteValidationError implements ErrorFormat.
func (ProblemDetails) WriteValidationError(w http.ResponseWriter, r *http.Request, status int, e *keel.ValidationError) {
	p := problem{Type: "about:blank", Title: keel.StatusText(status), Status: status,
		Detail: "The request has " + strconv.Itoa(len(e.Errors)) + " invalid value(s)."}
	if hasLargeInput(e.Errors) {
		if head, err := encode(p); err == nil && writeErrorList(w, status, "application/problem+json", append(head[:len(head)-1], `,"errors":`...), e.Errors, []byte("}")) {
			return
		}
	}
	p.Errors = nonNil(e.Errors)
	writeJSON(w, status, "application/problem+json", p)
}

func nonNil(e []keel.ErrorDetail) []keel.ErrorDetail {
	if e == nil {
		return []keel.ErrorDetail{}
	}
	return e
}

func copyHeaders(dst, src http.Header) {
	for k, vs := range src {
		for _, v := range vs {
			dst.Add(k, v)
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	// The Encoder hands its whole output to one Write: the response is written
	// from encoding/json's own buffer, not copied, which matters when an error
	// echoes a large input.
	jw := jsonWriter{w: w, status: status, contentType: contentType}
	enc := json.NewEncoder(&jw)
	enc.SetEscapeHTML(false) // FastAPI's JSONResponse: compact, UTF-8, no HTML escaping
	if err := enc.Encode(v); err != nil && !jw.wrote {
		// A detail that cannot be encoded is a programming error; never leak it.
		writeInternal(w)
	}
}

// jsonWriter writes an Encoder's output as the response: the status, the
// Content-Type, the Content-Length, and the JSON without its final newline.
type jsonWriter struct {
	w           http.ResponseWriter
	status      int
	contentType string
	wrote       bool
}

func (jw *jsonWriter) Write(b []byte) (int, error) {
	n := len(b)
	b = bytes.TrimSuffix(b, []byte("\n"))
	h := jw.w.Header()
	h.Set("Content-Type", jw.contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	jw.w.WriteHeader(jw.status)
	jw.wrote = true
	if _, err := jw.w.Write(b); err != nil {
		return 0, err
	}
	return n, nil
}

func writeInternal(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", "21")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write([]byte("Internal Server Error"))
}

// writeError answers err: an HTTP error or validation error through the App's
// format, anything else as a logged 500 that leaks nothing.
func (a *App) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *keel.HTTPError
	var ve *keel.ValidationError
	switch {
	case errors.As(err, &he) && !isWrapped(err):
		a.cfg.errors.WriteHTTPError(w, r, he)
	case errors.As(err, &ve) && !isWrapped(err):
		a.cfg.errors.WriteValidationError(w, r, a.cfg.validationStatus, ve)
	default:
		attrs := []any{"method", r.Method, "path", r.URL.Path, "error", err.Error()}
		var pe *resolve.PanicError
		if errors.As(err, &pe) {
			attrs = append(attrs, "stack", string(pe.Stack))
		}
		a.cfg.logger.ErrorContext(r.Context(), "keel: request failed", attrs...)
		writeInternal(w)
	}
}

// isWrapped reports whether err is a SwallowedError: a cleanup swallowed the
// original error, which FastAPI answers with 500 (docs/fastapi-compat.md §3.5), so the wrapped
// HTTP error must not be used.
func isWrapped(err error) bool {
	var se *resolve.SwallowedError
	return errors.As(err, &se)
}

// ownErrors reports whether the App's ErrorFormat is one of Keel's, which
// never read the request's path values. A format of the application's
// receives the request (and may log r.PathValue): then every route sets them
// on it (dispatcher.serve).
func (a *App) ownErrors() bool {
	switch a.cfg.errors.(type) {
	case FastAPIErrors, ProblemDetails, *FastAPIErrors, *ProblemDetails:
		return true
	}
	return false
}

package router

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/bind"
	"github.com/keelgo/keel/internal/resolve"
	"github.com/keelgo/keel/internal/wire"
	"github.com/keelgo/keel/response"
)

// This file serves the routes whose handler's result is not a JSON value
// (package response, iterators, readers): the kind is decided at
// registration, and such a route is served by otherRoute instead of
// route.ServeHTTP, so a JSON route never checks for it.

// resultKind is what a handler's result type makes of the response.
type resultKind uint8

const (
	kindJSON     resultKind = iota
	kindText                // response.Text
	kindHTML                // response.HTML
	kindBytes               // response.Bytes
	kindRedirect            // response.Redirect
	kindFile                // response.File
	kindNDJSON              // iter.Seq[T], iter.Seq2[T, error]: JSON lines
	kindSSE                 // iter.Seq[response.Event], iter.Seq2[response.Event, error]
	kindReader              // io.Reader (an interface type that has Read)
)

// DefaultKeepAlive is how often a Server-Sent Events stream sends a comment
// while its handler has nothing to send, so that proxies and clients keep
// the connection open; router.KeepAlive changes it per route.
const DefaultKeepAlive = 15 * time.Second

var (
	errorType  = reflect.TypeFor[error]()
	readerType = reflect.TypeFor[io.Reader]()
	eventType  = reflect.TypeFor[response.Event]()
)

// resultShape classifies the handler's result type t (nil: the handler
// returns only an error). seq2 is set for an iterator of (T, error).
func resultShape(t reflect.Type) (kind resultKind, seq2 bool) {
	switch {
	case t == nil:
		return kindJSON, false
	case t == reflect.TypeFor[response.Text]():
		return kindText, false
	case t == reflect.TypeFor[response.HTML]():
		return kindHTML, false
	case t == reflect.TypeFor[response.Bytes]():
		return kindBytes, false
	case t == reflect.TypeFor[response.Redirect]():
		return kindRedirect, false
	case t == reflect.TypeFor[response.File]():
		return kindFile, false
	case t.Kind() == reflect.Interface && t.Implements(readerType):
		return kindReader, false
	}
	if item, two, ok := seqItem(t); ok {
		if item == eventType {
			return kindSSE, two
		}
		return kindNDJSON, two
	}
	return kindJSON, false
}

// seqItem reports whether t is an iterator, iter.Seq[T] or iter.Seq2[T,
// error] (named or not), and its T.
func seqItem(t reflect.Type) (item reflect.Type, seq2, ok bool) {
	if t == nil || t.Kind() != reflect.Func || t.NumIn() != 1 || t.NumOut() != 0 || t.IsVariadic() {
		return nil, false, false
	}
	y := t.In(0)
	if y.Kind() != reflect.Func || y.NumOut() != 1 || y.Out(0).Kind() != reflect.Bool || y.IsVariadic() {
		return nil, false, false
	}
	switch y.NumIn() {
	case 1:
		return y.In(0), false, true
	case 2:
		if y.In(1) == errorType {
			return y.In(0), true, true
		}
	}
	return nil, false, false
}

// checkResult refuses, at registration, what the result kind cannot serve.
func checkResult(rt *route) error {
	switch rt.kind {
	case kindRedirect:
		if s := rt.cfg.status; s != 0 && (s < 300 || s > 399) {
			return fmt.Errorf("the handler returns a response.Redirect, but the route's status is %d; use a 3xx status (router.Status(303)) or none (307)", s)
		}
	case kindJSON:
		if rt.cfg.contentType != "" {
			return fmt.Errorf("router.ContentType(%q) is for routes that answer bytes, files or streams, but the handler returns a JSON value (%v)", rt.cfg.contentType, rt.doc.plan.Output())
		}
	}
	if rt.cfg.keepAlive != 0 && rt.kind != kindSSE {
		return errors.New("router.KeepAlive is for Server-Sent Events routes (a handler returning iter.Seq[response.Event])")
	}
	if t := rt.doc.plan.Output(); t != nil && t.Kind() == reflect.Func && t.NumIn() == 1 && t.In(0).Kind() == reflect.Func && t.In(0).NumIn() == 2 && t.In(0).In(1) != errorType {
		return fmt.Errorf("the handler returns %v, an iterator of pairs; a stream of pairs must be an iter.Seq2[T, error], whose error ends the stream", t)
	}
	return nil
}

// otherRoute serves a route whose result is not a JSON value.
type otherRoute struct{ rt *route }

// stream is the state of one response being written: whether its first byte
// (the status line) has gone out, after which an error can only cut it.
type stream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	status  int
	started bool
}

func (s *stream) start(contentType string) {
	if !s.started {
		h := s.w.Header()
		if h.Get("Content-Type") == "" && contentType != "" {
			h.Set("Content-Type", contentType)
		}
		s.w.WriteHeader(s.status)
		s.started = true
	}
}

// write writes b and flushes it; false when the client is gone.
func (s *stream) write(b []byte) bool {
	if _, err := s.w.Write(b); err != nil {
		return false
	}
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return false
	}
	return true
}

// errClientGone is what request-scope cleanups receive when the client went
// away in the middle of a stream. It is not logged.
var errClientGone = fmt.Errorf("keel: the client went away during the stream: %w", context.Canceled)

func (or *otherRoute) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	or.rt.serveOther(w, r, or.rt.plan.Load(), nil)
}

// serveOther is serveWith for a result that is not JSON.
func (rt *route) serveOther(w http.ResponseWriter, r *http.Request, c *compiled, vals []string) {
	a := rt.app
	plan := c.plan
	body, ok := rt.readBody(w, r, c)
	if !ok {
		return
	}
	st := plan.Acquire(r)
	rt.setPath(st, vals)
	if body != nil {
		st.Preset(a.body, reflect.ValueOf(body))
	}
	s := &stream{w: w, rc: http.NewResponseController(w), status: rt.status}
	var file *openedFile
	done := false
	defer func() {
		if done {
			plan.Release(st)
			return
		}
		p := recover()
		if file != nil {
			file.close()
		}
		var err error = &resolve.PanicError{Value: p, Stack: debug.Stack()}
		err = st.CloseAll(err)
		plan.Release(st)
		if p == http.ErrAbortHandler {
			panic(p)
		}
		if s.started {
			a.logStreamError(r, err)
			panic(http.ErrAbortHandler)
		}
		a.writeError(w, r, err)
	}()

	v, err := st.Run()
	if err == nil && rt.kind == kindFile {
		file, err = openFile(v.Interface().(response.File), rt.cfg.contentType)
	}
	err = st.Close(resolve.ScopeFunction, err)
	if err != nil {
		if file != nil {
			file.close()
		}
		err = st.Close(resolve.ScopeRequest, err)
		a.writeError(w, r, err)
		done = true
		return
	}
	resp := st.Response()
	if hs := resp.Headers(); hs != nil {
		copyHeaders(w.Header(), hs)
	}
	if code := resp.Status(); code != 0 {
		s.status = code
	}
	err = rt.send(s, r, v, file)
	if file != nil {
		file.close()
	}
	switch {
	case err != nil && !s.started:
		err = st.Close(resolve.ScopeRequest, err)
		a.writeError(w, r, err)
		done = true
		return
	case err != nil:
		if !errors.Is(err, errClientGone) {
			a.logStreamError(r, err)
		}
		if cerr := st.Close(resolve.ScopeRequest, err); cerr != nil && !errors.Is(cerr, errClientGone) && cerr != err {
			a.cfg.logger.ErrorContext(r.Context(), "keel: request-scope cleanup failed after the response", "method", r.Method, "path", r.URL.Path, "error", cerr.Error())
		}
		done = true
		if !errors.Is(err, errClientGone) {
			// Cut the response: the client must not take a partial stream
			// for a complete one (HTTP/1.1: no final chunk; HTTP/2: RST_STREAM).
			panic(http.ErrAbortHandler)
		}
		return
	}
	if plan.UsesBackground() {
		if tasks := st.Background().Tasks(); len(tasks) > 0 {
			s.rc.Flush()
			a.runTasks(r, tasks)
		}
	}
	if cerr := st.Close(resolve.ScopeRequest, nil); cerr != nil {
		a.cfg.logger.ErrorContext(r.Context(), "keel: request-scope cleanup failed after the response", "method", r.Method, "path", r.URL.Path, "error", cerr.Error())
	}
	done = true
}

func (a *App) logStreamError(r *http.Request, err error) {
	attrs := []any{"method", r.Method, "path", r.URL.Path, "error", err.Error()}
	var pe *resolve.PanicError
	if errors.As(err, &pe) {
		attrs = append(attrs, "stack", string(pe.Stack))
	}
	a.cfg.logger.ErrorContext(r.Context(), "keel: response cut: the handler failed after its first byte was sent", attrs...)
}

// send writes the response of kind rt.kind for the handler's value v.
func (rt *route) send(s *stream, r *http.Request, v reflect.Value, file *openedFile) error {
	switch rt.kind {
	case kindText:
		return sendBytes(s, "text/plain; charset=utf-8", []byte(v.String()))
	case kindHTML:
		return sendBytes(s, "text/html; charset=utf-8", []byte(v.String()))
	case kindBytes:
		b := v.Interface().(response.Bytes)
		ct := b.ContentType
		if ct == "" {
			ct = rt.defaultContentType()
		}
		s.w.Header().Del("Content-Type")
		return sendBytes(s, withCharset(ct), b.Body)
	case kindRedirect:
		return rt.sendRedirect(s, v.Interface().(response.Redirect))
	case kindFile:
		file.serve(s, r)
		return nil
	case kindNDJSON:
		return rt.sendNDJSON(s, r, v)
	case kindSSE:
		return rt.sendSSE(s, r, v)
	case kindReader:
		return rt.sendReader(s, r, v)
	}
	return fmt.Errorf("keel: no writer for result kind %d", rt.kind)
}

func (rt *route) defaultContentType() string {
	if rt.cfg.contentType != "" {
		return rt.cfg.contentType
	}
	return "application/octet-stream"
}

// withCharset adds "; charset=utf-8" to a text/* media type without a
// charset, as Starlette does.
func withCharset(ct string) string {
	if strings.HasPrefix(ct, "text/") && !strings.Contains(strings.ToLower(ct), "charset=") {
		return ct + "; charset=utf-8"
	}
	return ct
}

func sendBytes(s *stream, contentType string, b []byte) error {
	h := s.w.Header()
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", contentType)
	}
	if keel.BodyAllowed(s.status) {
		h.Set("Content-Length", strconv.Itoa(len(b)))
		s.start("")
		s.w.Write(b)
	} else {
		s.start("")
	}
	return nil
}

func (rt *route) sendRedirect(s *stream, red response.Redirect) error {
	status := red.Status
	if status == 0 {
		if rt.cfg.status != 0 && s.status == rt.status {
			status = rt.cfg.status
		} else if s.status != rt.status {
			status = s.status // set by a *di.Response
		} else {
			status = http.StatusTemporaryRedirect
		}
	}
	if status < 300 || status > 399 {
		return fmt.Errorf("keel: response.Redirect with status %d; a redirect's status is 3xx", status)
	}
	h := s.w.Header()
	h.Set("Location", wire.RedirectLocation(red.URL))
	h.Set("Content-Length", "0")
	s.status = status
	s.start("")
	return nil
}

// sendNDJSON streams an iterator's values as JSON lines.
func (rt *route) sendNDJSON(s *stream, r *http.Request, v reflect.Value) error {
	ctx := r.Context()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	var failure error
	stopped := false
	handle := func(item reflect.Value, ierr error) bool {
		if stopped {
			return false
		}
		if ierr == nil && ctx.Err() != nil {
			ierr = errClientGone
		}
		if ierr == nil {
			buf.Reset()
			ierr = enc.Encode(item.Interface())
		}
		if ierr != nil {
			failure, stopped = ierr, true
			return false
		}
		s.start("application/x-ndjson")
		if !s.write(buf.Bytes()) {
			failure, stopped = errClientGone, true
			return false
		}
		return true
	}
	yieldType := v.Type().In(0)
	seq2 := yieldType.NumIn() == 2
	yield := reflect.MakeFunc(yieldType, func(args []reflect.Value) []reflect.Value {
		var ierr error
		if seq2 && !args[1].IsNil() {
			ierr = args[1].Interface().(error)
		}
		return []reflect.Value{reflect.ValueOf(handle(args[0], ierr))}
	})
	v.Call([]reflect.Value{yield})
	if failure == nil && ctx.Err() != nil {
		failure = errClientGone // the iterator stopped on its context
	}
	if failure != nil {
		return failure
	}
	s.start("application/x-ndjson")
	return nil
}

// sendReader copies a reader to the client, flushing each read.
func (rt *route) sendReader(s *stream, r *http.Request, v reflect.Value) error {
	if v.IsNil() {
		return errors.New("keel: the handler returned a nil io.Reader")
	}
	rd := v.Interface().(io.Reader)
	if c, ok := rd.(io.Closer); ok {
		defer c.Close()
	}
	ctx := r.Context()
	buf := make([]byte, 32<<10)
	for {
		n, err := rd.Read(buf)
		if n > 0 {
			if ctx.Err() != nil {
				return errClientGone
			}
			s.start(rt.defaultContentType())
			if !s.write(buf[:n]) {
				return errClientGone
			}
		}
		if err == io.EOF {
			s.start(rt.defaultContentType())
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// sendSSE streams Server-Sent Events. The iterator runs on its own
// goroutine, so that keep-alive comments go out while it waits; the events
// are written here, one at a time, and the function returns only once the
// iterator has returned.
func (rt *route) sendSSE(s *stream, r *http.Request, v reflect.Value) error {
	type item struct {
		ev  response.Event
		err error
	}
	items := make(chan item)
	ack := make(chan bool)
	var seq iter.Seq2[response.Event, error]
	if v.Type().In(0).NumIn() == 2 {
		seq = v.Convert(reflect.TypeFor[iter.Seq2[response.Event, error]]()).Interface().(iter.Seq2[response.Event, error])
	} else {
		one := v.Convert(reflect.TypeFor[iter.Seq[response.Event]]()).Interface().(iter.Seq[response.Event])
		seq = func(yield func(response.Event, error) bool) {
			one(func(ev response.Event) bool { return yield(ev, nil) })
		}
	}
	go func() {
		defer close(items)
		defer func() {
			if p := recover(); p != nil {
				items <- item{err: &resolve.PanicError{Value: p, Stack: debug.Stack()}}
				<-ack
			}
		}()
		seq(func(ev response.Event, err error) bool {
			items <- item{ev, err}
			return <-ack
		})
	}()
	// drain tells the iterator to stop and waits until it has returned.
	drain := func() {
		for range items {
			ack <- false
		}
	}
	keepAlive := rt.cfg.keepAlive
	if keepAlive == 0 {
		keepAlive = DefaultKeepAlive
	}
	var tick <-chan time.Time
	if keepAlive > 0 {
		t := time.NewTicker(keepAlive)
		defer t.Stop()
		tick = t.C
	}
	s.w.Header().Set("Cache-Control", "no-cache")
	s.w.Header().Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	ctx := r.Context()
	var buf bytes.Buffer
	for {
		select {
		case it, open := <-items:
			if !open {
				s.start("text/event-stream")
				return nil
			}
			err := it.err
			if err == nil {
				buf.Reset()
				err = appendEvent(&buf, it.ev)
			}
			if err == nil && ctx.Err() != nil {
				err = errClientGone
			}
			if err == nil {
				s.start("text/event-stream")
				if !s.write(buf.Bytes()) {
					err = errClientGone
				}
			}
			if err != nil {
				ack <- false
				drain()
				return err
			}
			ack <- true
		case <-tick:
			s.start("text/event-stream")
			if !s.write([]byte(": keep-alive\n\n")) {
				drain()
				return errClientGone
			}
		case <-ctx.Done():
			drain()
			return errClientGone
		}
	}
}

// appendEvent writes ev in the text/event-stream format (HTML Living
// Standard, "Server-sent events"): comment lines, id, event, retry, one data
// line per line of the data, and a blank line.
func appendEvent(b *bytes.Buffer, ev response.Event) error {
	if strings.ContainsAny(ev.ID, "\r\n\x00") {
		return fmt.Errorf("keel: an event's ID must not contain a line break or NUL: %q", ev.ID)
	}
	if strings.ContainsAny(ev.Event, "\r\n") {
		return fmt.Errorf("keel: an event's type must not contain a line break: %q", ev.Event)
	}
	if ev.Comment != "" {
		for _, line := range lines(ev.Comment) {
			b.WriteString(": ")
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	if ev.ID != "" {
		b.WriteString("id: ")
		b.WriteString(ev.ID)
		b.WriteByte('\n')
	}
	if ev.Event != "" {
		b.WriteString("event: ")
		b.WriteString(ev.Event)
		b.WriteByte('\n')
	}
	if ev.Retry > 0 {
		b.WriteString("retry: ")
		b.WriteString(strconv.FormatInt(ev.Retry.Milliseconds(), 10))
		b.WriteByte('\n')
	}
	var data string
	switch d := ev.Data.(type) {
	case nil:
	case string:
		data = d
	case []byte:
		data = string(d)
	default:
		var jb bytes.Buffer
		enc := json.NewEncoder(&jb)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			return err
		}
		data = strings.TrimSuffix(jb.String(), "\n")
	}
	if ev.Data != nil {
		for _, line := range lines(data) {
			b.WriteString("data: ")
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
	return nil
}

// lines splits s at CRLF, CR and LF, the line ends of text/event-stream.
func lines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

// openedFile is a response.File ready to be served.
type openedFile struct {
	content     io.ReadSeeker
	closer      io.Closer
	name        string // for Content-Type by extension
	modTime     time.Time
	etag        string
	disposition string
	contentType string
}

func (f *openedFile) close() {
	if f.closer != nil {
		f.closer.Close()
		f.closer = nil
	}
}

// openFile opens what a response.File names: before the first byte, so that
// a missing file is the normal 404.
func openFile(rf response.File, routeType string) (*openedFile, error) {
	f := &openedFile{content: rf.Content, modTime: rf.ModTime, etag: rf.ETag, name: rf.Name, contentType: rf.ContentType}
	if f.contentType == "" {
		f.contentType = routeType
	}
	switch {
	case rf.Content != nil:
		if c, ok := rf.Content.(io.Closer); ok {
			f.closer = c
		}
	case rf.Path != "":
		fh, err := os.Open(rf.Path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, keel.NewHTTPError(404)
			}
			return nil, err
		}
		info, err := fh.Stat()
		if err != nil {
			fh.Close()
			return nil, err
		}
		if info.IsDir() {
			fh.Close()
			return nil, keel.NewHTTPError(404)
		}
		f.content, f.closer = fh, fh
		if f.modTime.IsZero() {
			f.modTime = info.ModTime()
		}
		if f.etag == "" {
			f.etag = `"` + strconv.FormatInt(info.ModTime().UnixNano(), 36) + "-" + strconv.FormatInt(info.Size(), 36) + `"`
		}
		if f.name == "" {
			f.name = filepath.Base(rf.Path)
		}
	default:
		return nil, errors.New("keel: a response.File needs a Path or a Content")
	}
	if f.name != "" {
		kind := "attachment"
		if rf.Inline {
			kind = "inline"
		}
		f.disposition = wire.ContentDisposition(kind, f.name)
	} else if rf.Inline {
		f.disposition = ""
	}
	return f, nil
}

// serve answers with http.ServeContent: Range, conditional requests, HEAD.
func (f *openedFile) serve(s *stream, r *http.Request) {
	h := s.w.Header()
	if f.contentType != "" {
		h.Set("Content-Type", withCharset(f.contentType))
	}
	if f.disposition != "" {
		h.Set("Content-Disposition", f.disposition)
	}
	if f.etag != "" {
		h.Set("ETag", f.etag)
	}
	s.started = true
	http.ServeContent(s.w, r, f.name, f.modTime, f.content)
}

// readBody reads the request body when the route's binders need it, before
// anything is resolved (docs/fastapi-compat.md §4.5); false when it answered
// an error instead.
func (rt *route) readBody(w http.ResponseWriter, r *http.Request, c *compiled) (*bind.Body, bool) {
	if !c.body {
		return nil, true
	}
	b, err := bind.ReadBody(r, rt.app.cfg.maxBody)
	for i := 0; err == nil && i < len(c.jsons); i++ {
		err = c.jsons[i].CheckBody(b)
	}
	if err != nil {
		rt.app.writeError(w, r, err)
		return nil, false
	}
	return b, true
}

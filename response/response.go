// Package response holds the results a handler returns for an answer that is
// not a JSON value: text, HTML, raw bytes, a redirect, a file, Server-Sent
// Events. The handler's result type decides the kind of response when the
// route is registered, and the OpenAPI document shows its media type
// (docs/responses.md); a JSON route pays nothing for the others.
//
// Besides these types, a handler may return a stream: an iter.Seq[T] or an
// iter.Seq2[T, error] is sent as JSON lines (application/x-ndjson), an
// iter.Seq[Event] or iter.Seq2[Event, error] as Server-Sent Events, and an
// io.Reader as raw bytes, each flushed as it is produced.
package response

import (
	"io"
	"time"
)

// Text is a text/plain answer (FastAPI's PlainTextResponse), sent as
// "text/plain; charset=utf-8".
type Text string

// HTML is a text/html answer (FastAPI's HTMLResponse), sent as
// "text/html; charset=utf-8".
type HTML string

// Bytes is an answer of any media type (FastAPI's Response). ContentType
// defaults to the route's router.ContentType, else
// application/octet-stream; a text/* type without a charset gets
// "; charset=utf-8", as Starlette adds it.
type Bytes struct {
	ContentType string
	Body        []byte
}

// Redirect sends the client to URL (FastAPI's RedirectResponse): Location is
// URL, the body is empty. Status defaults to the route's status when one is
// set (router.Status), else 307 Temporary Redirect; it must be a 3xx status.
type Redirect struct {
	URL    string
	Status int
}

// File is a file download or an inline file (FastAPI's FileResponse), served
// with http.ServeContent's semantics: Range requests (206, and 416 for a
// range past the end), If-Modified-Since and If-None-Match (304),
// If-Range, HEAD. Set Path, or Content.
type File struct {
	// Path is a file on disk, opened when the response is written and
	// closed after it. A file that cannot be opened is a 404 when it does
	// not exist, else a 500.
	Path string
	// Content is the file's content when it is not on disk (it is closed
	// after the response if it is an io.Closer).
	Content io.ReadSeeker
	// Name is the file name the client is given: Content-Disposition
	// "attachment; filename=..." (or "inline" with Inline), written as
	// Starlette writes it: filename="items.csv" for a plain name,
	// filename*=utf-8''... (percent-encoded) otherwise. Only the name's
	// last path element is used. Default: Path's base name; none for
	// Content without a Name.
	Name string
	// Inline sends Content-Disposition "inline" rather than "attachment".
	Inline bool
	// ContentType defaults to the route's router.ContentType, else the type
	// of Name's (or Path's) extension, else what the content's first bytes
	// say (http.DetectContentType). A text/* type without a charset gets
	// "; charset=utf-8".
	ContentType string
	// ModTime is sent as Last-Modified and answers If-Modified-Since. Default:
	// the file's modification time for Path, none for Content.
	ModTime time.Time
	// ETag, when set, is sent as ETag and answers If-None-Match and If-Range.
	// For Path without an ETag, one is made from the file's size and
	// modification time.
	ETag string
}

// Event is one Server-Sent Event. A handler returning iter.Seq[Event] (or
// iter.Seq2[Event, error]) serves text/event-stream.
type Event struct {
	// ID sets the client's last event ID (sent back as the Last-Event-ID
	// header when it reconnects). It must not contain a line break or NUL.
	ID string
	// Event is the event's type (EventSource's addEventListener name); "" is
	// "message". It must not contain a line break.
	Event string
	// Data is the event's data: a string or []byte is sent as it is (one
	// data: line per line), any other value as its JSON encoding.
	Data any
	// Retry tells the client how long to wait before reconnecting; 0 sends
	// none.
	Retry time.Duration
	// Comment is sent as a comment line (": ...") before the event's fields;
	// an event with only a comment is a comment.
	Comment string
}

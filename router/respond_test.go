package router_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/testutil"
	"github.com/keelgo/keel/response"
	"github.com/keelgo/keel/router"
)

// Text, HTML, bytes and redirects: the result type decides the response.
func TestBytesResponses(t *testing.T) {
	app, _ := quietApp()
	app.Get("/text", func() (response.Text, error) { return "hello\n", nil })
	app.Get("/html", func() (response.HTML, error) { return "<h1>Hi</h1>", nil })
	app.Get("/png", func() (response.Bytes, error) { return response.Bytes{Body: []byte{0x89, 'P'}}, nil }, router.ContentType("image/png"))
	app.Get("/csv", func(resp *di.Response) (response.Bytes, error) {
		resp.Header().Set("X-Rows", "1")
		return response.Bytes{ContentType: "text/csv", Body: []byte("a,b\n")}, nil
	})
	app.Get("/octets", func() (response.Bytes, error) { return response.Bytes{Body: []byte("x")}, nil })
	app.Post("/created", func() (response.Text, error) { return "made", nil }, router.Status(201))
	app.Get("/redirect", func() (response.Redirect, error) { return response.Redirect{URL: "/items/a b?q=é"}, nil })
	app.Get("/see-other", func() (response.Redirect, error) { return response.Redirect{URL: "https://example.com/"}, nil }, router.Status(303))
	app.Get("/moved", func() (response.Redirect, error) {
		return response.Redirect{URL: "/new", Status: 301}, nil
	})
	app.Get("/bad-redirect", func() (response.Redirect, error) { return response.Redirect{URL: "/x", Status: 200}, nil })
	app.Get("/text-fails", func() (response.Text, error) { return "", keel.NewHTTPError(403, "no") })

	for _, c := range []struct {
		path, method     string
		status           int
		ct, body, header string
	}{
		{"/text", "GET", 200, "text/plain; charset=utf-8", "hello\n", ""},
		{"/html", "GET", 200, "text/html; charset=utf-8", "<h1>Hi</h1>", ""},
		{"/png", "GET", 200, "image/png", "\x89P", ""},
		{"/csv", "GET", 200, "text/csv; charset=utf-8", "a,b\n", "X-Rows: 1"},
		{"/octets", "GET", 200, "application/octet-stream", "x", ""},
		{"/created", "POST", 201, "text/plain; charset=utf-8", "made", ""},
		{"/redirect", "GET", 307, "", "", "Location: /items/a%20b?q=%C3%A9"},
		{"/see-other", "GET", 303, "", "", "Location: https://example.com/"},
		{"/moved", "GET", 301, "", "", "Location: /new"},
		{"/bad-redirect", "GET", 500, "text/plain; charset=utf-8", "Internal Server Error", ""},
		{"/text-fails", "GET", 403, "application/json", `{"detail":"no"}`, ""},
	} {
		res := testutil.Do(app, testutil.Request{Method: c.method, URL: c.path})
		if res.Status != c.status || res.Header.Get("Content-Type") != c.ct || res.Body != c.body {
			t.Errorf("%s: got %d %q %q, want %d %q %q", c.path, res.Status, res.Header.Get("Content-Type"), res.Body, c.status, c.ct, c.body)
		}
		if c.header != "" {
			k, v, _ := strings.Cut(c.header, ": ")
			if got := res.Header.Get(k); got != v {
				t.Errorf("%s: %s is %q, want %q", c.path, k, got, v)
			}
		}
		if c.status < 300 && res.Header.Get("Content-Length") == "" {
			t.Errorf("%s: no Content-Length", c.path)
		}
	}
}

// Files: http.ServeContent's semantics (Range, conditional requests) and
// Starlette's Content-Disposition.
func TestFileResponses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.txt")
	if err := os.WriteFile(path, []byte("0123456789abcdefghij"), 0o644); err != nil {
		t.Fatal(err)
	}
	mod := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	app, _ := quietApp()
	app.Get("/items.csv", func() (response.File, error) {
		return response.File{Content: strings.NewReader("item_id,owner\nFoo,johndoe\n"), Name: "items.csv", ModTime: mod, ETag: `"v1"`}, nil
	}, router.ContentType("text/csv"))
	app.Get("/disk", func() (response.File, error) { return response.File{Path: path}, nil })
	app.Get("/missing", func() (response.File, error) { return response.File{Path: filepath.Join(dir, "nope")}, nil })
	app.Get("/dir", func() (response.File, error) { return response.File{Path: dir}, nil })
	app.Get("/named", func(p struct {
		Name string `query:"name"`
	}) (response.File, error) {
		return response.File{Content: strings.NewReader("x"), Name: p.Name, ContentType: "application/octet-stream"}, nil
	})
	app.Get("/inline", func() (response.File, error) {
		return response.File{Content: strings.NewReader("x"), Name: "a.txt", Inline: true, ContentType: "text/plain"}, nil
	})

	res := testutil.Get(app, "/items.csv")
	if res.Status != 200 || res.Body != "item_id,owner\nFoo,johndoe\n" || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		res.Header.Get("Content-Disposition") != `attachment; filename="items.csv"` || res.Header.Get("Accept-Ranges") != "bytes" ||
		res.Header.Get("Last-Modified") != "Fri, 02 Jan 2026 03:04:05 GMT" || res.Header.Get("ETag") != `"v1"` {
		t.Errorf("file: %d %q %v", res.Status, res.Body, res.Header)
	}
	res = testutil.Get(app, "/items.csv", "Range", "bytes=0-9")
	if res.Status != 206 || res.Body != "item_id,ow" || res.Header.Get("Content-Range") != "bytes 0-9/26" {
		t.Errorf("range: %d %q %v", res.Status, res.Body, res.Header)
	}
	if res = testutil.Get(app, "/items.csv", "If-None-Match", `"v1"`); res.Status != 304 || res.Body != "" {
		t.Errorf("If-None-Match: %d %q", res.Status, res.Body)
	}
	if res = testutil.Get(app, "/items.csv", "If-Modified-Since", "Fri, 02 Jan 2026 03:04:05 GMT"); res.Status != 304 {
		t.Errorf("If-Modified-Since: %d", res.Status)
	}
	if res = testutil.Get(app, "/items.csv", "Range", "bytes=100-"); res.Status != 416 {
		t.Errorf("range past the end: %d", res.Status)
	}
	res = testutil.Get(app, "/disk")
	if res.Status != 200 || res.Body != "0123456789abcdefghij" || res.Header.Get("Content-Disposition") != `attachment; filename="report.txt"` || res.Header.Get("ETag") == "" {
		t.Errorf("disk: %d %q %v", res.Status, res.Body, res.Header)
	}
	if res = testutil.Get(app, "/disk", "If-None-Match", res.Header.Get("ETag")); res.Status != 304 {
		t.Errorf("disk If-None-Match: %d", res.Status)
	}
	for _, p := range []string{"/missing", "/dir"} {
		if res = testutil.Get(app, p); res.Status != 404 || res.Body != `{"detail":"Not Found"}` {
			t.Errorf("%s: %d %q", p, res.Status, res.Body)
		}
	}
	for name, want := range map[string]string{
		"plain.bin":            `attachment; filename="plain.bin"`,
		"../../etc/passwd":     `attachment; filename="passwd"`,
		`C:\x\evil.exe`:        `attachment; filename="evil.exe"`,
		"résumé.pdf":           `attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf`,
		"a b\".txt":            `attachment; filename*=utf-8''a%20b%22.txt`,
		"x\r\nSet-Cookie: a=b": `attachment; filename*=utf-8''x%0D%0ASet-Cookie%3A%20a%3Db`,
		"..":                   `attachment`,
	} {
		res := testutil.Get(app, "/named?name="+urlQuery(name))
		if got := res.Header.Get("Content-Disposition"); got != want {
			t.Errorf("name %q: Content-Disposition %q, want %q", name, got, want)
		}
	}
	if got := testutil.Get(app, "/inline").Header.Get("Content-Disposition"); got != `inline; filename="a.txt"` {
		t.Errorf("inline: %q", got)
	}
}

func urlQuery(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteString("%")
		b.WriteString(strings.ToUpper(string("0123456789abcdef"[s[i]>>4]) + string("0123456789abcdef"[s[i]&15])))
	}
	return b.String()
}

type streamItem struct {
	N int `json:"n"`
}

// streamApp has the stream routes of the tests below; log records the
// cleanups and what the iterators saw.
func streamApp(t *testing.T, log *lockedLog) (*router.App, *syncWriter) {
	var logs syncWriter
	app := router.New(router.Info{}, router.WithLogger(newTextLogger(&logs)))
	type res struct{}
	resource := di.Provide(func() (res, di.Cleanup, error) {
		log.add("open")
		return res{}, func(err error) error {
			if err != nil {
				log.add("request cleanup: " + err.Error())
			} else {
				log.add("request cleanup")
			}
			return err
		}, nil
	})
	type fnRes struct{}
	fnScoped := di.Depends(di.Provide(func() (fnRes, di.Cleanup, error) {
		return fnRes{}, func(err error) error { log.add("function cleanup"); return err }, nil
	})).InScope(di.ScopeFunction)
	app.Get("/numbers", func(ctx context.Context, _ res, _ fnRes) (iter.Seq[streamItem], error) {
		return func(yield func(streamItem) bool) {
			for i := 1; i <= 3; i++ {
				log.add("yield")
				if !yield(streamItem{i}) {
					return
				}
			}
		}, nil
	}, resource, fnScoped)
	app.Get("/forever", func(ctx context.Context, _ res) (iter.Seq[streamItem], error) {
		return func(yield func(streamItem) bool) {
			for i := 0; ; i++ {
				select {
				case <-ctx.Done():
					log.add("iterator saw: " + ctx.Err().Error())
					return
				case <-time.After(time.Millisecond):
				}
				if !yield(streamItem{i}) {
					log.add("yield said stop")
					return
				}
			}
		}, nil
	}, resource)
	app.Get("/fails-first", func(_ res) (iter.Seq2[streamItem, error], error) {
		return func(yield func(streamItem, error) bool) {
			yield(streamItem{}, keel.NewHTTPError(403, "Not yours"))
		}, nil
	}, resource)
	app.Get("/fails-later", func(_ res) (iter.Seq2[streamItem, error], error) {
		return func(yield func(streamItem, error) bool) {
			if yield(streamItem{1}, nil) {
				yield(streamItem{}, errors.New("database gone"))
			}
		}, nil
	}, resource)
	app.Get("/panics-later", func() (iter.Seq[streamItem], error) {
		return func(yield func(streamItem) bool) {
			yield(streamItem{1})
			panic("iterator broke")
		}, nil
	})
	app.Get("/reader", func() (io.Reader, error) {
		return io.NopCloser(strings.NewReader("raw bytes")), nil
	}, router.ContentType("text/plain"))
	app.Get("/reader-default", func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("x")), nil
	})
	return app, &logs
}

// An iterator streams JSON lines, flushed one by one; function-scope cleanups
// run before it, request-scope cleanups after it.
func TestNDJSONStream(t *testing.T) {
	var log lockedLog
	app, _ := streamApp(t, &log)
	srv := httptest.NewServer(app)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/numbers")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/x-ndjson" || string(body) != "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n" {
		t.Fatalf("got %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	waitFor(t, &log, "request cleanup")
	if got := log.get(); !slices.Equal(got, []string{"open", "function cleanup", "yield", "yield", "yield", "request cleanup"}) {
		t.Errorf("order %q", got)
	}
}

// The client leaves mid-stream: the iterator sees its context canceled or
// its yield refused, and the request-scope cleanups run.
func TestStreamClientGone(t *testing.T) {
	var log lockedLog
	app, logs := streamApp(t, &log)
	srv := httptest.NewServer(app)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/forever", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil || line != "{\"n\":0}\n" {
		t.Fatalf("first line %q %v", line, err)
	}
	cancel()
	res.Body.Close()
	waitFor(t, &log, "request cleanup: keel: the client went away during the stream: context canceled")
	got := log.get()
	if !slices.ContainsFunc(got, func(s string) bool { return s == "iterator saw: context canceled" || s == "yield said stop" }) {
		t.Errorf("the iterator did not stop: %q", got)
	}
	if !slices.Contains(got, "request cleanup: keel: the client went away during the stream: context canceled") {
		t.Errorf("cleanup: %q", got)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a client leaving is no error: %s", logs)
	}
}

// An error before the first byte is the normal error answer; after it, the
// stream is cut (the client sees it incomplete) and the error logged.
func TestStreamErrors(t *testing.T) {
	var log lockedLog
	app, logs := streamApp(t, &log)
	srv := httptest.NewServer(app)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/fails-first")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 403 || string(body) != `{"detail":"Not yours"}` {
		t.Errorf("fails first: %d %s", res.StatusCode, body)
	}
	waitFor(t, &log, "request cleanup: 403 Not yours")

	for _, p := range []string{"/fails-later", "/panics-later"} {
		res, err = http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body, err = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(body) != "{\"n\":1}\n" || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: %d %q %v; want the first line, then a cut", p, res.StatusCode, body, err)
		}
	}
	waitFor(t, &log, "request cleanup: database gone")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "iterator broke") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for _, want := range []string{`msg="keel: response cut: the handler failed after its first byte was sent" method=GET path=/fails-later error="database gone"`,
		`path=/panics-later error="panic: iterator broke" stack=`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

func TestReaderStream(t *testing.T) {
	var log lockedLog
	app, _ := streamApp(t, &log)
	res := testutil.Get(app, "/reader")
	if res.Status != 200 || res.Body != "raw bytes" || res.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("reader: %d %q %v", res.Status, res.Body, res.Header)
	}
	if res = testutil.Get(app, "/reader-default"); res.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("reader: %v", res.Header)
	}
}

// Server-Sent Events: the fields, data lines, JSON data, keep-alive comments,
// Last-Event-ID as a header parameter, and an ID with a line break refused.
func TestServerSentEvents(t *testing.T) {
	app, logs := quietApp()
	type resume struct {
		LastEventID string `header:"last-event-id" default:""`
	}
	app.Get("/events", func(ctx context.Context, p resume) (iter.Seq[response.Event], error) {
		return func(yield func(response.Event) bool) {
			if p.LastEventID != "" {
				yield(response.Event{Comment: "resuming after " + p.LastEventID})
			}
			if !yield(response.Event{ID: "1", Event: "item", Data: map[string]string{"item_id": "Foo"}}) {
				return
			}
			if !yield(response.Event{Data: "two\nlines", Retry: 1500 * time.Millisecond}) {
				return
			}
			select { // quiet long enough for keep-alive comments
			case <-time.After(120 * time.Millisecond):
			case <-ctx.Done():
				return
			}
			yield(response.Event{ID: "3", Data: []byte("<b>&</b>")})
		}, nil
	}, router.KeepAlive(50*time.Millisecond))
	app.Get("/bad-id", func() (iter.Seq2[response.Event, error], error) {
		return func(yield func(response.Event, error) bool) {
			yield(response.Event{ID: "1\ndata: injected"}, nil)
		}, nil
	})
	srv := httptest.NewServer(app)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/events", nil)
	req.Header.Set("Last-Event-ID", "0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Type") != "text/event-stream" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("headers %v", res.Header)
	}
	want := ": resuming after 0\n\n" +
		"id: 1\nevent: item\ndata: {\"item_id\":\"Foo\"}\n\n" +
		"retry: 1500\ndata: two\ndata: lines\n\n" +
		": keep-alive\n\n"
	if !strings.HasPrefix(string(body), want) || !strings.HasSuffix(string(body), ": keep-alive\n\nid: 3\ndata: <b>&</b>\n\n") {
		t.Errorf("body:\n%s", body)
	}
	res2 := testutil.Get(app, "/bad-id")
	if res2.Status != 500 || !strings.Contains(logs.String(), `an event's ID must not contain a line break`) {
		t.Errorf("bad id: %d %q %s", res2.Status, res2.Body, logs)
	}
}

// Each kind is documented with its media type.
func TestResponsesOpenAPI(t *testing.T) {
	app, _ := quietApp()
	app.Get("/text", func() (response.Text, error) { return "", nil })
	app.Get("/html", func() (response.HTML, error) { return "", nil })
	app.Get("/png", func() (response.Bytes, error) { return response.Bytes{}, nil }, router.ContentType("image/png"))
	app.Get("/file", func() (response.File, error) { return response.File{}, nil }, router.ContentType("text/csv"))
	app.Get("/redirect", func() (response.Redirect, error) { return response.Redirect{}, nil })
	app.Get("/ndjson", func() (iter.Seq[streamItem], error) { return nil, nil })
	app.Get("/sse", func() (iter.Seq[response.Event], error) { return nil, nil })
	app.Get("/reader", func() (io.Reader, error) { return nil, nil })
	doc, err := app.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/text":     `{"200":{"description":"Successful Response","content":{"text/plain":{"schema":{"type":"string"}}}}}`,
		"/html":     `{"200":{"description":"Successful Response","content":{"text/html":{"schema":{"type":"string"}}}}}`,
		"/png":      `{"200":{"description":"Successful Response","content":{"image/png":{"schema":{"type":"string","format":"binary"}}}}}`,
		"/file":     `{"200":{"description":"Successful Response","content":{"text/csv":{"schema":{"type":"string"}}}}}`,
		"/redirect": `{"307":{"description":"Successful Response"}}`,
		"/ndjson":   `{"200":{"description":"Successful Response: a stream of JSON values, one per line","content":{"application/x-ndjson":{"schema":{"$ref":"#/components/schemas/streamItem"}}}}}`,
		"/sse":      `{"200":{"description":"Successful Response","content":{"text/event-stream":{"schema":{"type":"string"}}}}}`,
		"/reader":   `{"200":{"description":"Successful Response","content":{"application/octet-stream":{"schema":{"type":"string","format":"binary"}}}}}`,
	} {
		got, _ := json.Marshal(d.Paths[path]["get"].Responses)
		if !jsonEqual(string(got), want) {
			t.Errorf("%s: responses %s\nwant %s", path, got, want)
		}
	}
}

// Registration refuses what a result kind cannot serve.
func TestResponseRegistrationErrors(t *testing.T) {
	for name, reg := range map[string]func(a *router.App){
		"redirect with a 2xx status": func(a *router.App) {
			a.Get("/r", func() (response.Redirect, error) { return response.Redirect{}, nil }, router.Status(200))
		},
		"ContentType on a JSON route": func(a *router.App) {
			a.Get("/j", func() (streamItem, error) { return streamItem{}, nil }, router.ContentType("text/csv"))
		},
		"pairs without error": func(a *router.App) {
			a.Get("/p", func() (iter.Seq2[int, string], error) { return nil, nil })
		},
		"KeepAlive off SSE": func(a *router.App) {
			a.Get("/k", func() (response.Text, error) { return "", nil }, router.KeepAlive(time.Second))
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: registered", name)
				}
			}()
			app, _ := quietApp()
			reg(app)
		}()
	}
}

func waitFor(t *testing.T, log *lockedLog, step string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(log.get(), step) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in %q", step, log.get())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

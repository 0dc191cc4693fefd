package conformance

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keelgo/keel/router"
)

// Where FastAPI 0.141.1 answers 500 or redirects elsewhere, and Keel answers on
// purpose (docs/migrating-from-fastapi.md "What FastAPI gets wrong",
// docs/fastapi-compat.md §3.9, §4.5). The requests go through a real net/http
// server as raw bytes, since some of them are refused by net/http's client.

type fwItem struct {
	Name string `json:"name"`
}

type fwFile struct {
	Name string `path:"name"`
}

type fwToken struct {
	Token string `header:"x-token"`
}

func TestWhereFastAPIFails(t *testing.T) {
	app := router.New(router.Info{Title: "Edges"}, router.WithLogger(discardLogger()))
	app.Post("/items/", func(i fwItem) (fwItem, error) { return i, nil })
	app.Get("/files/{name}/", func(p fwFile) (fwFile, error) { return p, nil })
	app.Get("/token", func(h fwToken) (string, error) { return h.Token, nil })
	srv := httptest.NewServer(app)
	defer srv.Close()

	post := func(ctype, body string) string {
		return "POST /items/ HTTP/1.1\r\nHost: t\r\nContent-Type: " + ctype + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
	for _, tt := range []struct {
		name, req string
		status    int
		header    [2]string // a header that must be sent, when set
		body      string
	}{
		// FastAPI: 500 (Python keeps the surrogate). Keel: U+FFFD.
		{"lone surrogates", post("application/json", `{"name":"\ud800 and \udc00"}`), 200, [2]string{}, `{"name":"` + "\uFFFD and \uFFFD" + `"}`},
		// Both: 400.
		{"JSON not UTF-8", post("application/json", "{\"name\":\"caf\xe9\"}"), 400, [2]string{}, `{"detail":"There was an error parsing the body"}`},
		// FastAPI: 500 (the 422's input is bytes it cannot encode). Keel: the 422.
		{"text not UTF-8", post("text/plain", "caf\xe9"), 422, [2]string{},
			`{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"caf\ufffd"}]}`}, // encoding/json escapes the byte that is not UTF-8
		// FastAPI's Location unescapes them: /files/a?b/, /files/100%/, /files/a#b/.
		{"%3F redirected", "GET /files/a%3Fb HTTP/1.1\r\nHost: t\r\n\r\n", 307, [2]string{"Location", "http://t/files/a%3Fb/"}, ""},
		{"%25 redirected", "GET /files/100%25 HTTP/1.1\r\nHost: t\r\n\r\n", 307, [2]string{"Location", "http://t/files/100%25/"}, ""},
		{"%23 redirected", "GET /files/a%23b HTTP/1.1\r\nHost: t\r\n\r\n", 307, [2]string{"Location", "http://t/files/a%23b/"}, ""},
		// FastAPI reads "a\x7fb"; net/http refuses it (RFC 9110 field values).
		{"DEL in a header", "GET /token HTTP/1.1\r\nHost: t\r\nX-Token: a\x7fb\r\n\r\n", 400, [2]string{"Connection", "close"}, "400 Bad Request"},
		{"a plain header", "GET /token HTTP/1.1\r\nHost: t\r\nX-Token: ab\r\n\r\n", 200, [2]string{}, `"ab"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := rawRoundTrip(t, srv.Listener.Addr().String(), tt.req)
			if resp.StatusCode != tt.status || body != tt.body {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.status, tt.body)
			}
			if h := tt.header; h[0] != "" && resp.Header.Get(h[0]) != h[1] && !(h[0] == "Connection" && resp.Close) {
				t.Errorf("%s: got %q, want %q", h[0], resp.Header.Get(h[0]), h[1])
			}
		})
	}
}

func rawRoundTrip(t *testing.T, addr, req string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(req, " ")
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

package keeltest_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keelgo/keel/keeltest"
)

// seen is what a handler saw of a request.
type seen struct {
	Method        string
	Host          string
	RequestURI    string
	Path          string
	RawPath       string
	RawQuery      string
	Header        http.Header
	ContentLength int64
	Body          string
	TLS           bool
	RemoteIP      string
	Form          url.Values `json:",omitempty"`
	Files         []string   `json:",omitempty"`
}

// echo answers with what it saw of the request, as JSON.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	s := seen{Method: r.Method, Host: r.Host, RequestURI: r.RequestURI, Path: r.URL.Path, RawPath: r.URL.RawPath,
		RawQuery: r.URL.RawQuery, Header: r.Header, ContentLength: r.ContentLength, TLS: r.TLS != nil}
	s.RemoteIP, _, _ = net.SplitHostPort(r.RemoteAddr)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		s.Form = r.MultipartForm.Value
		for field, fhs := range r.MultipartForm.File {
			for _, fh := range fhs {
				f, _ := fh.Open()
				b, _ := io.ReadAll(f)
				s.Files = append(s.Files, field+":"+fh.Filename+":"+fh.Header.Get("Content-Type")+":"+string(b))
			}
		}
		slices.Sort(s.Files) // MultipartForm.File is a map: its order varies
	} else {
		b, _ := io.ReadAll(r.Body)
		s.Body = string(b)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s)
})

func decodeSeen(t testing.TB, r *keeltest.Response) seen {
	t.Helper()
	var s seen
	r.Decode(&s)
	return s
}

// The handler sees the same request in-process as behind a real server.
func TestRequestAsServerReadsIt(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		opts   []keeltest.RequestOption
	}{
		{"get", "GET", "/items/", nil},
		{"escaped path and query", "GET", "/a%2Fb/c%20d?x=1&y=%C3%A9", nil},
		{"headers", "GET", "/", []keeltest.RequestOption{keeltest.Header("X-Token", "  padded\t"), keeltest.Header("x-multi", "1"), keeltest.Header("X-Multi", "2")}},
		{"user agent replaced", "GET", "/", []keeltest.RequestOption{keeltest.Header("User-Agent", "mine")}},
		{"no user agent", "GET", "/", []keeltest.RequestOption{keeltest.Header("User-Agent", "")}},
		{"post without body", "POST", "/", nil},
		{"put without body", "PUT", "/", nil},
		{"delete without body", "DELETE", "/", nil},
		{"options", "OPTIONS", "/", nil},
		{"json", "POST", "/items/", []keeltest.RequestOption{keeltest.JSON(map[string]any{"name": "a<b>&c", "price": 1.5})}},
		{"form", "POST", "/token", []keeltest.RequestOption{keeltest.Form(url.Values{"username": {"johndoe"}, "scope": {"me items"}})}},
		{"multipart", "POST", "/files/", []keeltest.RequestOption{keeltest.Multipart(url.Values{"b": {"2", "3"}, "a": {"1"}},
			keeltest.File{Field: "file", Filename: `a "quoted".txt`, ContentType: "text/plain", Content: []byte("hello")},
			keeltest.File{Field: "raw", Filename: "x.bin", Content: []byte{0, 1, 2}})}},
		{"raw body", "PATCH", "/items/1", []keeltest.RequestOption{keeltest.Body("text/plain", "just text")}},
		{"empty raw body", "POST", "/", []keeltest.RequestOption{keeltest.Body("", "")}},
		{"delete with body", "DELETE", "/", []keeltest.RequestOption{keeltest.Body("application/json", `{}`)}},
		{"cookie", "GET", "/", []keeltest.RequestOption{keeltest.Cookie("session", "abc"), keeltest.Cookie("b", "2")}},
		{"basic", "GET", "/", []keeltest.RequestOption{keeltest.BasicAuth("user", "pa:ss")}},
		{"bearer", "GET", "/", []keeltest.RequestOption{keeltest.Bearer("tok")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := keeltest.New(t, echo)
			srv := keeltest.NewServer(t, echo)
			got := decodeSeen(t, in.Do(tt.method, tt.path, tt.opts...).ExpectStatus(200))
			want := decodeSeen(t, srv.Do(tt.method, tt.path, tt.opts...).ExpectStatus(200))
			if want.Host != srv.URL().Host {
				t.Fatalf("server saw Host %q", want.Host)
			}
			want.Host = "testserver"
			if ct := got.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") {
				got.Header.Set("Content-Type", "multipart")
				want.Header.Set("Content-Type", "multipart")
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("in-process, the handler saw\n%s\nbehind a server\n%s", g, w)
			}
		})
	}
}

// The client gets the same response in-process as from a real server.
func TestResponseAsServerSendsIt(t *testing.T) {
	body := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name    string
		method  string
		handler http.HandlerFunc
	}{
		{"json", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"a":1}`))
		}},
		{"sniffed html", "GET", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html><body>hi")) }},
		{"sniffed after WriteHeader", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(201)
			w.Write([]byte("<html><body>hi"))
		}},
		{"sniffed over several writes", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<"))
			w.Write([]byte("html>"))
		}},
		{"content type nil", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			w.Write([]byte("<html>"))
		}},
		{"nothing written", "GET", func(w http.ResponseWriter, r *http.Request) {}},
		{"status only", "GET", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(418) }},
		{"2048 bytes", "GET", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body(2048))) }},
		{"2049 bytes", "GET", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body(2049))) }},
		{"2049 bytes in two writes", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(body(1000)))
			w.Write([]byte(body(1049)))
		}},
		{"flush first", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			w.Write([]byte("<html>"))
		}},
		{"flush after a write", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<"))
			w.(http.Flusher).Flush()
			w.Write([]byte("html>"))
		}},
		{"ResponseController flush", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("a"))
			http.NewResponseController(w).Flush()
		}},
		{"declared length", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5000")
			w.Write([]byte(body(5000)))
		}},
		{"write beyond declared length", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "3")
			w.Write([]byte("abc"))
			if _, err := w.Write([]byte("d")); err != http.ErrContentLength {
				panic(err)
			}
		}},
		{"invalid declared length", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "x")
			w.Write([]byte("abc"))
		}},
		{"204 with a body", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(204)
			w.Write([]byte("dropped"))
		}},
		{"304", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `"1"`)
			w.WriteHeader(304)
		}},
		{"header after WriteHeader", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Before", "1")
			w.WriteHeader(200)
			w.Header().Set("X-After", "1")
			w.Write([]byte("ok"))
		}},
		{"informational first", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(103)
			w.Header().Set("X-Final", "1")
			w.WriteHeader(202)
		}},
		{"unknown status", "GET", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) }},
		{"second WriteHeader ignored", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(201)
			w.WriteHeader(500)
		}},
		{"trailers", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Sum, X-Other")
			w.Write([]byte("abc"))
			w.Header().Set("X-Sum", "42")
			w.Header().Set(http.TrailerPrefix+"X-Late", "yes")
		}},
		{"head of a body", "HEAD", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>abc")) }},
		{"head of a long body", "HEAD", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body(3000))) }},
		{"head of nothing", "HEAD", func(w http.ResponseWriter, r *http.Request) {}},
		{"head declared", "HEAD", func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Content-Length", "10") }},
		{"redirect", "GET", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/path" {
				http.Redirect(w, r, "/elsewhere", http.StatusFound)
			}
		}},
		{"context ends with the handler", "GET", func(w http.ResponseWriter, r *http.Request) {
			if r.Context().Err() != nil {
				w.WriteHeader(500)
			}
		}},
	}
	type raw struct {
		Status           string
		StatusCode       int
		Header           http.Header
		Trailer          http.Header
		ContentLength    int64
		TransferEncoding []string
		Body             string
	}
	get := func(t *testing.T, c *keeltest.Client, method string) raw {
		t.Helper()
		req, err := http.NewRequestWithContext(context.Background(), method, c.URL().String()+"path", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		res.Header.Del("Date")
		return raw{res.Status, res.StatusCode, res.Header, res.Trailer, res.ContentLength, res.TransferEncoding, string(b)}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := get(t, keeltest.New(t, tt.handler), tt.method)
			want := get(t, keeltest.NewServer(t, tt.handler), tt.method)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("in-process:\n%s\nfrom a server:\n%s", g, w)
			}
		})
	}
}

// A TLS server's client trusts its certificate; in-process, an https base URL
// gives the handler a TLS request too.
func TestTLS(t *testing.T) {
	for _, c := range []*keeltest.Client{
		keeltest.NewTLSServer(t, echo),
		keeltest.New(t, echo, keeltest.BaseURL("https://testserver")),
	} {
		s := decodeSeen(t, c.Get("/x").ExpectStatus(200))
		if !s.TLS || c.URL().Scheme != "https" {
			t.Errorf("%s: TLS %v", c.URL(), s.TLS)
		}
	}
	if s := decodeSeen(t, keeltest.New(t, echo).Get("/x")); s.TLS {
		t.Error("http in-process request has TLS")
	}
}

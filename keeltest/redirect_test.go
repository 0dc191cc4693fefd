package keeltest_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/keelgo/keel/keeltest"
)

// redirector redirects /r/{code}?to=... with that status, and counts down
// /loop/{n} (a redirect to /loop/{n-1} until 0); anything else is echo.
func redirector() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/r/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		to := r.URL.Query().Get("to")
		if to == "" {
			to = "/echo"
		}
		if r.URL.Query().Has("nolocation") {
			w.WriteHeader(code)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "hop", Value: r.PathValue("code"), Path: "/"})
		w.Header().Set("Location", to)
		w.WriteHeader(code)
	})
	mux.HandleFunc("/loop/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n == 0 {
			fmt.Fprint(w, "done")
			return
		}
		http.Redirect(w, r, "/loop/"+strconv.Itoa(n-1), http.StatusFound)
	})
	mux.Handle("/", echo)
	return mux
}

// Redirects are followed as FastAPI's TestClient (httpx) follows them.
func TestRedirectMethods(t *testing.T) {
	tests := []struct {
		method     string
		code       int
		wantMethod string
		wantBody   bool
	}{
		{"GET", 301, "GET", false},
		{"POST", 301, "GET", false},
		{"PUT", 301, "PUT", true},
		{"DELETE", 301, "DELETE", true},
		{"HEAD", 301, "HEAD", false},
		{"GET", 302, "GET", false},
		{"POST", 302, "GET", false},
		{"PUT", 302, "GET", false},
		{"PATCH", 302, "GET", false},
		{"HEAD", 302, "HEAD", false},
		{"POST", 303, "GET", false},
		{"DELETE", 303, "GET", false},
		{"HEAD", 303, "HEAD", false},
		{"GET", 307, "GET", false},
		{"POST", 307, "POST", true},
		{"PUT", 307, "PUT", true},
		{"POST", 308, "POST", true},
		{"PATCH", 308, "PATCH", true},
	}
	clients := map[string]func(*testing.T) *keeltest.Client{
		"in-process": func(t *testing.T) *keeltest.Client { return keeltest.New(t, redirector()) },
		"server":     func(t *testing.T) *keeltest.Client { return keeltest.NewServer(t, redirector()) },
	}
	for mode, newClient := range clients {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%s %d", mode, tt.method, tt.code), func(t *testing.T) {
				c := newClient(t)
				var opts []keeltest.RequestOption
				if tt.method != "GET" && tt.method != "HEAD" {
					opts = append(opts, keeltest.JSON(map[string]int{"a": 1}))
				}
				r := c.Do(tt.method, "/r/"+strconv.Itoa(tt.code), opts...).ExpectStatus(200)
				if len(r.History) != 1 || r.History[0].StatusCode != tt.code {
					t.Fatalf("history %v", r.History)
				}
				if r.Request.Method != tt.wantMethod || r.Request.URL.Path != "/echo" {
					t.Errorf("followed with %s %s, want %s /echo", r.Request.Method, r.Request.URL, tt.wantMethod)
				}
				if tt.method == "HEAD" {
					return // no body to read what the handler saw
				}
				s := decodeSeen(t, r)
				if s.Method != tt.wantMethod {
					t.Errorf("handler saw %s, want %s", s.Method, tt.wantMethod)
				}
				if hasBody := s.Body != ""; hasBody != tt.wantBody {
					t.Errorf("body %q, want it sent again: %v", s.Body, tt.wantBody)
				}
				if tt.wantBody && s.Header.Get("Content-Length") != strconv.Itoa(len(s.Body)) {
					t.Errorf("Content-Length %q for %q", s.Header.Get("Content-Length"), s.Body)
				}
				if !tt.wantBody && s.Header.Get("Content-Length") != "" && s.Method == "GET" {
					t.Errorf("Content-Length %q sent with a GET", s.Header.Get("Content-Length"))
				}
				// httpx keeps Content-Type when the method becomes GET.
				if len(opts) > 0 && s.Header.Get("Content-Type") != "application/json" {
					t.Errorf("Content-Type %q", s.Header.Get("Content-Type"))
				}
				// The cookie set by the redirect response is sent to the target.
				if got := s.Header.Get("Cookie"); got != "hop="+strconv.Itoa(tt.code) {
					t.Errorf("Cookie %q", got)
				}
			})
		}
	}
}

// What is and is not a redirect to follow, and where it leads.
func TestRedirectFollowing(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		opts       []keeltest.RequestOption
		wantStatus int
		wantURL    string // of the last request
		wantHops   int
	}{
		{"relative location", "/r/307?to=../echo/x", nil, 200, "http://testserver/echo/x", 1},
		{"absolute path", "/r/307?to=/a/b%252Fc%3Fq%3D1", nil, 200, "http://testserver/a/b%2Fc?q=1", 1},
		{"other host, still this handler", "/r/302?to=http://other.example/x", nil, 200, "http://other.example/x", 1},
		{"scheme without host", "/r/302?to=http:/x", nil, 200, "http://testserver/x", 1},
		{"300 is not followed", "/r/300", nil, 300, "http://testserver/r/300", 0},
		{"304 is not followed", "/r/304", nil, 304, "http://testserver/r/304", 0},
		{"201 with Location is not followed", "/r/201", nil, 201, "http://testserver/r/201", 0},
		{"no Location: not followed", "/r/302?nolocation=1", nil, 302, "http://testserver/r/302?nolocation=1", 0},
		{"not following", "/r/307", []keeltest.RequestOption{keeltest.FollowRedirects(false)}, 307, "http://testserver/r/307", 0},
		{"20 redirects", "/loop/20", nil, 200, "http://testserver/loop/0", 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := keeltest.New(t, redirector()).Get(tt.path, tt.opts...).ExpectStatus(tt.wantStatus)
			if got := r.Request.URL.String(); got != tt.wantURL {
				t.Errorf("ended at %s, want %s", got, tt.wantURL)
			}
			if len(r.History) != tt.wantHops {
				t.Errorf("%d redirects followed, want %d", len(r.History), tt.wantHops)
			}
		})
	}
}

func TestRedirectLimits(t *testing.T) {
	f := run(t, func(tb testing.TB) { keeltest.New(tb, redirector()).Get("/loop/21") })
	expectFailures(t, f, "FATAL keeltest: GET /loop/21: more than 20 redirects (the last one: 302 to \"/loop/0\")")

	f = run(t, func(tb testing.TB) {
		c := keeltest.New(tb, redirector(), keeltest.MaxRedirects(2))
		c.Get("/loop/2").ExpectStatus(200)
		c.Get("/loop/3")
	})
	expectFailures(t, f, "FATAL keeltest: GET /loop/3: more than 2 redirects")

	// The client's setting, and a request's own.
	c := keeltest.New(t, redirector(), keeltest.FollowRedirects(false))
	c.Get("/loop/1").ExpectStatus(302).ExpectHeader("Location", "/loop/0")
	c.Get("/loop/1", keeltest.FollowRedirects(true)).ExpectStatus(200).ExpectBody("done")

	f = run(t, func(tb testing.TB) { keeltest.New(tb, redirector()).Get("/r/302?to=ftp://x/") })
	expectFailures(t, f, `FATAL keeltest: GET /r/302?to=ftp://x/: 302 to "ftp://x/": not an http or https URL`)

	f = run(t, func(tb testing.TB) { keeltest.New(tb, redirector()).Get("/r/302?to=%25zz") })
	expectFailures(t, f, `FATAL keeltest: GET /r/302?to=%25zz: failed to parse Location header "%zz"`)
}

// Authorization follows a redirect within the origin, or from http to https on
// the same host, and nowhere else; an explicit Cookie is never sent again.
func TestRedirectHeaders(t *testing.T) {
	tests := []struct {
		base     string
		to       string
		wantAuth bool
		wantHost string
	}{
		{"http://testserver", "/echo", true, "testserver"},
		{"http://testserver", "http://testserver:80/echo", true, "testserver:80"},
		{"http://testserver", "https://testserver/echo", true, "testserver"},
		{"http://testserver", "https://testserver:8443/echo", false, "testserver:8443"},
		{"http://testserver", "http://testserver:8080/echo", false, "testserver:8080"},
		{"http://testserver", "http://other/echo", false, "other"},
		{"http://testserver", "http://TESTSERVER/echo", true, "TESTSERVER"},
		{"https://testserver", "http://testserver/echo", false, "testserver"},
		{"http://testserver:8080", "https://testserver/echo", false, "testserver"},
	}
	for _, tt := range tests {
		t.Run(tt.base+" to "+tt.to, func(t *testing.T) {
			c := keeltest.New(t, redirector(), keeltest.BaseURL(tt.base), keeltest.Bearer("tok"))
			r := c.Get("/r/302?to="+tt.to, keeltest.Cookie("once", "1"), keeltest.Header("X-Kept", "1")).ExpectStatus(200)
			s := decodeSeen(t, r)
			if got := s.Header.Get("Authorization") != ""; got != tt.wantAuth {
				t.Errorf("Authorization sent: %v, want %v", got, tt.wantAuth)
			}
			if s.Host != tt.wantHost {
				t.Errorf("Host %q, want %q", s.Host, tt.wantHost)
			}
			if s.Header.Get("X-Kept") != "1" {
				t.Error("other headers are kept")
			}
			if strings.Contains(s.Header.Get("Cookie"), "once=") {
				t.Errorf("Cookie %q: a request's cookie is not sent after a redirect", s.Header.Get("Cookie"))
			}
			if s.TLS != strings.HasPrefix(tt.to, "https") && !strings.HasPrefix(tt.to, "/") {
				t.Errorf("TLS %v", s.TLS)
			}
		})
	}
	// The Host a request sets is kept within the origin, replaced outside it.
	c := keeltest.New(t, redirector())
	if s := decodeSeen(t, c.Get("/r/302?to=/echo", keeltest.Header("Host", "api.example"))); s.Host != "api.example" {
		t.Errorf("Host %q within the origin", s.Host)
	}
	if s := decodeSeen(t, c.Get("/r/302?to=http://b.example/echo", keeltest.Header("Host", "api.example"))); s.Host != "b.example" {
		t.Errorf("Host %q outside the origin", s.Host)
	}
}

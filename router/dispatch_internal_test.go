package router

import (
	"net/http/httptest"
	"testing"
)

// The App's ServeMux sets path values only for requests Keel matched to a
// route. Should it ever route one to no route, Keel's own match decides.
func TestMuxFallback(t *testing.T) {
	a := New(Info{Title: "x"})
	type p struct {
		X string `path:"x"`
	}
	a.Get("/a/{x}", func(v p) (string, error) { return v.X, nil })
	for target, want := range map[string]int{"/a/1": 200, "/b": 404, "/b/c": 404, "/a/1/": 307} {
		w := httptest.NewRecorder()
		a.mux.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		if w.Code != want {
			t.Errorf("%s: %d, want %d", target, w.Code, want)
		}
	}
	w := httptest.NewRecorder()
	a.dispatch.muxFallback(w, httptest.NewRequest("GET", "/a/2", nil))
	if w.Code != 200 || w.Body.String() != `"2"` {
		t.Errorf("fallback: %d %s", w.Code, w.Body.String())
	}
	if a.dispatch.escapes {
		t.Error("escapes set without a '%' pattern")
	}
	a.Get("/c%2Fd/{x}", func(v p) (string, error) { return v.X, nil })
	if !a.dispatch.escapes {
		t.Error("escapes not set by a '%' pattern")
	}
}

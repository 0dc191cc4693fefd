package router

import (
	"net/http/httptest"
	"testing"
)

// A route's one-pattern ServeMux only sets path values for paths Keel matched
// to that route. Should it ever not match one, Keel's own match decides.
func TestSetterFallback(t *testing.T) {
	a := New(Info{Title: "x"})
	type p struct {
		X string `path:"x"`
	}
	a.Get("/a/{x}", func(v p) (string, error) { return v.X, nil })
	var e *entry
	for _, mr := range a.dispatch.methods {
		if mr.method == "GET" {
			e, _, _ = mr.root.match("/a/1", 1, nil)
		}
	}
	if e == nil || e.setter == nil {
		t.Fatal("no entry with a setter")
	}
	for target, want := range map[string]int{"/a/1": 200, "/b": 404, "/b/c": 404} {
		w := httptest.NewRecorder()
		e.setter.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		if w.Code != want {
			t.Errorf("%s: %d, want %d", target, w.Code, want)
		}
	}
}

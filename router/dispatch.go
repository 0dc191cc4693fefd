package router

import "net/http"

// dispatcher is the App's innermost handler: routes whose pattern has no
// wildcard are found by an exact map lookup on method and path, everything else
// goes to the ServeMux. For such a path the ServeMux would pick the same route
// (an exact pattern is the most specific one that can match it), so the result
// is the same, minus the ServeMux's tree walk. It sets r.Pattern as ServeMux does.
type dispatcher struct {
	static map[string]map[string]staticRoute // method → path → route
	mux    *http.ServeMux
}

type staticRoute struct {
	h       http.Handler
	pattern string
}

func (d *dispatcher) add(method, path, pattern string, h http.Handler) {
	m := d.static[method]
	if m == nil {
		m = map[string]staticRoute{}
		d.static[method] = m
	}
	m[path] = staticRoute{h: h, pattern: pattern}
}

func (d *dispatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sr, ok := d.static[r.Method][r.URL.Path]
	if !ok && r.Method == http.MethodHead {
		sr, ok = d.static[http.MethodGet][r.URL.Path] // ServeMux serves HEAD with GET routes
	}
	if ok && r.URL.RawPath == "" {
		r.Pattern = sr.pattern
		sr.h.ServeHTTP(w, r)
		return
	}
	d.mux.ServeHTTP(w, r)
}

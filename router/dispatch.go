package router

import (
	"net/http"
	"strings"

	"github.com/keelgo/keel/internal/wire"
)

// dispatcher is the App's innermost handler. It matches routes the way
// Starlette does, against the percent-decoded path (so /users%2Fme/ is
// /users/me/), with one rule for dispatch, 405 and the trailing-slash 307
// (docs/fastapi-compat.md §3.9):
//
//  1. a route of the request's method whose pattern matches the path serves
//     it; of several, the most specific (as in http.ServeMux). Routes without
//     wildcards are found by an exact map lookup first.
//  2. else, if some route matches the path, 405 with the methods of the first
//     such route in registration order as Allow (so never the request's own);
//  3. else, unless the path is "/", the path with its trailing slashes removed
//     (or with one added): if some route matches it, 307 to it;
//  4. else 404.
//
// A GET route does not answer HEAD (FastAPI's API routes do not); the
// documentation pages answer both.
type dispatcher struct {
	app     *App
	methods []*methodRoutes // a few: a slice is faster than a map
	n       int             // entries registered so far
	// escapes is set once some pattern holds a '%': the App's ServeMux reads
	// such a pattern otherwise than Keel does, so it no longer sets path
	// values (see serve).
	escapes bool
	// wrapped is set once the App has middleware of its own (App.Use): it
	// sees the request, also after the route has served it, so every route
	// then sets its path values on it.
	wrapped bool
}

type methodRoutes struct {
	method string
	static map[string]*entry // patterns without wildcards, by decoded path
	root   node
}

func newDispatcher(a *App) *dispatcher { return &dispatcher{app: a} }

func (d *dispatcher) routes(method string) *methodRoutes {
	for _, mr := range d.methods {
		if mr.method == method {
			return mr
		}
	}
	return nil
}

// add files e under method and the ServeMux path muxPath; it returns the
// entry already registered there, if any, and then adds nothing.
func (d *dispatcher) add(method, muxPath string, e *entry) *entry {
	mr := d.routes(method)
	if mr == nil {
		mr = &methodRoutes{method: method, static: map[string]*entry{}}
		d.methods = append(d.methods, mr)
	}
	segs, rest := segments(muxPath)
	if old := mr.root.insert(segs, rest, e); old != nil {
		return old
	}
	if !rest && !strings.Contains(strings.Join(segs, "/"), "{") {
		mr.static["/"+strings.Join(segs, "/")] = e
	}
	return nil
}

func (d *dispatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mr := d.routes(r.Method)
	if mr != nil {
		// r.URL.Path is the decoded path; a static pattern is valid UTF-8, so
		// a path equal to one needs no further reading.
		if e := mr.static[r.URL.Path]; e != nil {
			r.Pattern = e.pattern
			e.h.ServeHTTP(w, r)
			return
		}
	}
	p := wire.Path(r)
	if mr != nil {
		if strings.HasPrefix(p, "/") {
			var buf [8]string
			if e, vals := mr.root.match(p, 1, buf[:0]); e != nil {
				d.serve(w, r, e, p, vals)
				return
			}
		}
	}
	d.unmatched(w, r, p)
}

// serve calls the route e matched with the wildcard values vals, and sets
// r.Pattern, as ServeMux does.
//
// Whether the values are also set on the request, for r.PathValue, was
// decided when the route was registered (entry.direct) and, for the plan in
// effect, when it was compiled (compiled.readsPath; an override recompiles
// it): only where code that sees the request can read them. Otherwise the
// route is called directly with vals, which its binders read (in the state's
// wire.PathValues): one match, nothing allocated.
//
// Where the values are set, and http.ServeMux reads the path as Keel does (a
// clean path without escapes that net/http keeps apart and without a
// newline), the App's ServeMux, which holds every route's pattern, routes the
// request again to the same route and sets the values: then net/http keeps
// them in one small slice. r.SetPathValue would have net/http allocate a map
// for them on every request (336 bytes). Where ServeMux and Keel could
// disagree, the values are set one by one.
func (d *dispatcher) serve(w http.ResponseWriter, r *http.Request, e *entry, p string, vals []string) {
	if rt := e.direct; rt != nil && !d.wrapped {
		if c := rt.plan.Load(); !c.readsPath {
			r.Pattern = e.pattern
			// Concrete calls, not through an interface: vals stays on the
			// caller's stack.
			if rt.kind == kindJSON {
				rt.serveWith(w, r, c, vals)
			} else {
				rt.serveOther(w, r, c, vals)
			}
			return
		}
	}
	if len(e.names) > 0 && e.names[0] != "" && !d.escapes && r.URL.RawPath == "" && p == r.URL.Path &&
		r.Method != http.MethodConnect && strings.IndexByte(p, '\n') < 0 && isClean(p) {
		d.app.mux.ServeHTTP(w, r)
		return
	}
	setValues(r, e, vals)
	e.h.ServeHTTP(w, r)
}

func setValues(r *http.Request, e *entry, vals []string) {
	r.Pattern = e.pattern
	for i, name := range e.names {
		if name != "" && i < len(vals) {
			r.SetPathValue(name, vals[i])
		}
	}
}

// muxFallback answers a request the App's ServeMux routed to no route, which
// would mean that its rules and Keel's disagree on this path: Keel's match is
// the one that counts.
func (d *dispatcher) muxFallback(w http.ResponseWriter, r *http.Request) {
	p := wire.Path(r)
	if mr := d.routes(r.Method); mr != nil && strings.HasPrefix(p, "/") {
		var buf [8]string
		if e, vals := mr.root.match(p, 1, buf[:0]); e != nil {
			setValues(r, e, vals)
			e.h.ServeHTTP(w, r)
			return
		}
	}
	d.unmatched(w, r, p)
}

// isClean reports whether p has no empty, "." or ".." segment before its end
// (what http.ServeMux would redirect).
func isClean(p string) bool {
	for i := 1; i <= len(p); {
		j := strings.IndexByte(p[i:], '/')
		if j < 0 {
			j = len(p) - i
		}
		seg := p[i : i+j]
		last := i+j == len(p)
		if seg == "." || seg == ".." || seg == "" && !last {
			return false
		}
		i += j + 1
	}
	return true
}

// firstMatch returns the first route, in registration order, whose pattern
// matches p, whatever its method.
func (d *dispatcher) firstMatch(p string) *entry {
	var first *entry
	for _, mr := range d.methods {
		mr.root.each(p, 1, func(e *entry) {
			if first == nil || e.order < first.order {
				first = e
			}
		})
	}
	return first
}

// unmatched answers a request no route of its method matches: 405, 307 or
// 404 (steps 2-4 above).
func (d *dispatcher) unmatched(w http.ResponseWriter, r *http.Request, p string) {
	a := d.app
	if !strings.HasPrefix(p, "/") {
		a.cfg.errors.WriteHTTPError(w, r, errNotFound())
		return
	}
	if e := d.firstMatch(p); e != nil {
		if pe := d.preflightFor(r, p); pe != nil {
			pe.preflight.ServeHTTP(w, r)
			return
		}
		d.methodNotAllowed(w, r, p)
		return
	}
	if p != "/" {
		other := p + "/"
		if strings.HasSuffix(p, "/") {
			other = strings.TrimRight(p, "/")
		}
		if other != "" && d.firstMatch(other) != nil {
			h := w.Header()
			h.Set("Location", wire.RedirectURL(r, other))
			h.Set("Content-Length", "0")
			w.WriteHeader(http.StatusTemporaryRedirect)
			return
		}
	}
	a.cfg.errors.WriteHTTPError(w, r, errNotFound())
}

// preflightFor returns the route a CORS preflight is for, when it has
// middleware (which may answer it): an OPTIONS request with an Origin and an
// Access-Control-Request-Method naming a method whose route matches p. A CORS
// middleware wrapping the App answers preflights before they reach the App;
// this lets one given to a route or a group answer them too, instead of the
// 405 an OPTIONS request gets otherwise.
func (d *dispatcher) preflightFor(r *http.Request, p string) *entry {
	if r.Method != http.MethodOptions || r.Header.Get("Origin") == "" {
		return nil
	}
	m := r.Header.Get("Access-Control-Request-Method")
	mr := d.routes(m)
	if mr == nil {
		return nil
	}
	var buf [8]string
	e, _ := mr.root.match(p, 1, buf[:0])
	if e == nil || e.preflight == nil {
		return nil
	}
	return e
}

// methodNotAllowed answers 405 with the methods of the first route matching
// p as Allow: what a preflight no middleware answered gets, as any OPTIONS
// request to a path without an OPTIONS route.
func (d *dispatcher) methodNotAllowed(w http.ResponseWriter, r *http.Request, p string) {
	if e := d.firstMatch(p); e != nil {
		he := errMethodNotAllowed()
		he.Headers = http.Header{"Allow": {strings.Join(e.methods, ", ")}}
		d.app.cfg.errors.WriteHTTPError(w, r, he)
		return
	}
	d.app.cfg.errors.WriteHTTPError(w, r, errNotFound())
}

package router

import (
	"context"
	"net/http"
	"reflect"
	"runtime/debug"
	"strconv"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/resolve"
)

// jsonCT is assigned directly to the header map to avoid allocating a slice per
// response; its capacity equals its length, so an Add elsewhere copies it.
var jsonCT = []string{"application/json"}[:1:1]

// ServeHTTP runs the route's compiled plan for one request: resolve the
// dependencies and call the handler, encode the result, run function-scope
// cleanups, write the response, then run request-scope cleanups (docs/fastapi-compat.md §3.5).
func (rt *route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.serveWith(w, r, rt.plan.Load(), nil)
}

// serveWith serves r with the plan c. vals are the wildcard values of
// Keel's match when the dispatcher calls the route directly (matched), for
// the binders; nil when r came through ServeMux or middleware, where the
// values are set on r and the binders read r.PathValue.
func (rt *route) serveWith(w http.ResponseWriter, r *http.Request, c *compiled, vals []string) {
	a := rt.app
	plan := c.plan
	// FastAPI reads and parses the body before resolving anything (docs/fastapi-compat.md §4.5):
	// 413, 400 and json_invalid answer first, before authentication.
	body, ok := rt.readBody(w, r, c)
	if !ok {
		return
	}
	st := plan.Acquire(r)
	rt.setPath(st, vals)
	if body != nil {
		st.Preset(a.body, reflect.ValueOf(body))
	}
	done := false
	defer func() {
		if !done {
			p := recover()
			var err error = &resolve.PanicError{Value: p, Stack: debug.Stack()}
			err = st.CloseAll(err)
			plan.Release(st)
			if p == http.ErrAbortHandler {
				panic(p)
			}
			a.writeError(w, r, err)
			return
		}
		plan.Release(st)
	}()

	v, err := st.RunPtr()
	var b []byte
	if err == nil {
		// The result's JSON, appended into the state's buffer by the encoder
		// compiled for its type (docs/fastapi-compat.md §0: no HTML escaping).
		b = st.Buffer()
		if c.enc != nil {
			b, err = c.enc.Append(b, v)
		} else {
			b = append(b, "null"...) // a handler returning only error answers null, as FastAPI's None
		}
		st.SetBuffer(b)
	}
	err = st.Close(resolve.ScopeFunction, err)
	if err != nil {
		err = st.Close(resolve.ScopeRequest, err)
		a.writeError(w, r, err)
		done = true
		return
	}
	status := rt.status
	resp := st.Response()
	if hs := resp.Headers(); hs != nil {
		copyHeaders(w.Header(), hs)
	}
	if s := resp.Status(); s != 0 {
		status = s
	}
	var tasks []func(context.Context) error
	if plan.UsesBackground() { // decided at registration: other routes skip this
		tasks = st.Background().Tasks()
	}
	later := len(tasks) > 0 || st.Pending(resolve.ScopeRequest)
	if keel.BodyAllowed(status) {
		h := w.Header()
		h["Content-Type"] = jsonCT
		if later {
			h.Set("Content-Length", strconv.Itoa(len(b)))
		}
		w.WriteHeader(status)
		w.Write(b)
	} else {
		w.WriteHeader(status)
	}
	if later {
		// Background tasks and request-scope cleanups run after the response
		// is sent (docs/fastapi-compat.md §3.5, §3.10): push it to the client
		// now rather than when the handler returns.
		http.NewResponseController(w).Flush()
	}
	if len(tasks) > 0 {
		a.runTasks(r, tasks)
	}
	if cerr := st.Close(resolve.ScopeRequest, nil); cerr != nil {
		// The response is already sent; the client saw success (docs/fastapi-compat.md §3.5).
		a.cfg.logger.ErrorContext(r.Context(), "keel: request-scope cleanup failed after the response", "method", r.Method, "path", r.URL.Path, "error", cerr.Error())
	}
	done = true
}

// setPath hands the wildcard values of Keel's match, if any, to the binders.
func (rt *route) setPath(st *resolve.State, vals []string) {
	if vals != nil {
		if pv := st.Path(); pv != nil {
			pv.Set(rt.wild, vals)
		}
	}
}

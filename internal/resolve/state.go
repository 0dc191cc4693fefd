package resolve

// This file is the resolver's core: how a compiled Plan runs for one request.
//
// A Plan is a tree of occurrences (one per place a dependency is declared). Run
// walks it depth-first: each occurrence first looks in the per-request cache (docs/fastapi-compat.md
// §3.4), then resolves its children, then calls its provider through a prepared
// reflect.Value with arguments taken from the state's slots. Errors follow docs/fastapi-compat.md
// §3.3: a *keel.ValidationError is collected and its dependents are skipped, while
// any other error aborts at once. Cleanups are pushed as providers return and run
// in reverse order by Close, once per scope (docs/fastapi-compat.md §3.5).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"runtime/debug"
	"sync"
	"unsafe"

	"github.com/keelgo/keel"
)

// State is one request's resolution: values, cache, collected validation errors
// and pending cleanups. Get it from Plan.Acquire and give it back with Release.
type State struct {
	plan     *Plan
	r        *http.Request
	ctx      context.Context
	resp     Response
	vals     []reflect.Value
	cache    []int32
	args     []reflect.Value
	scratch  []reflect.Value // per occurrence: reusable destination of raw providers
	ptrs     []any           // per occurrence: a pointer to scratch, boxed once
	verrs    []keel.ErrorDetail
	cleanups []cleanupEntry
	ctxV     reflect.Value
	respV    reflect.Value
	bg       Background
	bgV      reflect.Value
	conn     reflect.Value
}

var cleanupFunc = reflect.TypeFor[func(error) error]()

type cleanupEntry struct {
	fn    reflect.Value
	scope Scope
	plain bool      // func() rather than a func(error) error
	p     *Provider // whose cleanup, for the Tracer
}

type statePool struct {
	plan *Plan
	pool sync.Pool
}

// Acquire returns a State for resolving r. Release it when the request is done.
func (p *Plan) Acquire(r *http.Request) *State {
	st, _ := p.pool.pool.Get().(*State)
	if st == nil {
		st = &State{plan: p,
			vals:    make([]reflect.Value, p.nOcc),
			cache:   make([]int32, p.nKeys),
			args:    make([]reflect.Value, p.maxArgs),
			scratch: make([]reflect.Value, p.nOcc),
			ptrs:    make([]any, p.nOcc),
		}
		st.ctxV = reflect.ValueOf(&st.ctx).Elem()
		if p.respType != nil { // *di.Response, defined over *Response: the same memory
			st.respV = reflect.NewAt(p.respType.Elem(), unsafe.Pointer(&st.resp))
		}
		if p.bgType != nil { // *di.Background, likewise
			st.bgV = reflect.NewAt(p.bgType.Elem(), unsafe.Pointer(&st.bg))
		}
	}
	for i := range st.cache {
		st.cache[i] = -1
	}
	st.r = r
	st.ctx = r.Context()
	return st
}

// Release returns st to its plan's pool. st must not be used afterwards.
func (p *Plan) Release(st *State) {
	clear(st.vals)
	clear(st.args)
	st.verrs = st.verrs[:0]
	clear(st.cleanups)
	st.cleanups = st.cleanups[:0]
	st.resp.reset()
	if st.bg.tasks != nil {
		clear(st.bg.tasks)
		st.bg.tasks = st.bg.tasks[:0]
	}
	st.conn = reflect.Value{}
	st.r, st.ctx = nil, nil
	p.pool.pool.Put(st)
}

// Preset stores v as the request's cached value of p, as if p had been called
// (for example a request body the router read before resolving). It reports
// false when the plan has no plain occurrence of p.
func (st *State) Preset(p *Provider, v reflect.Value) bool {
	k, ok := st.plan.plain[p]
	if !ok {
		return false
	}
	st.vals[k.occ] = v
	st.cache[k.key] = int32(k.occ)
	return true
}

// Response returns the response handle providers and the handler wrote to (docs/fastapi-compat.md
// §3.8).
func (st *State) Response() *Response { return &st.resp }

// Background returns the request's background tasks, added by the functions
// that took them (docs/fastapi-compat.md §3.10).
func (st *State) Background() *Background { return &st.bg }

// SetConn sets the value injected as Builtins.Conn: a WebSocket handler's
// connection, once the handshake is done, before CallHandler.
func (st *State) SetConn(v reflect.Value) { st.conn = v }

// PanicError is the error a panicking provider, handler or cleanup turns into. It
// becomes a 500 and is logged with its stack; nothing of it reaches the client.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// SwallowedError is what a cleanup produces when it returns nil for a non-nil
// error: FastAPI answers that with 500 (docs/fastapi-compat.md §3.5), and so does Keel.
type SwallowedError struct{ Err error }

func (e *SwallowedError) Error() string {
	return "a dependency cleanup swallowed the error (" + e.Err.Error() + "); return it, or another error, from the cleanup"
}

func (e *SwallowedError) Unwrap() error { return e.Err }

// Run resolves every dependency and calls the handler. It returns the handler's
// value (invalid when the handler returns only an error) and the first error:
// a *keel.ValidationError with every item collected across the tree, an error from
// a provider or the handler, or a *PanicError.
func (st *State) Run() (v reflect.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			v, err = reflect.Value{}, &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	ok, err := st.run(st.plan.root)
	if err != nil {
		return reflect.Value{}, err
	}
	if !ok {
		return reflect.Value{}, &keel.ValidationError{Errors: append([]keel.ErrorDetail(nil), st.verrs...)}
	}
	return st.vals[st.plan.root.id], nil
}

// RunDeps resolves the handler's dependencies without calling it, for a
// WebSocket route: they are resolved during the handshake, the handler runs
// after it (CallHandler). Its errors are Run's.
func (st *State) RunDeps() (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	ok := true
	for _, c := range st.plan.root.children {
		cok, err := st.run(c)
		if err != nil {
			return err
		}
		ok = ok && cok
	}
	if !ok {
		return &keel.ValidationError{Errors: append([]keel.ErrorDetail(nil), st.verrs...)}
	}
	return nil
}

// CallHandler calls the handler after RunDeps succeeded. It returns Run's
// value and error.
func (st *State) CallHandler() (v reflect.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			v, err = reflect.Value{}, &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return st.callTraced(st.plan.root)
}

// RunValue is Run with the handler's value as an interface for encoding: for a
// typed handler (Func0..Func4) a pointer to the pooled result, boxed once per
// pooled state, so encoding it allocates nothing. The value is valid until
// Release.
func (st *State) RunValue() (any, error) {
	v, err := st.Run()
	if err != nil || !v.IsValid() {
		return nil, err
	}
	if root := st.plan.root; v.CanAddr() && st.ptrs[root.id] != nil {
		return st.ptrs[root.id], nil
	}
	return v.Interface(), nil
}

// run resolves o. It reports false when o could not be called because of
// validation errors below it (collected in st.verrs), and a non-nil error to abort.
func (st *State) run(o *occ) (bool, error) {
	if o.useCache && !o.noCacheBelow {
		if idx := st.cache[o.key]; idx >= 0 {
			st.vals[o.id] = st.vals[idx]
			if st.plan.tracer != nil {
				st.traceCached(o)
			}
			return true, nil
		}
	}
	ok := true
	for _, c := range o.children {
		cok, err := st.run(c)
		if err != nil {
			return false, err
		}
		ok = ok && cok
	}
	if !ok {
		return false, nil
	}
	if o.useCache {
		if idx := st.cache[o.key]; idx >= 0 {
			st.vals[o.id] = st.vals[idx]
			if st.plan.tracer != nil {
				st.traceCached(o)
			}
			return true, nil
		}
	}
	v, err := st.callTraced(o)
	if err != nil {
		var ve *keel.ValidationError
		if errors.As(err, &ve) {
			st.verrs = append(st.verrs, ve.Errors...)
			return false, nil
		}
		return false, err
	}
	st.vals[o.id] = v
	if !o.root && st.cache[o.key] < 0 {
		st.cache[o.key] = int32(o.id)
	}
	return true, nil
}

// call invokes o's provider with its inputs and registers its cleanup.
func (st *State) call(o *occ) (reflect.Value, error) {
	args := st.args[:len(o.inputs)]
	for i, in := range o.inputs {
		switch in.kind {
		case inChild:
			args[i] = st.vals[in.occ.id]
		case inRequest:
			args[i] = reflect.ValueOf(st.r)
		case inContext:
			args[i] = st.ctxV
		case inResponse:
			args[i] = st.respV
		case inScopes:
			args[i] = o.scopes
		case inBackground:
			args[i] = st.bgV
		case inConn:
			args[i] = st.conn
		}
	}
	p := o.p
	if p.raw != nil {
		dst := st.scratch[o.id]
		if dst.IsValid() {
			if !p.typedRaw {
				dst.SetZero()
			}
		} else {
			dst = reflect.New(p.out).Elem()
			st.scratch[o.id] = dst
			st.ptrs[o.id] = dst.Addr().Interface()
		}
		if err := p.raw(args, dst); err != nil {
			return reflect.Value{}, err
		}
		return dst, nil
	}
	out := p.fn.Call(args)
	switch p.shape {
	case retValue:
		return out[0], nil
	case retValueErr:
		if e := out[1]; !e.IsNil() {
			return reflect.Value{}, e.Interface().(error)
		}
		return out[0], nil
	case retErr:
		if e := out[0]; !e.IsNil() {
			return reflect.Value{}, e.Interface().(error)
		}
		return reflect.Value{}, nil
	case retNone:
		return reflect.Value{}, nil
	default: // value, cleanup, error
		if e := out[2]; !e.IsNil() {
			return reflect.Value{}, e.Interface().(error)
		}
		if c := out[1]; !c.IsNil() {
			st.cleanups = append(st.cleanups, cleanupEntry{fn: c, scope: o.scope, plain: p.shape == retValueCleanFunc, p: p})
		}
		return out[0], nil
	}
}

// Close runs the pending cleanups of scope in reverse order of setup, passing err
// along: each receives the error so far and returns the error to continue with
// (docs/fastapi-compat.md §3.5). A cleanup that returns nil for a non-nil error yields a
// *SwallowedError; a panicking cleanup yields a *PanicError.
func (st *State) Close(scope Scope, err error) error {
	if len(st.cleanups) == 0 {
		return err
	}
	return st.close(scope, err)
}

func (st *State) close(scope Scope, err error) error {
	for i := len(st.cleanups) - 1; i >= 0; i-- {
		c := &st.cleanups[i]
		if c.scope != scope || !c.fn.IsValid() {
			continue
		}
		fn := c.fn
		c.fn = reflect.Value{}
		in := err
		if t := st.plan.tracer; t != nil {
			err = st.traceCleanup(t, c.p, fn, c.plain, in)
		} else {
			err = runCleanup(fn, c.plain, in)
		}
		if in != nil && err == nil {
			err = &SwallowedError{Err: in}
		}
	}
	return err
}

// Pending reports whether cleanups of scope are still to run.
func (st *State) Pending(scope Scope) bool {
	for i := range st.cleanups {
		if c := &st.cleanups[i]; c.scope == scope && c.fn.IsValid() {
			return true
		}
	}
	return false
}

// CloseAll runs every pending cleanup, function scope first, then request scope.
func (st *State) CloseAll(err error) error {
	return st.Close(ScopeRequest, st.Close(ScopeFunction, err))
}

func runCleanup(fn reflect.Value, plain bool, in error) (out error) {
	defer func() {
		if p := recover(); p != nil {
			out = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	if plain {
		fn.Call(nil)
		return in
	}
	if f, ok := fn.Convert(cleanupFunc).Interface().(func(error) error); ok { // di.Cleanup or func(error) error
		return f(in)
	}
	return in
}

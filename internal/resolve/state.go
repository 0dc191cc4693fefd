package resolve

// This file is the resolver's core: how a compiled Plan runs for one request.
//
// A Plan's program (graph.go, Plan) lists the occurrences of its graph in the
// order FastAPI's recursion resolves them: children first, in order, then the
// call. Each value lives in a slot of the state (State.ptrs), memory of the
// provided type allocated once per pooled state; arguments are pointers to
// slots, and a provider is called through typed code (di.Func*, a generated
// adapter, a binder) or, failing that, reflect.Value.Call. A check step looks
// in the per-request cache (docs/fastapi-compat.md §3.4) and on a hit points
// the occurrence's slot at the cached value and skips its subtree. Errors follow
// docs/fastapi-compat.md §3.3: a *keel.ValidationError is collected and its
// dependents are skipped, while any other error aborts at once. Cleanups are
// pushed as providers return and run in reverse order by Close, once per scope
// (docs/fastapi-compat.md §3.5).

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
	"github.com/keelgo/keel/internal/wire"
)

// State is one request's resolution: values, cache, collected validation errors
// and pending cleanups. Get it from Plan.Acquire and give it back with Release.
type State struct {
	plan *Plan
	r    *http.Request
	ctx  context.Context
	resp Response
	bg   Background
	// respP and bgP are the values injected as *di.Response and
	// *di.Background (types defined over *Response and *Background).
	respP *Response
	bgP   *Background
	conn  unsafe.Pointer // Builtins.Conn's memory, when the plan takes it
	// path is the request's path values, injected as *wire.PathValues
	// (pathP) into the binders of path fields; the caller sets them (Path).
	path  wire.PathValues
	pathP *wire.PathValues

	ptrs     []unsafe.Pointer // slots (see Plan.nSlots); an occurrence's may point at another's after a cache hit
	own      []unsafe.Pointer // each occurrence's own memory, to undo cache hits at Release
	cache    []int32          // by key: the occurrence holding its value, or -1
	bad      []bool           // by occurrence: not called because of validation errors
	nbad     int
	args     []unsafe.Pointer
	rargs    []reflect.Value
	verrs    []keel.ErrorDetail
	cleanups []cleanupEntry
	buf      []byte
}

type cleanupEntry struct {
	c     Cleanup
	scope Scope
	p     *Provider // whose cleanup, for the Tracer
	done  bool
}

type statePool struct {
	plan *Plan
	pool sync.Pool
}

// Acquire returns a State for resolving r. Release it when the request is done.
func (p *Plan) Acquire(r *http.Request) *State {
	st, _ := p.pool.pool.Get().(*State)
	if st == nil {
		st = p.newState()
	}
	if p.caches {
		for i := range st.cache {
			st.cache[i] = -1
		}
	}
	st.r = r
	st.ctx = r.Context()
	return st
}

func (p *Plan) newState() *State {
	st := &State{plan: p,
		ptrs:  make([]unsafe.Pointer, p.nSlots),
		own:   make([]unsafe.Pointer, len(p.occs)),
		cache: make([]int32, p.nKeys),
		bad:   make([]bool, len(p.occs)),
		args:  make([]unsafe.Pointer, p.maxArgs),
	}
	st.respP, st.bgP, st.pathP = &st.resp, &st.bg, &st.path
	for _, o := range p.occs {
		if t := o.p.out; t != nil {
			st.own[o.id] = reflect.New(t).UnsafePointer()
		}
	}
	copy(st.ptrs, st.own)
	base := len(p.occs)
	st.ptrs[base+slotRequest] = unsafe.Pointer(&st.r)
	st.ptrs[base+slotContext] = unsafe.Pointer(&st.ctx)
	st.ptrs[base+slotResponse] = unsafe.Pointer(&st.respP)
	st.ptrs[base+slotBackground] = unsafe.Pointer(&st.bgP)
	st.ptrs[base+slotPath] = unsafe.Pointer(&st.pathP)
	if p.usesConn && p.connType != nil {
		st.conn = reflect.New(p.connType).UnsafePointer()
		st.ptrs[base+slotConn] = st.conn
	}
	for _, c := range p.consts {
		st.ptrs[c.slot] = c.ptr
	}
	for _, c := range p.convs {
		st.ptrs[c.slot] = reflect.New(c.typ).UnsafePointer()
	}
	return st
}

// Release returns st to its plan's pool. st must not be used afterwards.
func (p *Plan) Release(st *State) {
	if p.aliases {
		copy(st.ptrs, st.own)
	}
	if st.nbad > 0 {
		clear(st.bad)
		st.nbad = 0
	}
	st.verrs = st.verrs[:0]
	if len(st.cleanups) > 0 {
		clear(st.cleanups)
		st.cleanups = st.cleanups[:0]
	}
	clear(st.rargs)
	st.resp.reset()
	if st.bg.tasks != nil {
		clear(st.bg.tasks)
		st.bg.tasks = st.bg.tasks[:0]
	}
	if st.conn != nil {
		reflect.NewAt(p.connType, st.conn).Elem().SetZero()
	}
	if p.usesPath {
		st.path.Reset()
	}
	if cap(st.buf) > 64<<10 {
		st.buf = nil // let a huge buffer go rather than keep it alive
	}
	st.r, st.ctx = nil, nil
	p.pool.pool.Put(st)
}

// Preset stores v as the request's cached value of p, as if p had been called
// (for example a request body the router read before resolving). p must be
// one of Config.Presets; Preset reports false when the plan has no plain
// occurrence of it.
func (st *State) Preset(p *Provider, v reflect.Value) bool {
	k, ok := st.plan.plain[p]
	if !ok {
		return false
	}
	reflect.NewAt(p.out, st.ptrs[k.occ]).Elem().Set(v)
	st.cache[k.key] = int32(k.occ)
	return true
}

// Path returns the request's path values for the plan's functions to read,
// for the caller to set before running the plan, or nil when no function
// takes them (Plan.UsesPath).
func (st *State) Path() *wire.PathValues {
	if !st.plan.usesPath {
		return nil
	}
	return &st.path
}

// Response returns the response handle providers and the handler wrote to (docs/fastapi-compat.md
// §3.8).
func (st *State) Response() *Response { return &st.resp }

// Background returns the request's background tasks, added by the functions
// that took them (docs/fastapi-compat.md §3.10).
func (st *State) Background() *Background { return &st.bg }

// SetConn sets the value injected as Builtins.Conn: a WebSocket handler's
// connection, once the handshake is done, before CallHandler.
func (st *State) SetConn(v reflect.Value) {
	if st.conn != nil {
		reflect.NewAt(st.plan.connType, st.conn).Elem().Set(v)
	}
}

// Buffer returns a byte slice of length 0 whose memory the state keeps between
// requests, for the response's bytes; hand the grown slice back with
// SetBuffer. It is valid until Release.
func (st *State) Buffer() []byte { return st.buf[:0] }

// SetBuffer keeps b's memory for the next request.
func (st *State) SetBuffer(b []byte) { st.buf = b }

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

// RunPtr resolves every dependency and calls the handler. It returns a pointer
// to the handler's value (of type Plan.Output; nil when the handler returns
// only an error), valid until Release, and the first error: a
// *keel.ValidationError with every item collected across the graph, an error
// from a provider or the handler, or a *PanicError.
func (st *State) RunPtr() (v unsafe.Pointer, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			v, err = nil, &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	if err := st.exec(0, len(st.plan.prog)); err != nil {
		return nil, err
	}
	if st.nbad > 0 {
		return nil, &keel.ValidationError{Errors: append([]keel.ErrorDetail(nil), st.verrs...)}
	}
	return st.ptrs[st.plan.root.id], nil
}

// Run is RunPtr with the handler's value as a reflect.Value (addressable,
// valid until Release; invalid when the handler returns only an error).
func (st *State) Run() (reflect.Value, error) {
	p, err := st.RunPtr()
	if err != nil || p == nil {
		return reflect.Value{}, err
	}
	return reflect.NewAt(st.plan.out, p).Elem(), nil
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
	if err := st.exec(0, len(st.plan.prog)-1); err != nil { // the last step calls the handler
		return err
	}
	if st.nbad > 0 {
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
	root := st.plan.root
	if err := st.callTraced(root); err != nil {
		return reflect.Value{}, err
	}
	if st.plan.out == nil {
		return reflect.Value{}, nil
	}
	return reflect.NewAt(st.plan.out, st.ptrs[root.id]).Elem(), nil
}

// exec runs the program's steps [from, to).
func (st *State) exec(from, to int) error {
	prog := st.plan.prog
	for i := from; i < to; i++ {
		s := &prog[i]
		o := s.o
		if s.check {
			if idx := st.cache[o.key]; idx >= 0 {
				st.hit(o, idx)
				i = int(s.next) - 1
			}
			continue
		}
		if st.nbad > 0 && st.badChild(o) {
			st.bad[o.id] = true
			st.nbad++
			continue
		}
		if o.checkCall {
			if idx := st.cache[o.key]; idx >= 0 {
				st.hit(o, idx)
				continue
			}
		}
		var err error
		if st.plan.tracer == nil { // callTraced, without a call's cost
			err = st.call(o)
		} else {
			err = st.traced(o)
		}
		if err != nil {
			var ve *keel.ValidationError
			if errors.As(err, &ve) {
				st.verrs = append(st.verrs, ve.Errors...)
				st.bad[o.id] = true
				st.nbad++
				continue
			}
			return err
		}
		if o.writeCache && st.cache[o.key] < 0 {
			st.cache[o.key] = int32(o.id)
		}
	}
	return nil
}

// hit takes o's value from the occurrence idx that holds it.
func (st *State) hit(o *occ, idx int32) {
	st.ptrs[o.id] = st.ptrs[idx]
	if st.plan.tracer != nil {
		st.traceCached(o)
	}
}

func (st *State) badChild(o *occ) bool {
	for _, c := range o.children {
		if st.bad[c.id] {
			return true
		}
	}
	return false
}

// call invokes o's provider with its inputs and registers its cleanup.
func (st *State) call(o *occ) error {
	args := st.args[:len(o.inputs)]
	for i := range o.inputs {
		args[i] = st.ptrs[o.inputs[i].slot]
	}
	if o.convert {
		st.convertArgs(o, args)
	}
	dst := st.ptrs[o.id]
	if o.call != nil {
		if o.zero {
			reflect.NewAt(o.p.out, dst).Elem().SetZero()
		}
		c, err := o.call(args, dst)
		if err == nil && (c.Err != nil || c.Plain != nil) {
			st.cleanups = append(st.cleanups, cleanupEntry{c: c, scope: o.scope, p: o.p})
		}
		return err
	}
	return st.reflectCall(o, args, dst)
}

// convertArgs converts the arguments of interface parameters that hold
// values of another type.
func (st *State) convertArgs(o *occ, args []unsafe.Pointer) {
	ins := o.p.inTypes()
	for i := range o.inputs {
		in := &o.inputs[i]
		if in.conv < 0 {
			continue
		}
		dst := st.ptrs[in.conv]
		reflect.NewAt(ins[i], dst).Elem().Set(reflect.NewAt(in.occ.p.out, args[i]).Elem())
		args[i] = dst
	}
}

var cleanupFunc = reflect.TypeFor[func(error) error]()

// reflectCall calls o's function by reflection.
func (st *State) reflectCall(o *occ, args []unsafe.Pointer, dst unsafe.Pointer) error {
	p := o.p
	ins := p.inTypes()
	if cap(st.rargs) < len(ins) {
		st.rargs = make([]reflect.Value, st.plan.maxArgs)
	}
	in := st.rargs[:len(ins)]
	for i, t := range ins {
		in[i] = reflect.NewAt(t, args[i]).Elem()
	}
	out := p.fn.Call(in)
	clear(in)
	switch p.shape {
	case retValue:
		reflect.NewAt(p.out, dst).Elem().Set(out[0])
	case retValueErr:
		if e := out[1]; !e.IsNil() {
			return e.Interface().(error)
		}
		reflect.NewAt(p.out, dst).Elem().Set(out[0])
	case retErr:
		if e := out[0]; !e.IsNil() {
			return e.Interface().(error)
		}
	case retNone:
	default: // value, cleanup, error
		if e := out[2]; !e.IsNil() {
			return e.Interface().(error)
		}
		reflect.NewAt(p.out, dst).Elem().Set(out[0])
		if c := out[1]; !c.IsNil() {
			var cl Cleanup
			if p.shape == retValueCleanFunc {
				cl.Plain = c.Interface().(func())
			} else {
				cl.Err = c.Convert(cleanupFunc).Interface().(func(error) error)
			}
			st.cleanups = append(st.cleanups, cleanupEntry{c: cl, scope: o.scope, p: p})
		}
	}
	return nil
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
		if c.scope != scope || c.done {
			continue
		}
		c.done = true
		in := err
		if t := st.plan.tracer; t != nil {
			err = st.traceCleanup(t, c.p, c.c, in)
		} else {
			err = runCleanup(c.c, in)
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
		if c := &st.cleanups[i]; c.scope == scope && !c.done {
			return true
		}
	}
	return false
}

// CloseAll runs every pending cleanup, function scope first, then request scope.
func (st *State) CloseAll(err error) error {
	return st.Close(ScopeRequest, st.Close(ScopeFunction, err))
}

func runCleanup(c Cleanup, in error) (out error) {
	defer func() {
		if p := recover(); p != nil {
			out = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	if c.Plain != nil {
		c.Plain()
		return in
	}
	return c.Err(in)
}

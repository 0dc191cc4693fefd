// Package resolve is the resolver behind package di: providers and their
// declarations, the compilation of a route's dependency graph into a Plan, and
// the per-request State that runs it.
//
// Package di is the public face: di.Provider and di.Dependency are defined
// over Provider and Dependency (same layout, no methods shared), so Keel's own
// packages convert between them, (*resolve.Provider)(p), while applications
// see only di's small API. The built-in types a function may take that belong
// to di (di.SecurityScopes, *di.Response) reach the resolver as reflect types
// in Config.Builtins.
//
// A route's graph is compiled once, at registration, into a Plan: the ordered
// calls, FastAPI's per-request cache keys (docs/fastapi-compat.md §2.4), the
// SecurityScopes each node sees (§2.2) and the cleanup scopes (§3.5). Per
// request the plan runs over a pooled slot array, calling providers through
// values prepared at registration.
package resolve

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"unsafe"

	"github.com/keelgo/keel/internal/names"
	"github.com/keelgo/keel/internal/wire"
)

// Provider is a function registered as a dependency. It is immutable once
// made, and its identity is part of the per-request cache key.
type Provider struct {
	fn    reflect.Value
	typ   reflect.Type // function type
	out   reflect.Type // the provided type (nil for an effect-only function)
	shape returnShape
	deps  []Dependency
	meta  any
	name  string
	in    []reflect.Type // the parameter types
	call  Call           // the typed call (di.Func*, NewRaw); nil: fn is called by reflection or an adapter
	zero  bool           // call expects dst zeroed (NewRaw)
	// noPath: the function takes the *http.Request but never reads its path
	// values (WithoutPathValues): Keel's own binders, body reader, schemes.
	noPath bool
}

type returnShape uint8

const (
	retValue          returnShape = iota // T
	retValueErr                          // (T, error)
	retValueCleanErr                     // (T, Cleanup, error)
	retErr                               // error (effect-only)
	retNone                              // nothing (effect-only)
	retValueCleanFunc                    // (T, func(), error)
)

var (
	errorType   = reflect.TypeFor[error]()
	funcType    = reflect.TypeFor[func()]()
	ctxType     = reflect.TypeFor[context.Context]()
	requestType = reflect.TypeFor[*http.Request]()
	pathType    = reflect.TypeFor[*wire.PathValues]()
)

// NewProvider makes a provider of fn, with its explicit dependencies (di.Provide).
// fn may return T, (T, error), (T, Cleanup, error), (T, func(), error), error, or
// nothing, where Cleanup is any type whose underlying type is func(error) error.
// It panics if fn is not such a function: a programming error, caught at startup.
func NewProvider(fn any, deps []Dependency) *Provider {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		panic(fmt.Sprintf("keel/di: Provide needs a function, got %T", fn))
	}
	t := v.Type()
	p := &Provider{fn: v, typ: t, name: names.Func(v)}
	if t.IsVariadic() {
		panic(fmt.Sprintf("keel/di: provider %s is variadic; a provider's parameters must each be resolvable", p.name))
	}
	p.shape, p.out = shapeOf(t, p.name)
	p.deps = deps
	p.in = make([]reflect.Type, t.NumIn())
	for i := range p.in {
		p.in[i] = t.In(i)
	}
	return p
}

// NewTyped is NewProvider for a function called without reflection, through
// call, made of fn by typed code (di.Func0..Func4, CallVE2...).
func NewTyped(fn any, call Call, deps []Dependency) *Provider {
	p := NewProvider(fn, deps)
	p.call = call
	return p
}

// Call is a provider body called without reflection. in[i] points to a value
// of the function's i-th parameter type (exactly that type: the resolver
// converts values of other types first), dst to the memory of the provided
// type (nil for an effect-only function), which the call fills when it
// succeeds. dst's memory is reused by later requests once this one is done;
// functions taking the value receive copies. A provider returning a cleanup
// returns it in Cleanup, only when it succeeds.
type Call func(in []unsafe.Pointer, dst unsafe.Pointer) (Cleanup, error)

// Cleanup is a provider's cleanup as a Call returns it: Err for a
// func(error) error (di.Cleanup), Plain for a func(); neither when the
// provider returned none.
type Cleanup struct {
	Err   func(error) error
	Plain func()
}

// NewRaw makes a provider whose inputs are the given types (resolved like any
// provider's parameters) and whose output has type out, called as call with
// dst zeroed. meta is attached for the layers above (a parameter binder);
// name appears in registration errors. The router's parameter binders are
// made this way.
func NewRaw(meta any, name string, out reflect.Type, in []reflect.Type, call Call, deps ...Dependency) *Provider {
	return &Provider{meta: meta, name: name, out: out, shape: retValueErr, call: call, zero: true, in: in, deps: deps}
}

// Fills marks p, made by NewRaw, as writing every field of its value when it
// succeeds (a parameter binder's FillsAll): the resolver then calls it with
// dst as the previous request left it instead of zeroed. It returns p.
func (p *Provider) Fills() *Provider {
	p.zero = false
	return p
}

// WithMeta returns a copy of p, a new provider with its own identity, carrying
// meta: a security scheme (a Scheme) or a parameter binder.
func (p *Provider) WithMeta(meta any) *Provider {
	c := *p
	c.meta = meta
	return &c
}

// WithoutPathValues returns a copy of p, a new provider with its own identity,
// marked as never reading the request's path values (r.PathValue) although
// it takes the *http.Request: Plan.ReadsPathValues leaves it out. Only Keel's
// own functions are marked (the parameter binders, which read the values
// from the *wire.PathValues the state holds, the body reader, the built-in
// security schemes); a function of the application that takes the request
// is never marked, whatever it does with it.
func (p *Provider) WithoutPathValues() *Provider {
	c := *p
	c.noPath = true
	return &c
}

// Scheme is what the resolver knows of a security scheme (a provider's meta):
// a scheme uses scopes for caching (docs/fastapi-compat.md §2.4), and its name
// is the provider's name. The public interface is security.Scheme.
type Scheme interface {
	SchemeName() string
}

func isCleanup(t reflect.Type) bool {
	return t.Kind() == reflect.Func && t.NumIn() == 1 && t.In(0) == errorType && t.NumOut() == 1 && t.Out(0) == errorType && !t.IsVariadic()
}

func shapeOf(t reflect.Type, name string) (returnShape, reflect.Type) {
	bad := func() {
		panic(fmt.Sprintf("keel/di: provider %s returns %s; a provider returns T, (T, error), (T, di.Cleanup, error) or (T, func(), error), or only error", name, retString(t)))
	}
	switch t.NumOut() {
	case 0:
		return retNone, nil
	case 1:
		if t.Out(0) == errorType {
			return retErr, nil
		}
		return retValue, t.Out(0)
	case 2:
		if t.Out(1) != errorType || t.Out(0) == errorType {
			bad()
		}
		return retValueErr, t.Out(0)
	case 3:
		if t.Out(2) != errorType {
			bad()
		}
		switch {
		case isCleanup(t.Out(1)):
			return retValueCleanErr, t.Out(0)
		case t.Out(1) == funcType:
			return retValueCleanFunc, t.Out(0)
		}
	}
	bad()
	return 0, nil
}

func retString(t reflect.Type) string {
	parts := make([]string, t.NumOut())
	for i := range parts {
		parts[i] = t.Out(i).String()
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Name returns the provider's name, as registration errors and App.Graph show
// it: the scheme's name for a security scheme, else the function's
// ("main.currentUser").
func (p *Provider) Name() string {
	if s, ok := p.meta.(Scheme); ok {
		return s.SchemeName()
	}
	return p.name
}

// Type returns the type the provider provides, or nil for an effect-only provider.
func (p *Provider) Type() reflect.Type { return p.out }

// FuncType returns the type of the provider's function, nil for a provider
// made by NewRaw.
func (p *Provider) FuncType() reflect.Type { return p.typ }

// Func returns the provider's function, the invalid Value for NewRaw's.
func (p *Provider) Func() reflect.Value { return p.fn }

// Typed reports whether the provider is called by typed code (di.Func*,
// NewRaw) rather than by reflection or an adapter.
func (p *Provider) Typed() bool { return p.call != nil }

// Meta returns the value attached by NewRaw or WithMeta, or nil.
func (p *Provider) Meta() any { return p.meta }

// HasCleanup reports whether the provider returns a cleanup.
func (p *Provider) HasCleanup() bool {
	return p.shape == retValueCleanErr || p.shape == retValueCleanFunc
}

// Dependency returns a plain declaration of p, di.Depends(p).
func (p *Provider) Dependency() Dependency { return Dependency{p: p} }

// Scope says when a provider's cleanup runs (docs/fastapi-compat.md §3.5). Its
// values are di.Scope's.
type Scope uint8

const (
	// ScopeDefault is request scope for providers with a cleanup.
	ScopeDefault Scope = iota
	// ScopeRequest runs the cleanup after the response has been written.
	ScopeRequest
	// ScopeFunction runs the cleanup after the handler returned and its result
	// was encoded, before the response is written.
	ScopeFunction
)

func (s Scope) String() string {
	switch s {
	case ScopeRequest:
		return "request"
	case ScopeFunction:
		return "function"
	}
	return ""
}

// Dependency is the declaration of a dependency at one place in the graph: the
// provider, its own security scopes, whether the per-request cache is used, and
// the cleanup scope; or a list of positional bindings (di.Args), or a position
// left to the usual resolution (di.Auto).
type Dependency struct {
	p       *Provider
	scopes  []string
	args    []Dependency // di.Args: the positional bindings
	noCache bool
	scope   Scope
	auto    bool // di.Auto: a position left to the usual resolution
}

// Security returns d with scopes added to its own (di.Security).
func (d Dependency) Security(scopes ...string) Dependency {
	d.scopes = append(append([]string(nil), d.scopes...), scopes...)
	return d
}

// NoCache returns d declared with use_cache=False (docs/fastapi-compat.md §3.4).
func (d Dependency) NoCache() Dependency { d.noCache = true; return d }

// InScope returns d with an explicit cleanup scope (docs/fastapi-compat.md §3.5, §2.4).
func (d Dependency) InScope(s Scope) Dependency { d.scope = s; return d }

// Provider returns the declared provider, nil for Args and Auto.
func (d Dependency) Provider() *Provider { return d.p }

// Scopes returns the declaration's own scopes.
func (d Dependency) Scopes() []string { return d.scopes }

// Binding reports whether d is an Args list or an Auto position rather than a
// dependency: such values bind the parameters of one function and are refused
// as dependencies of their own.
func (d Dependency) Binding() bool { return d.args != nil || d.auto }

// IsArgs reports whether d is an Args list.
func (d Dependency) IsArgs() bool { return d.args != nil }

// Args returns the positional bindings of a function's parameters (di.Args).
func Args(deps []Dependency) Dependency {
	if deps == nil {
		deps = []Dependency{}
	}
	return Dependency{args: deps}
}

// Auto returns the position of an Args list left to the usual resolution (di.Auto).
func Auto() Dependency { return Dependency{auto: true} }

// CheckOverride reports whether replacement may stand for original wherever
// original is declared (docs/fastapi-compat.md §3.6): what it provides must be
// assignable to what original provides, so that every function taking
// original's value can take it. An effect-only original (providing nothing)
// accepts any replacement.
func CheckOverride(original, replacement *Provider) error {
	want, got := original.out, replacement.out
	switch {
	case want == nil:
		return nil
	case got == nil:
		return fmt.Errorf("the replacement %s provides nothing, and %s provides %s; a replacement must provide a value assignable to %s", replacement.Name(), original.Name(), want, want)
	case !got.AssignableTo(want):
		return fmt.Errorf("the replacement %s provides %s, which is not assignable to %s, the type %s provides; make the replacement return %s", replacement.Name(), got, want, original.Name(), want)
	}
	return nil
}

// Response is the response handle providers and handlers ask for (*di.Response
// is defined over it): headers, cookies and a status set on it reach the final
// response (docs/fastapi-compat.md §3.8).
type Response struct {
	header http.Header
	status int
}

// Header returns the headers to add to the response.
func (r *Response) Header() http.Header {
	if r.header == nil {
		r.header = make(http.Header)
	}
	return r.header
}

// SetCookie adds a Set-Cookie header.
func (r *Response) SetCookie(c *http.Cookie) {
	if v := c.String(); v != "" {
		r.Header().Add("Set-Cookie", v)
	}
}

// SetStatus overrides the route's success status.
func (r *Response) SetStatus(code int) { r.status = code }

// Status returns the status set with SetStatus, or 0.
func (r *Response) Status() int { return r.status }

// Headers returns the headers set so far, or nil (no allocation).
func (r *Response) Headers() http.Header { return r.header }

func (r *Response) reset() { r.header = nil; r.status = 0 }

// Adapter makes typed calls of functions of one type: a generated adapter
// (package adapt's Adapter is defined over it), found for a provider by its
// function's type when a route is compiled (Config.Calls).
type Adapter struct {
	typ  reflect.Type
	make func(fn any) Call
}

// NewAdapter returns the adapter of functions of type t (a func type without
// a name), making their calls with make.
func NewAdapter(t reflect.Type, make func(fn any) Call) Adapter { return Adapter{t, make} }

// Type returns the function type the adapter calls.
func (a Adapter) Type() reflect.Type { return a.typ }

// Call returns the typed call of fn, a function of the adapter's type.
func (a Adapter) Call(fn any) Call { return a.make(fn) }

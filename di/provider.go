// Package di is Keel's dependency injection: providers are plain Go functions whose
// parameters are resolved per request, from other providers, from built-ins and
// from resolvers the router plugs in (parameter structs, app-wide providers).
//
// A route's graph is compiled once, at registration, into a Plan: the ordered calls,
// FastAPI's per-request cache keys (docs/fastapi-compat.md §2.4), the SecurityScopes each node sees
// (docs/fastapi-compat.md §2.2) and the cleanup scopes (docs/fastapi-compat.md §3.5). Per request the plan runs over a
// pooled slot array, calling providers through values prepared at registration.
package di

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"runtime"
	"strings"
)

// Cleanup is the teardown a provider may return with its value. It runs after the
// handler (function scope) or after the response is written (request scope, the
// default), in reverse order of setup, on every path. It receives the error the
// request has so far (nil on success) and returns the error to continue with: return
// err unchanged to keep it, another error to replace it. Returning nil for a non-nil
// err swallows it, which FastAPI answers with 500 (docs/fastapi-compat.md §3.5), and so does Keel.
type Cleanup func(err error) error

// Source is anything that can be declared as a dependency: a *Provider, a
// Dependency made by Depends or Security, or a value that stands for a provider,
// such as a security scheme.
type Source interface {
	Dependency() Dependency
}

// Provider is a function registered as a dependency. Create one with Provide; it is
// immutable afterwards and its identity is part of the per-request cache key.
type Provider struct {
	fn       reflect.Value
	typ      reflect.Type // function type
	out      reflect.Type // the provided type (nil for an error-only function)
	shape    returnShape
	deps     []Dependency
	meta     any
	name     string
	raw      RawFunc
	rawIn    []reflect.Type
	typedRaw bool // raw is a typed call of fn (Func0..Func4)
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
	cleanupType = reflect.TypeFor[Cleanup]()
	funcType    = reflect.TypeFor[func()]()
	ctxType     = reflect.TypeFor[context.Context]()
	requestType = reflect.TypeFor[*http.Request]()
	respType    = reflect.TypeFor[*Response]()
	scopesType  = reflect.TypeFor[SecurityScopes]()
)

// Provide registers fn as a provider. fn may return T, (T, error),
// (T, Cleanup, error), (T, func(), error), error, or nothing. deps are explicit
// dependencies for fn's parameters, matched to them by type; a dependency that
// matches no parameter, or a parameter matched by two dependencies, is a
// registration error when a route using fn is registered. An Args among deps
// binds dependencies to parameters by position instead, for parameters of one
// type that need different dependencies.
//
// Provide panics if fn is not a function of one of those shapes: that is a
// programming error, caught at startup.
func Provide(fn any, deps ...Source) *Provider {
	return ProvideMeta(nil, fn, deps...)
}

// ProvideMeta is Provide with a value attached for the layers above di: a security
// scheme (implementing SecurityScheme) or a parameter description. Keel's own
// packages use it; applications use Provide.
func ProvideMeta(meta any, fn any, deps ...Source) *Provider {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		panic(fmt.Sprintf("keel/di: Provide needs a function, got %T", fn))
	}
	t := v.Type()
	p := &Provider{fn: v, typ: t, meta: meta, name: funcName(v)}
	if t.IsVariadic() {
		panic(fmt.Sprintf("keel/di: provider %s is variadic; a provider's parameters must each be resolvable", p.name))
	}
	p.shape, p.out = shapeOf(t, p.name)
	for i, d := range deps {
		if d == nil {
			panic(fmt.Sprintf("keel/di: provider %s: dependency #%d is nil", p.name, i+1))
		}
		p.deps = append(p.deps, d.Dependency())
	}
	return p
}

// RawFunc is a provider body called without reflection: in holds the values of the
// declared input types, in order, and dst is an addressable, zeroed value of the
// provided type to fill. dst's memory is reused by later requests once this one is
// done; the resolver hands copies of it to the functions that take it. Keel's
// parameter binders use it for speed.
type RawFunc func(in []reflect.Value, dst reflect.Value) error

// ProvideRaw registers a provider whose inputs are the given types (resolved like
// any provider's parameters) and whose output has type out. name appears in
// registration errors. Keel's own packages use it for the hot path.
func ProvideRaw(meta any, name string, out reflect.Type, in []reflect.Type, fn RawFunc, deps ...Source) *Provider {
	p := &Provider{meta: meta, name: name, out: out, shape: retValueErr, raw: fn, rawIn: in}
	for _, d := range deps {
		p.deps = append(p.deps, d.Dependency())
	}
	return p
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
		case t.Out(1) == cleanupType || t.Out(1) == reflect.TypeFor[func(error) error]():
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

// Name returns the provider's function name, as used in registration errors.
func (p *Provider) Name() string { return p.name }

// Type returns the type the provider provides, or nil for an effect-only provider.
func (p *Provider) Type() reflect.Type { return p.out }

// Meta returns the value attached by ProvideMeta, or nil.
func (p *Provider) Meta() any { return p.meta }

// HasCleanup reports whether the provider returns a cleanup.
func (p *Provider) HasCleanup() bool {
	return p.shape == retValueCleanErr || p.shape == retValueCleanFunc
}

// Dependency implements Source: a plain Depends(p).
func (p *Provider) Dependency() Dependency { return Dependency{p: p} }

// Scope says when a provider's cleanup runs (docs/fastapi-compat.md §3.5).
type Scope uint8

const (
	// ScopeDefault is request scope for providers with a cleanup.
	ScopeDefault Scope = iota
	// ScopeRequest runs the cleanup after the response has been written.
	ScopeRequest
	// ScopeFunction runs the cleanup after the handler returned and its result was
	// encoded, before the response is written, so a cleanup error still changes it.
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
// the cleanup scope. Its zero value is not usable; make one with Depends or Security.
type Dependency struct {
	p       *Provider
	scopes  []string
	noCache bool
	scope   Scope
	args    []Dependency // set for Args: the positional bindings
	auto    bool         // Auto: a position left to the usual resolution
}

// Depends declares src as a dependency, FastAPI's Depends(src).
func Depends(src Source) Dependency {
	if src == nil {
		panic("keel/di: Depends(nil)")
	}
	d := src.Dependency()
	if d.args != nil || d.auto {
		panic("keel/di: di.Args and di.Auto bind the parameters of one function: pass them to di.Provide (or di.Func*) with the function, or with a route's handler; they are not dependencies themselves")
	}
	return d
}

// Args binds explicit dependencies to the parameters of the function it is
// given with (di.Provide(fn, di.Args(...)), or a route's handler), by
// position: the first to parameter #1, and so on, as FastAPI's `x: int =
// Depends(dep)` binds one per parameter. Parameters of one type that need
// different dependencies are then one line each:
//
//	app.Get("/scope-counter", getScopeCounter, di.Args(
//		di.Security(depCounter),           // count int
//		di.Security(depCounter, "scope"),  // scopeCount1 int
//		di.Security(depCounter, "scope"),  // scopeCount2 int
//	))
//
// Auto() leaves a position to the usual resolution (built-ins, parameter
// structs, app-wide providers, the body), and parameters after the last entry
// are resolved as usual too. Other explicit dependencies given with the function
// are matched by type to the parameters Args does not bind. Registration fails
// when an entry's value is not assignable to its parameter, provides nothing,
// or has no parameter, and when a function is given two Args.
func Args(deps ...Source) Source {
	d := Dependency{args: make([]Dependency, len(deps))}
	for i, s := range deps {
		if s == nil {
			panic(fmt.Sprintf("keel/di: di.Args: entry #%d is nil; use di.Auto() to leave a parameter to the usual resolution", i+1))
		}
		e := s.Dependency()
		if e.args != nil {
			panic(fmt.Sprintf("keel/di: di.Args: entry #%d is itself a di.Args", i+1))
		}
		d.args[i] = e
	}
	return d
}

// Auto stands, in an Args list, for a parameter resolved as usual: a built-in,
// a parameter struct, an app-wide provider, the body, or an explicit dependency
// matched by type.
func Auto() Source { return Dependency{auto: true} }

// Security declares src as a dependency with OAuth2 scopes, FastAPI's
// Security(src, scopes=[...]). The scopes add to those of the dependents above it
// and reach providers below as SecurityScopes (docs/fastapi-compat.md §2.2).
func Security(src Source, scopes ...string) Dependency {
	d := Depends(src)
	d.scopes = append(append([]string(nil), d.scopes...), scopes...)
	return d
}

// Dependency implements Source.
func (d Dependency) Dependency() Dependency { return d }

// NoCache returns d declared with use_cache=False: the provider is called again at
// this place even if the request already has its value (docs/fastapi-compat.md §3.4).
func (d Dependency) NoCache() Dependency { d.noCache = true; return d }

// InScope returns d with an explicit cleanup scope (docs/fastapi-compat.md §3.5, §2.4).
func (d Dependency) InScope(s Scope) Dependency { d.scope = s; return d }

// Provider returns the declared provider.
func (d Dependency) Provider() *Provider { return d.p }

// Scopes returns the declaration's own scopes.
func (d Dependency) Scopes() []string { return d.scopes }

// SecurityScopes is injected into any provider that declares a parameter of this
// type: the scopes required along the path from the handler to it, parents first
// (docs/fastapi-compat.md §1.4, §2.2).
type SecurityScopes struct {
	Scopes []string
}

// String returns the scopes joined by spaces (FastAPI's scope_str).
func (s SecurityScopes) String() string { return strings.Join(s.Scopes, " ") }

// SecurityScheme is implemented by the meta value of a provider that is a security
// scheme. Such a node "uses scopes" for caching (docs/fastapi-compat.md §2.4) and is reported to the
// OpenAPI layer with its accumulated scopes (docs/fastapi-compat.md §2.3).
type SecurityScheme interface {
	SchemeName() string
}

// Response is the response handle a provider or handler can ask for: headers,
// cookies and a status set on it reach the final response (docs/fastapi-compat.md §3.8).
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

func funcName(v reflect.Value) string {
	f := runtime.FuncForPC(v.Pointer())
	if f == nil {
		return v.Type().String()
	}
	name := f.Name()
	// "github.com/x/y/pkg.fn" -> "pkg.fn"
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// WithMeta returns a copy of p, a new provider with its own identity, carrying
// meta as ProvideMeta would. Keel's packages use it on typed providers
// (di.Func1(fn).WithMeta(scheme)).
func (p *Provider) WithMeta(meta any) *Provider {
	c := *p
	c.meta = meta
	if s, ok := meta.(SecurityScheme); ok {
		c.name = s.SchemeName() // what registration errors and App.Graph show
	}
	return &c
}

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
		return fmt.Errorf("the replacement %s provides nothing, and %s provides %s; a replacement must provide a value assignable to %s", replacement.name, original.name, want, want)
	case !got.AssignableTo(want):
		return fmt.Errorf("the replacement %s provides %s, which is not assignable to %s, the type %s provides; make the replacement return %s", replacement.name, got, want, original.name, want)
	}
	return nil
}

// Package di is Keel's dependency injection, FastAPI's Depends and Security in
// Go: providers are plain functions whose parameters are resolved per request,
// from other providers, from built-ins and from what the router supplies
// (parameter structs, app-wide providers, the body).
//
// Declare providers with Provide (or Func0 to Func4, called without
// reflection), pass them to a route or to another provider as dependencies, and
// the App resolves each request: the graph is compiled once, when the route is
// registered, and every mistake is reported then. Depends and Security declare
// a dependency at one place of the graph; Security adds OAuth2 scopes, which
// accumulate along the graph and reach providers as SecurityScopes. Args binds
// dependencies to parameters by position. A provider may return a Cleanup;
// *Response lets providers and handlers set headers, cookies and the status.
//
// docs/dependencies.md is the guide; docs/fastapi-compat.md §2 and §3 the rules.
package di

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/keelgo/keel/internal/resolve"
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

// Provider is a function registered as a dependency. Create one with Provide or
// Func0 to Func4; it is immutable afterwards, and its identity is part of the
// per-request cache key.
type Provider resolve.Provider

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
	return (*Provider)(resolve.NewProvider(fn, declarations(deps, fn)))
}

// declarations turns the explicit dependencies given with fn into the
// resolver's, refusing a nil one at once.
func declarations(deps []Source, fn any) []resolve.Dependency {
	out := make([]resolve.Dependency, 0, len(deps))
	for i, d := range deps {
		if d == nil {
			panic(fmt.Sprintf("keel/di: provider %T: dependency #%d is nil", fn, i+1))
		}
		out = append(out, resolve.Dependency(d.Dependency()))
	}
	return out
}

// Dependency implements Source: a plain Depends(p).
func (p *Provider) Dependency() Dependency {
	return Dependency((*resolve.Provider)(p).Dependency())
}

// Scope says when a provider's cleanup runs (docs/fastapi-compat.md §3.5).
type Scope uint8

// The cleanup scopes.
const (
	// ScopeDefault is request scope for providers with a cleanup.
	ScopeDefault Scope = iota
	// ScopeRequest runs the cleanup after the response has been written.
	ScopeRequest
	// ScopeFunction runs the cleanup after the handler returned and its result was
	// encoded, before the response is written, so a cleanup error still changes it.
	ScopeFunction
)

// Dependency is the declaration of a dependency at one place in the graph: the
// provider, its own security scopes, whether the per-request cache is used, and
// the cleanup scope. Make one with Depends or Security.
type Dependency resolve.Dependency

// Depends declares src as a dependency, FastAPI's Depends(src).
func Depends(src Source) Dependency {
	if src == nil {
		panic("keel/di: Depends(nil)")
	}
	d := src.Dependency()
	if resolve.Dependency(d).Binding() {
		panic("keel/di: di.Args and di.Auto bind the parameters of one function: pass them to di.Provide (or di.Func*) with the function, or with a route's handler; they are not dependencies themselves")
	}
	return d
}

// Security declares src as a dependency with OAuth2 scopes, FastAPI's
// Security(src, scopes=[...]). The scopes add to those of the dependents above it
// and reach providers below as SecurityScopes (docs/fastapi-compat.md §2.2).
func Security(src Source, scopes ...string) Dependency {
	return Dependency(resolve.Dependency(Depends(src)).Security(scopes...))
}

// Dependency implements Source.
func (d Dependency) Dependency() Dependency { return d }

// NoCache returns d declared with use_cache=False: the provider is called again at
// this place even if the request already has its value (docs/fastapi-compat.md §3.4).
func (d Dependency) NoCache() Dependency { return Dependency(resolve.Dependency(d).NoCache()) }

// InScope returns d with an explicit cleanup scope (docs/fastapi-compat.md §3.5, §2.4).
func (d Dependency) InScope(s Scope) Dependency {
	return Dependency(resolve.Dependency(d).InScope(resolve.Scope(s)))
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
	ds := make([]resolve.Dependency, len(deps))
	for i, s := range deps {
		if s == nil {
			panic(fmt.Sprintf("keel/di: di.Args: entry #%d is nil; use di.Auto() to leave a parameter to the usual resolution", i+1))
		}
		ds[i] = resolve.Dependency(s.Dependency())
		if ds[i].IsArgs() {
			panic(fmt.Sprintf("keel/di: di.Args: entry #%d is itself a di.Args", i+1))
		}
	}
	return Dependency(resolve.Args(ds))
}

// Auto stands, in an Args list, for a parameter resolved as usual: a built-in,
// a parameter struct, an app-wide provider, the body, or an explicit dependency
// matched by type.
func Auto() Source { return Dependency(resolve.Auto()) }

// SecurityScopes is injected into any provider that declares a parameter of this
// type: the scopes required along the path from the handler to it, parents first
// (docs/fastapi-compat.md §1.4, §2.2).
type SecurityScopes struct {
	Scopes []string
}

// String returns the scopes joined by spaces (FastAPI's scope_str).
func (s SecurityScopes) String() string { return strings.Join(s.Scopes, " ") }

// Response is the response handle a provider or handler can ask for: headers,
// cookies and a status set on it reach the final response (docs/fastapi-compat.md §3.8).
type Response resolve.Response

// Header returns the headers to add to the response.
func (r *Response) Header() http.Header { return (*resolve.Response)(r).Header() }

// SetCookie adds a Set-Cookie header.
func (r *Response) SetCookie(c *http.Cookie) { (*resolve.Response)(r).SetCookie(c) }

// SetStatus overrides the route's success status.
func (r *Response) SetStatus(code int) { (*resolve.Response)(r).SetStatus(code) }

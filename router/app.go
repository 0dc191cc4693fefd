// Package router is Keel's App: an http.Handler, routing with ServeMux's
// patterns on the percent-decoded path as Starlette does, that registers
// typed handlers, compiles each route's dependency graph once (package
// di), binds and validates parameters (package params), answers errors in
// FastAPI's format, and serves the OpenAPI document and its pages (package openapi).
//
// Registration follows net/http's ServeMux: a misdeclared route panics when it is
// registered, with a message that names the route, the function, the parameter,
// its type and the fix. All checking happens then, at startup; requests only run
// the compiled plans.
package router

import (
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"unsafe"

	"github.com/go-playground/validator/v10"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/di/adapt"
	"github.com/keelgo/keel/internal/bind"
	"github.com/keelgo/keel/internal/jsonenc"
	"github.com/keelgo/keel/internal/resolve"
	"github.com/keelgo/keel/openapi"
)

// DefaultMaxBodySize is the request body limit when none is configured: 10 MiB.
const DefaultMaxBodySize = 10 << 20

// Info describes the API in the OpenAPI document (docs/fastapi-compat.md §6.1).
type Info struct {
	Title       string // default "Keel"
	Version     string // default "0.1.0"
	Summary     string
	Description string
}

// Option configures an App; pass options to New.
type Option func(*config)

type config struct {
	info             Info
	validate         *validator.Validate
	validationStatus int
	errors           ErrorFormat
	maxBody          int64
	logger           *slog.Logger
	deps             []resolve.Dependency
	params           bind.Options
	docs             openapi.Config
	tracer           di.Tracer
	adapters         []adapt.Adapter
	withAdapters     bool // WithAdapters was given: a function called by reflection is logged
}

// WithValidator sets the validator used for `validate` tags Keel does not compile
// itself (custom tags you registered, for example). Default: validator.New with
// required-struct checking.
func WithValidator(v *validator.Validate) Option { return func(c *config) { c.validate = v } }

// WithValidationStatus sets the status of validation errors (default 422).
func WithValidationStatus(code int) Option { return func(c *config) { c.validationStatus = code } }

// WithErrorFormat sets how errors are rendered; FastAPIErrors by default,
// ProblemDetails for RFC 9457.
func WithErrorFormat(f ErrorFormat) Option { return func(c *config) { c.errors = f } }

// WithMaxBodySize sets the request body limit in bytes (default DefaultMaxBodySize).
// A larger body is answered with 413.
func WithMaxBodySize(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithMaxFileSize sets the limit of one uploaded file (multipart).
func WithMaxFileSize(n int64) Option { return func(c *config) { c.params.MaxFileSize = n } }

// WithLaxContentType parses a request body without Content-Type as JSON
// (FastAPI's strict_content_type=False, docs/fastapi-compat.md §4.5).
func WithLaxContentType() Option { return func(c *config) { c.params.LaxContentType = true } }

// WithLogger sets the logger for failed requests (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithTracer sets a Tracer told around every provider's call, cache hit and
// cleanup in every route's graph (the handler's call too): see di.Tracer, and
// package keelotel for OpenTelemetry spans. Without it, resolution pays one
// nil check per step.
func WithTracer(t di.Tracer) Option { return func(c *config) { c.tracer = t } }

// WithDependencies adds app-level dependencies, run for their effect before every
// route's own (FastAPI(dependencies=[...]), docs/fastapi-compat.md §3.2).
func WithDependencies(deps ...di.Source) Option {
	return func(c *config) {
		for _, d := range deps {
			c.deps = append(c.deps, decl(d))
		}
	}
}

// App is a Keel application. It is an http.Handler. Create it with New, register
// providers (Provide) and routes (Get, Post, Group, ...), then serve it.
type App struct {
	registrar  // Get, Post, ..., Handle, Group: routes at the root
	cfg        config
	mux        *http.ServeMux // every pattern, to refuse conflicts as ServeMux does; requests never reach it
	dispatch   *dispatcher
	handler    http.Handler // mux wrapped in the app's middleware
	middleware []func(http.Handler) http.Handler
	params     *bind.Compiler
	body       *resolve.Provider
	providers  map[reflect.Type]resolve.Dependency
	binders    map[binderKey]*resolve.Provider
	routes     []*route
	overrides  map[*resolve.Provider]*resolve.Provider
	overrideMu sync.Mutex // serializes Override and ResetOverrides
	schemes    map[string]schemeEntry
	opIDs      map[string]*route

	json     jsonenc.Encoders                   // the routes' result encoders, compiled once per type
	adapters map[reflect.Type]resolve.Adapter   // by function type without a name (WithAdapters)
	calls    map[*resolve.Provider]resolve.Call // adapted providers met so far
	logged   map[reflect.Type]bool              // function types logged as called by reflection
	tasks    *taskSet                           // requests running background tasks
	tracer   resolve.Tracer                     // cfg.tracer for the resolver, or nil

	docOnce sync.Once
	docJSON []byte
	docErr  error
}

// New returns an App described by info and configured by opts.
func New(info Info, opts ...Option) *App {
	c := config{info: info, validationStatus: 422, errors: FastAPIErrors{}, maxBody: DefaultMaxBodySize, docs: defaultDocs()}
	for _, o := range opts {
		o(&c)
	}
	if c.info.Title == "" {
		c.info.Title = "Keel"
	}
	if c.info.Version == "" {
		c.info.Version = "0.1.0"
	}
	if c.validate == nil {
		c.validate = validator.New(validator.WithRequiredStructEnabled())
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	c.params.Validate = c.validate
	a := &App{cfg: c, mux: http.NewServeMux(), providers: map[reflect.Type]resolve.Dependency{},
		binders: map[binderKey]*resolve.Provider{}, overrides: map[*resolve.Provider]*resolve.Provider{},
		schemes: map[string]schemeEntry{}, opIDs: map[string]*route{}}
	a.registrar = registrar{app: a}
	a.initAdapters()
	a.tasks = newTaskSet()
	if c.tracer != nil {
		a.tracer = tracerAdapter{c.tracer}
	}
	a.params = bind.NewCompiler(c.params)
	limit := c.maxBody
	a.body = resolve.NewRaw(nil, "keel.RequestBody", reflect.TypeFor[*bind.Body](), []reflect.Type{reflect.TypeFor[*http.Request]()},
		func(in []unsafe.Pointer, dst unsafe.Pointer) (resolve.Cleanup, error) {
			b, err := bind.ReadBody(*(**http.Request)(in[0]), limit)
			if err != nil {
				return resolve.Cleanup{}, err
			}
			*(**bind.Body)(dst) = b
			return resolve.Cleanup{}, nil
		}).WithoutPathValues()
	a.dispatch = newDispatcher(a)
	a.handler = a.dispatch
	a.mux.HandleFunc("/", a.dispatch.muxFallback) // see dispatcher.serve
	a.mountDocs()
	return a
}

// ServeHTTP implements http.Handler.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Use wraps the whole App (every route, and the 404/405 answers) in middleware.
// The first middleware given is the outermost.
func (a *App) Use(mw ...func(http.Handler) http.Handler) {
	a.middleware = append(a.middleware, mw...)
	a.dispatch.wrapped = len(a.middleware) > 0
	var h http.Handler = a.dispatch
	for i := len(a.middleware) - 1; i >= 0; i-- {
		h = a.middleware[i](h)
	}
	a.handler = h
}

// Provide registers app-wide providers: a handler or provider parameter of a
// provider's type that no explicit dependency fills is resolved from it (for
// example a *sql.DB). Each source is a *di.Provider, or a di.Dependency to set
// its cleanup scope or caching. Register providers before the routes that use
// them. Provide panics if two providers have the same type.
func (a *App) Provide(srcs ...di.Source) {
	for _, src := range srcs {
		d := decl(src)
		p := d.Provider()
		t := p.Type()
		if t == nil {
			panic(fmt.Sprintf("keel: app.Provide(%s): the provider returns no value; pass it as a dependency instead (router.WithDependencies or a route option)", p.Name()))
		}
		if prev, ok := a.providers[t]; ok {
			panic(fmt.Sprintf("keel: app.Provide(%s): %s is already provided by %s; provide each type once", p.Name(), t, prev.Provider().Name()))
		}
		a.providers[t] = d
	}
}

// Override replaces original with replacement wherever original appears, at any
// depth, for every route (FastAPI's dependency_overrides, docs/fastapi-compat.md §3.6). The
// replacement's own parameters are resolved; the original's cache key and
// SecurityScopes are kept; the OpenAPI document is not affected. Use it in tests:
// it recompiles routes, and panics if a route cannot be compiled with the
// replacement. What replacement provides must be assignable to what original
// provides (a *User for a *User, a concrete type for an interface): Override
// panics otherwise, naming both types. Override(original, nil) removes an
// override.
//
// Override returns the replacement that was in effect for original before the
// call, or nil when there was none, so that a test can restore the previous state
// exactly with app.Override(original, previous) (keeltest.Override does this
// with t.Cleanup). Overrides of one App are serialized; requests being served
// meanwhile run with either the old or the new plan of their route.
func (a *App) Override(original, replacement di.Source) (previous di.Source) {
	orig := decl(original).Provider()
	var repl *resolve.Provider
	if p, ok := replacement.(*di.Provider); replacement != nil && (!ok || p != nil) {
		repl = decl(replacement).Provider()
		if err := resolve.CheckOverride(orig, repl); err != nil {
			panic(fmt.Sprintf("keel: app.Override(%s, %s): %v", orig.Name(), repl.Name(), err))
		}
	}
	a.overrideMu.Lock()
	defer a.overrideMu.Unlock()
	prev, hadPrev := a.overrides[orig]
	if hadPrev {
		previous = (*di.Provider)(prev)
	}
	if repl == nil {
		delete(a.overrides, orig)
	} else {
		a.overrides[orig] = repl
	}
	// Compile every route before switching any, so that a failed Override
	// leaves the App as it was.
	plans := make([]*compiled, len(a.routes))
	for i, rt := range a.routes {
		c, err := a.compile(rt, a.overrides)
		if err != nil {
			if hadPrev {
				a.overrides[orig] = prev
			} else {
				delete(a.overrides, orig)
			}
			panic(rt.describe() + ": with overrides: " + err.Error())
		}
		plans[i] = c
	}
	for i, rt := range a.routes {
		rt.plan.Store(plans[i])
	}
	return previous
}

// ResetOverrides removes every override.
func (a *App) ResetOverrides() {
	a.overrideMu.Lock()
	defer a.overrideMu.Unlock()
	clear(a.overrides)
	for _, rt := range a.routes {
		rt.plan.Store(rt.doc)
	}
}

// Graph describes the dependency graph of the route registered for method and
// pattern (as given, with group prefixes), one provider per line, indented by
// depth, with the SecurityScopes each node sees. It returns "" when there is no
// such route. Overrides are not shown: this is the graph as declared.
func (a *App) Graph(method, pattern string) string {
	for _, rt := range a.routes {
		if rt.method == strings.ToUpper(method) && rt.pattern == pattern {
			return rt.doc.plan.Tree().String()
		}
	}
	return ""
}

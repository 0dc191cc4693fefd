package router

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/bind"
	"github.com/keelgo/keel/internal/names"
	"github.com/keelgo/keel/internal/resolve"
	"github.com/keelgo/keel/openapi"
	"github.com/keelgo/keel/params"
)

func errNotFound() *keel.HTTPError         { return keel.NewHTTPError(404, "Not Found") }
func errMethodNotAllowed() *keel.HTTPError { return keel.NewHTTPError(405, "Method Not Allowed") }

// RouteOption configures a route or a group. Route registration methods also take
// di.Source values (providers, di.Depends, di.Security, security schemes) in the
// same argument list.
type RouteOption interface{ applyRoute(*routeConfig) }

type routeOpt func(*routeConfig)

func (f routeOpt) applyRoute(c *routeConfig) { f(c) }

// ResponseDoc documents an extra response of a route in OpenAPI.
type ResponseDoc struct {
	Description string
	Type        reflect.Type // the body's Go type, or nil
}

type routeConfig struct {
	status      int
	summary     string
	description string
	operationID string
	tags        []string
	deprecated  bool
	hidden      bool
	responses   map[string]ResponseDoc
	respDesc    string
	effects     []resolve.Dependency // always effects (Dependencies option, groups)
	middleware  []func(http.Handler) http.Handler
	name        string
}

// Status sets the route's success status (default 200). 204 and 304 send no body.
func Status(code int) RouteOption { return routeOpt(func(c *routeConfig) { c.status = code }) }

// Summary sets the operation's OpenAPI summary (default: the handler's name in words).
func Summary(s string) RouteOption { return routeOpt(func(c *routeConfig) { c.summary = s }) }

// Description sets the operation's OpenAPI description.
func Description(s string) RouteOption { return routeOpt(func(c *routeConfig) { c.description = s }) }

// OperationID sets the operation's OpenAPI operationId (default: FastAPI's rule).
func OperationID(s string) RouteOption { return routeOpt(func(c *routeConfig) { c.operationID = s }) }

// Name sets the route's name, from which the default summary and operationId are
// derived (default: the handler's Go function name).
func Name(s string) RouteOption { return routeOpt(func(c *routeConfig) { c.name = s }) }

// Tags adds OpenAPI tags; on a group they apply to all its routes.
func Tags(tags ...string) RouteOption {
	return routeOpt(func(c *routeConfig) { c.tags = append(c.tags, tags...) })
}

// Deprecated marks the operation (or every operation of a group) deprecated.
func Deprecated() RouteOption { return routeOpt(func(c *routeConfig) { c.deprecated = true }) }

// Hidden leaves the route (or a group's routes) out of the OpenAPI document
// (FastAPI's include_in_schema=False).
func Hidden() RouteOption { return routeOpt(func(c *routeConfig) { c.hidden = true }) }

// ResponseDescription sets the success response's description (default
// "Successful Response").
func ResponseDescription(s string) RouteOption {
	return routeOpt(func(c *routeConfig) { c.respDesc = s })
}

// Response documents an extra response: status is a code ("404"), a range ("4XX")
// or "default"; body is a value of the response body's type, or nil.
func Response(status, description string, body any) RouteOption {
	return routeOpt(func(c *routeConfig) {
		if c.responses == nil {
			c.responses = map[string]ResponseDoc{}
		}
		var t reflect.Type
		if body != nil {
			t = reflect.TypeOf(body)
		}
		c.responses[status] = ResponseDoc{Description: description, Type: t}
	})
}

// Dependencies adds dependencies run for their effect only, never matched to a
// handler parameter (FastAPI's dependencies=[...], docs/fastapi-compat.md §3.2).
func Dependencies(deps ...di.Source) RouteOption {
	return routeOpt(func(c *routeConfig) {
		for _, d := range deps {
			c.effects = append(c.effects, decl(d))
		}
	})
}

// Middleware wraps the route's (or a group's routes') handler.
func Middleware(mw ...func(http.Handler) http.Handler) RouteOption {
	return routeOpt(func(c *routeConfig) { c.middleware = append(c.middleware, mw...) })
}

// route is one registered method+pattern.
type route struct {
	app      *App
	method   string
	pattern  string // as given, with the group prefixes
	docPath  string // OpenAPI path template
	handler  *resolve.Provider
	fnName   string // the handler's own Go name ("readItems"), "" for a closure
	cfg      routeConfig
	effects  []resolve.Dependency
	explicit []resolve.Dependency
	plan     atomic.Pointer[compiled] // what serves requests (overrides applied)
	doc      *compiled                // as declared: documents the route
	docPlan  *resolve.Plan
	status   int
	wild     []string
}

func (rt *route) describe() string {
	return fmt.Sprintf("keel: route %s %s (handler %s)", rt.method, rt.pattern, rt.handler.Name())
}

// Group is a set of routes sharing a path prefix, tags, dependencies and
// middleware. Groups nest. Create one with App.Group or Group.Group.
type Group struct {
	app    *App
	prefix string
	cfg    routeConfig
}

// Group returns a group of routes under prefix. opts may be RouteOptions (Tags,
// Dependencies, Middleware, Deprecated, Hidden, Response) and di.Source values,
// which become the group's dependencies (run for their effect).
func (a *App) Group(prefix string, opts ...any) *Group {
	g := &Group{app: a, prefix: strings.TrimSuffix(prefix, "/")}
	applyGroupOpts(&g.cfg, opts, "App.Group")
	return g
}

// Group returns a nested group: its prefix, tags, dependencies and middleware
// come after the parent's.
func (g *Group) Group(prefix string, opts ...any) *Group {
	ng := &Group{app: g.app, prefix: g.prefix + strings.TrimSuffix(prefix, "/"), cfg: cloneCfg(g.cfg)}
	applyGroupOpts(&ng.cfg, opts, "Group.Group")
	return ng
}

func cloneCfg(c routeConfig) routeConfig {
	c.tags = slices.Clone(c.tags)
	c.effects = slices.Clone(c.effects)
	c.middleware = slices.Clone(c.middleware)
	if c.responses != nil {
		m := make(map[string]ResponseDoc, len(c.responses))
		for k, v := range c.responses {
			m[k] = v
		}
		c.responses = m
	}
	return c
}

func applyGroupOpts(c *routeConfig, opts []any, where string) {
	for i, o := range opts {
		switch v := o.(type) {
		case RouteOption:
			v.applyRoute(c)
		case di.Source:
			c.effects = append(c.effects, decl(v))
		default:
			panic(fmt.Sprintf("keel: %s: argument #%d has type %T; want a router option or a dependency (di.Source)", where, i+1, o))
		}
	}
}

// Use adds middleware to the group's routes registered afterwards.
func (g *Group) Use(mw ...func(http.Handler) http.Handler) {
	g.cfg.middleware = append(g.cfg.middleware, mw...)
}

// The registration methods. handler is a function returning (T, error), error,
// or T; opts are RouteOptions and dependencies (di.Source). A dependency whose
// type matches a handler parameter fills it; the others run for their effect.
// They panic if the route is misdeclared.

// Get registers a GET route on the App.
func (a *App) Get(pattern string, handler any, opts ...any) {
	a.Handle("GET", pattern, handler, opts...)
}

// Post registers a POST route on the App.
func (a *App) Post(pattern string, handler any, opts ...any) {
	a.Handle("POST", pattern, handler, opts...)
}

// Put registers a PUT route on the App.
func (a *App) Put(pattern string, handler any, opts ...any) {
	a.Handle("PUT", pattern, handler, opts...)
}

// Patch registers a PATCH route on the App.
func (a *App) Patch(pattern string, handler any, opts ...any) {
	a.Handle("PATCH", pattern, handler, opts...)
}

// Delete registers a DELETE route on the App.
func (a *App) Delete(pattern string, handler any, opts ...any) {
	a.Handle("DELETE", pattern, handler, opts...)
}

// Handle registers a route for method and pattern on the App.
func (a *App) Handle(method, pattern string, handler any, opts ...any) {
	a.register(routeConfig{}, "", method, pattern, handler, opts)
}

// Get registers a GET route in the group.
func (g *Group) Get(pattern string, handler any, opts ...any) {
	g.Handle("GET", pattern, handler, opts...)
}

// Post registers a POST route in the group.
func (g *Group) Post(pattern string, handler any, opts ...any) {
	g.Handle("POST", pattern, handler, opts...)
}

// Put registers a PUT route in the group.
func (g *Group) Put(pattern string, handler any, opts ...any) {
	g.Handle("PUT", pattern, handler, opts...)
}

// Patch registers a PATCH route in the group.
func (g *Group) Patch(pattern string, handler any, opts ...any) {
	g.Handle("PATCH", pattern, handler, opts...)
}

// Delete registers a DELETE route in the group.
func (g *Group) Delete(pattern string, handler any, opts ...any) {
	g.Handle("DELETE", pattern, handler, opts...)
}

// Handle registers a route for method and pattern in the group.
func (g *Group) Handle(method, pattern string, handler any, opts ...any) {
	g.app.register(cloneCfg(g.cfg), g.prefix, method, pattern, handler, opts)
}

func (a *App) register(base routeConfig, prefix, method, pattern string, handler any, opts []any) {
	method = strings.ToUpper(method)
	full := prefix + pattern
	if !strings.HasPrefix(full, "/") {
		panic(fmt.Sprintf("keel: route %s %q: the pattern must start with /", method, full))
	}
	var hp *resolve.Provider
	var fnName string
	if p, ok := handler.(*di.Provider); ok && p != nil {
		hp = (*resolve.Provider)(p) // a typed handler: di.Func2(readItem)
		fnName = names.Own(hp.Name())
	} else {
		hv := reflect.ValueOf(handler)
		if hv.Kind() != reflect.Func {
			panic(fmt.Sprintf("keel: route %s %s: the handler is %T; want a function", method, full, handler))
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					panic(fmt.Sprintf("keel: route %s %s: %v", method, full, p))
				}
			}()
			hp = (*resolve.Provider)(di.Provide(handler))
		}()
		fnName = names.Own(names.Func(hv))
	}
	rt := &route{app: a, method: method, pattern: full, handler: hp, cfg: base, fnName: fnName}
	for i, o := range opts {
		switch v := o.(type) {
		case RouteOption:
			v.applyRoute(&rt.cfg)
		case di.Source:
			rt.explicit = append(rt.explicit, resolve.Dependency(v.Dependency())) // di.Args too: checked when compiled
		case nil:
			panic(fmt.Sprintf("%s: argument #%d is nil", rt.describe(), i+3))
		default:
			panic(fmt.Sprintf("%s: argument #%d has type %T; want a router option or a dependency (di.Source)", rt.describe(), i+3, o))
		}
	}
	rt.status = rt.cfg.status
	if rt.status == 0 {
		rt.status = 200
	}
	if rt.cfg.name != "" {
		rt.fnName = rt.cfg.name
	}
	// docs/fastapi-compat.md §3.2: app, then groups outer to inner, then the route's own.
	rt.effects = append(slices.Clone(a.cfg.deps), rt.cfg.effects...)
	muxPattern, docPath, wild, err := translatePattern(full)
	if err != nil {
		panic(rt.describe() + ": " + err.Error())
	}
	rt.docPath, rt.wild = docPath, wild
	doc, err := a.compile(rt, nil)
	if err != nil {
		panic(rt.describe() + ": " + err.Error())
	}
	rt.doc, rt.docPlan = doc, doc.plan
	run := doc
	if len(a.overrides) > 0 {
		if run, err = a.compile(rt, a.overrides); err != nil {
			panic(rt.describe() + ": with overrides: " + err.Error())
		}
	}
	rt.plan.Store(run)
	if err := a.checkOperationID(rt); err != nil {
		panic(rt.describe() + ": " + err.Error())
	}
	if err := a.checkRoute(rt); err != nil {
		panic(rt.describe() + ": " + err.Error())
	}
	var h http.Handler = rt
	for i := len(rt.cfg.middleware) - 1; i >= 0; i-- {
		h = rt.cfg.middleware[i](h)
	}
	a.handle(rt, method, muxPattern, h)
	a.routes = append(a.routes, rt)
	a.docOnce = sync.Once{}
}

// compiled is a route's plan with what the router needs from it per request.
type compiled struct {
	plan *resolve.Plan
	// body is set when some binder reads the request body: the router reads it
	// before resolving, as FastAPI does, so that an unreadable body or a JSON
	// syntax error answers first (docs/fastapi-compat.md §4.5).
	body  bool
	jsons []*bind.Binder // binders whose JSON syntax is checked up front
}

func (a *App) compile(rt *route, overrides map[*resolve.Provider]*resolve.Provider) (*compiled, error) {
	cfg := resolve.Config{Builtins: builtins(), Resolvers: a.resolvers(false), Overrides: overrides}
	plan, err := resolve.Compile(rt.handler, rt.effects, rt.explicit, cfg)
	if err != nil {
		return nil, err
	}
	bodies := bodyBinders(plan)
	if len(bodies) > 1 {
		// Several body parameters on one route: each is embedded under its name.
		media := ""
		for _, b := range bodies {
			if b.Fields()[0].Name == "" {
				return nil, fmt.Errorf("the route reads the request body in %d places, and %s is a whole-body parameter, which has no name to embed it under; declare the bodies as named `body` fields of parameter structs", len(bodies), b.Type())
			}
			m := b.BodyMedia()
			if media != "" && m != media && (m == "application/json" || media == "application/json") {
				return nil, fmt.Errorf("the route mixes a JSON body (%s) with form fields; a request has one body: use one kind", b.Type())
			}
			if media == "" || m == "multipart/form-data" {
				media = m
			}
		}
		cfg.Resolvers = a.resolvers(true)
		if plan, err = resolve.Compile(rt.handler, rt.effects, rt.explicit, cfg); err != nil {
			return nil, err
		}
		bodies = bodyBinders(plan)
	}
	c := &compiled{plan: plan, body: len(bodies) > 0}
	for _, b := range bodies {
		if b.NeedsJSON() {
			c.jsons = append(c.jsons, b)
		}
	}
	return c, nil
}

// bodyBinders lists the distinct binders of plan that read the body.
func bodyBinders(plan *resolve.Plan) []*bind.Binder {
	var out []*bind.Binder
	walkTree(plan.Tree(), func(n *resolve.Node) {
		if b, ok := n.Provider.Meta().(*bind.Binder); ok && b.NeedsBody() && !slices.Contains(out, b) {
			out = append(out, b)
		}
	})
	return out
}

// checkOperationID refuses a second route with the same OpenAPI operationId.
func (a *App) checkOperationID(rt *route) error {
	if rt.cfg.hidden {
		return nil
	}
	id := openapi.OperationID(openapi.Route{Method: rt.method, Path: rt.docPath, Name: rt.fnName, OperationID: rt.cfg.operationID})
	if prev, ok := a.opIDs[id]; ok {
		return fmt.Errorf("its OpenAPI operationId %q is already used by %s; give one of them router.OperationID(...) or router.Name(...)", id, prev)
	}
	a.opIDs[id] = rt.method + " " + rt.pattern
	return nil
}

// translatePattern turns a Keel pattern into a ServeMux pattern and an OpenAPI
// path. "/items/" is exact (ServeMux would treat it as a prefix), so it becomes
// "/items/{$}"; "{name...}" stays a rest wildcard and is documented as "{name}".
func translatePattern(p string) (mux, doc string, wild []string, err error) {
	segs := strings.Split(p, "/")
	var docSegs []string
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			if !strings.HasSuffix(s, "}") {
				return "", "", nil, fmt.Errorf("bad wildcard segment %q; write {name} or {name...}", s)
			}
			name := s[1 : len(s)-1]
			if name == "$" {
				return "", "", nil, fmt.Errorf("do not write {$}; a pattern ending in / is already exact")
			}
			rest := strings.HasSuffix(name, "...")
			name = strings.TrimSuffix(name, "...")
			if rest && i != len(segs)-1 {
				return "", "", nil, fmt.Errorf("{%s...} must be the last segment", name)
			}
			wild = append(wild, name)
			docSegs = append(docSegs, "{"+name+"}")
			continue
		}
		docSegs = append(docSegs, s)
	}
	doc = strings.Join(docSegs, "/")
	mux = p
	if strings.HasSuffix(p, "/") {
		mux = p + "{$}"
	}
	return mux, doc, wild, nil
}

// checkRoute verifies what needs the whole graph: every path field names a
// wildcard of the pattern, and every wildcard is bound by some path field.
func (a *App) checkRoute(rt *route) error {
	bound := map[string]bool{}
	var err error
	walkTree(rt.docPlan.Tree(), func(n *resolve.Node) {
		b, ok := n.Provider.Meta().(*bind.Binder)
		if !ok || err != nil {
			return
		}
		for _, name := range b.PathNames() {
			if !slices.Contains(rt.wild, name) {
				err = fmt.Errorf("%s has a path field %q that the pattern %q lacks; add {%s} to the pattern or change the tag", b.Type(), name, rt.pattern, name)
				return
			}
			bound[name] = true
		}
	})
	if err != nil {
		return err
	}
	for _, w := range rt.wild {
		if !bound[w] {
			return fmt.Errorf("the pattern wildcard {%s} is bound to nothing; add a field tagged `path:%q` to a parameter struct of the handler or a dependency", w, w)
		}
	}
	if err := checkOptionalBodies(rt.docPlan.Tree()); err != nil {
		return err
	}
	return a.checkSchemes(rt)
}

// checkOptionalBodies refuses an optional body (a *T parameter nothing else
// provides) whose type a provider in the same graph provides: the function
// taking it almost certainly lacks that provider as its explicit dependency.
func checkOptionalBodies(tree *resolve.Node) error {
	providers := map[reflect.Type]string{}
	walkTree(tree, func(n *resolve.Node) {
		if _, ok := n.Provider.Meta().(*bind.Binder); !ok && n.Provider.Type() != nil {
			providers[n.Provider.Type()] = n.Provider.Name()
		}
	})
	var err error
	walkTree(tree, func(n *resolve.Node) {
		b, ok := n.Provider.Meta().(*bind.Binder)
		if !ok || err != nil || b.Type().Kind() != reflect.Pointer || len(b.Fields()) != 1 || b.Fields()[0].In != params.InBody || b.Fields()[0].Name != "" {
			return
		}
		if p, ok := providers[b.Type()]; ok {
			err = fmt.Errorf("a parameter of type %s would be the optional JSON body, but %s in this route's graph provides %s; pass %s with the function that takes it (di.Provide(fn, dep) or the route's arguments), or use a parameter struct with a body field if you mean the body", b.Type(), p, b.Type(), p)
		}
	})
	return err
}

func walkTree(n *resolve.Node, f func(*resolve.Node)) {
	f(n)
	for _, c := range n.Children {
		walkTree(c, f)
	}
}

// handle adds a route to the routing table. A pattern that http.ServeMux
// would refuse (two patterns that overlap with neither more specific) panics,
// as ServeMux does.
func (a *App) handle(rt *route, method, muxPattern string, h http.Handler) {
	pattern := method + " " + muxPattern
	func() {
		defer func() {
			if p := recover(); p != nil {
				if strings.Contains(fmt.Sprint(p), "multiple registrations") {
					panic(fmt.Sprintf("%s: %s %s is already registered", rt.describe(), method, rt.pattern))
				}
				panic(fmt.Sprintf("%s: %v", rt.describe(), p))
			}
		}()
		a.mux.Handle(pattern, http.NotFoundHandler())
	}()
	_, names := shape(muxPattern)
	a.addEntry(method, muxPattern, &entry{methods: []string{method}, pattern: pattern, names: names, h: h})
}

// addEntry files e in the dispatcher, with its registration order, and gives
// a route with named wildcards its one-pattern ServeMux (see dispatcher.serve).
func (a *App) addEntry(method, muxPattern string, e *entry) {
	d := a.dispatch
	e.order = d.n
	d.n++
	if len(e.names) > 0 && e.names[0] != "" && !strings.Contains(muxPattern, "%") {
		e.setter = http.NewServeMux()
		e.setter.Handle(e.pattern, e.h)
		e.setter.Handle("/", d.setterFallback(e))
	}
	if old := d.add(method, muxPattern, e); old != nil {
		panic(fmt.Sprintf("keel: %s is already registered", e.pattern))
	}
}

// shape returns the pattern with wildcard names removed ("/a/{}/{...}") and the
// names in order.
func shape(p string) (string, []string) {
	if !strings.Contains(p, "{") {
		return p, nil
	}
	segs := strings.Split(p, "/")
	var names []string
	for i, seg := range segs {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && seg != "{$}" {
			name := seg[1 : len(seg)-1]
			rest := strings.HasSuffix(name, "...")
			names = append(names, strings.TrimSuffix(name, "..."))
			segs[i] = "{}"
			if rest {
				segs[i] = "{...}"
			}
		}
	}
	return strings.Join(segs, "/"), names
}

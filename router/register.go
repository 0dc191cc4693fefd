package router

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/bind"
	"github.com/keelgo/keel/internal/jsonenc"
	"github.com/keelgo/keel/internal/jsonfields"
	"github.com/keelgo/keel/internal/names"
	"github.com/keelgo/keel/internal/resolve"
	"github.com/keelgo/keel/internal/wire"
	"github.com/keelgo/keel/openapi"
	"github.com/keelgo/keel/params"
)

// This file is registration and compilation: the methods that register
// routes, and what registering one does: read its options, compile its
// dependency graph (with the resolvers for parameter structs, app-wide
// providers and bodies), check what needs the whole graph, and file it.

// registrar registers routes: the methods App and Group share. The App is a
// registrar at the root, with no options of its own; a Group adds its prefix
// and options to every route and group made from it.
type registrar struct {
	app    *App
	prefix string
	cfg    routeConfig
}

// Group is a set of routes sharing a path prefix, tags, dependencies and
// middleware. Groups nest. Create one with App.Group or Group.Group.
type Group struct {
	registrar
}

// Group returns a group of routes under prefix, nested in the App or group it
// is called on: its prefix, tags, dependencies and middleware come after the
// parent's. opts may be RouteOptions (Tags, Dependencies, Middleware,
// Deprecated, Hidden, Response) and di.Source values, which become the group's
// dependencies (run for their effect).
func (r *registrar) Group(prefix string, opts ...any) *Group {
	g := &Group{registrar{app: r.app, prefix: r.prefix + strings.TrimSuffix(prefix, "/"), cfg: cloneCfg(r.cfg)}}
	applyGroupOpts(&g.cfg, opts, "Group")
	return g
}

// Use adds middleware to the group's routes registered afterwards.
func (g *Group) Use(mw ...func(http.Handler) http.Handler) {
	g.cfg.middleware = append(g.cfg.middleware, mw...)
}

// The registration methods. handler is a function returning (T, error), error,
// or T, or a typed provider (di.Func2(readItem)); opts are RouteOptions and
// dependencies (di.Source, di.Args). A dependency whose type matches a handler
// parameter fills it; the others run for their effect. They panic if the route
// is misdeclared.

// Get registers a GET route.
func (r *registrar) Get(pattern string, handler any, opts ...any) {
	r.Handle("GET", pattern, handler, opts...)
}

// Post registers a POST route.
func (r *registrar) Post(pattern string, handler any, opts ...any) {
	r.Handle("POST", pattern, handler, opts...)
}

// Put registers a PUT route.
func (r *registrar) Put(pattern string, handler any, opts ...any) {
	r.Handle("PUT", pattern, handler, opts...)
}

// Patch registers a PATCH route.
func (r *registrar) Patch(pattern string, handler any, opts ...any) {
	r.Handle("PATCH", pattern, handler, opts...)
}

// Delete registers a DELETE route.
func (r *registrar) Delete(pattern string, handler any, opts ...any) {
	r.Handle("DELETE", pattern, handler, opts...)
}

// Handle registers a route for method and pattern.
func (r *registrar) Handle(method, pattern string, handler any, opts ...any) {
	r.app.register(cloneCfg(r.cfg), r.prefix, method, pattern, handler, opts)
}

// route is one registered method+pattern.
type route struct {
	app      *App
	method   string
	pattern  string // as given, with the group prefixes
	docPath  string // OpenAPI path template
	handler  *resolve.Provider
	fnName   string      // the handler's own Go name ("readItems"), "" for a closure
	cfg      routeConfig // cfg.effects: the App's dependencies, then the groups' and the route's
	explicit []resolve.Dependency
	plan     atomic.Pointer[compiled] // what serves requests (overrides applied)
	doc      *compiled                // as declared: documents the route (doc.plan)
	status   int
	wild     []string
	kind     resultKind // what the handler's result makes of the response
}

func (rt *route) describe() string {
	return fmt.Sprintf("keel: route %s %s (handler %s)", rt.method, rt.pattern, rt.handler.Name())
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
	rt.cfg.effects = append(slices.Clone(a.cfg.deps), rt.cfg.effects...)
	muxPattern, docPath, wild, err := translatePattern(full)
	if err != nil {
		panic(rt.describe() + ": " + err.Error())
	}
	rt.docPath, rt.wild = docPath, wild
	doc, err := a.compile(rt, nil)
	if err != nil {
		panic(rt.describe() + ": " + err.Error())
	}
	rt.doc = doc
	a.logReflective(rt)
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
	rt.kind, _ = resultShape(rt.doc.plan.Output())
	if rt.kind == kindRedirect && rt.cfg.status == 0 {
		rt.status = http.StatusTemporaryRedirect // RedirectResponse's default
	}
	if err := checkResult(rt); err != nil {
		panic(rt.describe() + ": " + err.Error())
	}
	var h http.Handler = rt
	switch {
	case rt.cfg.websocket:
		if !rt.doc.plan.UsesConn() {
			panic(rt.describe() + ": a WebSocket handler takes the connection, a *websocket.Conn (github.com/coder/websocket)")
		}
		if out := rt.doc.plan.Output(); out != nil {
			panic(fmt.Sprintf("%s: a WebSocket handler returns an error or nothing, not %v: it answers on the connection", rt.describe(), out))
		}
		h = &wsRoute{rt}
	case rt.doc.plan.UsesConn():
		panic(rt.describe() + ": only a WebSocket route's handler takes a *websocket.Conn; register it with WebSocket")
	case rt.kind != kindJSON:
		h = &otherRoute{rt} // JSON routes keep route.ServeHTTP, which checks for no other kind
	}
	// A CORS preflight (OPTIONS) for this route reaches the route's own
	// middleware too, ending in the 405 the App answers without it (see
	// dispatcher.unmatched): a CORS middleware given to the route or its group
	// answers it.
	var preflight http.Handler
	if len(rt.cfg.middleware) > 0 {
		preflight = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a.dispatch.methodNotAllowed(w, r, wire.Path(r))
		})
	}
	for i := len(rt.cfg.middleware) - 1; i >= 0; i-- {
		h = rt.cfg.middleware[i](h)
		preflight = rt.cfg.middleware[i](preflight)
	}
	// Served straight from Keel's match (dispatcher.serve) unless code
	// around the plan sees the request: the route's middleware, or a WebSocket
	// route's handshake (kept simple: it is per connection).
	var direct *route
	if len(rt.cfg.middleware) == 0 && !rt.cfg.websocket {
		direct = rt
	}
	a.handle(rt, method, muxPattern, h, preflight, direct)
	a.routes = append(a.routes, rt)
	a.docOnce = sync.Once{}
}

// compiled is a route's plan with what the router needs from it per request.
type compiled struct {
	plan *resolve.Plan
	// body is set when some binder reads the request body: the router reads it
	// before resolving, as FastAPI does, so that an unreadable body or a JSON
	// syntax error answers first (docs/fastapi-compat.md §4.5).
	body bool
	// readsPath: some function of the plan may read r.PathValue
	// (resolve.Plan.ReadsPathValues): the dispatcher then sets the values
	// on the request (dispatcher.serve).
	readsPath bool
	jsons     []*bind.Binder   // binders whose JSON syntax is checked up front
	enc       *jsonenc.Encoder // the handler's result, nil when it returns only an error
}

func (a *App) compile(rt *route, overrides map[*resolve.Provider]*resolve.Provider) (*compiled, error) {
	cfg := resolve.Config{Builtins: builtins(), Resolvers: a.resolvers(false), Overrides: overrides, Tracer: a.tracer,
		Calls: a.adapted, Presets: []*resolve.Provider{a.body}}
	plan, err := resolve.Compile(rt.handler, rt.cfg.effects, rt.explicit, cfg)
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
		if plan, err = resolve.Compile(rt.handler, rt.cfg.effects, rt.explicit, cfg); err != nil {
			return nil, err
		}
		bodies = bodyBinders(plan)
	}
	c := &compiled{plan: plan, body: len(bodies) > 0, readsPath: plan.ReadsPathValues()}
	if out := plan.Output(); out != nil {
		c.enc = a.json.For(out)
	}
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
		return fmt.Errorf("its OpenAPI operationId %q is already used by %s %s; give one of them router.OperationID(...) or router.Name(...)", id, prev.method, prev.pattern)
	}
	a.opIDs[id] = rt
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
	walkTree(rt.doc.plan.Tree(), func(n *resolve.Node) {
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
	if err := checkOptionalBodies(rt.doc.plan.Tree()); err != nil {
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

// resolvers are tried for parameters that are neither explicit dependencies nor
// built-ins: parameter structs, app-wide providers, then a JSON body. With embed,
// parameter structs bind their JSON body fields embedded under their names, as
// FastAPI does when a route has several body parameters (docs/fastapi-compat.md §4.5).
func (a *App) resolvers(embed bool) []resolve.Resolver {
	return []resolve.Resolver{
		resolve.ResolverFunc(func(t reflect.Type) (resolve.Dependency, resolve.Kind, error) {
			return dep(a.resolveParams(t, embed))
		}),
		resolve.ResolverFunc(func(t reflect.Type) (resolve.Dependency, resolve.Kind, error) {
			return a.providers[t], resolve.KindDependency, nil
		}),
		resolve.ResolverFunc(func(t reflect.Type) (resolve.Dependency, resolve.Kind, error) { return dep(a.resolveBody(t)) }),
	}
}

func dep(p *resolve.Provider, k resolve.Kind, err error) (resolve.Dependency, resolve.Kind, error) {
	if p == nil {
		return resolve.Dependency{}, k, err
	}
	return p.Dependency(), k, err
}

type binderKey struct {
	t     reflect.Type
	embed bool
}

func (a *App) resolveParams(t reflect.Type, embed bool) (*resolve.Provider, resolve.Kind, error) {
	if !bind.IsParamStruct(t) {
		return nil, 0, nil
	}
	k := binderKey{t, embed}
	if p, ok := a.binders[k]; ok {
		return p, resolve.KindParams, nil
	}
	b, err := a.params.Struct(t)
	if err != nil {
		return nil, 0, err
	}
	if embed {
		b = b.Embedded()
	}
	p := a.binderProvider(b)
	a.binders[k] = p
	return p, resolve.KindParams, nil
}

// resolveBody treats a struct, slice or map parameter nothing else provides as the
// JSON request body (FastAPI's single body parameter, docs/fastapi-compat.md §3.1 rule 4),
// and a pointer to one as an optional body, nil when the request has none
// (FastAPI's `item: Item | None = None`, §4.5). A pointer to a struct that has
// no JSON field (*sql.DB, *http.Client: a provider someone forgot) and a
// pointer to a parameter struct are not bodies.
func (a *App) resolveBody(t reflect.Type) (*resolve.Provider, resolve.Kind, error) {
	switch t.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Map:
	case reflect.Pointer:
		switch e := t.Elem(); {
		case bind.IsParamStruct(e):
			return nil, 0, fmt.Errorf("%s is a pointer to a parameter struct; take the struct by value (%s): its fields say which are optional", t, e)
		case e.Kind() == reflect.Struct && len(jsonfields.Of(e)) == 0:
			return nil, 0, nil
		case e.Kind() != reflect.Struct && e.Kind() != reflect.Slice && e.Kind() != reflect.Map:
			return nil, 0, nil
		}
	default:
		return nil, 0, nil
	}
	k := binderKey{t, false}
	if p, ok := a.binders[k]; ok {
		return p, resolve.KindParams, nil
	}
	b, err := a.params.Body(t)
	if err != nil {
		return nil, 0, err
	}
	p := a.binderProvider(b)
	a.binders[k] = p
	return p, resolve.KindParams, nil
}

func (a *App) binderProvider(b *bind.Binder) *resolve.Provider {
	t := b.Type()
	name := "params(" + t.String() + ")"
	// The inputs: the request, then the path values Keel's match found
	// (dispatcher.serve) when the struct has path fields, then the body when
	// it reads it.
	in := []reflect.Type{reflect.TypeFor[*http.Request]()}
	path, body := -1, -1
	if b.HasPath() {
		path = len(in)
		in = append(in, reflect.TypeFor[*wire.PathValues]())
	}
	var deps []resolve.Dependency
	if b.NeedsBody() {
		body = len(in)
		in = append(in, reflect.TypeFor[*bind.Body]())
		deps = append(deps, a.body.Dependency())
	}
	p := resolve.NewRaw(b, name, t, in, func(in []unsafe.Pointer, dst unsafe.Pointer) (resolve.Cleanup, error) {
		var pv *wire.PathValues
		if path >= 0 {
			pv = *(**wire.PathValues)(in[path])
		}
		var bd *bind.Body
		if body >= 0 {
			bd = *(**bind.Body)(in[body])
		}
		return resolve.Cleanup{}, b.BindPtr(*(**http.Request)(in[0]), pv, bd, dst)
	}, deps...).WithoutPathValues() // it reads them from the *wire.PathValues
	if b.FillsAll() {
		p.Fills() // no zeroing before binding
	}
	return p
}

// decl is the resolver's declaration of a dependency given to the App.
func decl(s di.Source) resolve.Dependency { return resolve.Dependency(di.Depends(s)) }

// builtins are the types of package di the resolver injects itself.
func builtins() resolve.Builtins {
	return resolve.Builtins{Scopes: reflect.TypeFor[di.SecurityScopes](), Response: reflect.TypeFor[*di.Response](),
		Background: reflect.TypeFor[*di.Background](), Conn: connType}
}

package resolve

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"unique"
	"unsafe"

	"github.com/keelgo/keel/internal/names"
)

// Kind says how a parameter's provider relates to the function that needs it. It
// decides the order of resolution and of validation errors (docs/fastapi-compat.md §3.3): dependency
// children run first, in signature order, then the function's own parameters.
type Kind uint8

const (
	// KindDependency is a sub-dependency (explicit, or an app-wide provider).
	KindDependency Kind = iota
	// KindParams is the function's own request parameters (a parameter struct or a
	// body); validated after its dependencies.
	KindParams
	// KindEffect is a route-, group- or app-level dependency run for its effect.
	KindEffect
)

// A Resolver supplies the dependency for a parameter type that neither an
// explicit dependency nor a built-in covers. It returns the zero Dependency when
// it does not handle t, and an error when t is its kind of type but is declared
// wrongly.
type Resolver interface {
	Resolve(t reflect.Type) (Dependency, Kind, error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(t reflect.Type) (Dependency, Kind, error)

// Resolve implements Resolver.
func (f ResolverFunc) Resolve(t reflect.Type) (Dependency, Kind, error) { return f(t) }

// Builtins are the public types the resolver injects itself, besides
// context.Context and *http.Request: package di's, which this package cannot
// import. The router fills them.
type Builtins struct {
	// Scopes is di.SecurityScopes: a struct whose first field is
	// Scopes []string.
	Scopes reflect.Type
	// Response is *di.Response: a pointer to a type defined over Response.
	Response reflect.Type
	// Background is *di.Background: a pointer to a type defined over
	// Background, the request's background tasks.
	Background reflect.Type
	// Conn is the connection a WebSocket handler takes (set per request with
	// State.SetConn once the handshake is done); only the handler may take it.
	Conn reflect.Type
}

// Config is what Compile needs besides the handler.
type Config struct {
	// Builtins are the types injected as SecurityScopes and the response handle.
	Builtins Builtins
	// Resolvers are tried in order for parameters not otherwise resolved.
	Resolvers []Resolver
	// Overrides replaces providers at any depth (docs/fastapi-compat.md §3.6). The replacement's own
	// parameters are resolved; the original's cache key and scopes are kept.
	Overrides map[*Provider]*Provider
	// Tracer, when not nil, is told around each provider's call, cache hit and
	// cleanup (di.Tracer through router.WithTracer). Nil costs one check per call.
	Tracer Tracer
	// Calls, when not nil, gives a typed call for a provider the resolver
	// would otherwise call by reflection (a generated adapter for its
	// function's type), or nil.
	Calls func(*Provider) Call
	// Presets are the providers whose value State.Preset may set before Run
	// (the request body the router reads first).
	Presets []*Provider
}

// Node is one occurrence of a dependency in a route's graph, as declared: the
// OpenAPI layer walks it (docs/fastapi-compat.md §2.3, §4.6). Overrides never appear here.
type Node struct {
	Provider *Provider // nil for the root's handler? no: the root holds the handler's provider
	Kind     Kind
	// Reflect reports that the provider's function is called by reflection:
	// it is neither typed (di.Func*) nor covered by an adapter (Config.Calls).
	Reflect bool
	// Scopes are the SecurityScopes injected at this node (parents first, docs/fastapi-compat.md §2.2).
	Scopes []string
	// Key identifies the node's per-request cache entry (docs/fastapi-compat.md §2.4); nodes with
	// equal keys share one value.
	Key      string
	Children []*Node
}

// String renders the graph below n, one node per line, for debugging.
func (n *Node) String() string {
	var b strings.Builder
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(n.Provider.Name())
		if len(n.Scopes) > 0 {
			fmt.Fprintf(&b, " scopes=%v", n.Scopes)
		}
		switch n.Kind {
		case KindParams:
			b.WriteString(" (params)")
		case KindEffect:
			b.WriteString(" (effect)")
		}
		if n.Reflect {
			b.WriteString(" (reflect)")
		}
		b.WriteByte('\n')
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// Plan is a route's compiled resolution: built once, run per request.
//
// It runs as a flat program (prog): the graph's occurrences in post-order,
// each a call step, preceded by a check step where the per-request cache may
// already hold the occurrence's value (a later occurrence of a key, or a value
// the router presets), which then skips the occurrence's whole subtree, as
// FastAPI's recursion does (docs/fastapi-compat.md §3.4). A graph whose keys
// occur once has no check steps and never touches the cache.
type Plan struct {
	root     *occ
	occs     []*occ // by id
	prog     []step
	nKeys    int
	maxArgs  int
	nSlots   int         // State.ptrs: occurrences, built-ins, constants, conversions
	consts   []constSlot // SecurityScopes values, shared by every request
	convs    []convSlot  // scratch values of converted arguments
	out      reflect.Type
	handler  *Provider
	tree     *Node
	pool     statePool
	plain    map[*Provider]slotRef // presettable providers (Config.Presets) and their slots
	connType reflect.Type
	tracer   Tracer
	// The flags last, in one word (every route retains its plans).
	caches   bool // some step reads the cache
	aliases  bool // a cache hit can alias an occurrence's slot
	usesResp bool
	usesBg   bool // some function takes the background tasks
	usesConn bool // the handler takes the connection
	usesPath bool // some function takes the *wire.PathValues (a binder with path fields)
	// readsPath: some function may read r.PathValue: it takes the
	// *http.Request and is not marked WithoutPathValues.
	readsPath bool
}

// Slots of State.ptrs after the occurrences' (len(Plan.occs) + …).
const (
	slotRequest = iota
	slotContext
	slotResponse
	slotBackground
	slotConn
	slotPath
	nBuiltinSlots
)

// constSlot is a constant argument: a SecurityScopes value.
type constSlot struct {
	slot int
	ptr  unsafe.Pointer
}

// convSlot is where an argument is converted to its parameter's type: a value
// of a concrete type for an interface parameter (an explicit dependency
// matched by interface, an override).
type convSlot struct {
	slot int
	typ  reflect.Type
}

// step is one instruction of a plan's program.
type step struct {
	o     *occ
	check bool  // a cache check before o's subtree; else o's call
	next  int32 // check: the step after o's call, where a hit continues
}

type slotRef struct{ occ, key int }

// Tree returns the declared graph (the handler at the root).
func (p *Plan) Tree() *Node { return p.tree }

// Output returns the type the handler returns besides error, or nil.
func (p *Plan) Output() reflect.Type { return p.out }

// Handler returns the handler's provider.
func (p *Plan) Handler() *Provider { return p.handler }

// UsesBackground reports whether some function of the plan takes the
// request's background tasks (Builtins.Background).
func (p *Plan) UsesBackground() bool { return p.usesBg }

// UsesConn reports whether the handler takes the connection (Builtins.Conn).
func (p *Plan) UsesConn() bool { return p.usesConn }

// UsesPath reports whether some function of the plan takes the request's
// path values as a *wire.PathValues (a binder with path fields): the caller
// sets them with State.Path before running it.
func (p *Plan) UsesPath() bool { return p.usesPath }

// ReadsPathValues reports whether some function of the plan, overrides
// applied, may read the request's path values through r.PathValue: it takes
// the *http.Request and was not made WithoutPathValues. The router sets them
// on the request only for such plans (and where other code it runs sees the
// request).
func (p *Plan) ReadsPathValues() bool { return p.readsPath }

// CompileError is a registration error: it names the function, the parameter and
// its type, and says how to fix it.
type CompileError struct {
	Func  string // the function whose parameter failed, e.g. "main.currentUser"
	Param int    // 1-based parameter index, 0 when not about one parameter
	Type  reflect.Type
	Path  []string // the chain of functions from the handler down to Func
	Msg   string
}

func (e *CompileError) Error() string {
	var b strings.Builder
	b.WriteString(e.Func)
	if e.Param > 0 {
		fmt.Fprintf(&b, " parameter #%d", e.Param)
		if e.Type != nil {
			fmt.Fprintf(&b, " (%s)", e.Type)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if len(e.Path) > 1 {
		fmt.Fprintf(&b, " [via %s]", strings.Join(e.Path, " → "))
	}
	return b.String()
}

// occ is one occurrence at run time (with overrides applied).
type occ struct {
	id       int
	key      int
	p        *Provider // the provider called (the replacement when overridden)
	children []*occ
	inputs   []input
	call     Call  // typed call (the provider's, or an adapter); nil: reflection
	scope    Scope // effective cleanup scope
	// Flags last, in one word: the occurrence is retained by every route's
	// plan (its declared Node and injected scopes are the compiler's,
	// compiler.nodes, and not kept here).
	root         bool
	useCache     bool
	noCacheBelow bool
	zero         bool // call expects dst zeroed
	checkCall    bool // the cache may hold the value when the call step comes
	writeCache   bool // a later check may read this occurrence's value
	convert      bool // some input is converted (input.conv)
}

type inKind uint8

const (
	inChild inKind = iota
	inRequest
	inContext
	inResponse
	inScopes
	inBackground
	inConn
	inPath
)

type input struct {
	occ  *occ
	slot int32 // in State.ptrs
	conv int32 // in State.ptrs, the converted value's slot; -1: none
	kind inKind
}

type compiler struct {
	cfg      Config
	keys     map[string]int
	plain    map[*Provider]slotRef
	nOcc     int
	nodes    []*Node // the declared node of each occurrence, by id
	maxArgs  int
	usesRsp  bool
	usesBg   bool
	usesConn bool
	usesPath bool
	stack    []*Provider
	uses     map[*Provider]bool // memo: provider uses scopes below (docs/fastapi-compat.md §2.4)
	resolved map[reflect.Type]resolution
	effects  []Dependency
}

type resolution struct {
	d    Dependency
	p    *Provider
	kind Kind
	err  error
}

// Compile builds the plan for handler. effects are route-level dependencies run
// for their effect (app, groups, route, in that order, docs/fastapi-compat.md §3.2). An explicit
// dependency whose type matches a handler parameter fills it; the others run for
// their effect after effects and before the handler's parameter dependencies.
func Compile(handler *Provider, effects, explicit []Dependency, cfg Config) (*Plan, error) {
	if handler.shape == retValueCleanErr || handler.shape == retValueCleanFunc {
		return nil, &CompileError{Func: handler.Name(), Msg: "a handler cannot return a cleanup; return (T, error) or error, and move the cleanup into a provider"}
	}
	c := &compiler{cfg: cfg, keys: map[string]int{}, plain: map[*Provider]slotRef{}, uses: map[*Provider]bool{}, resolved: map[reflect.Type]resolution{}}
	c.effects = effects
	rootDecl := Dependency{p: handler}
	root, tree, err := c.build(rootDecl, nil, KindDependency, explicit, true, nil)
	if err != nil {
		return nil, err
	}
	p := &Plan{root: root, nKeys: len(c.keys), maxArgs: c.maxArgs, usesResp: c.usesRsp,
		out: handler.out, handler: handler, tree: tree, usesBg: c.usesBg, usesConn: c.usesConn,
		connType: cfg.Builtins.Conn, tracer: cfg.Tracer, usesPath: c.usesPath}
	c.finish(p)
	p.pool.plan = p
	return p, nil
}

// finish lays out the plan for running: the program, the slots of every
// argument, the calls.
func (c *compiler) finish(p *Plan) {
	p.occs = make([]*occ, c.nOcc)
	var index func(o *occ)
	index = func(o *occ) {
		p.occs[o.id] = o
		for _, ch := range o.children {
			index(ch)
		}
	}
	index(p.root)

	// Keys the router may preset (the body) count as cached before the run.
	preset := map[int]bool{}
	for _, pp := range c.cfg.Presets {
		if ref, ok := c.plain[pp]; ok {
			if p.plain == nil {
				p.plain = map[*Provider]slotRef{}
			}
			p.plain[pp] = ref
			preset[ref.key] = true
		}
	}
	// The program, in the recursion's order: a check where the cache may hold
	// the value (an earlier call of the same key, or a preset), children, call.
	written := map[int]bool{}
	checked := map[int]bool{}
	var emit func(o *occ)
	emit = func(o *occ) {
		may := o.useCache && (written[o.key] || preset[o.key])
		chk := -1
		if may && !o.noCacheBelow {
			chk = len(p.prog)
			p.prog = append(p.prog, step{o: o, check: true})
		}
		for _, ch := range o.children {
			emit(ch)
		}
		o.checkCall = may
		if may {
			checked[o.key] = true
			p.caches = true
		}
		p.prog = append(p.prog, step{o: o})
		if chk >= 0 {
			p.prog[chk].next = int32(len(p.prog))
		}
		if !o.root {
			written[o.key] = true
		}
	}
	emit(p.root)
	p.aliases = p.caches

	// Slots: the occurrences' values, the built-ins, the constants, the
	// converted arguments.
	base := c.nOcc
	next := base + nBuiltinSlots
	for _, o := range p.occs {
		o.writeCache = !o.root && checked[o.key]
		o.call, o.zero = o.p.call, o.p.zero
		if o.call == nil && c.cfg.Calls != nil {
			o.call = c.cfg.Calls(o.p)
		}
		c.nodes[o.id].Reflect = o.call == nil
		ins := o.p.inTypes()
		for i := range o.inputs {
			in := &o.inputs[i]
			in.conv = -1
			switch in.kind {
			case inChild:
				in.slot = int32(in.occ.id)
				if vt, pt := in.occ.p.out, ins[i]; vt != pt && pt.Kind() == reflect.Interface {
					in.conv = int32(next)
					p.convs = append(p.convs, convSlot{slot: next, typ: pt})
					next++
					o.convert = true
				}
			case inContext:
				in.slot = int32(base + slotContext)
			case inResponse:
				in.slot = int32(base + slotResponse)
			case inBackground:
				in.slot = int32(base + slotBackground)
			case inConn:
				in.slot = int32(base + slotConn)
			case inPath:
				in.slot = int32(base + slotPath)
			case inRequest:
				in.slot = int32(base + slotRequest)
				if !o.p.noPath {
					p.readsPath = true
				}
			case inScopes:
				in.slot = int32(next)
				p.consts = append(p.consts, constSlot{slot: next, ptr: c.scopesValue(c.nodes[o.id].Scopes)})
				next++
			}
		}
	}
	p.nSlots = next
}

// build compiles one occurrence. parentList is the chain of scopes of its parent
// (docs/fastapi-compat.md §2.2). rootDeps are the explicit route dependencies when root is true.
func (c *compiler) build(d Dependency, parentList []string, kind Kind, rootDeps []Dependency, root bool, path []string) (*occ, *Node, error) {
	orig := d.p
	actual := orig
	path = append(path[:len(path):len(path)], orig.Name())
	if r, ok := c.cfg.Overrides[orig]; ok && r != nil && !root {
		if err := CheckOverride(orig, r); err != nil {
			return nil, nil, &CompileError{Func: orig.Name(), Path: path, Msg: "override: " + err.Error()}
		}
		actual = r
	}
	if slices.Contains(c.stack, actual) {
		names := make([]string, 0, len(c.stack)+1)
		for _, p := range c.stack {
			names = append(names, p.Name())
		}
		names = append(names, actual.Name())
		return nil, nil, &CompileError{Func: actual.Name(), Path: path, Msg: "dependency cycle: " + strings.Join(names, " → ") + "; break it by splitting one provider in two"}
	}
	c.stack = append(c.stack, actual)
	defer func() { c.stack = c.stack[:len(c.stack)-1] }()

	own := d.scopes
	injected := appendMissing(slices.Clone(parentList), own)
	chain := append(slices.Clone(parentList), own...)
	if actual != orig { // docs/fastapi-compat.md §2.2: the replacement gets the original's injected list, no own scopes
		chain = slices.Clone(injected)
	}

	o := &occ{id: c.nOcc, root: root, p: actual, useCache: !d.noCache && !root}
	c.nOcc++
	o.scope = d.scope
	if o.scope == ScopeDefault {
		o.scope = ScopeRequest
	}
	node := &Node{Provider: orig, Kind: kind, Scopes: injected}
	c.nodes = append(c.nodes, node) // at o.id

	// The function's parameters.
	var explicit []Dependency
	if root {
		explicit = rootDeps
	} else {
		explicit = actual.deps
	}
	sig, err := c.signature(actual, explicit, root, path)
	if err != nil {
		return nil, nil, err
	}
	if len(sig.inputs) > c.maxArgs {
		c.maxArgs = len(sig.inputs)
	}
	o.inputs = sig.inputs

	// §3.1: a request-scoped cleanup cannot depend on a function-scoped dependency.
	if actual.HasCleanup() && o.scope == ScopeRequest {
		for _, ch := range sig.children {
			if ch.decl.scope == ScopeFunction {
				return nil, nil, &CompileError{Func: actual.Name(), Path: path,
					Msg: fmt.Sprintf("The dependency %q has a scope of \"request\", it cannot depend on dependencies with scope \"function\"; declare it with .InScope(di.ScopeFunction) too, or drop the function scope of %s", actual.Name(), ch.decl.p.Name())}
			}
		}
	}

	for _, ch := range sig.children {
		co, cn, err := c.build(ch.decl, chain, ch.kind, nil, false, path)
		if err != nil {
			return nil, nil, err
		}
		o.children = append(o.children, co)
		node.Children = append(node.Children, cn)
		if ch.input >= 0 {
			if in := actual.inTypes()[ch.input]; co.p != ch.decl.p && (co.p.out == nil || !co.p.out.AssignableTo(in)) {
				return nil, nil, &CompileError{Func: actual.Name(), Param: ch.input + 1, Type: in, Path: path,
					Msg: fmt.Sprintf("the override %s of %s provides %v, which this parameter cannot take; make the replacement return %s", co.p.Name(), ch.decl.p.Name(), co.p.out, in)}
			}
			o.inputs[ch.input].occ = co
		}
		if !co.useCache || co.noCacheBelow {
			o.noCacheBelow = true
		}
	}

	if !root {
		key := orig.Name() + fmt.Sprintf("@%p", orig)
		if len(own) > 0 || c.usesScopes(orig) {
			set := slices.Clone(injected)
			slices.Sort(set)
			set = slices.Compact(set)
			key += "|" + strings.Join(set, "\x00")
		} else {
			key += "|"
		}
		kindKey := d.scope.String()
		if d.scope == ScopeDefault && orig.HasCleanup() {
			kindKey = "request"
		}
		key += "|" + kindKey
		id, ok := c.keys[key]
		if !ok {
			id = len(c.keys)
			c.keys[key] = id
			if strings.HasSuffix(key, "||") && orig == actual {
				c.plain[orig] = slotRef{occ: o.id, key: id}
			}
		}
		o.key = id
		// Interned: the same provider under the same scopes has the same
		// key in every route's graph, and an app keeps every graph.
		node.Key = unique.Make(key).Value()
	}
	return o, node, nil
}

// scopesValue returns a pointer to a SecurityScopes value (Builtins.Scopes)
// holding scopes, shared by every request: functions taking it get copies.
func (c *compiler) scopesValue(scopes []string) unsafe.Pointer {
	v := reflect.New(c.cfg.Builtins.Scopes)
	v.Elem().Field(0).Set(reflect.ValueOf(scopes))
	return v.UnsafePointer()
}

// usesScopes reports whether p "uses scopes" (docs/fastapi-compat.md §2.4): it declares
// SecurityScopes, is a security scheme, or a sub-dependency (transitively) has own
// scopes or uses them.
func (c *compiler) usesScopes(p *Provider) bool {
	if v, ok := c.uses[p]; ok {
		return v
	}
	c.uses[p] = false // cycle guard; cycles are reported elsewhere
	res := false
	if _, ok := p.meta.(Scheme); ok {
		res = true
	}
	for _, t := range p.inTypes() {
		if t == c.cfg.Builtins.Scopes {
			res = true
		}
	}
	if !res {
		for _, d := range p.deps {
			for _, e := range append([]Dependency{d}, d.args...) {
				if e.p != nil && (len(e.scopes) > 0 || c.usesScopes(e.p)) {
					res = true
				}
			}
		}
	}
	if !res {
		for _, t := range p.inTypes() {
			if c.isBuiltin(t) {
				continue // never resolved: asking the resolvers would build a body decoder for *http.Request
			}
			if r := c.resolve(t); r.p != nil && r.err == nil && c.usesScopes(r.p) {
				res = true
				break
			}
		}
	}
	c.uses[p] = res
	return res
}

func (p *Provider) inTypes() []reflect.Type { return p.in }

// isBuiltin reports whether t is a type the resolver injects itself (the
// request, its context, Config.Builtins).
func (c *compiler) isBuiltin(t reflect.Type) bool {
	b := c.cfg.Builtins
	return t == requestType || t == ctxType || t == pathType || t == b.Response || t == b.Scopes || t == b.Background || t == b.Conn
}

type childDecl struct {
	decl  Dependency
	kind  Kind
	input int // index into inputs, -1 for an effect
}

type signature struct {
	inputs   []input
	children []childDecl // effect, then dependency, then params children
}

func (c *compiler) resolve(t reflect.Type) resolution {
	if r, ok := c.resolved[t]; ok {
		return r
	}
	var r resolution
	for _, res := range c.cfg.Resolvers {
		d, k, err := res.Resolve(t)
		if err != nil || d.p != nil {
			r = resolution{d: d, p: d.p, kind: k, err: err}
			break
		}
	}
	c.resolved[t] = r
	return r
}

func (c *compiler) signature(p *Provider, explicit []Dependency, root bool, path []string) (signature, error) {
	ins := p.inTypes()
	var sig signature
	sig.inputs = make([]input, len(ins))
	var effects []childDecl
	if root {
		for _, d := range c.effects {
			if d.p == nil {
				return sig, &CompileError{Func: p.Name(), Path: path, Msg: "an empty dependency; use di.Depends(provider)"}
			}
			effects = append(effects, childDecl{decl: d, kind: KindEffect, input: -1})
		}
	}
	// Positional bindings first (Args), then the others by type, among the
	// parameters Args leaves.
	bound := make([]*Dependency, len(ins)) // the explicit dependency filling each parameter
	positional := make([]bool, len(ins))
	sawArgs := false
	for _, d := range explicit {
		switch {
		case d.args == nil:
			continue
		case sawArgs:
			return sig, &CompileError{Func: p.Name(), Path: path, Msg: "two di.Args lists; bind every parameter in one di.Args"}
		case len(d.args) > len(ins):
			return sig, &CompileError{Func: p.Name(), Path: path, Msg: fmt.Sprintf("di.Args has %d entries, but %s has %d parameters; remove the extra entries", len(d.args), p.Name(), len(ins))}
		}
		sawArgs = true
		for i := range d.args {
			a := &d.args[i]
			if a.auto {
				continue
			}
			switch {
			case a.p == nil:
				return sig, &CompileError{Func: p.Name(), Param: i + 1, Type: ins[i], Path: path, Msg: fmt.Sprintf("di.Args entry #%d is empty; use di.Depends(provider), or di.Auto() for a parameter resolved as usual", i+1)}
			case a.p.out == nil:
				return sig, &CompileError{Func: p.Name(), Param: i + 1, Type: ins[i], Path: path, Msg: fmt.Sprintf("di.Args entry #%d, %s, provides nothing, so it cannot fill a parameter; run it for its effect (router.Dependencies) instead", i+1, a.p.Name())}
			case !a.p.out.AssignableTo(ins[i]):
				return sig, &CompileError{Func: p.Name(), Param: i + 1, Type: ins[i], Path: path, Msg: fmt.Sprintf("di.Args entry #%d, %s, provides %s, which is not assignable to this parameter; check the order of the entries against the parameters (di.Auto() skips one)", i+1, a.p.Name(), a.p.out)}
			}
			bound[i], positional[i] = a, true
		}
	}
	for n := range explicit {
		d := &explicit[n]
		if d.args != nil {
			continue
		}
		if d.auto {
			return sig, &CompileError{Func: p.Name(), Path: path, Msg: "di.Auto() stands only in a di.Args list"}
		}
		if d.p == nil {
			return sig, &CompileError{Func: p.Name(), Path: path, Msg: fmt.Sprintf("explicit dependency #%d is empty; use di.Depends(provider)", n+1)}
		}
		out := d.p.out
		var hits []int
		if out != nil {
			for i, t := range ins {
				if !positional[i] && (out == t || (t.Kind() == reflect.Interface && out.Implements(t) && t != ctxType)) {
					hits = append(hits, i)
				}
			}
		}
		switch {
		case len(hits) == 0 && root:
			effects = append(effects, childDecl{decl: *d, kind: KindEffect, input: -1})
		case len(hits) == 0:
			what := "provides nothing"
			if out != nil {
				what = "provides " + out.String()
			}
			return sig, &CompileError{Func: p.Name(), Path: path, Msg: fmt.Sprintf("explicit dependency %s %s, which no parameter of %s takes; remove it, or add a parameter of that type", d.p.Name(), what, p.Name())}
		case len(hits) > 1:
			return sig, &CompileError{Func: p.Name(), Param: hits[1] + 1, Type: ins[hits[1]], Path: path,
				Msg: fmt.Sprintf("ambiguous: explicit dependency %s (%s) matches parameters #%d and #%d; bind each of them by position with di.Args(...) (one entry per parameter, di.Auto() for one resolved as usual), or give them distinct types", d.p.Name(), out, hits[0]+1, hits[1]+1)}
		default:
			i := hits[0]
			if bound[i] != nil {
				return sig, &CompileError{Func: p.Name(), Param: i + 1, Type: ins[i], Path: path,
					Msg: fmt.Sprintf("ambiguous: both %s and %s provide this parameter; pass only one of them, or bind each parameter by position with di.Args(...)", bound[i].p.Name(), d.p.Name())}
			}
			bound[i] = d
		}
	}
	var deps, prms []childDecl
	for i, t := range ins {
		if b := bound[i]; b != nil {
			sig.inputs[i] = input{kind: inChild}
			deps = append(deps, childDecl{decl: *b, kind: KindDependency, input: i})
			continue
		}
		switch t {
		case requestType:
			sig.inputs[i] = input{kind: inRequest}
			continue
		case ctxType:
			sig.inputs[i] = input{kind: inContext}
			continue
		case pathType:
			sig.inputs[i] = input{kind: inPath}
			c.usesPath = true
			continue
		case c.cfg.Builtins.Response:
			sig.inputs[i] = input{kind: inResponse}
			c.usesRsp = true
			continue
		case c.cfg.Builtins.Scopes:
			sig.inputs[i] = input{kind: inScopes}
			continue
		case c.cfg.Builtins.Background:
			sig.inputs[i] = input{kind: inBackground}
			c.usesBg = true
			continue
		case c.cfg.Builtins.Conn:
			if !root {
				return sig, &CompileError{Func: p.Name(), Param: i + 1, Type: t, Path: path,
					Msg: "only a WebSocket handler takes the connection, which exists once the handshake is done, after every dependency; move the work that needs it into the handler"}
			}
			sig.inputs[i] = input{kind: inConn}
			c.usesConn = true
			continue
		}
		r := c.resolve(t)
		if r.err != nil {
			var ce *CompileError
			if errors.As(r.err, &ce) {
				return sig, ce
			}
			return sig, &CompileError{Func: p.Name(), Param: i + 1, Type: t, Path: path, Msg: r.err.Error()}
		}
		if r.p == nil && t == reflect.TypeFor[http.ResponseWriter]() {
			return sig, &CompileError{Func: p.Name(), Param: i + 1, Type: t, Path: path,
				Msg: "handlers and providers do not write the response themselves; take a *di.Response to set headers, cookies or the status, and return the body"}
		}
		if r.p == nil {
			return sig, &CompileError{Func: p.Name(), Param: i + 1, Type: t, Path: path,
				Msg: fmt.Sprintf("nothing provides %s; pass a provider for it (di.Provide(%s, dep)), register an app-wide provider (app.Provide), or use a parameter struct with path/query/header/cookie/form/body tags", t, ownName(p.Name()))}
		}
		sig.inputs[i] = input{kind: inChild}
		cd := childDecl{decl: r.d, kind: r.kind, input: i}
		if r.kind == KindParams {
			prms = append(prms, cd)
		} else {
			deps = append(deps, cd)
		}
	}
	sig.children = append(append(effects, deps...), prms...)
	return sig, nil
}

// appendMissing appends each s of add not already in dst (docs/fastapi-compat.md §2.2).
func appendMissing(dst, add []string) []string {
	for _, s := range add {
		if !slices.Contains(dst, s) {
			dst = append(dst, s)
		}
	}
	return dst
}

// ownName is a function's own name for messages: "currentUser" for
// "main.currentUser", "fn" for a closure.
func ownName(full string) string {
	if n := names.Own(full); n != "" {
		return n
	}
	return "fn"
}

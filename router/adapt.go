package router

import (
	"fmt"
	"reflect"

	"github.com/keelgo/keel/di/adapt"
	"github.com/keelgo/keel/internal/resolve"
)

// This file finds, for the plain functions routes use (di.Provide, handlers
// given as functions), the adapter that calls them without reflection, and
// says which run by reflection.

// WithAdapters gives the App typed calls for the types of the functions it is
// given (di.Provide, route handlers): each function whose type has an adapter
// is called through it rather than by reflection, which saves the two
// reflect.Value.Call allocations and most of their time. The adapters are
// what `go generate` writes with cmd/keeladapt for the functions a package
// registers (docs/performance.md):
//
//	//go:generate go run github.com/keelgo/keel/cmd/keeladapt
//
//	app := router.New(info, router.WithAdapters(keelAdapters()...))
//
// With this option, a function of a type no adapter covers (a stale
// generated file) is logged at registration, once per type; App.Graph marks
// every function called by reflection with "(reflect)", with or without it.
func WithAdapters(adapters ...adapt.Adapter) Option {
	return func(c *config) {
		c.adapters = append(c.adapters, adapters...)
		c.withAdapters = true
	}
}

func (a *App) initAdapters() {
	a.calls = map[*resolve.Provider]resolve.Call{}
	a.logged = map[reflect.Type]bool{}
	if len(a.cfg.adapters) == 0 {
		return
	}
	a.adapters = make(map[reflect.Type]resolve.Adapter, len(a.cfg.adapters))
	for _, ad := range a.cfg.adapters {
		r := resolve.Adapter(ad)
		a.adapters[r.Type()] = r
	}
}

// adapted returns the typed call of p's function through an adapter of its
// type, or nil (resolve.Config.Calls).
func (a *App) adapted(p *resolve.Provider) resolve.Call {
	t := p.FuncType()
	if t == nil || len(a.adapters) == 0 {
		return nil
	}
	if c, ok := a.calls[p]; ok {
		return c
	}
	key := t
	if t.Name() != "" { // a named function type: its adapter is the signature's
		key = unnamedFunc(t)
	}
	var c resolve.Call
	if ad, ok := a.adapters[key]; ok {
		fn := p.Func()
		if key != t {
			fn = fn.Convert(key)
		}
		c = ad.Call(fn.Interface())
	}
	a.calls[p] = c
	return c
}

// unnamedFunc returns the function type without a name that t is defined over.
func unnamedFunc(t reflect.Type) reflect.Type {
	in := make([]reflect.Type, t.NumIn())
	for i := range in {
		in[i] = t.In(i)
	}
	out := make([]reflect.Type, t.NumOut())
	for i := range out {
		out[i] = t.Out(i)
	}
	return reflect.FuncOf(in, out, t.IsVariadic())
}

// logReflective logs, when the App was given adapters, each function of rt's
// graph that is called by reflection, once per function type: the generated
// adapters are probably stale.
func (a *App) logReflective(rt *route) {
	if !a.cfg.withAdapters {
		return
	}
	walkTree(rt.doc.plan.Tree(), func(n *resolve.Node) {
		t := n.Provider.FuncType()
		if !n.Reflect || t == nil || a.logged[t] {
			return
		}
		a.logged[t] = true
		a.cfg.logger.Warn(fmt.Sprintf("keel: %s is called by reflection: no adapter for %s (run go generate to refresh the adapters)", n.Provider.Name(), t),
			"route", rt.method+" "+rt.pattern)
	})
}

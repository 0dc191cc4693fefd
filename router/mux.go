package router

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/keelgo/keel"
)

// This file is the routing table's plumbing: filing a registered route in the
// dispatcher (dispatch.go, match.go), with ServeMux's conflict rules.

func errNotFound() *keel.HTTPError         { return keel.NewHTTPError(404, "Not Found") }
func errMethodNotAllowed() *keel.HTTPError { return keel.NewHTTPError(405, "Method Not Allowed") }

// handle adds a route to the routing table. A pattern that http.ServeMux
// would refuse (two patterns that overlap with neither more specific) panics,
// as ServeMux does.
func (a *App) handle(rt *route, method, muxPattern string, h, preflight http.Handler, direct *route) {
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
		// The App's ServeMux refuses conflicts and, for a request Keel
		// matched to this route, sets its path values (dispatcher.serve).
		a.mux.Handle(pattern, h)
	}()
	if strings.Contains(muxPattern, "%") {
		a.dispatch.escapes = true
	}
	_, names := shape(muxPattern)
	e := &entry{methods: []string{method}, pattern: pattern, names: names, h: h, preflight: preflight}
	if direct != nil && a.ownErrors() {
		e.direct = direct
	}
	a.addEntry(method, muxPattern, e)
}

// addEntry files e in the dispatcher, with its registration order.
func (a *App) addEntry(method, muxPattern string, e *entry) {
	d := a.dispatch
	e.order = d.n
	d.n++
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

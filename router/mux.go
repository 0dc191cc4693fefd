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
	// The wildcard names, in order: translatePattern's, which the route keeps.
	e := &entry{methods: []string{method}, pattern: pattern, names: rt.wild, h: h, preflight: preflight}
	if direct != nil && a.ownErrors() {
		e.direct = direct
	}
	a.addEntry(method, muxPattern, e)
}

// addEntry files e in the dispatcher, with its registration order.
func (a *App) addEntry(method, muxPattern string, e *entry) {
	d := a.dispatch
	e.order = int32(d.n)
	d.n++
	if old := d.add(method, muxPattern, e); old != nil {
		panic(fmt.Sprintf("keel: %s is already registered", e.pattern))
	}
}

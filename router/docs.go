package router

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keelgo/keel/internal/bind"
	"github.com/keelgo/keel/internal/resolve"
	"github.com/keelgo/keel/openapi"
	"github.com/keelgo/keel/params"
	"github.com/keelgo/keel/security"
)

// WithDocs adjusts the OpenAPI document and its pages: URLs, servers, tags,
// Swagger UI parameters, initOAuth, CDN or embedded assets (see openapi.Config).
// The App's Info fills Title, Version, Summary and Description.
func WithDocs(f func(*openapi.Config)) Option {
	return func(c *config) { f(&c.docs) }
}

func defaultDocs() openapi.Config { return openapi.DefaultConfig() }

type schemeEntry struct {
	scheme    security.Scheme
	component []byte
	route     string
}

// checkSchemes checks every security scheme of the route's graph as declared:
// its configuration (security.ConfigChecker: a scheme declared in a
// package-level var may be configured in main, so it is checked now, when a
// route that uses it is registered, not when it became a dependency); each
// scope required through it against the scopes it declares
// (security.ScopeDeclarer); and its name: FastAPI keeps the last of two
// different schemes under one name silently (docs/fastapi-compat.md §1.5), Keel
// refuses the second.
func (a *App) checkSchemes(rt *route) error {
	var err error
	walkPath(rt.doc.plan.Tree(), nil, func(n *resolve.Node, path []string) {
		if err != nil {
			return
		}
		s, ok := n.Provider.Meta().(security.Scheme)
		if !ok {
			// Other security pieces (security.LoginThrottle) are checked too.
			if c, ok := n.Provider.Meta().(security.ConfigChecker); ok {
				if cerr := c.CheckConfig(); cerr != nil {
					err = fmt.Errorf("%T is misconfigured: %v (its configuration is checked when the first route using it is registered: set its fields before that)", c, cerr)
				}
			}
			return
		}
		name := s.SchemeName()
		if c, ok := s.(security.ConfigChecker); ok {
			if cerr := c.CheckConfig(); cerr != nil {
				err = fmt.Errorf("security scheme %s is misconfigured: %v (a scheme's configuration is checked when the first route using it is registered: set its fields before that)", name, cerr)
				return
			}
		}
		if d, ok := s.(security.ScopeDeclarer); ok {
			if declared := d.DeclaredScopes(); len(declared) > 0 {
				for _, sc := range n.Scopes {
					if !slices.Contains(declared, sc) {
						err = fmt.Errorf("scope %q is not declared by security scheme %s (declared: %s), required via %s; add it to the scheme's Scopes, or correct the name", sc, name, strings.Join(declared, ", "), strings.Join(path, " → "))
						return
					}
				}
			}
		}
		prev, seen := a.schemes[name]
		if seen && prev.scheme == s {
			// The scheme the name was first seen with: nothing to compare,
			// and its component was encoded then (a scheme is encoded once,
			// not once per route using it).
			return
		}
		comp, merr := json.Marshal(s.OpenAPISecurityScheme())
		if merr != nil {
			err = fmt.Errorf("security scheme %s: %v", name, merr)
			return
		}
		if seen && !bytes.Equal(prev.component, comp) {
			err = fmt.Errorf("two different security schemes are named %q (one is used by %s); give one of them another Name", name, prev.route)
			return
		}
		if !seen {
			a.schemes[name] = schemeEntry{scheme: s, component: comp, route: rt.method + " " + rt.pattern}
		}
	})
	return err
}

// walkPath calls f for n and every node below it, with the names of the
// providers from the root down to the node.
func walkPath(n *resolve.Node, path []string, f func(n *resolve.Node, path []string)) {
	path = append(path[:len(path):len(path)], n.Provider.Name())
	f(n, path)
	for _, c := range n.Children {
		walkPath(c, path, f)
	}
}

// openapiRoute collects what the route's compiled graph says for OpenAPI: the
// parameters ordered and de-duplicated as docs/fastapi-compat.md §4.6, the body, and the security
// requirement merged per scheme as docs/fastapi-compat.md §2.3.
func (rt *route) openapiRoute() openapi.Route {
	tree := rt.doc.plan.Tree()
	or := openapi.Route{
		Method: rt.method, Path: rt.docPath, Name: rt.fnName,
		Summary: rt.cfg.summary, Description: rt.cfg.description, OperationID: rt.cfg.operationID,
		Tags: rt.cfg.tags, Deprecated: rt.cfg.deprecated, Hidden: rt.cfg.hidden,
		Status: rt.status, Response: rt.doc.plan.Output(), ResponseDescription: rt.cfg.respDesc,
	}
	rt.documentResult(&or)
	if len(rt.cfg.responses) > 0 {
		or.Responses = map[string]openapi.ResponseDoc{}
		for k, v := range rt.cfg.responses {
			or.Responses[k] = openapi.ResponseDoc{Description: v.Description, Type: v.Type}
		}
	}

	// Parameters: the endpoint's own first, then the dependencies' in the walk
	// order; grouped by location; de-duplicated by (in, name).
	var own, deps []params.Field
	var bodies []*bind.Binder
	visited := map[string]bool{}
	type sec struct {
		name   string
		scheme security.Scheme
		scopes []string
	}
	var secs []sec
	var walk func(n *resolve.Node, root bool, parentIsRoot bool)
	walk = func(n *resolve.Node, root, parentIsRoot bool) {
		if !root {
			if visited[n.Key] {
				return
			}
			visited[n.Key] = true
		}
		if b, ok := n.Provider.Meta().(*bind.Binder); ok {
			for _, f := range b.Fields() {
				switch f.In {
				case params.InPath, params.InQuery, params.InHeader, params.InCookie:
					or.HasValidatedInputs = true
					if f.Hidden {
						continue
					}
					if parentIsRoot && n.Kind == resolve.KindParams {
						own = append(own, f)
					} else {
						deps = append(deps, f)
					}
				}
			}
			if b.NeedsBody() && !slices.Contains(bodies, b) {
				or.HasValidatedInputs = true
				if slices.ContainsFunc(b.Fields(), func(f params.Field) bool { return isBodyField(f) && !f.Hidden }) {
					bodies = append(bodies, b)
				}
			}
		}
		if s, ok := n.Provider.Meta().(security.Scheme); ok && !root {
			secs = append(secs, sec{s.SchemeName(), s, n.Scopes})
		}
		if rd, ok := n.Provider.Meta().(openapi.ResponsesDoc); ok && !root {
			for code, desc := range rd.OpenAPIResponses() {
				if _, declared := or.Responses[code]; !declared {
					if or.Responses == nil {
						or.Responses = map[string]openapi.ResponseDoc{}
					}
					or.Responses[code] = openapi.ResponseDoc{Description: desc}
				}
			}
		}
		for _, c := range n.Children {
			walk(c, false, root)
		}
	}
	walk(tree, true, false)

	all := append(own, deps...)
	order := map[params.Location]int{params.InPath: 0, params.InQuery: 1, params.InHeader: 2, params.InCookie: 3}
	slices.SortStableFunc(all, func(x, y params.Field) int { return order[x.In] - order[y.In] })
	type key struct {
		in   params.Location
		name string
	}
	idx := map[key]int{}
	for _, f := range all {
		k := key{f.In, f.Name}
		if i, ok := idx[k]; ok {
			if f.Required || !or.Params[i].Required {
				or.Params[i] = f
			}
			continue
		}
		idx[k] = len(or.Params)
		or.Params = append(or.Params, f)
	}

	// Security: one requirement per scheme name, scopes merged in first-seen order.
	for _, s := range secs {
		i := slices.IndexFunc(or.Security, func(r openapi.Requirement) bool { return r.Scheme.SchemeName() == s.name })
		if i < 0 {
			or.Security = append(or.Security, openapi.Requirement{Scheme: s.scheme, Scopes: []string{}})
			i = len(or.Security) - 1
		}
		for _, sc := range s.scopes {
			if !slices.Contains(or.Security[i].Scopes, sc) {
				or.Security[i].Scopes = append(or.Security[i].Scopes, sc)
			}
		}
	}

	// Body: one binder's body as declared; several are documented as one object.
	switch len(bodies) {
	case 0:
	case 1:
		or.Body = bodyDoc(bodies[0])
	default:
		b := &openapi.Body{Required: true}
		for _, bb := range bodies {
			for _, f := range bb.Fields() {
				if isBodyField(f) && !f.Hidden && !slices.ContainsFunc(b.Fields, func(g params.Field) bool { return g.Name == f.Name }) {
					b.Fields = append(b.Fields, f)
				}
			}
		}
		or.Body = b
	}
	return or
}

func isBodyField(f params.Field) bool {
	return f.In == params.InBody || f.In == params.InForm || f.In == params.InFile
}

func bodyDoc(b *bind.Binder) *openapi.Body {
	doc := &openapi.Body{MediaType: b.BodyMedia()}
	var fields []params.Field
	for _, f := range b.Fields() {
		if isBodyField(f) && !f.Hidden {
			fields = append(fields, f)
			if f.Required {
				doc.Required = true
			}
		}
	}
	if len(fields) == 1 && fields[0].In == params.InBody && !b.BodyEmbedded() {
		doc.Type = fields[0].Type
		doc.Name = fields[0].Name
		return doc
	}
	doc.Fields = fields
	if len(fields) > 0 && fields[0].In != params.InBody {
		doc.Required = true // FastAPI marks form bodies required (docs/fastapi-compat.md §1.3)
	}
	return doc
}

// OpenAPI returns the document as JSON, built on first use from every route
// registered so far. It returns an error if the document cannot be built (for
// example two routes with the same operationId).
func (a *App) OpenAPI() ([]byte, error) {
	a.docOnce.Do(func() {
		cfg := a.cfg.docs
		cfg.Title, cfg.Version = a.cfg.info.Title, a.cfg.info.Version
		cfg.Summary, cfg.Description = a.cfg.info.Summary, a.cfg.info.Description
		if a.cfg.validationStatus != 422 {
			cfg.ValidationStatus = a.cfg.validationStatus
		}
		if _, ok := a.cfg.errors.(ProblemDetails); ok {
			cfg.ProblemDetails = true
		}
		routes := make([]openapi.Route, 0, len(a.routes))
		for _, rt := range a.routes {
			routes = append(routes, rt.openapiRoute())
		}
		_, a.docJSON, a.docErr = openapi.Build(cfg, routes)
	})
	return a.docJSON, a.docErr
}

// mountDocs serves /openapi.json, /docs, /docs/oauth2-redirect and /redoc as
// configured (docs/fastapi-compat.md §6.4–§6.7). Unlike API routes, the pages
// answer HEAD as well as GET, as Starlette's routes do, so their 405 lists
// "GET, HEAD".
func (a *App) mountDocs() {
	cfg := a.cfg.docs
	cfg.Title = a.cfg.info.Title
	pages, err := openapi.Pages(cfg, a.OpenAPI)
	if err != nil {
		panic("keel: documentation pages: " + err.Error())
	}
	for _, p := range pages {
		muxPattern, names := p.Path, []string(nil)
		if strings.HasSuffix(p.Path, "/") {
			muxPattern, names = p.Path+"{...}", []string{""} // the subtree below it
		}
		a.mux.Handle("GET "+p.Path, http.NotFoundHandler())
		methods := []string{http.MethodGet, http.MethodHead}
		for _, m := range methods {
			a.addEntry(m, muxPattern, &entry{methods: methods, pattern: "GET " + p.Path, names: names, h: p.Handler, implicit: m == http.MethodHead})
		}
	}
}

// documentResult documents a success response that is not a JSON value: its
// media type and schema (docs/responses.md).
func (rt *route) documentResult(or *openapi.Route) {
	text := func() *openapi3.Schema { return &openapi3.Schema{Type: &openapi3.Types{"string"}} }
	binary := func(mt string) *openapi3.Schema {
		if strings.HasPrefix(mt, "text/") {
			return text()
		}
		return &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "binary"}
	}
	switch rt.kind {
	case kindText:
		or.ResponseMediaType, or.ResponseSchema = "text/plain", text()
	case kindHTML:
		or.ResponseMediaType, or.ResponseSchema = "text/html", text()
	case kindBytes, kindFile, kindReader:
		mt := rt.defaultContentType()
		or.ResponseMediaType, or.ResponseSchema = mt, binary(mt)
	case kindRedirect:
		or.NoResponseContent = true
	case kindSSE:
		or.ResponseMediaType, or.ResponseSchema = "text/event-stream", text()
	case kindNDJSON:
		item, _, _ := seqItem(rt.doc.plan.Output())
		or.ResponseMediaType, or.Response = "application/x-ndjson", item
		if or.ResponseDescription == "" {
			or.ResponseDescription = "Successful Response: a stream of JSON values, one per line"
		}
	}
}

package router

import (
	"net/http"
	"strings"
)

// entry is one route of the routing table: a method and a pattern, or a
// documentation page (GET and HEAD).
type entry struct {
	methods  []string // the methods it answers: its Allow header in a 405
	pattern  string   // r.Pattern: "GET /items/{id}" (the ServeMux form)
	names    []string // wildcard names, in order ("" for the pages' subtree)
	h        http.Handler
	order    int32 // registration order
	implicit bool  // HEAD of a documentation page: a HEAD route replaces it
	// preflight is the route's middleware around a 405, for a CORS preflight
	// for this route that no middleware outside the App answered (see
	// dispatcher.unmatched); nil for a route without middleware.
	preflight http.Handler
	// direct is the route to serve straight from Keel's match, with the
	// wildcard values handed to its binders and not set on the request, when
	// no code that sees the request could read them: nil for a route with
	// middleware, a WebSocket route, the documentation pages, and every route
	// of an App whose ErrorFormat is not Keel's own; the plan in effect
	// (direct.plan, which an override changes) decides per request
	// (dispatcher.serve).
	direct *route
}

// node is a trie node: the routes of one method, by path segment.
type node struct {
	lit  children
	wild *node  // {name}: one non-empty segment
	rest *entry // {name...}: the rest of the path, possibly empty
	end  *entry // a route ends here
}

// segments turns a ServeMux pattern's path ("/items/{id}", "/items/{$}",
// "/files/{p...}") into its segments after the leading '/'. "{$}" becomes the
// empty final segment; a final "{x...}" is returned as rest.
func segments(muxPath string) (segs []string, rest bool) {
	segs = strings.Split(strings.TrimPrefix(muxPath, "/"), "/")
	last := segs[len(segs)-1]
	switch {
	case last == "{$}":
		segs[len(segs)-1] = ""
	case strings.HasPrefix(last, "{") && strings.HasSuffix(last, "...}"):
		segs, rest = segs[:len(segs)-1], true
	}
	return segs, rest
}

// insert adds e under the pattern's segments; it returns the entry that
// already ends there, if any, and leaves it in place.
func (n *node) insert(segs []string, rest bool, e *entry) *entry {
	for _, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			if n.wild == nil {
				n.wild = &node{}
			}
			n = n.wild
			continue
		}
		c := n.lit.get(s)
		if c == nil {
			c = &node{}
			n.lit.add(s, c)
		}
		n = c
	}
	slot := &n.end
	if rest {
		slot = &n.rest
	}
	if old := *slot; old != nil && !(old.implicit && !e.implicit) {
		return old
	}
	*slot = e
	return nil
}

// match finds the route for the path p (without its leading '/', decoded),
// and appends its wildcard values to vals. Of the patterns that match, the
// most specific wins, as in http.ServeMux: a literal segment before a
// wildcard, a wildcard before a rest wildcard.
//
// Matching follows Starlette's regular expressions: {name} is one non-empty
// segment ([^/]+, which may hold a newline), {name...} is the rest (.*, which
// may not), and a pattern may also match the path without one final "\n"
// (Python's $), so "/users/me\n" is "/users/me".
func (n *node) match(p string, start int, vals []string) (*entry, []string) {
	seg, last := p[start:], true
	if j := strings.IndexByte(seg, '/'); j >= 0 {
		seg, last = seg[:j], false
	}
	if last {
		if c := n.lit.get(seg); c != nil && c.end != nil {
			return c.end, vals
		}
		if trimmed, ok := strings.CutSuffix(seg, "\n"); ok {
			if c := n.lit.get(trimmed); c != nil && c.end != nil {
				return c.end, vals
			}
		}
		if seg != "" && n.wild != nil && n.wild.end != nil {
			return n.wild.end, append(vals, seg)
		}
	} else {
		next := start + len(seg) + 1
		if c := n.lit.get(seg); c != nil {
			if e, out := c.match(p, next, vals); e != nil {
				return e, out
			}
		}
		if seg != "" && n.wild != nil {
			if e, out := n.wild.match(p, next, append(vals, seg)); e != nil {
				return e, out
			}
		}
	}
	if n.rest != nil {
		if v, ok := restValue(p[start:]); ok {
			return n.rest, append(vals, v)
		}
	}
	return nil, vals
}

// restValue is the value of a rest wildcard for s: s without newlines, or
// with one final newline, which is left out.
func restValue(s string) (v string, ok bool) {
	i := strings.IndexByte(s, '\n')
	switch {
	case i < 0:
		return s, true
	case i == len(s)-1:
		return s[:i], true
	}
	return "", false
}

// each calls f for every route whose pattern matches p, in no particular
// order. It visits each trie node at most once.
func (n *node) each(p string, start int, f func(*entry)) {
	seg, last := p[start:], true
	if j := strings.IndexByte(seg, '/'); j >= 0 {
		seg, last = seg[:j], false
	}
	if last {
		if c := n.lit.get(seg); c != nil && c.end != nil {
			f(c.end)
		}
		if trimmed, ok := strings.CutSuffix(seg, "\n"); ok {
			if c := n.lit.get(trimmed); c != nil && c.end != nil {
				f(c.end)
			}
		}
		if seg != "" && n.wild != nil && n.wild.end != nil {
			f(n.wild.end)
		}
	} else {
		next := start + len(seg) + 1
		if c := n.lit.get(seg); c != nil {
			c.each(p, next, f)
		}
		if seg != "" && n.wild != nil {
			n.wild.each(p, next, f)
		}
	}
	if n.rest != nil {
		if _, ok := restValue(p[start:]); ok {
			f(n.rest)
		}
	}
}

// children are a node's literal children: a short list, searched in order,
// until there are many, then a map.
type children struct {
	list []child
	m    map[string]*node
}

type child struct {
	key string
	n   *node
}

func (c *children) get(s string) *node {
	if c.m != nil {
		return c.m[s]
	}
	for i := range c.list {
		if c.list[i].key == s {
			return c.list[i].n
		}
	}
	return nil
}

func (c *children) add(s string, n *node) {
	if c.m != nil {
		c.m[s] = n
		return
	}
	c.list = append(c.list, child{s, n})
	if len(c.list) > 8 {
		c.m = make(map[string]*node, len(c.list))
		for _, ch := range c.list {
			c.m[ch.key] = ch.n
		}
		c.list = nil
	}
}

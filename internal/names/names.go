// Package names turns Go's names into the names Keel shows: a function's
// name in registration errors and route graphs, a handler's own name (from
// which a route's summary and operationId derive, docs/fastapi-compat.md
// §6.2), and the snake_case of an identifier (field wire names, route names).
// One implementation of each, for the resolver, the router, the binders and
// the OpenAPI document.
package names

import (
	"reflect"
	"runtime"
	"strings"
	"unicode"
)

// Func returns the name of the function v for messages: its runtime name
// without the package path ("main.currentUser", "app.(*Store).Get",
// "main.main.func1" for a closure), or its type when the runtime has none.
func Func(v reflect.Value) string {
	f := runtime.FuncForPC(v.Pointer())
	if f == nil {
		return v.Type().String()
	}
	name := f.Name()
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// Own returns a function's own name from a runtime name (with or without the
// package path): "currentUser" for "main.currentUser", "Get" for
// "app.(*Store).Get" and for its method value "app.(*Store).Get-fm",
// "readItem" for an instance of a generic function "main.readItem[...]". A
// closure has no name of its own: Own returns "" for "main.main.func1",
// "main.handler.func2.1" and "pkg.glob..func3".
func Own(name string) string {
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexByte(name, '['); i >= 0 { // type arguments, which may hold dots
		if j := strings.LastIndexByte(name, ']'); j > i {
			name = name[:i] + name[j+1:]
		}
	}
	name = strings.TrimSuffix(name, "-fm")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if name == "" || (name[0] >= '0' && name[0] <= '9') || isFuncN(name) {
		return ""
	}
	return name
}

// isFuncN reports whether s is a closure's generated name, "func" and digits.
func isFuncN(s string) bool {
	rest, ok := strings.CutPrefix(s, "func")
	if !ok || rest == "" {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return false
		}
	}
	return true
}

// Snake turns a Go identifier into snake_case: "readOwnItems" is
// "read_own_items", "UserID" is "user_id", "HTTPServer" is "http_server",
// "readV2Items" is "read_v2_items". Underscores already present are kept.
func Snake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 {
				prev := rs[i-1]
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					b.WriteByte('_')
				}
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

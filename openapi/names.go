package openapi

import (
	"strings"
	"unicode"

	"github.com/keelgo/keel/internal/names"
	"github.com/keelgo/keel/internal/pycompat"
)

// wireTitle is the default title of a parameter or field: the wire name with
// "_" replaced by a space, title-cased (docs/fastapi-compat.md §4.6: "ads_id" is "Ads Id").
func wireTitle(name string) string {
	return pycompat.Title(strings.ReplaceAll(name, "_", " "))
}

// summaryFor is FastAPI's default summary applied to the snake_case handler
// name (docs/fastapi-compat.md §6.2): "readOwnItems" is "Read Own Items".
func summaryFor(name string) string {
	return wireTitle(names.Snake(name))
}

// routeSummary is the default summary of a route: its name in words
// (docs/fastapi-compat.md §6.2), or, for a handler without a name of its own (a
// closure), its method and path in words: GET /items/{item_id} is "Get Items
// Item Id".
func routeSummary(name, method, path string) string {
	if name != "" {
		return summaryFor(name)
	}
	words := append([]string{strings.ToLower(method)},
		strings.FieldsFunc(path, func(r rune) bool { return r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) })...)
	return wireTitle(strings.Join(words, " "))
}

// uniqueID is FastAPI's generate_unique_id (docs/fastapi-compat.md §6.2) on the snake_case
// handler name: re.sub(r"\W", "_", name+path) + "_" + method.lower(). A handler
// without a name of its own (a closure) has the empty name, and the leading
// underscores that leaves are dropped: GET /items/{item_id} is
// "items__item_id__get".
func uniqueID(name, path, method string) string {
	if name == "" {
		return strings.TrimLeft(uniqueID("_", path, method), "_")
	}
	s := names.Snake(name) + path
	var b strings.Builder
	b.Grow(len(s) + len(method) + 1)
	for _, r := range s {
		if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	b.WriteByte('_')
	b.WriteString(strings.ToLower(method))
	return b.String()
}

// cutDescription cuts text at the first form feed and trims it (docs/fastapi-compat.md §6.2).
func cutDescription(s string) string {
	if i := strings.IndexByte(s, '\f'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// OperationID returns the operationId Build gives r: r.OperationID when set,
// else FastAPI's rule applied to the snake_case handler name (docs/fastapi-compat.md §6.2). The
// router uses it to refuse duplicates when a route is registered.
func OperationID(r Route) string {
	if r.OperationID != "" {
		return r.OperationID
	}
	return uniqueID(r.Name, r.Path, r.Method)
}

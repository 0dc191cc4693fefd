package openapi

import (
	"strings"
	"unicode"

	"github.com/keelgo/keel/internal/pycompat"
)

// wireTitle is the default title of a parameter or field: the wire name with
// "_" replaced by a space, title-cased (docs/fastapi-compat.md §4.6: "ads_id" is "Ads Id").
func wireTitle(name string) string {
	return pycompat.Title(strings.ReplaceAll(name, "_", " "))
}

// snakeCase turns a Go identifier into snake_case: "readOwnItems" is
// "read_own_items", "getUserID" is "get_user_id", "HTTPServer" is
// "http_server". Underscores already present are kept.
func snakeCase(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && rs[i-1] != '_' {
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

// summaryFor is FastAPI's default summary applied to the snake_case handler
// name (docs/fastapi-compat.md §6.2): "readOwnItems" is "Read Own Items".
func summaryFor(name string) string {
	return wireTitle(snakeCase(name))
}

// uniqueID is FastAPI's generate_unique_id (docs/fastapi-compat.md §6.2) on the snake_case
// handler name: re.sub(r"\W", "_", name+path) + "_" + method.lower().
func uniqueID(name, path, method string) string {
	s := snakeCase(name) + path
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

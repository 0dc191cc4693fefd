package security

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/pycompat"
	"github.com/keelgo/keel/internal/resolve"
	"github.com/keelgo/keel/internal/wire"
)

// Scheme is a security scheme: a dependency that authenticates the request and
// the OpenAPI security scheme it documents, under its name in
// components.securitySchemes. Every scheme of this package implements it; a
// scheme of your own does with a provider made by Provide.
// The App documents every Scheme it meets in a route's graph, with the scopes
// required there (docs/fastapi-compat.md §2.3), and refuses two different
// schemes under one name (§1.5). Schemes may also implement ConfigChecker and
// ScopeDeclarer, which the App calls when it registers a route.
type Scheme interface {
	di.Source
	// SchemeName is the name in components.securitySchemes and in the
	// operations' security requirements.
	SchemeName() string
	// OpenAPISecurityScheme returns the scheme's OpenAPI security scheme object,
	// a new value on every call. Marshalled with encoding/json it is exactly the
	// component FastAPI writes for the same scheme (docs/fastapi-compat.md §1.2).
	OpenAPISecurityScheme() *openapi3.SecurityScheme
}

// CompareSecret reports whether a and b are equal, in time that depends on
// neither their contents nor their lengths: both are hashed with SHA-256 and the
// digests compared with crypto/subtle. Use it for passwords, API keys and any
// other secret a request is checked against.
func CompareSecret(a, b string) bool {
	ha := sha256.Sum256([]byte(a))
	hb := sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// ParseAuthorization splits an Authorization header value as FastAPI does (docs/fastapi-compat.md
// §1.1, get_authorization_scheme_param): at the first U+0020 space. scheme is the
// part before it, not trimmed; credentials is the rest with surrounding
// whitespace removed. With no space, scheme is the whole value and credentials
// is "". An empty value gives ("", "").
//
// Whitespace is what Python's str.strip removes from an ASCII string: tab, line
// feed, vertical tab, form feed, carriage return, U+001C–U+001F and space.
// Python also strips the Latin-1 bytes 0x85 and 0xA0, because Starlette decodes
// headers as Latin-1; Keel keeps header bytes as sent (they are usually UTF-8,
// where those bytes continue a multi-byte character), so it leaves them.
func ParseAuthorization(value string) (scheme, credentials string) {
	if value == "" {
		return "", ""
	}
	i := strings.IndexByte(value, ' ')
	if i < 0 {
		return value, ""
	}
	return value[:i], pycompat.Strip(value[i+1:])
}

// quote returns s as an RFC 9110 quoted-string.
func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// DefaultMaxAuthorization is the longest Authorization header value the
// schemes accept when their MaxLength is 0: 8 KiB, far more than any bearer
// token, JWT or Basic credentials in use, and the size of the request line
// many proxies accept. A longer value is refused with the scheme's 401 before
// it is parsed, decoded or verified, so that a forged megabyte-long token
// costs a length check (docs/security.md, "Limits").
const DefaultMaxAuthorization = 8 << 10

// authorization returns r's Authorization header value; tooLong reports that
// it is longer than max (0: DefaultMaxAuthorization; negative: no limit), in
// which case the caller answers its 401 without reading it.
func authorization(r *http.Request, max int) (value string, tooLong bool) {
	value = wire.Authorization(r) // the one reader of headers: the first value
	if max == 0 {
		max = DefaultMaxAuthorization
	}
	return value, max > 0 && len(value) > max
}

// notAuthenticated returns custom() when it is set and gives an error, otherwise
// FastAPI's not-authenticated error: 401 {"detail":"Not authenticated"} with the
// WWW-Authenticate challenge (docs/fastapi-compat.md §1.1). A new value every time: HTTPError is
// mutable.
func notAuthenticated(custom func() *keel.HTTPError, challenge string) error {
	if custom != nil {
		if e := custom(); e != nil {
			return e
		}
	}
	return keel.NewHTTPError(http.StatusUnauthorized, "Not authenticated").WithHeader("WWW-Authenticate", challenge)
}

// schemeName is the explicit name, else the Go type name of the scheme (without
// type arguments), as FastAPI uses the class name (docs/fastapi-compat.md §1.1).
func schemeName(explicit string, scheme any) string {
	if explicit != "" {
		return explicit
	}
	t := reflect.TypeOf(scheme)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	return name
}

// lazyProvider builds a scheme's provider once, the first time the scheme is
// used as a dependency (di.Provide(fn, scheme), a route option, ...); its
// identity is the scheme's identity in the dependency graph (docs/fastapi-compat.md
// §2.4 cache keys). Building it checks nothing: the scheme's configuration is
// checked by CheckConfig when a route using it is registered, so a scheme
// declared in a package-level var can be configured later, in main. Only
// Optional, which decides the type the provider provides, is fixed when the
// provider is built.
type lazyProvider struct {
	once     sync.Once
	p        *di.Provider
	optional bool
}

func (l *lazyProvider) get(optional bool, build func() *di.Provider) di.Dependency {
	l.once.Do(func() { l.p, l.optional = build(), optional })
	return di.Depends(l.p)
}

// check reports an Optional changed after the provider was built.
func (l *lazyProvider) check(scheme any, optional bool) error {
	if l.p != nil && l.optional != optional {
		return configError(scheme, "Optional is %v, but it was %v when the scheme was first used as a dependency, which fixed the type it provides; set Optional where the scheme is declared", optional, l.optional)
	}
	return nil
}

// setup runs a scheme's configuration step until it succeeds, then never
// again: a failed step (reported at registration) is retried once the fields
// are fixed. Reads after success cost one atomic load.
type setup struct {
	done atomic.Bool
	mu   sync.Mutex
}

func (s *setup) do(f func() error) error {
	if s.done.Load() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done.Load() {
		return nil
	}
	if err := f(); err != nil {
		return err
	}
	s.done.Store(true)
	return nil
}

// ConfigChecker is implemented by schemes whose configuration can be wrong
// (a required field left empty, an unusable key). The App calls CheckConfig
// for every scheme in a route's dependency graph when it registers the route,
// and refuses the route with the error: a scheme's fields may be set at any
// time before the first route that uses it is registered, not only where the
// scheme is declared.
type ConfigChecker interface {
	CheckConfig() error
}

// ScopeDeclarer is implemented by schemes that declare the OAuth2 scopes they
// know (the Scopes of OAuth2PasswordBearer, OAuth2AuthorizationCodeBearer,
// JWTBearer, the flows of OAuth2). When a route requires, through such a
// scheme, a scope it does not declare, registering the route fails with the
// route, the scope and the declared scopes. A scheme that declares none (an
// empty result) accepts any scope.
type ScopeDeclarer interface {
	DeclaredScopes() []string
}

// sortedKeys returns the keys of scopes, sorted: the scopes a scheme declares.
func sortedKeys(scopes ...map[string]string) []string {
	var out []string
	for _, m := range scopes {
		for k := range m {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// provide makes the provider of a scheme whose Authenticate returns (*T, error):
// with optional it provides *T (nil when not authenticated), otherwise T. The
// provider is typed (di.Func1): called without reflection.
func provide[T any](meta Scheme, authenticate func(*http.Request) (*T, error), optional bool) *di.Provider {
	if optional {
		return schemeProvider(meta, di.Func1(authenticate))
	}
	return provideValue(meta, func(r *http.Request) (T, error) {
		v, err := authenticate(r)
		if err != nil || v == nil {
			var zero T
			if err == nil { // unreachable: a required scheme returns an error
				err = keel.NewHTTPError(http.StatusUnauthorized, "Not authenticated")
			}
			return zero, err
		}
		return *v, nil
	})
}

// provideValue makes a required scheme's provider from a function returning the
// value itself (no pointer to allocate).
func provideValue[T any](meta Scheme, authenticate func(*http.Request) (T, error)) *di.Provider {
	return schemeProvider(meta, di.Func1(authenticate))
}

// Provide makes fn the provider of s, a security scheme of your own: fn is
// called as di.Provide calls it (its parameters resolved, deps explicit
// dependencies), and the provider stands for s in the graph: the App documents
// s in OpenAPI wherever it is used, with the scopes required there, treats it
// as a scheme for caching (docs/fastapi-compat.md §2.4), checks its
// configuration and scopes when s implements ConfigChecker and ScopeDeclarer,
// and names it s.SchemeName() in registration errors. Call Provide once per
// scheme and return the provider's Dependency from s.Dependency every time:
// the provider's identity is the scheme's.
func Provide(s Scheme, fn any, deps ...di.Source) *di.Provider {
	// Not schemeProvider: fn is the application's, and may read the
	// request's path values.
	return (*di.Provider)((*resolve.Provider)(di.Provide(fn, deps...)).WithMeta(s))
}

// schemeProvider returns a copy of p (a provider of its own identity) that
// stands for the scheme s: the resolver treats it as a security scheme (it
// uses scopes for caching, docs/fastapi-compat.md §2.4, and is named after the
// scheme), and the router documents s in OpenAPI. p is one of this package's
// functions, which read the request's headers, never its path values: it is
// marked so (resolve.Provider.WithoutPathValues), and a route whose other
// functions do not take the request gets its path values without setting
// them on the request (DESIGN.md, Routing).
func schemeProvider(s Scheme, p *di.Provider) *di.Provider {
	return (*di.Provider)((*resolve.Provider)(p).WithMeta(s).WithoutPathValues())
}

func configError(scheme any, format string, args ...any) error {
	return fmt.Errorf("keel/security: %T: %s", scheme, fmt.Sprintf(format, args...))
}

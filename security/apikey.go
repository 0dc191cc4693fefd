package security

import (
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/wire"
)

// APIKey is the value of an API key, as read by APIKeyQuery, APIKeyHeader and
// APIKeyCookie. Compare it with CompareSecret.
//
// A handler that needs two API keys cannot tell two APIKey parameters apart; wrap
// each scheme in a provider returning a type of its own.
type APIKey string

// apiKeyChallenge is FastAPI's custom challenge for API keys (docs/fastapi-compat.md §1.2).
const apiKeyChallenge = "APIKey"

// APIKeyQuery reads an API key from a query parameter (FastAPI's APIKeyQuery,
// docs/fastapi-compat.md §1.2). The query string is read exactly as a query
// parameter of a parameter struct is (docs/parameters.md): split on '&' only,
// so ';' is part of a value, malformed %-escapes kept as written. The parameter
// name is case-sensitive; when it is repeated, the last value wins
// ("?api_key=good&api_key=x;" is the key "x;"). A missing or empty value is
// not authenticated: 401 with WWW-Authenticate: APIKey.
type APIKeyQuery struct {
	// Param is the query parameter's name. Required.
	Param string
	// Name is the scheme name in OpenAPI; default "APIKeyQuery".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *APIKey, nil when there is no key,
	// instead of answering 401 (FastAPI's auto_error=False).
	Optional bool
	// NotAuthenticated, when set, makes the error returned instead of the
	// default 401 (FastAPI's make_not_authenticated_error).
	NotAuthenticated func() *keel.HTTPError

	lazy lazyProvider
}

// Authenticate returns the key of r. When r has none it returns (nil, nil) if the
// scheme is Optional, else the not-authenticated error, a *keel.HTTPError.
func (s *APIKeyQuery) Authenticate(r *http.Request) (*APIKey, error) {
	v, _ := wire.QueryLast(r.URL.RawQuery, s.Param) // the reader of query fields: Starlette's rules
	return apiKeyResult(v, s.Optional, s.NotAuthenticated)
}

// SchemeName implements Scheme.
func (s *APIKeyQuery) SchemeName() string { return schemeName(s.Name, s) }

// OpenAPISecurityScheme implements Scheme: {"type":"apiKey","in":"query","name":Param}.
func (s *APIKeyQuery) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{Type: "apiKey", In: "query", Name: s.Param, Description: s.Description}
}

// Dependency implements di.Source.
func (s *APIKeyQuery) Dependency() di.Dependency {
	return s.lazy.get(s.Optional, func() *di.Provider { return provide(s, s.Authenticate, s.Optional) })
}

// CheckConfig implements ConfigChecker: Param (the query parameter name) is required.
func (s *APIKeyQuery) CheckConfig() error {
	if s.Param == "" {
		return configError(s, "Param (the query parameter name) is required")
	}
	return s.lazy.check(s, s.Optional)
}

// APIKeyHeader reads an API key from a request header (FastAPI's APIKeyHeader,
// docs/fastapi-compat.md §1.2). The header name is case-insensitive; when the header is repeated,
// the first value wins. A missing or empty value is not authenticated: 401 with
// WWW-Authenticate: APIKey.
type APIKeyHeader struct {
	// Header is the header's name, documented as written. Required.
	Header string
	// Name is the scheme name in OpenAPI; default "APIKeyHeader".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *APIKey, nil when there is no key.
	Optional bool
	// NotAuthenticated, when set, makes the error returned instead of the default 401.
	NotAuthenticated func() *keel.HTTPError

	lazy lazyProvider
}

// Authenticate returns the key of r. When r has none it returns (nil, nil) if the
// scheme is Optional, else the not-authenticated error, a *keel.HTTPError.
func (s *APIKeyHeader) Authenticate(r *http.Request) (*APIKey, error) {
	v, _ := wire.Header(r, s.Header) // the reader of header fields
	return apiKeyResult(v, s.Optional, s.NotAuthenticated)
}

// SchemeName implements Scheme.
func (s *APIKeyHeader) SchemeName() string { return schemeName(s.Name, s) }

// OpenAPISecurityScheme implements Scheme: {"type":"apiKey","in":"header","name":Header}.
func (s *APIKeyHeader) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{Type: "apiKey", In: "header", Name: s.Header, Description: s.Description}
}

// Dependency implements di.Source.
func (s *APIKeyHeader) Dependency() di.Dependency {
	return s.lazy.get(s.Optional, func() *di.Provider { return provide(s, s.Authenticate, s.Optional) })
}

// CheckConfig implements ConfigChecker: Header (the header name) is required.
func (s *APIKeyHeader) CheckConfig() error {
	if s.Header == "" {
		return configError(s, "Header (the header name) is required")
	}
	return s.lazy.check(s, s.Optional)
}

// APIKeyCookie reads an API key from a cookie (FastAPI's APIKeyCookie, docs/fastapi-compat.md
// §1.2). When the cookie is repeated the last one wins, as in Starlette's cookie
// parser. A missing or empty value is not authenticated: 401 with
// WWW-Authenticate: APIKey.
type APIKeyCookie struct {
	// Cookie is the cookie's name. Required.
	Cookie string
	// Name is the scheme name in OpenAPI; default "APIKeyCookie".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *APIKey, nil when there is no key.
	Optional bool
	// NotAuthenticated, when set, makes the error returned instead of the default 401.
	NotAuthenticated func() *keel.HTTPError

	lazy lazyProvider
}

// Authenticate returns the key of r. When r has none it returns (nil, nil) if the
// scheme is Optional, else the not-authenticated error, a *keel.HTTPError.
func (s *APIKeyCookie) Authenticate(r *http.Request) (*APIKey, error) {
	v, _ := wire.Cookie(r, s.Cookie) // the reader of cookie fields: Starlette's rules
	return apiKeyResult(v, s.Optional, s.NotAuthenticated)
}

// SchemeName implements Scheme.
func (s *APIKeyCookie) SchemeName() string { return schemeName(s.Name, s) }

// OpenAPISecurityScheme implements Scheme: {"type":"apiKey","in":"cookie","name":Cookie}.
func (s *APIKeyCookie) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{Type: "apiKey", In: "cookie", Name: s.Cookie, Description: s.Description}
}

// Dependency implements di.Source.
func (s *APIKeyCookie) Dependency() di.Dependency {
	return s.lazy.get(s.Optional, func() *di.Provider { return provide(s, s.Authenticate, s.Optional) })
}

// CheckConfig implements ConfigChecker: Cookie (the cookie name) is required.
func (s *APIKeyCookie) CheckConfig() error {
	if s.Cookie == "" {
		return configError(s, "Cookie (the cookie name) is required")
	}
	return s.lazy.check(s, s.Optional)
}

// apiKeyResult applies FastAPI's rule: missing and empty are alike (docs/fastapi-compat.md §1.2).
func apiKeyResult(v string, optional bool, custom func() *keel.HTTPError) (*APIKey, error) {
	if v == "" {
		if optional {
			return nil, nil
		}
		return nil, notAuthenticated(custom, apiKeyChallenge)
	}
	k := APIKey(v)
	return &k, nil
}

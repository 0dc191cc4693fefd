package security

import (
	"maps"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/pycompat"
)

// Token is what the OAuth2 schemes provide. For OAuth2PasswordBearer and
// OAuth2AuthorizationCodeBearer it is the bearer token; for OAuth2 and
// OpenIdConnect it is the whole Authorization header value, scheme included, as
// in FastAPI (docs/fastapi-compat.md §1.2).
type Token string

// bearerToken is FastAPI's OAuth2PasswordBearer logic: present header, scheme
// "bearer" in any case; "Authorization: Bearer" gives the empty token. A
// header longer than max is not authenticated, even when optional.
func bearerToken(r *http.Request, max int, optional bool, custom func() *keel.HTTPError) (*Token, error) {
	if _, tooLong := authorization(r, max); tooLong {
		return nil, notAuthenticated(custom, "Bearer")
	}
	t, ok, err := bearerTokenValue(r, max, custom)
	if !ok {
		if optional {
			return nil, nil
		}
		return nil, err
	}
	return &t, nil
}

// bearerTokenValue is bearerToken without the pointer: ok is false, with the
// not-authenticated error, when r has no bearer token or a header longer than
// max.
func bearerTokenValue(r *http.Request, max int, custom func() *keel.HTTPError) (Token, bool, error) {
	h, tooLong := authorization(r, max)
	scheme, cred := ParseAuthorization(h)
	if tooLong || h == "" || !pycompat.EqualFoldASCII(scheme, "bearer") {
		return "", false, notAuthenticated(custom, "Bearer")
	}
	return Token(cred), true, nil
}

// bearerProvider is the provider of the bearer-token schemes. config returns
// the scheme's MaxLength and NotAuthenticated, read per request.
func bearerProvider(meta Scheme, optional bool, config func() (int, func() *keel.HTTPError)) *di.Provider {
	if optional {
		return schemeProvider(meta, di.Func1(func(r *http.Request) (*Token, error) {
			max, custom := config()
			return bearerToken(r, max, true, custom)
		}))
	}
	return provideValue(meta, func(r *http.Request) (Token, error) {
		max, custom := config()
		t, _, err := bearerTokenValue(r, max, custom)
		return t, err
	})
}

// rawAuthorization is FastAPI's OAuth2/OpenIdConnect logic: the header must only
// be present, and its whole value is the result. A header longer than max is
// not authenticated, even when optional.
func rawAuthorization(r *http.Request, max int, optional bool, custom func() *keel.HTTPError) (*Token, error) {
	h, tooLong := authorization(r, max)
	if tooLong {
		return nil, notAuthenticated(custom, "Bearer")
	}
	if h == "" {
		if optional {
			return nil, nil
		}
		return nil, notAuthenticated(custom, "Bearer")
	}
	t := Token(h)
	return &t, nil
}

// OAuthFlow is one OAuth2 flow of an OpenAPI OAuth2 security scheme.
type OAuthFlow struct {
	// AuthorizationURL is for the implicit and authorizationCode flows.
	AuthorizationURL string
	// TokenURL is for the password, clientCredentials and authorizationCode flows.
	TokenURL string
	// RefreshURL is documented when set.
	RefreshURL string
	// Scopes maps scope names to their descriptions. It is always documented, as
	// {} when empty.
	Scopes map[string]string
	// Extra holds more keys for the flow object (for example "x-..." extensions),
	// passed through as given.
	Extra map[string]any
}

func (f *OAuthFlow) openAPI() *openapi3.OAuthFlow {
	if f == nil {
		return nil
	}
	return oauthFlow(f.AuthorizationURL, f.TokenURL, f.RefreshURL, f.Scopes, f.Extra)
}

func oauthFlow(authURL, tokenURL, refreshURL string, scopes map[string]string, extra map[string]any) *openapi3.OAuthFlow {
	s := make(map[string]string, len(scopes))
	maps.Copy(s, scopes)
	var ext map[string]any
	if len(extra) > 0 {
		ext = maps.Clone(extra)
	}
	return &openapi3.OAuthFlow{Extensions: ext, AuthorizationURL: authURL, TokenURL: tokenURL, RefreshURL: refreshURL, Scopes: s}
}

// OAuthFlows are the flows of an OAuth2 scheme; nil flows are not documented.
type OAuthFlows struct {
	Implicit          *OAuthFlow
	Password          *OAuthFlow
	ClientCredentials *OAuthFlow
	AuthorizationCode *OAuthFlow
	// Extra holds more keys for the flows object, passed through as given.
	Extra map[string]any
}

// OAuth2 is FastAPI's OAuth2 base class (docs/fastapi-compat.md §1.2): it documents any set of
// flows and at request time only checks that an Authorization header is present,
// providing its whole value as the Token ("Bearer abc", "Other abc", even
// "Token"). A missing header answers 401 with WWW-Authenticate: Bearer.
type OAuth2 struct {
	// Flows are documented in OpenAPI; none gives "flows":{}.
	Flows OAuthFlows
	// Name is the scheme name in OpenAPI; default "OAuth2".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *Token, nil when there is no header.
	Optional bool
	// NotAuthenticated, when set, makes the error returned instead of the default 401.
	NotAuthenticated func() *keel.HTTPError
	// MaxLength is the longest Authorization header value accepted, in bytes:
	// a longer one is answered with the scheme's 401 before anything in it is
	// read, even when Optional. 0 means DefaultMaxAuthorization (8 KiB); a
	// negative value, no limit.
	MaxLength int

	lazy lazyProvider
}

// Authenticate returns the Authorization header of r. When r has none it returns
// (nil, nil) if the scheme is Optional, else the not-authenticated error.
func (s *OAuth2) Authenticate(r *http.Request) (*Token, error) {
	return rawAuthorization(r, s.MaxLength, s.Optional, s.NotAuthenticated)
}

// SchemeName implements Scheme.
func (s *OAuth2) SchemeName() string { return schemeName(s.Name, s) }

// OpenAPISecurityScheme implements Scheme: {"type":"oauth2","flows":{...}}.
func (s *OAuth2) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	f := &openapi3.OAuthFlows{
		Implicit:          s.Flows.Implicit.openAPI(),
		Password:          s.Flows.Password.openAPI(),
		ClientCredentials: s.Flows.ClientCredentials.openAPI(),
		AuthorizationCode: s.Flows.AuthorizationCode.openAPI(),
	}
	if len(s.Flows.Extra) > 0 {
		f.Extensions = maps.Clone(s.Flows.Extra)
	}
	return &openapi3.SecurityScheme{Type: "oauth2", Flows: f, Description: s.Description}
}

// Dependency implements di.Source.
func (s *OAuth2) Dependency() di.Dependency {
	return s.lazy.get(s.Optional, func() *di.Provider { return provide(s, s.Authenticate, s.Optional) })
}

// CheckConfig implements ConfigChecker.
func (s *OAuth2) CheckConfig() error { return s.lazy.check(s, s.Optional) }

// DeclaredScopes implements ScopeDeclarer: the scopes of every flow.
func (s *OAuth2) DeclaredScopes() []string {
	var all []map[string]string
	for _, f := range []*OAuthFlow{s.Flows.Implicit, s.Flows.Password, s.Flows.ClientCredentials, s.Flows.AuthorizationCode} {
		if f != nil {
			all = append(all, f.Scopes)
		}
	}
	return sortedKeys(all...)
}

// OAuth2PasswordBearer reads a bearer token obtained with OAuth2's password flow
// from TokenURL (FastAPI's OAuth2PasswordBearer, docs/fastapi-compat.md §1.2). It provides the
// token, unverified: "Authorization: Bearer" alone gives the empty token. A
// missing header or another scheme answers 401 with WWW-Authenticate: Bearer.
// Swagger UI's Authorize dialog posts the user's name and password to TokenURL
// (see OAuth2PasswordRequestForm).
type OAuth2PasswordBearer struct {
	// TokenURL is where clients obtain a token, relative to the API's base. Required.
	TokenURL string
	// RefreshURL is documented when set.
	RefreshURL string
	// Scopes maps the scopes the API knows to their descriptions, for OpenAPI.
	Scopes map[string]string
	// Name is the scheme name in OpenAPI; default "OAuth2PasswordBearer".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *Token, nil when there is no bearer token.
	Optional bool
	// NotAuthenticated, when set, makes the error returned instead of the default 401.
	NotAuthenticated func() *keel.HTTPError
	// MaxLength is the longest Authorization header value accepted, in bytes:
	// a longer one is answered with the scheme's 401 before anything in it is
	// read, even when Optional. 0 means DefaultMaxAuthorization (8 KiB); a
	// negative value, no limit.
	MaxLength int

	lazy lazyProvider
}

// Authenticate returns the bearer token of r. When r has none it returns (nil,
// nil) if the scheme is Optional, else the not-authenticated error.
func (s *OAuth2PasswordBearer) Authenticate(r *http.Request) (*Token, error) {
	return bearerToken(r, s.MaxLength, s.Optional, s.NotAuthenticated)
}

// SchemeName implements Scheme.
func (s *OAuth2PasswordBearer) SchemeName() string { return schemeName(s.Name, s) }

// OpenAPISecurityScheme implements Scheme:
// {"type":"oauth2","flows":{"password":{"scopes":{...},"tokenUrl":TokenURL}}}.
func (s *OAuth2PasswordBearer) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{
		Type:        "oauth2",
		Description: s.Description,
		Flows:       &openapi3.OAuthFlows{Password: oauthFlow("", s.TokenURL, s.RefreshURL, s.Scopes, nil)},
	}
}

// Dependency implements di.Source.
func (s *OAuth2PasswordBearer) Dependency() di.Dependency {
	return s.lazy.get(s.Optional, func() *di.Provider {
		return bearerProvider(s, s.Optional, func() (int, func() *keel.HTTPError) { return s.MaxLength, s.NotAuthenticated })
	})
}

// CheckConfig implements ConfigChecker: TokenURL is required.
func (s *OAuth2PasswordBearer) CheckConfig() error {
	if s.TokenURL == "" {
		return configError(s, "TokenURL is required")
	}
	return s.lazy.check(s, s.Optional)
}

// DeclaredScopes implements ScopeDeclarer: the keys of Scopes.
func (s *OAuth2PasswordBearer) DeclaredScopes() []string { return sortedKeys(s.Scopes) }

// OAuth2AuthorizationCodeBearer reads a bearer token obtained with OAuth2's
// authorization code flow (FastAPI's OAuth2AuthorizationCodeBearer, docs/fastapi-compat.md §1.2).
// At request time it behaves exactly as OAuth2PasswordBearer.
type OAuth2AuthorizationCodeBearer struct {
	// AuthorizationURL is the authorization endpoint. Required.
	AuthorizationURL string
	// TokenURL is the token endpoint. Required.
	TokenURL string
	// RefreshURL is documented when set.
	RefreshURL string
	// Scopes maps the scopes the API knows to their descriptions, for OpenAPI.
	Scopes map[string]string
	// Name is the scheme name in OpenAPI; default "OAuth2AuthorizationCodeBearer".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *Token, nil when there is no bearer token.
	Optional bool
	// NotAuthenticated, when set, makes the error returned instead of the default 401.
	NotAuthenticated func() *keel.HTTPError
	// MaxLength is the longest Authorization header value accepted, in bytes:
	// a longer one is answered with the scheme's 401 before anything in it is
	// read, even when Optional. 0 means DefaultMaxAuthorization (8 KiB); a
	// negative value, no limit.
	MaxLength int

	lazy lazyProvider
}

// Authenticate returns the bearer token of r. When r has none it returns (nil,
// nil) if the scheme is Optional, else the not-authenticated error.
func (s *OAuth2AuthorizationCodeBearer) Authenticate(r *http.Request) (*Token, error) {
	return bearerToken(r, s.MaxLength, s.Optional, s.NotAuthenticated)
}

// SchemeName implements Scheme.
func (s *OAuth2AuthorizationCodeBearer) SchemeName() string { return schemeName(s.Name, s) }

// OpenAPISecurityScheme implements Scheme: {"type":"oauth2","flows":
// {"authorizationCode":{"scopes":{...},"authorizationUrl":...,"tokenUrl":...}}}.
func (s *OAuth2AuthorizationCodeBearer) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{
		Type:        "oauth2",
		Description: s.Description,
		Flows: &openapi3.OAuthFlows{
			AuthorizationCode: oauthFlow(s.AuthorizationURL, s.TokenURL, s.RefreshURL, s.Scopes, nil),
		},
	}
}

// Dependency implements di.Source.
func (s *OAuth2AuthorizationCodeBearer) Dependency() di.Dependency {
	return s.lazy.get(s.Optional, func() *di.Provider {
		return bearerProvider(s, s.Optional, func() (int, func() *keel.HTTPError) { return s.MaxLength, s.NotAuthenticated })
	})
}

// CheckConfig implements ConfigChecker: AuthorizationURL and TokenURL are required.
func (s *OAuth2AuthorizationCodeBearer) CheckConfig() error {
	if s.AuthorizationURL == "" || s.TokenURL == "" {
		return configError(s, "AuthorizationURL and TokenURL are required")
	}
	return s.lazy.check(s, s.Optional)
}

// DeclaredScopes implements ScopeDeclarer: the keys of Scopes.
func (s *OAuth2AuthorizationCodeBearer) DeclaredScopes() []string { return sortedKeys(s.Scopes) }

// OpenIdConnect documents an OpenID Connect provider by its discovery URL
// (FastAPI's OpenIdConnect, docs/fastapi-compat.md §1.2). The URL is never fetched: at request time
// it behaves as OAuth2, providing the whole Authorization header value. The type
// keeps FastAPI's spelling because its name is the default scheme name.
type OpenIdConnect struct { //nolint:revive // FastAPI's class name is the default scheme name
	// URL is the OpenID Connect discovery URL (openIdConnectUrl). Required.
	URL string
	// Name is the scheme name in OpenAPI; default "OpenIdConnect".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *Token, nil when there is no header.
	Optional bool
	// NotAuthenticated, when set, makes the error returned instead of the default 401.
	NotAuthenticated func() *keel.HTTPError
	// MaxLength is the longest Authorization header value accepted, in bytes:
	// a longer one is answered with the scheme's 401 before anything in it is
	// read, even when Optional. 0 means DefaultMaxAuthorization (8 KiB); a
	// negative value, no limit.
	MaxLength int

	lazy lazyProvider
}

// Authenticate returns the Authorization header of r. When r has none it returns
// (nil, nil) if the scheme is Optional, else the not-authenticated error.
func (s *OpenIdConnect) Authenticate(r *http.Request) (*Token, error) {
	return rawAuthorization(r, s.MaxLength, s.Optional, s.NotAuthenticated)
}

// SchemeName implements Scheme.
func (s *OpenIdConnect) SchemeName() string { return schemeName(s.Name, s) }

// OpenAPISecurityScheme implements Scheme: {"type":"openIdConnect","openIdConnectUrl":URL}.
func (s *OpenIdConnect) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{Type: "openIdConnect", OpenIdConnectUrl: s.URL, Description: s.Description}
}

// Dependency implements di.Source.
func (s *OpenIdConnect) Dependency() di.Dependency {
	return s.lazy.get(s.Optional, func() *di.Provider { return provide(s, s.Authenticate, s.Optional) })
}

// CheckConfig implements ConfigChecker: URL is required.
func (s *OpenIdConnect) CheckConfig() error {
	if s.URL == "" {
		return configError(s, "URL (openIdConnectUrl) is required")
	}
	return s.lazy.check(s, s.Optional)
}

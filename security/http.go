package security

import (
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/pycompat"
)

// HTTPAuthorizationCredentials is the parsed Authorization header that HTTPBase,
// HTTPBearer and HTTPDigest provide: the scheme as the client sent it (any case)
// and the credentials after it. It encodes as {"scheme":...,"credentials":...}.
type HTTPAuthorizationCredentials struct {
	Scheme      string `json:"scheme"`
	Credentials string `json:"credentials"`
}

// HTTPBasicCredentials is what HTTPBasic provides. It encodes as
// {"username":...,"password":...}. Check the password with CompareSecret.
type HTTPBasicCredentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// HTTPBase accepts any Authorization header with a non-empty scheme and
// non-empty credentials (FastAPI's HTTPBase, docs/fastapi-compat.md §1.2). It does not check that
// the client's scheme equals Scheme, which is only documented and used, title-cased
// as Python's str.title() does, as the challenge: Scheme "other-scheme" answers
// 401 with WWW-Authenticate: Other-Scheme.
type HTTPBase struct {
	// Scheme is the HTTP authentication scheme documented in OpenAPI, as given.
	// Required.
	Scheme string
	// Name is the scheme name in OpenAPI; default "HTTPBase".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *HTTPAuthorizationCredentials, nil when
	// there are no credentials.
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

// Authenticate returns the credentials of r. When r has none it returns (nil,
// nil) if the scheme is Optional, else the not-authenticated error.
func (s *HTTPBase) Authenticate(r *http.Request) (*HTTPAuthorizationCredentials, error) {
	return httpCredentials(r, "", s.MaxLength, s.Optional, s.NotAuthenticated, pycompat.Title(s.Scheme))
}

// SchemeName implements Scheme.
func (s *HTTPBase) SchemeName() string { return schemeName(s.Name, s) }

// OpenAPISecurityScheme implements Scheme: {"type":"http","scheme":Scheme}.
func (s *HTTPBase) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{Type: "http", Scheme: s.Scheme, Description: s.Description}
}

// Dependency implements di.Source.
func (s *HTTPBase) Dependency() di.Dependency {
	return s.lazy.get(s.Optional, func() *di.Provider { return provide(s, s.Authenticate, s.Optional) })
}

// CheckConfig implements ConfigChecker: Scheme is required.
func (s *HTTPBase) CheckConfig() error {
	if s.Scheme == "" {
		return configError(s, "Scheme is required")
	}
	return s.lazy.check(s, s.Optional)
}

// HTTPBearer accepts "Authorization: Bearer <token>", the scheme in any case
// (FastAPI's HTTPBearer, docs/fastapi-compat.md §1.2). A missing header, another scheme, or an empty
// token is not authenticated: 401 with WWW-Authenticate: Bearer. It does not verify
// the token; JWTBearer does.
type HTTPBearer struct {
	// BearerFormat documents the token's format in OpenAPI, for example "JWT".
	BearerFormat string
	// Name is the scheme name in OpenAPI; default "HTTPBearer".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *HTTPAuthorizationCredentials, nil when
	// there are no credentials.
	Optional bool
	// NotAuthenticated, when set, makes the error returned instead of the default
	// 401. See the package example for FastAPI's "403 without a challenge" variant.
	NotAuthenticated func() *keel.HTTPError
	// MaxLength is the longest Authorization header value accepted, in bytes:
	// a longer one is answered with the scheme's 401 before anything in it is
	// read, even when Optional. 0 means DefaultMaxAuthorization (8 KiB); a
	// negative value, no limit.
	MaxLength int

	lazy lazyProvider
}

// Authenticate returns the credentials of r. When r has none it returns (nil,
// nil) if the scheme is Optional, else the not-authenticated error.
func (s *HTTPBearer) Authenticate(r *http.Request) (*HTTPAuthorizationCredentials, error) {
	return httpCredentials(r, "bearer", s.MaxLength, s.Optional, s.NotAuthenticated, "Bearer")
}

// SchemeName implements Scheme.
func (s *HTTPBearer) SchemeName() string { return schemeName(s.Name, s) }

// OpenAPISecurityScheme implements Scheme: {"type":"http","scheme":"bearer"},
// with "bearerFormat" when set.
func (s *HTTPBearer) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{Type: "http", Scheme: "bearer", BearerFormat: s.BearerFormat, Description: s.Description}
}

// Dependency implements di.Source.
func (s *HTTPBearer) Dependency() di.Dependency {
	return s.lazy.get(s.Optional, func() *di.Provider { return provide(s, s.Authenticate, s.Optional) })
}

// CheckConfig implements ConfigChecker.
func (s *HTTPBearer) CheckConfig() error { return s.lazy.check(s, s.Optional) }

// HTTPDigest is FastAPI's HTTPDigest stub (docs/fastapi-compat.md §1.2): it accepts
// "Authorization: Digest <params>" and provides the unparsed parameters, checking
// nothing. A missing header, another scheme or empty parameters answer 401 with
// WWW-Authenticate: Digest. For real Digest authentication use DigestAuth.
type HTTPDigest struct {
	// Name is the scheme name in OpenAPI; default "HTTPDigest".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *HTTPAuthorizationCredentials, nil when
	// there are no credentials.
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

// Authenticate returns the credentials of r. When r has none it returns (nil,
// nil) if the scheme is Optional, else the not-authenticated error.
func (s *HTTPDigest) Authenticate(r *http.Request) (*HTTPAuthorizationCredentials, error) {
	return httpCredentials(r, "digest", s.MaxLength, s.Optional, s.NotAuthenticated, "Digest")
}

// SchemeName implements Scheme.
func (s *HTTPDigest) SchemeName() string { return schemeName(s.Name, s) }

// OpenAPISecurityScheme implements Scheme: {"type":"http","scheme":"digest"}.
func (s *HTTPDigest) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{Type: "http", Scheme: "digest", Description: s.Description}
}

// Dependency implements di.Source.
func (s *HTTPDigest) Dependency() di.Dependency {
	return s.lazy.get(s.Optional, func() *di.Provider { return provide(s, s.Authenticate, s.Optional) })
}

// CheckConfig implements ConfigChecker.
func (s *HTTPDigest) CheckConfig() error { return s.lazy.check(s, s.Optional) }

// httpCredentials is FastAPI's HTTPBase/HTTPBearer/HTTPDigest logic: the header,
// its scheme and its credentials must all be non-empty, and the scheme must equal
// want (ASCII case-insensitively) unless want is "". A header longer than max
// is not authenticated, Optional or not.
func httpCredentials(r *http.Request, want string, max int, optional bool, custom func() *keel.HTTPError, challenge string) (*HTTPAuthorizationCredentials, error) {
	h, tooLong := authorization(r, max)
	if tooLong {
		return nil, notAuthenticated(custom, challenge)
	}
	scheme, cred := ParseAuthorization(h)
	if scheme == "" || cred == "" || (want != "" && !pycompat.EqualFoldASCII(scheme, want)) {
		if optional {
			return nil, nil
		}
		return nil, notAuthenticated(custom, challenge)
	}
	return &HTTPAuthorizationCredentials{Scheme: scheme, Credentials: cred}, nil
}

// HTTPBasic reads "Authorization: Basic <base64(user:password)>" (FastAPI's
// HTTPBasic, docs/fastapi-compat.md §1.2). It decodes base64 as leniently as Python's
// base64.b64decode(validate=False): characters outside the alphabet are dropped,
// '=' after a complete group and anything after the padding are ignored, but
// missing padding fails. The decoded text must be ASCII and contain a colon; the
// username is what precedes the first colon (it may be empty), the password the
// rest.
//
// A missing header or another scheme is not authenticated. Malformed credentials
// are always answered with the not-authenticated error, even when Optional. The
// challenge is `Basic realm="<Realm>"`, or `Basic` without a realm. HTTPBasic
// does not check the password: compare it with CompareSecret.
type HTTPBasic struct {
	// Realm is sent in the challenge; it is not part of the OpenAPI component.
	Realm string
	// Name is the scheme name in OpenAPI; default "HTTPBasic".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *HTTPBasicCredentials, nil when the
	// request has no Basic credentials. Malformed credentials still fail.
	Optional bool
	// NotAuthenticated, when set, makes the error returned instead of the default
	// 401, for missing and malformed credentials alike.
	NotAuthenticated func() *keel.HTTPError
	// MaxLength is the longest Authorization header value accepted, in bytes:
	// a longer one is answered with the scheme's 401 before anything in it is
	// read, even when Optional. 0 means DefaultMaxAuthorization (8 KiB); a
	// negative value, no limit.
	MaxLength int

	lazy lazyProvider
}

// Authenticate returns the credentials of r. When r has no Basic credentials it
// returns (nil, nil) if the scheme is Optional, else the not-authenticated error;
// malformed credentials always give the not-authenticated error.
func (s *HTTPBasic) Authenticate(r *http.Request) (*HTTPBasicCredentials, error) {
	h, tooLong := authorization(r, s.MaxLength)
	if tooLong {
		return nil, notAuthenticated(s.NotAuthenticated, s.challenge())
	}
	scheme, cred := ParseAuthorization(h)
	if h == "" || !pycompat.EqualFoldASCII(scheme, "basic") {
		if s.Optional {
			return nil, nil
		}
		return nil, notAuthenticated(s.NotAuthenticated, s.challenge())
	}
	c, ok := parseBasic(cred)
	if !ok {
		return nil, notAuthenticated(s.NotAuthenticated, s.challenge())
	}
	return &c, nil
}

func (s *HTTPBasic) challenge() string {
	if s.Realm == "" {
		return "Basic"
	}
	return "Basic realm=" + quote(s.Realm)
}

// SchemeName implements Scheme.
func (s *HTTPBasic) SchemeName() string { return schemeName(s.Name, s) }

// OpenAPISecurityScheme implements Scheme: {"type":"http","scheme":"basic"}.
func (s *HTTPBasic) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{Type: "http", Scheme: "basic", Description: s.Description}
}

// Dependency implements di.Source.
func (s *HTTPBasic) Dependency() di.Dependency {
	return s.lazy.get(s.Optional, func() *di.Provider { return provide(s, s.Authenticate, s.Optional) })
}

// CheckConfig implements ConfigChecker.
func (s *HTTPBasic) CheckConfig() error { return s.lazy.check(s, s.Optional) }

// parseBasic decodes Basic credentials: lenient base64, ASCII, first colon.
func parseBasic(cred string) (HTTPBasicCredentials, bool) {
	b, ok := pycompat.B64Decode(cred)
	if !ok {
		return HTTPBasicCredentials{}, false
	}
	for _, c := range b {
		if c >= 0x80 {
			return HTTPBasicCredentials{}, false
		}
	}
	user, pass, found := strings.Cut(string(b), ":")
	if !found {
		return HTTPBasicCredentials{}, false
	}
	return HTTPBasicCredentials{Username: user, Password: pass}, true
}

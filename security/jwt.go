package security

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
)

// Claims is a ready-made claims type for JWTBearer: the registered claims (sub,
// iss, aud, exp, nbf, iat, jti), the scope claims, and every claim as decoded
// JSON in Raw.
type Claims struct {
	jwt.RegisteredClaims
	// Scope is the "scope" claim (RFC 8693 §4.2): space-separated scopes. A list
	// is accepted too.
	Scope jwt.ClaimStrings `json:"scope,omitempty"`
	// Scp is the "scp" claim some issuers use: a list, or space-separated scopes.
	Scp jwt.ClaimStrings `json:"scp,omitempty"`
	// Raw holds all claims of the token.
	Raw map[string]any `json:"-"`
}

// UnmarshalJSON decodes the claims once, into Raw, and takes the registered
// and scope claims from there, with the rules of golang-jwt's types: iss, sub
// and jti strings; aud, scope and scp a string or a list of strings; exp, nbf
// and iat numbers of seconds (or strings holding one). A claim of another
// type is an error, which makes the token invalid; null is an absent claim.
func (c *Claims) UnmarshalJSON(b []byte) error {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		return errorString("claims: not a JSON object")
	}
	out := Claims{Raw: raw}
	rc := &out.RegisteredClaims
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{{"iss", &rc.Issuer}, {"sub", &rc.Subject}, {"jti", &rc.ID}} {
		if err == nil {
			*f.dst, err = claimString(raw, f.name)
		}
	}
	for _, f := range []struct {
		name string
		dst  *jwt.ClaimStrings
	}{{"aud", &rc.Audience}, {"scope", &out.Scope}, {"scp", &out.Scp}} {
		if err == nil {
			*f.dst, err = claimStrings(raw, f.name)
		}
	}
	for _, f := range []struct {
		name string
		dst  **jwt.NumericDate
	}{{"exp", &rc.ExpiresAt}, {"nbf", &rc.NotBefore}, {"iat", &rc.IssuedAt}} {
		if err == nil {
			*f.dst, err = claimDate(raw, f.name)
		}
	}
	if err != nil {
		return err
	}
	*c = out
	return nil
}

// claimString is a string claim (absent or null: "").
func claimString(raw map[string]any, name string) (string, error) {
	switch v := raw[name].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	}
	return "", errorString("claims: " + name + " is not a string")
}

// claimStrings is jwt.ClaimStrings' rule: a string or a list of strings.
func claimStrings(raw map[string]any, name string) (jwt.ClaimStrings, error) {
	switch v := raw[name].(type) {
	case nil:
		return nil, nil
	case string:
		return jwt.ClaimStrings{v}, nil
	case []any:
		var out jwt.ClaimStrings // [] gives nil, as in golang-jwt
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, jwt.ErrInvalidType
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, jwt.ErrInvalidType
}

// claimDate is jwt.NumericDate's rule: seconds since the epoch, a number or a
// string holding one, to jwt.TimePrecision.
func claimDate(raw map[string]any, name string) (*jwt.NumericDate, error) {
	var f float64
	switch v := raw[name].(type) {
	case nil:
		return nil, nil
	case float64:
		f = v
	case string:
		n, err := json.Number(v).Float64()
		if err != nil || !json.Valid([]byte(v)) {
			return nil, errorString("claims: " + name + " is not a number")
		}
		f = n
	default:
		return nil, errorString("claims: " + name + " is not a number")
	}
	sec, frac := math.Modf(f)
	return jwt.NewNumericDate(time.Unix(int64(sec), int64(frac*1e9))), nil
}

// Scopes returns the scopes the token grants: the "scope" and "scp" claims, each
// entry split on spaces.
func (c Claims) Scopes() []string {
	var out []string
	for _, s := range c.Scope {
		out = append(out, strings.Fields(s)...)
	}
	for _, s := range c.Scp {
		out = append(out, strings.Fields(s)...)
	}
	return out
}

// ScopedClaims is implemented by claims types that know the scopes their token
// grants, as Claims does. JWTBearer uses it unless ClaimScopes is set.
type ScopedClaims interface {
	Scopes() []string
}

// JWTBearer verifies a JSON Web Token sent as "Authorization: Bearer <token>" and
// provides its claims, decoded into C. *C must implement jwt.Claims: embed
// jwt.RegisteredClaims in C, or use Claims.
//
// Verification: the signature with Key or KeyFunc, for the algorithms in
// Algorithms only (never "none"); exp (required unless AllowNoExpiry) and nbf,
// with Leeway; iss when Issuer is set; aud when Audience is set (any of them).
// With Tokens instead, the tokens of that TokenIssuer: its keys by kid, its
// issuer and audience, the at+jwt type, iat, and its revocation store.
// Then the SecurityScopes required where the scheme is used in the dependency
// graph must all be granted by the token: the scopes of ClaimScopes, else of
// C's Scopes method (ScopedClaims), else of the "scope" (space-separated) and
// "scp" (list) claims.
//
// Errors follow RFC 6750 §3:
//   - no bearer token: 401 {"detail":"Not authenticated"}, WWW-Authenticate:
//     Bearer (no error code, RFC 6750 §3.1), or NotAuthenticated();
//   - a token that fails verification (or is revoked): 401 {"detail":"Could
//     not validate credentials"}, WWW-Authenticate: Bearer error="invalid_token";
//   - a missing scope: 403 {"detail":"Not enough permissions"},
//     WWW-Authenticate: Bearer error="insufficient_scope", scope="<required>";
//   - a revocation store that fails: 503 {"detail":"Service Unavailable"},
//     Retry-After: 5 (the check fails closed).
//
// FastAPI's tutorial answers a missing scope with 401; 403 is what RFC 6750
// prescribes, and tells clients that logging in again will not help. With Realm
// set, each challenge starts with realm="...".
//
// Its OpenAPI component is {"type":"http","scheme":"bearer","bearerFormat":"JWT"},
// or, when TokenURL is set, an OAuth2 password flow so that Swagger UI's
// Authorize dialog obtains tokens from TokenURL.
type JWTBearer[C any] struct {
	// Key verifies signatures: a []byte secret for HS256/384/512, an
	// *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey (the matching private
	// keys are accepted too and their public half used). Exactly one of Key,
	// KeyFunc and Tokens is required.
	Key any
	// KeyFunc chooses the key per token, for example by its "kid" header from a
	// JWKS. It may return a jwt.VerificationKeySet. An error makes the token
	// invalid (401). Algorithms is required with it.
	KeyFunc func(ctx context.Context, token *jwt.Token) (any, error)
	// Tokens verifies the access tokens of a TokenIssuer, sharing its
	// configuration: keys (by kid, rotation included), Issuer, Audience,
	// the at+jwt type, and revocation. Key, KeyFunc, Algorithms, Issuer,
	// Audience, AllowNoExpiry and Now must then be left empty.
	Tokens *TokenIssuer
	// Algorithms are the accepted "alg" values. Default, by Key's type: HS256,
	// HS384 and HS512 for a secret; RS256, RS384 and RS512 for RSA; the ES
	// algorithm of an ECDSA key's curve; EdDSA for Ed25519.
	Algorithms []string
	// Issuer, when set, must equal the "iss" claim.
	Issuer string
	// Audience, when set, must contain one of the "aud" claim's values.
	Audience []string
	// Leeway is the clock skew allowed for exp and nbf.
	Leeway time.Duration
	// AllowNoExpiry accepts tokens without an "exp" claim.
	AllowNoExpiry bool
	// Now is the clock; default time.Now.
	Now func() time.Time
	// ClaimScopes returns the scopes a token grants, replacing the default.
	ClaimScopes func(claims *C) []string
	// Realm, when set, is sent in every challenge.
	Realm string
	// TokenURL, when set, documents the scheme as an OAuth2 password flow
	// obtaining tokens there, with RefreshURL and Scopes.
	TokenURL   string
	RefreshURL string
	Scopes     map[string]string
	// BearerFormat documents the token format of the http bearer component;
	// default "JWT".
	BearerFormat string
	// Name is the scheme name in OpenAPI; default "JWTBearer".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *C, nil when the request has no bearer
	// token. A token that is present but invalid, or lacks a scope, still fails.
	Optional bool
	// NotAuthenticated, when set, makes the error returned instead of the default
	// 401 when there is no bearer token.
	NotAuthenticated func() *keel.HTTPError
	// MaxLength is the longest Authorization header value accepted, in bytes:
	// a longer one is an invalid token (401, error="invalid_token", even when
	// Optional), refused before anything in it is decoded or verified. 0 means
	// DefaultMaxAuthorization (8 KiB); a negative value, no limit.
	MaxLength int

	lazy  lazyProvider
	setup setup
	v     *tokenVerifier[C]
}

var jwtAlgorithms = map[string]bool{
	"HS256": true, "HS384": true, "HS512": true,
	"RS256": true, "RS384": true, "RS512": true,
	"PS256": true, "PS384": true, "PS512": true,
	"ES256": true, "ES384": true, "ES512": true,
	"EdDSA": true,
}

func (b *JWTBearer[C]) init() error { return b.setup.do(b.configure) }

func (b *JWTBearer[C]) configure() error {
	if _, ok := any(new(C)).(jwt.Claims); !ok {
		var c C
		return configError(b, "*%T does not implement jwt.Claims; embed jwt.RegisteredClaims or use security.Claims", c)
	}
	if b.Leeway < 0 {
		return configError(b, "Leeway must not be negative")
	}
	v := &tokenVerifier[C]{
		claimScopes: b.ClaimScopes,
		realm:       b.Realm,
		maxLength:   b.MaxLength,
		optional:    b.Optional,
		notAuth:     b.NotAuthenticated,
	}
	if b.Tokens != nil {
		if b.Key != nil || b.KeyFunc != nil || len(b.Algorithms) > 0 || b.Issuer != "" || len(b.Audience) > 0 || b.AllowNoExpiry || b.Now != nil {
			return configError(b, "with Tokens, leave Key, KeyFunc, Algorithms, Issuer, Audience, AllowNoExpiry and Now empty: the TokenIssuer's configuration applies")
		}
		if err := b.Tokens.init(); err != nil {
			return err
		}
		ti := b.Tokens
		// Every algorithm a key may use, now or after a rotation: keyFunc
		// checks each token's against its key.
		opts := []jwt.ParserOption{
			jwt.WithValidMethods(slices.Clone(jwtAsymmetricAndHMAC)), jwt.WithLeeway(max(b.Leeway, ti.Leeway)),
			jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithIssuer(ti.Issuer), jwt.WithTimeFunc(ti.Now),
		}
		if len(ti.Audience) > 0 {
			opts = append(opts, jwt.WithAudience(ti.Audience...))
		}
		v.parser = jwt.NewParser(opts...)
		v.keyFunc = ti.keyFunc
		v.typ = AccessTokenType
		v.check = func(ctx context.Context, t *jwt.Token, c *C) error {
			ids := v.stringClaims(t, c, "jti", "sid")
			return ti.checkRevoked(ctx, ids[0], ids[1])
		}
		b.v = v
		return nil
	}
	if (b.Key == nil) == (b.KeyFunc == nil) {
		return configError(b, "exactly one of Key, KeyFunc and Tokens is required")
	}
	algs := b.Algorithms
	var key any
	if b.Key != nil {
		k, defaults, fits, err := verificationKey(b.Key)
		if err != nil {
			return configError(b, "%v", err)
		}
		key = k
		if len(algs) == 0 {
			algs = defaults
		}
		for _, a := range algs {
			if !slices.Contains(fits, a) {
				return configError(b, "algorithm %q does not fit the key (%T)", a, b.Key)
			}
		}
	}
	if len(algs) == 0 {
		return configError(b, "Algorithms is required with KeyFunc")
	}
	for _, a := range algs {
		if !jwtAlgorithms[a] {
			return configError(b, "unsupported algorithm %q", a)
		}
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(slices.Clone(algs)), jwt.WithLeeway(b.Leeway)}
	if !b.AllowNoExpiry {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if b.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(b.Issuer))
	}
	if len(b.Audience) > 0 {
		opts = append(opts, jwt.WithAudience(b.Audience...))
	}
	if b.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(b.Now))
	}
	v.parser = jwt.NewParser(opts...)
	if b.KeyFunc != nil {
		v.keyFunc = b.KeyFunc
	} else {
		v.keyFunc = func(context.Context, *jwt.Token) (any, error) { return key, nil }
	}
	b.v = v
	return nil
}

// verificationKey returns the public key to verify with, the algorithms used
// by default with it, and all the algorithms that fit it.
func verificationKey(k any) (key any, defaults, fits []string, err error) {
	switch p := k.(type) {
	case *rsa.PrivateKey:
		k = p.Public()
	case *ecdsa.PrivateKey:
		k = p.Public()
	case ed25519.PrivateKey:
		k = p.Public()
	}
	switch k := k.(type) {
	case []byte:
		if len(k) == 0 {
			return nil, nil, nil, errorString("empty HMAC secret")
		}
		hs := []string{"HS256", "HS384", "HS512"}
		return k, hs, hs, nil
	case *rsa.PublicKey:
		return k, []string{"RS256", "RS384", "RS512"}, []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}, nil
	case *ecdsa.PublicKey:
		var alg string
		switch k.Curve {
		case elliptic.P256():
			alg = "ES256"
		case elliptic.P384():
			alg = "ES384"
		case elliptic.P521():
			alg = "ES512"
		default:
			return nil, nil, nil, errorString("unsupported ECDSA curve")
		}
		return k, []string{alg}, []string{alg}, nil
	case ed25519.PublicKey:
		return k, []string{"EdDSA"}, []string{"EdDSA"}, nil
	case jwt.VerificationKeySet:
		return nil, nil, nil, errorString("give a jwt.VerificationKeySet through KeyFunc, with Algorithms")
	case string:
		return nil, nil, nil, errorString("a string Key: give an HMAC secret as []byte")
	}
	return nil, nil, nil, errorString("unsupported Key type")
}

// jwtAsymmetricAndHMAC are the algorithms a TokenIssuer's keys may use.
var jwtAsymmetricAndHMAC = []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

type errorString string

func (e errorString) Error() string { return string(e) }

// Authenticate verifies r's bearer token and checks that it grants every scope
// in required. When r has no bearer token it returns (nil, nil) if the scheme is
// Optional, else the not-authenticated error. Failures are *keel.HTTPError.
func (b *JWTBearer[C]) Authenticate(r *http.Request, required []string) (*C, error) {
	if err := b.init(); err != nil {
		return nil, err
	}
	return b.v.authenticate(r, required)
}

// SchemeName implements Scheme.
func (b *JWTBearer[C]) SchemeName() string { return schemeName(b.Name, b) }

// OpenAPISecurityScheme implements Scheme.
func (b *JWTBearer[C]) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	if b.TokenURL != "" {
		return &openapi3.SecurityScheme{
			Type:        "oauth2",
			Description: b.Description,
			Flows:       &openapi3.OAuthFlows{Password: oauthFlow("", b.TokenURL, b.RefreshURL, b.Scopes, nil)},
		}
	}
	format := b.BearerFormat
	if format == "" {
		format = "JWT"
	}
	return &openapi3.SecurityScheme{Type: "http", Scheme: "bearer", BearerFormat: format, Description: b.Description}
}

// Dependency implements di.Source. Its provider takes the request and the
// SecurityScopes at its place in the graph.
func (b *JWTBearer[C]) Dependency() di.Dependency {
	return b.lazy.get(b.Optional, func() *di.Provider {
		if b.Optional {
			return schemeProvider(b, di.Func2(func(r *http.Request, s di.SecurityScopes) (*C, error) {
				return b.Authenticate(r, s.Scopes)
			}))
		}
		return schemeProvider(b, di.Func2(func(r *http.Request, s di.SecurityScopes) (C, error) {
			c, err := b.Authenticate(r, s.Scopes)
			if err != nil {
				var zero C
				return zero, err
			}
			return *c, nil
		}))
	})
}

// CheckConfig implements ConfigChecker: *C implements jwt.Claims, exactly one
// of Key and KeyFunc is set, the algorithms fit the key, Leeway is not
// negative. The verification settings (key, algorithms, issuer, audience,
// leeway, clock) are fixed by the first successful check.
func (b *JWTBearer[C]) CheckConfig() error {
	if err := b.init(); err != nil {
		return err
	}
	return b.lazy.check(b, b.Optional)
}

// DeclaredScopes implements ScopeDeclarer: the keys of Scopes.
func (b *JWTBearer[C]) DeclaredScopes() []string { return sortedKeys(b.Scopes) }

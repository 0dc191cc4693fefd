package security

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/oidc"
)

// Defaults of OIDCBearer.
const (
	// DefaultFetchTimeout bounds each fetch from the identity provider.
	DefaultFetchTimeout = 10 * time.Second
	// DefaultMaxDocumentSize bounds the discovery document and the key set.
	DefaultMaxDocumentSize = 1 << 20
	// DefaultRefetchInterval is the least time between two key set fetches
	// caused by tokens naming a key the set does not hold.
	DefaultRefetchInterval = time.Minute
	// DefaultMinRefreshInterval and DefaultMaxRefreshInterval bound the
	// background refresh of the key set.
	DefaultMinRefreshInterval = 5 * time.Minute
	DefaultMaxRefreshInterval = 24 * time.Hour
)

// oidcAlgorithms are the algorithms OIDCBearer accepts by default.
var oidcAlgorithms = []string{"RS256", "PS256", "ES256", "EdDSA"}

// OIDCBearer protects a resource server with the access tokens of an OpenID
// Connect provider (Auth0, Keycloak, Entra ID, Google, Zitadel, ...): it
// discovers the provider from Issuer, keeps its signing keys, verifies JWT
// bearer tokens against them and provides their claims, decoded into C (use
// Claims, or your type embedding jwt.RegisteredClaims).
//
// Discovery fetches Issuer's /.well-known/openid-configuration (or
// DiscoveryURL) in the background, from the first use on: https is required
// except on a loopback host, each fetch has a timeout and a size limit, and the
// document's "issuer" must equal Issuer exactly. Its jwks_uri key set is then
// kept in memory and refreshed in the background before its Cache-Control
// max-age runs out (within MinRefreshInterval and MaxRefreshInterval); while
// the provider cannot be reached, the keys fetched last stay in use. A token
// whose kid the set does not hold makes Keel refetch the set, at most once per
// RefetchInterval whatever the tokens say, so forged kids cannot make it
// flood the provider.
//
// Verification: the signature, with an algorithm of Algorithms (RS256,
// PS256, ES256, EdDSA by default; never "none" or HMAC) that the key fits and
// that its JWK "alg" names, if any; "iss" equal to Issuer; "aud" holding one of
// Audience; "exp" required, "nbf" and "iat" checked, all with Leeway;
// optionally "azp" (AuthorizedParties) and the "typ" header (TokenType, for
// RFC 9068's at+jwt). Then the SecurityScopes required where the scheme is
// used must all be granted: by the "scope" claim (space-separated) or the
// "scp" claim (a list, as Entra ID writes it), or by ClaimScopes.
//
// Answers, as JWTBearer's (RFC 6750 §3): no bearer token → 401 {"detail":"Not
// authenticated"}, WWW-Authenticate: Bearer; a token that fails any check,
// including an unknown kid → 401 {"detail":"Could not validate credentials"},
// Bearer error="invalid_token"; a missing scope → 403 {"detail":"Not enough
// permissions"}, Bearer error="insufficient_scope", scope="..."; no key set
// loaded yet (the provider has not answered since the start) → 503
// {"detail":"Service Unavailable"}, Retry-After: 5. Never 500.
//
// In OpenAPI it is {"type":"openIdConnect","openIdConnectUrl":<discovery
// URL>}, which Swagger UI reads to offer the provider's login (authorization
// code with PKCE: configure initOAuth's clientId and
// usePkceWithAuthorizationCodeGrant); with AuthorizationURL and TokenURL set,
// an oauth2 authorizationCode flow with Scopes instead.
//
// Its configuration is checked when the first route using it is registered
// (CheckConfig), and fixed from then on. Nothing is fetched at registration:
// discovery starts at the first request (which waits for it) or at Ready,
// which an application calls at startup. Close it when done with it (tests):
// it runs goroutines for the refresh.
type OIDCBearer[C any] struct {
	// Issuer is the provider's issuer identifier, exactly as its tokens'
	// "iss" and its discovery document say it (trailing slash included, if
	// any). Required.
	Issuer string
	// Audience are the values of "aud" accepted (any one of them): this API's
	// identifier at the provider. Required: without it, a token the provider
	// issued for any other application would be accepted.
	Audience []string
	// DiscoveryURL is the configuration document's URL; default Issuer +
	// "/.well-known/openid-configuration".
	DiscoveryURL string
	// Algorithms are the accepted "alg" values; default RS256, PS256, ES256
	// and EdDSA. Asymmetric algorithms only.
	Algorithms []string
	// Leeway is the clock skew allowed for exp, nbf and iat.
	Leeway time.Duration
	// AuthorizedParties, when set, must contain the token's "azp" claim, or,
	// without one, its "client_id" claim (RFC 9068 §2.2): the clients whose
	// tokens this API accepts.
	AuthorizedParties []string
	// TokenType, when set, is the media type the token's "typ" header must
	// name, such as "at+jwt" (RFC 9068 §4; "application/at+jwt" is accepted
	// too), so that ID tokens are refused as access tokens.
	TokenType string
	// ClaimScopes returns the scopes a token grants, replacing the default
	// ("scope" and "scp").
	ClaimScopes func(claims *C) []string
	// HTTPClient fetches from the provider (proxies, custom CAs); default
	// one with http.DefaultTransport. Its Timeout is capped by FetchTimeout.
	HTTPClient *http.Client
	// FetchTimeout bounds each fetch; default DefaultFetchTimeout.
	FetchTimeout time.Duration
	// MaxDocumentSize bounds the discovery document and the key set, in
	// bytes; default DefaultMaxDocumentSize (1 MiB).
	MaxDocumentSize int64
	// RefetchInterval is the least time between two key set fetches caused
	// by unknown kids (the first is immediate); default
	// DefaultRefetchInterval.
	RefetchInterval time.Duration
	// MinRefreshInterval and MaxRefreshInterval bound the background refresh
	// of the key set, otherwise scheduled from its Cache-Control max-age;
	// MinRefreshInterval is also the retry delay after a failed refresh.
	// Defaults DefaultMinRefreshInterval and DefaultMaxRefreshInterval.
	MinRefreshInterval, MaxRefreshInterval time.Duration
	// Logger logs failed fetches; default slog.Default().
	Logger *slog.Logger
	// Now is the clock of the claims checks; default time.Now.
	Now func() time.Time
	// Realm, when set, is sent in every challenge.
	Realm string
	// AuthorizationURL and TokenURL, when set, document the scheme as an
	// OAuth2 authorization code flow with RefreshURL and Scopes instead of
	// openIdConnect.
	AuthorizationURL, TokenURL, RefreshURL string
	Scopes                                 map[string]string
	// Name is the scheme name in OpenAPI; default "OIDCBearer".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *C, nil when the request has no
	// bearer token. A token that is present but invalid still fails.
	Optional bool
	// NotAuthenticated, when set, makes the error returned instead of the
	// default 401 when there is no bearer token.
	NotAuthenticated func() *keel.HTTPError
	// MaxLength is the longest Authorization header value accepted, as for
	// JWTBearer; 0 means DefaultMaxAuthorization (8 KiB).
	MaxLength int

	lazy     lazyProvider
	setup    setup
	v        *tokenVerifier[C]
	cfg      oidc.Config
	provider atomic.Pointer[oidc.Provider]
	startMu  sync.Mutex
	closed   bool
}

func (o *OIDCBearer[C]) init() error { return o.setup.do(o.configure) }

func (o *OIDCBearer[C]) configure() error {
	if _, ok := any(new(C)).(jwt.Claims); !ok {
		var c C
		return configError(o, "*%T does not implement jwt.Claims; embed jwt.RegisteredClaims or use security.Claims", c)
	}
	if o.Issuer == "" {
		return configError(o, "Issuer is required (the provider's issuer URL)")
	}
	if _, err := oidc.CheckURL(o.Issuer); err != nil {
		return configError(o, "Issuer: %v", err)
	}
	if len(o.Audience) == 0 || slices.Contains(o.Audience, "") {
		return configError(o, "Audience is required: this API's identifier at the provider (without it, tokens issued for any other application would be accepted)")
	}
	discovery := o.DiscoveryURL
	if discovery == "" {
		discovery = oidc.DiscoveryURL(o.Issuer)
	}
	if _, err := oidc.CheckURL(discovery); err != nil {
		return configError(o, "DiscoveryURL: %v", err)
	}
	algs := o.Algorithms
	if len(algs) == 0 {
		algs = oidcAlgorithms
	}
	for _, a := range algs {
		if !jwtAlgorithms[a] || strings.HasPrefix(a, "HS") {
			return configError(o, "unsupported algorithm %q: asymmetric algorithms only (RS*, PS*, ES*, EdDSA)", a)
		}
	}
	if o.Leeway < 0 || o.FetchTimeout < 0 || o.MaxDocumentSize < 0 || o.RefetchInterval < 0 || o.MinRefreshInterval < 0 || o.MaxRefreshInterval < 0 {
		return configError(o, "durations and sizes must not be negative")
	}
	if (o.AuthorizationURL == "") != (o.TokenURL == "") {
		return configError(o, "AuthorizationURL and TokenURL go together")
	}
	cfg := oidc.Config{
		Issuer:          o.Issuer,
		DiscoveryURL:    discovery,
		Algorithms:      slices.Clone(algs),
		FetchTimeout:    orDefault(o.FetchTimeout, DefaultFetchTimeout),
		MaxSize:         orDefault(o.MaxDocumentSize, DefaultMaxDocumentSize),
		RefetchInterval: orDefault(o.RefetchInterval, DefaultRefetchInterval),
		MinRefresh:      orDefault(o.MinRefreshInterval, DefaultMinRefreshInterval),
		MaxRefresh:      orDefault(o.MaxRefreshInterval, DefaultMaxRefreshInterval),
		Logger:          o.Logger,
	}
	if cfg.MaxRefresh < cfg.MinRefresh {
		return configError(o, "MaxRefreshInterval (%v) is shorter than MinRefreshInterval (%v)", cfg.MaxRefresh, cfg.MinRefresh)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Client = oidc.Client(o.HTTPClient, cfg.FetchTimeout)

	opts := []jwt.ParserOption{
		jwt.WithValidMethods(slices.Clone(algs)), jwt.WithLeeway(o.Leeway),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithIssuer(o.Issuer), jwt.WithAudience(o.Audience...),
	}
	if o.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(o.Now))
	}
	v := &tokenVerifier[C]{
		parser:      jwt.NewParser(opts...),
		typ:         o.TokenType,
		claimScopes: o.ClaimScopes,
		realm:       o.Realm,
		maxLength:   o.MaxLength,
		optional:    o.Optional,
		notAuth:     o.NotAuthenticated,
	}
	if len(o.AuthorizedParties) > 0 {
		parties := slices.Clone(o.AuthorizedParties)
		v.check = func(_ context.Context, t *jwt.Token, c *C) error {
			ids := v.stringClaims(t, c, "azp", "client_id")
			party := ids[0]
			if party == "" {
				party = ids[1]
			}
			if !slices.Contains(parties, party) {
				return errorString("the token's authorized party is not accepted")
			}
			return nil
		}
	}
	o.cfg = cfg
	v.keyFunc = o.keyFunc
	o.v = v
	return nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// start starts discovery once, at the first verification or Ready: no
// network traffic happens at registration. After Close it starts nothing.
func (o *OIDCBearer[C]) start() (*oidc.Provider, error) {
	if p := o.provider.Load(); p != nil {
		return p, nil
	}
	o.startMu.Lock()
	defer o.startMu.Unlock()
	if p := o.provider.Load(); p != nil {
		return p, nil
	}
	if o.closed {
		return nil, errorString("the scheme is closed")
	}
	p, err := oidc.Start(o.cfg)
	if err != nil {
		return nil, err
	}
	o.provider.Store(p)
	return p, nil
}

// keyFunc returns the provider's key for the token's kid and alg: unknown
// kid → the token is invalid; no key set yet → unavailable (503).
func (o *OIDCBearer[C]) keyFunc(ctx context.Context, t *jwt.Token) (any, error) {
	kid, ok := t.Header["kid"].(string)
	if !ok && t.Header["kid"] != nil {
		return nil, errorString("kid is not a string")
	}
	p, err := o.start()
	if err != nil {
		return nil, unavailable{err}
	}
	k, err := p.Key(ctx, kid, t.Method.Alg())
	if errors.Is(err, oidc.ErrUnavailable) {
		return nil, unavailable{err}
	}
	if err != nil {
		return nil, err
	}
	return k.Public, nil
}

// Authenticate verifies r's bearer token and checks that it grants every scope
// in required. When r has no bearer token it returns (nil, nil) if the scheme is
// Optional, else the not-authenticated error. Failures are *keel.HTTPError.
func (o *OIDCBearer[C]) Authenticate(r *http.Request, required []string) (*C, error) {
	if err := o.init(); err != nil {
		return nil, err
	}
	return o.v.authenticate(r, required)
}

// Ready starts discovery if it has not started, and waits until the
// provider's keys are loaded or ctx is done. Discovery starts at the first
// request otherwise (which waits for it, up to FetchTimeout): call Ready at
// startup to fetch the keys before the first request and to learn that the
// provider answers.
func (o *OIDCBearer[C]) Ready(ctx context.Context) error {
	if err := o.init(); err != nil {
		return err
	}
	p, err := o.start()
	if err != nil {
		return err
	}
	return p.Ready(ctx)
}

// Close stops the background refresh and waits for it. A closed scheme keeps
// verifying with the keys it holds (requests no longer refetch them).
func (o *OIDCBearer[C]) Close() {
	o.startMu.Lock()
	defer o.startMu.Unlock()
	o.closed = true
	if p := o.provider.Load(); p != nil {
		p.Close()
	}
}

// SchemeName implements Scheme.
func (o *OIDCBearer[C]) SchemeName() string { return schemeName(o.Name, o) }

// OpenAPISecurityScheme implements Scheme: {"type":"openIdConnect",
// "openIdConnectUrl":<discovery URL>}, or with AuthorizationURL an oauth2
// authorizationCode flow.
func (o *OIDCBearer[C]) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	if o.AuthorizationURL != "" {
		return &openapi3.SecurityScheme{
			Type:        "oauth2",
			Description: o.Description,
			Flows:       &openapi3.OAuthFlows{AuthorizationCode: oauthFlow(o.AuthorizationURL, o.TokenURL, o.RefreshURL, o.Scopes, nil)},
		}
	}
	u := o.DiscoveryURL
	if u == "" {
		u = oidc.DiscoveryURL(o.Issuer)
	}
	return &openapi3.SecurityScheme{Type: "openIdConnect", OpenIdConnectUrl: u, Description: o.Description}
}

// Dependency implements di.Source. Its provider takes the request and the
// SecurityScopes at its place in the graph. It fetches nothing: discovery
// starts at the first request, or at Ready.
func (o *OIDCBearer[C]) Dependency() di.Dependency {
	return o.lazy.get(o.Optional, func() *di.Provider {
		if o.Optional {
			return schemeProvider(o, di.Func2(func(r *http.Request, s di.SecurityScopes) (*C, error) {
				return o.Authenticate(r, s.Scopes)
			}))
		}
		return schemeProvider(o, di.Func2(func(r *http.Request, s di.SecurityScopes) (C, error) {
			c, err := o.Authenticate(r, s.Scopes)
			if err != nil {
				var zero C
				return zero, err
			}
			return *c, nil
		}))
	})
}

// CheckConfig implements ConfigChecker: *C implements jwt.Claims, Issuer is
// an https URL (http on loopback), Audience is set, the algorithms are
// asymmetric, no duration or size is negative. The settings are fixed by the
// first successful check; nothing is fetched.
func (o *OIDCBearer[C]) CheckConfig() error {
	if err := o.init(); err != nil {
		return err
	}
	return o.lazy.check(o, o.Optional)
}

// DeclaredScopes implements ScopeDeclarer: the keys of Scopes (none: any
// scope may be required; the provider's tokens say which they grant).
func (o *OIDCBearer[C]) DeclaredScopes() []string { return sortedKeys(o.Scopes) }

// Package app is Keel's example application, built only on Keel's public API:
// FastAPI's security tutorial (OAuth2 password flow, JWT, scopes) over a SQLite
// database, every other security scheme on a route of its own, and FastAPI's
// parameter and body tutorials.
//
// The command github.com/keelgo/keel/cmd/example serves it; tests build it with New.
package app

//go:generate go run github.com/keelgo/keel/cmd/keeladapt

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keelgo/keel/cmd/example/password"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/openapi"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// MinSecretLength is the shortest secret New accepts, in bytes.
const MinSecretLength = 32

// The OpenAPI tags that group the example's operations in /docs.
const (
	TagTutorial = "security tutorial"
	TagSchemes  = "other schemes"
	TagItems    = "items"
)

// Config configures the example.
type Config struct {
	// DBPath is the SQLite database file, created and seeded when missing.
	// Required.
	DBPath string
	// Secret is what the access tokens' signing key (TokenKey) and the Digest
	// nonces' key are derived from. At least MinSecretLength bytes. Required.
	Secret []byte
	// Logger logs failed requests; default slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// PasswordParams are the argon2id parameters of the seeded password hashes;
	// default password.DefaultParams. Existing hashes keep their own parameters.
	PasswordParams password.Params
	// OnTxDone, when set, is called when a request's transaction ends: committed
	// is true after a successful commit, false after a rollback or a failed
	// commit. The connection has been released by then.
	OnTxDone func(committed bool)
	// MaxDBConns limits the database connection pool (each connection holds
	// three files open); default DefaultMaxDBConns. Requests wait for a free
	// connection.
	MaxDBConns int
	// LoginConcurrency is how many password verifications run at once; default
	// GOMAXPROCS. Logins beyond it wait, holding no database connection.
	LoginConcurrency int
	// Nonces remembers the Digest nonce counts used, so that a replayed
	// Authorization header is refused; default a security.MemoryNonceStore,
	// which is right for one instance. Several instances behind one load
	// balancer need one they share (redisstore).
	Nonces security.NonceStore
	// Revocations remembers the tokens revoked by POST /logout until they
	// expire; default a security.MemoryRevocationStore, which is right for one
	// instance. Several instances need one they share.
	Revocations security.RevocationStore
	// Attempts counts the failed logins of POST /token (security.LoginThrottle);
	// default a security.MemoryAttemptStore, which is right for one instance.
	// Several instances need one they share.
	Attempts security.AttemptStore
	// MaxLoginFailuresPerUser and MaxLoginFailuresPerAddress are the limits
	// of the login throttle of POST /token, per (user name, client address)
	// and per address, within 15 minutes; default
	// security.DefaultMaxLoginFailuresPerUser (5) and
	// security.DefaultMaxLoginFailuresPerAddress (100).
	MaxLoginFailuresPerUser, MaxLoginFailuresPerAddress int
	// StoreReady, when set, reports whether the shared store of Nonces,
	// Revocations and Attempts answers: GET /readyz consults it.
	StoreReady func(context.Context) error
	// TrustedProxies are the addresses or networks of the reverse proxies in
	// front of the example, whose X-Forwarded-For tells the client's address
	// to the login throttle (security.ClientAddress). Empty: the client is
	// the connection's peer.
	TrustedProxies []string
	// CORSOrigins are the origins (https://app.example) whose pages may call
	// the API from a browser, with a bearer token, and open WS /ws/items; "*"
	// lets any page. Empty: only pages of the API's own origin (no CORS).
	CORSOrigins []string
	// EventInterval is the time between the events of GET /events; default
	// DefaultEventInterval.
	EventInterval time.Duration
	// OIDC, when its Issuer is set, serves GET /oidc/items/ to the holders of
	// access tokens from that OpenID Connect provider.
	OIDC OIDCConfig
}

// OIDCConfig is the OpenID Connect provider of GET /oidc/items/.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL (https, or http on loopback).
	Issuer string
	// Audience is the "aud" the provider writes in its access tokens for
	// this API. Required with Issuer.
	Audience string
	// ClientID is the client Swagger UI logs in as (authorization code with
	// PKCE); without it, Swagger UI asks for one.
	ClientID string
}

// DefaultEventInterval is the default time between the events of GET /events.
const DefaultEventInterval = time.Second

// App is the example application, an http.Handler.
type App struct {
	handler http.Handler // the router, within the CORS policy
	sockets *sockets
	store   *Store
	oidc    *security.OIDCBearer[security.Claims]
}

// New opens (and on first use creates and seeds) the database and builds the
// application. Close it when done.
func New(cfg Config) (*App, error) {
	if cfg.DBPath == "" {
		return nil, errors.New("app: Config.DBPath is required")
	}
	if len(cfg.Secret) < MinSecretLength {
		return nil, errors.New("app: Config.Secret must be at least 32 bytes")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.EventInterval <= 0 {
		cfg.EventInterval = DefaultEventInterval
	}
	if err := CheckCORSOrigins(cfg.CORSOrigins); err != nil {
		return nil, fmt.Errorf("app: Config.CORSOrigins: %w", err)
	}
	if cfg.PasswordParams == (password.Params{}) {
		cfg.PasswordParams = password.DefaultParams
	}
	if cfg.MaxDBConns <= 0 {
		cfg.MaxDBConns = DefaultMaxDBConns
	}
	if cfg.LoginConcurrency <= 0 {
		cfg.LoginConcurrency = runtime.GOMAXPROCS(0)
	}
	if cfg.Nonces == nil {
		m := security.NewMemoryNonceStore(0)
		m.Now = cfg.Now
		cfg.Nonces = m
	}
	if cfg.Attempts == nil {
		m := security.NewMemoryAttemptStore(0)
		m.Now = cfg.Now
		cfg.Attempts = m
	}
	hasher, err := password.NewHasher(cfg.LoginConcurrency, cfg.PasswordParams)
	if err != nil {
		return nil, err
	}
	if cfg.Revocations == nil {
		cfg.Revocations = security.NewMemoryRevocationStore(0)
	}
	if cfg.OIDC.Issuer != "" && cfg.OIDC.Audience == "" {
		return nil, errors.New("app: Config.OIDC.Audience is required with OIDC.Issuer")
	}
	store, err := openStore(context.Background(), cfg.DBPath, cfg.MaxDBConns, cfg.PasswordParams, cfg.OnTxDone)
	if err != nil {
		return nil, err
	}
	auth := &Auth{hasher: hasher, tokens: &security.TokenIssuer{
		Issuer:      TokenIssuerName,
		Keys:        []security.SigningKey{TokenKey(cfg.Secret)},
		MaxTTL:      AccessTokenExpiry,
		Revocations: cfg.Revocations,
		Now:         cfg.Now,
		Logger:      cfg.Logger,
	}}

	// keelAdapters (keel_adapters.go, written by go generate) calls the
	// functions below without reflection (docs/performance.md).
	opts := []router.Option{router.WithAdapters(keelAdapters()...), router.WithLogger(cfg.Logger), router.WithDocs(func(c *openapi.Config) {
		// The groups of /docs, in this order (FastAPI's openapi_tags).
		c.Tags = openapi3.Tags{
			{Name: TagTutorial, Description: "FastAPI's security tutorial: OAuth2 password flow, JWT access tokens, scopes."},
			{Name: TagSchemes, Description: "Every other security scheme: HTTP Basic, Digest, API keys, JWT bearer, OpenID Connect."},
			{Name: TagItems, Description: "Parameters and bodies."},
		}
	})}
	if cfg.OIDC.ClientID != "" {
		// Swagger UI's Authorize logs in at the provider as this client, with
		// the authorization code flow and PKCE, asking for the scopes the
		// route needs.
		opts = append(opts, router.WithDocs(func(c *openapi.Config) {
			c.InitOAuth = map[string]any{"clientId": cfg.OIDC.ClientID, "usePkceWithAuthorizationCodeGrant": true, "scopes": "openid items"}
		}))
	}
	app := router.New(router.Info{
		Title:       "Keel example",
		Version:     "1.0.0",
		Description: "FastAPI's security tutorial and every other security scheme, in Keel.",
	}, opts...)
	// App-wide providers, resolved by type wherever a parameter asks for them.
	app.Provide(
		di.Provide(func() *Store { return store }),
		di.Provide(func() *Auth { return auth }),
	)

	// FastAPI's security tutorial (tutorial005). /token takes a hashing slot
	// before its transaction (loginForAccessToken's parameters, in order).
	// Password guessing is throttled per (user name, client address) and per
	// address; the throttle runs first, so that a throttled attempt costs no
	// hashing slot and no connection.
	throttle := &security.LoginThrottle{
		Attempts:      cfg.Attempts,
		MaxPerUser:    cfg.MaxLoginFailuresPerUser,
		MaxPerAddress: cfg.MaxLoginFailuresPerAddress,
		ClientAddress: security.ClientAddress{TrustedProxies: cfg.TrustedProxies},
		Logger:        cfg.Logger,
	}
	tutorial := app.Group("", router.Tags(TagTutorial))
	tutorial.Post("/token", loginForAccessToken, throttle, HashSlot, Tx)
	tutorial.Get("/users/me/", readUsersMe, di.Depends(CurrentActiveUser))
	tutorial.Get("/users/me/items/", readOwnItems, di.Security(CurrentActiveUser, "items"))
	tutorial.Get("/status/", readSystemStatus, di.Depends(CurrentUser))
	tutorial.Post("/logout", logout, di.Depends(oauth2), router.Status(http.StatusNoContent))
	// Beyond JSON, with the same auth (streams.go): a CSV download, Server-Sent
	// Events, and a WebSocket (not in the OpenAPI document, which cannot
	// describe one; docs/websockets.md lists it).
	tutorial.Get("/reports/items.csv", readItemsReport, di.Security(CurrentActiveUser, "items"), router.ContentType("text/csv"))
	tutorial.Get("/events", readEvents(cfg.EventInterval), di.Depends(CurrentActiveUser), router.Name("readEvents"))
	sockets := newSockets(cfg.Now)
	app.WebSocket("/ws/items", sockets.itemsSocket, di.Security(SocketUser, "items"), router.WebSocketOptions(socketOrigins(cfg.CORSOrigins)))

	// The other schemes.
	schemes := app.Group("", router.Tags(TagSchemes))
	schemes.Get("/basic/users/me", readBasicUser, BasicUser)
	digest := &security.DigestAuth{
		Realm:  DigestRealm,
		Lookup: store.digestLookup,
		Secret: derive(cfg.Secret, "digest nonces"),
		// Each nonce count is accepted once: a captured header cannot be replayed.
		Nonces: cfg.Nonces,
		Logger: cfg.Logger,
		Now:    cfg.Now,
	}
	schemes.Get("/digest/users/me", readDigestUser, digest)
	schemes.Get("/apikey/header", readKeyOwner, HeaderKeyOwner, router.Name("readKeyOwnerFromHeader"))
	schemes.Get("/apikey/query", readKeyOwner, QueryKeyOwner, router.Name("readKeyOwnerFromQuery"))
	schemes.Get("/apikey/cookie", readKeyOwner, CookieKeyOwner, router.Name("readKeyOwnerFromCookie"))
	jwtBearer := &security.JWTBearer[security.Claims]{
		// The tokens of /token: the issuer's key, type and revocations.
		Tokens: auth.tokens,
		// Documented as a password flow too, so that Swagger UI's Authorize
		// dialog can obtain a token for it from /token.
		TokenURL: "token",
		Scopes:   scopes,
	}
	// The scope "items" accumulates down to the scheme, which checks the token
	// grants it; jwtActiveUser checks the user in the database.
	jwtUser := di.Provide(jwtActiveUser, jwtBearer, Tx)
	schemes.Get("/jwt/items/", readJWTItems, di.Security(jwtUser, "items"))

	// Health and readiness, for load balancers and orchestrators; not API.
	app.Get("/healthz", healthz, router.Hidden())
	app.Get("/readyz", readyz(store, cfg.StoreReady), router.Hidden())

	// Parameters and bodies.
	items := app.Group("", router.Tags(TagItems))
	items.Post("/items/", createItem)
	items.Get("/items/{item_id}", readItem)

	a := &App{handler: app, sockets: sockets, store: store}
	if len(cfg.CORSOrigins) > 0 {
		a.handler = withCORS(app, cfg.CORSOrigins)
	}
	if cfg.OIDC.Issuer != "" {
		a.oidc = &security.OIDCBearer[security.Claims]{
			Issuer:      cfg.OIDC.Issuer,
			Audience:    []string{cfg.OIDC.Audience},
			Logger:      cfg.Logger,
			Description: "Access tokens of the OpenID Connect provider " + cfg.OIDC.Issuer + ".",
		}
		if err := a.oidc.CheckConfig(); err != nil {
			store.Close()
			return nil, fmt.Errorf("app: Config.OIDC: %w", err)
		}
		schemes.Get("/oidc/items/", readOIDCItems, di.Security(a.oidc, "items"))
		// Fetch the provider's keys now rather than at the first request.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := a.oidc.Ready(ctx); err != nil {
				cfg.Logger.Warn("the OpenID Connect provider's keys are not loaded yet: GET /oidc/items/ answers 503 until they are", "issuer", cfg.OIDC.Issuer, "error", err)
				return
			}
			cfg.Logger.Info("the OpenID Connect provider's keys are loaded", "issuer", cfg.OIDC.Issuer)
		}()
	}
	return a, nil
}

// readOIDCItems is GET /oidc/items/: security.OIDCBearer has verified the
// provider's token and its "items" scope; the owner is the token's subject.
func readOIDCItems(c security.Claims) ([]OwnedItem, error) {
	return []OwnedItem{{ItemID: "Foo", Owner: c.Subject}}, nil
}

// derive returns a key for one purpose from the secret.
func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("keel example: " + purpose))
	return m.Sum(nil)
}

// ServeHTTP implements http.Handler.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// DB returns the database pool, for inspection (DB().Stats()).
func (a *App) DB() *sql.DB { return a.store.db }

// Shutdown closes the open WebSockets with 1001 (going away) and waits for
// their handlers to return, until ctx is done: call it when the server shuts
// down, whose Shutdown neither closes nor waits for upgraded connections.
func (a *App) Shutdown(ctx context.Context) error { return a.sockets.shutdown(ctx) }

// Close stops the OpenID Connect key refresh and closes the database.
func (a *App) Close() error {
	if a.oidc != nil {
		a.oidc.Close()
	}
	return a.store.Close()
}

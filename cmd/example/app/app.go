// Package app is Keel's example application, built only on Keel's public API:
// FastAPI's security tutorial (OAuth2 password flow, JWT, scopes) over a SQLite
// database, every other security scheme on a route of its own, and FastAPI's
// parameter and body tutorials.
//
// The command github.com/keelgo/keel/cmd/example serves it; tests build it with New.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/keelgo/keel/cmd/example/password"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// MinSecretLength is the shortest secret New accepts, in bytes.
const MinSecretLength = 32

// Config configures the example.
type Config struct {
	// DBPath is the SQLite database file, created and seeded when missing.
	// Required.
	DBPath string
	// Secret signs the access tokens (HS256) and the Digest nonces. At least
	// MinSecretLength bytes. Required.
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
	// NonceCounter remembers the Digest nonce counts used, so that a replayed
	// Authorization header is refused; default a security.MemoryNonceCounter,
	// which is right for one instance. Several instances behind one load
	// balancer need one they share.
	NonceCounter security.NonceCounter
}

// App is the example application, an http.Handler.
type App struct {
	router *router.App
	store  *Store
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
	if cfg.PasswordParams == (password.Params{}) {
		cfg.PasswordParams = password.DefaultParams
	}
	if cfg.MaxDBConns <= 0 {
		cfg.MaxDBConns = DefaultMaxDBConns
	}
	if cfg.LoginConcurrency <= 0 {
		cfg.LoginConcurrency = runtime.GOMAXPROCS(0)
	}
	if cfg.NonceCounter == nil {
		cfg.NonceCounter = security.NewMemoryNonceCounter(0)
	}
	hasher, err := password.NewHasher(cfg.LoginConcurrency, cfg.PasswordParams)
	if err != nil {
		return nil, err
	}
	store, err := openStore(context.Background(), cfg.DBPath, cfg.MaxDBConns, cfg.PasswordParams, cfg.OnTxDone)
	if err != nil {
		return nil, err
	}
	auth := &Auth{secret: cfg.Secret, now: cfg.Now, hasher: hasher}

	app := router.New(router.Info{
		Title:       "Keel example",
		Version:     "1.0.0",
		Description: "FastAPI's security tutorial and every other security scheme, in Keel.",
	}, router.WithLogger(cfg.Logger))
	// App-wide providers, resolved by type wherever a parameter asks for them.
	app.Provide(
		di.Provide(func() *Store { return store }),
		di.Provide(func() *Auth { return auth }),
	)

	// FastAPI's security tutorial (tutorial005). /token takes a hashing slot
	// before its transaction (loginForAccessToken's parameters, in order).
	app.Post("/token", loginForAccessToken, HashSlot, Tx)
	app.Get("/users/me/", readUsersMe, di.Depends(CurrentActiveUser))
	app.Get("/users/me/items/", readOwnItems, di.Security(CurrentActiveUser, "items"))
	app.Get("/status/", readSystemStatus, di.Depends(CurrentUser))

	// The other schemes.
	app.Get("/basic/users/me", readBasicUser, BasicUser)
	digest := &security.DigestAuth{
		Realm:  DigestRealm,
		Lookup: store.digestLookup,
		Secret: derive(cfg.Secret, "digest nonces"),
		// Each nonce count is accepted once: a captured header cannot be replayed.
		Counter: cfg.NonceCounter,
		Now:     cfg.Now,
	}
	app.Get("/digest/users/me", readDigestUser, digest)
	app.Get("/apikey/header", readKeyOwner, HeaderKeyOwner, router.Name("readKeyOwnerFromHeader"))
	app.Get("/apikey/query", readKeyOwner, QueryKeyOwner, router.Name("readKeyOwnerFromQuery"))
	app.Get("/apikey/cookie", readKeyOwner, CookieKeyOwner, router.Name("readKeyOwnerFromCookie"))
	jwtBearer := &security.JWTBearer[security.Claims]{
		Key:        cfg.Secret,
		Algorithms: []string{"HS256"},
		Now:        cfg.Now,
		// Documented as a password flow too, so that Swagger UI's Authorize
		// dialog can obtain a token for it from /token.
		TokenURL: "token",
		Scopes:   scopes,
	}
	// The scope "items" accumulates down to the scheme, which checks the token
	// grants it; jwtActiveUser checks the user in the database.
	jwtUser := di.Provide(jwtActiveUser, jwtBearer, Tx)
	app.Get("/jwt/items/", readJWTItems, di.Security(jwtUser, "items"))

	// Parameters and bodies.
	app.Post("/items/", createItem)
	app.Get("/items/{item_id}", readItem)

	return &App{router: app, store: store}, nil
}

// derive returns a key for one purpose from the secret.
func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("keel example: " + purpose))
	return m.Sum(nil)
}

// ServeHTTP implements http.Handler.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.router.ServeHTTP(w, r) }

// DB returns the database pool, for inspection (DB().Stats()).
func (a *App) DB() *sql.DB { return a.store.db }

// Close closes the database.
func (a *App) Close() error { return a.store.Close() }

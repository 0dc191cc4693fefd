// Command example serves Keel's example application: FastAPI's security tutorial
// (OAuth2 password flow with JWT and scopes) over a SQLite database, every other
// security scheme on a route of its own, and FastAPI's parameter and body
// tutorials. Explore it at http://127.0.0.1:8000/docs.
//
// Usage:
//
//	go run ./cmd/example [-addr 127.0.0.1:8000]
//
// Environment (durations as Go writes them: 30s, 2m):
//
//	KEEL_EXAMPLE_ADDR               address to listen on (default 127.0.0.1:8000;
//	                                the -addr flag wins)
//	KEEL_EXAMPLE_DB                 the SQLite database file (default
//	                                keel-example.db), created and seeded on first
//	                                start, migrated by later versions
//	KEEL_EXAMPLE_SECRET             the secret that signs tokens and Digest nonces,
//	                                at least 32 bytes (default: a public
//	                                development secret, with a warning)
//	KEEL_EXAMPLE_DB_MAX_CONNS       database connections at most (default 8)
//	KEEL_EXAMPLE_LOGIN_CONCURRENCY  password verifications at once (default: the
//	                                number of CPUs); more logins wait
//	KEEL_EXAMPLE_MAX_CONNS          client connections at most; more wait in the
//	                                listen queue (default: the open-file limit
//	                                less what the database and the process need)
//	KEEL_EXAMPLE_WRITE_TIMEOUT      how long a request may take, from its headers
//	                                to the end of its response (default 30s)
//	KEEL_EXAMPLE_SHUTDOWN_TIMEOUT   how long requests in flight may take to
//	                                finish after SIGTERM (default: the write
//	                                timeout plus 5s; never less than it)
//	KEEL_EXAMPLE_OIDC_ISSUER        an OpenID Connect provider's issuer URL
//	                                (https, or http on loopback): serves GET
//	                                /oidc/items/ (scope "items") to the holders
//	                                of its access tokens; unset, the route is
//	                                not registered
//	KEEL_EXAMPLE_OIDC_AUDIENCE      the "aud" of the provider's access tokens
//	                                for this API (required with the issuer)
//	KEEL_EXAMPLE_OIDC_CLIENT_ID     the client Swagger UI's Authorize logs in
//	                                as at the provider (authorization code
//	                                with PKCE; register /docs/oauth2-redirect)
//	KEEL_EXAMPLE_REDIS              a Redis (7+) or Valkey URL, redis:// or
//	                                rediss:// (e.g. redis://127.0.0.1:6379/0):
//	                                the Digest nonce counts, the tokens revoked
//	                                by /logout and the failed logins of /token
//	                                are kept there, shared by every instance
//	                                using it (keys prefixed "keel-example:");
//	                                unset, they are kept in memory, per instance
//	KEEL_EXAMPLE_REDIS_TIMEOUT      how long each call to Redis may take before
//	                                the check that needs it answers 503
//	                                (default 100ms)
//	KEEL_EXAMPLE_LOGIN_FAILURES_PER_USER
//	                                failed logins allowed per (user name,
//	                                client address) within 15 minutes, then
//	                                429 (default 5)
//	KEEL_EXAMPLE_LOGIN_FAILURES_PER_ADDRESS
//	                                failed logins allowed per client address
//	                                within 15 minutes (default 100)
//	KEEL_EXAMPLE_CORS_ORIGINS       comma-separated origins whose pages may
//	                                call the API from a browser with a bearer
//	                                token, and open WS /ws/items (e.g.
//	                                https://app.example,http://localhost:3000;
//	                                "*" for any); unset, none (no CORS headers)
//	KEEL_EXAMPLE_TRUSTED_PROXIES    comma-separated addresses or networks of
//	                                the reverse proxies in front of the
//	                                example (e.g. 127.0.0.1,10.0.0.0/8): their
//	                                X-Forwarded-For tells the login throttle
//	                                the client's address; unset, the client is
//	                                the connection's peer
//
// Several instances can serve one API behind a load balancer: give them the
// same KEEL_EXAMPLE_SECRET, KEEL_EXAMPLE_DB and KEEL_EXAMPLE_REDIS
// (docs/deployment.md). GET /healthz answers 200 while the process serves;
// GET /readyz answers 200 when the database and Redis answer, else 503.
//
// When the server is ready it logs a line with msg="listening" and the address
// it listens on (useful with -addr 127.0.0.1:0). On SIGTERM or SIGINT it stops
// accepting connections, lets the requests in flight finish, and exits 0; a
// second signal stops it at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/netutil"

	"github.com/keelgo/keel/cmd/example/app"
	"github.com/keelgo/keel/redisstore"
	"github.com/keelgo/keel/security"
)

// devSecret is used when KEEL_EXAMPLE_SECRET is not set. It is public: anyone
// can sign tokens with it.
const devSecret = "keel-example-development-secret-do-not-deploy"

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	cfg, err := loadConfig(os.Args[1:], os.Getenv, logger)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		logger.Error("example: configuration", "error", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, stop, cfg, logger); err != nil {
		logger.Error("example failed", "error", err)
		os.Exit(1)
	}
}

// config is everything the command reads from its flags and environment.
type config struct {
	addr string
	app  app.Config
	// redisURL, when set, is where the shared security state lives;
	// redisTimeout bounds each call to it.
	redisURL     string
	redisTimeout time.Duration
	// maxConns limits the client connections open at once; 0: no limit.
	maxConns int

	readHeaderTimeout time.Duration
	readTimeout       time.Duration
	writeTimeout      time.Duration
	idleTimeout       time.Duration
	shutdownTimeout   time.Duration
}

// loadConfig reads the flags in args and the environment through getenv. It
// logs a warning for the development secret.
func loadConfig(args []string, getenv func(string) string, logger *slog.Logger) (config, error) {
	cfg := config{
		addr:              "127.0.0.1:8000",
		readHeaderTimeout: 10 * time.Second,
		readTimeout:       30 * time.Second,
		writeTimeout:      30 * time.Second,
		idleTimeout:       time.Minute,
		app: app.Config{
			DBPath:     "keel-example.db",
			MaxDBConns: app.DefaultMaxDBConns,
			Logger:     logger,
		},
	}
	if v := getenv("KEEL_EXAMPLE_ADDR"); v != "" {
		cfg.addr = v
	}
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.StringVar(&cfg.addr, "addr", cfg.addr, "address to listen on (the environment: go doc ./cmd/example)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	if v := getenv("KEEL_EXAMPLE_DB"); v != "" {
		cfg.app.DBPath = v
	}
	secret := getenv("KEEL_EXAMPLE_SECRET")
	switch {
	case secret == "":
		logger.Warn("KEEL_EXAMPLE_SECRET is not set: using the public development secret; set it to at least 32 random bytes before deploying")
		secret = devSecret
	case len(secret) < app.MinSecretLength:
		return config{}, fmt.Errorf("KEEL_EXAMPLE_SECRET must be at least %d bytes (try: openssl rand -hex 32)", app.MinSecretLength)
	}
	cfg.app.Secret = []byte(secret)

	cfg.app.OIDC = app.OIDCConfig{
		Issuer:   getenv("KEEL_EXAMPLE_OIDC_ISSUER"),
		Audience: getenv("KEEL_EXAMPLE_OIDC_AUDIENCE"),
		ClientID: getenv("KEEL_EXAMPLE_OIDC_CLIENT_ID"),
	}
	switch o := cfg.app.OIDC; {
	case o.Issuer == "" && (o.Audience != "" || o.ClientID != ""):
		return config{}, errors.New("KEEL_EXAMPLE_OIDC_AUDIENCE and KEEL_EXAMPLE_OIDC_CLIENT_ID need KEEL_EXAMPLE_OIDC_ISSUER")
	case o.Issuer != "" && o.Audience == "":
		return config{}, errors.New("KEEL_EXAMPLE_OIDC_AUDIENCE is required with KEEL_EXAMPLE_OIDC_ISSUER: the \"aud\" the provider writes in its access tokens for this API")
	case o.Issuer == "":
		logger.Info("GET /oidc/items/ is off: to protect it with an OpenID Connect provider, set KEEL_EXAMPLE_OIDC_ISSUER and KEEL_EXAMPLE_OIDC_AUDIENCE (and KEEL_EXAMPLE_OIDC_CLIENT_ID for Swagger UI's login)")
	default:
		logger.Info("GET /oidc/items/ accepts the access tokens of an OpenID Connect provider", "issuer", o.Issuer, "audience", o.Audience, "client_id", o.ClientID)
	}

	if v := getenv("KEEL_EXAMPLE_REDIS"); v != "" {
		if !strings.HasPrefix(v, "redis://") && !strings.HasPrefix(v, "rediss://") {
			return config{}, errors.New("KEEL_EXAMPLE_REDIS must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379/0")
		}
		s, err := redisstore.Open(v, redisstore.Options{})
		if err != nil {
			return config{}, fmt.Errorf("KEEL_EXAMPLE_REDIS: %w", err)
		}
		s.Close()
		cfg.redisURL = v
	}
	cfg.redisTimeout = redisstore.DefaultTimeout
	if err := envDuration(getenv, "KEEL_EXAMPLE_REDIS_TIMEOUT", &cfg.redisTimeout); err != nil {
		return config{}, err
	}
	for _, o := range strings.Split(getenv("KEEL_EXAMPLE_CORS_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.app.CORSOrigins = append(cfg.app.CORSOrigins, o)
		}
	}
	if err := app.CheckCORSOrigins(cfg.app.CORSOrigins); err != nil {
		return config{}, fmt.Errorf("KEEL_EXAMPLE_CORS_ORIGINS: %w", err)
	}
	for _, p := range strings.Split(getenv("KEEL_EXAMPLE_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.app.TrustedProxies = append(cfg.app.TrustedProxies, p)
		}
	}
	if err := (&security.ClientAddress{TrustedProxies: cfg.app.TrustedProxies}).Check(); err != nil {
		return config{}, fmt.Errorf("KEEL_EXAMPLE_TRUSTED_PROXIES: %w", err)
	}

	var err error
	ints := []struct {
		name string
		dst  *int
	}{
		{"KEEL_EXAMPLE_DB_MAX_CONNS", &cfg.app.MaxDBConns},
		{"KEEL_EXAMPLE_LOGIN_CONCURRENCY", &cfg.app.LoginConcurrency},
		{"KEEL_EXAMPLE_MAX_CONNS", &cfg.maxConns},
		{"KEEL_EXAMPLE_LOGIN_FAILURES_PER_USER", &cfg.app.MaxLoginFailuresPerUser},
		{"KEEL_EXAMPLE_LOGIN_FAILURES_PER_ADDRESS", &cfg.app.MaxLoginFailuresPerAddress},
	}
	for _, v := range ints {
		if err = envInt(getenv, v.name, v.dst); err != nil {
			return config{}, err
		}
	}
	if err = envDuration(getenv, "KEEL_EXAMPLE_WRITE_TIMEOUT", &cfg.writeTimeout); err != nil {
		return config{}, err
	}
	// A request may take as long to read as to answer.
	cfg.readTimeout = cfg.writeTimeout
	cfg.readHeaderTimeout = min(cfg.readHeaderTimeout, cfg.writeTimeout)
	cfg.shutdownTimeout = cfg.writeTimeout + 5*time.Second
	if err = envDuration(getenv, "KEEL_EXAMPLE_SHUTDOWN_TIMEOUT", &cfg.shutdownTimeout); err != nil {
		return config{}, err
	}
	if cfg.shutdownTimeout < cfg.writeTimeout {
		return config{}, fmt.Errorf("KEEL_EXAMPLE_SHUTDOWN_TIMEOUT (%v) is shorter than the write timeout (%v): requests in flight at shutdown would be cut", cfg.shutdownTimeout, cfg.writeTimeout)
	}
	if getenv("KEEL_EXAMPLE_MAX_CONNS") == "" {
		cfg.maxConns = defaultMaxConns(cfg.app.MaxDBConns)
	}
	return cfg, nil
}

// envInt sets *dst from the positive integer in the environment variable name,
// when it is set.
func envInt(getenv func(string) string, name string, dst *int) error {
	v := getenv(name)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return fmt.Errorf("%s=%q: want a positive integer", name, v)
	}
	*dst = n
	return nil
}

// envDuration sets *dst from the positive duration in the environment
// variable name, when it is set.
func envDuration(getenv func(string) string, name string, dst *time.Duration) error {
	v := getenv(name)
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("%s=%q: want a positive duration such as 30s", name, v)
	}
	*dst = d
	return nil
}

// defaultMaxConns is the open-file limit less what the rest of the process
// needs: three files per database connection and a margin for the listener,
// the logs and the runtime. 0 (no limit) when the limit is unknown.
func defaultMaxConns(dbConns int) int {
	limit, ok := openFileLimit()
	if !ok {
		return 0
	}
	return max(int(limit)-3*dbConns-64, 16)
}

// run serves until ctx is done, then shuts down gracefully: it stops accepting
// connections, lets those it accepted send their first request (newConns),
// closes idle ones, and waits up to cfg.shutdownTimeout for the requests in
// flight. stopSignals is called when the shutdown starts, so that a
// second signal ends the process at once.
func run(ctx context.Context, stopSignals func(), cfg config, logger *slog.Logger) error {
	if cfg.redisURL != "" {
		rs, err := openRedis(ctx, cfg.redisURL, cfg.redisTimeout, logger)
		if err != nil {
			return err
		}
		defer rs.Close()
		cfg.app.Nonces, cfg.app.Revocations, cfg.app.Attempts = rs, rs, rs
		cfg.app.StoreReady = rs.Ping
	}
	a, err := app.New(cfg.app)
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	if cfg.maxConns > 0 {
		ln = netutil.LimitListener(ln, cfg.maxConns)
	}
	conns := newNewConns()
	srv := &http.Server{
		Handler:           a,
		ConnState:         conns.connState,
		ReadHeaderTimeout: cfg.readHeaderTimeout,
		ReadTimeout:       cfg.readTimeout,
		WriteTimeout:      cfg.writeTimeout,
		IdleTimeout:       cfg.idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "docs", "http://"+ln.Addr().String()+"/docs",
		"db", cfg.app.DBPath, "max_conns", cfg.maxConns)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stopSignals()
	logger.Info("shutting down: no new connections; waiting for the requests in flight", "timeout", cfg.shutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	// The listener closes first, and the connections it accepted get their
	// first request read before Shutdown begins: Shutdown would close them
	// unanswered (newConns). Serve returns once it has handed over the last
	// connection it accepted.
	if err := ln.Close(); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, net.ErrClosed) {
		return err
	}
	if n := conns.wait(shutdownCtx, newConnGrace); n > 0 {
		logger.Info("shutting down: connections that sent no request yet will be closed", "connections", n, "waited", newConnGrace)
	}
	// The WebSockets are told to close (1001) as the requests in flight finish.
	socketsClosed := make(chan error, 1)
	go func() { socketsClosed <- a.Shutdown(shutdownCtx) }()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: requests still in flight after %v were cut: %w", cfg.shutdownTimeout, err)
	}
	if err := <-socketsClosed; err != nil {
		return fmt.Errorf("shutdown: WebSockets still open after %v: %w", cfg.shutdownTimeout, err)
	}
	logger.Info("stopped")
	return nil
}

// redisPrefix is put before the example's keys in Redis.
const redisPrefix = "keel-example:"

// openRedis opens the shared store. A server that does not answer yet is no
// error: the checks that need it answer 503 (and /readyz too) until it does.
// A server that may evict keys before they expire is one: it could forget a
// used nonce or a revocation.
func openRedis(ctx context.Context, rawURL string, timeout time.Duration, logger *slog.Logger) (*redisstore.Store, error) {
	rs, err := redisstore.Open(rawURL, redisstore.Options{Prefix: redisPrefix, Timeout: timeout})
	if err != nil {
		return nil, err
	}
	// The client logs every failed dial; the checks log an outage once.
	redisstore.LogTo(logger, slog.LevelDebug)
	where := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		where = u.Redacted()
	}
	switch err := rs.CheckEviction(ctx); {
	case errors.Is(err, redisstore.ErrEvictionPolicy):
		rs.Close()
		return nil, fmt.Errorf("KEEL_EXAMPLE_REDIS: %w", err)
	case err != nil:
		logger.Warn("Redis does not answer yet: Digest, /logout, revoked tokens and /token answer 503 until it does", "redis", where, "error", err)
	default:
		logger.Info("shared security state in Redis", "redis", where, "prefix", redisPrefix)
	}
	return rs, nil
}

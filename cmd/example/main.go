// Command example serves Keel's example application: FastAPI's security tutorial
// (OAuth2 password flow with JWT and scopes) over a SQLite database, every other
// security scheme on a route of its own, and FastAPI's parameter and body
// tutorials. Explore it at http://127.0.0.1:8000/docs.
//
// Usage:
//
//	go run ./cmd/example [-addr 127.0.0.1:8000]
//
// Environment:
//
//	KEEL_EXAMPLE_DB      the SQLite database file (default keel-example.db),
//	                     created and seeded on first start
//	KEEL_EXAMPLE_SECRET  the secret that signs tokens, at least 32 bytes
//	                     (default: a development secret, with a warning)
//
// When the server is ready it logs a line with msg="listening" and the address
// it listens on (useful with -addr 127.0.0.1:0).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/keelgo/keel/cmd/example/app"
)

// devSecret is used when KEEL_EXAMPLE_SECRET is not set. It is public: anyone
// can sign tokens with it.
const devSecret = "keel-example-development-secret-do-not-deploy"

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	if err := run(*addr, logger); err != nil {
		logger.Error("example failed", "error", err)
		os.Exit(1)
	}
}

func run(addr string, logger *slog.Logger) error {
	dbPath := os.Getenv("KEEL_EXAMPLE_DB")
	if dbPath == "" {
		dbPath = "keel-example.db"
	}
	secret := os.Getenv("KEEL_EXAMPLE_SECRET")
	if secret == "" {
		logger.Warn("KEEL_EXAMPLE_SECRET is not set: using the public development secret; set it to at least 32 random bytes before deploying")
		secret = devSecret
	} else if len(secret) < app.MinSecretLength {
		return fmt.Errorf("KEEL_EXAMPLE_SECRET must be at least %d bytes (try: openssl rand -hex 32)", app.MinSecretLength)
	}

	a, err := app.New(app.Config{DBPath: dbPath, Secret: []byte(secret), Logger: logger})
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "docs", "http://"+ln.Addr().String()+"/docs", "db", dbPath)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

package main

import (
	"bytes"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keelgo/keel/cmd/example/app"
)

// TestLoadConfig covers the command's flags and environment: defaults, every
// variable, and the errors that stop it before it starts.
func TestLoadConfig(t *testing.T) {
	// Without a provider, the log says how to turn GET /oidc/items/ on.
	var log bytes.Buffer
	if _, err := loadConfig(nil, func(string) string { return "" }, slog.New(slog.NewTextHandler(&log, nil))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "GET /oidc/items/ is off") || !strings.Contains(log.String(), "KEEL_EXAMPLE_OIDC_ISSUER") {
		t.Errorf("startup log %q does not say how to enable GET /oidc/items/", log.String())
	}

	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	load := func(args []string, env map[string]string) (config, error) {
		return loadConfig(args, func(k string) string { return env[k] }, discard)
	}

	cfg, err := load(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.addr != "127.0.0.1:8000" || cfg.app.DBPath != "keel-example.db" || string(cfg.app.Secret) != devSecret ||
		cfg.app.MaxDBConns != 8 || cfg.app.LoginConcurrency != 0 {
		t.Errorf("defaults %+v", cfg)
	}
	if cfg.writeTimeout != 30*time.Second || cfg.readTimeout != 30*time.Second || cfg.shutdownTimeout != 35*time.Second {
		t.Errorf("default timeouts: write %v, read %v, shutdown %v", cfg.writeTimeout, cfg.readTimeout, cfg.shutdownTimeout)
	}
	if limit, ok := openFileLimit(); ok && (cfg.maxConns <= 0 || cfg.maxConns >= int(limit)) {
		t.Errorf("default max connections %d with an open-file limit of %d", cfg.maxConns, limit)
	}

	secret := strings.Repeat("s", 32)
	cfg, err = load([]string{"-addr", "127.0.0.1:9"}, map[string]string{
		"KEEL_EXAMPLE_ADDR":              "127.0.0.1:1",
		"KEEL_EXAMPLE_DB":                "/tmp/x.db",
		"KEEL_EXAMPLE_SECRET":            secret,
		"KEEL_EXAMPLE_DB_MAX_CONNS":      "3",
		"KEEL_EXAMPLE_LOGIN_CONCURRENCY": "4",
		"KEEL_EXAMPLE_MAX_CONNS":         "100",
		"KEEL_EXAMPLE_WRITE_TIMEOUT":     "1m",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.addr != "127.0.0.1:9" || cfg.app.DBPath != "/tmp/x.db" || string(cfg.app.Secret) != secret ||
		cfg.app.MaxDBConns != 3 || cfg.app.LoginConcurrency != 4 || cfg.maxConns != 100 ||
		cfg.writeTimeout != time.Minute || cfg.shutdownTimeout != time.Minute+5*time.Second {
		t.Errorf("from the environment: %+v", cfg)
	}
	oidc := map[string]string{"KEEL_EXAMPLE_OIDC_ISSUER": "http://127.0.0.1:9998", "KEEL_EXAMPLE_OIDC_AUDIENCE": "api", "KEEL_EXAMPLE_OIDC_CLIENT_ID": "docs"}
	if cfg, err := load(nil, oidc); err != nil || cfg.app.OIDC != (app.OIDCConfig{Issuer: "http://127.0.0.1:9998", Audience: "api", ClientID: "docs"}) {
		t.Errorf("OIDC from the environment: %+v, %v", cfg.app.OIDC, err)
	}
	if cfg, err := load(nil, map[string]string{"KEEL_EXAMPLE_CORS_ORIGINS": " https://app.example, http://localhost:3000 ,"}); err != nil ||
		!slices.Equal(cfg.app.CORSOrigins, []string{"https://app.example", "http://localhost:3000"}) {
		t.Errorf("KEEL_EXAMPLE_CORS_ORIGINS: %q, %v", cfg.app.CORSOrigins, err)
	}
	if cfg, _ := load(nil, map[string]string{"KEEL_EXAMPLE_ADDR": "127.0.0.1:1"}); cfg.addr != "127.0.0.1:1" {
		t.Errorf("KEEL_EXAMPLE_ADDR: %q", cfg.addr)
	}
	if cfg, _ := load(nil, map[string]string{"KEEL_EXAMPLE_SHUTDOWN_TIMEOUT": "2m"}); cfg.shutdownTimeout != 2*time.Minute {
		t.Errorf("KEEL_EXAMPLE_SHUTDOWN_TIMEOUT: %v", cfg.shutdownTimeout)
	}

	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"KEEL_EXAMPLE_SECRET": "short"}, "at least 32 bytes"},
		{nil, map[string]string{"KEEL_EXAMPLE_DB_MAX_CONNS": "0"}, "KEEL_EXAMPLE_DB_MAX_CONNS"},
		{nil, map[string]string{"KEEL_EXAMPLE_LOGIN_CONCURRENCY": "x"}, "KEEL_EXAMPLE_LOGIN_CONCURRENCY"},
		{nil, map[string]string{"KEEL_EXAMPLE_MAX_CONNS": "-1"}, "KEEL_EXAMPLE_MAX_CONNS"},
		{nil, map[string]string{"KEEL_EXAMPLE_WRITE_TIMEOUT": "30"}, "KEEL_EXAMPLE_WRITE_TIMEOUT"},
		{nil, map[string]string{"KEEL_EXAMPLE_WRITE_TIMEOUT": "1m", "KEEL_EXAMPLE_SHUTDOWN_TIMEOUT": "30s"}, "shorter than the write timeout"},
		{nil, map[string]string{"KEEL_EXAMPLE_OIDC_ISSUER": "https://id.example.com"}, "KEEL_EXAMPLE_OIDC_AUDIENCE is required"},
		{nil, map[string]string{"KEEL_EXAMPLE_OIDC_CLIENT_ID": "docs"}, "need KEEL_EXAMPLE_OIDC_ISSUER"},
		{nil, map[string]string{"KEEL_EXAMPLE_CORS_ORIGINS": "app.example"}, "KEEL_EXAMPLE_CORS_ORIGINS"},
		{nil, map[string]string{"KEEL_EXAMPLE_CORS_ORIGINS": "https://app.example/"}, "KEEL_EXAMPLE_CORS_ORIGINS"},
		{nil, map[string]string{"KEEL_EXAMPLE_CORS_ORIGINS": "https://app.example/path"}, "KEEL_EXAMPLE_CORS_ORIGINS"},
		{nil, map[string]string{"KEEL_EXAMPLE_CORS_ORIGINS": "ftp://app.example"}, "KEEL_EXAMPLE_CORS_ORIGINS"},
		{[]string{"extra"}, nil, "unexpected arguments"},
		{[]string{"-port", "1"}, nil, "flag provided but not defined"},
	} {
		if _, err := load(tt.args, tt.env); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %v: error %v, want one that says %q", tt.args, tt.env, err, tt.want)
		}
	}
}

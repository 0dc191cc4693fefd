package redisstore_test

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keelgo/keel/redisstore"
	"github.com/keelgo/keel/redisstore/redistest"
	"github.com/keelgo/keel/security"
	"github.com/keelgo/keel/security/securitytest"
)

// newStore returns a Store on srv with a prefix of its own per test, so
// that the cases of a table never see each other's keys. Its timeout is
// generous: the tables check what the stores answer, under -race and with
// their cases in parallel; TestTimeout checks the default.
func newStore(t *testing.T, srv *redistest.Server) *redisstore.Store {
	s, err := redisstore.Open(srv.URL, redisstore.Options{Prefix: "test:" + t.Name() + ":", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestNonceStore(t *testing.T) {
	srv := redistest.Start(t)
	securitytest.TestNonceStore(t, func(t *testing.T) security.NonceStore { return newStore(t, srv) })
}

func TestAttemptStore(t *testing.T) {
	srv := redistest.Start(t)
	securitytest.TestAttemptStore(t, func(t *testing.T) security.AttemptStore { return newStore(t, srv) })
}

func TestRevocationStore(t *testing.T) {
	srv := redistest.Start(t)
	securitytest.TestRevocationStore(t, func(t *testing.T) security.RevocationStore { return newStore(t, srv) })
}

func TestRefreshStore(t *testing.T) {
	srv := redistest.Start(t)
	securitytest.TestRefreshStore(t, func(t *testing.T) security.RefreshStore { return newStore(t, srv) })
}

// TestDown: with the server stopped every call fails within the timeout,
// and after a restart the same Store works again.
func TestDown(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv)
	ctx := context.Background()
	exp := time.Now().Add(time.Minute)
	if ok, err := s.UseNonce(ctx, "n", 1, exp); !ok || err != nil {
		t.Fatalf("UseNonce: %v %v", ok, err)
	}
	srv.Stop()
	var took []time.Duration
	for range 3 {
		start := time.Now()
		ok, err := s.UseNonce(ctx, "n", 2, exp)
		if err == nil || ok {
			t.Fatalf("UseNonce with the server down: %v %v", ok, err)
		}
		took = append(took, time.Since(start))
		if _, err := s.Attempt(ctx, "a", time.Minute, security.AttemptLimit{Key: "k", Limit: 1}); err == nil {
			t.Fatal("Attempt with the server down: no error")
		}
		if err := s.Ping(ctx); err == nil {
			t.Fatal("Ping with the server down: no error")
		}
	}
	checkTimeouts(t, "UseNonce with the server down", took, 0)
	srv.Restart()
	// The client dials again at once, or, once its dials have failed as many
	// times as its pool has connections, within a second (go-redis probes a
	// refusing server once a second).
	start := time.Now()
	for err := s.Ping(ctx); err != nil; err = s.Ping(ctx) {
		if time.Since(start) > 3*time.Second {
			t.Fatalf("Ping 3 s after the restart: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("answering %v after the restart", time.Since(start).Round(time.Millisecond))
	if ok, err := s.UseNonce(ctx, "n", 2, exp); !ok || err != nil {
		t.Fatalf("UseNonce after the restart: %v %v", ok, err)
	}
}

// TestTLS: a rediss:// URL, the server's certificate from a private CA
// (Options.TLSConfig); without that CA the connection is refused.
func TestTLS(t *testing.T) {
	srv := redistest.Start(t, redistest.TLS())
	if !strings.HasPrefix(srv.URL, "rediss://") {
		t.Fatalf("URL %s", srv.URL)
	}
	// A first call over TLS dials and shakes hands: a generous timeout.
	s, err := redisstore.Open(srv.URL, redisstore.Options{TLSConfig: &tls.Config{RootCAs: srv.RootCAs}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if ok, err := s.UseNonce(ctx, "n", 1, time.Now().Add(time.Minute)); !ok || err != nil {
		t.Fatalf("UseNonce over TLS: %v %v", ok, err)
	}
	untrusted, err := redisstore.Open(srv.URL, redisstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer untrusted.Close()
	if err := untrusted.Ping(ctx); err == nil {
		t.Fatal("a server whose certificate the client does not trust answered")
	}
}

// TestTimeout: with a server that hangs (stopped with SIGSTOP), every call
// fails after the default timeout, 100 ms, give or take the scheduling of a
// loaded machine (checkTimeouts); when it resumes, calls succeed again.
func TestTimeout(t *testing.T) {
	srv := redistest.Start(t)
	s, err := redisstore.Open(srv.URL, redisstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	exp := time.Now().Add(time.Minute)
	for start := time.Now(); s.Ping(ctx) != nil; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("no answer")
		}
	}
	srv.Pause()
	var took []time.Duration
	for i := range 3 {
		start := time.Now()
		_, err := s.UseNonce(ctx, "n", uint64(i+1), exp)
		d := time.Since(start)
		if err == nil {
			t.Fatal("UseNonce answered with the server stopped")
		}
		took = append(took, d)
	}
	checkTimeouts(t, "UseNonce with the server stopped", took, redisstore.DefaultTimeout)
	srv.Resume()
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if ok, err := s.UseNonce(ctx, "n", 10, exp); err == nil {
			if !ok {
				t.Fatal("count 10 refused after the resume")
			}
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("no answer 5 s after the resume")
		}
	}
}

// checkTimeouts checks how long calls that failed took, with the default
// timeout: each after least at least, none 2 s or more, and the fastest within 5
// times the timeout. The bounds leave room for a loaded machine, where a
// goroutine can wait hundreds of milliseconds for a core, and still tell a
// call bounded by the timeout from one that is not: go-redis's own read
// timeout is 3 s, its dial timeout 5 s, and a call with none waits as long
// as the server hangs.
func checkTimeouts(t *testing.T, what string, took []time.Duration, least time.Duration) {
	t.Helper()
	fastest := time.Hour
	for _, d := range took {
		fastest = min(fastest, d)
		if d < least || d >= 2*time.Second {
			t.Errorf("%s failed after %v, want between %v and 2s (the timeout: %v)", what, d, least, redisstore.DefaultTimeout)
		}
	}
	if fastest > 5*redisstore.DefaultTimeout {
		t.Errorf("%s failed after %v, the fastest of %d: want about %v", what, fastest, len(took), redisstore.DefaultTimeout)
	}
}

func TestOpen(t *testing.T) {
	for _, u := range []string{"http://x", "redis://h:notaport", "redis://127.0.0.1:6379/x"} {
		if _, err := redisstore.Open(u, redisstore.Options{}); err == nil {
			t.Errorf("Open(%q): no error", u)
		}
	}
	_, err := redisstore.Open("redis://user:s3cr3t@127.0.0.1:6379/0?nope=1", redisstore.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("Open with a bad option: %v (the password must not show)", err)
	}
	s, err := redisstore.Open("rediss://user:pw@example.invalid:6380/2?pool_size=3", redisstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
}

func TestCheckEviction(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv)
	ctx := context.Background()
	if err := s.CheckEviction(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Client().ConfigSet(ctx, "maxmemory-policy", "volatile-lru").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckEviction(ctx); !errors.Is(err, redisstore.ErrEvictionPolicy) || !strings.Contains(err.Error(), "volatile-lru") {
		t.Fatalf("CheckEviction = %v", err)
	}
	srv.Stop()
	if err := s.CheckEviction(ctx); err == nil || errors.Is(err, redisstore.ErrEvictionPolicy) {
		t.Fatalf("CheckEviction with the server down = %v", err)
	}
}

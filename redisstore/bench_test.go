package redisstore_test

// The per-request cost of the checks that consult a store, with the
// in-memory default and with Redis on loopback, side by side in one run:
//
//	cd redisstore && go test -run '^$' -bench . -benchmem -count 6 | tee new.txt
//
// (benchstat new.txt). The store benchmarks time one call; the Digest and
// Verify benchmarks the whole check a request makes (DigestAuth.Authenticate,
// TokenIssuer.Verify), of which the store call is a part.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/redisstore"
	"github.com/keelgo/keel/redisstore/redistest"
	"github.com/keelgo/keel/security"
)

// benchStores runs bench with each kind of store: memory, then Redis.
func benchStores(b *testing.B, bench func(b *testing.B, mem bool, redis *redisstore.Store)) {
	b.Run("memory", func(b *testing.B) { bench(b, true, nil) })
	srv := redistest.Start(b)
	s, err := redisstore.Open(srv.URL, redisstore.Options{Prefix: "bench:"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.Run("redis", func(b *testing.B) { bench(b, false, s) })
}

// BenchmarkPing is the floor of the Redis figures: one PING round trip.
func BenchmarkPing(b *testing.B) {
	srv := redistest.Start(b)
	s, err := redisstore.Open(srv.URL, redisstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.Run("redis", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Ping(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkUseNonce(b *testing.B) {
	benchStores(b, func(b *testing.B, mem bool, rs *redisstore.Store) {
		var store security.NonceStore = rs
		if mem {
			store = security.NewMemoryNonceStore(0)
		}
		ctx := context.Background()
		exp := time.Now().Add(time.Hour)
		nonce := fmt.Sprintf("bench-nonce-%d", time.Now().UnixNano())
		b.ReportAllocs()
		nc := uint64(0)
		for b.Loop() {
			nc++
			if ok, err := store.UseNonce(ctx, nonce, nc, exp); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
}

func BenchmarkIsRevoked(b *testing.B) {
	benchStores(b, func(b *testing.B, mem bool, rs *redisstore.Store) {
		var store security.RevocationStore = rs
		if mem {
			store = security.NewMemoryRevocationStore(0)
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if revoked, err := store.IsRevoked(ctx, "Ck1Wz0pQbW5nUmFuZG9tSWQ", "U2Vzc2lvbkZhbWlseUlk"); revoked || err != nil {
				b.Fatal(revoked, err)
			}
		}
	})
}

var digestNonce = regexp.MustCompile(`nonce="([^"]+)", opaque="([^"]+)"`)

// BenchmarkDigest is a whole DigestAuth check (SHA-256, a stored HA1), each
// request with the next nonce count, as a client reusing its nonce sends.
func BenchmarkDigest(b *testing.B) {
	const realm, user, pass = "bench", "alice", "wonderland"
	h := sha256.Sum256([]byte(user + ":" + realm + ":" + pass))
	ha1 := hex.EncodeToString(h[:])
	hx := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	benchStores(b, func(b *testing.B, mem bool, rs *redisstore.Store) {
		var store security.NonceStore = rs
		if mem {
			store = security.NewMemoryNonceStore(0)
		}
		d := &security.DigestAuth{
			Realm: realm, Secret: []byte("0123456789abcdef0123456789abcdef"), Algorithms: []string{security.DigestSHA256},
			Lookup: func(context.Context, string, string, string) (security.DigestSecret, bool, error) {
				return security.DigestSecret{HA1: ha1}, true, nil
			},
			Nonces: store,
		}
		_, err := d.Authenticate(httptest.NewRequest("GET", "/me", nil))
		m := digestNonce.FindStringSubmatch(err.(*keel.HTTPError).Headers.Get("WWW-Authenticate"))
		nonce, opaque := m[1], m[2]
		ha2 := hx("GET:/me")
		r := httptest.NewRequest("GET", "/me", nil)
		b.ReportAllocs()
		nc := 0
		for b.Loop() {
			nc++
			ncs := fmt.Sprintf("%08x", nc)
			resp := hx(ha1 + ":" + nonce + ":" + ncs + ":c0ffee:auth:" + ha2)
			r.Header.Set("Authorization", `Digest username="alice", realm="bench", nonce="`+nonce+`", uri="/me", algorithm=SHA-256, qop=auth, nc=`+ncs+`, cnonce="c0ffee", response="`+resp+`", opaque="`+opaque+`"`)
			if _, err := d.Authenticate(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerify is TokenIssuer.Verify of an HS256 access token: the
// signature, the claims, and the revocation check of its jti.
func BenchmarkVerify(b *testing.B) {
	benchStores(b, func(b *testing.B, mem bool, rs *redisstore.Store) {
		var store security.RevocationStore = rs
		if mem {
			store = security.NewMemoryRevocationStore(0)
		}
		ti := &security.TokenIssuer{
			Issuer:      "bench",
			Keys:        []security.SigningKey{{ID: "k1", Key: []byte("0123456789abcdef0123456789abcdef")}},
			Revocations: store,
		}
		ctx := context.Background()
		tok, err := ti.Issue(ctx, "alice", []string{"me"}, time.Hour, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ti.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAttempt is the throttle's check and record of a login attempt
// (two keys), then its success (Forget and Reset).
func BenchmarkAttempt(b *testing.B) {
	benchStores(b, func(b *testing.B, mem bool, rs *redisstore.Store) {
		var store security.AttemptStore = rs
		if mem {
			store = security.NewMemoryAttemptStore(0)
		}
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			id := fmt.Sprint("a", i)
			if wait, err := store.Attempt(ctx, id, time.Minute, security.AttemptLimit{Key: "u", Limit: 5}, security.AttemptLimit{Key: "a", Limit: 100}); wait != 0 || err != nil {
				b.Fatal(wait, err)
			}
			if err := store.Forget(ctx, id, "a"); err != nil {
				b.Fatal(err)
			}
			if err := store.Reset(ctx, "u"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package securitytest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keelgo/keel/security"
)

// TestNonceStore runs the conformance cases of security.NonceStore.
func TestNonceStore(t *testing.T, newStore func(t *testing.T) security.NonceStore) {
	ctx := context.Background()
	use := func(t *testing.T, s security.NonceStore, nonce string, nc uint64, expires time.Time, want bool) {
		t.Helper()
		got, err := s.UseNonce(ctx, nonce, nc, expires)
		if err != nil {
			t.Fatalf("UseNonce(%q, %d): %v", nonce, nc, err)
		}
		if got != want {
			t.Errorf("UseNonce(%q, %d) = %v, want %v", nonce, nc, got, want)
		}
	}
	cases := []struct {
		name string
		run  func(t *testing.T, s security.NonceStore)
	}{
		{"each count once", func(t *testing.T, s security.NonceStore) {
			exp := time.Now().Add(time.Hour)
			use(t, s, "n", 1, exp, true)
			use(t, s, "n", 1, exp, false)
			use(t, s, "n", 2, exp, true)
			use(t, s, "n", 2, exp, false)
			use(t, s, "n", 1, exp, false)
		}},
		{"nonces are apart and compared exactly", func(t *testing.T, s security.NonceStore) {
			exp := time.Now().Add(time.Hour)
			use(t, s, "Abc-_1", 1, exp, true)
			use(t, s, "abc-_1", 1, exp, true)
			use(t, s, "Abc-_", 1, exp, true)
			use(t, s, "Abc-_1 ", 1, exp, true)
			use(t, s, "Abc-_1", 1, exp, false)
		}},
		{"counts out of order within the window", func(t *testing.T, s security.NonceStore) {
			exp := time.Now().Add(time.Hour)
			for _, step := range []struct {
				nc uint64
				ok bool
			}{
				{1, true}, {3, true}, {2, true}, {2, false}, {3, false},
				{100, true}, {99, true}, {37, true}, {36, false}, {30, false}, {37, false},
				{163, true}, {100, false}, {99, false}, {120, true}, {164, true}, {100, false}, {163, false}, {101, true},
				{1000, true}, {999, true}, {1064, true}, {1000, false}, {1001, true},
			} {
				use(t, s, "n", step.nc, exp, step.ok)
			}
		}},
		{"the largest counts", func(t *testing.T, s security.NonceStore) {
			exp := time.Now().Add(time.Hour)
			use(t, s, "n", 0xffffffff, exp, true)
			use(t, s, "n", 0xffffffff, exp, false)
			use(t, s, "n", 0xffffffff-63, exp, true)
			use(t, s, "n", 0xffffffff-64, exp, false)
			use(t, s, "m", 0, exp, true)
			use(t, s, "m", 0, exp, false)
		}},
		{"an expired nonce is refused", func(t *testing.T, s security.NonceStore) {
			use(t, s, "old", 1, time.Now().Add(-time.Second), false)
			k, exp := shortLived(t, func(k string, exp time.Time) bool {
				ok, err := s.UseNonce(ctx, "short"+k, 1, exp)
				must(t, err)
				return ok
			})
			time.Sleep(time.Until(exp.Add(afterExpiry)))
			use(t, s, "short"+k, 1, time.Now().Add(-afterExpiry), false)
			use(t, s, "short"+k, 2, time.Now().Add(-afterExpiry), false)
		}},
		{"one of many concurrent uses of a count wins", func(t *testing.T, s security.NonceStore) {
			exp := time.Now().Add(time.Hour)
			var wins atomic.Int64
			var wg sync.WaitGroup
			for range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := s.UseNonce(ctx, "race", 7, exp)
					if err != nil {
						t.Error(err)
					}
					if ok {
						wins.Add(1)
					}
				}()
			}
			wg.Wait()
			if wins.Load() != 1 {
				t.Errorf("%d of 50 concurrent uses of one count were accepted, want 1", wins.Load())
			}
		}},
		{"concurrent distinct counts are all accepted once", func(t *testing.T, s security.NonceStore) {
			exp := time.Now().Add(time.Hour)
			var wins atomic.Int64
			var wg sync.WaitGroup
			for i := range 60 {
				for range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						// 60 counts, each sent twice, all within the window
						// of the highest whatever order they arrive in.
						ok, err := s.UseNonce(ctx, "par", uint64(1000+i), exp)
						if err != nil {
							t.Error(err)
						}
						if ok {
							wins.Add(1)
						}
					}()
				}
			}
			wg.Wait()
			if wins.Load() != 60 {
				t.Errorf("%d uses accepted, want 60 (each of 60 counts once)", wins.Load())
			}
		}},
		{"many nonces", func(t *testing.T, s security.NonceStore) {
			exp := time.Now().Add(time.Hour)
			for i := range 200 {
				use(t, s, fmt.Sprint("n", i), 1, exp, true)
			}
			for i := range 200 {
				use(t, s, fmt.Sprint("n", i), 1, exp, false)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newStore(t))
		})
	}
}

// Package securitytest checks implementations of the state stores of package
// security (RevocationStore, RefreshStore, NonceStore, AttemptStore) against
// the behaviour its schemes rely on, as net/http/httptest helps test
// handlers. An implementation over a shared store (Redis, SQL)
// runs the same table as the in-memory defaults:
//
//	func TestRevocations(t *testing.T) {
//		securitytest.TestRevocationStore(t, func(t *testing.T) security.RevocationStore {
//			return myredis.NewRevocationStore(newClient(t), "test:"+t.Name()+":")
//		})
//	}
//
// Each case gets a new, empty store from the function given, and the cases
// run in parallel (t.Parallel): give each store a namespace of its own (a key
// prefix from t.Name()). They use the wall clock, as stores over a server
// keep time on the server, and wait about a second in all (longer on a
// machine too loaded to decide within it).
package securitytest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/keelgo/keel/security"
)

// TestRevocationStore runs the conformance cases of security.RevocationStore.
func TestRevocationStore(t *testing.T, newStore func(t *testing.T) security.RevocationStore) {
	ctx := context.Background()
	hour := time.Now().Add(time.Hour)
	cases := []struct {
		name string
		run  func(t *testing.T, s security.RevocationStore)
	}{
		{"nothing is revoked at first", func(t *testing.T, s security.RevocationStore) {
			wantRevoked(t, s, false, "a")
			wantRevoked(t, s, false)
		}},
		{"a revoked id is revoked, others are not", func(t *testing.T, s security.RevocationStore) {
			must(t, s.Revoke(ctx, "a", hour))
			wantRevoked(t, s, true, "a")
			wantRevoked(t, s, false, "b")
			wantRevoked(t, s, true, "b", "a")
			wantRevoked(t, s, true, "a", "b")
			wantRevoked(t, s, false, "b", "c")
		}},
		{"ids are compared exactly", func(t *testing.T, s security.RevocationStore) {
			must(t, s.Revoke(ctx, "Abc-_1", hour))
			wantRevoked(t, s, false, "abc-_1", "Abc-_", "Abc-_1 ", "")
			wantRevoked(t, s, true, "Abc-_1")
		}},
		{"revoking twice keeps the later time", func(t *testing.T, s security.RevocationStore) {
			must(t, s.Revoke(ctx, "a", hour))
			must(t, s.Revoke(ctx, "a", time.Now().Add(time.Second)))
			time.Sleep(1100 * time.Millisecond)
			wantRevoked(t, s, true, "a")
		}},
		{"a revocation ends at its time", func(t *testing.T, s security.RevocationStore) {
			k, exp := shortLived(t, func(k string, exp time.Time) bool {
				must(t, s.Revoke(ctx, "short"+k, exp))
				must(t, s.Revoke(ctx, "long"+k, hour))
				revoked, err := s.IsRevoked(ctx, "short"+k)
				must(t, err)
				return revoked
			})
			time.Sleep(time.Until(exp.Add(afterExpiry)))
			wantRevoked(t, s, false, "short"+k)
			wantRevoked(t, s, true, "long"+k)
		}},
		{"a time in the past is no error", func(t *testing.T, s security.RevocationStore) {
			must(t, s.Revoke(ctx, "old", time.Now().Add(-time.Hour)))
			wantRevoked(t, s, false, "old")
		}},
		{"concurrent use", func(t *testing.T, s security.RevocationStore) {
			var wg sync.WaitGroup
			errs := make(chan error, 200)
			for i := range 100 {
				wg.Add(2)
				go func() {
					defer wg.Done()
					errs <- s.Revoke(ctx, fmt.Sprint("id-", i), hour)
				}()
				go func() {
					defer wg.Done()
					_, err := s.IsRevoked(ctx, fmt.Sprint("id-", i), "other")
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				must(t, err)
			}
			for i := range 100 {
				wantRevoked(t, s, true, fmt.Sprint("id-", i))
			}
		}},
		{"a cancelled context fails or answers, never lies", func(t *testing.T, s security.RevocationStore) {
			must(t, s.Revoke(ctx, "a", hour))
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if revoked, err := s.IsRevoked(cctx, "a"); err == nil && !revoked {
				t.Error("IsRevoked with a cancelled context answered false for a revoked id without an error")
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

// afterExpiry is how long after an expiry the cases check that the store
// forgot: stores may count in whole milliseconds, or seconds, and Redis
// expires a key on access or in its periodic sweep.
const afterExpiry = 400 * time.Millisecond

// shortLived decides a case's check that something given a short expiry is in
// force before it. inForce gives the keys suffixed by k the expiry exp and
// reports whether the store still held them (its calls' answers). A store
// that no longer held them while every call ended before exp fails the test.
// A run whose calls ended after exp decides nothing (a loaded machine stalled
// them: the store rightly forgot), so it runs again, on new keys, with an
// expiry four times as far: 500 ms, 2 s, 8 s. shortLived returns the suffix
// and the expiry of the run that decided, for the case to check that the
// store forgets them after exp.
func shortLived(t *testing.T, inForce func(k string, exp time.Time) bool) (string, time.Time) {
	t.Helper()
	// A store may keep time in milliseconds, truncating exp: 5 ms of slack.
	const slack = 5 * time.Millisecond
	d := 500 * time.Millisecond
	for try := 1; ; try++ {
		k := fmt.Sprint("-", try)
		exp := time.Now().Add(d)
		held := inForce(k, exp)
		if held {
			return k, exp
		}
		if time.Now().Before(exp.Add(-slack)) {
			t.Errorf("the store no longer held what it was given %v before its expiry", d)
			return k, exp
		}
		if try == 3 {
			t.Fatalf("the store's calls took longer than the expiry of %v, three times: this machine is too loaded to decide", d)
		}
		t.Logf("the store's calls ended after the expiry of %v (a loaded machine): again, %v", d, 4*d)
		d *= 4
	}
}

func wantRevoked(t *testing.T, s security.RevocationStore, want bool, ids ...string) {
	t.Helper()
	got, err := s.IsRevoked(context.Background(), ids...)
	if err != nil {
		t.Fatalf("IsRevoked(%q): %v", ids, err)
	}
	if got != want {
		t.Errorf("IsRevoked(%q) = %v, want %v", ids, got, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestRefreshStore runs the conformance cases of security.RefreshStore.
func TestRefreshStore(t *testing.T, newStore func(t *testing.T) security.RefreshStore) {
	ctx := context.Background()
	hour := time.Now().Add(time.Hour)
	rotate := func(t *testing.T, s security.RefreshStore, family, jti, next string, want security.RefreshResult) {
		t.Helper()
		got, err := s.Rotate(ctx, family, jti, next, hour)
		if err != nil {
			t.Fatalf("Rotate(%q, %q, %q): %v", family, jti, next, err)
		}
		if got != want {
			t.Errorf("Rotate(%q, %q, %q) = %v, want %v", family, jti, next, got, want)
		}
	}
	cases := []struct {
		name string
		run  func(t *testing.T, s security.RefreshStore)
	}{
		{"an unknown family", func(t *testing.T, s security.RefreshStore) {
			rotate(t, s, "f", "a", "b", security.RefreshUnknown)
		}},
		{"a chain of rotations", func(t *testing.T, s security.RefreshStore) {
			must(t, s.Begin(ctx, "f", "a", hour))
			rotate(t, s, "f", "a", "b", security.RefreshRotated)
			rotate(t, s, "f", "b", "c", security.RefreshRotated)
			rotate(t, s, "f", "c", "d", security.RefreshRotated)
		}},
		{"reuse ends the family", func(t *testing.T, s security.RefreshStore) {
			must(t, s.Begin(ctx, "f", "a", hour))
			must(t, s.Begin(ctx, "g", "x", hour))
			rotate(t, s, "f", "a", "b", security.RefreshRotated)
			rotate(t, s, "f", "a", "c", security.RefreshReused)  // a thief, or the client, uses a again
			rotate(t, s, "f", "b", "d", security.RefreshUnknown) // b is dead too
			rotate(t, s, "f", "c", "e", security.RefreshUnknown)
			rotate(t, s, "g", "x", "y", security.RefreshRotated) // other families go on
		}},
		{"a token of another family is reuse", func(t *testing.T, s security.RefreshStore) {
			must(t, s.Begin(ctx, "f", "a", hour))
			rotate(t, s, "f", "z", "b", security.RefreshReused)
			rotate(t, s, "f", "a", "b", security.RefreshUnknown)
		}},
		{"End ends a family", func(t *testing.T, s security.RefreshStore) {
			must(t, s.Begin(ctx, "f", "a", hour))
			must(t, s.End(ctx, "f"))
			rotate(t, s, "f", "a", "b", security.RefreshUnknown)
			must(t, s.End(ctx, "unknown"))
		}},
		{"a family expires", func(t *testing.T, s security.RefreshStore) {
			must(t, s.Begin(ctx, "f", "a", time.Now().Add(500*time.Millisecond)))
			must(t, s.Begin(ctx, "g", "a", time.Now().Add(-time.Second)))
			rotate(t, s, "g", "a", "b", security.RefreshUnknown)
			time.Sleep(900 * time.Millisecond)
			rotate(t, s, "f", "a", "b", security.RefreshUnknown)
		}},
		{"a rotation moves the expiry", func(t *testing.T, s security.RefreshStore) {
			k, exp := shortLived(t, func(k string, exp time.Time) bool {
				must(t, s.Begin(ctx, "f"+k, "a", exp))
				r, err := s.Rotate(ctx, "f"+k, "a", "b", hour) // until hour
				must(t, err)
				return r == security.RefreshRotated
			})
			time.Sleep(time.Until(exp.Add(afterExpiry)))
			rotate(t, s, "f"+k, "b", "c", security.RefreshRotated)
		}},
		{"one of many concurrent rotations of a token wins", func(t *testing.T, s security.RefreshStore) {
			must(t, s.Begin(ctx, "f", "a", hour))
			const n = 50
			results := make(chan security.RefreshResult, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := s.Rotate(ctx, "f", "a", fmt.Sprint("next-", i), hour)
					if err != nil {
						t.Error(err)
					}
					results <- r
				}()
			}
			wg.Wait()
			close(results)
			count := map[security.RefreshResult]int{}
			for r := range results {
				count[r]++
			}
			if count[security.RefreshRotated] != 1 || count[security.RefreshRotated]+count[security.RefreshReused]+count[security.RefreshUnknown] != n {
				t.Errorf("results %v: want exactly one RefreshRotated, the others reused or unknown", count)
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

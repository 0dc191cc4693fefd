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

// TestAttemptStore runs the conformance cases of security.AttemptStore.
func TestAttemptStore(t *testing.T, newStore func(t *testing.T) security.AttemptStore) {
	ctx := context.Background()
	var ids atomic.Int64
	newID := func() string { return fmt.Sprint("attempt-", ids.Add(1)) }
	const hour = time.Hour
	// attempt records an attempt and checks whether it was allowed; it
	// returns the attempt's id and the wait.
	attempt := func(t *testing.T, s security.AttemptStore, window time.Duration, allowed bool, limits ...security.AttemptLimit) (string, time.Duration) {
		t.Helper()
		id := newID()
		wait, err := s.Attempt(ctx, id, window, limits...)
		if err != nil {
			t.Fatalf("Attempt(%v): %v", limits, err)
		}
		if allowed && wait != 0 {
			t.Fatalf("Attempt(%v) refused (wait %v), want allowed", limits, wait)
		}
		if !allowed && (wait <= 0 || wait > window) {
			t.Fatalf("Attempt(%v) = wait %v, want refused with 0 < wait <= %v", limits, wait, window)
		}
		return id, wait
	}
	lim := func(key string, n int) security.AttemptLimit { return security.AttemptLimit{Key: key, Limit: n} }
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		run  func(t *testing.T, s security.AttemptStore)
	}{
		{"up to the limit", func(t *testing.T, s security.AttemptStore) {
			for range 3 {
				attempt(t, s, hour, true, lim("k", 3))
			}
			_, wait := attempt(t, s, hour, false, lim("k", 3))
			if wait < hour-time.Minute {
				t.Errorf("wait %v, want about an hour", wait)
			}
			attempt(t, s, hour, false, lim("k", 3))
			attempt(t, s, hour, true, lim("other", 3))
			attempt(t, s, hour, true, lim("k", 4)) // a larger limit allows one more
		}},
		{"keys are compared exactly", func(t *testing.T, s security.AttemptStore) {
			attempt(t, s, hour, true, lim("Key:1", 1))
			attempt(t, s, hour, false, lim("Key:1", 1))
			attempt(t, s, hour, true, lim("key:1", 1))
			attempt(t, s, hour, true, lim("Key:", 1))
		}},
		{"every limit or nothing", func(t *testing.T, s security.AttemptStore) {
			attempt(t, s, hour, true, lim("user", 2), lim("addr", 3))
			attempt(t, s, hour, true, lim("user", 2), lim("addr", 3))
			// user is full: refused, and nothing is recorded under addr.
			attempt(t, s, hour, false, lim("user", 2), lim("addr", 3))
			attempt(t, s, hour, false, lim("user", 2), lim("addr", 3))
			attempt(t, s, hour, true, lim("user2", 2), lim("addr", 3))
			// addr is full now (3): refused through another user too.
			attempt(t, s, hour, false, lim("user3", 2), lim("addr", 3))
			attempt(t, s, hour, true, lim("user3", 2))
		}},
		{"Forget un-counts one attempt", func(t *testing.T, s security.AttemptStore) {
			a, _ := attempt(t, s, hour, true, lim("u", 2), lim("a", 2))
			attempt(t, s, hour, true, lim("u", 2), lim("a", 2))
			attempt(t, s, hour, false, lim("a", 2))
			must(t, s.Forget(ctx, a, "a"))
			must(t, s.Forget(ctx, a, "a")) // twice is harmless
			attempt(t, s, hour, true, lim("a", 2))
			attempt(t, s, hour, false, lim("a", 2))
			attempt(t, s, hour, false, lim("u", 2)) // still counted under u
			must(t, s.Forget(ctx, a, "u", "unknown"))
			attempt(t, s, hour, true, lim("u", 2))
			must(t, s.Forget(ctx, "no such attempt", "u"))
			attempt(t, s, hour, false, lim("u", 2))
		}},
		{"Reset forgets every attempt of a key", func(t *testing.T, s security.AttemptStore) {
			for range 2 {
				attempt(t, s, hour, true, lim("u", 2), lim("a", 4))
			}
			attempt(t, s, hour, false, lim("u", 2))
			must(t, s.Reset(ctx, "u", "unknown"))
			attempt(t, s, hour, true, lim("u", 2))
			attempt(t, s, hour, true, lim("u", 2))
			attempt(t, s, hour, false, lim("u", 2))
			attempt(t, s, hour, true, lim("a", 4)) // a kept its 2, now 3
			attempt(t, s, hour, true, lim("a", 4))
			attempt(t, s, hour, false, lim("a", 4))
		}},
		{"a sliding window", func(t *testing.T, s security.AttemptStore) {
			const window = 1200 * time.Millisecond
			start := time.Now()
			attempt(t, s, window, true, lim("k", 2))
			firstDone := time.Now()
			time.Sleep(400 * time.Millisecond)
			secondStart := time.Now()
			attempt(t, s, window, true, lim("k", 2))
			before := time.Now()
			_, wait := attempt(t, s, window, false, lim("k", 2))
			after := time.Now()
			// The first attempt leaves the window 1.2 s after it was made,
			// which the store did between start and firstDone; it computed
			// the wait between before and after. The bounds follow from those
			// instants alone (a store may count in milliseconds: 5 ms of
			// slack), whatever the scheduling delays of a loaded machine.
			const slack = 5 * time.Millisecond
			if lo, hi := window-after.Sub(start), window-before.Sub(firstDone); wait < lo-slack || wait > hi+slack {
				t.Errorf("wait %v, want between %v and %v", wait, lo, hi)
			}
			time.Sleep(wait + 50*time.Millisecond)
			attempt(t, s, window, true, lim("k", 2)) // the first one left
			// The second one is still in, unless this machine stalled for
			// the rest of its window (then nothing is claimed).
			fifth, err := s.Attempt(ctx, newID(), window, lim("k", 2))
			if err != nil {
				t.Fatal(err)
			}
			if fifth == 0 && time.Since(secondStart) < window {
				t.Errorf("an attempt allowed while the second one is in the window")
			}
			attempt(t, s, time.Hour, true, lim("new", 1)) // other keys, other windows
		}},
		{"concurrent attempts never pass the limit", func(t *testing.T, s security.AttemptStore) {
			var allowed atomic.Int64
			var wg sync.WaitGroup
			for i := range 60 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					wait, err := s.Attempt(ctx, fmt.Sprint("c", i), hour, lim(fmt.Sprint("user", i%3), 4), lim("addr", 10))
					if err != nil {
						t.Error(err)
					}
					if wait == 0 {
						allowed.Add(1)
					}
				}()
			}
			wg.Wait()
			if allowed.Load() != 10 {
				t.Errorf("%d of 60 concurrent attempts were allowed, want 10 (the address's limit)", allowed.Load())
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

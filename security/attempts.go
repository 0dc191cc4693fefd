package security

import (
	"container/heap"
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// AttemptLimit is a counter an attempt is counted under, and how many
// attempts it may hold within the window.
type AttemptLimit struct {
	Key   string
	Limit int
}

// AttemptStore counts attempts (LoginThrottle: login attempts) under keys,
// over a sliding window: an attempt counts against a key for window after it
// was made. Several instances behind one load balancer must share one
// (github.com/keelgo/keel/redisstore); NewMemoryAttemptStore is right for one.
//
// Each method is one atomic operation (over a network: one round trip), so
// that concurrent attempts on several instances cannot together exceed a
// limit: Attempt checks every limit and records the attempt in the same
// step. Implementations must be safe for concurrent use; an error makes the
// check fail closed (LoginThrottle answers 503). securitytest.TestAttemptStore
// checks an implementation.
type AttemptStore interface {
	// Attempt records the attempt id under the key of every limit, unless some
	// key already holds its Limit of attempts made within window: then it
	// records nothing and returns how long until enough of them leave the
	// window for the attempt to be allowed (the longest wait over the full
	// keys, always > 0). ids are unique per attempt.
	Attempt(ctx context.Context, id string, window time.Duration, limits ...AttemptLimit) (wait time.Duration, err error)
	// Forget removes the attempt id from each of keys: it no longer counts
	// against them (it turned out not to be a failure).
	Forget(ctx context.Context, id string, keys ...string) error
	// Reset forgets every attempt counted under each of keys.
	Reset(ctx context.Context, keys ...string) error
}

// DefaultAttemptStoreSize is the number of attempts a MemoryAttemptStore made
// with size 0 holds at most.
const DefaultAttemptStoreSize = 1 << 20

// MemoryAttemptStore is an AttemptStore in memory, for one instance. It holds
// at most its size of attempts (about 60 bytes each, plus about 150 per key)
// and forgets each when it leaves its window; when full, Attempt fails with
// ErrStoreFull. It is safe for concurrent use.
type MemoryAttemptStore struct {
	// Now is the clock; default time.Now. Set it before first use.
	Now func() time.Time

	mu     sync.Mutex
	size   int
	count  int // attempts held
	byKey  map[string]*attemptKey
	byExpy attemptHeap // keys by when their newest attempt leaves the window
}

type attemptKey struct {
	key     string
	times   []time.Time // oldest first
	ids     []string
	expires time.Time
	index   int
}

// NewMemoryAttemptStore returns a store holding up to size attempts
// (DefaultAttemptStoreSize when size <= 0).
func NewMemoryAttemptStore(size int) *MemoryAttemptStore {
	if size <= 0 {
		size = DefaultAttemptStoreSize
	}
	return &MemoryAttemptStore{size: size, byKey: map[string]*attemptKey{}}
}

func (s *MemoryAttemptStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// lockAt takes the lock and drops what has left its window at now.
func (s *MemoryAttemptStore) lockAt(now time.Time) {
	s.mu.Lock()
	if s.byKey == nil { // the zero value: default size
		s.size, s.byKey = DefaultAttemptStoreSize, map[string]*attemptKey{}
	}
	for len(s.byExpy) > 0 && !s.byExpy[0].expires.After(now) {
		k := heap.Pop(&s.byExpy).(*attemptKey)
		s.count -= len(k.times)
		delete(s.byKey, k.key)
	}
}

// Attempt implements AttemptStore.
func (s *MemoryAttemptStore) Attempt(ctx context.Context, id string, window time.Duration, limits ...AttemptLimit) (time.Duration, error) {
	if window <= 0 {
		return 0, errors.New("keel/security: MemoryAttemptStore.Attempt: the window must be positive")
	}
	now := s.now()
	s.lockAt(now)
	defer s.mu.Unlock()
	since := now.Add(-window)
	var wait time.Duration
	for _, l := range limits {
		k := s.byKey[l.Key]
		if k == nil {
			if l.Limit <= 0 {
				wait = max(wait, window)
			}
			continue
		}
		// Drop this key's attempts older than the window.
		n := 0
		for n < len(k.times) && !k.times[n].After(since) {
			n++
		}
		if n > 0 {
			s.count -= n
			k.times = slices.Delete(k.times, 0, n)
			k.ids = slices.Delete(k.ids, 0, n)
		}
		if held := len(k.times); held >= l.Limit {
			// The attempt that must leave for one more to fit.
			w := window
			if l.Limit > 0 {
				w = k.times[held-l.Limit].Add(window).Sub(now)
			}
			wait = max(wait, w)
		}
	}
	if wait > 0 {
		return wait, nil
	}
	if s.count+len(limits) > s.size {
		return 0, ErrStoreFull
	}
	for _, l := range limits {
		k := s.byKey[l.Key]
		if k == nil {
			k = &attemptKey{key: l.Key}
			s.byKey[l.Key] = k
			k.expires = now.Add(window)
			heap.Push(&s.byExpy, k)
		} else {
			k.expires = now.Add(window)
			heap.Fix(&s.byExpy, k.index)
		}
		k.times = append(k.times, now)
		k.ids = append(k.ids, id)
		s.count++
	}
	return 0, nil
}

// Forget implements AttemptStore.
func (s *MemoryAttemptStore) Forget(ctx context.Context, id string, keys ...string) error {
	s.lockAt(s.now())
	defer s.mu.Unlock()
	for _, key := range keys {
		k := s.byKey[key]
		if k == nil {
			continue
		}
		if i := slices.Index(k.ids, id); i >= 0 {
			k.times = slices.Delete(k.times, i, i+1)
			k.ids = slices.Delete(k.ids, i, i+1)
			s.count--
		}
		if len(k.times) == 0 {
			s.drop(k)
		}
	}
	return nil
}

// Reset implements AttemptStore.
func (s *MemoryAttemptStore) Reset(ctx context.Context, keys ...string) error {
	s.lockAt(s.now())
	defer s.mu.Unlock()
	for _, key := range keys {
		if k := s.byKey[key]; k != nil {
			s.drop(k)
		}
	}
	return nil
}

func (s *MemoryAttemptStore) drop(k *attemptKey) {
	s.count -= len(k.times)
	heap.Remove(&s.byExpy, k.index)
	delete(s.byKey, k.key)
}

// Len returns the number of attempts held (those that have left their window
// included until they are purged).
func (s *MemoryAttemptStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

type attemptHeap []*attemptKey

func (h attemptHeap) Len() int           { return len(h) }
func (h attemptHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h attemptHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *attemptHeap) Push(x any) {
	k := x.(*attemptKey)
	k.index = len(*h)
	*h = append(*h, k)
}
func (h *attemptHeap) Pop() any {
	old := *h
	k := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	k.index = -1
	return k
}

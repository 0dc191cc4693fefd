package security

import (
	"container/heap"
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
)

// RevocationStore records revoked token ids (a jti, or a refresh token
// family's id) until a time after which the tokens carrying them have expired
// anyway. TokenIssuer consults it on every verification.
//
// Each method is one atomic operation, so that a shared implementation needs
// one round trip per call (Redis: SET id 1 PXAT until; EXISTS id...). An
// error makes the check fail closed: the request is answered 503 with
// Retry-After, never let through. Implementations must be safe for
// concurrent use; securitytest.TestRevocationStore checks one.
type RevocationStore interface {
	// Revoke records id as revoked until until. Revoking an id again keeps
	// the later time. An until in the past may be ignored.
	Revoke(ctx context.Context, id string, until time.Time) error
	// IsRevoked reports whether any of ids is revoked now.
	IsRevoked(ctx context.Context, ids ...string) (bool, error)
}

// RefreshResult is what RefreshStore.Rotate found.
type RefreshResult int

// The results of RefreshStore.Rotate.
const (
	// RefreshRotated: the token was the family's current one, and next
	// replaced it.
	RefreshRotated RefreshResult = iota + 1
	// RefreshReused: the family is known and live, but the token is not its
	// current one (it was exchanged before): the call has ended the family.
	RefreshReused
	// RefreshUnknown: the family is unknown, expired or ended.
	RefreshUnknown
)

// String returns the result's name.
func (r RefreshResult) String() string {
	switch r {
	case RefreshRotated:
		return "RefreshRotated"
	case RefreshReused:
		return "RefreshReused"
	case RefreshUnknown:
		return "RefreshUnknown"
	}
	return "RefreshResult(" + strconv.Itoa(int(r)) + ")"
}

// RefreshStore records refresh token families: for each, the id (jti) of the
// one refresh token that may be exchanged next. Rotation and reuse detection
// happen in one atomic call (Redis: one Lua script), so that two clients
// exchanging the same token at once cannot both succeed. Implementations
// must be safe for concurrent use; securitytest.TestRefreshStore checks one.
type RefreshStore interface {
	// Begin records a new family whose current token is jti, until expires.
	Begin(ctx context.Context, family, jti string, expires time.Time) error
	// Rotate replaces the family's current token jti by next, valid until
	// expires, and reports RefreshRotated; if jti is not the current token
	// of the live family, it ends the family and reports RefreshReused; for a
	// family that is unknown, expired or ended, RefreshUnknown.
	Rotate(ctx context.Context, family, jti, next string, expires time.Time) (RefreshResult, error)
	// End ends the family: its tokens never rotate again.
	End(ctx context.Context, family string) error
}

// ErrStoreFull is returned by the in-memory stores when they hold their size
// of live entries: the operation fails (closed) rather than forgetting a
// revocation.
var ErrStoreFull = errors.New("keel/security: the in-memory store is full")

// DefaultStoreSize is the size of an in-memory store made with size 0.
const DefaultStoreSize = 100000

// MemoryRevocationStore is a RevocationStore in memory, for one instance. It
// holds at most its size of live revocations (about 100 bytes each) and
// forgets each when its time is over; when full, Revoke fails with
// ErrStoreFull. It is safe for concurrent use.
type MemoryRevocationStore struct {
	// Now is the clock; default time.Now. Set it before first use.
	Now func() time.Time

	mu sync.Mutex
	m  expiring[struct{}]
}

// NewMemoryRevocationStore returns a store holding up to size revocations
// (DefaultStoreSize when size <= 0).
func NewMemoryRevocationStore(size int) *MemoryRevocationStore {
	return &MemoryRevocationStore{m: newExpiring[struct{}](size)}
}

func (s *MemoryRevocationStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Revoke implements RevocationStore.
func (s *MemoryRevocationStore) Revoke(ctx context.Context, id string, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !until.After(now) {
		return nil
	}
	s.m.purge(now)
	if e := s.m.get(id); e != nil {
		if until.After(e.expires) {
			s.m.setExpiry(e, until)
		}
		return nil
	}
	return s.m.add(id, struct{}{}, until)
}

// IsRevoked implements RevocationStore.
func (s *MemoryRevocationStore) IsRevoked(ctx context.Context, ids ...string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, id := range ids {
		if e := s.m.get(id); e != nil && now.Before(e.expires) {
			return true, nil
		}
	}
	return false, nil
}

// Len returns the number of revocations held (expired ones included until
// they are purged).
func (s *MemoryRevocationStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m.byKey)
}

// MemoryRefreshStore is a RefreshStore in memory, for one instance. It holds
// at most its size of live families (about 150 bytes each) and forgets each
// when it expires; when full, Begin fails with ErrStoreFull. It is safe for
// concurrent use.
type MemoryRefreshStore struct {
	// Now is the clock; default time.Now. Set it before first use.
	Now func() time.Time

	mu sync.Mutex
	m  expiring[refreshFamily]
}

type refreshFamily struct {
	current string
	ended   bool
}

// NewMemoryRefreshStore returns a store holding up to size families
// (DefaultStoreSize when size <= 0).
func NewMemoryRefreshStore(size int) *MemoryRefreshStore {
	return &MemoryRefreshStore{m: newExpiring[refreshFamily](size)}
}

func (s *MemoryRefreshStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Begin implements RefreshStore.
func (s *MemoryRefreshStore) Begin(ctx context.Context, family, jti string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.m.purge(now)
	if e := s.m.get(family); e != nil {
		e.value = refreshFamily{current: jti}
		s.m.setExpiry(e, expires)
		return nil
	}
	return s.m.add(family, refreshFamily{current: jti}, expires)
}

// Rotate implements RefreshStore.
func (s *MemoryRefreshStore) Rotate(ctx context.Context, family, jti, next string, expires time.Time) (RefreshResult, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m.get(family)
	if e == nil || e.value.ended || !s.now().Before(e.expires) {
		return RefreshUnknown, nil
	}
	if e.value.current != jti {
		e.value.ended = true
		return RefreshReused, nil
	}
	e.value.current = next
	s.m.setExpiry(e, expires)
	return RefreshRotated, nil
}

// End implements RefreshStore.
func (s *MemoryRefreshStore) End(ctx context.Context, family string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.m.get(family); e != nil {
		e.value.ended = true
	}
	return nil
}

// expiring is a map whose entries expire, with a heap by expiry so that
// purging costs the expired entries only. Not safe for concurrent use.
type expiring[V any] struct {
	size  int
	byKey map[string]*entry[V]
	heap  entryHeap[V]
}

type entry[V any] struct {
	key     string
	value   V
	expires time.Time
	index   int
}

func newExpiring[V any](size int) expiring[V] {
	if size <= 0 {
		size = DefaultStoreSize
	}
	return expiring[V]{size: size, byKey: map[string]*entry[V]{}}
}

func (m *expiring[V]) get(key string) *entry[V] { return m.byKey[key] }

func (m *expiring[V]) add(key string, v V, expires time.Time) error {
	if len(m.byKey) >= m.size {
		return ErrStoreFull
	}
	e := &entry[V]{key: key, value: v, expires: expires}
	m.byKey[key] = e
	heap.Push(&m.heap, e)
	return nil
}

func (m *expiring[V]) setExpiry(e *entry[V], expires time.Time) {
	e.expires = expires
	heap.Fix(&m.heap, e.index)
}

// purge drops the entries expired at now.
func (m *expiring[V]) purge(now time.Time) {
	for len(m.heap) > 0 && !m.heap[0].expires.After(now) {
		delete(m.byKey, heap.Pop(&m.heap).(*entry[V]).key)
	}
}

type entryHeap[V any] []*entry[V]

func (h entryHeap[V]) Len() int           { return len(h) }
func (h entryHeap[V]) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h entryHeap[V]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *entryHeap[V]) Push(x any) {
	e := x.(*entry[V])
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *entryHeap[V]) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.index = -1
	return e
}

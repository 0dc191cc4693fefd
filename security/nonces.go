package security

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// NonceWindow is how far below the highest count seen with a Digest nonce a
// count may still arrive and be accepted (parallel requests of one client can
// reach the server out of order). A NonceStore refuses older counts, so that
// it remembers a fixed number of bits per nonce.
const NonceWindow = 64

// NonceStore remembers the nonce counts (nc) used with each Digest nonce, so
// that a captured request cannot be replayed: DigestAuth calls UseNonce after
// a request's response digest was verified, and answers false with a stale
// challenge. Several instances behind one load balancer must share one
// (github.com/keelgo/keel/redisstore); NewMemoryNonceStore is right for one.
//
// Implementations must be safe for concurrent use, and UseNonce must be one
// atomic operation (over a network: one round trip), so that two instances
// receiving the same header at once cannot both accept it.
// securitytest.TestNonceStore checks an implementation.
type NonceStore interface {
	// UseNonce records count nc for nonce and reports whether it is new: never
	// used with nonce before, and not more than NonceWindow below the highest
	// count used with it. expires is when the nonce stops being accepted: the
	// record may be dropped then, and a nonce that has expired by the store's
	// clock is refused (false). A store that cannot answer returns an error,
	// and DigestAuth answers 503: the check fails closed.
	UseNonce(ctx context.Context, nonce string, nc uint64, expires time.Time) (bool, error)
}

// DefaultNonceStoreSize is the number of nonces a MemoryNonceStore made with
// size 0 remembers.
const DefaultNonceStoreSize = 10000

// MemoryNonceStore is a NonceStore in memory, for one instance. It remembers
// at most its size of nonces; each takes about 150 bytes. Nonces are dropped
// when they expire. When it is full, the nonce expiring first is dropped, and
// from then on every nonce expiring no later than a dropped one and not
// remembered is refused (DigestAuth answers stale=true and the client retries
// with a fresh nonce), so a replay is never accepted. It never fails.
//
// It is safe for concurrent use.
type MemoryNonceStore struct {
	// Now is the clock; default time.Now. Set it before first use.
	Now func() time.Time

	mu        sync.Mutex
	size      int
	nonces    map[string]*nonceEntry
	byExpiry  nonceHeap
	watermark time.Time // nonces expiring at or before it that are not remembered are refused
}

type nonceEntry struct {
	nonce   string
	expires time.Time
	max     uint64
	seen    uint64 // bit i: count max-i was used
}

// NewMemoryNonceStore returns a store that remembers up to size nonces
// (DefaultNonceStoreSize when size <= 0).
func NewMemoryNonceStore(size int) *MemoryNonceStore {
	if size <= 0 {
		size = DefaultNonceStoreSize
	}
	return &MemoryNonceStore{size: size, nonces: make(map[string]*nonceEntry)}
}

// UseNonce implements NonceStore.
func (c *MemoryNonceStore) UseNonce(ctx context.Context, nonce string, nc uint64, expires time.Time) (bool, error) {
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nonces == nil { // the zero value: default size
		c.size, c.nonces = DefaultNonceStoreSize, make(map[string]*nonceEntry)
	}
	for len(c.byExpiry) > 0 && !c.byExpiry[0].expires.After(now) {
		delete(c.nonces, heap.Pop(&c.byExpiry).(*nonceEntry).nonce)
	}
	if !expires.After(now) {
		return false, nil
	}
	e := c.nonces[nonce]
	if e == nil {
		if !expires.After(c.watermark) {
			return false, nil
		}
		if len(c.nonces) >= c.size {
			old := heap.Pop(&c.byExpiry).(*nonceEntry)
			delete(c.nonces, old.nonce)
			if old.expires.After(c.watermark) {
				c.watermark = old.expires
			}
			if !expires.After(c.watermark) {
				return false, nil
			}
		}
		e = &nonceEntry{nonce: nonce, expires: expires, max: nc, seen: 1}
		c.nonces[nonce] = e
		heap.Push(&c.byExpiry, e)
		return true, nil
	}
	switch {
	case nc > e.max:
		shift := nc - e.max
		if shift >= NonceWindow {
			e.seen = 0
		} else {
			e.seen <<= shift
		}
		e.seen |= 1
		e.max = nc
		return true, nil
	case e.max-nc >= NonceWindow:
		return false, nil
	default:
		bit := uint64(1) << (e.max - nc)
		if e.seen&bit != 0 {
			return false, nil
		}
		e.seen |= bit
		return true, nil
	}
}

// Len returns the number of nonces remembered.
func (c *MemoryNonceStore) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.nonces)
}

type nonceHeap []*nonceEntry

func (h nonceHeap) Len() int           { return len(h) }
func (h nonceHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h nonceHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nonceHeap) Push(x any)        { *h = append(*h, x.(*nonceEntry)) }
func (h *nonceHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

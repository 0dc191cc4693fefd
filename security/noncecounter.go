package security

import (
	"container/heap"
	"sync"
	"time"
)

// DefaultNonceCounterSize is the number of nonces a MemoryNonceCounter made with
// size 0 remembers.
const DefaultNonceCounterSize = 10000

// nonceWindow is how far below the highest count seen a count may still arrive
// (parallel requests of one client can reach the server out of order).
const nonceWindow = 64

// MemoryNonceCounter is a NonceCounter in memory, for one instance. It remembers
// at most its size of nonces; each takes about 150 bytes. Nonces are dropped when
// they expire. When it is full, the nonce expiring first is dropped, and from then
// on every nonce expiring no later than a dropped one and not remembered is
// refused (DigestAuth answers stale=true and the client retries with a fresh
// nonce), so a replay is never accepted. Counts are accepted once each, in any
// order within 64 of the highest count seen.
//
// It is safe for concurrent use.
type MemoryNonceCounter struct {
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

// NewMemoryNonceCounter returns a counter that remembers up to size nonces
// (DefaultNonceCounterSize when size <= 0).
func NewMemoryNonceCounter(size int) *MemoryNonceCounter {
	if size <= 0 {
		size = DefaultNonceCounterSize
	}
	return &MemoryNonceCounter{size: size, nonces: make(map[string]*nonceEntry)}
}

// Use implements NonceCounter.
func (c *MemoryNonceCounter) Use(nonce string, nc uint64, expires, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.byExpiry) > 0 && !c.byExpiry[0].expires.After(now) {
		delete(c.nonces, heap.Pop(&c.byExpiry).(*nonceEntry).nonce)
	}
	e := c.nonces[nonce]
	if e == nil {
		if !expires.After(c.watermark) {
			return false
		}
		if len(c.nonces) >= c.size {
			old := heap.Pop(&c.byExpiry).(*nonceEntry)
			delete(c.nonces, old.nonce)
			if old.expires.After(c.watermark) {
				c.watermark = old.expires
			}
			if !expires.After(c.watermark) {
				return false
			}
		}
		e = &nonceEntry{nonce: nonce, expires: expires, max: nc, seen: 1}
		c.nonces[nonce] = e
		heap.Push(&c.byExpiry, e)
		return true
	}
	switch {
	case nc > e.max:
		shift := nc - e.max
		if shift >= nonceWindow {
			e.seen = 0
		} else {
			e.seen <<= shift
		}
		e.seen |= 1
		e.max = nc
		return true
	case e.max-nc >= nonceWindow:
		return false
	default:
		bit := uint64(1) << (e.max - nc)
		if e.seen&bit != 0 {
			return false
		}
		e.seen |= bit
		return true
	}
}

// Len returns the number of nonces remembered.
func (c *MemoryNonceCounter) Len() int {
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

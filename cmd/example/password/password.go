// Package password hashes and verifies the example's passwords with argon2id
// (golang.org/x/crypto/argon2), stored as PHC strings, and bounds how many
// verifications run at once.
//
// It is a package of its own, importing nothing of the example's database, so
// that its fuzz target (FuzzParsePHC) builds without instrumenting SQLite.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters of a password hash.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // iterations
	Threads uint8
	SaltLen int
	KeyLen  int
}

// DefaultParams are OWASP's minimum recommendation for argon2id (19 MiB,
// two iterations, one thread), with a 16-byte salt and a 32-byte hash.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on the parameters accepted when verifying a stored hash, so that a
// corrupt or hostile row cannot make one verification use unbounded memory or time.
const (
	maxArgon2Memory  = 256 * 1024 // KiB
	maxArgon2Time    = 16
	maxArgon2Threads = 16
	maxArgon2KeyLen  = 128
	maxPHCLength     = 512
)

var b64 = base64.RawStdEncoding

// Hash returns the argon2id hash of password in PHC string format:
// $argon2id$v=19$m=<KiB>,t=<iterations>,p=<threads>$<salt>$<hash>, base64
// without padding.
func Hash(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(p.KeyLen))
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// phc is a parsed argon2id PHC string.
type phc struct {
	params Params
	salt   []byte
	key    []byte
}

var errBadPHC = errors.New("malformed argon2id PHC string")

// parsePHC parses an argon2id PHC string, refusing anything but argon2id version
// 19 with parameters within the bounds above.
func parsePHC(s string) (phc, error) {
	if len(s) > maxPHCLength {
		return phc{}, errBadPHC
	}
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, errBadPHC
	}
	var h phc
	var seen [3]bool
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return phc{}, errBadPHC
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return phc{}, errBadPHC
		}
		switch {
		case k == "m" && !seen[0] && n <= maxArgon2Memory:
			h.params.Memory, seen[0] = uint32(n), true
		case k == "t" && !seen[1] && n <= maxArgon2Time:
			h.params.Time, seen[1] = uint32(n), true
		case k == "p" && !seen[2] && n <= maxArgon2Threads:
			h.params.Threads, seen[2] = uint8(n), true
		default:
			return phc{}, errBadPHC
		}
	}
	if !seen[0] || !seen[1] || !seen[2] || h.params.Memory < 8*uint32(h.params.Threads) {
		return phc{}, errBadPHC
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return phc{}, errBadPHC
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > maxArgon2KeyLen {
		return phc{}, errBadPHC
	}
	h.params.SaltLen, h.params.KeyLen = len(h.salt), len(h.key)
	return h, nil
}

// Hasher verifies passwords against argon2id hashes. Each verification costs
// the hash's memory (19 MiB by default) and tens of milliseconds of a core, so
// at most a fixed number run at once, each in a Slot: a flood of login attempts
// queues for slots instead of exhausting memory. A login takes its slot before
// it opens anything else it needs (a database transaction), so that the queue
// holds nothing but the waiting requests.
//
// It is safe for concurrent use.
type Hasher struct {
	slots chan struct{}
	dummy string // hash of a random password, for unknown users
}

// NewHasher returns a Hasher running at most concurrency verifications at once
// (at least one), with a dummy hash made with params.
func NewHasher(concurrency int, params Params) (*Hasher, error) {
	if concurrency < 1 {
		concurrency = 1
	}
	var pw [16]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return nil, err
	}
	dummy, err := Hash(b64.EncodeToString(pw[:]), params)
	if err != nil {
		return nil, err
	}
	return &Hasher{slots: make(chan struct{}, concurrency), dummy: dummy}, nil
}

// Concurrency returns the number of slots.
func (h *Hasher) Concurrency() int { return cap(h.slots) }

// Acquire waits for a free slot, or until ctx is done. Release the slot when
// the verification is done.
func (h *Hasher) Acquire(ctx context.Context) (*Slot, error) {
	select {
	case h.slots <- struct{}{}:
		return &Slot{h: h}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Verify takes a slot, verifies password against the PHC string encoded, and
// releases the slot (Slot.Verify).
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	s, err := h.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer s.Release()
	return s.Verify(password, encoded)
}

// Slot is the right to run one password verification at a time; it belongs to
// one goroutine (a request).
type Slot struct {
	h        *Hasher
	released bool
}

var errReleased = errors.New("password: slot used after Release")

// Verify reports whether password matches the PHC string encoded. The derived
// keys are compared in constant time. A malformed encoded string is an error.
func (s *Slot) Verify(password, encoded string) (bool, error) {
	if s.released {
		return false, errReleased
	}
	p, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), p.salt, p.params.Time, p.params.Memory, p.params.Threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

// VerifyDummy spends the time of one verification against a hash no password
// matches. Call it for an unknown user, so that the answer takes as long as for
// a known user with a wrong password.
func (s *Slot) VerifyDummy(password string) {
	_, _ = s.Verify(password, s.h.dummy)
}

// Release gives the slot back; later calls do nothing.
func (s *Slot) Release() {
	if !s.released {
		s.released = true
		<-s.h.slots
	}
}

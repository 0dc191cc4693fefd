package password

import (
	"context"
	"strings"
	"testing"
	"time"
)

// cheap are fast parameters for tests.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashPassword(t *testing.T) {
	h, err := Hash("secret", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("PHC string %q", h)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Errorf("salt or hash length in %q", h)
	}
	h2, _ := Hash("secret", DefaultParams)
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}

	hs, err := NewHasher(2, cheap)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tt := range []struct {
		password string
		want     bool
	}{{"secret", true}, {"Secret", false}, {"", false}, {"secret ", false}} {
		ok, err := hs.Verify(ctx, tt.password, h)
		if err != nil || ok != tt.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tt.password, ok, err, tt.want)
		}
	}
}

func TestParsePHC(t *testing.T) {
	good, _ := Hash("x", cheap)
	if _, err := parsePHC(good); err != nil {
		t.Fatalf("%q: %v", good, err)
	}
	salt := "c2FsdHNhbHRzYWx0c2FsdA"
	key := "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	for _, s := range []string{
		"",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,  // argon2i
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key, // old version
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,     // p missing
		"$argon2id$v=19$m=64,t=1,p=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=0,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4,t=1,p=1$" + salt + "$" + key,          // m < 8p
		"$argon2id$v=19$m=999999999,t=1,p=1$" + salt + "$" + key,  // too much memory
		"$argon2id$v=19$m=64,t=100,p=1$" + salt + "$" + key,       // too slow
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key,       // padding
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key,               // short salt
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$aGFzaA",         // short hash
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",   // extra part
		"$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key,        // sign
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "!!!", // bad base64
	} {
		if _, err := parsePHC(s); err == nil {
			t.Errorf("parsePHC(%q) accepted", s)
		}
	}
}

// FuzzParsePHC checks that no stored string makes parsing panic or accept
// parameters out of bounds.
func FuzzParsePHC(f *testing.F) {
	good, _ := Hash("x", cheap)
	f.Add(good)
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("$argon2id$v=19$m=64,t=1,p=1,x=2$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePHC(s)
		if err != nil {
			return
		}
		if p.params.Memory > maxArgon2Memory || p.params.Time > maxArgon2Time || p.params.Threads > maxArgon2Threads ||
			p.params.Memory < 8*uint32(p.params.Threads) || len(p.key) > maxArgon2KeyLen || len(p.key) < 16 || len(p.salt) < 8 {
			t.Fatalf("accepted out-of-bounds %q: %+v", s, p.params)
		}
	})
}

// TestSlots checks that at most Concurrency verifications hold a slot at once,
// that a waiter gets a slot when one is released or gives up with its context,
// and that a released slot verifies nothing.
func TestSlots(t *testing.T) {
	h, err := NewHasher(2, cheap)
	if err != nil {
		t.Fatal(err)
	}
	if h.Concurrency() != 2 {
		t.Fatalf("Concurrency %d", h.Concurrency())
	}
	ctx := context.Background()
	a, _ := h.Acquire(ctx)
	b, _ := h.Acquire(ctx)

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if s, err := h.Acquire(short); err == nil || s != nil {
		t.Fatal("a third slot was granted while two are held")
	}

	got := make(chan *Slot)
	go func() {
		s, err := h.Acquire(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- s
	}()
	select {
	case <-got:
		t.Fatal("granted before a release")
	case <-time.After(20 * time.Millisecond):
	}
	a.Release()
	a.Release() // a second Release gives back nothing
	c := <-got

	enc, _ := Hash("pw", cheap)
	if ok, err := c.Verify("pw", enc); !ok || err != nil {
		t.Errorf("Verify with a slot: %v, %v", ok, err)
	}
	if ok, err := a.Verify("pw", enc); ok || err == nil {
		t.Errorf("Verify after Release: %v, %v", ok, err)
	}
	b.Release()
	c.Release()
	if len(h.slots) != 0 {
		t.Errorf("%d slots still held", len(h.slots))
	}
}

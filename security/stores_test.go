package security_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/keelgo/keel/security"
	"github.com/keelgo/keel/security/securitytest"
)

func TestMemoryRevocationStore(t *testing.T) {
	securitytest.TestRevocationStore(t, func(*testing.T) security.RevocationStore {
		return security.NewMemoryRevocationStore(0)
	})
}

func TestMemoryRefreshStore(t *testing.T) {
	securitytest.TestRefreshStore(t, func(*testing.T) security.RefreshStore {
		return security.NewMemoryRefreshStore(0)
	})
}

func TestMemoryNonceStore(t *testing.T) {
	securitytest.TestNonceStore(t, func(*testing.T) security.NonceStore { return security.NewMemoryNonceStore(0) })
}

func TestMemoryAttemptStore(t *testing.T) {
	securitytest.TestAttemptStore(t, func(*testing.T) security.AttemptStore { return security.NewMemoryAttemptStore(0) })
}

// TestMemoryStoresBounded: a full store refuses new entries (fails closed)
// until entries expire; it never forgets a live revocation.
func TestMemoryStoresBounded(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	clock := func() time.Time { return now }
	rs := security.NewMemoryRevocationStore(3)
	rs.Now = clock
	for i := range 3 {
		if err := rs.Revoke(ctx, fmt.Sprint(i), now.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := rs.Revoke(ctx, "x", now.Add(time.Hour)); !errors.Is(err, security.ErrStoreFull) {
		t.Fatalf("full store: %v", err)
	}
	if err := rs.Revoke(ctx, "1", now.Add(time.Hour)); err != nil { // extending is fine
		t.Fatal(err)
	}
	for i := range 3 {
		if ok, _ := rs.IsRevoked(ctx, fmt.Sprint(i)); !ok {
			t.Errorf("%d forgotten", i)
		}
	}
	now = now.Add(90 * time.Second) // "0" expired
	if err := rs.Revoke(ctx, "x", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if rs.Len() != 3 {
		t.Errorf("Len %d", rs.Len())
	}

	fs := security.NewMemoryRefreshStore(1)
	fs.Now = clock
	if err := fs.Begin(ctx, "f", "a", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := fs.Begin(ctx, "g", "a", now.Add(time.Minute)); !errors.Is(err, security.ErrStoreFull) {
		t.Fatalf("full store: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if err := fs.Begin(ctx, "g", "a", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
}

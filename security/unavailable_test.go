package security

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestIncidents: one error and one recovery per incident, however many
// failures, and a store that flaps is one incident until it has been quiet.
func TestIncidents(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), nil))
	count := func(s string) int {
		mu.Lock()
		defer mu.Unlock()
		return strings.Count(buf.String(), s)
	}
	in := &incidents{quiet: 50 * time.Millisecond}
	ctx := context.Background()
	down := errors.New("connection refused")
	in.ok(ctx, logger, "the store")
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() { in.fail(ctx, logger, "the store", down) })
	}
	wg.Wait()
	// Flapping: successes between failures within the quiet period.
	for range 5 {
		in.ok(ctx, logger, "the store")
		in.fail(ctx, logger, "the store", down)
	}
	if count("level=ERROR") != 1 || count("available again") != 0 {
		t.Fatalf("after 105 failures and 5 flaps:\n%s", buf.String())
	}
	time.Sleep(60 * time.Millisecond)
	for range 10 {
		in.ok(ctx, logger, "the store")
	}
	if count("available again") != 1 || count("failed_checks=105") != 1 {
		t.Fatalf("after the recovery:\n%s", buf.String())
	}
	// A new incident is logged again.
	in.fail(ctx, logger, "the store", down)
	if count("level=ERROR") != 2 {
		t.Fatalf("a second incident:\n%s", buf.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

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
	// A clock of the test's own: the outcome depends on the time between the
	// calls, which a loaded machine would otherwise stretch.
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	in := &incidents{now: func() time.Time { return now }}
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
	now = now.Add(incidentQuiet - time.Millisecond)
	in.ok(ctx, logger, "the store")
	if count("available again") != 0 {
		t.Fatalf("a success %v after the last failure ended the incident:\n%s", incidentQuiet-time.Millisecond, buf.String())
	}
	now = now.Add(time.Millisecond)
	for range 10 {
		in.ok(ctx, logger, "the store")
	}
	if count("available again") != 1 || count("failed_checks=105") != 1 || count("down_for="+incidentQuiet.String()) != 1 {
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

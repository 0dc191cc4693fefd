package security

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// incidents logs the failures of a store a check depends on once per
// incident, not once per request: the first failure after a success is
// logged as an error, the following ones are only counted, and the first
// success after them logs the recovery with the count and the duration. A
// store that is down for a minute under load writes two lines, not thousands.
// The zero value is ready; it is safe for concurrent use and costs one atomic
// load on the success path.
type incidents struct {
	failing atomic.Bool

	mu       sync.Mutex
	since    time.Time
	failures int
	last     error
}

// fail records a failure of the store named what, logging it if it starts an
// incident.
func (in *incidents) fail(ctx context.Context, logger *slog.Logger, what string, err error) {
	in.mu.Lock()
	in.failures++
	in.last = err
	start := !in.failing.Load()
	if start {
		in.failing.Store(true)
		in.since = time.Now()
		in.failures = 1
	}
	in.mu.Unlock()
	if start {
		logger.ErrorContext(ctx, "keel/security: "+what+" is unavailable; the checks that need it answer 503 until it is back (logged once per incident)",
			"error", err)
	}
}

// ok records a success, logging the end of an incident.
func (in *incidents) ok(ctx context.Context, logger *slog.Logger, what string) {
	if !in.failing.Load() {
		return
	}
	in.mu.Lock()
	if !in.failing.Load() {
		in.mu.Unlock()
		return
	}
	in.failing.Store(false)
	failures, since, last := in.failures, in.since, in.last
	in.mu.Unlock()
	logger.InfoContext(ctx, "keel/security: "+what+" is available again",
		"failed_checks", failures, "down_for", time.Since(since).Round(time.Millisecond).String(), "last_error", last)
}

func loggerOr(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}

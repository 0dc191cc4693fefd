package security

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// incidentQuiet is how long a store must have answered without a failure
// before an incident is over (incidents.quiet, when zero).
const incidentQuiet = time.Second

// incidents logs the failures of a store a check depends on once per
// incident, not once per request: the first failure after a healthy period is
// logged as an error, the following ones are only counted, and the first
// success that comes quiet (a second) after the last failure logs the end of
// the incident, with the count and the duration. A store that flaps (a
// failure, a success, a failure...) is one incident until it has been quiet
// that long, so a store that is down or flapping for a minute under load
// writes two lines, not thousands. The zero value is ready; it is safe for
// concurrent use and costs one atomic load on the success path while there is
// no incident.
type incidents struct {
	failing atomic.Bool
	quiet   time.Duration    // 0: incidentQuiet
	now     func() time.Time // nil: time.Now (tests set a clock of their own)

	mu       sync.Mutex
	since    time.Time // the first failure of the incident
	lastFail time.Time
	failures int
	last     error
}

// fail records a failure of the store named what, logging it if it starts an
// incident.
func (in *incidents) fail(ctx context.Context, logger *slog.Logger, what string, err error) {
	now := in.clock()
	in.mu.Lock()
	start := !in.failing.Load()
	if start {
		in.failing.Store(true)
		in.since, in.failures = now, 0
	}
	in.failures++
	in.lastFail, in.last = now, err
	in.mu.Unlock()
	if start {
		logger.ErrorContext(ctx, "keel/security: "+what+" is unavailable; the checks that need it answer 503 until it is back (logged once per incident)",
			"error", err)
	}
}

// ok records a success, logging the end of an incident once the store has
// been quiet long enough.
func (in *incidents) ok(ctx context.Context, logger *slog.Logger, what string) {
	if !in.failing.Load() {
		return
	}
	quiet := in.quiet
	if quiet == 0 {
		quiet = incidentQuiet
	}
	now := in.clock()
	in.mu.Lock()
	if !in.failing.Load() || now.Sub(in.lastFail) < quiet {
		in.mu.Unlock()
		return
	}
	in.failing.Store(false)
	failures, since, last := in.failures, in.since, in.last
	in.mu.Unlock()
	logger.InfoContext(ctx, "keel/security: "+what+" is available again",
		"failed_checks", failures, "down_for", now.Sub(since).Round(time.Millisecond).String(), "last_error", last)
}

func (in *incidents) clock() time.Time {
	if in.now != nil {
		return in.now()
	}
	return time.Now()
}

func loggerOr(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}

package router

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"time"
)

// This file runs the background tasks of requests (di.Background) and lets
// a graceful shutdown wait for them (App.Shutdown).

// taskSet counts the requests running background tasks, so that Shutdown can
// wait for them, and holds the context whose cancellation tells their tasks
// to stop when Shutdown's deadline passes.
type taskSet struct {
	mu      sync.Mutex
	running int
	waiters []chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
}

func newTaskSet() *taskSet {
	t := &taskSet{}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	return t
}

func (t *taskSet) begin() {
	t.mu.Lock()
	t.running++
	t.mu.Unlock()
}

func (t *taskSet) end() {
	t.mu.Lock()
	t.running--
	if t.running == 0 {
		for _, w := range t.waiters {
			close(w)
		}
		t.waiters = nil
	}
	t.mu.Unlock()
}

// runTasks runs a request's background tasks in order, after its response
// has been sent and before its request-scope cleanups (docs/fastapi-compat.md
// §3.10). A task's error or panic is logged and the next task runs.
func (a *App) runTasks(r *http.Request, tasks []func(context.Context) error) {
	ts := a.tasks
	ts.begin()
	defer ts.end()
	// The request's values (a trace span, a logger), not its cancellation: the
	// client has its answer and may leave. Shutdown's deadline cancels it.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	stop := context.AfterFunc(ts.ctx, cancel)
	defer stop()
	for i, task := range tasks {
		a.runTask(ctx, r, i, len(tasks), task)
	}
}

func (a *App) runTask(ctx context.Context, r *http.Request, i, n int, task func(context.Context) error) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			a.cfg.logger.ErrorContext(ctx, "keel: background task panicked", "method", r.Method, "path", r.URL.Path,
				"task", i+1, "of", n, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	if err := task(ctx); err != nil {
		a.cfg.logger.ErrorContext(ctx, "keel: background task failed", "method", r.Method, "path", r.URL.Path,
			"task", i+1, "of", n, "error", err.Error(), "duration", time.Since(start))
	}
}

// Shutdown waits until no request is running background tasks (di.Background)
// or ctx is done. Call it after http.Server.Shutdown, with the same deadline:
// the server stops taking requests and waits for those in flight, whose tasks
// run before they finish; Shutdown then waits for any still running, so that
// the process exits only after the work its clients were promised.
//
// When ctx is done first, Shutdown cancels the context of every running task,
// so that tasks that watch it stop, and returns an error saying how many
// requests still had tasks running; tasks started after that get a canceled
// context too. The App keeps serving: Shutdown does not refuse requests
// (http.Server.Shutdown does that).
func (a *App) Shutdown(ctx context.Context) error {
	ts := a.tasks
	ts.mu.Lock()
	if ts.running == 0 {
		ts.mu.Unlock()
		return nil
	}
	w := make(chan struct{})
	ts.waiters = append(ts.waiters, w)
	ts.mu.Unlock()
	select {
	case <-w:
		return nil
	case <-ctx.Done():
		ts.mu.Lock()
		n := ts.running
		ts.mu.Unlock()
		ts.cancel()
		if n == 0 {
			return nil
		}
		return fmt.Errorf("keel: %d request(s) still running background tasks, told to stop: %w", n, ctx.Err())
	}
}

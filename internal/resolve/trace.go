package resolve

// This file is what the resolver tells a Tracer, and the request's background
// tasks: the two per-request features a route pays for only when it uses them
// (a nil Tracer is one check per call; tasks cost nothing until added).

import (
	"context"
	"time"
)

// Tracer is told around each provider's call, each per-request cache hit and
// each cleanup. di.Tracer is the public form; the router adapts it.
type Tracer interface {
	// Start is called before the call; the context it returns is the one the
	// provider receives (a context.Context parameter) and the one End gets.
	Start(ctx context.Context, ev Event) context.Context
	// End is called after the call, with ev's Duration and Err set.
	End(ctx context.Context, ev Event)
}

// Phase says what an Event is about.
type Phase uint8

const (
	// PhaseResolve is a provider's (or the handler's) call, or a cache hit.
	PhaseResolve Phase = iota
	// PhaseCleanup is a provider's cleanup.
	PhaseCleanup
)

// Event is one call the resolver reports to a Tracer.
type Event struct {
	Provider *Provider
	Phase    Phase
	// Handler is true for the route's handler (the root of the graph).
	Handler bool
	// Cached is true when the value came from the per-request cache: the
	// provider was not called (Start and End follow each other at once).
	Cached bool
	// Duration is the call's, set for End.
	Duration time.Duration
	// Err is the call's error, set for End: the provider's, or for a cleanup
	// the error it returned when it differs from the one it received (it
	// failed, replaced the error or swallowed it).
	Err error
}

// callTraced calls o, telling the plan's Tracer when there is one.
func (st *State) callTraced(o *occ) error {
	if st.plan.tracer == nil {
		return st.call(o)
	}
	return st.traced(o)
}

func (st *State) traced(o *occ) error {
	t := st.plan.tracer
	ev := Event{Provider: o.p, Handler: o.root}
	saved := st.ctx
	ctx := t.Start(saved, ev)
	st.ctx = ctx // the provider's context.Context parameter reads it
	start := time.Now()
	err := st.call(o)
	ev.Duration = time.Since(start)
	st.ctx = saved
	ev.Err = err
	t.End(ctx, ev)
	return err
}

func (st *State) traceCached(o *occ) {
	t := st.plan.tracer
	ev := Event{Provider: o.p, Cached: true}
	t.End(t.Start(st.ctx, ev), ev)
}

func (st *State) traceCleanup(t Tracer, p *Provider, c Cleanup, in error) error {
	ev := Event{Provider: p, Phase: PhaseCleanup}
	ctx := t.Start(st.ctx, ev)
	start := time.Now()
	out := runCleanup(c, in)
	ev.Duration = time.Since(start)
	if out != in {
		ev.Err = out
		if out == nil {
			ev.Err = &SwallowedError{Err: in}
		}
	}
	t.End(ctx, ev)
	return out
}

// Background is the request's background tasks (*di.Background is defined
// over it): functions run after the response has been sent, in the order
// added (docs/fastapi-compat.md §3.10).
type Background struct {
	tasks []func(context.Context) error
}

// Add appends a task.
func (b *Background) Add(task func(ctx context.Context) error) {
	if task != nil {
		b.tasks = append(b.tasks, task)
	}
}

// Tasks returns the tasks added so far, in order. The slice is the
// background's own: it is valid until the state is released.
func (b *Background) Tasks() []func(context.Context) error { return b.tasks }

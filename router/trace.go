package router

import (
	"context"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/resolve"
)

// tracerAdapter tells a di.Tracer what the resolver reports.
type tracerAdapter struct{ t di.Tracer }

func event(ev resolve.Event) di.ProviderEvent {
	return di.ProviderEvent{Name: ev.Provider.Name(), Phase: di.Phase(ev.Phase), Handler: ev.Handler,
		Cached: ev.Cached, Duration: ev.Duration, Err: ev.Err}
}

func (a tracerAdapter) Start(ctx context.Context, ev resolve.Event) context.Context {
	return a.t.StartProvider(ctx, event(ev))
}

func (a tracerAdapter) End(ctx context.Context, ev resolve.Event) { a.t.EndProvider(ctx, event(ev)) }

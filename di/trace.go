package di

import (
	"context"
	"time"
)

// Tracer is told around each step of a request's dependency graph: every
// provider's call (parameter binders and the handler included), every value
// served from the per-request cache instead, and every cleanup. Give it to an
// App with router.WithTracer; package keelotel
// (github.com/keelgo/keel/keelotel) makes each step an OpenTelemetry span.
//
// StartProvider is called before the step, with the request's context (or,
// under middleware that starts a span, the context carrying it); the context
// it returns is what a provider taking a context.Context receives, so that
// work the provider starts (a database query with its own tracing) nests
// under the step. EndProvider gets that context and the event completed with
// its Duration and Err. Both are called on the request's goroutine, in the
// order of resolution; a Tracer used by several requests at once must be safe
// for concurrent use. An App without a Tracer pays one nil check per step.
type Tracer interface {
	StartProvider(ctx context.Context, ev ProviderEvent) context.Context
	EndProvider(ctx context.Context, ev ProviderEvent)
}

// Phase says which step of a provider a ProviderEvent is about.
type Phase uint8

const (
	// PhaseResolve is a provider's call, or its value served from the
	// per-request cache.
	PhaseResolve Phase = iota
	// PhaseCleanup is a provider's cleanup.
	PhaseCleanup
)

// String returns "resolve" or "cleanup".
func (p Phase) String() string {
	if p == PhaseCleanup {
		return "cleanup"
	}
	return "resolve"
}

// ProviderEvent describes one step for a Tracer.
type ProviderEvent struct {
	// Name is the provider's name as App.Graph shows it: the function's
	// ("main.currentUser"), a security scheme's name ("OAuth2PasswordBearer"),
	// "params(main.ItemParams)" for a parameter binder.
	Name  string
	Phase Phase
	// Handler is true for the route's handler.
	Handler bool
	// Cached is true when the value was served from the per-request cache
	// (docs/fastapi-compat.md §3.4): the provider was not called, and
	// EndProvider follows StartProvider at once.
	Cached bool
	// Duration is how long the step took; set for EndProvider.
	Duration time.Duration
	// Err is the step's error, set for EndProvider: what the provider
	// returned (an HTTP error, a validation error, a panic as an error), or for
	// a cleanup the error it returned when it differs from the one it was
	// given (it failed, replaced the error or swallowed it).
	Err error
}

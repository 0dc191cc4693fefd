// Package keelotel makes each step of a Keel request's dependency graph an
// OpenTelemetry span: every provider's call (parameter binders and the
// handler included), every value served from the per-request cache, every
// cleanup, each a child of the request's span (the one otelhttp starts), so
// that a slow database provider or a slow JWKS fetch shows up by name.
//
//	app := router.New(info, router.WithTracer(keelotel.New(otel.GetTracerProvider())))
//	http.ListenAndServe(addr, otelhttp.NewHandler(app, "http.server"))
//
// It is a module of its own so that Keel's core imports no tracing library;
// the core's hook is di.Tracer.
package keelotel

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
)

// ScopeName is the instrumentation scope of the spans.
const ScopeName = "github.com/keelgo/keel/keelotel"

// The attributes of a step's span.
const (
	// AttrProvider is the provider's name ("main.currentUser",
	// "params(main.ItemParams)", a security scheme's name).
	AttrProvider = attribute.Key("keel.provider")
	// AttrPhase is "resolve" or "cleanup".
	AttrPhase = attribute.Key("keel.phase")
	// AttrCached is true when the value came from the per-request cache.
	AttrCached = attribute.Key("keel.cached")
	// AttrHandler is true for the route's handler.
	AttrHandler = attribute.Key("keel.handler")
	// AttrStatus is the status of the HTTP error a step returned.
	AttrStatus = attribute.Key("keel.http_error.status")
)

// Tracer is a di.Tracer that makes spans. Make one with New and give it to
// router.WithTracer.
type Tracer struct {
	tracer trace.Tracer
}

// New returns a Tracer whose spans come from tp (otel.GetTracerProvider() for
// the global one).
func New(tp trace.TracerProvider) *Tracer {
	return &Tracer{tracer: tp.Tracer(ScopeName)}
}

// StartProvider starts the step's span, a child of the span in ctx, and
// returns the context that carries it: the provider receives it, so that the
// spans of work it starts are the step's children.
func (t *Tracer) StartProvider(ctx context.Context, ev di.ProviderEvent) context.Context {
	ctx, _ = t.tracer.Start(ctx, "keel."+ev.Phase.String()+" "+ev.Name,
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(
			AttrProvider.String(ev.Name),
			AttrPhase.String(ev.Phase.String()),
			AttrCached.Bool(ev.Cached),
			AttrHandler.Bool(ev.Handler),
		))
	return ctx
}

// EndProvider ends the step's span. An error is recorded on it; the span's
// status is Error unless the error is an HTTP error below 500 (a 401 or a
// 422 is the step working, not failing), whose status is an attribute.
func (t *Tracer) EndProvider(ctx context.Context, ev di.ProviderEvent) {
	span := trace.SpanFromContext(ctx)
	if ev.Err != nil {
		span.RecordError(ev.Err)
		var he *keel.HTTPError
		var ve *keel.ValidationError
		switch {
		case errors.As(ev.Err, &he):
			span.SetAttributes(AttrStatus.Int(he.Status))
			if he.Status >= 500 {
				span.SetStatus(codes.Error, ev.Err.Error())
			}
		case errors.As(ev.Err, &ve):
		default:
			span.SetStatus(codes.Error, ev.Err.Error())
		}
	}
	span.End()
}

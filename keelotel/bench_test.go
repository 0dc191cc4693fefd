package keelotel_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/keelotel"
	"github.com/keelgo/keel/router"
)

type benchP struct {
	ID int `path:"id"`
}

// BenchmarkSpans is what tracing costs a request of four steps (the token,
// the user, the parameters, the handler) behind otelhttp, with every span
// sampled and recorded by the SDK (no exporter: what export costs depends
// on the exporter, and a batch processor does it off the request):
// tracer=none is otelhttp alone (the request's span), tracer=keelotel adds a
// span per step. docs/observability.md has the figures.
func BenchmarkSpans(b *testing.B) {
	for _, tc := range []struct {
		name   string
		tracer bool
	}{{"none", false}, {"keelotel", true}} {
		b.Run("tracer="+tc.name, func(b *testing.B) {
			tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
			defer tp.Shutdown(context.Background())
			var opts []router.Option
			if tc.tracer {
				opts = append(opts, router.WithTracer(keelotel.New(tp)))
			}
			app := router.New(router.Info{Title: "bench"}, opts...)
			user := di.Provide(currentUser, di.Provide(readToken))
			app.Get("/items/{id}", func(p benchP, u *User) (string, error) { return u.Name, nil }, user)
			h := otelhttp.NewHandler(app, "http.server", otelhttp.WithTracerProvider(tp))
			r := httptest.NewRequest("GET", "/items/7", nil)
			r.Header.Set("Authorization", "Bearer johndoe")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
			b.ReportAllocs()
			for b.Loop() {
				w.Body.Reset()
				h.ServeHTTP(w, r)
			}
		})
	}
}

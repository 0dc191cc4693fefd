package router_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/go-playground/validator/v10"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
)

// The Core issue's benchmark: GET /items/{id}?limit=10&q=abc with a bearer token,
// a current-user provider (map lookup) and three validated parameters; Keel beside
// the same endpoint hand-written on net/http with validator.Struct. Run with
//
//	go test -run='^$' -bench=Items -benchmem -count=10 ./router/ | tee /tmp/items.txt
//	benchstat -col /impl /tmp/items.txt

// benchWriter is a reusable http.ResponseWriter: a fresh httptest.Recorder costs
// more than the handlers under test.
type benchWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) WriteHeader(s int)           { w.status = s }
func (w *benchWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }
func (w *benchWriter) reset()                      { clear(w.h); w.status = 0; w.n = 0 }

type BenchUser struct {
	Name string `json:"name"`
}

var benchUsers = map[string]*BenchUser{"tok123": {Name: "johndoe"}}

type BenchToken string

type BenchItemParams struct {
	ID    int    `path:"id"`
	Limit int    `query:"limit" default:"10" validate:"gte=1,lte=100"`
	Q     string `query:"q" validate:"max=50"`
}

type BenchItem struct {
	ID    int    `json:"id"`
	Limit int    `json:"limit"`
	Q     string `json:"q"`
	User  string `json:"user"`
}

func benchToken(r *http.Request) (BenchToken, error) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", keel.NewHTTPError(401, "Not authenticated").WithHeader("WWW-Authenticate", "Bearer")
	}
	return BenchToken(h[7:]), nil
}

func benchCurrentUser(t BenchToken) (*BenchUser, error) {
	u, ok := benchUsers[string(t)]
	if !ok {
		return nil, keel.NewHTTPError(401, "Could not validate credentials").WithHeader("WWW-Authenticate", "Bearer")
	}
	return u, nil
}

func benchReadItem(p BenchItemParams, u *BenchUser) (BenchItem, error) {
	return BenchItem{ID: p.ID, Limit: p.Limit, Q: p.Q, User: u.Name}, nil
}

// benchKeelTyped is benchKeel with the typed constructors (no reflect calls).
func benchKeelTyped() http.Handler {
	app := router.New(router.Info{Title: "bench"})
	token := di.Func1(benchToken)
	user := di.Func1(benchCurrentUser, token)
	app.Get("/items/{id}", di.Func2(benchReadItem), user)
	return app
}

func benchKeel() http.Handler {
	app := router.New(router.Info{Title: "bench"})
	token := di.Provide(func(r *http.Request) (BenchToken, error) {
		h := r.Header.Get("Authorization")
		if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
			return "", keel.NewHTTPError(401, "Not authenticated").WithHeader("WWW-Authenticate", "Bearer")
		}
		return BenchToken(h[7:]), nil
	})
	user := di.Provide(func(t BenchToken) (*BenchUser, error) {
		u, ok := benchUsers[string(t)]
		if !ok {
			return nil, keel.NewHTTPError(401, "Could not validate credentials").WithHeader("WWW-Authenticate", "Bearer")
		}
		return u, nil
	}, token)
	app.Get("/items/{id}", func(p BenchItemParams, u *BenchUser) (BenchItem, error) {
		return BenchItem{ID: p.ID, Limit: p.Limit, Q: p.Q, User: u.Name}, nil
	}, user)
	return app
}

type handParams struct {
	ID    int    `validate:"required"`
	Limit int    `validate:"gte=1,lte=100"`
	Q     string `validate:"max=50"`
}

func benchHand() http.Handler {
	v := validator.New()
	mux := http.NewServeMux()
	writeErr := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeErr(w, 401, `{"detail":"Not authenticated"}`)
			return
		}
		u, ok := benchUsers[h[7:]]
		if !ok {
			writeErr(w, 401, `{"detail":"Could not validate credentials"}`)
			return
		}
		var p handParams
		var err error
		if p.ID, err = strconv.Atoi(r.PathValue("id")); err != nil {
			writeErr(w, 422, `{"detail":"id"}`)
			return
		}
		q := r.URL.Query()
		p.Limit = 10
		if s := q.Get("limit"); s != "" {
			if p.Limit, err = strconv.Atoi(s); err != nil {
				writeErr(w, 422, `{"detail":"limit"}`)
				return
			}
		}
		p.Q = q.Get("q")
		if err := v.Struct(&p); err != nil {
			writeErr(w, 422, `{"detail":"invalid"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(BenchItem{ID: p.ID, Limit: p.Limit, Q: p.Q, User: u.Name})
	})
	return mux
}

func BenchmarkItems(b *testing.B) {
	for _, impl := range []struct {
		name string
		h    http.Handler
	}{{"hand", benchHand()}, {"keel", benchKeel()}, {"keel-typed", benchKeelTyped()}} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/items/42?limit=10&q=abc", nil)
			r.Header.Set("Authorization", "Bearer tok123")
			w := &benchWriter{h: http.Header{}}
			impl.h.ServeHTTP(w, r)
			if w.status != 0 && w.status != 200 {
				b.Fatalf("status %d", w.status)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				w.reset()
				impl.h.ServeHTTP(w, r)
			}
		})
	}
}

// The two implementations answer the benchmark request identically.
func TestItemsBenchmarkEquivalence(t *testing.T) {
	for _, h := range []http.Handler{benchHand(), benchKeel(), benchKeelTyped()} {
		r := httptest.NewRequest("GET", "/items/42?limit=10&q=abc", nil)
		r.Header.Set("Authorization", "Bearer tok123")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"id":42,"limit":10,"q":"abc","user":"johndoe"}` {
			t.Fatalf("got %d %s", w.Code, w.Body.String())
		}
	}
}

type dispP struct {
	ID int `path:"id"`
}

// BenchmarkDispatch times routing alone (the route's middleware answers
// without running the handler): a static route (the exact-path map) and a
// route with a wildcard (the trie, then the route's ServeMux for the path
// value).
func BenchmarkDispatch(b *testing.B) {
	noop := router.Middleware(func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _ = r.PathValue("id") })
	})
	app := router.New(router.Info{Title: "x"})
	app.Get("/ping", func() (string, error) { return "", nil }, noop)
	app.Get("/users/me/items", func() (string, error) { return "", nil }, noop)
	app.Post("/things", func() (string, error) { return "", nil }, noop)
	app.Get("/items/{id}", func(dispP) (string, error) { return "", nil }, noop)
	for _, path := range []string{"/ping", "/items/42"} {
		b.Run(path, func(b *testing.B) {
			r := httptest.NewRequest("GET", path+"?limit=10&q=abc", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				app.ServeHTTP(w, r)
			}
		})
	}
}

// nopTracer is the cheapest Tracer: it measures what the resolver's calls to
// a Tracer cost; valueTracer adds a context per step, as a span-making
// Tracer does.
type nopTracer struct{}

func (nopTracer) StartProvider(ctx context.Context, _ di.ProviderEvent) context.Context { return ctx }
func (nopTracer) EndProvider(context.Context, di.ProviderEvent)                         {}

type valueTracer struct{}

type benchSpanKey struct{}

func (valueTracer) StartProvider(ctx context.Context, ev di.ProviderEvent) context.Context {
	return context.WithValue(ctx, benchSpanKey{}, ev.Name)
}
func (valueTracer) EndProvider(context.Context, di.ProviderEvent) {}

// BenchmarkTracer is the Items endpoint (typed) without a Tracer, with one
// that does nothing, and with one that makes a context per step
// (docs/observability.md has the figures).
func BenchmarkTracer(b *testing.B) {
	build := func(opts ...router.Option) http.Handler {
		app := router.New(router.Info{Title: "bench"}, opts...)
		token := di.Func1(benchToken)
		user := di.Func1(benchCurrentUser, token)
		app.Get("/items/{id}", di.Func2(benchReadItem), user)
		return app
	}
	for _, impl := range []struct {
		name string
		h    http.Handler
	}{{"none", build()}, {"nop", build(router.WithTracer(nopTracer{}))}, {"context", build(router.WithTracer(valueTracer{}))}} {
		b.Run("tracer="+impl.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/items/42?limit=10&q=abc", nil)
			r.Header.Set("Authorization", "Bearer tok123")
			w := &benchWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				impl.h.ServeHTTP(w, r)
			}
			if w.status != 0 && w.status != 200 {
				b.Fatalf("status %d", w.status)
			}
		})
	}
}

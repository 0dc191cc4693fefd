package conformance

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
)

// Ports of FastAPI's dependency-order, yield-scope and special-injection tests
// (tests/test_dependency_contextmanager.py, tests/test_dependency_yield_scope.py,
// tests/test_response_change_status_code.py, tests/test_response_by_alias) and of
// the probes recorded in docs/fastapi-compat.md §3.3, §3.4, §3.8 and §4.2.

type prTokHeader struct {
	XToken string `header:""`
}

func TestRepeatedDependencyErrors(t *testing.T) { // docs/fastapi-compat.md §3.4 probe: a validation error is reported once per occurrence
	// Tok gives the header's str; Wrap (a dependency inside another) depends
	// on it. The endpoint's two str parameters are bound by position.
	Tok := di.Provide(func(h prTokHeader) string { return h.XToken })
	Wrap := di.Provide(func(t string) string { return t }, Tok)
	app := fastAPIApp(router.WithDependencies(Tok))
	app.Get("/items/", func(t, w string) (any, error) { return map[string]string{"t": t, "w": w}, nil },
		router.Dependencies(Tok), di.Args(Tok, Wrap))
	m := faMissing(`["header","x-token"]`)
	faRun(t, app, []faCase{
		{name: "four_occurrences", do: faGet("/items/"), status: 422, body: faDetail(m, m, m, m)},
		{name: "ok", do: faGet("/items/", "X-Token", "a"), status: 200, body: `{"t":"a","w":"a"}`},
	})
}

type prXKey struct {
	XKey string `header:""`
}

func TestLaterHTTPExceptionBeatsEarlierValidation(t *testing.T) { // docs/fastapi-compat.md §3.3 probe
	NeedsKey := di.Provide(func(h prXKey) error { return nil })
	Fails := di.Provide(func() error { return keel.NewHTTPError(401, "nope") })
	app := fastAPIApp()
	app.Get("/items/", func(p struct {
		Q int `query:"q"`
	}) (any, error) {
		return nil, nil
	}, router.Dependencies(NeedsKey, Fails))
	faRun(t, app, []faCase{
		{name: "401_wins", do: faGet("/items/"), status: 401, body: `{"detail":"nope"}`},
	})
}

type prDepResp struct{}

func TestResponseInjectionInDependency(t *testing.T) { // docs/fastapi-compat.md §3.8 probe; tests/test_response_change_status_code.py
	Dep := di.Provide(func(r *di.Response) prDepResp {
		r.SetStatus(202)
		r.Header().Set("X-From-Dep", "1")
		r.SetCookie(&http.Cookie{Name: "c", Value: "v", Path: "/", SameSite: http.SameSiteLaxMode})
		return prDepResp{}
	})
	app := fastAPIApp()
	app.Get("/", func(prDepResp) (any, error) { return map[string]string{"msg": "Hello World"}, nil }, Dep)
	r := secGet(app, "/")
	errs := r.check(202, `{"msg":"Hello World"}`, "")
	if r.header.Get("X-From-Dep") != "1" {
		errs = append(errs, "no X-From-Dep")
	}
	if got := r.header.Get("Set-Cookie"); !strings.EqualFold(got, "c=v; Path=/; SameSite=lax") {
		errs = append(errs, "Set-Cookie = "+got+", want c=v; Path=/; SameSite=lax")
	}
	secReport(t, errs)
}

// prState is tests/test_dependency_contextmanager.py's state dict.
type prState struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *prState) set(k, v string) { s.mu.Lock(); s.m[k] = v; s.mu.Unlock() }
func (s *prState) get(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k]
}

type (
	prCtxA string
	prCtxB string
)

// errPrOther is the test's OtherDependencyError.
var errPrOther = errors.New("other dependency error")

func TestDependencyContextmanager(t *testing.T) { // tests/test_dependency_contextmanager.py (the sync/async context_a/context_b and error parts)
	st := &prState{m: map[string]string{}}
	var order []string
	var mu sync.Mutex
	rec := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	CtxA := di.Provide(func() (prCtxA, di.Cleanup, error) {
		st.set("context_a", "started a")
		return "started a", func(err error) error {
			st.set("context_a", "finished a")
			rec("a")
			return err
		}, nil
	})
	CtxB := di.Provide(func(a prCtxA) (prCtxB, di.Cleanup, error) {
		st.set("context_b", "started b")
		return prCtxB("started b"), func(err error) error {
			st.set("context_b", "finished b with a: "+st.get("context_a"))
			rec("b")
			return err
		}, nil
	}, CtxA)
	type prRaise string
	Raise := di.Provide(func() (prRaise, di.Cleanup, error) {
		st.set("raise", "started")
		return "started", func(err error) error {
			if errors.Is(err, errPrOther) {
				st.set("raise", "finished with "+err.Error())
				return keel.NewHTTPError(500, "Error in dependency")
			}
			return err
		}, nil
	})
	app := fastAPIApp(router.WithLogger(discardLogger()))
	app.Get("/context_b", func(b prCtxB) (any, error) {
		return map[string]any{"context_b": string(b), "context_a": st.get("context_a")}, nil
	}, CtxB)
	app.Get("/context_b_raise", func(b prCtxB) (any, error) { return nil, errPrOther }, CtxB)
	app.Get("/raise", func(r prRaise) (any, error) { return nil, errPrOther }, Raise)
	t.Run("test_context_b", func(t *testing.T) {
		order = nil
		secReport(t, secGet(app, "/context_b").check(200, `{"context_b":"started b","context_a":"started a"}`, ""))
		if st.get("context_b") != "finished b with a: started a" || st.get("context_a") != "finished a" {
			t.Errorf("state %v", st.m)
		}
		if strings.Join(order, ",") != "b,a" {
			t.Errorf("cleanup order %v, want b,a (LIFO)", order)
		}
	})
	t.Run("test_context_b_raise", func(t *testing.T) {
		r := secGet(app, "/context_b_raise")
		if r.code != 500 || r.raw != "Internal Server Error" {
			t.Errorf("got %d %q, want 500 Internal Server Error", r.code, r.raw)
		}
		if st.get("context_b") != "finished b with a: started a" || st.get("context_a") != "finished a" {
			t.Errorf("state %v", st.m)
		}
	})
	t.Run("test_raise", func(t *testing.T) {
		secReport(t, secGet(app, "/raise").check(500, `{"detail":"Error in dependency"}`, ""))
		if st.get("raise") != "finished with other dependency error" {
			t.Errorf("state %v", st.m)
		}
	})
}

type prSession struct{ open *bool }

func TestDependencyYieldScope(t *testing.T) { // tests/test_dependency_yield_scope.py (function scope: exit before the response is sent)
	NewSession := di.Provide(func() (prSession, di.Cleanup, error) {
		open := true
		return prSession{&open}, func(err error) error { open = false; return err }, nil
	})
	type prRaiser struct{}
	RaiseAfter := di.Provide(func() (prRaiser, di.Cleanup, error) {
		return prRaiser{}, func(err error) error {
			if err == nil {
				return keel.NewHTTPError(503, "Exception after yield")
			}
			return err
		}, nil
	})
	app := fastAPIApp(router.WithLogger(discardLogger()))
	app.Get("/function-scope", func(s prSession) (any, error) { return map[string]bool{"is_open": *s.open}, nil },
		di.Depends(NewSession).InScope(di.ScopeFunction))
	app.Get("/request-scope", func(s prSession) (any, error) { return map[string]bool{"is_open": *s.open}, nil }, NewSession)
	app.Get("/raise-after-yield-function", func(prRaiser) (any, error) { return map[string]string{"message": "ok"}, nil },
		di.Depends(RaiseAfter).InScope(di.ScopeFunction))
	app.Get("/raise-after-yield-request", func(prRaiser) (any, error) { return map[string]string{"message": "ok"}, nil }, RaiseAfter)
	g := app.Group("/router", di.Depends(RaiseAfter).InScope(di.ScopeFunction))
	g.Get("/", func() (any, error) { return map[string]string{"message": "ok"}, nil })
	faRun(t, app, []faCase{
		{name: "function_scope_open_in_handler", do: faGet("/function-scope"), status: 200, body: `{"is_open":true}`},
		{name: "test_request_scope", do: faGet("/request-scope"), status: 200, body: `{"is_open":true}`},
		{name: "function_scope_exit_error", do: faGet("/raise-after-yield-function"), status: 503, body: `{"detail":"Exception after yield"}`},
		{name: "request_scope_exit_error", do: faGet("/raise-after-yield-request"), status: 200, body: `{"message":"ok"}`},
		{name: "test_router_level_dep_scope_function", do: faGet("/router/"), status: 503, body: `{"detail":"Exception after yield"}`},
	})
}

func TestYieldExitRunsOn422(t *testing.T) { // docs/fastapi-compat.md §3.3 probe: entered yield dependencies still exit on a 422
	exited := false
	type prOpened struct{}
	Open := di.Provide(func() (prOpened, di.Cleanup, error) {
		return prOpened{}, func(err error) error { exited = true; return err }, nil
	})
	app := fastAPIApp()
	app.Get("/items/", func(_ prOpened, p struct {
		Q int `query:"q"`
	}) (any, error) {
		return nil, nil
	}, Open)
	secReport(t, secGet(app, "/items/").check(422, faDetail(faMissing(`["query","q"]`)), ""))
	if !exited {
		t.Error("the yield dependency did not exit")
	}
}

func TestParamSourcesProbes(t *testing.T) { // docs/fastapi-compat.md §4.2 probes
	app := fastAPIApp()
	app.Get("/p", func(p struct {
		UserAgent *string  `header:""`
		XH        *string  `header:"x-h"`
		XL        []string `header:"x-l"`
		A         *int     `query:"a"`
		Q         *string  `query:"q"`
	}) (any, error) {
		return map[string]any{"ua": p.UserAgent, "h": p.XH, "l": p.XL, "a": p.A, "q": p.Q}, nil
	})
	app.Get("/n", func(p struct {
		N int `query:"n"`
	}) (any, error) {
		return p.N, nil
	})
	faRun(t, app, []faCase{
		{name: "query_last_value", do: faGet("/p?a=1&a=2"), status: 200, body: `{"ua":null,"h":null,"l":null,"a":2,"q":null}`},
		{name: "empty_query_present", do: faGet("/p?q="), status: 200, body: `{"ua":null,"h":null,"l":null,"a":null,"q":""}`},
		{name: "empty_int_query", do: faGet("/n?n="), status: 422, body: faDetail(faIntParsing(`["query","n"]`, `""`))},
		{name: "header_first_value", do: faGet("/p", "X-H", "one", "X-H", "two"), status: 200, body: `{"ua":null,"h":"one","l":null,"a":null,"q":null}`},
		{name: "header_list", do: faGet("/p", "x-l", "a", "X-L", "b"), status: 200, body: `{"ua":null,"h":null,"l":["a","b"],"a":null,"q":null}`},
		{name: "underscore_header_not_matched", do: faGet("/p", "user_agent", "x"), status: 200, body: `{"ua":null,"h":null,"l":null,"a":null,"q":null}`},
		{name: "empty_header_present", do: faGet("/p", "X-H", ""), status: 200, body: `{"ua":null,"h":"","l":null,"a":null,"q":null}`},
		{name: "int_lax", do: faGet("/n?n=%201_000%20"), status: 200, body: `1000`},
		{name: "int_plus", do: faGet("/n?n=%2B3"), status: 200, body: `3`},
		{name: "int_float_whole", do: faGet("/n?n=1.0"), status: 200, body: `1`},
		{name: "int_exp", do: faGet("/n?n=1e3"), status: 422, body: faDetail(faIntParsing(`["query","n"]`, `"1e3"`))},
	})
}

func TestBodyCoercionProbes(t *testing.T) { // docs/fastapi-compat.md §4.3 probes inside JSON bodies
	type item struct {
		N int     `json:"n"`
		S string  `json:"s"`
		B bool    `json:"b"`
		F float64 `json:"f"`
	}
	app := fastAPIApp()
	app.Post("/", func(i item) (item, error) { return i, nil })
	faRun(t, app, []faCase{
		{name: "true_for_int", do: faPostJSON("/", `{"n":true,"s":"x","b":1,"f":"2.5"}`), status: 200, body: `{"n":1,"s":"x","b":true,"f":2.5}`},
		{name: "int_from_float", do: faPostJSON("/", `{"n":1.5,"s":"x","b":true,"f":1}`), status: 422, body: faDetail(
			`{"type":"int_from_float","loc":["body","n"],"msg":"Input should be a valid integer, got a number with a fractional part","input":1.5}`)},
		{name: "string_type", do: faPostJSON("/", `{"n":1,"s":5,"b":true,"f":1}`), status: 422, body: faDetail(
			`{"type":"string_type","loc":["body","s"],"msg":"Input should be a valid string","input":5}`)},
		{name: "bool_parsing", do: faPostJSON("/", `{"n":1,"s":"x","b":2,"f":1}`), status: 422, body: faDetail(
			`{"type":"bool_parsing","loc":["body","b"],"msg":"Input should be a valid boolean, unable to interpret input","input":2}`)},
		{name: "int_type_null", do: faPostJSON("/", `{"n":null,"s":"x","b":true,"f":1}`), status: 422, body: faDetail(
			`{"type":"int_type","loc":["body","n"],"msg":"Input should be a valid integer","input":null}`)},
		{name: "null_body", do: faPostJSON("/", `null`), status: 422, body: faDetail(faMissing(`["body"]`))},
	})
}

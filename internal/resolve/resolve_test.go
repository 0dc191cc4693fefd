package resolve_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/resolve"
)

// builtins are the router's: di's types.
var builtins = resolve.Builtins{Scopes: reflect.TypeFor[di.SecurityScopes](), Response: reflect.TypeFor[*di.Response]()}

// cfg is a Config with di's built-ins and the given overrides.
func cfg(overrides map[*di.Provider]*di.Provider) resolve.Config {
	c := resolve.Config{Builtins: builtins}
	if overrides != nil {
		c.Overrides = map[*resolve.Provider]*resolve.Provider{}
		for k, v := range overrides {
			c.Overrides[(*resolve.Provider)(k)] = (*resolve.Provider)(v)
		}
	}
	return c
}

// decls converts di's declarations to the resolver's.
func decls(ds ...di.Dependency) []resolve.Dependency {
	var out []resolve.Dependency
	for _, d := range ds {
		out = append(out, resolve.Dependency(d))
	}
	return out
}

// withMeta is a provider of fn carrying meta, as the security schemes make them.
func withMeta(meta any, fn any) *di.Provider {
	return (*di.Provider)((*resolve.Provider)(di.Provide(fn)).WithMeta(meta))
}

// run compiles handler with the explicit deps and runs it once.
func run(t *testing.T, handler any, effects []di.Dependency, explicit []di.Dependency, c resolve.Config) (any, error) {
	t.Helper()
	plan, err := resolve.Compile((*resolve.Provider)(di.Provide(handler)), decls(effects...), decls(explicit...), c)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	st := plan.Acquire(httptest.NewRequest("GET", "/", nil))
	defer plan.Release(st)
	v, err := st.Run()
	err = st.CloseAll(err)
	if !v.IsValid() {
		return nil, err
	}
	return v.Interface(), err
}

type scheme struct{ name string }

func (s *scheme) SchemeName() string { return s.name }

type Token string

// docs/fastapi-compat.md §2.2 / tests/test_security_scopes_dont_propagate.py: siblings are isolated,
// parents come first.
func TestScopesDontPropagate(t *testing.T) {
	type S1 []string
	type S2 []string
	type D3 struct {
		A S1
		B S2
	}
	sec1 := withMeta(&scheme{"s1"}, func(s di.SecurityScopes) S1 { return s.Scopes })
	sec2 := withMeta(&scheme{"s2"}, func(s di.SecurityScopes) S2 { return s.Scopes })
	dep3 := di.Provide(func(a S1, b S2) D3 { return D3{a, b} }, di.Security(sec1, "scope1"), di.Security(sec2, "scope2"))
	got, err := run(t, func(d D3) (D3, error) { return d, nil }, nil, []di.Dependency{di.Security(dep3, "scope3")}, cfg(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := D3{S1{"scope3", "scope1"}, S2{"scope3", "scope2"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// docs/fastapi-compat.md §2.2 quirk: duplicates at depth ≥ 3.
func TestScopesDuplicateQuirk(t *testing.T) {
	type C []string
	type B []string
	type A []string
	c := di.Provide(func(s di.SecurityScopes) C { return s.Scopes })
	b := di.Provide(func(x C) B { return B(x) }, di.Security(c, "y"))
	a := di.Provide(func(x B) A { return A(x) }, di.Security(b, "x"))
	got, err := run(t, func(x A) (A, error) { return x, nil }, nil, []di.Dependency{di.Security(a, "x")}, cfg(nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := (A{"x", "x", "y"}); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// docs/fastapi-compat.md §2.4 tests/test_security_scopes_sub_dependency.py call counts.
func TestScopesSubDependencyCounts(t *testing.T) {
	type DB string
	type CurrentUser struct {
		Scopes []string
		DB     DB
	}
	type UserMe CurrentUser
	type UserItems CurrentUser
	calls := map[string]int{}
	getDB := di.Provide(func() DB { calls["db"]++; return "db_session_1" })
	getCurrent := di.Provide(func(s di.SecurityScopes, db DB) CurrentUser {
		calls["current"]++
		return CurrentUser{s.Scopes, db}
	}, getDB)
	getMe := di.Provide(func(u CurrentUser) UserMe { calls["me"]++; return UserMe(u) }, di.Security(getCurrent, "me"))
	getItems := di.Provide(func(u UserMe) UserItems { calls["items"]++; return UserItems(u) }, getMe)
	type Out struct {
		Me    UserMe
		Items UserItems
	}
	got, err := run(t, func(me UserMe, it UserItems) (Out, error) { return Out{me, it}, nil }, nil,
		[]di.Dependency{di.Depends(getMe), di.Security(getItems, "items")}, cfg(nil))
	if err != nil {
		t.Fatal(err)
	}
	wantCalls := map[string]int{"db": 1, "current": 2, "me": 2, "items": 1}
	if !reflect.DeepEqual(calls, wantCalls) {
		t.Fatalf("calls %v, want %v", calls, wantCalls)
	}
	out := got.(Out)
	if !slices.Equal(out.Me.Scopes, []string{"me"}) || !slices.Equal(out.Items.Scopes, []string{"items", "me"}) {
		t.Fatalf("scopes %v / %v", out.Me.Scopes, out.Items.Scopes)
	}
}

// docs/fastapi-compat.md §2.4 tests/test_dependency_cache.py /scope-counter, and §3.4 no-cache.
func TestCacheKeys(t *testing.T) {
	type Counter int
	type A Counter
	type B Counter
	type C Counter
	n := 0
	counter := di.Provide(func(s di.SecurityScopes) Counter { n++; return Counter(n) })
	a := di.Provide(func(c Counter) A { return A(c) }, di.Depends(counter))
	b := di.Provide(func(c Counter) B { return B(c) }, di.Security(counter, "scope"))
	c := di.Provide(func(c Counter) C { return C(c) }, di.Security(counter, "scope"))
	type Out [3]int
	got, err := run(t, func(a A, b B, c C) (Out, error) { return Out{int(a), int(b), int(c)}, nil }, nil,
		[]di.Dependency{di.Depends(a), di.Depends(b), di.Depends(c)}, cfg(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got != (Out{1, 2, 2}) {
		t.Fatalf("got %v", got)
	}

	// /sub-counter-no-cache/: {"counter":2,"subcounter":1}
	m := 0
	dep := di.Provide(func() Counter { m++; return Counter(m) })
	super := di.Provide(func(c Counter) A { return A(c) }, dep)
	got2, err := run(t, func(s A, c Counter) (Out, error) { return Out{int(c), int(s)}, nil }, nil,
		[]di.Dependency{di.Depends(super), di.Depends(dep).NoCache()}, cfg(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got2 != (Out{2, 1}) {
		t.Fatalf("no-cache: got %v", got2)
	}
}

// docs/fastapi-compat.md §3.3: validation errors are collected across the tree; an HTTP error aborts.
func TestErrorSemantics(t *testing.T) {
	type X int
	type Y int
	verr := func(loc string) error {
		return &keel.ValidationError{Errors: []keel.ErrorDetail{{Type: "missing", Loc: []any{"header", loc}, Msg: "Field required"}}}
	}
	called := false
	x := di.Provide(func() (X, error) { return 0, verr("x-token") })
	y := di.Provide(func() (Y, error) { return 0, verr("x-key") })
	eff := func(p *di.Provider) di.Dependency { return di.Depends(di.Provide(func(X) {}, p)) }
	_, err := run(t, func() error { called = true; return nil },
		[]di.Dependency{eff(x), di.Depends(di.Provide(func(Y) error { return nil }, y))}, nil, cfg(nil))
	var ve *keel.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 2 || ve.Errors[0].Loc[1] != "x-token" || ve.Errors[1].Loc[1] != "x-key" || called {
		t.Fatalf("err %v called %v", err, called)
	}

	// An HTTP error from a later sibling wins over earlier validation errors.
	h := di.Provide(func() error { return keel.NewHTTPError(401, "Not authenticated") })
	_, err = run(t, func() error { return nil }, []di.Dependency{eff(x), di.Depends(h)}, nil, cfg(nil))
	var he *keel.HTTPError
	if !errors.As(err, &he) || he.Status != 401 {
		t.Fatalf("got %v", err)
	}
}

// docs/fastapi-compat.md §3.5: cleanups run LIFO, see the handler's error and may replace or swallow it.
func TestCleanups(t *testing.T) {
	type A string
	type B string
	var log []string
	a := di.Provide(func() (A, di.Cleanup, error) {
		return "a", func(err error) error { log = append(log, "close a"); return err }, nil
	})
	b := di.Provide(func(A) (B, di.Cleanup, error) {
		return "b", func(err error) error {
			log = append(log, "close b")
			if err != nil && err.Error() == "owner" {
				return keel.NewHTTPError(400, "Owner error: Rick")
			}
			return err
		}, nil
	}, a)
	_, err := run(t, func(B) error { return errors.New("owner") }, nil, []di.Dependency{di.Depends(b)}, cfg(nil))
	var he *keel.HTTPError
	if !errors.As(err, &he) || he.Status != 400 {
		t.Fatalf("err %v", err)
	}
	if strings.Join(log, ",") != "close b,close a" {
		t.Fatalf("order %v", log)
	}

	sw := di.Provide(func() (A, di.Cleanup, error) { return "", func(error) error { return nil }, nil })
	_, err = run(t, func(A) error { return errors.New("boom") }, nil, []di.Dependency{di.Depends(sw)}, cfg(nil))
	var se *resolve.SwallowedError
	if !errors.As(err, &se) {
		t.Fatalf("swallow: %v", err)
	}
}

func TestCompileErrors(t *testing.T) {
	type A int
	type Unknown struct{}
	funcScoped := di.Provide(func() (A, di.Cleanup, error) { return 1, nil, nil })
	type R string
	req := di.Provide(func(A) (R, di.Cleanup, error) { return "", nil, nil }, di.Depends(funcScoped).InScope(di.ScopeFunction))
	var cyc *di.Provider
	cases := []struct {
		name    string
		handler any
		deps    []di.Dependency
		want    string
	}{
		{"unresolvable", func(*Unknown) error { return nil }, nil, "parameter #1 (*resolve_test.Unknown): nothing provides *resolve_test.Unknown"},
		{"ambiguous", func(a, b A) error { return nil }, []di.Dependency{di.Depends(di.Provide(func() A { return 1 }))}, "ambiguous"},
		{"unused", func(R) error { return nil }, []di.Dependency{di.Depends(di.Provide(func(A) R { return "" }, di.Provide(func() string { return "" })))}, "which no parameter"},
		{"scope", func(R) error { return nil }, []di.Dependency{di.Depends(req)}, `has a scope of "request", it cannot depend on dependencies with scope "function"`},
	}
	_ = cyc
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := resolve.Compile((*resolve.Provider)(di.Provide(c.handler)), nil, decls(c.deps...), cfg(nil))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// docs/fastapi-compat.md §3.6: an override replaces at any depth and keeps the original's scopes.
func TestOverride(t *testing.T) {
	type U []string
	orig := di.Provide(func(s di.SecurityScopes) U { return U{"orig"} })
	repl := di.Provide(func(s di.SecurityScopes) U { return s.Scopes })
	mid := di.Provide(func(u U) string { return strings.Join(u, ",") }, di.Security(orig, "bar"))
	got, err := run(t, func(s string) (string, error) { return s, nil }, nil, []di.Dependency{di.Security(mid, "foo")},
		cfg(map[*di.Provider]*di.Provider{orig: repl}))
	if err != nil || got != "foo,bar" {
		t.Fatalf("got %v %v", got, err)
	}
}

func TestPanicBecomesError(t *testing.T) {
	p := di.Provide(func() int { panic("kaboom") })
	_, err := run(t, func(int) error { return nil }, nil, []di.Dependency{di.Depends(p)}, cfg(nil))
	var pe *resolve.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
}

type Greeter interface{ Greet() string }
type english struct{ name string }

func (e *english) Greet() string { return "hello " + e.name }

// Func0..Func4 behave as Provide: mixed with reflect-called providers, matched to
// interface parameters, errors propagated, values cached per request.
func TestTypedProviders(t *testing.T) {
	type Name string
	type Out struct {
		G   string
		N   Name
		Hit int
	}
	calls := 0
	name := di.Func0(func() (Name, error) { calls++; return "gopher", nil })
	greeter := di.Provide(func(n Name) (*english, error) { return &english{string(n)}, nil }, name)
	handler := di.Func3(func(g Greeter, n Name, s di.SecurityScopes) (Out, error) {
		return Out{g.Greet(), n, len(s.Scopes)}, nil
	})
	for range 3 { // pooled states are reused between runs
		plan, err := resolve.Compile((*resolve.Provider)(handler), nil, decls(di.Depends(greeter), di.Depends(name)), cfg(nil))
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			st := plan.Acquire(httptest.NewRequest("GET", "/", nil))
			v, err := st.Run()
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Interface().(Out); got != (Out{"hello gopher", "gopher", 0}) {
				t.Fatalf("got %+v", got)
			}
			plan.Release(st)
		}
	}
	if calls != 6 {
		t.Fatalf("name called %d times, want once per request (6)", calls)
	}

	failing := di.Func1(func(n Name) (int, error) { return 0, keel.NewHTTPError(403) }, name)
	_, err := run(t, func(int) error { return nil }, nil, []di.Dependency{di.Depends(failing)}, cfg(nil))
	var he *keel.HTTPError
	if !errors.As(err, &he) || he.Status != 403 {
		t.Fatalf("got %v", err)
	}
}

type names []string

// A typed provider receives exactly its parameter's type: a value of another
// type assignable to it (an override returning []string for a names, a
// concrete type or another interface for an interface, a nil interface) is
// converted first, never passed as a zero value (issue 10 item 2).
func TestTypedProvidersTakeConvertedValues(t *testing.T) {
	type Out struct {
		N     names
		G     string
		NilOK bool
	}
	origNames := di.Func0(func() (names, error) { return nil, errors.New("replaced") })
	origGreeter := di.Func0(func() (Greeter, error) { return nil, errors.New("replaced") })
	origStr := di.Func0(func() (fmt.Stringer, error) { return nil, errors.New("replaced") })
	handler := di.Func3(func(n names, g Greeter, s fmt.Stringer) (Out, error) {
		return Out{n, g.Greet(), s == nil}, nil
	})
	type anyGreeter interface{ Greet() string }
	overrides := map[*di.Provider]*di.Provider{
		origNames:   di.Func0(func() ([]string, error) { return []string{"a", "b"}, nil }),
		origGreeter: di.Func0(func() (anyGreeter, error) { return &english{"you"}, nil }),
		origStr:     di.Func0(func() (stringer, error) { return nil, nil }),
	}
	for range 2 {
		got, err := runTyped(t, handler, []di.Dependency{di.Depends(origNames), di.Depends(origGreeter), di.Depends(origStr)}, cfg(overrides))
		if err != nil {
			t.Fatal(err)
		}
		if o := got.(Out); len(o.N) != 2 || o.N[1] != "b" || o.G != "hello you" || !o.NilOK {
			t.Fatalf("got %+v", o)
		}
	}
}

type stringer interface{ String() string }

// runTyped is run for a handler that is already a provider.
func runTyped(t *testing.T, handler *di.Provider, explicit []di.Dependency, c resolve.Config) (any, error) {
	t.Helper()
	plan, err := resolve.Compile((*resolve.Provider)(handler), nil, decls(explicit...), c)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	st := plan.Acquire(httptest.NewRequest("GET", "/", nil))
	defer plan.Release(st)
	v, err := st.Run()
	err = st.CloseAll(err)
	if !v.IsValid() {
		return nil, err
	}
	return v.Interface(), err
}

// Each node of the declared tree gets its own Reflect note and scopes, in a
// graph mixing typed and reflective providers at several depths: the notes
// are set from the compiler's per-occurrence table (compiler.nodes), which
// must stay aligned with the occurrences' ids.
func TestNodeNotesPerOccurrence(t *testing.T) {
	type A string
	type B string
	type C string
	type D string
	a := di.Func1(func(s di.SecurityScopes) (A, error) { return A(strings.Join(s.Scopes, ",")), nil })
	b := di.Provide(func(x A) B { return B(x) }, di.Security(a, "b"))
	c := di.Func1(func(x B) (C, error) { return C(x), nil }, di.Depends(b))
	d := di.Provide(func(x A, y C) D { return D(string(x) + "|" + string(y)) }, di.Security(a, "d"), di.Depends(c))
	handler := di.Func2(func(x D, y B) (string, error) { return string(x) + "|" + string(y), nil })
	plan, err := resolve.Compile((*resolve.Provider)(handler), nil, decls(di.Depends(d), di.Depends(b)), cfg(nil))
	if err != nil {
		t.Fatal(err)
	}
	typed := map[*resolve.Provider]bool{(*resolve.Provider)(handler): true, (*resolve.Provider)(a): true, (*resolve.Provider)(c): true}
	var got []string
	var walk func(n *resolve.Node)
	walk = func(n *resolve.Node) {
		if n.Reflect == typed[n.Provider] {
			t.Errorf("%s: Reflect %v", n.Provider.Name(), n.Reflect)
		}
		got = append(got, strings.Join(n.Scopes, ","))
		for _, ch := range n.Children {
			walk(ch)
		}
	}
	walk(plan.Tree())
	// handler; d; d's a (d); d's c; c's b; b's a (b); handler's b; b's a (b)
	if want := []string{"", "", "d", "", "", "b", "", "b"}; !slices.Equal(got, want) {
		t.Errorf("scopes by node %q, want %q", got, want)
	}
	st := plan.Acquire(httptest.NewRequest("GET", "/", nil))
	defer plan.Release(st)
	v, err := st.Run()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.Interface(), "d|b|b"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

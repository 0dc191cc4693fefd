package conformance

import (
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/keeltest"
	"github.com/keelgo/keel/router"
)

// Ports of FastAPI's dependency tests: tests/test_dependency_*.py and
// tests/test_tutorial/test_dependencies/* (docs_src/dependencies/*), docs/fastapi-compat.md §3.

// depCacheApp is tests/test_dependency_cache.py's app (docs/fastapi-compat.md §3.4):
// every value is an int, as there, each parameter bound to its dependency by
// position with di.Args, as `count: int = Depends(dep_counter)` binds it.
func depCacheApp() (*router.App, *atomic.Int64) {
	var counter atomic.Int64
	DepCounter := di.Provide(func() int { return int(counter.Add(1)) })
	SuperDep := di.Provide(func(count int) int { return count }, DepCounter)
	app := fastAPIApp()
	app.Get("/counter/", func(count int) (any, error) { return map[string]any{"counter": count}, nil }, DepCounter)
	app.Get("/sub-counter/", func(subcount, count int) (any, error) {
		return map[string]any{"counter": count, "subcounter": subcount}, nil
	}, di.Args(SuperDep, DepCounter))
	app.Get("/sub-counter-no-cache/", func(subcount, count int) (any, error) {
		return map[string]any{"counter": count, "subcounter": subcount}, nil
	}, di.Args(SuperDep, di.Depends(DepCounter).NoCache()))
	app.Get("/scope-counter", func(count, scopeCount1, scopeCount2 int) (any, error) {
		return map[string]any{"counter": count, "scope_counter_1": scopeCount1, "scope_counter_2": scopeCount2}, nil
	}, di.Args(
		di.Security(DepCounter),
		di.Security(DepCounter, "scope"),
		di.Security(DepCounter, "scope"),
	), router.Name("get_scope_counter"))
	return app, &counter
}

func TestDependencyCache_NormalCounter(t *testing.T) { // tests/test_dependency_cache.py::test_normal_counter
	app, c := depCacheApp()
	c.Store(0)
	secReport(t, secGet(app, "/counter/").check(200, `{"counter":1}`, ""))
	secReport(t, secGet(app, "/counter/").check(200, `{"counter":2}`, ""))
}

func TestDependencyCache_SubCounter(t *testing.T) { // tests/test_dependency_cache.py::test_sub_counter
	app, c := depCacheApp()
	c.Store(0)
	secReport(t, secGet(app, "/sub-counter/").check(200, `{"counter":1,"subcounter":1}`, ""))
	secReport(t, secGet(app, "/sub-counter/").check(200, `{"counter":2,"subcounter":2}`, ""))
}

func TestDependencyCache_SubCounterNoCache(t *testing.T) { // tests/test_dependency_cache.py::test_sub_counter_no_cache
	app, c := depCacheApp()
	c.Store(0)
	secReport(t, secGet(app, "/sub-counter-no-cache/").check(200, `{"counter":2,"subcounter":1}`, ""))
	secReport(t, secGet(app, "/sub-counter-no-cache/").check(200, `{"counter":4,"subcounter":3}`, ""))
}

func TestDependencyCache_SecurityCache(t *testing.T) { // tests/test_dependency_cache.py::test_security_cache
	// Security(dep_counter) does not use scopes (one key); the two
	// Security(dep_counter, scopes=["scope"]) share another (docs/fastapi-compat.md §2.4).
	// The test requests /scope-counter/, which TestClient reaches through
	// the 307 to /scope-counter, as keeltest does.
	app, c := depCacheApp()
	c.Store(0)
	client := keeltest.New(t, app)
	client.Get("/scope-counter/").ExpectStatus(200).ExpectJSON(`{"counter":1,"scope_counter_1":2,"scope_counter_2":2}`)
	client.Get("/scope-counter/").ExpectStatus(200).ExpectJSON(`{"counter":3,"scope_counter_1":4,"scope_counter_2":4}`)
}

// depCommonParams is docs_src/dependencies/tutorial001's common_parameters.
type depCommonParams struct {
	Q     *string `query:"q"`
	Skip  int     `query:"skip" default:"0"`
	Limit int     `query:"limit" default:"100"`
}

// depCommons is the dict common_parameters returns.
type depCommons struct {
	Q     *string `json:"q"`
	Skip  int     `json:"skip"`
	Limit int     `json:"limit"`
}

func TestDependenciesTutorial001(t *testing.T) { // tests/test_tutorial/test_dependencies/test_tutorial001.py
	Common := di.Provide(func(p depCommonParams) depCommons { return depCommons(p) })
	app := fastAPIApp()
	app.Get("/items/", func(c depCommons) (depCommons, error) { return c, nil }, Common)
	app.Get("/users/", func(c depCommons) (depCommons, error) { return c, nil }, Common)
	var cases []faCase
	for _, p := range []string{"/items", "/users"} {
		cases = append(cases,
			faCase{name: p, do: faGet(p + "/"), status: 200, body: `{"q":null,"skip":0,"limit":100}`},
			faCase{name: p + "?q=foo", do: faGet(p + "/?q=foo"), status: 200, body: `{"q":"foo","skip":0,"limit":100}`},
			faCase{name: p + "?q=foo&skip=5", do: faGet(p + "/?q=foo&skip=5"), status: 200, body: `{"q":"foo","skip":5,"limit":100}`},
			faCase{name: p + "?q=foo&skip=5&limit=30", do: faGet(p + "/?q=foo&skip=5&limit=30"), status: 200, body: `{"q":"foo","skip":5,"limit":30}`},
		)
	}
	faRun(t, app, cases)
	t.Run("redirect_slashes", func(t *testing.T) {
		// TestClient follows the 307 from /items to /items/ (docs/fastapi-compat.md §3.9).
		r := secGet(app, "/items?q=foo")
		if r.code != http.StatusTemporaryRedirect || r.header.Get("Location") == "" {
			t.Errorf("GET /items?q=foo: %d Location %q, want 307 to /items/?q=foo", r.code, r.header.Get("Location"))
		}
	})
}

// depQueryParams is docs_src/dependencies/tutorial002-004's CommonQueryParams class.
type depQueryParams struct {
	Q     *string `query:"q"`
	Skip  int     `query:"skip" default:"0"`
	Limit int     `query:"limit" default:"100"`
}

func TestDependenciesTutorial004(t *testing.T) { // tests/test_tutorial/test_dependencies/test_tutorial004.py (also 002, 003)
	db := []map[string]string{{"item_name": "Foo"}, {"item_name": "Bar"}, {"item_name": "Baz"}}
	app := fastAPIApp()
	app.Get("/items/", func(c depQueryParams) (any, error) {
		resp := map[string]any{}
		if c.Q != nil && *c.Q != "" {
			resp["q"] = *c.Q
		}
		lo, hi := min(c.Skip, len(db)), min(c.Skip+c.Limit, len(db))
		resp["items"] = db[lo:hi]
		return resp, nil
	})
	faRun(t, app, []faCase{
		{name: "/items", do: faGet("/items/"), status: 200, body: `{"items":[{"item_name":"Foo"},{"item_name":"Bar"},{"item_name":"Baz"}]}`},
		{name: "/items?q=foo", do: faGet("/items/?q=foo"), status: 200, body: `{"items":[{"item_name":"Foo"},{"item_name":"Bar"},{"item_name":"Baz"}],"q":"foo"}`},
		{name: "/items?q=foo&skip=1", do: faGet("/items/?q=foo&skip=1"), status: 200, body: `{"items":[{"item_name":"Bar"},{"item_name":"Baz"}],"q":"foo"}`},
		{name: "/items?q=bar&limit=2", do: faGet("/items/?q=bar&limit=2"), status: 200, body: `{"items":[{"item_name":"Foo"},{"item_name":"Bar"}],"q":"bar"}`},
		{name: "/items?q=bar&skip=1&limit=1", do: faGet("/items/?q=bar&skip=1&limit=1"), status: 200, body: `{"items":[{"item_name":"Bar"}],"q":"bar"}`},
		{name: "/items?limit=1&q=bar&skip=1", do: faGet("/items/?limit=1&q=bar&skip=1"), status: 200, body: `{"items":[{"item_name":"Bar"}],"q":"bar"}`},
	})
}

// depQuery is query_extractor's result; depQueryOrCookie query_or_cookie_extractor's.
type (
	depQuery         *string
	depQueryOrCookie *string
)

type depQParam struct {
	Q *string `query:"q"`
}

type depLastQuery struct {
	LastQuery *string `cookie:"last_query"`
}

func TestDependenciesTutorial005(t *testing.T) { // tests/test_tutorial/test_dependencies/test_tutorial005.py
	QueryExtractor := di.Provide(func(p depQParam) depQuery { return p.Q })
	QueryOrCookie := di.Provide(func(q depQuery, c depLastQuery) depQueryOrCookie {
		if q == nil || *q == "" {
			return c.LastQuery
		}
		return depQueryOrCookie(q)
	}, QueryExtractor)
	app := fastAPIApp()
	app.Get("/items/", func(q depQueryOrCookie) (any, error) {
		return map[string]any{"q_or_cookie": (*string)(q)}, nil
	}, QueryOrCookie)
	faRun(t, app, []faCase{
		{name: "/items", do: faGet("/items/"), status: 200, body: `{"q_or_cookie":null}`},
		{name: "/items?q=foo", do: faGet("/items/?q=foo"), status: 200, body: `{"q_or_cookie":"foo"}`},
		{name: "cookie", do: faGet("/items/", "Cookie", "last_query=somequery"), status: 200, body: `{"q_or_cookie":"somequery"}`},
		{name: "query_and_cookie", do: faGet("/items/?q=foo", "Cookie", "last_query=somequery"), status: 200, body: `{"q_or_cookie":"foo"}`},
	})
}

type depTokenHeader struct {
	XToken string `header:""`
}

type depKeyHeader struct {
	XKey string `header:""`
}

// depKey is verify_key's return value (discarded by FastAPI: a route dependency).
type depKey string

func depVerifyToken(h depTokenHeader) error {
	if h.XToken != "fake-super-secret-token" {
		return keel.NewHTTPError(400, "X-Token header invalid")
	}
	return nil
}

func depVerifyKey(h depKeyHeader) (depKey, error) {
	if h.XKey != "fake-super-secret-key" {
		return "", keel.NewHTTPError(400, "X-Key header invalid")
	}
	return depKey(h.XKey), nil
}

// depVerifyCases are the requests of tutorial006 and tutorial012 for path p.
func depVerifyCases(p string, ok string) []faCase {
	return []faCase{
		{name: p + "_no_headers", do: faGet(p), status: 422,
			body: faDetail(faMissing(`["header","x-token"]`), faMissing(`["header","x-key"]`))},
		{name: p + "_invalid_one_header", do: faGet(p, "X-Token", "invalid"), status: 400, body: `{"detail":"X-Token header invalid"}`},
		{name: p + "_invalid_second_header", do: faGet(p, "X-Token", "fake-super-secret-token", "X-Key", "invalid"), status: 400, body: `{"detail":"X-Key header invalid"}`},
		{name: p + "_valid_headers", do: faGet(p, "X-Token", "fake-super-secret-token", "X-Key", "fake-super-secret-key"), status: 200, body: ok},
	}
}

func TestDependenciesTutorial006(t *testing.T) { // tests/test_tutorial/test_dependencies/test_tutorial006.py
	app := fastAPIApp()
	app.Get("/items/", func() (any, error) { return []map[string]string{{"item": "Foo"}, {"item": "Bar"}}, nil },
		router.Dependencies(di.Provide(depVerifyToken), di.Provide(depVerifyKey)))
	faRun(t, app, depVerifyCases("/items/", `[{"item":"Foo"},{"item":"Bar"}]`))
}

func TestDependenciesTutorial012(t *testing.T) { // tests/test_tutorial/test_dependencies/test_tutorial012.py
	app := fastAPIApp(router.WithDependencies(di.Provide(depVerifyToken), di.Provide(depVerifyKey)))
	app.Get("/items/", func() (any, error) { return []map[string]string{{"item": "Portal Gun"}, {"item": "Plumbus"}}, nil })
	app.Get("/users/", func() (any, error) { return []map[string]string{{"username": "Rick"}, {"username": "Morty"}}, nil })
	faRun(t, app, append(depVerifyCases("/items/", `[{"item":"Portal Gun"},{"item":"Plumbus"}]`),
		depVerifyCases("/users/", `[{"username":"Rick"},{"username":"Morty"}]`)...))
}

// depOwnerError is docs_src/dependencies/tutorial008b's OwnerError.
type depOwnerError struct{ owner string }

func (e *depOwnerError) Error() string { return e.owner }

// depUsername is get_username's yielded value.
type depUsername string

type depItemID struct {
	ItemID string `path:"item_id"`
}

func TestDependenciesTutorial008b(t *testing.T) { // tests/test_tutorial/test_dependencies/test_tutorial008b.py
	data := map[string]map[string]string{
		"plumbus":    {"description": "Freshly pickled plumbus", "owner": "Morty"},
		"portal-gun": {"description": "Gun to create portals", "owner": "Rick"},
	}
	GetUsername := di.Provide(func() (depUsername, di.Cleanup, error) {
		return "Rick", func(err error) error {
			var oe *depOwnerError
			if errors.As(err, &oe) {
				return keel.NewHTTPError(400, fmt.Sprintf("Owner error: %s", oe.owner))
			}
			return err
		}, nil
	})
	app := fastAPIApp()
	app.Get("/items/{item_id}", func(p depItemID, u depUsername) (any, error) {
		item, ok := data[p.ItemID]
		if !ok {
			return nil, keel.NewHTTPError(404, "Item not found")
		}
		if item["owner"] != string(u) {
			return nil, &depOwnerError{string(u)}
		}
		return item, nil
	}, GetUsername)
	faRun(t, app, []faCase{
		{name: "test_get_no_item", do: faGet("/items/foo"), status: 404, body: `{"detail":"Item not found"}`},
		{name: "test_owner_error", do: faGet("/items/plumbus"), status: 400, body: `{"detail":"Owner error: Rick"}`},
		{name: "test_get_item", do: faGet("/items/portal-gun"), status: 200, body: `{"description":"Gun to create portals","owner":"Rick"}`},
	})
}

// depInternalError is docs_src/dependencies/tutorial008c/d's InternalError.
type depInternalError struct{}

func (depInternalError) Error() string { return "The portal gun is too dangerous to be owned by Rick" }

// depTutorial008cd builds tutorial008c (reraise false: the dependency swallows
// InternalError) or tutorial008d (reraise true).
func depTutorial008cd(reraise bool) *router.App {
	GetUsername := di.Provide(func() (depUsername, di.Cleanup, error) {
		return "Rick", func(err error) error {
			if errors.As(err, new(depInternalError)) && !reraise {
				return nil // "Oops, we didn't raise again"
			}
			return err
		}, nil
	})
	app := fastAPIApp(router.WithLogger(discardLogger()))
	app.Get("/items/{item_id}", func(p depItemID, u depUsername) (string, error) {
		if p.ItemID == "portal-gun" {
			return "", depInternalError{}
		}
		if p.ItemID != "plumbus" {
			return "", keel.NewHTTPError(404, "Item not found, there's only a plumbus here")
		}
		return p.ItemID, nil
	}, GetUsername)
	return app
}

func TestDependenciesTutorial008c(t *testing.T) { // tests/test_tutorial/test_dependencies/test_tutorial008c.py
	app := depTutorial008cd(false)
	faRun(t, app, []faCase{
		{name: "test_get_no_item", do: faGet("/items/foo"), status: 404, body: `{"detail":"Item not found, there's only a plumbus here"}`},
		{name: "test_get", do: faGet("/items/plumbus"), status: 200, body: `"plumbus"`},
	})
	t.Run("test_internal_server_error", func(t *testing.T) {
		faCheckText(t, secGet(app, "/items/portal-gun"), 500, "Internal Server Error")
	})
}

func TestDependenciesTutorial008d(t *testing.T) { // tests/test_tutorial/test_dependencies/test_tutorial008d.py
	app := depTutorial008cd(true)
	faRun(t, app, []faCase{
		{name: "test_get_no_item", do: faGet("/items/foo"), status: 404, body: `{"detail":"Item not found, there's only a plumbus here"}`},
		{name: "test_get", do: faGet("/items/plumbus"), status: 200, body: `"plumbus"`},
	})
	t.Run("test_internal_server_error", func(t *testing.T) {
		faCheckText(t, secGet(app, "/items/portal-gun"), 500, "Internal Server Error")
	})
}

// depOvCommons is what common_parameters and its overrides return
// (tests/test_dependency_overrides.py): a dict, or the string of
// overrider_dependency_with_sub.
type depOvCommons any

type depOvRequiredQ struct {
	Q     string `query:"q"`
	Skip  int    `query:"skip" default:"0"`
	Limit int    `query:"limit" default:"100"`
}

type depOvK string

type depOvKParam struct {
	K string `query:"k"`
}

// depOverridesApp is tests/test_dependency_overrides.py's app.
func depOverridesApp() (*router.App, *di.Provider) {
	Common := di.Provide(func(p depOvRequiredQ) depOvCommons {
		return map[string]any{"q": p.Q, "skip": p.Skip, "limit": p.Limit}
	})
	app := fastAPIApp()
	app.Get("/main-depends/", func(c depOvCommons) (any, error) {
		return map[string]any{"in": "main-depends", "params": c}, nil
	}, Common)
	app.Get("/decorator-depends/", func() (any, error) {
		return map[string]any{"in": "decorator-depends"}, nil
	}, router.Dependencies(Common))
	r := app.Group("")
	r.Get("/router-depends/", func(c depOvCommons) (any, error) {
		return map[string]any{"in": "router-depends", "params": c}, nil
	}, Common)
	r.Get("/router-decorator-depends/", func() (any, error) {
		return map[string]any{"in": "router-decorator-depends"}, nil
	}, router.Dependencies(Common))
	return app, Common
}

func TestDependencyOverrides(t *testing.T) { // tests/test_dependency_overrides.py
	app, Common := depOverridesApp()
	missingQ := faDetail(faMissing(`["query","q"]`))
	t.Run("no_override", func(t *testing.T) {
		faRun(t, app, []faCase{
			{name: "test_main_depends", do: faGet("/main-depends/"), status: 422, body: missingQ},
			{name: "test_main_depends_q_foo", do: faGet("/main-depends/?q=foo"), status: 200, body: `{"in":"main-depends","params":{"q":"foo","skip":0,"limit":100}}`},
			{name: "test_main_depends_q_foo_skip_100_limit_200", do: faGet("/main-depends/?q=foo&skip=100&limit=200"), status: 200, body: `{"in":"main-depends","params":{"q":"foo","skip":100,"limit":200}}`},
			{name: "test_decorator_depends", do: faGet("/decorator-depends/"), status: 422, body: missingQ},
			{name: "test_decorator_depends_q_foo", do: faGet("/decorator-depends/?q=foo"), status: 200, body: `{"in":"decorator-depends"}`},
			{name: "test_router_depends", do: faGet("/router-depends/"), status: 422, body: missingQ},
			{name: "test_router_depends_q_foo", do: faGet("/router-depends/?q=foo"), status: 200, body: `{"in":"router-depends","params":{"q":"foo","skip":0,"limit":100}}`},
			{name: "test_router_decorator_depends", do: faGet("/router-decorator-depends/"), status: 422, body: missingQ},
			{name: "test_router_decorator_depends_q_foo", do: faGet("/router-decorator-depends/?q=foo"), status: 200, body: `{"in":"router-decorator-depends"}`},
		})
	})
	t.Run("override_simple", func(t *testing.T) {
		app.Override(Common, di.Provide(func(p depQParam) depOvCommons {
			return map[string]any{"q": p.Q, "skip": 5, "limit": 10}
		}))
		defer app.ResetOverrides()
		faRun(t, app, []faCase{
			{name: "test_override_simple_main_depends", do: faGet("/main-depends/"), status: 200, body: `{"in":"main-depends","params":{"q":null,"skip":5,"limit":10}}`},
			{name: "test_override_simple_main_depends_q_foo", do: faGet("/main-depends/?q=foo"), status: 200, body: `{"in":"main-depends","params":{"q":"foo","skip":5,"limit":10}}`},
			{name: "test_override_simple_main_depends_q_foo_skip_100_limit_200", do: faGet("/main-depends/?q=foo&skip=100&limit=200"), status: 200, body: `{"in":"main-depends","params":{"q":"foo","skip":5,"limit":10}}`},
			{name: "test_override_simple_decorator_depends", do: faGet("/decorator-depends/"), status: 200, body: `{"in":"decorator-depends"}`},
			{name: "test_override_simple_router_depends", do: faGet("/router-depends/"), status: 200, body: `{"in":"router-depends","params":{"q":null,"skip":5,"limit":10}}`},
			{name: "test_override_simple_router_decorator_depends", do: faGet("/router-decorator-depends/"), status: 200, body: `{"in":"router-decorator-depends"}`},
		})
	})
	t.Run("override_with_sub", func(t *testing.T) {
		Sub := di.Provide(func(p depOvKParam) depOvK { return depOvK(p.K) })
		app.Override(Common, di.Provide(func(k depOvK) depOvCommons { return string(k) }, Sub))
		defer app.ResetOverrides()
		missingK := faDetail(faMissing(`["query","k"]`))
		faRun(t, app, []faCase{
			{name: "test_override_with_sub_main_depends", do: faGet("/main-depends/"), status: 422, body: missingK},
			{name: "test_override_with_sub__main_depends_q_foo", do: faGet("/main-depends/?q=foo"), status: 422, body: missingK},
			{name: "test_override_with_sub_main_depends_k_bar", do: faGet("/main-depends/?k=bar"), status: 200, body: `{"in":"main-depends","params":"bar"}`},
			{name: "test_override_with_sub_decorator_depends", do: faGet("/decorator-depends/"), status: 422, body: missingK},
			{name: "test_override_with_sub_decorator_depends_k_bar", do: faGet("/decorator-depends/?k=bar"), status: 200, body: `{"in":"decorator-depends"}`},
			{name: "test_override_with_sub_router_depends", do: faGet("/router-depends/"), status: 422, body: missingK},
			{name: "test_override_with_sub_router_depends_k_bar", do: faGet("/router-depends/?k=bar"), status: 200, body: `{"in":"router-depends","params":"bar"}`},
			{name: "test_override_with_sub_router_decorator_depends_k_bar", do: faGet("/router-decorator-depends/?k=bar"), status: 200, body: `{"in":"router-decorator-depends"}`},
		})
	})
}

// depSession is catching_dep's and broken_dep's yielded value.
type depSession string

// depCustomError is tests/test_dependency_after_yield_raise.py's CustomError.
type depCustomError struct{}

func (depCustomError) Error() string { return "Simple error" }

func TestDependencyAfterYieldRaise(t *testing.T) { // tests/test_dependency_after_yield_raise.py
	Catching := di.Provide(func() (depSession, di.Cleanup, error) {
		return "s", func(err error) error {
			if errors.As(err, new(depCustomError)) {
				return keel.NewHTTPError(418, "Session error")
			}
			return err
		}, nil
	})
	Broken := di.Provide(func() (depSession, di.Cleanup, error) {
		return "s", func(err error) error { return errors.New("Broken after yield") }, nil
	})
	app := fastAPIApp(router.WithLogger(discardLogger()))
	app.Get("/catching", func(d depSession) (any, error) { return nil, depCustomError{} }, Catching)
	app.Get("/broken", func(d depSession) (any, error) { return map[string]string{"message": "all good?"}, nil }, Broken)
	faRun(t, app, []faCase{
		{name: "test_catching", do: faGet("/catching"), status: 418, body: `{"detail":"Session error"}`},
		{name: "test_broken_no_raise", do: faGet("/broken"), status: 200, body: `{"message":"all good?"}`},
	})
}

// depDB is get_database's yielded dict.
type depDB map[string]string

type depPutUser struct {
	UserID string `path:"user_id"`
	Name   string `body:"name"`
}

func TestDependencyYieldExceptHTTPException(t *testing.T) { // tests/test_dependency_yield_except_httpexception.py
	fake := map[string]string{"rick": "Rick Sanchez"}
	var sawExcept, sawFinally bool
	GetDB := di.Provide(func() (depDB, di.Cleanup, error) {
		tmp := depDB{}
		for k, v := range fake {
			tmp[k] = v
		}
		return tmp, func(err error) error {
			var he *keel.HTTPError
			if errors.As(err, &he) {
				sawExcept = true
			}
			sawFinally = true
			return err
		}, nil
	})
	app := fastAPIApp()
	app.Put("/invalid-user/{user_id}", func(p depPutUser, db depDB) (any, error) {
		db[p.UserID] = p.Name
		return nil, keel.NewHTTPError(400, "Invalid user")
	}, GetDB)
	app.Put("/user/{user_id}", func(p depPutUser, db depDB) (bool, error) {
		db[p.UserID] = p.Name
		return true, nil
	}, GetDB)
	t.Run("test_dependency_gets_exception", func(t *testing.T) {
		sawExcept, sawFinally = false, false
		secReport(t, faJSON(app, "PUT", "/invalid-user/rick", `"Morty"`).check(400, `{"detail":"Invalid user"}`, ""))
		if !sawExcept || !sawFinally || fake["rick"] != "Rick Sanchez" {
			t.Errorf("except %v finally %v db %v, want true true Rick Sanchez", sawExcept, sawFinally, fake["rick"])
		}
	})
	t.Run("test_dependency_no_exception", func(t *testing.T) {
		sawExcept, sawFinally = false, false
		secReport(t, faJSON(app, "PUT", "/user/rick", `"Morty"`).check(200, `true`, ""))
		if sawExcept || !sawFinally {
			t.Errorf("except %v finally %v, want false true", sawExcept, sawFinally)
		}
	})
}

// depItem is tests/test_dependency_duplicates.py's Item.
type depItem struct {
	Data string `json:"data"`
}

type depBodyItem struct {
	Item depItem `body:"item"`
}

type depBodyItem2 struct {
	Item2 depItem `body:"item2"`
}

// depItem2 is the value of a dependency returning its body parameter.
type depItem2 depItem

// depSubItems is sub_duplicate_dependency's value.
type depSubItems []depItem

func TestDependencyDuplicates(t *testing.T) { // tests/test_dependency_duplicates.py
	Duplicate := di.Provide(func(b depBodyItem) depItem2 { return depItem2(b.Item) })
	Dependency := di.Provide(func(b depBodyItem2) depItem2 { return depItem2(b.Item2) })
	SubDuplicate := di.Provide(func(b depBodyItem, sub depItem2) depSubItems {
		return depSubItems{b.Item, depItem(sub)}
	}, Duplicate)
	app := fastAPIApp()
	app.Post("/with-duplicates", func(b depBodyItem, i2 depItem2) (any, error) {
		return []any{b.Item, depItem(i2)}, nil
	}, Duplicate)
	app.Post("/no-duplicates", func(b depBodyItem, i2 depItem2) (any, error) {
		return []any{b.Item, depItem(i2)}, nil
	}, Dependency)
	app.Post("/with-duplicates-sub", func(b depBodyItem, s depSubItems) (any, error) {
		return []any{b.Item, s}, nil
	}, SubDuplicate)
	faRun(t, app, []faCase{
		{name: "test_no_duplicates_invalid", do: faPostJSON("/no-duplicates", `{"item":{"data":"myitem"}}`), status: 422,
			body: faDetail(faMissing(`["body","item2"]`))},
		{name: "test_no_duplicates", do: faPostJSON("/no-duplicates", `{"item":{"data":"myitem"},"item2":{"data":"myitem2"}}`), status: 200,
			body: `[{"data":"myitem"},{"data":"myitem2"}]`},
		{name: "test_duplicates", do: faPostJSON("/with-duplicates", `{"data":"myitem"}`), status: 200,
			body: `[{"data":"myitem"},{"data":"myitem"}]`},
		{name: "test_sub_duplicates", do: faPostJSON("/with-duplicates-sub", `{"data":"myitem"}`), status: 200,
			body: `[{"data":"myitem"},[{"data":"myitem"},{"data":"myitem"}]]`},
	})
}

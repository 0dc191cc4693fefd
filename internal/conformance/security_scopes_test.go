package conformance

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// Ports of FastAPI's SecurityScopes tests (docs/fastapi-compat.md §1.4, §2.2, §2.4).

func TestSecurityScopes(t *testing.T) {
	// tests/test_security_scopes.py: get_db is used directly and under
	// Security(get_user, scopes=["read"]); it does not use scopes, so it is
	// called once. Both are str, bound by position as in the endpoint's
	// signature.
	count := 0
	getDB := di.Provide(func() (string, error) { count++; return fmt.Sprintf("db_%d", count), nil })
	getUser := di.Provide(func(db string) (string, error) { return "user", nil }, getDB)
	app := fastAPIApp()
	app.Get("/", func(db, user string) (any, error) { return map[string]string{"db": db}, nil },
		di.Args(di.Depends(getDB), di.Security(getUser, "read")), router.Name("endpoint"))
	r := secGet(app, "/")
	errs := r.check(200, `{"db":"db_1"}`, "")
	if count != 1 {
		errs = append(errs, fmt.Sprintf("get_db called %dx (expected: 1)", count))
	}
	secReport(t, errs)
}

func TestSecurityScopesSubDependency(t *testing.T) {
	// tests/test_security_scopes_sub_dependency.py, with FastAPI's types: every
	// value is a dict (map[string]any), the endpoint's two bound by position.
	type dict = map[string]any
	counts := map[string]int{}
	getDBSession := di.Provide(func() (string, error) {
		counts["get_db_session"]++
		return fmt.Sprintf("db_session_%d", counts["get_db_session"]), nil
	})
	getCurrentUser := di.Provide(func(s di.SecurityScopes, dbSession string) (dict, error) {
		counts["get_current_user"]++
		return dict{"user": fmt.Sprintf("user_%d", counts["get_current_user"]), "scopes": s.Scopes, "db_session": dbSession}, nil
	}, getDBSession)
	getUserMe := di.Provide(func(currentUser dict) (dict, error) {
		counts["get_user_me"]++
		return dict{"user_me": fmt.Sprintf("user_me_%d", counts["get_user_me"]), "current_user": currentUser}, nil
	}, di.Security(getCurrentUser, "me"))
	getUserItems := di.Provide(func(userMe dict) (dict, error) {
		counts["get_user_items"]++
		return dict{"user_items": fmt.Sprintf("user_items_%d", counts["get_user_items"]), "user_me": userMe}, nil
	}, di.Depends(getUserMe))
	app := fastAPIApp()
	app.Get("/", func(userMe, userItems dict) (any, error) {
		return dict{"user_me": userMe, "user_items": userItems}, nil
	}, di.Args(di.Depends(getUserMe), di.Security(getUserItems, "items")), router.Name("path_operation"))

	r := secGet(app, "/")
	errs := r.check(200, `{
  "user_me": {"user_me": "user_me_1", "current_user": {"user": "user_1", "scopes": ["me"], "db_session": "db_session_1"}},
  "user_items": {"user_items": "user_items_1", "user_me": {"user_me": "user_me_2",
    "current_user": {"user": "user_2", "scopes": ["items", "me"], "db_session": "db_session_1"}}}
}`, "")
	want := map[string]int{"get_db_session": 1, "get_current_user": 2, "get_user_me": 2, "get_user_items": 1}
	for k, v := range want {
		if counts[k] != v {
			errs = append(errs, fmt.Sprintf("%s called %d times, want %d", k, counts[k], v))
		}
	}
	secReport(t, errs)
}

func TestSecurityScopesDontPropagate(t *testing.T) {
	// tests/test_security_scopes_dont_propagate.py: siblings never see each
	// other's scopes. dep3's two list[str] parameters are bound by position.
	security1 := di.Provide(func(s di.SecurityScopes) ([]string, error) { return s.Scopes, nil })
	security2 := di.Provide(func(s di.SecurityScopes) ([]string, error) { return s.Scopes, nil })
	dep3 := di.Provide(func(dep1, dep2 []string) (map[string]any, error) {
		return map[string]any{"dep1": dep1, "dep2": dep2}, nil
	},
		di.Args(di.Security(security1, "scope1"), di.Security(security2, "scope2")))
	app := fastAPIApp()
	app.Get("/scopes", func(dep3 map[string]any) (any, error) { return dep3, nil }, di.Security(dep3, "scope3"), router.Name("get_scopes"))
	secReport(t, secGet(app, "/scopes").check(200, `{"dep1":["scope3","scope1"],"dep2":["scope3","scope2"]}`, ""))
}

func TestSecurityScopesDuplicateAtDepth3(t *testing.T) {
	// docs/fastapi-compat.md §2.2 quirk (probe): Security(A,["x"]) -> A: Security(B,["x"]) ->
	// B: Security(C,["y"]) gives C ["x","x","y"].
	C := di.Provide(func(s di.SecurityScopes) ([]string, error) { return s.Scopes, nil })
	B := di.Provide(func(v []string) ([]string, error) { return v, nil }, di.Security(C, "y"))
	A := di.Provide(func(v []string) ([]string, error) { return v, nil }, di.Security(B, "x"))
	app := fastAPIApp()
	app.Get("/", func(v []string) (any, error) { return v, nil }, di.Security(A, "x"), router.Name("endpoint"))
	secReport(t, secGet(app, "/").check(200, `["x","x","y"]`, ""))
}

func TestDependencySecurityOverrides(t *testing.T) {
	// tests/test_dependency_security_overrides.py: an override keeps the scopes.
	type userData struct {
		name   string
		scopes []string
	}
	type data []int
	getUser := di.Provide(func(s di.SecurityScopes) (userData, error) { return userData{"john", s.Scopes}, nil })
	getUserOverride := di.Provide(func(s di.SecurityScopes) (userData, error) { return userData{"alice", s.Scopes}, nil })
	getData := di.Provide(func() (data, error) { return data{1, 2, 3}, nil })
	getDataOverride := di.Provide(func() (data, error) { return data{3, 4, 5}, nil })
	app := fastAPIApp()
	app.Get("/user", func(u userData, d data) (any, error) {
		return map[string]any{"user": u.name, "scopes": u.scopes, "data": d}, nil
	}, di.Security(getUser, "foo", "bar"), di.Depends(getData), router.Name("read_user"))

	t.Run("test_normal", func(t *testing.T) {
		secReport(t, secGet(app, "/user").check(200, `{"user":"john","scopes":["foo","bar"],"data":[1,2,3]}`, ""))
	})
	t.Run("test_override_data", func(t *testing.T) {
		app.Override(getData, getDataOverride)
		defer app.ResetOverrides()
		secReport(t, secGet(app, "/user").check(200, `{"user":"john","scopes":["foo","bar"],"data":[3,4,5]}`, ""))
	})
	t.Run("test_override_security", func(t *testing.T) {
		app.Override(getUser, getUserOverride)
		defer app.ResetOverrides()
		secReport(t, secGet(app, "/user").check(200, `{"user":"alice","scopes":["foo","bar"],"data":[1,2,3]}`, ""))
	})
}

func TestDependencyParamless(t *testing.T) {
	// tests/test_dependency_paramless.py: route-level Security(dep, scopes)
	// passes the scopes as a parameter would.
	scheme := &security.OAuth2PasswordBearer{TokenURL: "token"}
	type creds map[string]any
	processAuth := di.Provide(func(tok security.Token, s di.SecurityScopes) (creds, error) {
		if !slices.Contains(s.Scopes, "a") || !slices.Contains(s.Scopes, "b") {
			return nil, keel.NewHTTPError(http.StatusUnauthorized, "a or b not in scopes")
		}
		return creds{"token": string(tok), "scopes": s.Scopes}, nil
	}, di.Security(scheme))
	ok := func() (any, error) { return map[string]string{"status": "ok"}, nil }
	app := fastAPIApp()
	app.Get("/get-credentials", func(c creds) (any, error) { return c, nil },
		di.Security(processAuth, "a", "b"), router.Name("get_credentials"))
	app.Get("/parameterless-with-scopes", ok,
		router.Dependencies(di.Security(processAuth, "a", "b")), router.Name("get_parameterless_with_scopes"))
	app.Get("/parameterless-without-scopes", ok,
		router.Dependencies(di.Security(processAuth)), router.Name("get_parameterless_without_scopes"))
	bearer := []string{"authorization", "Bearer token"}
	t.Run("test_get_credentials", func(t *testing.T) {
		secReport(t, secGet(app, "/get-credentials", bearer...).check(200, `{"token":"token","scopes":["a","b"]}`, ""))
	})
	t.Run("test_parameterless_with_scopes", func(t *testing.T) {
		secReport(t, secGet(app, "/parameterless-with-scopes", bearer...).check(200, `{"status":"ok"}`, ""))
	})
	t.Run("test_parameterless_without_scopes", func(t *testing.T) {
		secReport(t, secGet(app, "/parameterless-without-scopes", bearer...).check(401, `{"detail":"a or b not in scopes"}`, ""))
	})
}

func TestSecurityRequirementMerging(t *testing.T) {
	// docs/fastapi-compat.md §2.3 (probe): route dependencies=[Security(user,["c"])]; parameters
	// Security(user,["b","a"]) and Security(scheme,["a","z"]), user depending on
	// scheme: [{"OAuth2PasswordBearer":["c","b","a","z"]}]. And
	// Security(HTTPBearer(), ["x"]) gives [{"HTTPBearer":["x"]}].
	scheme := &security.OAuth2PasswordBearer{TokenURL: "token"}
	type user string
	getUser := di.Provide(func(t security.Token) (user, error) { return user(t), nil }, di.Depends(scheme))
	app := fastAPIApp()
	app.Get("/merged", func(u user, t security.Token) (any, error) { return string(u), nil },
		router.Dependencies(di.Security(getUser, "c")), di.Security(getUser, "b", "a"), di.Security(scheme, "a", "z"),
		router.Name("merged"))
	app.Get("/bearer", func(c security.HTTPAuthorizationCredentials) (any, error) { return c, nil },
		di.Security(&security.HTTPBearer{}, "x"), router.Name("bearer"))
	secReport(t, oaCheckPart(t, app, `[{"OAuth2PasswordBearer":["c","b","a","z"]}]`, "paths", "/merged", "get", "security"))
	secReport(t, oaCheckPart(t, app, `[{"HTTPBearer":["x"]}]`, "paths", "/bearer", "get", "security"))
	secReport(t, secGet(app, "/merged", "Authorization", "Bearer tok").check(200, `"tok"`, ""))
}

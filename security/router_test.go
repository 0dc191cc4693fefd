package security_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// Black-box tests through router.New: the schemes as dependencies.

type result struct {
	code   int
	body   string
	header http.Header
}

func do(t *testing.T, h http.Handler, r *http.Request) result {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Body)
	return result{w.Code, strings.TrimSpace(string(b)), w.Header()}
}

func getWith(path, auth string) *http.Request {
	r := httptest.NewRequest("GET", path, nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	return r
}

func (r result) check(t *testing.T, code int, body string, challenges ...string) {
	t.Helper()
	if r.code != code || r.body != body {
		t.Errorf("got %d %s, want %d %s", r.code, r.body, code, body)
	}
	if got := r.header.Values("WWW-Authenticate"); strings.Join(got, "|") != strings.Join(challenges, "|") {
		t.Errorf("WWW-Authenticate = %q, want %q", got, challenges)
	}
}

func TestRouterSchemes(t *testing.T) {
	app := router.New(router.Info{Title: "x", Version: "1"})
	app.Get("/bearer", func(c security.HTTPAuthorizationCredentials) (security.HTTPAuthorizationCredentials, error) {
		return c, nil
	}, di.Depends(&security.HTTPBearer{}))
	app.Get("/token", func(t security.Token) (security.Token, error) { return t, nil },
		di.Depends(&security.OAuth2PasswordBearer{TokenURL: "token"}))
	app.Get("/basic", func(c *security.HTTPBasicCredentials) (*security.HTTPBasicCredentials, error) { return c, nil },
		di.Depends(&security.HTTPBasic{Realm: "simple", Optional: true}))
	app.Get("/key", func(k security.APIKey) (security.APIKey, error) { return k, nil },
		di.Depends(&security.APIKeyQuery{Param: "key"}))

	do(t, app, getWith("/bearer", "")).check(t, 401, `{"detail":"Not authenticated"}`, "Bearer")
	do(t, app, getWith("/bearer", "bearer  x ")).check(t, 200, `{"scheme":"bearer","credentials":"x"}`)
	do(t, app, getWith("/token", "Bearer")).check(t, 200, `""`)
	do(t, app, getWith("/token", "Basic x")).check(t, 401, `{"detail":"Not authenticated"}`, "Bearer")
	do(t, app, getWith("/basic", "")).check(t, 200, `null`)
	do(t, app, getWith("/basic", "Basic Og")).check(t, 401, `{"detail":"Not authenticated"}`, `Basic realm="simple"`)
	do(t, app, getWith("/basic", "Basic dTpwOnE=")).check(t, 200, `{"username":"u","password":"p:q"}`)
	do(t, app, getWith("/key?key=a&key=b", "")).check(t, 200, `"b"`)
	do(t, app, getWith("/key?key=", "")).check(t, 401, `{"detail":"Not authenticated"}`, "APIKey")
}

var jwtSecret = []byte("a secret of at least 32 bytes...")

func jwtToken(t *testing.T, sub, scope string) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": sub, "scope": scope, "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(jwtSecret)
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + s
}

type User struct {
	Name string `json:"name"`
}

// TestRouterJWTScopes: the route's scopes reach JWTBearer through the graph
// (docs/fastapi-compat.md §2.2) and its OpenAPI requirement (docs/fastapi-compat.md §2.3).
func TestRouterJWTScopes(t *testing.T) {
	tokens := &security.JWTBearer[security.Claims]{
		Key: jwtSecret, Name: "OAuth2PasswordBearer", TokenURL: "token",
		Scopes: map[string]string{"me": "Me", "items": "Items"},
	}
	currentUser := di.Provide(func(c security.Claims) (User, error) { return User{c.Subject}, nil }, tokens)
	activeUser := di.Provide(func(u User) (*User, error) { return &u, nil }, di.Security(currentUser, "me"))
	app := router.New(router.Info{Title: "x", Version: "1"})
	app.Get("/users/me/", func(u *User) (*User, error) { return u, nil }, di.Depends(activeUser))
	app.Get("/users/me/items/", func(u *User) (*User, error) { return u, nil }, di.Security(activeUser, "items"))
	app.Get("/status/", func(u User) (User, error) { return u, nil }, di.Depends(currentUser))

	me, both := jwtToken(t, "alice", "me"), jwtToken(t, "alice", "items me")
	do(t, app, getWith("/users/me/", "")).check(t, 401, `{"detail":"Not authenticated"}`, "Bearer")
	do(t, app, getWith("/users/me/", "Bearer nope")).check(t, 401, `{"detail":"Could not validate credentials"}`, `Bearer error="invalid_token"`)
	do(t, app, getWith("/users/me/", me)).check(t, 200, `{"name":"alice"}`)
	do(t, app, getWith("/users/me/items/", me)).check(t, 403, `{"detail":"Not enough permissions"}`, `Bearer error="insufficient_scope", scope="items me"`)
	do(t, app, getWith("/users/me/items/", both)).check(t, 200, `{"name":"alice"}`)
	do(t, app, getWith("/status/", jwtToken(t, "bob", ""))).check(t, 200, `{"name":"bob"}`)

	res := do(t, app, getWith("/openapi.json", ""))
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
		Components struct {
			SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(res.body), &doc); err != nil {
		t.Fatalf("openapi.json: %v: %s", err, res.body)
	}
	for path, want := range map[string]string{"/users/me/": `[{"OAuth2PasswordBearer":["me"]}]`, "/users/me/items/": `[{"OAuth2PasswordBearer":["items","me"]}]`, "/status/": `[{"OAuth2PasswordBearer":[]}]`} {
		got, _ := json.Marshal(doc.Paths[path]["get"].Security)
		if string(got) != want {
			t.Errorf("%s security = %s, want %s", path, got, want)
		}
	}
	if got := string(doc.Components.SecuritySchemes["OAuth2PasswordBearer"]); got != `{"flows":{"password":{"scopes":{"items":"Items","me":"Me"},"tokenUrl":"token"}},"type":"oauth2"}` {
		t.Errorf("component = %s", got)
	}
}

// TestRouterScopesDontPropagate is tests/test_security_scopes_dont_propagate.py
// (docs/fastapi-compat.md §2.2) with JWTBearer under both siblings: each sees only its own branch.
func TestRouterScopesDontPropagate(t *testing.T) {
	type S1 []string
	type S2 []string
	tokens := &security.JWTBearer[security.Claims]{Key: jwtSecret, ClaimScopes: func(c *security.Claims) []string {
		return c.Scopes()
	}}
	security1 := di.Provide(func(s di.SecurityScopes, _ security.Claims) S1 { return S1(s.Scopes) }, tokens)
	security2 := di.Provide(func(s di.SecurityScopes, _ security.Claims) S2 { return S2(s.Scopes) }, tokens)
	dep3 := di.Provide(func(a S1, b S2) map[string][]string {
		return map[string][]string{"security1": a, "security2": b}
	}, di.Security(security1, "scope1"), di.Security(security2, "scope2"))
	app := router.New(router.Info{Title: "x", Version: "1"})
	app.Get("/scopes", func(m map[string][]string) (map[string][]string, error) { return m, nil }, di.Security(dep3, "scope3"))

	do(t, app, getWith("/scopes", jwtToken(t, "a", "scope1 scope2 scope3"))).
		check(t, 200, `{"security1":["scope3","scope1"],"security2":["scope3","scope2"]}`)
	// scope2 missing: the second sibling's JWTBearer refuses with its own scopes.
	do(t, app, getWith("/scopes", jwtToken(t, "a", "scope1 scope3"))).
		check(t, 403, `{"detail":"Not enough permissions"}`, `Bearer error="insufficient_scope", scope="scope3 scope2"`)
}

// TestRouterScopesSubDependency is tests/test_security_scopes_sub_dependency.py
// (docs/fastapi-compat.md §2.4) with JWTBearer under get_current_user: call counts per request.
func TestRouterScopesSubDependency(t *testing.T) {
	type DB struct{ ID int64 }
	type CurrentUser struct {
		Scopes []string `json:"scopes"`
		DB     int64    `json:"db_session"`
		Sub    string   `json:"sub"`
	}
	type UserMe struct {
		User CurrentUser `json:"user"`
		ID   int64       `json:"id"`
	}
	type UserItems struct {
		Me UserMe `json:"user_me"`
	}
	var dbCalls, userCalls, meCalls, itemsCalls, verifyCalls atomic.Int64
	scheme := &security.JWTBearer[security.Claims]{
		Algorithms: []string{"HS256"},
		KeyFunc:    countingKey(&verifyCalls),
	}
	getDB := di.Provide(func() DB { return DB{dbCalls.Add(1)} })
	getCurrentUser := di.Provide(func(s di.SecurityScopes, db DB, c security.Claims) CurrentUser {
		userCalls.Add(1)
		return CurrentUser{Scopes: s.Scopes, DB: db.ID, Sub: c.Subject}
	}, getDB, scheme)
	getUserMe := di.Provide(func(u CurrentUser) UserMe { return UserMe{u, meCalls.Add(1)} }, di.Security(getCurrentUser, "me"))
	getUserItems := di.Provide(func(me UserMe) UserItems { itemsCalls.Add(1); return UserItems{me} }, getUserMe)
	app := router.New(router.Info{Title: "x", Version: "1"})
	app.Get("/", func(me UserMe, items UserItems) (map[string]any, error) {
		return map[string]any{"user_me": me, "user_items": items}, nil
	}, getUserMe, di.Security(getUserItems, "items"))

	res := do(t, app, getWith("/", jwtToken(t, "alice", "me items")))
	want := `{"user_items":{"user_me":{"user":{"scopes":["items","me"],"db_session":1,"sub":"alice"},"id":2}},"user_me":{"user":{"scopes":["me"],"db_session":1,"sub":"alice"},"id":1}}`
	res.check(t, 200, want)
	counts := fmt.Sprint(dbCalls.Load(), userCalls.Load(), meCalls.Load(), itemsCalls.Load(), verifyCalls.Load())
	if counts != "1 2 2 1 2" {
		t.Errorf("calls db, current_user, user_me, user_items, JWT = %s, want 1 2 2 1 2", counts)
	}
}

func TestRouterPasswordForm(t *testing.T) {
	app := router.New(router.Info{Title: "x", Version: "1"})
	app.Post("/login", func(f security.OAuth2PasswordRequestForm) (security.OAuth2PasswordRequestForm, error) { return f, nil })
	app.Post("/strict", func(f security.OAuth2PasswordRequestFormStrict) (security.OAuth2PasswordRequestFormStrict, error) {
		return f, nil
	})
	post := func(path string, form url.Values) *http.Request {
		r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	do(t, app, post("/login", url.Values{"username": {"johndoe"}, "password": {"secret"}, "scope": {"  me items\t"}})).
		check(t, 200, `{"grant_type":null,"username":"johndoe","password":"secret","scopes":["me","items"],"client_id":null,"client_secret":null}`)
	do(t, app, post("/login", url.Values{"grant_type": {""}, "username": {"johndoe"}, "password": {"secret"}})).
		check(t, 200, `{"grant_type":null,"username":"johndoe","password":"secret","scopes":[],"client_id":null,"client_secret":null}`)
	do(t, app, post("/strict", url.Values{"grant_type": {"password"}, "username": {"johndoe"}, "password": {"secret"}, "client_id": {"id"}})).
		check(t, 200, `{"grant_type":"password","username":"johndoe","password":"secret","scopes":[],"client_id":"id","client_secret":null}`)
	do(t, app, post("/strict", url.Values{})).check(t, 422,
		`{"detail":[{"type":"missing","loc":["body","grant_type"],"msg":"Field required","input":null},{"type":"missing","loc":["body","username"],"msg":"Field required","input":null},{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}`)
	for _, gt := range []string{"incorrect", "passwordblah", "blahpassword"} {
		do(t, app, post("/strict", url.Values{"grant_type": {gt}, "username": {"johndoe"}, "password": {"secret"}})).check(t, 422,
			`{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '^password$'","input":"`+gt+`","ctx":{"pattern":"^password$"}}]}`)
	}

	// The request body schemas of docs/fastapi-compat.md §1.3 (compared as parsed JSON).
	var doc map[string]any
	if err := json.Unmarshal([]byte(do(t, app, getWith("/openapi.json", "")).body), &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	bodySchema := func(path string) any {
		op := doc["paths"].(map[string]any)[path].(map[string]any)["post"].(map[string]any)
		rb := op["requestBody"].(map[string]any)
		if rb["required"] != true {
			t.Errorf("%s: requestBody not required", path)
		}
		ref := rb["content"].(map[string]any)["application/x-www-form-urlencoded"].(map[string]any)["schema"].(map[string]any)["$ref"].(string)
		s := schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		delete(s, "title")
		return s
	}
	const login = `{"properties":{"client_id":{"anyOf":[{"type":"string"},{"type":"null"}],"title":"Client Id"},"client_secret":{"anyOf":[{"type":"string"},{"type":"null"}],"format":"password","title":"Client Secret"},"grant_type":{"anyOf":[{"pattern":"^password$","type":"string"},{"type":"null"}],"title":"Grant Type"},"password":{"format":"password","title":"Password","type":"string"},"scope":{"default":"","title":"Scope","type":"string"},"username":{"title":"Username","type":"string"}},"required":["username","password"],"type":"object"}`
	const strict = `{"properties":{"client_id":{"anyOf":[{"type":"string"},{"type":"null"}],"title":"Client Id"},"client_secret":{"anyOf":[{"type":"string"},{"type":"null"}],"title":"Client Secret"},"grant_type":{"pattern":"^password$","title":"Grant Type","type":"string"},"password":{"title":"Password","type":"string"},"scope":{"default":"","title":"Scope","type":"string"},"username":{"title":"Username","type":"string"}},"required":["grant_type","username","password"],"type":"object"}`
	for path, want := range map[string]string{"/login": login, "/strict": strict} {
		got, _ := json.Marshal(bodySchema(path))
		if string(got) != want {
			t.Errorf("%s body schema:\n got %s\nwant %s", path, got, want)
		}
	}
}

// TestRouterDuplicateSchemeName: two different schemes under one name are a
// registration error (FastAPI keeps the last silently, docs/fastapi-compat.md §1.5).
func TestRouterDuplicateSchemeName(t *testing.T) {
	app := router.New(router.Info{Title: "x", Version: "1"})
	app.Get("/a", func(security.APIKey) (string, error) { return "", nil }, di.Depends(&security.APIKeyHeader{Header: "X-A"}))
	app.Get("/same", func(security.APIKey) (string, error) { return "", nil }, di.Depends(&security.APIKeyHeader{Header: "X-A"}))
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `"APIKeyHeader"`) {
			t.Errorf("recovered %v, want a duplicate-name error", r)
		}
	}()
	app.Get("/b", func(security.APIKey) (string, error) { return "", nil }, di.Depends(&security.APIKeyHeader{Header: "X-B"}))
	// The error may also surface when the document is built.
	do(t, app, getWith("/openapi.json", ""))
}

// TestRouterSchemeNameCompared: a scheme is compared with the one its name
// was first seen with however many routes used either before, and only the
// first one's own routes skip the comparison (the registrar encodes a
// scheme's component once, not per route).
func TestRouterSchemeNameCompared(t *testing.T) {
	a := &security.APIKeyHeader{Header: "X-A"}
	equal := &security.APIKeyHeader{Header: "X-A"} // another value, the same component
	other := &security.APIKeyHeader{Header: "X-B"}
	h := func(security.APIKey) (string, error) { return "", nil }
	for _, tc := range []struct {
		name    string
		schemes []*security.APIKeyHeader
		fails   bool
	}{
		{"one scheme on many routes", []*security.APIKeyHeader{a, a, a}, false},
		{"equal schemes", []*security.APIKeyHeader{a, a, equal, equal, a}, false},
		{"a different one after many", []*security.APIKeyHeader{a, a, a, other}, true},
		{"a different one after an equal one", []*security.APIKeyHeader{a, equal, equal, other}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := router.New(router.Info{Title: "x", Version: "1"})
			var failed any
			func() {
				defer func() { failed = recover() }()
				for i, s := range tc.schemes {
					app.Get(fmt.Sprintf("/r%d", i), h, di.Depends(s))
				}
			}()
			if tc.fails != (failed != nil) || failed != nil && !strings.Contains(fmt.Sprint(failed), `two different security schemes are named "APIKeyHeader"`) {
				t.Errorf("registration recovered %v, want a duplicate-name error: %v", failed, tc.fails)
			}
		})
	}
}

// countingKey is a KeyFunc returning jwtSecret that counts its calls: one per
// verification.
func countingKey(n *atomic.Int64) func(context.Context, *jwt.Token) (any, error) {
	return func(context.Context, *jwt.Token) (any, error) {
		n.Add(1)
		return jwtSecret, nil
	}
}

// TestRouterLongAuthorization: over HTTP, an Authorization value longer than
// 8 KiB gets the scheme's 401 (docs/security.md, "Limits"); a valid token
// still works.
func TestRouterLongAuthorization(t *testing.T) {
	jwtScheme := &security.JWTBearer[security.Claims]{Key: jwtSecret}
	bearer := &security.OAuth2PasswordBearer{TokenURL: "token"}
	app := router.New(router.Info{Title: "t", Version: "1"})
	app.Get("/jwt", func(c security.Claims) (string, error) { return c.Subject, nil }, di.Depends(jwtScheme))
	app.Get("/token", func(t security.Token) (int, error) { return len(t), nil }, di.Depends(bearer))
	long := "Bearer " + strings.Repeat("x", 1<<20)
	do(t, app, getWith("/jwt", long)).check(t, 401, `{"detail":"Could not validate credentials"}`, `Bearer error="invalid_token"`)
	do(t, app, getWith("/token", long)).check(t, 401, `{"detail":"Not authenticated"}`, "Bearer")
	do(t, app, getWith("/token", "Bearer "+strings.Repeat("x", security.DefaultMaxAuthorization-7))).check(t, 200, "8185")
	do(t, app, getWith("/jwt", jwtToken(t, "alice", ""))).check(t, 200, `"alice"`)
}

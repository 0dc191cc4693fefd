package conformance

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// Ports of tests/test_tutorial/test_security/* (docs_src/security/*) and of
// tests/test_security_oauth2_authorization_code_bearer_scopes_openapi_simple.py.

func TestSecurityTutorial001(t *testing.T) {
	// docs_src/security/tutorial001: GET /items/ read_items(token = Depends(oauth2_scheme)).
	scheme := &security.OAuth2PasswordBearer{TokenURL: "token"}
	app := fastAPIApp()
	app.Get("/items/", func(t security.Token) (any, error) { return map[string]string{"token": string(t)}, nil },
		di.Depends(scheme), router.Name("read_items"))
	t.Run("test_no_token", func(t *testing.T) {
		secReport(t, secGet(app, "/items/").check(401, secNotAuth, "Bearer"))
	})
	t.Run("test_token", func(t *testing.T) {
		secReport(t, secGet(app, "/items/", "Authorization", "Bearer testtoken").check(200, `{"token":"testtoken"}`, ""))
	})
	t.Run("test_incorrect_token", func(t *testing.T) {
		secReport(t, secGet(app, "/items/", "Authorization", "Notexistent testtoken").check(401, secNotAuth, "Bearer"))
	})
	t.Run("test_openapi_schema", func(t *testing.T) {
		secReport(t, oaCheck(t, app, fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {"/items/": {"get": {"responses": {%s}, "summary": "Read Items", "operationId": "read_items_items__get",
    "security": [{"OAuth2PasswordBearer": []}]}}},
  "components": {"securitySchemes": {"OAuth2PasswordBearer": {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": "token"}}}}}
}`, oa200Any)))
	})
}

// secTutorialUser is docs_src/security/tutorial003's UserInDB.
type secTutorialUser struct {
	Username       string  `json:"username"`
	Email          *string `json:"email"`
	FullName       *string `json:"full_name"`
	Disabled       *bool   `json:"disabled"`
	HashedPassword string  `json:"hashed_password"`
}

// secActiveUser is the result of get_current_active_user.
type secActiveUser struct{ *secTutorialUser }

func secTutorial003App() *router.App {
	s := func(v string) *string { return &v }
	b := func(v bool) *bool { return &v }
	users := map[string]secTutorialUser{
		"johndoe": {Username: "johndoe", FullName: s("John Doe"), Email: s("johndoe@example.com"), HashedPassword: "fakehashedsecret", Disabled: b(false)},
		"alice":   {Username: "alice", FullName: s("Alice Wonderson"), Email: s("alice@example.com"), HashedPassword: "fakehashedsecret2", Disabled: b(true)},
	}
	scheme := &security.OAuth2PasswordBearer{TokenURL: "token"}
	current := di.Provide(func(tok security.Token) (*secTutorialUser, error) {
		u, ok := users[string(tok)]
		if !ok {
			return nil, keel.NewHTTPError(http.StatusUnauthorized, "Invalid authentication credentials").
				WithHeader("WWW-Authenticate", "Bearer")
		}
		return &u, nil
	}, di.Depends(scheme))
	active := di.Provide(func(u *secTutorialUser) (secActiveUser, error) {
		if u.Disabled != nil && *u.Disabled {
			return secActiveUser{}, keel.NewHTTPError(http.StatusBadRequest, "Inactive user")
		}
		return secActiveUser{u}, nil
	}, di.Depends(current))
	app := fastAPIApp()
	app.Post("/token", func(f security.OAuth2PasswordRequestForm) (any, error) {
		u, ok := users[f.Username]
		if !ok || "fakehashed"+f.Password != u.HashedPassword {
			return nil, keel.NewHTTPError(http.StatusBadRequest, "Incorrect username or password")
		}
		return map[string]string{"access_token": u.Username, "token_type": "bearer"}, nil
	}, router.Name("login"))
	app.Get("/users/me", func(u secActiveUser) (any, error) { return u.secTutorialUser, nil },
		di.Depends(active), router.Name("read_users_me"))
	return app
}

func TestSecurityTutorial003(t *testing.T) {
	app := secTutorial003App()
	login := func(user, pass string) secResp {
		return secReq(app, "POST", "/token", url.Values{"username": {user}, "password": {pass}})
	}
	t.Run("test_login", func(t *testing.T) {
		secReport(t, login("johndoe", "secret").check(200, `{"access_token":"johndoe","token_type":"bearer"}`, ""))
	})
	t.Run("test_login_incorrect_password", func(t *testing.T) {
		secReport(t, login("johndoe", "incorrect").check(400, `{"detail":"Incorrect username or password"}`, ""))
	})
	t.Run("test_login_incorrect_username", func(t *testing.T) {
		secReport(t, login("foo", "secret").check(400, `{"detail":"Incorrect username or password"}`, ""))
	})
	t.Run("test_no_token", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me").check(401, secNotAuth, "Bearer"))
	})
	t.Run("test_token", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me", "Authorization", "Bearer johndoe").check(200,
			`{"username":"johndoe","full_name":"John Doe","email":"johndoe@example.com","hashed_password":"fakehashedsecret","disabled":false}`, ""))
	})
	t.Run("test_incorrect_token", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me", "Authorization", "Bearer nonexistent").check(401,
			`{"detail":"Invalid authentication credentials"}`, "Bearer"))
	})
	t.Run("test_incorrect_token_type", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me", "Authorization", "Notexistent testtoken").check(401, secNotAuth, "Bearer"))
	})
	t.Run("test_inactive_user", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me", "Authorization", "Bearer alice").check(400, `{"detail":"Inactive user"}`, ""))
	})
	t.Run("test_openapi_schema", func(t *testing.T) {
		secReport(t, oaCheck(t, app, fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {
    "/token": {"post": {
      "responses": {%s, %s},
      "summary": "Login", "operationId": "login_token_post",
      "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/Body_login_token_post"}}}, "required": true}
    }},
    "/users/me": {"get": {"responses": {%s}, "summary": "Read Users Me", "operationId": "read_users_me_users_me_get",
      "security": [{"OAuth2PasswordBearer": []}]}}
  },
  "components": {
    "schemas": {
      "Body_login_token_post": {
        "title": "Body_login_token_post",
        "required": ["username", "password"],
        "type": "object",
        "properties": {
          "grant_type": {"title": "Grant Type", "anyOf": [{"pattern": "^password$", "type": "string"}, {"type": "null"}]},
          "username": {"title": "Username", "type": "string"},
          "password": {"title": "Password", "type": "string", "format": "password"},
          "scope": {"title": "Scope", "type": "string", "default": ""},
          "client_id": {"title": "Client Id", "anyOf": [{"type": "string"}, {"type": "null"}]},
          "client_secret": {"title": "Client Secret", "anyOf": [{"type": "string"}, {"type": "null"}], "format": "password"}
        }
      },
      %s
    },
    "securitySchemes": {"OAuth2PasswordBearer": {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": "token"}}}}
  }
}`, oa200Any, oa422, oa200Any, oaValidationSchemas)))
	})
}

func TestSecurityTutorial006(t *testing.T) {
	// docs_src/security/tutorial006: HTTPBasic(), read_current_user returns the credentials.
	app := fastAPIApp()
	app.Get("/users/me", func(c security.HTTPBasicCredentials) (any, error) {
		return map[string]string{"username": c.Username, "password": c.Password}, nil
	}, di.Depends(&security.HTTPBasic{}), router.Name("read_current_user"))
	t.Run("test_security_http_basic", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me", "Authorization", secBasicAuth("john", "secret")).check(200,
			`{"username":"john","password":"secret"}`, ""))
	})
	t.Run("test_security_http_basic_no_credentials", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me").check(401, secNotAuth, "Basic"))
	})
	t.Run("test_security_http_basic_invalid_credentials", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me", "Authorization", "Basic notabase64token").check(401, secNotAuth, "Basic"))
	})
	t.Run("test_security_http_basic_non_basic_credentials", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me", "Authorization", "Basic am9obnNlY3JldA==").check(401, secNotAuth, "Basic"))
	})
	t.Run("test_openapi_schema", func(t *testing.T) {
		secReport(t, oaCheck(t, app, fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {"/users/me": {"get": {"responses": {%s}, "summary": "Read Current User",
    "operationId": "read_current_user_users_me_get", "security": [{"HTTPBasic": []}]}}},
  "components": {"securitySchemes": {"HTTPBasic": {"type": "http", "scheme": "basic"}}}
}`, oa200Any)))
	})
}

func TestSecurityTutorial007(t *testing.T) {
	// docs_src/security/tutorial007: get_current_username compares with
	// secrets.compare_digest and raises 401 "Incorrect username or password".
	type username string
	current := di.Provide(func(c security.HTTPBasicCredentials) (username, error) {
		okU := security.CompareSecret(c.Username, "stanleyjobson")
		okP := security.CompareSecret(c.Password, "swordfish")
		if !okU || !okP {
			return "", keel.NewHTTPError(http.StatusUnauthorized, "Incorrect username or password").
				WithHeader("WWW-Authenticate", "Basic")
		}
		return username(c.Username), nil
	}, di.Depends(&security.HTTPBasic{}))
	app := fastAPIApp()
	app.Get("/users/me", func(u username) (any, error) { return map[string]string{"username": string(u)}, nil },
		di.Depends(current), router.Name("read_current_user"))
	t.Run("test_security_http_basic", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me", "Authorization", secBasicAuth("stanleyjobson", "swordfish")).check(200,
			`{"username":"stanleyjobson"}`, ""))
	})
	t.Run("test_security_http_basic_invalid_credentials", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me", "Authorization", "Basic notabase64token").check(401, secNotAuth, "Basic"))
	})
	t.Run("test_security_http_basic_non_basic_credentials", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me", "Authorization", "Basic am9obnNlY3JldA==").check(401, secNotAuth, "Basic"))
	})
	t.Run("test_security_http_basic_invalid_username", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me", "Authorization", secBasicAuth("alice", "swordfish")).check(401,
			`{"detail":"Incorrect username or password"}`, "Basic"))
	})
	t.Run("test_security_http_basic_invalid_password", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me", "Authorization", secBasicAuth("stanleyjobson", "wrongpassword")).check(401,
			`{"detail":"Incorrect username or password"}`, "Basic"))
	})
}

func TestSecurityTutorialAPIKeyHeader(t *testing.T) {
	// docs_src/security/tutorial_api_key_header, at 0.141.1: the missing key is
	// the scheme's 401 with APIKey; a wrong key is the app's own 403.
	scheme := &security.APIKeyHeader{Header: "X-API-Key"}
	type key string
	verify := di.Provide(func(k security.APIKey) (key, error) {
		if !security.CompareSecret(string(k), "supersecret") {
			return "", keel.NewHTTPError(http.StatusForbidden, "Invalid API key")
		}
		return key(k), nil
	}, di.Depends(scheme))
	app := fastAPIApp()
	app.Get("/protected-route", func() (any, error) { return map[string]string{"message": "You are authorized"}, nil },
		router.Dependencies(verify), router.Name("protected_route"))
	t.Run("test_no_api_key", func(t *testing.T) {
		secReport(t, secGet(app, "/protected-route").check(401, secNotAuth, "APIKey"))
	})
	t.Run("test_invalid_api_key", func(t *testing.T) {
		secReport(t, secGet(app, "/protected-route", "X-API-Key", "wrong").check(403, `{"detail":"Invalid API key"}`, ""))
	})
	t.Run("test_valid_api_key", func(t *testing.T) {
		secReport(t, secGet(app, "/protected-route", "X-API-Key", "supersecret").check(200, `{"message":"You are authorized"}`, ""))
	})
}

func TestSecurityOAuth2AuthorizationCodeBearerScopesOpenAPISimple(t *testing.T) {
	scheme := &security.OAuth2AuthorizationCodeBearer{
		AuthorizationURL: "api/oauth/authorize",
		TokenURL:         "/api/oauth/token",
		Scopes:           map[string]string{"read": "Read access", "write": "Write access"},
	}
	type token string
	getToken := di.Provide(func(t security.Token) (token, error) { return token(t), nil }, di.Depends(scheme))
	app := fastAPIApp(router.WithDependencies(getToken))
	app.Get("/admin", func() (any, error) { return map[string]string{"message": "Admin Access"}, nil },
		router.Dependencies(di.Security(getToken, "read", "write")), router.Name("read_admin"))
	t.Run("test_read_admin", func(t *testing.T) {
		secReport(t, secGet(app, "/admin", "Authorization", "Bearer faketoken").check(200, `{"message":"Admin Access"}`, ""))
	})
	t.Run("test_openapi_schema", func(t *testing.T) {
		secReport(t, oaCheck(t, app, fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {"/admin": {"get": {"summary": "Read Admin", "operationId": "read_admin_admin_get", "responses": {%s},
    "security": [{"OAuth2AuthorizationCodeBearer": ["read", "write"]}]}}},
  "components": {"securitySchemes": {"OAuth2AuthorizationCodeBearer": {"type": "oauth2", "flows": {"authorizationCode": {
    "scopes": {"read": "Read access", "write": "Write access"}, "authorizationUrl": "api/oauth/authorize", "tokenUrl": "/api/oauth/token"}}}}}
}`, oa200Any)))
	})
}

// secTutorial005App is docs_src/security/tutorial005's shape (scopes), with the
// token being the user name instead of a JWT: get_current_user(security_scopes,
// token) checks the scopes and answers 401 with Bearer scope="..." (docs/fastapi-compat.md §2.2, §2.3).
func secTutorial005App() *router.App {
	granted := map[string][]string{"johndoe": {"me", "items"}, "alice": {"me"}}
	scheme := &security.OAuth2PasswordBearer{
		TokenURL: "token",
		Scopes:   map[string]string{"me": "Read information about the current user.", "items": "Read items."},
	}
	// One User type for both providers, as in the tutorial
	// (get_current_active_user takes and returns a User).
	type User struct{ Username string }
	current := di.Provide(func(scopes di.SecurityScopes, tok security.Token) (User, error) {
		auth := "Bearer"
		if len(scopes.Scopes) > 0 {
			auth = `Bearer scope="` + scopes.String() + `"`
		}
		g, ok := granted[string(tok)]
		if !ok {
			return User{}, keel.NewHTTPError(http.StatusUnauthorized, "Could not validate credentials").WithHeader("WWW-Authenticate", auth)
		}
		for _, s := range scopes.Scopes {
			if !slices.Contains(g, s) {
				return User{}, keel.NewHTTPError(http.StatusUnauthorized, "Not enough permissions").WithHeader("WWW-Authenticate", auth)
			}
		}
		return User{string(tok)}, nil
	}, di.Depends(scheme))
	active := di.Provide(func(u User) (User, error) { return u, nil }, di.Security(current, "me"))
	app := fastAPIApp()
	app.Get("/users/me/", func(u User) (any, error) { return map[string]string{"username": u.Username}, nil },
		di.Depends(active), router.Name("read_users_me"))
	app.Get("/users/me/items/", func(u User) (any, error) {
		return []map[string]string{{"item_id": "Foo", "owner": u.Username}}, nil
	}, di.Security(active, "items"), router.Name("read_own_items"))
	app.Get("/status/", func(u User) (any, error) { return map[string]string{"status": "ok"}, nil },
		di.Depends(current), router.Name("read_system_status"))
	return app
}

func TestSecurityTutorial005Scopes(t *testing.T) {
	app := secTutorial005App()
	t.Run("test_read_items", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me/items/", "Authorization", "Bearer johndoe").check(200, `[{"item_id":"Foo","owner":"johndoe"}]`, ""))
	})
	t.Run("test_token_no_scope", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me/items/", "Authorization", "Bearer alice").check(401,
			`{"detail":"Not enough permissions"}`, `Bearer scope="items me"`))
	})
	t.Run("test_token_inexistent_user", func(t *testing.T) {
		secReport(t, secGet(app, "/users/me/", "Authorization", "Bearer bob").check(401,
			`{"detail":"Could not validate credentials"}`, `Bearer scope="me"`))
	})
	t.Run("test_read_system_status", func(t *testing.T) {
		secReport(t, secGet(app, "/status/", "Authorization", "Bearer alice").check(200, `{"status":"ok"}`, ""))
	})
	t.Run("test_read_system_status_no_token", func(t *testing.T) {
		secReport(t, secGet(app, "/status/").check(401, secNotAuth, "Bearer"))
	})
	t.Run("test_openapi_schema_security", func(t *testing.T) {
		for _, c := range []struct{ path, want string }{
			{"/users/me/", `[{"OAuth2PasswordBearer":["me"]}]`},
			{"/users/me/items/", `[{"OAuth2PasswordBearer":["items","me"]}]`},
			{"/status/", `[{"OAuth2PasswordBearer":[]}]`},
		} {
			secReport(t, oaCheckPart(t, app, c.want, "paths", c.path, "get", "security"))
		}
		secReport(t, oaCheckPart(t, app, `{"OAuth2PasswordBearer":{"type":"oauth2","flows":{"password":{
			"scopes":{"me":"Read information about the current user.","items":"Read items."},"tokenUrl":"token"}}}}`,
			"components", "securitySchemes"))
		secReport(t, oaCheckPart(t, app, `"read_own_items_users_me_items__get"`, "paths", "/users/me/items/", "get", "operationId"))
	})
}

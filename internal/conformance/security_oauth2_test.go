package conformance

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// secOAuth2App is tests/test_security_oauth2.py's app (and, with optional,
// test_security_oauth2_optional{,_description}.py's): OAuth2 with a password
// flow, POST /login taking OAuth2PasswordRequestFormStrict, GET /users/me.
func secOAuth2App(optional bool, desc string) *router.App {
	scheme := &security.OAuth2{
		Flows: security.OAuthFlows{Password: &security.OAuthFlow{
			TokenURL: "token",
			Scopes:   map[string]string{"read:users": "Read the users", "write:users": "Create users"},
		}},
		Optional:    optional,
		Description: desc,
	}
	app := fastAPIApp()
	app.Post("/login", func(f security.OAuth2PasswordRequestFormStrict) (any, error) { return f, nil },
		router.Name("login"))
	if optional {
		cur := di.Provide(func(k *security.Token) (*secUser, error) {
			if k == nil {
				return nil, nil
			}
			return &secUser{Username: string(*k)}, nil
		}, di.Security(scheme))
		app.Get("/users/me", func(u *secUser) (any, error) {
			if u == nil {
				return map[string]string{"msg": "Create an account first"}, nil
			}
			return u, nil
		}, di.Depends(cur), router.Name("read_users_me"))
	} else {
		cur := di.Provide(func(k security.Token) (secUser, error) { return secUser{Username: string(k)}, nil },
			di.Security(scheme))
		app.Get("/users/me", func(u secUser) (any, error) { return u, nil }, di.Depends(cur),
			router.Name("read_current_user"))
	}
	return app
}

// secOAuth2Doc is test_security_oauth2.py's snapshot.
func secOAuth2Doc(opName, desc string) string {
	d := ""
	if desc != "" {
		d = fmt.Sprintf(`,"description":%q`, desc)
	}
	summary := map[string]string{"read_current_user": "Read Current User", "read_users_me": "Read Users Me"}[opName]
	return fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {
    "/login": {"post": {
      "responses": {%s, %s},
      "summary": "Login",
      "operationId": "login_login_post",
      "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/Body_login_login_post"}}}, "required": true}
    }},
    "/users/me": {"get": {
      "responses": {%s},
      "summary": %q,
      "operationId": "%s_users_me_get",
      "security": [{"OAuth2": []}]
    }}
  },
  "components": {
    "schemas": {
      "Body_login_login_post": {
        "title": "Body_login_login_post",
        "required": ["grant_type", "username", "password"],
        "type": "object",
        "properties": {
          "grant_type": {"title": "Grant Type", "pattern": "^password$", "type": "string"},
          "username": {"title": "Username", "type": "string"},
          "password": {"title": "Password", "type": "string"},
          "scope": {"title": "Scope", "type": "string", "default": ""},
          "client_id": {"title": "Client Id", "anyOf": [{"type": "string"}, {"type": "null"}]},
          "client_secret": {"title": "Client Secret", "anyOf": [{"type": "string"}, {"type": "null"}]}
        }
      },
      %s
    },
    "securitySchemes": {"OAuth2": {"type": "oauth2", "flows": {"password": {
      "scopes": {"read:users": "Read the users", "write:users": "Create users"}, "tokenUrl": "token"}}%s}}
  }
}`, oa200Any, oa422, oa200Any, summary, opName, oaValidationSchemas, d)
}

func TestSecurityOAuth2(t *testing.T) {
	for _, c := range []struct {
		source, opName, desc string
		optional             bool
	}{
		{"test_security_oauth2", "read_current_user", "", false},
		{"test_security_oauth2_optional", "read_users_me", "", true},
		{"test_security_oauth2_optional_description", "read_users_me", "OAuth2 security scheme", true},
	} {
		t.Run(c.source, func(t *testing.T) {
			app := secOAuth2App(c.optional, c.desc)
			authz := func(v string) []string { return []string{"Authorization", v} }
			t.Run("test_security_oauth2", func(t *testing.T) {
				secReport(t, secGet(app, "/users/me", authz("Bearer footokenbar")...).check(200, `{"username":"Bearer footokenbar"}`, ""))
			})
			t.Run("test_security_oauth2_password_other_header", func(t *testing.T) {
				secReport(t, secGet(app, "/users/me", authz("Other footokenbar")...).check(200, `{"username":"Other footokenbar"}`, ""))
			})
			t.Run("test_security_oauth2_password_bearer_no_header", func(t *testing.T) {
				if c.optional {
					secReport(t, secGet(app, "/users/me").check(200, secMsg, secNoHeader))
				} else {
					secReport(t, secGet(app, "/users/me").check(401, secNotAuth, "Bearer"))
				}
			})
			missing := func(field string) string {
				return fmt.Sprintf(`{"type":"missing","loc":["body",%q],"msg":"Field required","input":null}`, field)
			}
			t.Run("test_strict_login_no_data", func(t *testing.T) {
				r := secReq(app, "POST", "/login", nil)
				secReport(t, r.check(422, `{"detail":[`+missing("grant_type")+`,`+missing("username")+`,`+missing("password")+`]}`, ""))
			})
			t.Run("test_strict_login_no_grant_type", func(t *testing.T) {
				r := secReq(app, "POST", "/login", url.Values{"username": {"johndoe"}, "password": {"secret"}})
				secReport(t, r.check(422, `{"detail":[`+missing("grant_type")+`]}`, ""))
			})
			for _, gt := range []string{"incorrect", "passwordblah", "blahpassword"} {
				t.Run("test_strict_login_incorrect_grant_type/"+gt, func(t *testing.T) {
					r := secReq(app, "POST", "/login", url.Values{"username": {"johndoe"}, "password": {"secret"}, "grant_type": {gt}})
					secReport(t, r.check(422, fmt.Sprintf(`{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '^password$'","input":%q,"ctx":{"pattern":"^password$"}}]}`, gt), ""))
				})
			}
			t.Run("test_strict_login_correct_grant_type", func(t *testing.T) {
				r := secReq(app, "POST", "/login", url.Values{"username": {"johndoe"}, "password": {"secret"}, "grant_type": {"password"}})
				secReport(t, r.check(200, `{"grant_type":"password","username":"johndoe","password":"secret","scopes":[],"client_id":null,"client_secret":null}`, ""))
			})
			t.Run("test_openapi_schema", func(t *testing.T) {
				secReport(t, oaCheck(t, app, secOAuth2Doc(c.opName, c.desc)))
			})
		})
	}
}

// secAuthCodeScopesApp is tests/test_security_oauth2_authorization_code_bearer_scopes_openapi.py:
// an app-level dependency get_token on the scheme, route- and router-level
// Security dependencies with scopes (docs/fastapi-compat.md §2.3).
func secAuthCodeScopesApp() *router.App {
	scheme := &security.OAuth2AuthorizationCodeBearer{
		AuthorizationURL: "authorize",
		TokenURL:         "token",
		Scopes:           map[string]string{"read": "Read access", "write": "Write access"},
	}
	type token string
	getToken := di.Provide(func(t security.Token) (token, error) { return token(t), nil }, di.Depends(scheme))
	msg := func(m string) func() (any, error) {
		return func() (any, error) { return map[string]string{"message": m}, nil }
	}
	app := fastAPIApp(router.WithDependencies(getToken))
	app.Get("/", msg("Hello World"), router.Name("root"))
	app.Get("/with-oauth2-scheme", msg("Admin Access"),
		router.Dependencies(di.Security(scheme, "read", "write")), router.Name("read_with_oauth2_scheme"))
	app.Get("/with-get-token", msg("Admin Access"),
		router.Dependencies(di.Security(getToken, "read", "write")), router.Name("read_with_get_token"))
	g := app.Group("", router.Dependencies(di.Security(scheme, "read")))
	g.Get("/items/", func(t security.Token) (any, error) { return map[string]string{"token": string(t)}, nil },
		di.Depends(scheme), router.Name("read_items"))
	g.Post("/items/", func(t security.Token) (any, error) { return map[string]string{"token": string(t)}, nil },
		di.Security(scheme, "read", "write"), router.Name("create_item"))
	return app
}

func TestSecurityOAuth2AuthorizationCodeBearerScopesOpenAPI(t *testing.T) {
	// tests/test_security_oauth2_authorization_code_bearer_scopes_openapi.py
	app := secAuthCodeScopesApp()
	bearer := []string{"Authorization", "Bearer testtoken"}
	t.Run("test_root", func(t *testing.T) {
		secReport(t, secGet(app, "/", bearer...).check(200, `{"message":"Hello World"}`, ""))
	})
	t.Run("test_root_no_token", func(t *testing.T) {
		secReport(t, secGet(app, "/").check(401, secNotAuth, "Bearer"))
	})
	t.Run("test_read_with_oauth2_scheme", func(t *testing.T) {
		secReport(t, secGet(app, "/with-oauth2-scheme", bearer...).check(200, `{"message":"Admin Access"}`, ""))
	})
	t.Run("test_read_with_get_token", func(t *testing.T) {
		secReport(t, secGet(app, "/with-get-token", bearer...).check(200, `{"message":"Admin Access"}`, ""))
	})
	t.Run("test_read_token", func(t *testing.T) {
		secReport(t, secGet(app, "/items/", bearer...).check(200, `{"token":"testtoken"}`, ""))
	})
	t.Run("test_create_token", func(t *testing.T) {
		secReport(t, secReq(app, "POST", "/items/", nil, bearer...).check(200, `{"token":"testtoken"}`, ""))
	})
	t.Run("test_openapi_schema", func(t *testing.T) {
		op := func(summary, id, scopes string) string {
			return fmt.Sprintf(`{"summary": %q, "operationId": %q, "responses": {%s},
			  "security": [{"OAuth2AuthorizationCodeBearer": %s}]}`, summary, id, oa200Any, scopes)
		}
		want := fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {
    "/": {"get": %s},
    "/with-oauth2-scheme": {"get": %s},
    "/with-get-token": {"get": %s},
    "/items/": {"get": %s, "post": %s}
  },
  "components": {"securitySchemes": {"OAuth2AuthorizationCodeBearer": {"type": "oauth2", "flows": {"authorizationCode": {
    "scopes": {"read": "Read access", "write": "Write access"}, "authorizationUrl": "authorize", "tokenUrl": "token"}}}}}
}`,
			op("Root", "root__get", `[]`),
			op("Read With Oauth2 Scheme", "read_with_oauth2_scheme_with_oauth2_scheme_get", `["read","write"]`),
			op("Read With Get Token", "read_with_get_token_with_get_token_get", `["read","write"]`),
			op("Read Items", "read_items_items__get", `["read"]`),
			op("Create Item", "create_item_items__post", `["read","write"]`))
		secReport(t, oaCheck(t, app, want))
	})
}

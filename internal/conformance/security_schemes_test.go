package conformance

import (
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// Ports of FastAPI's tests/test_security_{api_key_*,http_*,oauth2*,openid_connect*}.py
// at FastAPI 0.141.1 (docs/fastapi-compat.md §1.1, §1.2, §1.6: every missing credential is
// 401 {"detail":"Not authenticated"} with a challenge).

// secUser is the tests' `class User(BaseModel): username: str`.
type secUser struct {
	Username string `json:"username"`
}

// secMsg is the optional tests' answer without credentials.
const secMsg = `{"msg":"Create an account first"}`

// secNotAuth is the not-authenticated body.
const secNotAuth = `{"detail":"Not authenticated"}`

// The shapes of the FastAPI test apps.
const (
	// get_current_user(oauth_header = Security(scheme)) -> User(username=oauth_header);
	// GET /users/me read_current_user returns the user.
	secShapeUser = iota
	// GET /users/me read_current_user(credentials = Security(scheme)) returns
	// {"scheme", "credentials"}.
	secShapeCredentials
	// GET /users/me read_current_user(credentials = Security(HTTPBasic)) returns
	// {"username", "password"}.
	secShapeBasic
	// GET /items/ read_items(token = Security(scheme)) returns {"token": token}.
	secShapeItemsToken
)

type secProbe struct {
	target    string
	hdr       []string
	code      int
	body      string
	challenge string
}

type secSchemeCase struct {
	source    string // FastAPI test file
	scheme    di.Source
	optional  bool
	shape     int
	opName    string // the FastAPI endpoint's name
	name      string // component name
	component string // components.securitySchemes[name]
	probes    []secProbe
}

// secBuild declares the FastAPI test's app in Keel.
func secBuild(c secSchemeCase) *router.App {
	app := fastAPIApp()
	name := router.Name(c.opName)
	switch c.shape {
	case secShapeUser:
		var cur *di.Provider
		switch s := c.scheme.(type) {
		case *security.APIKeyHeader, *security.APIKeyQuery, *security.APIKeyCookie:
			if c.optional {
				cur = di.Provide(func(k *security.APIKey) (*secUser, error) {
					if k == nil {
						return nil, nil
					}
					return &secUser{Username: string(*k)}, nil
				}, di.Security(s))
			} else {
				cur = di.Provide(func(k security.APIKey) (*secUser, error) {
					return &secUser{Username: string(k)}, nil
				}, di.Security(s))
			}
		default:
			if c.optional {
				cur = di.Provide(func(k *security.Token) (*secUser, error) {
					if k == nil {
						return nil, nil
					}
					return &secUser{Username: string(*k)}, nil
				}, di.Security(s))
			} else {
				cur = di.Provide(func(k security.Token) (*secUser, error) {
					return &secUser{Username: string(k)}, nil
				}, di.Security(s))
			}
		}
		app.Get("/users/me", func(u *secUser) (any, error) {
			if u == nil {
				return map[string]string{"msg": "Create an account first"}, nil
			}
			return u, nil
		}, di.Depends(cur), name)
	case secShapeCredentials:
		if c.optional {
			app.Get("/users/me", func(c *security.HTTPAuthorizationCredentials) (any, error) {
				if c == nil {
					return map[string]string{"msg": "Create an account first"}, nil
				}
				return map[string]string{"scheme": c.Scheme, "credentials": c.Credentials}, nil
			}, di.Security(c.scheme), name)
		} else {
			app.Get("/users/me", func(c security.HTTPAuthorizationCredentials) (any, error) {
				return map[string]string{"scheme": c.Scheme, "credentials": c.Credentials}, nil
			}, di.Security(c.scheme), name)
		}
	case secShapeBasic:
		if c.optional {
			app.Get("/users/me", func(c *security.HTTPBasicCredentials) (any, error) {
				if c == nil {
					return map[string]string{"msg": "Create an account first"}, nil
				}
				return map[string]string{"username": c.Username, "password": c.Password}, nil
			}, di.Security(c.scheme), name)
		} else {
			app.Get("/users/me", func(c security.HTTPBasicCredentials) (any, error) {
				return map[string]string{"username": c.Username, "password": c.Password}, nil
			}, di.Security(c.scheme), name)
		}
	case secShapeItemsToken:
		if c.optional {
			app.Get("/items/", func(t *security.Token) (any, error) {
				if t == nil {
					return map[string]string{"msg": "Create an account first"}, nil
				}
				return map[string]string{"token": string(*t)}, nil
			}, di.Security(c.scheme), name)
		} else {
			app.Get("/items/", func(t security.Token) (any, error) {
				return map[string]string{"token": string(t)}, nil
			}, di.Security(c.scheme), name)
		}
	}
	return app
}

// secBasicAuth is requests' HTTPBasicAuth header value.
func secBasicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// secOpenAPI is the document of a one-route security test app (docs/fastapi-compat.md §1.1: no
// 422 for a security-only operation).
func secOpenAPI(c secSchemeCase) string {
	path := "/users/me"
	if c.shape == secShapeItemsToken {
		path = "/items/"
	}
	opID := c.opName + "_users_me_get"
	if c.shape == secShapeItemsToken {
		opID = c.opName + "_items__get"
	}
	summary := map[string]string{
		"read_current_user": "Read Current User",
		"read_users_me":     "Read Users Me",
		"read_items":        "Read Items",
	}[c.opName]
	return fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {%q: {"get": {
    "responses": {%s},
    "summary": %q,
    "operationId": %q,
    "security": [{%q: []}]
  }}},
  "components": {"securitySchemes": {%q: %s}}
}`, path, oa200Any, summary, opID, c.name, c.name, c.component)
}

func secSchemeCases() []secSchemeCase {
	authz := func(v string) []string { return []string{"Authorization", v} }
	var cases []secSchemeCase

	// APIKey{Header,Query,Cookie}{,_optional,_description}.
	type keyKind struct {
		file, name, in string
		scheme         func(opt bool, desc string) di.Source
		send           func(v string) (target string, hdr []string)
	}
	kinds := []keyKind{
		{"header", "APIKeyHeader", "header",
			func(opt bool, desc string) di.Source {
				return &security.APIKeyHeader{Header: "key", Optional: opt, Description: desc}
			},
			func(v string) (string, []string) { return "/users/me", []string{"key", v} }},
		{"query", "APIKeyQuery", "query",
			func(opt bool, desc string) di.Source {
				return &security.APIKeyQuery{Param: "key", Optional: opt, Description: desc}
			},
			func(v string) (string, []string) { return "/users/me?key=" + v, nil }},
		{"cookie", "APIKeyCookie", "cookie",
			func(opt bool, desc string) di.Source {
				return &security.APIKeyCookie{Cookie: "key", Optional: opt, Description: desc}
			},
			func(v string) (string, []string) { return "/users/me", []string{"Cookie", "key=" + v} }},
	}
	for _, k := range kinds {
		target, hdr := k.send("secret")
		for _, v := range []struct {
			suffix, desc string
			opt          bool
		}{{"", "", false}, {"_optional", "", true}, {"_description", "API Key " + k.in, false}} {
			comp := fmt.Sprintf(`{"type":"apiKey","name":"key","in":%q`, k.in)
			if v.desc != "" {
				comp += fmt.Sprintf(`,"description":%q`, v.desc)
			}
			comp += "}"
			missing := secProbe{"/users/me", nil, 401, secNotAuth, "APIKey"}
			if v.opt {
				missing = secProbe{"/users/me", nil, 200, secMsg, secNoHeader}
			}
			cases = append(cases, secSchemeCase{
				source: "test_security_api_key_" + k.file + v.suffix, scheme: k.scheme(v.opt, v.desc),
				optional: v.opt, shape: secShapeUser, opName: "read_current_user", name: k.name, component: comp,
				probes: []secProbe{{target, hdr, 200, `{"username":"secret"}`, secNoHeader}, missing},
			})
		}
	}

	// HTTPBase: test_security_http_base{,_optional,_description}.
	for _, v := range []struct {
		suffix, desc string
		opt          bool
	}{{"", "", false}, {"_optional", "", true}, {"_description", "HTTPBase scheme", false}} {
		comp := `{"type":"http","scheme":"Other"`
		if v.desc != "" {
			comp += fmt.Sprintf(`,"description":%q`, v.desc)
		}
		comp += "}"
		missing := secProbe{"/users/me", nil, 401, secNotAuth, "Other"}
		if v.opt {
			missing = secProbe{"/users/me", nil, 200, secMsg, secNoHeader}
		}
		cases = append(cases, secSchemeCase{
			source:   "test_security_http_base" + v.suffix,
			scheme:   &security.HTTPBase{Scheme: "Other", Optional: v.opt, Description: v.desc},
			optional: v.opt, shape: secShapeCredentials, opName: "read_current_user", name: "HTTPBase", component: comp,
			probes: []secProbe{
				{"/users/me", authz("Other foobar"), 200, `{"scheme":"Other","credentials":"foobar"}`, secNoHeader},
				missing,
			},
		})
	}

	// HTTPBearer / HTTPDigest: test_security_http_{bearer,digest}{,_optional,_description}.
	for _, k := range []struct {
		file, name, scheme, title, wrong string
		make                             func(opt bool, desc string) di.Source
	}{
		{"bearer", "HTTPBearer", "bearer", "Bearer", "Basic notreally",
			func(opt bool, desc string) di.Source { return &security.HTTPBearer{Optional: opt, Description: desc} }},
		{"digest", "HTTPDigest", "digest", "Digest", "Other invalidauthorization",
			func(opt bool, desc string) di.Source { return &security.HTTPDigest{Optional: opt, Description: desc} }},
	} {
		for _, v := range []struct {
			suffix, desc string
			opt          bool
		}{{"", "", false}, {"_optional", "", true}, {"_description", k.name + " scheme", false}} {
			comp := fmt.Sprintf(`{"type":"http","scheme":%q`, k.scheme)
			if v.desc != "" {
				comp += fmt.Sprintf(`,"description":%q`, v.desc)
			}
			comp += "}"
			fail := secProbe{code: 401, body: secNotAuth, challenge: k.title}
			if v.opt {
				fail = secProbe{code: 200, body: secMsg, challenge: secNoHeader}
			}
			missing, wrong := fail, fail
			missing.target, wrong.target, wrong.hdr = "/users/me", "/users/me", authz(k.wrong)
			cases = append(cases, secSchemeCase{
				source: "test_security_http_" + k.file + v.suffix, scheme: k.make(v.opt, v.desc),
				optional: v.opt, shape: secShapeCredentials, opName: "read_current_user", name: k.name, component: comp,
				probes: []secProbe{
					{"/users/me", authz(k.title + " foobar"), 200, fmt.Sprintf(`{"scheme":%q,"credentials":"foobar"}`, k.title), secNoHeader},
					missing, wrong,
				},
			})
		}
	}

	// HTTPBasic: test_security_http_basic_{optional,realm,realm_description}.
	notB64 := "Basic notabase64token"
	noColon := "Basic " + base64.StdEncoding.EncodeToString([]byte("johnsecret"))
	cases = append(cases,
		secSchemeCase{
			source: "test_security_http_basic_optional", scheme: &security.HTTPBasic{Optional: true}, optional: true,
			shape: secShapeBasic, opName: "read_current_user", name: "HTTPBasic", component: `{"type":"http","scheme":"basic"}`,
			probes: []secProbe{
				{"/users/me", authz(secBasicAuth("john", "secret")), 200, `{"username":"john","password":"secret"}`, secNoHeader},
				{"/users/me", nil, 200, secMsg, secNoHeader},
				{"/users/me", authz(notB64), 401, secNotAuth, "Basic"},
				{"/users/me", authz(noColon), 401, secNotAuth, "Basic"},
				{"/users/me", authz("Other invalidauthorization"), 200, secMsg, secNoHeader},
			},
		},
		secSchemeCase{
			source: "test_security_http_basic_realm", scheme: &security.HTTPBasic{Realm: "simple"},
			shape: secShapeBasic, opName: "read_current_user", name: "HTTPBasic", component: `{"type":"http","scheme":"basic"}`,
			probes: []secProbe{
				{"/users/me", authz(secBasicAuth("john", "secret")), 200, `{"username":"john","password":"secret"}`, secNoHeader},
				{"/users/me", nil, 401, secNotAuth, `Basic realm="simple"`},
				{"/users/me", authz(notB64), 401, secNotAuth, `Basic realm="simple"`},
				{"/users/me", authz(noColon), 401, secNotAuth, `Basic realm="simple"`},
			},
		},
		secSchemeCase{
			source: "test_security_http_basic_realm_description", scheme: &security.HTTPBasic{Realm: "simple", Description: "HTTPBasic scheme"},
			shape: secShapeBasic, opName: "read_current_user", name: "HTTPBasic",
			component: `{"type":"http","scheme":"basic","description":"HTTPBasic scheme"}`,
			probes: []secProbe{
				{"/users/me", authz(secBasicAuth("john", "secret")), 200, `{"username":"john","password":"secret"}`, secNoHeader},
				{"/users/me", nil, 401, secNotAuth, `Basic realm="simple"`},
				{"/users/me", authz(notB64), 401, secNotAuth, `Basic realm="simple"`},
				{"/users/me", authz(noColon), 401, secNotAuth, `Basic realm="simple"`},
			},
		},
	)

	// OAuth2 (base): test_security_oauth2_optional{,_description} (the strict login
	// form and test_security_oauth2.py itself are in security_oauth2_test.go).
	oauthFlows := security.OAuthFlows{Password: &security.OAuthFlow{
		TokenURL: "token",
		Scopes:   map[string]string{"read:users": "Read the users", "write:users": "Create users"},
	}}
	oauthComp := func(desc string) string {
		s := `{"type":"oauth2","flows":{"password":{"scopes":{"read:users":"Read the users","write:users":"Create users"},"tokenUrl":"token"}}`
		if desc != "" {
			s += fmt.Sprintf(`,"description":%q`, desc)
		}
		return s + "}"
	}
	for _, v := range []struct {
		suffix, desc string
	}{{"", ""}, {"_description", "OAuth2 security scheme"}} {
		cases = append(cases, secSchemeCase{
			source:   "test_security_oauth2_optional" + v.suffix,
			scheme:   &security.OAuth2{Flows: oauthFlows, Optional: true, Description: v.desc},
			optional: true, shape: secShapeUser, opName: "read_users_me", name: "OAuth2", component: oauthComp(v.desc),
			probes: []secProbe{
				{"/users/me", authz("Bearer footokenbar"), 200, `{"username":"Bearer footokenbar"}`, secNoHeader},
				{"/users/me", authz("Other footokenbar"), 200, `{"username":"Other footokenbar"}`, secNoHeader},
				{"/users/me", nil, 200, secMsg, secNoHeader},
			},
		})
	}

	// OAuth2PasswordBearer: test_security_oauth2_password_bearer_optional{,_description}.
	for _, v := range []struct{ suffix, desc string }{{"", ""}, {"_description", "OAuth2PasswordBearer security scheme"}} {
		comp := `{"type":"oauth2","flows":{"password":{"scopes":{},"tokenUrl":"/token"}}`
		if v.desc != "" {
			comp += fmt.Sprintf(`,"description":%q`, v.desc)
		}
		comp += "}"
		cases = append(cases, secSchemeCase{
			source:   "test_security_oauth2_password_bearer_optional" + v.suffix,
			scheme:   &security.OAuth2PasswordBearer{TokenURL: "/token", Optional: true, Description: v.desc},
			optional: true, shape: secShapeItemsToken, opName: "read_items", name: "OAuth2PasswordBearer", component: comp,
			probes: []secProbe{
				{"/items/", nil, 200, secMsg, secNoHeader},
				{"/items/", authz("Non-existent testtoken"), 200, secMsg, secNoHeader},
				{"/items/", authz("Bearer testtoken"), 200, `{"token":"testtoken"}`, secNoHeader},
			},
		})
	}

	// OAuth2AuthorizationCodeBearer: test_security_oauth2_authorization_code_bearer{,_description}.
	for _, v := range []struct{ suffix, desc string }{{"", ""}, {"_description", "OAuth2 Code Bearer"}} {
		comp := `{"type":"oauth2","flows":{"authorizationCode":{"authorizationUrl":"authorize","tokenUrl":"token","scopes":{}}}`
		if v.desc != "" {
			comp += fmt.Sprintf(`,"description":%q`, v.desc)
		}
		comp += "}"
		cases = append(cases, secSchemeCase{
			source: "test_security_oauth2_authorization_code_bearer" + v.suffix,
			scheme: &security.OAuth2AuthorizationCodeBearer{AuthorizationURL: "authorize", TokenURL: "token", Description: v.desc},
			shape:  secShapeItemsToken, opName: "read_items", name: "OAuth2AuthorizationCodeBearer", component: comp,
			probes: []secProbe{
				{"/items/", nil, 401, secNotAuth, "Bearer"},
				{"/items/", authz("Non-existent testtoken"), 401, secNotAuth, "Bearer"},
				{"/items/", authz("Bearer testtoken"), 200, `{"token":"testtoken"}`, secNoHeader},
			},
		})
	}

	// OpenIdConnect: test_security_openid_connect{,_optional,_description}.
	for _, v := range []struct {
		suffix, desc string
		opt          bool
	}{{"", "", false}, {"_optional", "", true}, {"_description", "OpenIdConnect security scheme", false}} {
		comp := `{"type":"openIdConnect","openIdConnectUrl":"/openid"`
		if v.desc != "" {
			comp += fmt.Sprintf(`,"description":%q`, v.desc)
		}
		comp += "}"
		missing := secProbe{"/users/me", nil, 401, secNotAuth, "Bearer"}
		if v.opt {
			missing = secProbe{"/users/me", nil, 200, secMsg, secNoHeader}
		}
		cases = append(cases, secSchemeCase{
			source:   "test_security_openid_connect" + v.suffix,
			scheme:   &security.OpenIdConnect{URL: "/openid", Optional: v.opt, Description: v.desc},
			optional: v.opt, shape: secShapeUser, opName: "read_current_user", name: "OpenIdConnect", component: comp,
			probes: []secProbe{
				{"/users/me", authz("Bearer footokenbar"), 200, `{"username":"Bearer footokenbar"}`, secNoHeader},
				{"/users/me", authz("Other footokenbar"), 200, `{"username":"Other footokenbar"}`, secNoHeader},
				missing,
			},
		})
	}
	return cases
}

func TestSecuritySchemes(t *testing.T) {
	for _, c := range secSchemeCases() {
		t.Run(c.source, func(t *testing.T) {
			app := secBuild(c)
			for _, p := range c.probes {
				errs := secGet(app, p.target, p.hdr...).check(p.code, p.body, p.challenge)
				for i := range errs {
					errs[i] = fmt.Sprintf("GET %s %q: %s", p.target, p.hdr, errs[i])
				}
				secReport(t, errs)
			}
			secReport(t, oaCheck(t, app, secOpenAPI(c)))
		})
	}
}

package conformance

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// The probe matrix of docs/fastapi-compat.md §1.2 and the probes of §1.1 (FastAPI 0.141.1,
// observed), plus tests/test_tutorial/test_authentication_error_status_code.

func TestSecurityProbeMatrix(t *testing.T) {
	creds := func(c security.HTTPAuthorizationCredentials) (any, error) { return c, nil }
	tok := func(t security.Token) (any, error) { return string(t), nil }
	app := fastAPIApp()
	app.Get("/bearer", creds, di.Depends(&security.HTTPBearer{}), router.Name("bearer"))
	app.Get("/digest", creds, di.Depends(&security.HTTPDigest{}), router.Name("digest"))
	app.Get("/base", creds, di.Depends(&security.HTTPBase{Scheme: "other-scheme"}), router.Name("base"))
	app.Get("/pw", tok, di.Depends(&security.OAuth2PasswordBearer{TokenURL: "t"}), router.Name("pw"))
	app.Get("/code", tok, di.Depends(&security.OAuth2AuthorizationCodeBearer{AuthorizationURL: "a", TokenURL: "t"}), router.Name("code"))
	app.Get("/oauth2", tok, di.Depends(&security.OAuth2{}), router.Name("oauth2"))
	app.Get("/oidc", tok, di.Depends(&security.OpenIdConnect{URL: "/o"}), router.Name("oidc"))

	c := func(s, cr string) string { return fmt.Sprintf(`{"scheme":%q,"credentials":%q}`, s, cr) }
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	const no = ""
	// header -> per route: body on 200, or "401/<challenge>".
	rows := []struct {
		header string
		want   map[string]string
	}{
		{no, map[string]string{"/bearer": "401/Bearer", "/digest": "401/Digest", "/base": "401/Other-Scheme", "/pw": "401/Bearer", "/code": "401/Bearer", "/oauth2": "401/Bearer", "/oidc": "401/Bearer"}},
		{"Bearer", map[string]string{"/bearer": "401/Bearer", "/digest": "401/Digest", "/base": "401/Other-Scheme", "/pw": q(""), "/code": q(""), "/oauth2": q("Bearer"), "/oidc": q("Bearer")}},
		{"Bearer x", map[string]string{"/bearer": c("Bearer", "x"), "/digest": "401/Digest", "/base": c("Bearer", "x"), "/pw": q("x"), "/code": q("x"), "/oauth2": q("Bearer x"), "/oidc": q("Bearer x")}},
		{"bearer x", map[string]string{"/bearer": c("bearer", "x"), "/digest": "401/Digest", "/base": c("bearer", "x"), "/pw": q("x"), "/code": q("x"), "/oauth2": q("bearer x"), "/oidc": q("bearer x")}},
		{"Basic x", map[string]string{"/bearer": "401/Bearer", "/digest": "401/Digest", "/base": c("Basic", "x"), "/pw": "401/Bearer", "/code": "401/Bearer", "/oauth2": q("Basic x"), "/oidc": q("Basic x")}},
		{"Bearerx", map[string]string{"/bearer": "401/Bearer", "/digest": "401/Digest", "/base": "401/Other-Scheme", "/pw": "401/Bearer", "/code": "401/Bearer", "/oauth2": q("Bearerx"), "/oidc": q("Bearerx")}},
		{"Digest x", map[string]string{"/bearer": "401/Bearer", "/digest": c("Digest", "x"), "/base": c("Digest", "x"), "/pw": "401/Bearer", "/code": "401/Bearer", "/oauth2": q("Digest x"), "/oidc": q("Digest x")}},
		{"BEARER  x  y ", map[string]string{"/bearer": c("BEARER", "x  y"), "/pw": q("x  y")}},
		{"digest abc=1, b=2", map[string]string{"/digest": c("digest", "abc=1, b=2")}},
	}
	for _, row := range rows {
		for path, want := range row.want {
			var hdr []string
			if row.header != "" {
				hdr = []string{"Authorization", row.header}
			}
			r := secGet(app, path, hdr...)
			var errs []string
			if len(want) > 4 && want[:4] == "401/" {
				errs = r.check(401, secNotAuth, want[4:])
			} else {
				errs = r.check(200, want, secNoHeader)
			}
			for _, e := range errs {
				t.Errorf("GET %s Authorization %q: %s", path, row.header, e)
			}
		}
	}
}

func TestSecurityProbeHTTPBasicBase64(t *testing.T) {
	// docs/fastapi-compat.md §1.2 HTTPBasic base64 leniency table (probes against Python).
	app := fastAPIApp()
	app.Get("/", func(c security.HTTPBasicCredentials) (any, error) { return c, nil },
		di.Depends(&security.HTTPBasic{}), router.Name("basic"))
	ok := map[string]string{
		"dTpw": `{"username":"u","password":"p"}`, "dTpw!!": `{"username":"u","password":"p"}`,
		"dT pw": `{"username":"u","password":"p"}`, "dTpw-_": `{"username":"u","password":"p"}`,
		"dTpw=": `{"username":"u","password":"p"}`, "dTpw==": `{"username":"u","password":"p"}`,
		"=dTpw": `{"username":"u","password":"p"}`, "Og===": `{"username":"","password":""}`,
		"Og==": `{"username":"","password":""}`, "dTpwOnE=": `{"username":"u","password":"p:q"}`,
	}
	for cred, body := range ok {
		for _, e := range secGet(app, "/", "Authorization", "Basic "+cred).check(200, body, secNoHeader) {
			t.Errorf("Basic %q: %s", cred, e)
		}
	}
	for _, cred := range []string{"dTp", "Og", "Og=", "dTpwOnE", "notabase64token", "", "asO2aG46cA==", "bm9jb2xvbg=="} {
		for _, e := range secGet(app, "/", "Authorization", "Basic "+cred).check(401, secNotAuth, "Basic") {
			t.Errorf("Basic %q: %s", cred, e)
		}
	}
}

func TestSecurityProbeAPIKeyValues(t *testing.T) {
	// docs/fastapi-compat.md §1.1/§1.2 (probes): empty is missing; query: last value wins;
	// header: first value wins; cookie from the Cookie header.
	key := func(k security.APIKey) (any, error) { return string(k), nil }
	app := fastAPIApp()
	app.Get("/q", key, di.Depends(&security.APIKeyQuery{Param: "k"}), router.Name("q"))
	app.Get("/h", key, di.Depends(&security.APIKeyHeader{Header: "X-Key"}), router.Name("h"))
	app.Get("/c", key, di.Depends(&security.APIKeyCookie{Cookie: "sess"}), router.Name("c"))
	secReport(t, secGet(app, "/q?k=a&k=b").check(200, `"b"`, ""))
	secReport(t, secGet(app, "/q?k=").check(401, secNotAuth, "APIKey"))
	secReport(t, secGet(app, "/q?K=a").check(401, secNotAuth, "APIKey"))
	secReport(t, secGet(app, "/h", "x-key", "a", "X-Key", "b").check(200, `"a"`, ""))
	secReport(t, secGet(app, "/h", "X-Key", "").check(401, secNotAuth, "APIKey"))
	secReport(t, secGet(app, "/c", "Cookie", "sess=abc").check(200, `"abc"`, ""))
	secReport(t, secGet(app, "/c", "Cookie", "sess=").check(401, secNotAuth, "APIKey"))
	secReport(t, oaCheckPart(t, app, `{"type":"apiKey","in":"header","name":"X-Key"}`, "components", "securitySchemes", "APIKeyHeader"))
}

func TestSecurityAuthenticationErrorStatusCodeTutorial001(t *testing.T) {
	// tests/test_tutorial/test_authentication_error_status_code/test_tutorial001.py:
	// an HTTPBearer subclass HTTPBearer403 whose make_not_authenticated_error
	// returns 403 without a challenge.
	scheme := &security.HTTPBearer{
		Name: "HTTPBearer403",
		NotAuthenticated: func() *keel.HTTPError {
			return keel.NewHTTPError(http.StatusForbidden, "Not authenticated")
		},
	}
	app := fastAPIApp()
	app.Get("/me", func(c security.HTTPAuthorizationCredentials) (any, error) {
		return map[string]string{"message": "You are authenticated", "token": c.Credentials}, nil
	}, di.Depends(scheme), router.Name("read_me"))
	t.Run("test_get_me", func(t *testing.T) {
		secReport(t, secGet(app, "/me", "Authorization", "Bearer secrettoken").check(200,
			`{"message":"You are authenticated","token":"secrettoken"}`, ""))
	})
	t.Run("test_get_me_no_credentials", func(t *testing.T) {
		secReport(t, secGet(app, "/me").check(403, secNotAuth, secNoHeader))
	})
	t.Run("test_openapi_schema", func(t *testing.T) {
		secReport(t, oaCheck(t, app, fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {"/me": {"get": {"summary": "Read Me", "operationId": "read_me_me_get", "responses": {%s},
    "security": [{"HTTPBearer403": []}]}}},
  "components": {"securitySchemes": {"HTTPBearer403": {"type": "http", "scheme": "bearer"}}}
}`, oa200Any)))
	})
}

func TestSecurityHiddenRouteNoComponent(t *testing.T) {
	// docs/fastapi-compat.md §2.3 (probe): a route with include_in_schema=False contributes
	// neither an operation nor a component.
	app := fastAPIApp()
	app.Get("/hidden", func(c security.HTTPAuthorizationCredentials) (any, error) { return c, nil },
		di.Depends(&security.HTTPBearer{}), router.Hidden(), router.Name("hidden"))
	secReport(t, oaCheck(t, app, `{"openapi":"3.1.0","info":{"title":"FastAPI","version":"0.1.0"},"paths":{}}`))
}

package security_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/openapi"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// A scheme's Authenticate method works without dependency injection, for
// example in plain net/http middleware.
func Example() {
	basic := &security.HTTPBasic{Realm: "admin"}
	h := func(w http.ResponseWriter, r *http.Request) {
		c, err := basic.Authenticate(r)
		if err == nil && !(security.CompareSecret(c.Username, "admin") && security.CompareSecret(c.Password, "s3cret")) {
			err = keel.NewHTTPError(401, "Incorrect username or password").WithHeader("WWW-Authenticate", `Basic realm="admin"`)
		}
		var he *keel.HTTPError
		if errors.As(err, &he) {
			fmt.Println(he.Status, he.DetailValue(), he.Headers.Get("WWW-Authenticate"))
			return
		}
		fmt.Println("hello", c.Username)
	}
	r := httptest.NewRequest("GET", "/", nil)
	h(nil, r)
	r.SetBasicAuth("admin", "s3cret")
	h(nil, r)
	r.SetBasicAuth("admin", "guess")
	h(nil, r)
	// Output:
	// 401 Not authenticated Basic realm="admin"
	// hello admin
	// 401 Incorrect username or password Basic realm="admin"
}

// FastAPI's documented "old behaviour" variant: 403 without a challenge when
// credentials are missing (docs/fastapi-compat.md §1.1).
func ExampleHTTPBearer_notAuthenticated() {
	bearer := &security.HTTPBearer{
		NotAuthenticated: func() *keel.HTTPError { return keel.NewHTTPError(http.StatusForbidden, "Not authenticated") },
	}
	_, err := bearer.Authenticate(httptest.NewRequest("GET", "/", nil))
	fmt.Println(err, len(err.(*keel.HTTPError).Headers))
	// Output: 403 Not authenticated 0
}

func ExampleOAuth2PasswordBearer() {
	oauth2 := &security.OAuth2PasswordBearer{TokenURL: "token", Scopes: map[string]string{"me": "Read your profile."}}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer  abc ")
	tok, _ := oauth2.Authenticate(r)
	fmt.Printf("%q\n", *tok)
	comp, _ := json.Marshal(oauth2.OpenAPISecurityScheme())
	fmt.Println(oauth2.SchemeName(), string(comp))
	// Output:
	// "abc"
	// OAuth2PasswordBearer {"flows":{"password":{"scopes":{"me":"Read your profile."},"tokenUrl":"token"}},"type":"oauth2"}
}

func ExampleJWTBearer() {
	secret := []byte("a secret of at least 32 bytes...")
	auth := &security.JWTBearer[security.Claims]{Key: secret, Issuer: "keel-example"}

	tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "alice", "iss": "keel-example", "scope": "me items",
		"exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(secret)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)

	// Used as a dependency, the scopes come from di.Security along the graph.
	claims, err := auth.Authenticate(r, []string{"me"})
	fmt.Println(claims.Subject, claims.Scopes(), err)
	_, err = auth.Authenticate(r, []string{"admin"})
	fmt.Println(err, err.(*keel.HTTPError).Headers.Get("WWW-Authenticate"))
	// Output:
	// alice [me items] <nil>
	// 403 Not enough permissions Bearer error="insufficient_scope", scope="admin"
}

func ExampleDigestAuth() {
	users := map[string]string{"alice": "wonderland"}
	auth := &security.DigestAuth{
		Realm:  "api@example.org",
		Secret: []byte("shared by every instance, 32 B.."),
		Lookup: func(_ context.Context, user, realm, hash string) (security.DigestSecret, bool, error) {
			p, ok := users[user]
			return security.DigestSecret{Password: p}, ok, nil
		},
		Nonces: security.NewMemoryNonceStore(0),
	}
	_, err := auth.Authenticate(httptest.NewRequest("GET", "/", nil))
	for _, c := range err.(*keel.HTTPError).Headers.Values("WWW-Authenticate") {
		head, _, _ := strings.Cut(c, ", nonce=")
		fmt.Println(head, "...")
	}
	// Output:
	// Digest realm="api@example.org", qop="auth", algorithm=SHA-256 ...
	// Digest realm="api@example.org", qop="auth", algorithm=MD5 ...
}

func ExampleOAuth2PasswordRequestForm_Scopes() {
	f := security.OAuth2PasswordRequestForm{Username: "alice", Password: "x", Scope: "  me items\tadmin "}
	fmt.Printf("%q\n", f.Scopes())
	// Output: ["me" "items" "admin"]
}

// Schemes are dependencies: the router runs them before the handler and
// documents them in OpenAPI.
func Example_router() {
	apiKey := &security.APIKeyHeader{Header: "X-API-Key"}
	app := router.New(router.Info{Title: "x", Version: "1"})
	app.Get("/items/", func(k security.APIKey) (map[string]bool, error) {
		return map[string]bool{"valid": security.CompareSecret(string(k), "s3cret")}, nil
	}, di.Depends(apiKey))

	for _, key := range []string{"", "s3cret"} {
		r := httptest.NewRequest("GET", "/items/", nil)
		if key != "" {
			r.Header.Set("X-API-Key", key)
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"), strings.TrimSpace(w.Body.String()))
	}
	// Output:
	// 401 APIKey {"detail":"Not authenticated"}
	// 200  {"valid":true}
}

// A TokenIssuer signs the application's own access tokens; JWTBearer with
// Tokens verifies them, scopes and revocation included.
func ExampleTokenIssuer() {
	ctx := context.Background()
	seed := make([]byte, 32) // read a real one from your secret store
	tokens := &security.TokenIssuer{
		Issuer:   "https://api.example.com",
		Audience: []string{"https://api.example.com"},
		Keys:     []security.SigningKey{{Key: ed25519.NewKeyFromSeed(seed)}},
	}
	bearer := &security.JWTBearer[security.Claims]{Tokens: tokens}

	tok, _ := tokens.Issue(ctx, "alice", []string{"items"}, 15*time.Minute, nil)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	c, err := bearer.Authenticate(r, []string{"items"})
	fmt.Println(c.Subject, c.Scopes(), err)

	_ = tokens.Revoke(ctx, c) // logout
	_, err = bearer.Authenticate(r, nil)
	fmt.Println(err, err.(*keel.HTTPError).Headers.Get("WWW-Authenticate"))
	// Output:
	// alice [items] <nil>
	// 401 Could not validate credentials Bearer error="invalid_token"
}

// An OIDCBearer verifies the access tokens of an OpenID Connect provider.
// Swagger UI logs in through the provider with the authorization code flow
// and PKCE when initOAuth names the client.
func ExampleOIDCBearer() {
	oidc := &security.OIDCBearer[security.Claims]{
		Issuer:   "https://login.example.com/",
		Audience: []string{"https://api.example.com"},
	}
	defer oidc.Close()
	app := router.New(router.Info{Title: "API", Version: "1"}, router.WithDocs(func(c *openapi.Config) {
		c.InitOAuth = map[string]any{"clientId": "api-docs", "usePkceWithAuthorizationCodeGrant": true}
	}))
	owner := func(c security.Claims) (string, error) { return c.Subject, nil }
	app.Get("/items/", func(sub string) ([]string, error) { return []string{sub}, nil },
		di.Security(di.Provide(owner, oidc), "items"))
	s, _ := json.Marshal(oidc.OpenAPISecurityScheme())
	fmt.Println(string(s))
	// Output: {"openIdConnectUrl":"https://login.example.com/.well-known/openid-configuration","type":"openIdConnect"}
}

// signatureScheme is a scheme of one's own: a request signature in a header,
// provided as the signer's name and documented as an API key.
type signatureScheme struct {
	once     sync.Once
	provider *di.Provider
}

func (s *signatureScheme) SchemeName() string { return "Signature" }

func (s *signatureScheme) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{Type: "apiKey", In: "header", Name: "X-Signature"}
}

func (s *signatureScheme) Dependency() di.Dependency {
	s.once.Do(func() {
		s.provider = security.Provide(s, func(r *http.Request) (string, error) {
			signer, _, ok := strings.Cut(r.Header.Get("X-Signature"), ":")
			if !ok { // a real scheme verifies the signature here
				return "", keel.NewHTTPError(http.StatusUnauthorized, "Not authenticated")
			}
			return signer, nil
		})
	})
	return s.provider.Dependency()
}

// A scheme of your own: Provide makes its provider, which the App documents
// and treats as a scheme.
func ExampleProvide() {
	app := router.New(router.Info{Title: "Signed"})
	app.Get("/whoami", func(signer string) (string, error) { return signer, nil }, &signatureScheme{})

	r := httptest.NewRequest("GET", "/whoami", nil)
	r.Header.Set("X-Signature", "alice:c2lnbmF0dXJl")
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	fmt.Println(w.Body.String())

	doc, _ := app.OpenAPI()
	var d struct {
		Components struct {
			SecuritySchemes map[string]any `json:"securitySchemes"`
		} `json:"components"`
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	_ = json.Unmarshal(doc, &d)
	fmt.Println(d.Components.SecuritySchemes, d.Paths["/whoami"]["get"].Security)
	// Output:
	// "alice"
	// map[Signature:map[in:header name:X-Signature type:apiKey]] [map[Signature:[]]]
}

// A LoginThrottle in front of a login route: after MaxPerUser failures from
// one address, even the right password is answered 429 with Retry-After.
func ExampleLoginThrottle() {
	throttle := &security.LoginThrottle{MaxPerUser: 2}
	login := func(form security.OAuth2PasswordRequestForm) (map[string]string, error) {
		if !security.CompareSecret(form.Password, "secret") {
			return nil, keel.NewHTTPError(400, "Incorrect username or password")
		}
		return map[string]string{"access_token": "t", "token_type": "bearer"}, nil
	}
	app := router.New(router.Info{Title: "x", Version: "1"})
	app.Post("/token", login, throttle)
	for _, pw := range []string{"guess1", "guess2", "secret"} {
		r := httptest.NewRequest("POST", "/token", strings.NewReader("username=johndoe&password="+pw))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("Retry-After"), strings.TrimSpace(w.Body.String()))
	}
	// Output:
	// 400  {"detail":"Incorrect username or password"}
	// 400  {"detail":"Incorrect username or password"}
	// 429 900 {"detail":"Too many login attempts"}
}

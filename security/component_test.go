package security

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/resolve"
)

// TestComponentJSON checks each class's OpenAPI component, byte for byte
// (docs/fastapi-compat.md §1.2).
func TestComponentJSON(t *testing.T) {
	tests := []struct {
		scheme Scheme
		name   string
		want   string
	}{
		{&APIKeyQuery{Param: "key"}, "APIKeyQuery", `{"in":"query","name":"key","type":"apiKey"}`},
		{&APIKeyHeader{Header: "X-Key"}, "APIKeyHeader", `{"in":"header","name":"X-Key","type":"apiKey"}`},
		{&APIKeyCookie{Cookie: "key", Description: "API Key Cookie"}, "APIKeyCookie", `{"description":"API Key Cookie","in":"cookie","name":"key","type":"apiKey"}`},
		{&HTTPBase{Scheme: "Other"}, "HTTPBase", `{"scheme":"Other","type":"http"}`},
		{&HTTPBase{Scheme: "other-scheme", Description: "d"}, "HTTPBase", `{"description":"d","scheme":"other-scheme","type":"http"}`},
		{&HTTPBasic{Realm: "simple"}, "HTTPBasic", `{"scheme":"basic","type":"http"}`},
		{&HTTPBasic{Realm: "simple", Description: "HTTPBasic scheme"}, "HTTPBasic", `{"description":"HTTPBasic scheme","scheme":"basic","type":"http"}`},
		{&HTTPBearer{}, "HTTPBearer", `{"scheme":"bearer","type":"http"}`},
		{&HTTPBearer{BearerFormat: "JWT", Name: "bearer"}, "bearer", `{"bearerFormat":"JWT","scheme":"bearer","type":"http"}`},
		{&HTTPDigest{}, "HTTPDigest", `{"scheme":"digest","type":"http"}`},
		{&DigestAuth{Realm: "r"}, "DigestAuth", `{"scheme":"digest","type":"http"}`},
		{&OAuth2{}, "OAuth2", `{"flows":{},"type":"oauth2"}`},
		{&OAuth2{Description: "OAuth2 scheme", Flows: OAuthFlows{
			Password: &OAuthFlow{TokenURL: "token", Scopes: map[string]string{"read:users": "Read the users", "write:users": "Create users"}},
		}}, "OAuth2", `{"description":"OAuth2 scheme","flows":{"password":{"scopes":{"read:users":"Read the users","write:users":"Create users"},"tokenUrl":"token"}},"type":"oauth2"}`},
		{&OAuth2{Flows: OAuthFlows{
			Implicit:          &OAuthFlow{AuthorizationURL: "auth"},
			ClientCredentials: &OAuthFlow{TokenURL: "token", RefreshURL: "refresh"},
			AuthorizationCode: &OAuthFlow{AuthorizationURL: "auth", TokenURL: "token", Extra: map[string]any{"x-extra": 1}},
			Extra:             map[string]any{"x-flows": true},
		}}, "OAuth2", `{"flows":{"authorizationCode":{"authorizationUrl":"auth","scopes":{},"tokenUrl":"token","x-extra":1},"clientCredentials":{"refreshUrl":"refresh","scopes":{},"tokenUrl":"token"},"implicit":{"authorizationUrl":"auth","scopes":{}},"x-flows":true},"type":"oauth2"}`},
		{&OAuth2PasswordBearer{TokenURL: "token"}, "OAuth2PasswordBearer", `{"flows":{"password":{"scopes":{},"tokenUrl":"token"}},"type":"oauth2"}`},
		{&OAuth2PasswordBearer{TokenURL: "/token", RefreshURL: "/refresh", Scopes: map[string]string{"me": "Read information about the current user.", "items": "Read items."}, Description: "d"},
			"OAuth2PasswordBearer", `{"description":"d","flows":{"password":{"refreshUrl":"/refresh","scopes":{"items":"Read items.","me":"Read information about the current user."},"tokenUrl":"/token"}},"type":"oauth2"}`},
		{&OAuth2AuthorizationCodeBearer{AuthorizationURL: "authorize", TokenURL: "token"}, "OAuth2AuthorizationCodeBearer",
			`{"flows":{"authorizationCode":{"authorizationUrl":"authorize","scopes":{},"tokenUrl":"token"}},"type":"oauth2"}`},
		{&OAuth2AuthorizationCodeBearer{AuthorizationURL: "authorize", TokenURL: "token", RefreshURL: "refresh", Scopes: map[string]string{"read": "Read"}, Description: "OAuth2 Code Bearer"}, "OAuth2AuthorizationCodeBearer",
			`{"description":"OAuth2 Code Bearer","flows":{"authorizationCode":{"authorizationUrl":"authorize","refreshUrl":"refresh","scopes":{"read":"Read"},"tokenUrl":"token"}},"type":"oauth2"}`},
		{&OpenIdConnect{URL: "/openid"}, "OpenIdConnect", `{"openIdConnectUrl":"/openid","type":"openIdConnect"}`},
		{&OpenIdConnect{URL: "/openid", Description: "OpenIdConnect security scheme"}, "OpenIdConnect", `{"description":"OpenIdConnect security scheme","openIdConnectUrl":"/openid","type":"openIdConnect"}`},
		{&JWTBearer[Claims]{Key: []byte("k")}, "JWTBearer", `{"bearerFormat":"JWT","scheme":"bearer","type":"http"}`},
		{&JWTBearer[Claims]{Key: []byte("k"), TokenURL: "token", Scopes: map[string]string{"me": "Me"}, Name: "OAuth2PasswordBearer"}, "OAuth2PasswordBearer",
			`{"flows":{"password":{"scopes":{"me":"Me"},"tokenUrl":"token"}},"type":"oauth2"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.scheme.OpenAPISecurityScheme())
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("%T component:\n got %s\nwant %s", tt.scheme, b, tt.want)
		}
		if n := tt.scheme.SchemeName(); n != tt.name {
			t.Errorf("%T SchemeName = %q, want %q", tt.scheme, n, tt.name)
		}
	}
}

// The scopes map of a flow is never shared with the scheme's.
func TestComponentIsACopy(t *testing.T) {
	s := &OAuth2PasswordBearer{TokenURL: "t", Scopes: map[string]string{"a": "A"}}
	s.OpenAPISecurityScheme().Flows.Password.Scopes["b"] = "B"
	if len(s.Scopes) != 1 {
		t.Fatal("component shares the Scopes map")
	}
}

// TestDependency checks that each scheme provides through one provider per
// instance (its identity is the cache key, docs/fastapi-compat.md §2.4), carrying the scheme as
// meta and the documented type.
func TestDependency(t *testing.T) {
	tests := []struct {
		scheme Scheme
		want   string
	}{
		{&APIKeyQuery{Param: "k"}, "security.APIKey"},
		{&APIKeyHeader{Header: "k", Optional: true}, "*security.APIKey"},
		{&APIKeyCookie{Cookie: "k"}, "security.APIKey"},
		{&HTTPBase{Scheme: "x"}, "security.HTTPAuthorizationCredentials"},
		{&HTTPBasic{}, "security.HTTPBasicCredentials"},
		{&HTTPBasic{Optional: true}, "*security.HTTPBasicCredentials"},
		{&HTTPBearer{}, "security.HTTPAuthorizationCredentials"},
		{&HTTPDigest{Optional: true}, "*security.HTTPAuthorizationCredentials"},
		{&OAuth2{}, "security.Token"},
		{&OAuth2PasswordBearer{TokenURL: "t"}, "security.Token"},
		{&OAuth2PasswordBearer{TokenURL: "t", Optional: true}, "*security.Token"},
		{&OAuth2AuthorizationCodeBearer{AuthorizationURL: "a", TokenURL: "t"}, "security.Token"},
		{&OpenIdConnect{URL: "u"}, "security.Token"},
		{&DigestAuth{Realm: "r", Lookup: noUsers}, "security.DigestUser"},
		{&JWTBearer[Claims]{Key: []byte("k")}, "security.Claims"},
		{&JWTBearer[Claims]{Key: []byte("k"), Optional: true}, "*security.Claims"},
	}
	for _, tt := range tests {
		d1, d2 := tt.scheme.Dependency(), di.Depends(tt.scheme)
		p := resolve.Dependency(d1).Provider()
		if p == nil || p != resolve.Dependency(d2).Provider() {
			t.Fatalf("%T: provider not built once", tt.scheme)
		}
		if p.Meta() != any(tt.scheme) {
			t.Errorf("%T: meta = %v", tt.scheme, p.Meta())
		}
		if _, ok := p.Meta().(resolve.Scheme); !ok || p.Name() != tt.scheme.SchemeName() {
			t.Errorf("%T: meta is not a resolve.Scheme, or the provider is not named after it (%s)", tt.scheme, p.Name())
		}
		if got := p.Type().String(); got != tt.want {
			t.Errorf("%T: provides %s, want %s", tt.scheme, got, tt.want)
		}
	}
}

// A scheme's configuration is checked by CheckConfig (the App calls it when
// it registers a route using the scheme), never when the scheme becomes a
// dependency, so schemes declared in package-level vars can be configured in
// main (issue 10 item 4). A failed check is retried once the fields are fixed.
func TestCheckConfig(t *testing.T) {
	tests := []struct {
		scheme Scheme
		msg    string
		fix    func()
	}{}
	add := func(s Scheme, msg string, fix func()) {
		tests = append(tests, struct {
			scheme Scheme
			msg    string
			fix    func()
		}{s, msg, fix})
	}
	{
		s := &APIKeyQuery{}
		add(s, "Param", func() { s.Param = "key" })
	}
	{
		s := &APIKeyHeader{}
		add(s, "Header", func() { s.Header = "x-key" })
	}
	{
		s := &APIKeyCookie{}
		add(s, "Cookie", func() { s.Cookie = "key" })
	}
	{
		s := &HTTPBase{}
		add(s, "Scheme is required", func() { s.Scheme = "other" })
	}
	{
		s := &OAuth2PasswordBearer{}
		add(s, "TokenURL is required", func() { s.TokenURL = "token" })
	}
	{
		s := &OAuth2AuthorizationCodeBearer{TokenURL: "t"}
		add(s, "AuthorizationURL", func() { s.AuthorizationURL = "auth" })
	}
	{
		s := &OpenIdConnect{}
		add(s, "URL", func() { s.URL = "https://example.com/.well-known/openid-configuration" })
	}
	{
		s := &DigestAuth{Lookup: noUsers}
		add(s, "Realm is required", func() { s.Realm = "r" })
	}
	{
		s := &DigestAuth{Realm: "r"}
		add(s, "Lookup is required", func() { s.Lookup = noUsers })
	}
	{
		s := &DigestAuth{Realm: "r", Lookup: noUsers, Secret: []byte("short")}
		add(s, "16 bytes", func() { s.Secret = []byte("0123456789abcdef") })
	}
	{
		s := &DigestAuth{Realm: "r", Lookup: noUsers, Algorithms: []string{"SHA-1"}}
		add(s, `unknown algorithm "SHA-1"`, func() { s.Algorithms = nil })
	}
	{
		s := &JWTBearer[Claims]{}
		add(s, "exactly one of Key, KeyFunc and Tokens", func() { s.Key = []byte("k") })
	}
	{
		s := &JWTBearer[Claims]{Key: "secret"}
		add(s, "[]byte", func() { s.Key = []byte("secret") })
	}
	{
		s := &JWTBearer[Claims]{Key: []byte("k"), Algorithms: []string{"RS256"}}
		add(s, `"RS256" does not fit`, func() { s.Algorithms = []string{"HS256"} })
	}
	{
		s := &JWTBearer[Claims]{Key: []byte("k"), Algorithms: []string{"none"}}
		add(s, `"none" does not fit`, func() { s.Algorithms = nil })
	}
	add(&JWTBearer[struct{ X int }]{Key: []byte("k")}, "does not implement jwt.Claims", nil)
	for _, tt := range tests {
		c, ok := tt.scheme.(ConfigChecker)
		if !ok {
			t.Fatalf("%T does not implement ConfigChecker", tt.scheme)
		}
		if d := tt.scheme.Dependency(); resolve.Dependency(d).Provider() == nil { // never panics, never checks
			t.Errorf("%T: no provider", tt.scheme)
		}
		for range 2 { // the error is reported every time until fixed
			if err := c.CheckConfig(); err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%T: CheckConfig() = %v, want an error containing %q", tt.scheme, err, tt.msg)
			}
		}
		if tt.fix != nil {
			tt.fix()
			if err := c.CheckConfig(); err != nil {
				t.Errorf("%T: after the fix, CheckConfig() = %v", tt.scheme, err)
			}
		}
	}
}

// Optional fixes the type a scheme provides when it first becomes a
// dependency; changing it afterwards is a configuration error.
func TestCheckConfigOptionalChanged(t *testing.T) {
	for _, s := range []Scheme{&HTTPBearer{}, &OAuth2PasswordBearer{TokenURL: "t"}, &JWTBearer[Claims]{Key: []byte("k")}, &APIKeyHeader{Header: "k"}} {
		s.Dependency()
		v := reflect.ValueOf(s).Elem().FieldByName("Optional")
		v.SetBool(true)
		err := s.(ConfigChecker).CheckConfig()
		if err == nil || !strings.Contains(err.Error(), "Optional is true, but it was false when the scheme was first used as a dependency") {
			t.Errorf("%T: CheckConfig() = %v", s, err)
		}
	}
}

// DeclaredScopes lists the scopes a scheme knows, sorted; the flows of OAuth2
// together. Schemes without scopes do not implement ScopeDeclarer.
func TestDeclaredScopes(t *testing.T) {
	scopes := map[string]string{"me": "", "items": ""}
	for _, tt := range []struct {
		scheme Scheme
		want   []string
	}{
		{&OAuth2PasswordBearer{TokenURL: "t", Scopes: scopes}, []string{"items", "me"}},
		{&OAuth2AuthorizationCodeBearer{Scopes: scopes}, []string{"items", "me"}},
		{&JWTBearer[Claims]{Scopes: scopes}, []string{"items", "me"}},
		{&OAuth2{Flows: OAuthFlows{Password: &OAuthFlow{Scopes: map[string]string{"b": ""}}, Implicit: &OAuthFlow{Scopes: map[string]string{"a": "", "b": ""}}}}, []string{"a", "b"}},
		{&OAuth2PasswordBearer{TokenURL: "t"}, nil},
	} {
		if got := tt.scheme.(ScopeDeclarer).DeclaredScopes(); !slices.Equal(got, tt.want) {
			t.Errorf("%T: DeclaredScopes() = %v, want %v", tt.scheme, got, tt.want)
		}
	}
	for _, s := range []Scheme{&HTTPBearer{}, &HTTPBasic{}, &APIKeyHeader{}, &DigestAuth{}, &OpenIdConnect{}} {
		if _, ok := s.(ScopeDeclarer); ok {
			t.Errorf("%T implements ScopeDeclarer", s)
		}
	}
}

func TestPasswordForm(t *testing.T) {
	p := func(s string) *string { return &s }
	f := OAuth2PasswordRequestForm{Username: "johndoe", Password: "secret", Scope: "  a b\tc  \u3000d\x1fe"}
	wantJSON(t, f, `{"grant_type":null,"username":"johndoe","password":"secret","scopes":["a","b","c","d","e"],"client_id":null,"client_secret":null}`)
	s := OAuth2PasswordRequestFormStrict{GrantType: "password", Username: "johndoe", Password: "secret", ClientID: p("id"), ClientSecret: p("cs")}
	wantJSON(t, s, `{"grant_type":"password","username":"johndoe","password":"secret","scopes":[],"client_id":"id","client_secret":"cs"}`)
	if got := (OAuth2PasswordRequestForm{Scope: "me items"}).Scopes(); strings.Join(got, ",") != "me,items" {
		t.Errorf("Scopes = %q", got)
	}
	if got := (OAuth2PasswordRequestFormStrict{}).Scopes(); got == nil || len(got) != 0 {
		t.Errorf("Scopes of empty = %#v, want []", got)
	}
}

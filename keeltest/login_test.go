package keeltest_test

import (
	"net/http"
	"testing"

	"github.com/keelgo/keel/keeltest"
)

func TestLogin(t *testing.T) {
	tests := []struct {
		name   string
		scopes []string
		me     string
		notes  int
	}{
		{"no scopes", nil, `{"name":"johndoe","scopes":[]}`, 401},
		{"one scope", []string{"notes:read"}, `{"name":"johndoe","scopes":["notes:read"]}`, 200},
		{"several", []string{"notes:read", "notes:write"}, `{"name":"johndoe","scopes":["notes:read","notes:write"]}`, 200},
	}
	for _, mode := range []string{"in-process", "server"} {
		for _, tt := range tests {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				c := keeltest.New(t, notesApp())
				if mode == "server" {
					c = keeltest.NewServer(t, notesApp())
				}
				c.Get("/users/me").ExpectStatus(401).ExpectJSON(`{"detail":"Not authenticated"}`)
				tok := c.Login("/token", "johndoe", "secret", tt.scopes...)
				if tok == "" {
					t.Fatal("no token returned")
				}
				c.Get("/users/me").ExpectStatus(200).ExpectJSON(tt.me)
				c.Get("/notes/").ExpectStatus(tt.notes)
				// A request's own Authorization wins; SetBearer("") logs out.
				c.Get("/users/me", keeltest.Bearer("bad token!")).ExpectStatus(401)
				c.SetBearer("")
				c.Get("/users/me").ExpectStatus(401)
				c.SetBearer(tok)
				c.Get("/users/me").ExpectStatus(200)
			})
		}
	}
}

func TestLoginFailures(t *testing.T) {
	tokenHandler := func(body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(body))
		})
	}
	tests := []struct {
		name    string
		handler http.Handler
		failure string
	}{
		{"wrong password", notesApp(), "FATAL keeltest: login as \"johndoe\": POST http://testserver/token: status 400 Bad Request, want 200\nbody: {\"detail\":\"Incorrect username or password\"}"},
		{"not found", http.NotFoundHandler(), `FATAL keeltest: login as "johndoe": POST http://testserver/token: status 404 Not Found, want 200`},
		{"no token", tokenHandler(`{"token_type":"bearer"}`), `FATAL keeltest: login as "johndoe": POST http://testserver/token: want a JSON object with access_token and token_type, got {"token_type":"bearer"}`},
		{"empty token", tokenHandler(`{"access_token":"","token_type":"bearer"}`), `want a JSON object with access_token and token_type`},
		{"no type", tokenHandler(`{"access_token":"x"}`), `want a JSON object with access_token and token_type`},
		{"not json", tokenHandler(`x`), `want a JSON object with access_token and token_type, got x`},
		{"other type", tokenHandler(`{"access_token":"x","token_type":"mac"}`), `FATAL keeltest: login as "johndoe": POST http://testserver/token: token_type "mac", want bearer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := run(t, func(tb testing.TB) { keeltest.New(tb, tt.handler).Login("/token", "johndoe", "wrong") })
			expectFailures(t, f, tt.failure)
		})
	}
	// token_type is compared without case, as RFC 6749 §5.1 says.
	c := keeltest.New(t, tokenHandler(`{"access_token":"x","token_type":"Bearer"}`))
	if tok := c.Login("/token", "a", "b"); tok != "x" {
		t.Errorf("token %q", tok)
	}
}

// What Login sends: the password grant's form.
func TestLoginForm(t *testing.T) {
	var got seen
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Method, got.Path = r.Method, r.URL.Path
		r.ParseForm()
		got.Form = r.PostForm
		got.Header = r.Header
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"t","token_type":"bearer"}`))
	})
	c := keeltest.New(t, h, keeltest.BaseURL("http://testserver/api"))
	c.Login("auth/token", "a b", "p&q", "x", "y")
	if got.Method != "POST" || got.Path != "/api/auth/token" || got.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("%s %s %s", got.Method, got.Path, got.Header.Get("Content-Type"))
	}
	want := map[string]string{"grant_type": "password", "username": "a b", "password": "p&q", "scope": "x y"}
	for k, v := range want {
		if got.Form.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Form.Get(k), v)
		}
	}
	if len(got.Form) != 4 {
		t.Errorf("form %v", got.Form)
	}
	c.Login("auth/token", "a", "b")
	if got.Form.Has("scope") {
		t.Errorf("scope sent without scopes: %v", got.Form)
	}
}

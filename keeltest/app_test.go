package keeltest_test

import (
	"encoding/base64"
	"slices"
	"strings"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// A small Keel app with FastAPI's OAuth2 password flow, for the Login and
// Override tests. Its tokens are not signed: it tests the client, not tokens.

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
}

type user struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

var notesOAuth2 = &security.OAuth2PasswordBearer{
	TokenURL: "token",
	Scopes:   map[string]string{"notes:read": "Read notes.", "notes:write": "Write notes."},
}

// login answers the password flow; grant_type is required (the strict form),
// so the test sees that Login sends it.
func login(form security.OAuth2PasswordRequestFormStrict) (tokenResponse, error) {
	if form.Password != "secret" {
		return tokenResponse{}, keel.NewHTTPError(400, "Incorrect username or password")
	}
	tok := base64.RawURLEncoding.EncodeToString([]byte(form.Username + " " + form.Scope))
	return tokenResponse{AccessToken: tok, TokenType: "bearer"}, nil
}

func currentUser(scopes di.SecurityScopes, tok security.Token) (*user, error) {
	b, err := base64.RawURLEncoding.DecodeString(string(tok))
	if err != nil {
		return nil, keel.NewHTTPError(401, "Could not validate credentials").WithHeader("WWW-Authenticate", "Bearer")
	}
	name, scope, _ := strings.Cut(string(b), " ")
	u := &user{Name: name, Scopes: strings.Fields(scope)}
	for _, s := range scopes.Scopes {
		if !slices.Contains(u.Scopes, s) {
			return nil, keel.NewHTTPError(401, "Not enough permissions").WithHeader("WWW-Authenticate", `Bearer scope="`+scopes.String()+`"`)
		}
	}
	return u, nil
}

var CurrentUser = di.Provide(currentUser, notesOAuth2)

func notesApp() *router.App {
	app := router.New(router.Info{Title: "Notes"})
	app.Post("/token", login)
	app.Get("/users/me", func(u *user) (*user, error) { return u, nil }, di.Depends(CurrentUser))
	app.Get("/notes/", func(u *user) ([]string, error) { return []string{u.Name + "'s note"}, nil }, di.Security(CurrentUser, "notes:read"))
	return app
}

package keeltest

import (
	"encoding/json"
	"net/url"
	"strings"
)

// Login logs in with the OAuth2 password flow (RFC 6749 §4.3), as Swagger UI's
// Authorize dialog and FastAPI's OAuth2PasswordRequestForm expect: it POSTs
// grant_type=password, username, password and, when scopes are given, scope
// (space-separated) as a form to tokenURL, checks the answer is 200 with a
// JSON access_token and token_type "bearer", and sends that token as
// "Authorization: Bearer ..." with every following request (SetBearer). It
// returns the token.
//
// A failed login fails the test (t.Fatalf): to test a login that must fail,
// POST the form yourself and check the response. For a token endpoint that
// needs more (client credentials, say), do the same and call SetBearer.
func (c *Client) Login(tokenURL, username, password string, scopes ...string) string {
	c.t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {username}, "password": {password}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	r := c.Post(tokenURL, Form(form))
	if r.StatusCode != 200 {
		c.t.Fatalf("keeltest: login as %q: %s: status %s, want 200\nbody: %s", username, r.what(), statusText(r.StatusCode), clip(r.Body))
	}
	var tok struct {
		AccessToken *string `json:"access_token"`
		TokenType   *string `json:"token_type"`
	}
	if err := json.Unmarshal(r.Body, &tok); err != nil || tok.AccessToken == nil || *tok.AccessToken == "" || tok.TokenType == nil {
		c.t.Fatalf("keeltest: login as %q: %s: want a JSON object with access_token and token_type, got %s", username, r.what(), clip(r.Body))
	}
	if !strings.EqualFold(*tok.TokenType, "bearer") {
		c.t.Fatalf("keeltest: login as %q: %s: token_type %q, want bearer", username, r.what(), *tok.TokenType)
	}
	c.SetBearer(*tok.AccessToken)
	return *tok.AccessToken
}

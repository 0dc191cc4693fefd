package security

import (
	"encoding/json"

	"github.com/keelgo/keel/internal/pycompat"
)

// OAuth2PasswordRequestForm is the form of OAuth2's password flow (RFC 6749
// §4.3.2), FastAPI's OAuth2PasswordRequestForm (docs/fastapi-compat.md §1.3). Take it as a handler
// parameter of the token endpoint; the App binds it from an
// application/x-www-form-urlencoded or multipart body, where an empty value counts
// as missing:
//
//   - grant_type is optional and, when given, must be "password";
//   - username and password are required; password is documented with
//     format "password", as is client_secret;
//   - scope defaults to "" and holds space-separated scopes (see Scopes).
//
// It encodes to JSON as FastAPI's object does: grant_type, username, password,
// scopes (a list), client_id and client_secret.
type OAuth2PasswordRequestForm struct {
	GrantType    *string `form:"grant_type" pattern:"^password$"`
	Username     string  `form:"username"`
	Password     string  `form:"password" format:"password"`
	Scope        string  `form:"scope" default:""`
	ClientID     *string `form:"client_id"`
	ClientSecret *string `form:"client_secret" format:"password"`
}

// Scopes returns the scope field split on whitespace, as Python's str.split():
// "  a b\tc  " gives ["a","b","c"].
func (f OAuth2PasswordRequestForm) Scopes() []string { return pycompat.Split(f.Scope) }

// MarshalJSON encodes the form as FastAPI does, with the scopes as a list.
func (f OAuth2PasswordRequestForm) MarshalJSON() ([]byte, error) {
	return marshalForm(f.GrantType, f.Username, f.Password, f.Scope, f.ClientID, f.ClientSecret)
}

// OAuth2PasswordRequestFormStrict is OAuth2PasswordRequestForm with grant_type
// required (it must be "password", as RFC 6749 says) and no password format
// (FastAPI's OAuth2PasswordRequestFormStrict, docs/fastapi-compat.md §1.3).
type OAuth2PasswordRequestFormStrict struct {
	GrantType    string  `form:"grant_type" pattern:"^password$"`
	Username     string  `form:"username"`
	Password     string  `form:"password"`
	Scope        string  `form:"scope" default:""`
	ClientID     *string `form:"client_id"`
	ClientSecret *string `form:"client_secret"`
}

// Scopes returns the scope field split on whitespace, as Python's str.split().
func (f OAuth2PasswordRequestFormStrict) Scopes() []string { return pycompat.Split(f.Scope) }

// MarshalJSON encodes the form as FastAPI does, with the scopes as a list.
func (f OAuth2PasswordRequestFormStrict) MarshalJSON() ([]byte, error) {
	return marshalForm(&f.GrantType, f.Username, f.Password, f.Scope, f.ClientID, f.ClientSecret)
}

func marshalForm(grantType *string, username, password, scope string, clientID, clientSecret *string) ([]byte, error) {
	return json.Marshal(struct {
		GrantType    *string  `json:"grant_type"`
		Username     string   `json:"username"`
		Password     string   `json:"password"`
		Scopes       []string `json:"scopes"`
		ClientID     *string  `json:"client_id"`
		ClientSecret *string  `json:"client_secret"`
	}{grantType, username, password, pycompat.Split(scope), clientID, clientSecret})
}

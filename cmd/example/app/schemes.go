package app

// The other security schemes, one route each. Every scheme documents itself in
// the OpenAPI document from the same declaration that enforces it.

import (
	"context"
	"database/sql"
	"slices"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/security"
)

// HTTP Basic, as FastAPI's tutorial 007.
const (
	basicUsername = "stanleyjobson"
	basicPassword = "swordfish"
)

// APIKey is the key accepted by the /apikey/ routes.
const APIKey = "keel-example-key"

// Username is the answer of the routes that only name the user.
type Username struct {
	Username string `json:"username"`
}

// Owner is the owner of an API key.
type Owner struct {
	Owner string `json:"owner"`
}

var httpBasic = &security.HTTPBasic{}

// basicUser checks the Basic credentials. Both comparisons always run, each in
// constant time, so the answer's timing says nothing about which one failed.
func basicUser(c security.HTTPBasicCredentials) (Username, error) {
	userOK := security.CompareSecret(c.Username, basicUsername)
	passOK := security.CompareSecret(c.Password, basicPassword)
	if !userOK || !passOK {
		return Username{}, keel.NewHTTPError(401, "Incorrect username or password").WithHeader("WWW-Authenticate", "Basic")
	}
	return Username{Username: c.Username}, nil
}

// BasicUser is the user authenticated with HTTP Basic.
var BasicUser = di.Provide(basicUser, httpBasic)

// readBasicUser is GET /basic/users/me.
func readBasicUser(u Username) (Username, error) { return u, nil }

// The API key schemes. Scheme names must be unique in an app; these are the
// defaults, written out to show where a name would go.
var (
	apiKeyHeader = &security.APIKeyHeader{Header: "X-API-Key", Name: "APIKeyHeader"}
	apiKeyQuery  = &security.APIKeyQuery{Param: "api_key", Name: "APIKeyQuery"}
	apiKeyCookie = &security.APIKeyCookie{Cookie: "session", Name: "APIKeyCookie"}
)

// apiKeyOwner checks a key read by any of the API key schemes. The scheme has
// already answered 401 for a missing or empty key.
func apiKeyOwner(k security.APIKey) (Owner, error) {
	if !security.CompareSecret(string(k), APIKey) {
		return Owner{}, keel.NewHTTPError(401, "Invalid API key").WithHeader("WWW-Authenticate", "APIKey")
	}
	return Owner{Owner: "johndoe"}, nil
}

// The owner of the key, read from each place.
var (
	HeaderKeyOwner = di.Provide(apiKeyOwner, apiKeyHeader)
	QueryKeyOwner  = di.Provide(apiKeyOwner, apiKeyQuery)
	CookieKeyOwner = di.Provide(apiKeyOwner, apiKeyCookie)
)

// readKeyOwner is GET /apikey/header, /apikey/query and /apikey/cookie.
func readKeyOwner(o Owner) (Owner, error) { return o, nil }

// readDigestUser is GET /digest/users/me.
func readDigestUser(u security.DigestUser) (Username, error) {
	return Username{Username: u.Username}, nil
}

// jwtActiveUser is the user a token verified by security.JWTBearer names, as
// the database has them now: a token outlives neither its user nor their
// scopes. A user who no longer exists gets the scheme's 401 for an invalid
// token, a disabled one 400 "Inactive user" (as on /users/me/), and a scope
// taken from the user the scheme's 403.
func jwtActiveUser(ctx context.Context, required di.SecurityScopes, c security.Claims, tx *sql.Tx) (*User, error) {
	u, err := getUser(ctx, tx, c.Subject)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, keel.NewHTTPError(401, "Could not validate credentials").
			WithHeader("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	if u.disabled() {
		return nil, keel.NewHTTPError(400, "Inactive user")
	}
	for _, s := range required.Scopes {
		if !slices.Contains(u.scopes, s) {
			return nil, keel.NewHTTPError(403, "Not enough permissions").
				WithHeader("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+required.String()+`"`)
		}
	}
	return &u.User, nil
}

// readJWTItems is GET /jwt/items/: security.JWTBearer has verified the token
// and its "items" scope, jwtActiveUser the user.
func readJWTItems(u *User) ([]OwnedItem, error) {
	return []OwnedItem{{ItemID: "Foo", Owner: u.Username}}, nil
}

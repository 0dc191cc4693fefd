package app

// FastAPI's security tutorial with OAuth2 scopes ("OAuth2 scopes", tutorial005),
// in Keel: the password flow at /token issuing signed JWTs (security.TokenIssuer),
// POST /logout revoking them, and routes that
// require scopes which accumulate along the dependency graph (docs/fastapi-compat.md §2.2).

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/cmd/example/password"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/security"
)

// AccessTokenExpiry is how long a token from /token is valid.
const AccessTokenExpiry = 30 * time.Minute

// scopes are the OAuth2 scopes the API knows, with their descriptions (shown in
// Swagger UI's Authorize dialog).
var scopes = map[string]string{
	"me":    "Read information about the current user.",
	"items": "Read items.",
}

// oauth2 reads the bearer token; Swagger UI's Authorize dialog obtains one by
// posting the user's name and password to /token.
var oauth2 = &security.OAuth2PasswordBearer{TokenURL: "token", Scopes: scopes}

// The tutorial's dependencies. A provider's parameters are resolved per request:
// the SecurityScopes required above it, the token from the scheme, the app-wide
// *Auth, and the request's transaction.
var (
	// Tx is the request's database transaction. Its cleanup runs in function
	// scope, after the handler and before the response is written, so that a
	// failed commit still turns the answer into a 500.
	Tx = di.Depends(di.Provide(beginTx)).InScope(di.ScopeFunction)
	// HashSlot is a password-hashing slot (password.Hasher), released in
	// function scope after Tx's cleanup. /token takes it before Tx (its
	// parameters are resolved in order), so that logins waiting for a slot
	// hold no database connection.
	HashSlot = di.Depends(di.Provide(acquireHashSlot)).InScope(di.ScopeFunction)
	// CurrentUser is the user the bearer token names, provided the token grants
	// every scope required where CurrentUser is used and the user still holds
	// them.
	CurrentUser = di.Provide(currentUser, oauth2, Tx)
	// CurrentActiveUser is CurrentUser, which must not be disabled; it requires
	// the scope "me".
	CurrentActiveUser = di.Provide(activeUser, di.Security(CurrentUser, "me"))
)

// Token is the answer of /token (RFC 6749 §5.1).
type Token struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
}

// Auth issues, verifies and revokes the example's access tokens, and checks
// passwords.
type Auth struct {
	tokens *security.TokenIssuer
	hasher *password.Hasher
}

// TokenIssuerName is the "iss" of the example's tokens.
const TokenIssuerName = "keel-example"

// TokenKey is the key the example signs its access tokens with: an Ed25519
// key derived from the secret, so that every instance sharing the secret
// signs and verifies alike. Its kid is its RFC 7638 thumbprint.
func TokenKey(secret []byte) security.SigningKey {
	return security.SigningKey{Key: ed25519.NewKeyFromSeed(derive(secret, "access token key"))}
}

// createAccessToken issues a token for username granting scopes, with jti,
// iat, exp, scope and a kid header (security.TokenIssuer).
func (a *Auth) createAccessToken(ctx context.Context, username string, scopes []string) (string, error) {
	return a.tokens.Issue(ctx, username, scopes, AccessTokenExpiry, nil)
}

// parseAccessToken verifies a token: signature, exp, iss, type, and that it
// was not revoked (logged out). The error is security.ErrUnavailable's 503
// when the revocation store fails.
func (a *Auth) parseAccessToken(ctx context.Context, token string) (*security.Claims, error) {
	return a.tokens.Verify(ctx, token)
}

// acquireHashSlot is the provider of HashSlot: it waits for a free slot (or
// for the client to go away) and releases it when the request is done.
func acquireHashSlot(ctx context.Context, auth *Auth) (*password.Slot, di.Cleanup, error) {
	slot, err := auth.hasher.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	return slot, func(err error) error {
		slot.Release()
		return err
	}, nil
}

// authenticateUser returns the user when password is theirs, else nil. An
// unknown user costs one password verification too, against a dummy hash, so
// that response times do not tell which user names exist.
func authenticateUser(ctx context.Context, slot *password.Slot, tx *sql.Tx, username, pw string) (*userInDB, error) {
	u, err := getUser(ctx, tx, username)
	if err != nil {
		return nil, err
	}
	if u == nil {
		slot.VerifyDummy(pw)
		return nil, nil
	}
	ok, err := slot.Verify(pw, u.hashedPassword)
	if err != nil || !ok {
		return nil, err
	}
	return u, nil
}

// grant returns the scopes of requested that held contains, in the order
// requested, each once. Unknown scopes, and scopes the user does not hold, are
// left out: the client learns what it got from the token (RFC 6749 §3.3).
func grant(requested, held []string) []string {
	var out []string
	for _, s := range requested {
		if slices.Contains(held, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// loginForAccessToken is POST /token: the OAuth2 password flow. The token
// grants the scopes asked for that the user holds; the others are left out.
// Its dependencies resolve in signature order: the hashing slot, then the
// transaction.
func loginForAccessToken(ctx context.Context, slot *password.Slot, tx *sql.Tx, form security.OAuth2PasswordRequestForm, auth *Auth) (Token, error) {
	u, err := authenticateUser(ctx, slot, tx, form.Username, form.Password)
	if err != nil {
		return Token{}, err
	}
	if u == nil {
		return Token{}, keel.NewHTTPError(400, "Incorrect username or password")
	}
	t, err := auth.createAccessToken(ctx, u.Username, grant(form.Scopes(), u.scopes))
	if err != nil {
		return Token{}, err
	}
	return Token{AccessToken: t, TokenType: "bearer"}, nil
}

// currentUser verifies the token, loads its user, and checks that the token
// grants every scope required here (parents' first, docs/fastapi-compat.md
// §2.2) and that the user still holds it: a scope taken from a user is refused
// at once, not when their tokens expire.
func currentUser(ctx context.Context, required di.SecurityScopes, token security.Token, auth *Auth, tx *sql.Tx) (*User, error) {
	u, _, err := tokenUser(ctx, required, string(token), auth, tx)
	return u, err
}

// tokenUser is currentUser's check of a token, shared with the WebSocket's
// query token (socketUser); it returns the token's claims too.
func tokenUser(ctx context.Context, required di.SecurityScopes, token string, auth *Auth, tx *sql.Tx) (*User, *security.Claims, error) {
	challenge := "Bearer"
	if len(required.Scopes) > 0 {
		challenge = `Bearer scope="` + required.String() + `"`
	}
	invalid := keel.NewHTTPError(401, "Could not validate credentials").WithHeader("WWW-Authenticate", challenge)
	claims, err := auth.parseAccessToken(ctx, token)
	if errors.Is(err, security.ErrUnavailable) {
		return nil, nil, err // 503: the revocation store cannot be read
	}
	if err != nil || claims.Subject == "" {
		return nil, nil, invalid
	}
	u, err := getUser(ctx, tx, claims.Subject)
	if err != nil {
		return nil, nil, err
	}
	if u == nil {
		return nil, nil, invalid
	}
	granted := grant(claims.Scopes(), u.scopes)
	for _, s := range required.Scopes {
		if !slices.Contains(granted, s) {
			return nil, nil, keel.NewHTTPError(401, "Not enough permissions").WithHeader("WWW-Authenticate", challenge)
		}
	}
	return &u.User, claims, nil
}

// activeUser refuses disabled users.
func activeUser(u *User) (*User, error) {
	if u.Disabled != nil && *u.Disabled {
		return nil, keel.NewHTTPError(400, "Inactive user")
	}
	return u, nil
}

// OwnedItem is an item and its owner.
type OwnedItem struct {
	ItemID string `json:"item_id"`
	Owner  string `json:"owner"`
}

// Status is the answer of /status/.
type Status struct {
	Status string `json:"status"`
}

// readUsersMe is GET /users/me/ (scope "me").
func readUsersMe(u *User) (*User, error) { return u, nil }

// readOwnItems is GET /users/me/items/ (scopes "items" and "me").
func readOwnItems(u *User) ([]OwnedItem, error) {
	return []OwnedItem{{ItemID: "Foo", Owner: u.Username}}, nil
}

// logout is POST /logout: it revokes the bearer token it is called with, until
// the token expires. From then on every route refuses that token, with its
// usual answer for an invalid token; the user's other tokens keep working.
func logout(ctx context.Context, token security.Token, auth *Auth) error {
	claims, err := auth.parseAccessToken(ctx, string(token))
	if errors.Is(err, security.ErrUnavailable) {
		return err
	}
	if err != nil {
		return keel.NewHTTPError(401, "Could not validate credentials").WithHeader("WWW-Authenticate", "Bearer")
	}
	return auth.tokens.Revoke(ctx, claims)
}

// readSystemStatus is GET /status/: any valid token, no scope.
func readSystemStatus(_ *User) (Status, error) { return Status{Status: "ok"}, nil }

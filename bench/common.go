// Package bench implements the same four endpoints in Keel, hand-written
// net/http (the floor), chi, gin, echo, huma and fuego, each the way its
// documentation recommends, so that they can be compared side by side
// (issue 5).
//
// The endpoints:
//
//   - Ping: GET /ping answers {"ok":true}.
//   - Items: GET /items/{id}?limit=10&q=abc with "Authorization: Bearer tok123":
//     a bearer token, the current user looked up from it, three validated
//     parameters (id int path; limit int query, default 10, 1..100; q string
//     query, at most 50 characters), answering {"id","limit","q","user"}.
//   - Scopes: GET /users/me/items with an HS256 JWT bearer token that must grant
//     the scope "items", answering {"item_id":"Foo","owner":<sub>}.
//   - Body: POST /things with a JSON object of six validated fields, answering
//     201 with the stored object.
//
// Unauthenticated requests answer 401 (a token lacking the scope 403, as
// RFC 6750 and Keel's JWTBearer do), invalid parameters and bodies 422, as in
// FastAPI. The error bodies differ between frameworks; statuses do not.
package bench

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Impl is one implementation of the endpoints.
type Impl struct {
	// Name identifies the implementation in benchmark names and on the command
	// line: nethttp (the floor), limit, keel, chi, gin, echo, huma, fuego.
	Name string
	// New builds the application serving the four endpoints.
	New func() http.Handler
	// Routes builds an application with n Items-like routes, each with the
	// bearer-token and current-user dependencies and validated parameters;
	// nil for a variant measured on the endpoints only.
	Routes func(n int) http.Handler
	// OpenAPI renders the OpenAPI document of an application built by Routes;
	// nil when the framework has none.
	OpenAPI func(h http.Handler) ([]byte, error)
}

// Impls lists every implementation, the floor first and the limit second.
func Impls() []Impl {
	return append([]Impl{
		{Name: "nethttp", New: NewNetHTTP, Routes: RoutesNetHTTP},
		{Name: "limit", New: NewLimit, Routes: RoutesLimit},
		{Name: "chi", New: NewChi, Routes: RoutesChi},
		{Name: "gin", New: NewGin, Routes: RoutesGin},
		{Name: "echo", New: NewEcho, Routes: RoutesEcho},
		{Name: "huma", New: NewHuma, Routes: RoutesHuma, OpenAPI: OpenAPIHuma},
		{Name: "fuego", New: NewFuego, Routes: RoutesFuego, OpenAPI: OpenAPIFuego},
	}, keelImpls()...)
}

// Lookup returns the implementation called name.
func Lookup(name string) (Impl, bool) {
	for _, i := range Impls() {
		if i.Name == name {
			return i, true
		}
	}
	return Impl{}, false
}

// Pong is the Ping endpoint's answer.
type Pong struct {
	OK bool `json:"ok"`
}

// User is the current user of the Items and Scopes endpoints.
type User struct {
	Name string
}

// users maps the Items endpoint's bearer tokens and the JWT subjects to users.
var users = map[string]*User{
	"tok123":  {Name: "johndoe"},
	"johndoe": {Name: "johndoe"},
}

// ItemToken is the Items endpoint's valid bearer token.
const ItemToken = "tok123"

// Item is the Items endpoint's answer.
type Item struct {
	ID    int    `json:"id"`
	Limit int    `json:"limit"`
	Q     string `json:"q"`
	User  string `json:"user"`
}

// Owned is the Scopes endpoint's answer.
type Owned struct {
	ItemID string `json:"item_id"`
	Owner  string `json:"owner"`
}

// Thing is the Body endpoint's request and answer. The validate tags are read
// by go-playground/validator (floor, chi, echo, fuego, Keel); gin reads the same
// rules from binding tags and huma from JSON Schema tags in their own copies.
type Thing struct {
	Name    string  `json:"name" validate:"min=1,max=50"`
	Email   string  `json:"email" validate:"email"`
	Age     int     `json:"age" validate:"gte=0,lte=150"`
	Price   float64 `json:"price" validate:"gt=0"`
	SKU     string  `json:"sku" validate:"len=8,alphanum"`
	Country string  `json:"country" validate:"len=2"`
}

// Secret is the HS256 key of the Scopes endpoint's tokens.
var Secret = []byte("bench-secret-0123456789abcdef0123")

// Claims are the claims of the Scopes endpoint's tokens: every implementation
// decodes into this type.
type Claims struct {
	jwt.RegisteredClaims
	Scope string `json:"scope,omitempty"`
}

// Scopes returns the space-separated scopes of the "scope" claim (Keel's
// security.ScopedClaims).
func (c Claims) Scopes() []string { return strings.Fields(c.Scope) }

// hasScope reports whether the space-separated list has s, without allocating.
func hasScope(list, s string) bool {
	for list != "" {
		var f string
		f, list, _ = strings.Cut(list, " ")
		if f == s {
			return true
		}
	}
	return false
}

// MakeToken signs an HS256 token for sub with the given scope claim, expiring
// after ttl (negative for an expired token).
func MakeToken(sub, scope string, ttl time.Duration) string {
	c := Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: sub, ExpiresAt: jwt.NewNumericDate(time.Now().Add(ttl))}, Scope: scope}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(Secret)
	if err != nil {
		panic(err)
	}
	return s
}

// jwtParser verifies like Keel's JWTBearer: HS256 only, exp required.
var jwtParser = jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())

func secretKey(*jwt.Token) (any, error) { return Secret, nil }

// errInvalidToken and errScope are the outcomes of Authorize besides success.
var (
	errNoToken      = errors.New("not authenticated")
	errInvalidToken = errors.New("invalid token")
	errScope        = errors.New("insufficient scope")
)

// authorizeJWT is the Scopes endpoint's check shared by the non-Keel
// implementations, called from each framework's idiomatic middleware: bearer
// token, HS256 verification, the scope, the user.
func authorizeJWT(authorization, scope string) (*User, error) {
	raw, ok := bearer(authorization)
	if !ok {
		return nil, errNoToken
	}
	var c Claims
	if _, err := jwtParser.ParseWithClaims(raw, &c, secretKey); err != nil {
		return nil, errInvalidToken
	}
	if !hasScope(c.Scope, scope) {
		return nil, errScope
	}
	u, ok := users[c.Subject]
	if !ok {
		return nil, errInvalidToken
	}
	return u, nil
}

// jwtFailure is the status, WWW-Authenticate value and detail of a failed
// authorizeJWT (RFC 6750 §3, as Keel's JWTBearer answers).
func jwtFailure(err error) (status int, challenge, detail string) {
	switch err {
	case errNoToken:
		return http.StatusUnauthorized, "Bearer", "Not authenticated"
	case errScope:
		return http.StatusForbidden, `Bearer error="insufficient_scope", scope="items"`, "Not enough permissions"
	}
	return http.StatusUnauthorized, `Bearer error="invalid_token"`, "Could not validate credentials"
}

// bearer returns the credentials of an "Authorization: Bearer <token>" value.
func bearer(h string) (string, bool) {
	if len(h) < 8 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	return strings.TrimSpace(h[7:]), true
}

// currentUser is the Items endpoint's user lookup from an Authorization value.
func currentUser(authorization string) (*User, bool) {
	tok, ok := bearer(authorization)
	if !ok {
		return nil, false
	}
	u, ok := users[tok]
	return u, ok
}

// ctxKey keys request-context values in the implementations that pass the
// current user through the context.
type ctxKey int

const userKey ctxKey = 0

package security

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/golang-jwt/jwt/v5"
	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/pycompat"
)

// RetryAfter is the Retry-After value, in seconds, of the 503 a scheme
// answers when something it must consult (a token store, an identity
// provider's keys) cannot be reached: the check fails closed.
const RetryAfter = 5

// serviceUnavailable is the answer of a check that cannot be made: 503
// {"detail":"Service Unavailable"} with Retry-After, never 500 and never an
// open door.
func serviceUnavailable() *keel.HTTPError {
	return keel.NewHTTPError(http.StatusServiceUnavailable, "Service Unavailable").
		WithHeader("Retry-After", strconv.Itoa(RetryAfter))
}

// unavailable marks an error of a dependency a check needs (a store, a
// provider): the request is answered 503, not 401.
type unavailable struct{ err error }

func (u unavailable) Error() string { return "unavailable: " + u.err.Error() }
func (u unavailable) Unwrap() error { return u.err }

// tokenVerifier is the request side shared by JWTBearer and OIDCBearer: read
// the bearer token, verify it with golang-jwt, run the scheme's further
// checks, check the required scopes, and answer as RFC 6750 §3 says. It is
// built once, when the scheme's configuration is checked.
type tokenVerifier[C any] struct {
	parser  *jwt.Parser
	keyFunc func(ctx context.Context, t *jwt.Token) (any, error)
	// typ, when set, is the media type the token's "typ" header must name
	// (RFC 9068 §4: "at+jwt" or "application/at+jwt", any case).
	typ string
	// check, when set, runs after the signature and the registered claims
	// are verified: an error makes the token invalid (401), or, wrapped in
	// unavailable, answers 503.
	check       func(ctx context.Context, t *jwt.Token, c *C) error
	claimScopes func(*C) []string
	realm       string
	maxLength   int
	optional    bool
	notAuth     func() *keel.HTTPError
}

func (v *tokenVerifier[C]) challenge(params string) string {
	var parts []string
	if v.realm != "" {
		parts = append(parts, "realm="+quote(v.realm))
	}
	if params != "" {
		parts = append(parts, params)
	}
	if len(parts) == 0 {
		return "Bearer"
	}
	return "Bearer " + strings.Join(parts, ", ")
}

// invalidToken is the answer to a token that fails verification (RFC 6750 §3.1).
func (v *tokenVerifier[C]) invalidToken() error {
	return keel.NewHTTPError(http.StatusUnauthorized, "Could not validate credentials").
		WithHeader("WWW-Authenticate", v.challenge(`error="invalid_token"`))
}

// authenticate verifies r's bearer token and checks that it grants every
// scope in required. When r has no bearer token it returns (nil, nil) if the
// scheme is optional, else the not-authenticated error.
func (v *tokenVerifier[C]) authenticate(r *http.Request, required []string) (*C, error) {
	h, tooLong := authorization(r, v.maxLength)
	if tooLong {
		return nil, v.invalidToken()
	}
	scheme, raw := ParseAuthorization(h)
	if h == "" || !pycompat.EqualFoldASCII(scheme, "bearer") || raw == "" {
		if v.optional {
			return nil, nil
		}
		return nil, notAuthenticated(v.notAuth, v.challenge(""))
	}
	claims, tok, err := v.verify(r.Context(), raw)
	if err != nil {
		if errors.As(err, new(unavailable)) {
			return nil, serviceUnavailable()
		}
		return nil, v.invalidToken()
	}
	if len(required) > 0 {
		granted := v.granted(claims, tok)
		for _, s := range required {
			if !slices.Contains(granted, s) {
				return nil, keel.NewHTTPError(http.StatusForbidden, "Not enough permissions").
					WithHeader("WWW-Authenticate", v.challenge(`error="insufficient_scope", scope=`+quote(strings.Join(required, " "))))
			}
		}
	}
	return claims, nil
}

// verify verifies a token: signature, registered claims, typ, and the
// scheme's checks.
func (v *tokenVerifier[C]) verify(ctx context.Context, raw string) (*C, *jwt.Token, error) {
	claims := new(C)
	tok, err := v.parser.ParseWithClaims(raw, any(claims).(jwt.Claims), func(t *jwt.Token) (any, error) {
		if v.typ != "" && !typIs(t.Header["typ"], v.typ) {
			return nil, errorString("the token's typ is not " + v.typ)
		}
		return v.keyFunc(ctx, t)
	})
	if err != nil {
		var u unavailable
		if errors.As(err, &u) {
			return nil, nil, u
		}
		return nil, nil, err
	}
	if !tok.Valid {
		return nil, nil, errorString("invalid token")
	}
	if v.check != nil {
		if err := v.check(ctx, tok, claims); err != nil {
			return nil, nil, err
		}
	}
	return claims, tok, nil
}

// typIs reports whether a "typ" header names the media type want, which may
// be written with or without "application/", in any case (RFC 7515 §4.1.9).
func typIs(h any, want string) bool {
	s, ok := h.(string)
	if !ok {
		return false
	}
	if len(s) > len("application/") && strings.EqualFold(s[:len("application/")], "application/") {
		s = s[len("application/"):]
	}
	return strings.EqualFold(s, want)
}

// granted returns the scopes the verified token grants.
func (v *tokenVerifier[C]) granted(claims *C, tok *jwt.Token) []string {
	if v.claimScopes != nil {
		return v.claimScopes(claims)
	}
	if s, ok := any(claims).(ScopedClaims); ok {
		return s.Scopes()
	}
	// Default: read "scope" and "scp" from the (verified) payload.
	var c struct {
		Scope jwt.ClaimStrings `json:"scope"`
		Scp   jwt.ClaimStrings `json:"scp"`
	}
	if !v.payload(tok, &c) {
		return nil
	}
	return Claims{Scope: c.Scope, Scp: c.Scp}.Scopes()
}

// payload decodes the verified token's payload into dst.
func (v *tokenVerifier[C]) payload(tok *jwt.Token, dst any) bool {
	parts := strings.Split(tok.Raw, ".")
	if len(parts) != 3 {
		return false
	}
	b, err := v.parser.DecodeSegment(parts[1])
	return err == nil && json.Unmarshal(b, dst) == nil
}

// stringClaims returns the string claims names of a verified token: from
// Claims.Raw when C is Claims, else from its payload. A claim that is absent
// or not a string is "".
func (v *tokenVerifier[C]) stringClaims(tok *jwt.Token, claims *C, names ...string) []string {
	out := make([]string, len(names))
	if c, ok := any(claims).(*Claims); ok {
		for i, n := range names {
			out[i], _ = c.Raw[n].(string)
		}
		return out
	}
	var m map[string]any
	if v.payload(tok, &m) {
		for i, n := range names {
			out[i], _ = m[n].(string)
		}
	}
	return out
}

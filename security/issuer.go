package security

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/keelgo/keel"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

// Errors of TokenIssuer.
var (
	// ErrInvalidToken is returned (wrapped) for a token that is malformed,
	// forged, expired, of the wrong type or revoked.
	ErrInvalidToken = errors.New("invalid token")
	// ErrRefreshReused is returned (wrapping ErrInvalidToken) when a refresh
	// token that was already exchanged is presented again: its whole family
	// has been revoked (RFC 9700 §4.14.2).
	ErrRefreshReused = fmt.Errorf("%w: refresh token reused; its family is revoked", ErrInvalidToken)
	// ErrUnavailable is returned (wrapped) when a store the check needs
	// fails; the error is also a *keel.HTTPError 503 {"detail":"Service
	// Unavailable"} with Retry-After (errors.As), so a handler that returns
	// it answers that. A check that cannot be made fails closed.
	ErrUnavailable = errors.New("service unavailable")
)

// unavailableError is a store failure: errors.Is(err, ErrUnavailable), and
// errors.As(err, **keel.HTTPError) gives the 503.
type unavailableError struct {
	what string
	err  error
	http *keel.HTTPError
}

func (e *unavailableError) Error() string {
	return "keel/security: " + e.what + ": service unavailable: " + e.err.Error()
}
func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.http, e.err} }

// The "typ" headers of the tokens a TokenIssuer signs: access tokens are
// RFC 9068 JWT access tokens; refresh tokens have a type of their own so that
// neither is ever accepted as the other.
const (
	AccessTokenType  = "at+jwt"
	RefreshTokenType = "rt+jwt"
)

// DefaultMaxTTL is a TokenIssuer's MaxTTL when it is 0.
const DefaultMaxTTL = 24 * time.Hour

// reservedClaims are the claims a TokenIssuer writes itself; Issue refuses
// them in extra.
var reservedClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope", "scp", "sid", "att", "ext"}

// SigningKey is a key a TokenIssuer signs with.
type SigningKey struct {
	// ID is the key's "kid", written in the header of every token it signs.
	// Default for asymmetric keys: the key's RFC 7638 thumbprint
	// (base64url of its SHA-256). Required for a []byte secret.
	ID string
	// Key is a []byte HMAC secret of at least 32 bytes, an *rsa.PrivateKey
	// (at least 2048 bits), an *ecdsa.PrivateKey (P-256, P-384, P-521) or an
	// ed25519.PrivateKey.
	Key any
	// Algorithm is the JWS algorithm; default HS256 for a secret, RS256 for
	// RSA, the ES algorithm of the ECDSA key's curve, EdDSA for Ed25519.
	Algorithm string
}

// TokenIssuer issues, verifies and revokes the application's own tokens: JWT
// access tokens (RFC 9068) carrying jti, iat, exp, scope and a kid header,
// and optionally rotating refresh tokens. JWTBearer verifies its tokens with
// the same configuration when its Tokens field names it.
//
// Keys rotate: Keys[0] signs, every key in Keys verifies, and Rotate puts a
// new key first while the previous one keeps verifying until every token it
// signed has expired (MaxTTL). Several instances rotate by deploying the new
// key second, then first, then dropping the old one after MaxTTL.
//
// Revocation is by jti: Revoke records the token's jti in Revocations until
// the token's exp, and every verification consults it. A refresh token
// exchanged twice revokes its whole family (every refresh token descending
// from the same login, and the access tokens issued with them).
//
// Its configuration is checked, and fixed, at its first use: when a route
// whose JWTBearer names it is registered, or at the first Issue. It is safe
// for concurrent use.
type TokenIssuer struct {
	// Issuer is the "iss" of every token. Required.
	Issuer string
	// Audience, when set, is the "aud" of every access token, and
	// verification requires one of its values.
	Audience []string
	// Keys are the signing keys: the first signs, all verify. Required.
	Keys []SigningKey
	// MaxTTL is the longest lifetime Issue accepts for an access token, and
	// how long a rotated key keeps verifying; default DefaultMaxTTL.
	MaxTTL time.Duration
	// Leeway is the clock skew allowed for exp, nbf and iat.
	Leeway time.Duration
	// Revocations records revoked token ids; default a
	// MemoryRevocationStore, which is right for one instance. Several
	// instances need one they share.
	Revocations RevocationStore
	// RefreshTTL, when set, enables refresh tokens (IssuePair, Refresh):
	// each is valid for RefreshTTL after it is issued, once.
	RefreshTTL time.Duration
	// RefreshTokens records the refresh token families; default a
	// MemoryRefreshStore when RefreshTTL is set.
	RefreshTokens RefreshStore
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger logs the failures of the stores, once per incident (not per
	// request); default slog.Default().
	Logger *slog.Logger

	setup  setup
	outage incidents // of Revocations and RefreshTokens

	mu      sync.RWMutex
	signer  *issuerKey
	byID    map[string]*issuerKey
	access  *jwt.Parser
	refresh *jwt.Parser
	v       *tokenVerifier[Claims]
}

// issuerKey is a configured key: its JWS method, the key to sign with and
// the key to verify with, and when it stops verifying (zero: never).
type issuerKey struct {
	id     string
	method jwt.SigningMethod
	sign   any
	verify any
	until  time.Time
}

func (ti *TokenIssuer) init() error { return ti.setup.do(ti.configure) }

func (ti *TokenIssuer) configure() error {
	if ti.Issuer == "" {
		return configError(ti, "Issuer is required")
	}
	if len(ti.Keys) == 0 {
		return configError(ti, "Keys is required: at least one SigningKey")
	}
	if ti.MaxTTL < 0 || ti.Leeway < 0 || ti.RefreshTTL < 0 {
		return configError(ti, "MaxTTL, Leeway and RefreshTTL must not be negative")
	}
	if ti.MaxTTL == 0 {
		ti.MaxTTL = DefaultMaxTTL
	}
	if ti.Now == nil {
		ti.Now = time.Now
	}
	if ti.Logger == nil {
		ti.Logger = slog.Default()
	}
	if ti.Revocations == nil {
		ti.Revocations = NewMemoryRevocationStore(0)
	}
	if ti.RefreshTTL > 0 && ti.RefreshTokens == nil {
		ti.RefreshTokens = NewMemoryRefreshStore(0)
	}
	ti.byID = map[string]*issuerKey{}
	for i, sk := range ti.Keys {
		k, err := newIssuerKey(sk)
		if err != nil {
			return configError(ti, "Keys[%d]: %v", i, err)
		}
		if ti.byID[k.id] != nil {
			return configError(ti, "Keys[%d]: the kid %q is used twice", i, k.id)
		}
		ti.byID[k.id] = k
		if i == 0 {
			ti.signer = k
		}
	}
	ti.access = ti.parser(ti.Audience)
	ti.refresh = ti.parser([]string{ti.Issuer})
	ti.v = &tokenVerifier[Claims]{
		parser:  ti.access,
		keyFunc: ti.keyFunc,
		typ:     AccessTokenType,
		check: func(ctx context.Context, _ *jwt.Token, c *Claims) error {
			sid, _ := c.Raw["sid"].(string)
			return ti.checkRevoked(ctx, c.ID, sid)
		},
	}
	return nil
}

// parser verifies the issuer's tokens: the algorithms of its keys, exp
// required, iat not in the future, iss, and aud.
func (ti *TokenIssuer) parser(aud []string) *jwt.Parser {
	opts := []jwt.ParserOption{
		// Every algorithm any key may use, now or after a rotation: the
		// key itself is checked in keyFunc.
		jwt.WithValidMethods(slices.Clone(jwtAsymmetricAndHMAC)),
		jwt.WithLeeway(ti.Leeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(ti.Issuer),
		jwt.WithTimeFunc(ti.Now),
	}
	if len(aud) > 0 {
		opts = append(opts, jwt.WithAudience(aud...))
	}
	return jwt.NewParser(opts...)
}

// newIssuerKey checks a SigningKey and fills its defaults.
func newIssuerKey(sk SigningKey) (*issuerKey, error) {
	var pub any
	switch k := sk.Key.(type) {
	case []byte:
		if len(k) < 32 {
			return nil, errorString("an HMAC secret must be at least 32 bytes")
		}
		if sk.ID == "" {
			return nil, errorString("ID (the kid) is required for an HMAC secret")
		}
		pub = k
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, errorString("an RSA key must be at least 2048 bits")
		}
		pub = k.Public()
	case *ecdsa.PrivateKey:
		pub = k.Public()
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, errorString("an Ed25519 private key is 64 bytes")
		}
		pub = k.Public()
	default:
		return nil, fmt.Errorf("unsupported key type %T: give a private key or a []byte secret", sk.Key)
	}
	_, defaults, fits, err := verificationKey(pub)
	if err != nil {
		return nil, err
	}
	alg := sk.Algorithm
	if alg == "" {
		alg = defaults[0]
	}
	if !slices.Contains(fits, alg) {
		return nil, fmt.Errorf("algorithm %q does not fit the key (%T)", alg, sk.Key)
	}
	id := sk.ID
	if id == "" {
		var err error
		if id, err = Thumbprint(pub); err != nil {
			return nil, err
		}
	}
	return &issuerKey{id: id, method: jwt.GetSigningMethod(alg), sign: sk.Key, verify: pub}, nil
}

// Thumbprint returns the RFC 7638 thumbprint of a public key (SHA-256,
// base64url without padding), computed by jwx's jwk package: the default kid
// of an asymmetric SigningKey.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	k, err := jwk.Import(pub)
	if err != nil {
		return "", err
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// Rotate makes key the signing key. The previous signing key keeps verifying
// until every token it can have signed has expired (MaxTTL plus Leeway from
// now, or, for refresh tokens, RefreshTTL if longer), then is dropped; the
// other keys of Keys keep verifying.
func (ti *TokenIssuer) Rotate(key SigningKey) error {
	if err := ti.init(); err != nil {
		return err
	}
	k, err := newIssuerKey(key)
	if err != nil {
		return configError(ti, "Rotate: %v", err)
	}
	ti.mu.Lock()
	defer ti.mu.Unlock()
	if old, ok := ti.byID[k.id]; ok && old != ti.signer {
		return configError(ti, "Rotate: the kid %q is already in use", k.id)
	}
	now := ti.Now()
	prev := ti.signer
	prev.until = now.Add(max(ti.MaxTTL, ti.RefreshTTL) + ti.Leeway)
	ti.byID[k.id] = k
	ti.signer = k
	for id, old := range ti.byID { // drop the keys whose time is over
		if !old.until.IsZero() && now.After(old.until) {
			delete(ti.byID, id)
		}
	}
	return nil
}

// PublicKeys returns the keys that verify the issuer's tokens now, by kid:
// the public halves of asymmetric keys (publish them as a JWK Set with jwx's
// jwk package for other services to verify with); HMAC secrets are left out.
func (ti *TokenIssuer) PublicKeys() (map[string]crypto.PublicKey, error) {
	if err := ti.init(); err != nil {
		return nil, err
	}
	ti.mu.RLock()
	defer ti.mu.RUnlock()
	out := map[string]crypto.PublicKey{}
	now := ti.Now()
	for id, k := range ti.byID {
		if _, secret := k.verify.([]byte); !secret && (k.until.IsZero() || !now.After(k.until)) {
			out[id] = k.verify
		}
	}
	return out, nil
}

// keyFunc returns the verification key a token's kid names, provided it
// verifies the token's algorithm.
func (ti *TokenIssuer) keyFunc(_ context.Context, t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	ti.mu.RLock()
	k := ti.byID[kid]
	var until time.Time
	if k != nil {
		until = k.until
	}
	ti.mu.RUnlock()
	if k == nil || k.method.Alg() != t.Method.Alg() {
		return nil, errorString("no key with this kid and algorithm")
	}
	if !until.IsZero() && ti.Now().After(until) {
		return nil, errorString("the key has been rotated out")
	}
	return k.verify, nil
}

// Issue signs an access token for subject granting scopes, valid for ttl (at
// most MaxTTL): claims iss, sub, aud (when Audience is set), iat, exp, a
// random jti, scope (space-separated, "" for none), and extra, which must not
// name those claims; headers alg, kid and typ at+jwt.
func (ti *TokenIssuer) Issue(ctx context.Context, subject string, scopes []string, ttl time.Duration, extra map[string]any) (string, error) {
	tok, _, err := ti.issue(subject, scopes, ttl, extra, "")
	return tok, err
}

// TokenPair is an access token with the refresh token that renews it.
type TokenPair struct {
	AccessToken  string
	RefreshToken string
	// ExpiresIn is the access token's lifetime.
	ExpiresIn time.Duration
}

// IssuePair issues an access token, as Issue, with a refresh token starting a
// new family; the access token carries the family in its "sid" claim.
// RefreshTTL must be set.
func (ti *TokenIssuer) IssuePair(ctx context.Context, subject string, scopes []string, ttl time.Duration, extra map[string]any) (TokenPair, error) {
	if err := ti.init(); err != nil {
		return TokenPair{}, err
	}
	if ti.RefreshTTL <= 0 {
		return TokenPair{}, configError(ti, "IssuePair and Refresh need RefreshTTL")
	}
	if err := checkExtra(extra); err != nil {
		return TokenPair{}, err
	}
	family := randomID()
	return ti.pair(ctx, family, "", subject, scopes, ttl, extra)
}

// pair issues an access token and a refresh token in family; prev is the
// refresh token exchanged ("" for a new family).
func (ti *TokenIssuer) pair(ctx context.Context, family, prev, subject string, scopes []string, ttl time.Duration, extra map[string]any) (TokenPair, error) {
	access, _, err := ti.issue(subject, scopes, ttl, extra, family)
	if err != nil {
		return TokenPair{}, err
	}
	now := ti.Now()
	jti := randomID()
	exp := now.Add(ti.RefreshTTL)
	claims := jwt.MapClaims{
		"iss": ti.Issuer, "aud": ti.Issuer, "sub": subject, "iat": now.Unix(), "exp": exp.Unix(),
		"jti": jti, "sid": family, "scope": strings.Join(scopes, " "), "att": int64(ttl / time.Second),
	}
	if len(extra) > 0 {
		claims["ext"] = extra
	}
	refresh, err := ti.sign(claims, RefreshTokenType)
	if err != nil {
		return TokenPair{}, err
	}
	var storeErr error
	if prev == "" {
		storeErr = ti.RefreshTokens.Begin(ctx, family, jti, exp)
	} else {
		var res RefreshResult
		res, storeErr = ti.RefreshTokens.Rotate(ctx, family, prev, jti, exp)
		if storeErr == nil {
			switch res {
			case RefreshRotated:
			case RefreshReused:
				// The family is over: revoke its access tokens too.
				if err := ti.Revocations.Revoke(ctx, family, now.Add(ti.MaxTTL+ti.Leeway)); err != nil {
					return TokenPair{}, ti.unavailable("revoking a refresh token family", err)
				}
				return TokenPair{}, ErrRefreshReused
			default:
				return TokenPair{}, fmt.Errorf("%w: the refresh token's family has ended", ErrInvalidToken)
			}
		}
	}
	if storeErr != nil {
		return TokenPair{}, ti.unavailable("recording a refresh token", storeErr)
	}
	return TokenPair{AccessToken: access, RefreshToken: refresh, ExpiresIn: ttl}, nil
}

// Refresh exchanges a refresh token for a new pair with the same subject,
// scopes, lifetime and extra claims. Each refresh token is exchanged once: a
// second use returns ErrRefreshReused and ends the family (the rightful
// client and a thief cannot both go on). Other failures wrap
// ErrInvalidToken, or ErrUnavailable when the store fails.
func (ti *TokenIssuer) Refresh(ctx context.Context, refreshToken string) (TokenPair, error) {
	if err := ti.init(); err != nil {
		return TokenPair{}, err
	}
	if ti.RefreshTTL <= 0 {
		return TokenPair{}, configError(ti, "IssuePair and Refresh need RefreshTTL")
	}
	var c Claims
	tok, err := ti.refresh.ParseWithClaims(refreshToken, &c, func(t *jwt.Token) (any, error) {
		if !typIs(t.Header["typ"], RefreshTokenType) {
			return nil, errorString("not a refresh token")
		}
		return ti.keyFunc(ctx, t)
	})
	if err != nil || !tok.Valid {
		return TokenPair{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	family, _ := c.Raw["sid"].(string)
	att, _ := c.Raw["att"].(float64)
	ext, _ := c.Raw["ext"].(map[string]any)
	if family == "" || c.ID == "" || att <= 0 || c.Subject == "" {
		return TokenPair{}, fmt.Errorf("%w: the refresh token lacks claims", ErrInvalidToken)
	}
	ttl := min(time.Duration(att)*time.Second, ti.MaxTTL)
	return ti.pair(ctx, family, c.ID, c.Subject, c.Scopes(), ttl, ext)
}

// issue signs an access token; family, when set, is its "sid".
func (ti *TokenIssuer) issue(subject string, scopes []string, ttl time.Duration, extra map[string]any, family string) (string, string, error) {
	if err := ti.init(); err != nil {
		return "", "", err
	}
	if ttl <= 0 || ttl > ti.MaxTTL {
		return "", "", fmt.Errorf("keel/security: TokenIssuer: a token's lifetime must be positive and at most MaxTTL (%v), not %v", ti.MaxTTL, ttl)
	}
	if err := checkExtra(extra); err != nil {
		return "", "", err
	}
	now := ti.Now()
	jti := randomID()
	claims := make(jwt.MapClaims, len(extra)+8)
	maps.Copy(claims, extra)
	claims["iss"] = ti.Issuer
	claims["sub"] = subject
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(ttl).Unix()
	claims["jti"] = jti
	claims["scope"] = strings.Join(scopes, " ")
	switch len(ti.Audience) {
	case 0:
	case 1:
		claims["aud"] = ti.Audience[0]
	default:
		claims["aud"] = ti.Audience
	}
	if family != "" {
		claims["sid"] = family
	}
	tok, err := ti.sign(claims, AccessTokenType)
	return tok, jti, err
}

// sign signs claims with the current signing key.
func (ti *TokenIssuer) sign(claims jwt.MapClaims, typ string) (string, error) {
	ti.mu.RLock()
	k := ti.signer
	ti.mu.RUnlock()
	t := jwt.NewWithClaims(k.method, claims)
	t.Header["kid"] = k.id
	t.Header["typ"] = typ
	return t.SignedString(k.sign)
}

func checkExtra(extra map[string]any) error {
	for _, name := range reservedClaims {
		if _, ok := extra[name]; ok {
			return fmt.Errorf("keel/security: TokenIssuer: the extra claim %q is written by the issuer itself", name)
		}
	}
	return nil
}

// randomID returns 128 random bits, base64url: a jti or a family id.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Verify verifies an access token of this issuer, as JWTBearer with Tokens
// does, and returns its claims. Failures wrap ErrInvalidToken (also for a
// revoked token) or, when the revocation store fails, ErrUnavailable.
func (ti *TokenIssuer) Verify(ctx context.Context, token string) (*Claims, error) {
	if err := ti.init(); err != nil {
		return nil, err
	}
	c, _, err := ti.v.verify(ctx, token)
	if err != nil {
		var u unavailable
		if errors.As(err, &u) {
			return nil, &unavailableError{"checking revocations", u.err, serviceUnavailable()}
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return c, nil
}

// checkRevoked fails when the token's jti, or its family (sid), is revoked,
// and, wrapped in unavailable, when the store fails.
func (ti *TokenIssuer) checkRevoked(ctx context.Context, jti, sid string) error {
	if jti == "" {
		return errorString("the token has no jti")
	}
	ids := []string{jti}
	if sid != "" {
		ids = append(ids, sid)
	}
	revoked, err := ti.Revocations.IsRevoked(ctx, ids...)
	if err != nil {
		if ctx.Err() == nil { // not the client going away
			ti.outage.fail(ctx, ti.Logger, "the token store", err)
		}
		return unavailable{err}
	}
	ti.outage.ok(ctx, ti.Logger, "the token store")
	if revoked {
		return errorString("the token is revoked")
	}
	return nil
}

// Revoke revokes a verified access token (its jti) until it expires: from
// then on every verification refuses it. Other tokens of the same subject
// keep working.
func (ti *TokenIssuer) Revoke(ctx context.Context, c *Claims) error {
	if err := ti.init(); err != nil {
		return err
	}
	if c == nil || c.ID == "" || c.ExpiresAt == nil {
		return fmt.Errorf("%w: no jti or exp to revoke by", ErrInvalidToken)
	}
	if err := ti.Revocations.Revoke(ctx, c.ID, c.ExpiresAt.Add(ti.Leeway)); err != nil {
		return ti.unavailable("revoking a token", err)
	}
	return nil
}

// EndSession revokes a verified access token and, when it was issued with a
// refresh token (IssuePair), its whole family: the refresh tokens stop
// refreshing and the family's other access tokens stop verifying.
func (ti *TokenIssuer) EndSession(ctx context.Context, c *Claims) error {
	if err := ti.Revoke(ctx, c); err != nil {
		return err
	}
	sid, _ := c.Raw["sid"].(string)
	if sid == "" {
		return nil
	}
	if ti.RefreshTokens != nil {
		if err := ti.RefreshTokens.End(ctx, sid); err != nil {
			return ti.unavailable("ending a refresh token family", err)
		}
	}
	if err := ti.Revocations.Revoke(ctx, sid, ti.Now().Add(ti.MaxTTL+ti.Leeway)); err != nil {
		return ti.unavailable("revoking a session", err)
	}
	return nil
}

// unavailable records a store error (logged once per incident) and returns
// it as an unavailableError.
func (ti *TokenIssuer) unavailable(what string, err error) error {
	ti.outage.fail(context.Background(), ti.Logger, "the token store", err)
	return &unavailableError{what, err, serviceUnavailable()}
}

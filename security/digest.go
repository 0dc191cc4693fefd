package security

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/pycompat"
)

// The Digest algorithms DigestAuth knows (RFC 7616 §6.1).
const (
	DigestSHA256        = "SHA-256"
	DigestSHA256Sess    = "SHA-256-sess"
	DigestSHA512256     = "SHA-512-256"
	DigestSHA512256Sess = "SHA-512-256-sess"
	DigestMD5           = "MD5"
	DigestMD5Sess       = "MD5-sess"
)

// DefaultDigestNonceLifetime is how long a DigestAuth nonce is accepted when
// NonceLifetime is zero.
const DefaultDigestNonceLifetime = 5 * time.Minute

// maxDigestParams bounds the parameters of a Digest Authorization header:
// more are refused without being parsed further. (The header's length is
// bounded by DigestAuth.MaxLength.)
const maxDigestParams = 24

// DigestSecret is what a DigestLookup returns for a user: the password, or HA1,
// the hex digest of "username:realm:password" under the requested hash (so that
// the password itself need not be stored). When HA1 is set, Password is ignored.
type DigestSecret struct {
	Password string
	HA1      string
}

// DigestLookup returns the secret of username in realm. hash is the hash
// function the client chose, without "-sess": "SHA-256", "SHA-512-256" or "MD5";
// an HA1 must be computed with it. found is false for an unknown user. A non-nil
// error aborts the request with a 500 that does not reveal it.
type DigestLookup func(ctx context.Context, username, realm, hash string) (secret DigestSecret, found bool, err error)

// DigestUser is what DigestAuth provides: the authenticated user.
type DigestUser struct {
	Username  string `json:"username"`
	Realm     string `json:"realm"`
	Algorithm string `json:"algorithm"`
}

// DigestAuth is HTTP Digest access authentication (RFC 7616) that really
// authenticates, which FastAPI's HTTPDigest stub does not. It answers a request
// without valid credentials with 401 {"detail":"Not authenticated"} and one
// WWW-Authenticate challenge per algorithm, in the order of Algorithms (by default
// SHA-256, then MD5), each with qop="auth", a nonce and an opaque value.
//
// Nonces need no shared state: a nonce is a timestamp and random bytes signed
// with an HMAC under Secret, so any instance sharing Secret accepts it until it
// is NonceLifetime old. A request with a correct response digest but an expired
// nonce is answered with stale=true, telling the client to retry with the new
// nonce without asking the user again.
//
// Without Nonces (stateless mode) nothing is remembered between requests, so a
// captured request can be replayed, for the same method and URI, until its nonce
// expires; use TLS, keep NonceLifetime short, or set Nonces to refuse reused
// nonce counts: a MemoryNonceStore for one instance, a shared store
// (github.com/keelgo/keel/redisstore) for several. When the store fails, the
// request is answered 503 {"detail":"Service Unavailable"} with Retry-After:
// the check fails closed, and the failure is logged once per incident.
//
// Supported: algorithms MD5, SHA-256, SHA-512-256 and their -sess variants; qop
// "auth" only (the client must send qop, cnonce and nc, RFC 2069 style requests are
// refused); "username*" (RFC 8187 UTF-8). Not supported: qop "auth-int",
// userhash=true. The uri parameter must equal the request target exactly.
type DigestAuth struct {
	// Realm names the protection space, shown to users. Required.
	Realm string
	// Lookup returns a user's password or HA1. Required.
	Lookup DigestLookup
	// Secret is the key nonces are signed with; every instance serving the realm
	// must share it. At least 16 bytes. When empty a random secret is made for
	// this value, which works with a single instance only.
	Secret []byte
	// Algorithms are offered in this order; default SHA-256, MD5. The -sess
	// variants are offered only when listed.
	Algorithms []string
	// NonceLifetime is how long a nonce is accepted; default DefaultDigestNonceLifetime.
	NonceLifetime time.Duration
	// Nonces, when set, refuses replayed nonce counts.
	Nonces NonceStore
	// Logger logs the failures of Nonces, once per incident; default
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Name is the scheme name in OpenAPI; default "DigestAuth".
	Name string
	// Description is the OpenAPI description of the scheme.
	Description string
	// Optional makes the provider provide *DigestUser, nil when the request has
	// no Digest credentials. Digest credentials that fail still answer 401.
	Optional bool
	// MaxLength is the longest Authorization header value accepted, in bytes:
	// a longer one is answered with the challenge before it is parsed, even
	// when Optional. 0 means DefaultMaxAuthorization (8 KiB); a negative
	// value, no limit (the parameters are still limited to maxDigestParams).
	MaxLength int

	lazy   lazyProvider
	setup  setup
	outage incidents
	key    []byte
	algs   []digestAlg
	opq    string
}

type digestAlg struct {
	name string // as offered: "SHA-256-sess"
	hash string // base hash name: "SHA-256"
	sess bool
	new  func() hash.Hash
}

var digestAlgs = map[string]digestAlg{
	"MD5":              {"MD5", "MD5", false, md5.New},
	"MD5-SESS":         {"MD5-sess", "MD5", true, md5.New},
	"SHA-256":          {"SHA-256", "SHA-256", false, sha256.New},
	"SHA-256-SESS":     {"SHA-256-sess", "SHA-256", true, sha256.New},
	"SHA-512-256":      {"SHA-512-256", "SHA-512-256", false, sha512.New512_256},
	"SHA-512-256-SESS": {"SHA-512-256-sess", "SHA-512-256", true, sha512.New512_256},
}

func (d *DigestAuth) init() error { return d.setup.do(d.configure) }

// configure checks the fields and prepares the key, the algorithms and the
// opaque value; it runs until it succeeds (see setup).
func (d *DigestAuth) configure() error {
	switch {
	case d.Realm == "":
		return configError(d, "Realm is required")
	case d.Lookup == nil:
		return configError(d, "Lookup is required")
	case len(d.Secret) > 0 && len(d.Secret) < 16:
		return configError(d, "Secret must be at least 16 bytes")
	case d.NonceLifetime < 0:
		return configError(d, "NonceLifetime must not be negative")
	}
	names := d.Algorithms
	if len(names) == 0 {
		names = []string{DigestSHA256, DigestMD5}
	}
	var algs []digestAlg
	for _, n := range names {
		a, ok := digestAlgs[strings.ToUpper(n)]
		if !ok {
			return configError(d, "unknown algorithm %q (want MD5, SHA-256, SHA-512-256 or a -sess variant)", n)
		}
		algs = append(algs, a)
	}
	key := d.Secret
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("keel digest opaque\x00" + d.Realm))
	d.key, d.algs, d.opq = key, algs, hex.EncodeToString(m.Sum(nil)[:16])
	return nil
}

func (d *DigestAuth) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *DigestAuth) lifetime() time.Duration {
	if d.NonceLifetime > 0 {
		return d.NonceLifetime
	}
	return DefaultDigestNonceLifetime
}

// SchemeName implements Scheme.
func (d *DigestAuth) SchemeName() string { return schemeName(d.Name, d) }

// OpenAPISecurityScheme implements Scheme: {"type":"http","scheme":"digest"}.
func (d *DigestAuth) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{Type: "http", Scheme: "digest", Description: d.Description}
}

// Dependency implements di.Source.
func (d *DigestAuth) Dependency() di.Dependency {
	return d.lazy.get(d.Optional, func() *di.Provider { return provide(d, d.Authenticate, d.Optional) })
}

// CheckConfig implements ConfigChecker: Realm and Lookup are required, Secret
// is empty or at least 16 bytes, the algorithms are known. The configuration
// is fixed by the first successful check.
func (d *DigestAuth) CheckConfig() error {
	if err := d.init(); err != nil {
		return err
	}
	return d.lazy.check(d, d.Optional)
}

// Challenge returns the 401 that asks for Digest credentials: one
// WWW-Authenticate value per algorithm, with a fresh nonce, and stale=true when
// stale is set.
func (d *DigestAuth) Challenge(stale bool) *keel.HTTPError {
	if err := d.init(); err != nil {
		return keel.NewHTTPError(http.StatusInternalServerError)
	}
	nonce := d.newNonce(d.now())
	e := keel.NewHTTPError(http.StatusUnauthorized, "Not authenticated")
	for _, a := range d.algs {
		var b strings.Builder
		b.WriteString("Digest realm=")
		b.WriteString(quote(d.Realm))
		b.WriteString(`, qop="auth", algorithm=`)
		b.WriteString(a.name)
		b.WriteString(`, nonce="`)
		b.WriteString(nonce)
		b.WriteString(`", opaque="`)
		b.WriteString(d.opq)
		b.WriteByte('"')
		if stale {
			b.WriteString(", stale=true")
		}
		e.WithHeader("WWW-Authenticate", b.String())
	}
	return e
}

// Nonce layout: 8 bytes of Unix seconds, 12 random bytes, 16 bytes of HMAC-SHA256
// over the realm and both; base64url without padding: 48 characters.
const (
	nonceRandLen = 12
	nonceMACLen  = 16
	nonceRawLen  = 8 + nonceRandLen + nonceMACLen
	nonceLen     = (nonceRawLen*8 + 5) / 6
)

func (d *DigestAuth) nonceMAC(body []byte) []byte {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte("keel digest nonce\x00" + d.Realm + "\x00"))
	m.Write(body)
	return m.Sum(nil)[:nonceMACLen]
}

func (d *DigestAuth) newNonce(now time.Time) string {
	var raw [nonceRawLen]byte
	binary.BigEndian.PutUint64(raw[:8], uint64(now.Unix()))
	_, _ = rand.Read(raw[8 : 8+nonceRandLen])
	copy(raw[8+nonceRandLen:], d.nonceMAC(raw[:8+nonceRandLen]))
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// checkNonce verifies a nonce's signature and returns when it was issued.
func (d *DigestAuth) checkNonce(nonce string) (time.Time, bool) {
	if len(nonce) != nonceLen {
		return time.Time{}, false
	}
	var raw [nonceRawLen]byte
	n, err := base64.RawURLEncoding.Decode(raw[:], []byte(nonce))
	if err != nil || n != nonceRawLen {
		return time.Time{}, false
	}
	if !hmac.Equal(raw[8+nonceRandLen:], d.nonceMAC(raw[:8+nonceRandLen])) {
		return time.Time{}, false
	}
	secs := binary.BigEndian.Uint64(raw[:8])
	if secs > 1<<62 {
		return time.Time{}, false
	}
	return time.Unix(int64(secs), 0), true
}

// errDigestLookup wraps a Lookup error; its text never reaches the client.
var errDigestLookup = errors.New("keel/security: digest lookup failed")

// Authenticate checks r's Digest credentials and returns the user. When r has
// no Digest credentials it returns (nil, nil) if the scheme is Optional; any
// other failure returns the challenge (a *keel.HTTPError), with stale=true when
// only the nonce was too old or its count was reused. When Nonces fails it
// returns the 503. A Lookup error is returned wrapped, for a 500.
func (d *DigestAuth) Authenticate(r *http.Request) (*DigestUser, error) {
	if err := d.init(); err != nil {
		return nil, err
	}
	h, tooLong := authorization(r, d.MaxLength)
	if tooLong {
		return nil, d.Challenge(false)
	}
	scheme, rest, _ := strings.Cut(h, " ")
	if h == "" || !pycompat.EqualFoldASCII(scheme, "digest") {
		if d.Optional {
			return nil, nil
		}
		return nil, d.Challenge(false)
	}
	p, ok := parseDigestParams(rest)
	if !ok {
		return nil, d.Challenge(false)
	}
	user, ok := p.user()
	if !ok || p.realm != d.Realm || p.nonce == "" || p.response == "" || p.cnonce == "" ||
		!pycompat.EqualFoldASCII(p.qop, "auth") || (p.userhash != "" && !pycompat.EqualFoldASCII(p.userhash, "false")) ||
		!CompareSecret(p.opaque, d.opq) || p.uri != requestTarget(r) {
		return nil, d.Challenge(false)
	}
	nc, err := strconv.ParseUint(p.nc, 16, 32)
	if err != nil || len(p.nc) != 8 {
		return nil, d.Challenge(false)
	}
	alg, ok := d.algorithm(p.algorithm)
	if !ok {
		return nil, d.Challenge(false)
	}
	issued, ok := d.checkNonce(p.nonce)
	now := d.now()
	if !ok || issued.After(now.Add(time.Minute)) {
		return nil, d.Challenge(false)
	}

	secret, found, err := d.Lookup(r.Context(), user, d.Realm, alg.hash)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errDigestLookup, err)
	}
	var ha1 string
	switch {
	case !found:
		ha1 = strings.Repeat("0", alg.new().Size()*2) // same work for unknown users
	case secret.HA1 != "":
		ha1 = strings.ToLower(secret.HA1)
	default:
		ha1 = hashHex(alg.new, user, d.Realm, secret.Password)
	}
	if alg.sess {
		ha1 = hashHex(alg.new, ha1, p.nonce, p.cnonce)
	}
	ha2 := hashHex(alg.new, r.Method, p.uri)
	want := hashHex(alg.new, ha1, p.nonce, p.nc, p.cnonce, p.qop, ha2)
	if !CompareSecret(strings.ToLower(p.response), want) || !found {
		return nil, d.Challenge(false)
	}
	expires := issued.Add(d.lifetime())
	if !now.Before(expires) {
		return nil, d.Challenge(true)
	}
	if d.Nonces != nil {
		fresh, err := d.Nonces.UseNonce(r.Context(), p.nonce, nc, expires)
		if err != nil {
			if r.Context().Err() == nil { // not the client going away
				d.outage.fail(r.Context(), loggerOr(d.Logger), "the Digest nonce store", err)
			}
			return nil, serviceUnavailable()
		}
		d.outage.ok(r.Context(), loggerOr(d.Logger), "the Digest nonce store")
		if !fresh {
			return nil, d.Challenge(true)
		}
	}
	return &DigestUser{Username: user, Realm: d.Realm, Algorithm: alg.name}, nil
}

// algorithm returns the offered algorithm named by the client; none means MD5
// (RFC 7616 §3.4).
func (d *DigestAuth) algorithm(name string) (digestAlg, bool) {
	if name == "" {
		name = DigestMD5
	}
	for _, a := range d.algs {
		if pycompat.EqualFoldASCII(name, strings.ToLower(a.name)) {
			return a, true
		}
	}
	return digestAlg{}, false
}

// requestTarget is the request-target as the client sent it.
func requestTarget(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

func hashHex(newHash func() hash.Hash, parts ...string) string {
	h := newHash()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{':'})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// digestParams are the parameters of a Digest Authorization header that
// DigestAuth reads (RFC 7616 §3.4); others are ignored.
type digestParams struct {
	username, usernameStar, realm, nonce, uri, response string
	algorithm, cnonce, opaque, qop, nc, userhash        string
}

// user returns the username, from username or, RFC 8187 encoded, username*
// (exactly one of them).
func (p *digestParams) user() (string, bool) {
	switch {
	case p.username != "" && p.usernameStar == "":
		return p.username, true
	case p.username == "" && p.usernameStar != "":
		charset, rest, ok := strings.Cut(p.usernameStar, "'")
		if !ok || !strings.EqualFold(charset, "UTF-8") {
			return "", false
		}
		_, enc, ok := strings.Cut(rest, "'") // language tag, ignored
		if !ok {
			return "", false
		}
		u, err := url.PathUnescape(enc)
		if err != nil || u == "" {
			return "", false
		}
		return u, true
	}
	return "", false
}

func (p *digestParams) field(name string) *string {
	switch strings.ToLower(name) {
	case "username":
		return &p.username
	case "username*":
		return &p.usernameStar
	case "realm":
		return &p.realm
	case "nonce":
		return &p.nonce
	case "uri":
		return &p.uri
	case "response":
		return &p.response
	case "algorithm":
		return &p.algorithm
	case "cnonce":
		return &p.cnonce
	case "opaque":
		return &p.opaque
	case "qop":
		return &p.qop
	case "nc":
		return &p.nc
	case "userhash":
		return &p.userhash
	}
	return nil
}

// parseDigestParams parses a comma-separated list of auth-params (RFC 9110
// §11.2): name=token or name="quoted-string", with optional whitespace and empty
// list elements. A repeated known parameter, an empty value, more than
// maxDigestParams parameters or any syntax error fails.
func parseDigestParams(s string) (digestParams, bool) {
	var p digestParams
	i, count := 0, 0
	skipOWS := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++
		}
		if i == len(s) {
			break
		}
		count++
		if count > maxDigestParams {
			return p, false
		}
		start := i
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		name := s[start:i]
		if name == "" {
			return p, false
		}
		skipOWS()
		if i == len(s) || s[i] != '=' {
			return p, false
		}
		i++
		skipOWS()
		var value string
		if i < len(s) && s[i] == '"' {
			i++
			var b strings.Builder
			closed := false
			for i < len(s) {
				c := s[i]
				i++
				if c == '"' {
					closed = true
					break
				}
				if c == '\\' {
					if i == len(s) {
						return p, false
					}
					c = s[i]
					i++
				}
				b.WriteByte(c)
			}
			if !closed {
				return p, false
			}
			value = b.String()
		} else {
			start := i
			for i < len(s) && isTokenChar(s[i]) {
				i++
			}
			value = s[start:i]
		}
		if value == "" {
			return p, false
		}
		skipOWS()
		if i < len(s) && s[i] != ',' {
			return p, false
		}
		if f := p.field(name); f != nil {
			if *f != "" {
				return p, false
			}
			*f = value
		}
	}
	return p, true
}

// isTokenChar reports whether c is an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

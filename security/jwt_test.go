package security

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/keelgo/keel"
)

var jwtNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func sign(t *testing.T, m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func claimsFor(sub string, extra ...any) jwt.MapClaims {
	c := jwt.MapClaims{"sub": sub, "exp": jwtNow.Add(time.Hour).Unix()}
	for i := 0; i+1 < len(extra); i += 2 {
		c[extra[i].(string)] = extra[i+1]
	}
	return c
}

func bearer(tok string) string { return "Bearer " + tok }

func TestJWTAlgorithms(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name   string
		key    any // verification key given to JWTBearer
		method jwt.SigningMethod
		signer any
	}{
		{"HS256", secret, jwt.SigningMethodHS256, secret},
		{"HS384", secret, jwt.SigningMethodHS384, secret},
		{"HS512", secret, jwt.SigningMethodHS512, secret},
		{"RS256", &rsaKey.PublicKey, jwt.SigningMethodRS256, rsaKey},
		{"RS256 private key given", rsaKey, jwt.SigningMethodRS256, rsaKey},
		{"ES256", &ecKey.PublicKey, jwt.SigningMethodES256, ecKey},
		{"ES384", &ec384.PublicKey, jwt.SigningMethodES384, ec384},
		{"EdDSA", edKey.Public(), jwt.SigningMethodEdDSA, edKey},
		{"EdDSA private key given", edKey, jwt.SigningMethodEdDSA, edKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &JWTBearer[Claims]{Key: tt.key, Now: func() time.Time { return jwtNow }}
			tok := sign(t, tt.method, tt.signer, claimsFor("alice", "scope", "me items", "role", "admin"))
			c, err := b.Authenticate(authRequest(bearer(tok)), []string{"items", "me"})
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != "alice" || c.Raw["role"] != "admin" || strings.Join(c.Scopes(), " ") != "me items" {
				t.Fatalf("claims = %+v", c)
			}
		})
	}
	// Algorithm confusion: an HS256 token signed with the RSA public key's bytes
	// is refused by an RSA-configured bearer, and "none" is always refused.
	b := &JWTBearer[Claims]{Key: &rsaKey.PublicKey, Now: func() time.Time { return jwtNow }}
	pub := rsaKey.PublicKey.N.Bytes()
	confused := sign(t, jwt.SigningMethodHS256, pub, claimsFor("eve"))
	none := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsFor("eve"))
	hsOnly := &JWTBearer[Claims]{Key: secret, Now: func() time.Time { return jwtNow }}
	for name, tc := range map[string]struct {
		b   *JWTBearer[Claims]
		tok string
	}{
		"hs with rsa key":      {b, confused},
		"none":                 {b, none},
		"none on hmac":         {hsOnly, none},
		"rs on hmac":           {hsOnly, sign(t, jwt.SigningMethodRS256, rsaKey, claimsFor("eve"))},
		"other ecdsa curve":    {&JWTBearer[Claims]{Key: &ecKey.PublicKey, Now: b.Now}, sign(t, jwt.SigningMethodES384, ec384, claimsFor("eve"))},
		"hs256 not configured": {&JWTBearer[Claims]{Key: secret, Algorithms: []string{"HS512"}, Now: b.Now}, sign(t, jwt.SigningMethodHS256, secret, claimsFor("eve"))},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tc.b.Authenticate(authRequest(bearer(tc.tok)), nil)
			wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer error="invalid_token"`})
		})
	}
}

func TestJWTValidation(t *testing.T) {
	secret := []byte("a secret of thirty-two bytes....")
	now := func() time.Time { return jwtNow }
	b := &JWTBearer[Claims]{Key: secret, Now: now, Leeway: 30 * time.Second, Issuer: "https://issuer", Audience: []string{"api", "api2"}}
	ok := func(extra ...any) jwt.MapClaims {
		return claimsFor("alice", append([]any{"iss", "https://issuer", "aud", []string{"other", "api2"}}, extra...)...)
	}
	good := ok()
	tests := []struct {
		name   string
		claims jwt.MapClaims
		key    []byte
		valid  bool
	}{
		{"good", good, secret, true},
		{"expired within leeway", ok("exp", jwtNow.Add(-20*time.Second).Unix()), secret, true},
		{"expired", ok("exp", jwtNow.Add(-time.Minute).Unix()), secret, false},
		{"nbf within leeway", ok("nbf", jwtNow.Add(20*time.Second).Unix()), secret, true},
		{"not yet valid", ok("nbf", jwtNow.Add(time.Minute).Unix()), secret, false},
		{"no exp", jwt.MapClaims{"sub": "a", "iss": "https://issuer", "aud": "api"}, secret, false},
		{"wrong issuer", ok("iss", "https://evil"), secret, false},
		{"no issuer", claimsFor("a", "aud", "api"), secret, false},
		{"wrong audience", ok("aud", "other"), secret, false},
		{"no audience", claimsFor("a", "iss", "https://issuer"), secret, false},
		{"wrong key", good, []byte("another secret of 32 bytes......"), false},
		{"bad scope claim type", ok("scope", 42), secret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.Authenticate(authRequest(bearer(sign(t, jwt.SigningMethodHS256, tt.key, tt.claims))), nil)
			if tt.valid && err != nil {
				t.Fatal(err)
			}
			if !tt.valid {
				wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer error="invalid_token"`})
			}
		})
	}
	// Malformed tokens.
	for _, h := range []string{"Bearer x", "Bearer a.b.c", "Bearer " + strings.Repeat("a.", 3), "bearer " + sign(t, jwt.SigningMethodHS256, secret, good) + "x"} {
		_, err := b.Authenticate(authRequest(h), nil)
		wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer error="invalid_token"`})
	}
	// AllowNoExpiry.
	nb := &JWTBearer[Claims]{Key: secret, Now: now, AllowNoExpiry: true}
	if _, err := nb.Authenticate(authRequest(bearer(sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "a"}))), nil); err != nil {
		t.Errorf("AllowNoExpiry: %v", err)
	}
}

func TestJWTMissingAndScopes(t *testing.T) {
	secret := []byte("a secret of thirty-two bytes....")
	now := func() time.Time { return jwtNow }
	b := &JWTBearer[Claims]{Key: secret, Now: now}
	for _, h := range []string{"", "Basic dTpw", "Bearer", "Bearer   ", "Bearerx y"} {
		_, err := b.Authenticate(authRequest(h), []string{"me"})
		wantErr(t, err, 401, "Not authenticated", []string{"Bearer"})
		// Optional: nil.
		c, err := (&JWTBearer[Claims]{Key: secret, Optional: true}).Authenticate(authRequest(h), []string{"me"})
		if c != nil || err != nil {
			t.Errorf("optional %q: (%v, %v)", h, c, err)
		}
	}
	realm := &JWTBearer[Claims]{Key: secret, Now: now, Realm: "example"}
	_, err := realm.Authenticate(authRequest(""), nil)
	wantErr(t, err, 401, "Not authenticated", []string{`Bearer realm="example"`})
	_, err = realm.Authenticate(authRequest("Bearer x"), nil)
	wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer realm="example", error="invalid_token"`})

	tests := []struct {
		name     string
		claims   jwt.MapClaims
		required []string
		ok       bool
	}{
		{"scope string", claimsFor("a", "scope", "me items"), []string{"items", "me"}, true},
		{"scope list", claimsFor("a", "scope", []string{"me", "items"}), []string{"items"}, true},
		{"scp list", claimsFor("a", "scp", []string{"me", "items"}), []string{"me", "items"}, true},
		{"scp string", claimsFor("a", "scp", "me items"), []string{"items"}, true},
		{"no scopes needed", claimsFor("a"), nil, true},
		{"missing one", claimsFor("a", "scope", "me"), []string{"items", "me"}, false},
		{"no scope claim", claimsFor("a"), []string{"me"}, false},
		{"prefix is not a scope", claimsFor("a", "scope", "items:read"), []string{"items"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := bearer(sign(t, jwt.SigningMethodHS256, secret, tt.claims))
			for _, bb := range []*JWTBearer[Claims]{b, {Key: secret, Now: now, Optional: true}} {
				_, err := bb.Authenticate(authRequest(tok), tt.required)
				if tt.ok && err != nil {
					t.Fatal(err)
				}
				if !tt.ok {
					wantErr(t, err, 403, "Not enough permissions", []string{`Bearer error="insufficient_scope", scope="` + strings.Join(tt.required, " ") + `"`})
				}
			}
			// Custom claims type without a Scopes method: the payload is read.
			type mine struct {
				jwt.RegisteredClaims
				Name string `json:"name"`
			}
			_, err := (&JWTBearer[mine]{Key: secret, Now: now}).Authenticate(authRequest(tok), tt.required)
			if tt.ok != (err == nil) {
				t.Fatalf("custom claims: %v", err)
			}
		})
	}
	// ClaimScopes replaces the default.
	type perms struct {
		jwt.RegisteredClaims
		Permissions []string `json:"permissions"`
	}
	pb := &JWTBearer[perms]{Key: secret, Now: now, ClaimScopes: func(c *perms) []string { return c.Permissions }}
	tok := bearer(sign(t, jwt.SigningMethodHS256, secret, claimsFor("a", "permissions", []string{"read"}, "scope", "write")))
	if c, err := pb.Authenticate(authRequest(tok), []string{"read"}); err != nil || c.Subject != "a" {
		t.Errorf("ClaimScopes: (%v, %v)", c, err)
	}
	_, err = pb.Authenticate(authRequest(tok), []string{"write"})
	wantErr(t, err, 403, "Not enough permissions", []string{`Bearer error="insufficient_scope", scope="write"`})
}

func TestJWTKeyFunc(t *testing.T) {
	keys := map[string][]byte{"k1": []byte("first secret of 32 bytes........"), "k2": []byte("second secret of 32 bytes.......")}
	b := &JWTBearer[Claims]{
		Algorithms: []string{"HS256"},
		Now:        func() time.Time { return jwtNow },
		KeyFunc: func(ctx context.Context, tok *jwt.Token) (any, error) {
			if ctx == nil {
				return nil, errors.New("no context")
			}
			k, ok := keys[tok.Header["kid"].(string)]
			if !ok {
				return nil, errors.New("unknown kid")
			}
			return k, nil
		},
	}
	for kid, key := range keys {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claimsFor(kid))
		tok.Header["kid"] = kid
		s, _ := tok.SignedString(key)
		if c, err := b.Authenticate(authRequest(bearer(s)), nil); err != nil || c.Subject != kid {
			t.Errorf("kid %s: (%v, %v)", kid, c, err)
		}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claimsFor("x"))
	tok.Header["kid"] = "k3"
	s, _ := tok.SignedString(keys["k1"])
	_, err := b.Authenticate(authRequest(bearer(s)), nil)
	wantErr(t, err, 401, "Could not validate credentials", []string{`Bearer error="invalid_token"`})
	// KeyFunc without Algorithms is a configuration error.
	_, err = (&JWTBearer[Claims]{KeyFunc: b.KeyFunc}).Authenticate(authRequest("Bearer x"), nil)
	var he *keel.HTTPError
	if err == nil || errors.As(err, &he) || !strings.Contains(err.Error(), "Algorithms is required") {
		t.Errorf("config error = %v", err)
	}
}

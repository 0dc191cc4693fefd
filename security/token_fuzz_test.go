package security

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzTokens sends arbitrary bearer tokens to every path that parses one:
// OIDCBearer (keys loaded from a provider), JWTBearer verifying a
// TokenIssuer's tokens, TokenIssuer.Verify and TokenIssuer.Refresh. None may
// panic or answer 5xx (the stores here never fail); an answer is 401 or, for
// a token the fuzzer forged validly, success.
func FuzzTokens(f *testing.F) {
	testKeys()
	op := newFakeOP(f, opKey{"rsa", "", rsaTest}, opKey{"ec", "ES256", ecTest}, opKey{"ed", "", edTest})
	o := &OIDCBearer[Claims]{Issuer: op.URL(), Audience: []string{"api"}, TokenType: "at+jwt", AuthorizedParties: []string{"docs"}}
	f.Cleanup(o.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := o.Ready(ctx); err != nil {
		f.Fatal(err)
	}
	ti := &TokenIssuer{Issuer: "https://keel.example", Audience: []string{"api"},
		Keys: []SigningKey{{Key: ed25519.NewKeyFromSeed(make([]byte, 32))}}, RefreshTTL: time.Hour}
	jb := &JWTBearer[Claims]{Tokens: ti}

	seeds := []string{
		signWith(f, "RS256", rsaTest, "rsa", "at+jwt", opClaims(op, "azp", "docs")),
		signWith(f, "ES256", ecTest, "ec", "at+jwt", opClaims(op, "client_id", "docs")),
		signWith(f, "EdDSA", edTest, "", "", opClaims(op)),
		signWith(f, "HS256", rsaTest.PublicKey.N.Bytes(), "rsa", "at+jwt", opClaims(op)),
		signWith(f, "none", jwt.UnsafeAllowNoneSignatureType, "rsa", "at+jwt", opClaims(op)),
		"eyJhbGciOiJSUzI1NiIsImtpZCI6WzFdfQ.e30.AAAA", // kid is a list
		"a.b.c", "....", "", "Bearer",
	}
	access, err := ti.Issue(context.Background(), "alice", []string{"items"}, time.Minute, map[string]any{"role": "x"})
	if err != nil {
		f.Fatal(err)
	}
	pair, err := ti.IssuePair(context.Background(), "alice", nil, time.Minute, nil)
	if err != nil {
		f.Fatal(err)
	}
	seeds = append(seeds, access, pair.AccessToken, pair.RefreshToken)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		if strings.ContainsAny(tok, "\r\n\x00") {
			return // not a header value
		}
		r := authRequest(bearer(tok))
		for name, auth := range map[string]func() error{
			"OIDCBearer": func() error { _, err := o.Authenticate(r, []string{"items"}); return err },
			"JWTBearer":  func() error { _, err := jb.Authenticate(r, []string{"items"}); return err },
		} {
			if code, _ := statusOf(auth()); code >= 500 {
				t.Fatalf("%s answered %d to %q", name, code, tok)
			}
		}
		if _, err := ti.Verify(context.Background(), tok); err != nil && !strings.Contains(err.Error(), ErrInvalidToken.Error()) {
			t.Fatalf("Verify(%q): %v", tok, err)
		}
		if _, err := ti.Refresh(context.Background(), tok); err != nil && !strings.Contains(err.Error(), ErrInvalidToken.Error()) {
			t.Fatalf("Refresh(%q): %v", tok, err)
		}
	})
}

package security

import (
	"context"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkVerify compares OIDCBearer's verification of a token whose key is
// in the cached key set (the whole Authenticate: header, kid lookup,
// signature, claims, scopes) with golang-jwt's own Parse of the same token
// with the key at hand. Issue 12 asks for at most +10 % (docs/performance.md):
//
//	go test -run '^$' -bench Verify -benchmem -count 10 ./security/ | tee v.txt
//	benchstat -col /impl v.txt
func BenchmarkVerify(b *testing.B) {
	testKeys()
	op := newFakeOP(b, opKey{"rsa", "", rsaTest}, opKey{"ec", "", ecTest})
	o := &OIDCBearer[Claims]{Issuer: op.URL(), Audience: []string{"api"}}
	b.Cleanup(o.Close)
	if err := o.Ready(context.Background()); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		alg, kid string
		key      any
		pub      any
	}{
		{"RS256", "rsa", rsaTest, &rsaTest.PublicKey},
		{"ES256", "ec", ecTest, &ecTest.PublicKey},
	} {
		tok := signWith(b, tc.alg, tc.key, tc.kid, "", opClaims(op))
		r := authRequest(bearer(tok))
		required := []string{"items"}
		b.Run("alg="+tc.alg+"/impl=golang-jwt", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return tc.pub, nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("alg="+tc.alg+"/impl=OIDCBearer", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := o.Authenticate(r, required); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

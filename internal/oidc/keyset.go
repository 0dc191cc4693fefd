// Package oidc is the plumbing of security.OIDCBearer: OpenID Connect
// discovery, the provider's JWK Set parsed into verification keys, and that
// set kept fresh in the background with github.com/lestrrat-go/httprc (the
// cache under github.com/lestrrat-go/jwx's jwk.Cache), refetched at most once
// per interval when a token names a key it does not know.
//
// It parses no JOSE itself: JWKs are read by jwx's jwk package, and tokens are
// verified by the caller with github.com/golang-jwt/jwt (docs/security.md,
// "Verifying tokens from your identity provider").
package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// MaxKeys is the largest number of keys a key set may hold. Providers publish
// a handful; the bound keeps the cost of a hostile set small.
const MaxKeys = 100

// MinRSABits is the smallest RSA modulus accepted (RFC 7518 §3.3).
const MinRSABits = 2048

// Key is one verification key of a set.
type Key struct {
	// ID is the key's "kid" ("" when it has none).
	ID string
	// Public is *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey.
	Public crypto.PublicKey
	// Algorithms are the JWS algorithms this key may verify: its "alg" when
	// the JWK names one, else every algorithm its type fits; always within
	// the algorithms the set was parsed for.
	Algorithms []string
}

// KeySet is an immutable set of verification keys, looked up by kid.
type KeySet struct {
	byID map[string][]*Key
	all  []*Key
}

// Len is the number of keys.
func (s *KeySet) Len() int {
	if s == nil {
		return 0
	}
	return len(s.all)
}

// Lookup returns the key with this kid that may verify alg. A token without a
// kid is verified only by a set holding exactly one key that fits alg (RFC
// 7515 §4.1.4 makes kid optional; several candidates would mean trying each).
func (s *KeySet) Lookup(kid, alg string) (*Key, bool) {
	if s == nil {
		return nil, false
	}
	candidates := s.byID[kid]
	if kid == "" {
		candidates = s.all
	}
	var found *Key
	for _, k := range candidates {
		if slices.Contains(k.Algorithms, alg) {
			if found != nil {
				return nil, false // ambiguous
			}
			found = k
		}
	}
	return found, found != nil
}

// ErrNoKeys is returned for a set that holds no usable verification key.
var ErrNoKeys = errors.New("the key set holds no usable signature verification key")

// ParseKeySet reads a JWK Set (RFC 7517 §5) with jwx's jwk package and keeps
// the keys that can verify one of the algorithms in allowed: public RSA keys
// of at least 2048 bits, EC keys on P-256, P-384 or P-521, and Ed25519 keys;
// whose "use", when present, is "sig" and whose "key_ops", when present,
// include "verify". Symmetric keys, private keys' secret halves, encryption
// keys and key types jwx does not know are left out, so that a provider
// publishing a new kind of key does not break verification with the others.
// A key that names an algorithm verifies that algorithm only.
func ParseKeySet(b []byte, allowed []string) (*KeySet, error) {
	set, err := jwk.Parse(b, jwk.WithStrictKeySetParsing(false), jwk.WithMaxKeys(MaxKeys))
	if err != nil {
		return nil, fmt.Errorf("parsing the JWK Set: %w", err)
	}
	out := &KeySet{byID: map[string][]*Key{}}
	for i := range set.Len() {
		k, ok := set.Key(i)
		if !ok {
			continue
		}
		key, ok := verificationKey(k, allowed)
		if !ok {
			continue
		}
		out.all = append(out.all, key)
		out.byID[key.ID] = append(out.byID[key.ID], key)
	}
	if len(out.all) == 0 {
		return nil, ErrNoKeys
	}
	return out, nil
}

// verificationKey turns a JWK into a Key, or reports that it cannot verify
// signatures with the allowed algorithms.
func verificationKey(k jwk.Key, allowed []string) (*Key, bool) {
	if _, unsupported := k.(jwk.UnsupportedKey); unsupported {
		return nil, false
	}
	if use, ok := k.KeyUsage(); ok && use != "sig" {
		return nil, false
	}
	if ops, ok := k.KeyOps(); ok && !slices.Contains(ops, jwk.KeyOpVerify) {
		return nil, false
	}
	var raw any
	if pub, err := k.PublicKey(); err != nil || jwk.Export(pub, &raw) != nil {
		return nil, false
	}
	fits := Fits(raw)
	if alg, ok := k.Algorithm(); ok {
		if !slices.Contains(fits, alg.String()) {
			return nil, false // an RSA key that says HS256, or ES256 on P-384
		}
		fits = []string{alg.String()}
	}
	var algs []string
	for _, a := range fits {
		if slices.Contains(allowed, a) {
			algs = append(algs, a)
		}
	}
	if len(algs) == 0 {
		return nil, false
	}
	kid, _ := k.KeyID()
	return &Key{ID: kid, Public: raw, Algorithms: algs}, true
}

// Fits returns the asymmetric JWS algorithms a public key can verify: RS* and
// PS* for RSA keys of at least MinRSABits, the ES algorithm of an ECDSA key's
// curve, EdDSA for Ed25519; none for anything else.
func Fits(pub any) []string {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p.N == nil || p.N.BitLen() < MinRSABits {
			return nil
		}
		return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	case *ecdsa.PublicKey:
		switch p.Curve {
		case elliptic.P256():
			return []string{"ES256"}
		case elliptic.P384():
			return []string{"ES384"}
		case elliptic.P521():
			return []string{"ES512"}
		}
	case ed25519.PublicKey:
		if len(p) == ed25519.PublicKeySize {
			return []string{"EdDSA"}
		}
	}
	return nil
}

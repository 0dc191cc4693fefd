package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// DiscoveryURL is the OpenID Provider Configuration URL of an issuer (OpenID
// Connect Discovery 1.0 §4): the issuer, without a trailing slash, followed by
// /.well-known/openid-configuration.
func DiscoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// Metadata is what Keel reads of a provider's configuration document.
type Metadata struct {
	Issuer                string   `json:"issuer"`
	JWKSURI               string   `json:"jwks_uri"`
	AuthorizationEndpoint string   `json:"authorization_endpoint,omitempty"`
	TokenEndpoint         string   `json:"token_endpoint,omitempty"`
	ScopesSupported       []string `json:"scopes_supported,omitempty"`
}

// Discover fetches the configuration document at discoveryURL (at most max
// bytes) and checks it: its "issuer" must equal issuer exactly (Discovery
// §4.3: a document naming another issuer is refused, whatever served it), and
// its jwks_uri must pass CheckURL.
func Discover(ctx context.Context, client *http.Client, discoveryURL, issuer string, max int64) (*Metadata, error) {
	b, _, err := get(ctx, client, discoveryURL, max)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	var m Metadata
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("discovery: %s is not a configuration document: %w", discoveryURL, err)
	}
	if m.Issuer != issuer {
		return nil, fmt.Errorf("discovery: %s names the issuer %q, not %q", discoveryURL, m.Issuer, issuer)
	}
	if m.JWKSURI == "" {
		return nil, fmt.Errorf("discovery: %s has no jwks_uri", discoveryURL)
	}
	if _, err := CheckURL(m.JWKSURI); err != nil {
		return nil, fmt.Errorf("discovery: jwks_uri: %w", err)
	}
	return &m, nil
}

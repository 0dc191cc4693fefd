// Command oidcprovider is the OpenID Connect provider Keel's end-to-end tests
// run against: the example provider of github.com/zitadel/oidc/v3
// (example/server: its in-memory storage, its login page, its op
// configuration, imported as a dependency), with what the tests need chosen
// here:
//
//   - the address: -addr, a loopback address (127.0.0.1:0 picks a free port);
//     the issuer is http://<addr>, and a line "msg=listening addr=<addr>" is
//     logged when it serves;
//   - the signing keys: -keys, RSA private keys in PEM files (created when
//     missing); the first signs, every one is published in the key set, so
//     that a restart with other files rotates keys (kid: RFC 7638 thumbprint);
//   - one public client, -client (default keel-docs): authorization code with
//     PKCE, JWT access tokens whose "scope" claim lists the scopes granted,
//     the extra scope "items", and redirects to /docs/oauth2-redirect on any
//     loopback port (RFC 8252 §7.3): Swagger UI's;
//   - one user, -user and -password (default alice / wonderland), whose
//     subject is -sub (default alice-sub).
//
// It never listens on anything but loopback. SIGTERM stops it.
package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	keys := flag.String("keys", "", "comma-separated RSA key PEM files: the first signs, all are published (created when missing)")
	clientID := flag.String("client", "keel-docs", "the public client's id")
	user := flag.String("user", "alice", "the user's name")
	password := flag.String("password", "wonderland", "the user's password")
	sub := flag.String("sub", "alice-sub", "the user's subject")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := run(*addr, strings.Split(*keys, ","), *clientID, *user, *password, *sub, logger); err != nil {
		logger.Error("oidcprovider", "error", err)
		os.Exit(1)
	}
}

func run(addr string, keyFiles []string, clientID, user, password, sub string, logger *slog.Logger) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %s: a loopback address only", addr)
	}
	var signing []signingKey
	for _, f := range keyFiles {
		if f == "" {
			continue
		}
		k, err := loadKey(f)
		if err != nil {
			return err
		}
		signing = append(signing, k)
	}
	if len(signing) == 0 {
		return errors.New("-keys is required")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	issuer := "http://" + ln.Addr().String()

	users := userStore{&storage.User{
		ID: sub, Username: user, Password: password, FirstName: "Alice", LastName: "Liddell",
		Email: user + "@keel.test", EmailVerified: true, PreferredLanguage: language.English,
	}}
	st := &keelStorage{
		Storage: storage.NewStorageWithClients(users, map[string]*storage.Client{}),
		keys:    signing,
		client:  docsClient{id: clientID},
	}
	handler := exampleop.SetupServer(issuer, st, logger, false)
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	kids := make([]string, len(signing))
	for i, k := range signing {
		kids[i] = k.id
	}
	logger.Info("listening", "addr", ln.Addr().String(), "issuer", issuer, "kids", strings.Join(kids, ","))
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// loadKey reads an RSA private key from a PEM file, creating the file with a
// new 2048-bit key when it does not exist.
func loadKey(path string) (signingKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return signingKey{}, err
		}
		b = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return signingKey{}, err
		}
	} else if err != nil {
		return signingKey{}, err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return signingKey{}, fmt.Errorf("%s: no PEM block", path)
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		var k any
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		if err == nil {
			var ok bool
			if key, ok = k.(*rsa.PrivateKey); !ok {
				err = fmt.Errorf("not an RSA key")
			}
		}
	}
	if err != nil {
		return signingKey{}, fmt.Errorf("%s: %w", path, err)
	}
	tp, err := (&jose.JSONWebKey{Key: key.Public()}).Thumbprint(crypto.SHA256)
	if err != nil {
		return signingKey{}, err
	}
	return signingKey{id: base64.RawURLEncoding.EncodeToString(tp), key: key}, nil
}

// keelStorage is the example's storage with the keys, the client and the
// scope claim chosen here.
type keelStorage struct {
	*storage.Storage
	keys   []signingKey
	client docsClient
}

// GetClientByClientID implements op.Storage: the docs client only.
func (s *keelStorage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.client.id {
		return nil, fmt.Errorf("client not found")
	}
	return s.client, nil
}

// SigningKey implements op.Storage: the first key.
func (s *keelStorage) SigningKey(context.Context) (op.SigningKey, error) { return &s.keys[0], nil }

// SignatureAlgorithms implements op.Storage.
func (s *keelStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet implements op.Storage: every key's public half.
func (s *keelStorage) KeySet(context.Context) ([]op.Key, error) {
	out := make([]op.Key, len(s.keys))
	for i := range s.keys {
		out[i] = publicKey{&s.keys[i]}
	}
	return out, nil
}

// GetPrivateClaimsFromScopes implements op.Storage: JWT access tokens carry
// the scopes granted in "scope", space-separated, as most providers write it.
func (s *keelStorage) GetPrivateClaimsFromScopes(ctx context.Context, userID, clientID string, scopes []string) (map[string]any, error) {
	claims, err := s.Storage.GetPrivateClaimsFromScopes(ctx, userID, clientID, scopes)
	if err != nil {
		return nil, err
	}
	if claims == nil {
		claims = map[string]any{}
	}
	claims["scope"] = strings.Join(scopes, " ")
	return claims, nil
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.key.PublicKey }

// userStore holds one user.
type userStore struct{ u *storage.User }

func (s userStore) GetUserByID(id string) *storage.User {
	if id == s.u.ID {
		return s.u
	}
	return nil
}

func (s userStore) GetUserByUsername(name string) *storage.User {
	if name == s.u.Username {
		return s.u
	}
	return nil
}

func (s userStore) ExampleClientID() string { return storage.ServiceUserID }

// docsClient is a public native client (no secret; PKCE), as Swagger UI is:
// its redirect is /docs/oauth2-redirect on a loopback host, any port.
type docsClient struct{ id string }

func (c docsClient) GetID() string { return c.id }
func (c docsClient) RedirectURIs() []string {
	return []string{"http://127.0.0.1/docs/oauth2-redirect", "http://localhost/docs/oauth2-redirect"}
}
func (c docsClient) PostLogoutRedirectURIs() []string    { return nil }
func (c docsClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeNative }
func (c docsClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodNone }
func (c docsClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c docsClient) GrantTypes() []oidc.GrantType         { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c docsClient) LoginURL(id string) string            { return "/login/username?authRequestID=" + id }
func (c docsClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (c docsClient) IDTokenLifetime() time.Duration       { return time.Hour }
func (c docsClient) DevMode() bool                        { return false }
func (c docsClient) IsScopeAllowed(scope string) bool     { return scope == "items" }
func (c docsClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c docsClient) ClockSkew() time.Duration             { return 0 }
func (c docsClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c docsClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

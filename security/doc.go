// Package security holds Keel's security schemes: values that, used as a
// dependency, read and check credentials on each request and describe themselves
// as an OpenAPI security scheme.
//
// Every scheme is a struct used by pointer. It implements di.Source, so it can be
// given wherever a dependency is expected:
//
//	var oauth2 = &security.OAuth2PasswordBearer{TokenURL: "token"}
//	app.Get("/items/", readItems, di.Depends(oauth2))           // handler takes a security.Token
//	currentUser := di.Provide(getUser, oauth2)                   // getUser(token security.Token) (*User, error)
//	app.Get("/me", readMe, di.Security(currentUser, "me"))       // scopes reach getUser's SecurityScopes
//
// The schemes of FastAPI behave exactly as FastAPI 0.141.1 does on the wire (docs/fastapi-compat.md
// §1): the same status, `{"detail":"Not authenticated"}` body, WWW-Authenticate
// challenge and OpenAPI component. Each has an Authenticate method usable without
// dependency injection (in middleware or tests); the provider calls it.
//
// What a scheme provides to the handler:
//
//	APIKeyQuery, APIKeyHeader, APIKeyCookie           APIKey
//	HTTPBase, HTTPBearer, HTTPDigest                  HTTPAuthorizationCredentials
//	HTTPBasic                                         HTTPBasicCredentials
//	OAuth2PasswordBearer, OAuth2AuthorizationCodeBearer Token (the bearer token)
//	OAuth2, OpenIdConnect                             Token (the whole Authorization value)
//	DigestAuth                                        DigestUser
//	JWTBearer[C], OIDCBearer[C]                       C (the verified claims)
//
// With Optional set (FastAPI's auto_error=False) the provider provides a pointer to
// that type instead, nil when the request carries no credentials. Configure a scheme
// before its first use: the provider is built once, on the first call of Dependency.
//
// Beyond FastAPI, DigestAuth really authenticates (RFC 7616) and JWTBearer verifies
// JSON Web Tokens and checks the SecurityScopes required where it is used.
// OIDCBearer verifies the access tokens of an OpenID Connect provider (discovery,
// cached and rotating keys). TokenIssuer issues, rotates, refreshes and revokes the
// application's own tokens, which JWTBearer verifies with its Tokens field.
// LoginThrottle protects a login route against password guessing (429 with
// Retry-After), counting per user name and client address (ClientAddress: the
// connection's peer, or what trusted proxies report).
//
// The state these checks share between requests lives behind small interfaces,
// one per kind: NonceStore (DigestAuth's replay protection), RevocationStore and
// RefreshStore (TokenIssuer), AttemptStore (LoginThrottle). Each has an in-memory
// default for one instance; several instances share one implementation
// (github.com/keelgo/keel/redisstore: Redis), which package securitytest checks.
// Each method is one atomic operation, and a store that fails makes its check
// answer 503 with Retry-After (fail closed), logged once per incident.
// CompareSecret compares secrets in constant time.
package security

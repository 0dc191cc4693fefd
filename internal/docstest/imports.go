//go:build docsimports

package docstest

// The packages outside the standard library that the documentation's Go blocks
// import. The blocks are compiled in this module (under testdata/, which go mod
// tidy does not read), so they are listed here to keep them in go.mod: add an
// import here when a guide starts using a new module. The build tag keeps them
// out of the test binary; go mod tidy reads files of every build tag.
import (
	_ "github.com/coder/websocket"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/rs/cors"
	_ "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	_ "go.opentelemetry.io/otel"
	_ "golang.org/x/crypto/bcrypt"
	_ "modernc.org/sqlite"

	_ "github.com/keelgo/keel"
	_ "github.com/keelgo/keel/di"
	_ "github.com/keelgo/keel/keelotel"
	_ "github.com/keelgo/keel/openapi"
	_ "github.com/keelgo/keel/params"
	_ "github.com/keelgo/keel/redisstore"
	_ "github.com/keelgo/keel/response"
	_ "github.com/keelgo/keel/router"
	_ "github.com/keelgo/keel/security"
)

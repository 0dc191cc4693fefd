package redisstore_test

import (
	"context"
	"log"

	"github.com/keelgo/keel/redisstore"
	"github.com/keelgo/keel/security"
)

// One Store keeps the state of every check, shared by every instance that
// opens the same Redis with the same prefix.
func ExampleOpen() {
	store, err := redisstore.Open("redis://127.0.0.1:6379/0", redisstore.Options{Prefix: "myapp:"})
	if err != nil {
		log.Fatal(err) // a malformed URL: Open does not wait for the server
	}
	defer store.Close()
	if err := store.CheckEviction(context.Background()); err != nil {
		log.Print(err) // the server could forget keys before they expire, or does not answer
	}
	_ = &security.DigestAuth{Realm: "api", Nonces: store /* , Secret, Lookup */}
	_ = &security.TokenIssuer{Issuer: "myapp", Revocations: store, RefreshTokens: store /* , Keys */}
	_ = &security.LoginThrottle{Attempts: store}
}

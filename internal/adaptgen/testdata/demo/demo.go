// Package demo registers functions of every shape keeladapt knows, for
// adaptgen's tests.
package demo

import (
	"context"
	"net/http"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
)

type Token string

type User struct{ Name string }

type Params struct {
	ID    int    `path:"id"`
	Limit int    `query:"limit"`
	Q     string `query:"q"`
}

type Item struct {
	ID    int    `json:"id"`
	Owner string `json:"owner"`
}

func token(r *http.Request) (Token, error) { return Token(r.Header.Get("X-Token")), nil }

func user(ctx context.Context, t Token) (*User, di.Cleanup, error) {
	return &User{Name: string(t)}, func(err error) error { return err }, nil
}

func readItem(p Params, u *User) (Item, error) { return Item{ID: p.ID, Owner: u.Name}, nil }

func ping() string { return "pong" }

func audit(u *User) error { return nil }

func touch(u *User) {}

func tx(ctx context.Context) (*User, func(), error) { return nil, func() {}, nil }

// App registers the functions.
func App() *router.App {
	app := router.New(router.Info{Title: "demo"}, router.WithAdapters(keelAdapters()...))
	tok := di.Provide(token)
	usr := di.Provide(user, tok)
	app.Get("/items/{id}", readItem, usr, di.Provide(audit, usr), di.Provide(touch, usr))
	app.Get("/ping", ping)
	app.Get("/tx", func(u *User) (*User, error) { return u, nil }, di.Provide(tx))
	type local struct{ A int }
	app.Get("/local", func() (local, error) { return local{}, nil })
	return app
}

// Variadic is refused by Keel at registration; the generator notes it.
func Variadic(app *router.App) {
	app.Get("/variadic", func(xs ...int) (int, error) { return len(xs), nil })
}

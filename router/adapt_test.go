package router_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/di/adapt"
	"github.com/keelgo/keel/router"
)

type adUser struct{ Name string }

type adParams struct {
	ID int    `path:"id"`
	Q  string `query:"q" default:""`
}

type adItem struct {
	ID    int    `json:"id"`
	Q     string `json:"q"`
	Owner string `json:"owner"`
}

// userFunc is a named function type: its adapter is the one of its signature.
type userFunc func(r *http.Request) (*adUser, di.Cleanup, error)

// Functions called through adapters behave as by reflection: values, errors,
// cleanups (with the handler's error), effects; Graph marks only the
// functions no adapter covers, and the App logs them once per type.
func TestWithAdapters(t *testing.T) {
	for _, adapted := range []bool{false, true} {
		t.Run(fmt.Sprint("adapted=", adapted), func(t *testing.T) {
			var logs bytes.Buffer
			var cleaned []string
			var user userFunc = func(r *http.Request) (*adUser, di.Cleanup, error) {
				name := r.Header.Get("X-User")
				if name == "" {
					return nil, nil, keel.NewHTTPError(401, "Not authenticated")
				}
				return &adUser{name}, func(err error) error {
					cleaned = append(cleaned, fmt.Sprint(name, " ", err))
					return err
				}, nil
			}
			audit := func(u *adUser) error {
				if u.Name == "mallory" {
					return keel.NewHTTPError(403, "Forbidden")
				}
				return nil
			}
			read := func(p adParams, u *adUser) (adItem, error) {
				if p.ID == 0 {
					return adItem{}, errors.New("boom")
				}
				return adItem{p.ID, p.Q, u.Name}, nil
			}
			opts := []router.Option{router.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))}
			if adapted {
				opts = append(opts, router.WithAdapters(
					adapt.VCE1[*http.Request, *adUser, di.Cleanup](),
					adapt.E1[*adUser](),
					adapt.VE2[adParams, *adUser, adItem](),
				))
			}
			app := router.New(router.Info{Title: "t", Version: "1"}, opts...)
			u := di.Provide(user)
			app.Get("/items/{id}", read, u, di.Provide(audit, u))
			app.Get("/ping", func() string { return "pong" }) // no adapter: reflection

			for _, c := range []struct{ path, user, want string }{
				{"/items/3?q=x", "ann", `200 {"id":3,"q":"x","owner":"ann"}`},
				{"/items/3", "", `401 {"detail":"Not authenticated"}`},
				{"/items/3", "mallory", `403 {"detail":"Forbidden"}`},
				{"/items/0", "bob", `500 Internal Server Error`},
				{"/ping", "", `200 "pong"`},
			} {
				r := httptest.NewRequest("GET", c.path, nil)
				if c.user != "" {
					r.Header.Set("X-User", c.user)
				}
				w := httptest.NewRecorder()
				app.ServeHTTP(w, r)
				if got := fmt.Sprint(w.Code, " ", strings.TrimSpace(w.Body.String())); got != c.want {
					t.Errorf("%s as %q: %s, want %s", c.path, c.user, got, c.want)
				}
			}
			if got := strings.Join(cleaned, "|"); got != "ann <nil>|mallory 403 Forbidden|bob boom" {
				t.Errorf("cleanups: %s", got)
			}
			graph := app.Graph("GET", "/items/{id}")
			if got := strings.Contains(graph, "(reflect)"); got == adapted {
				t.Errorf("adapted=%v, graph:\n%s", adapted, graph)
			}
			if !strings.Contains(app.Graph("GET", "/ping"), "(reflect)") {
				t.Errorf("/ping not marked (reflect):\n%s", app.Graph("GET", "/ping"))
			}
			// Logged only with WithAdapters, and only what no adapter covers.
			n := strings.Count(logs.String(), "called by reflection")
			if want := map[bool]int{false: 0, true: 1}[adapted]; n != want || adapted && !strings.Contains(logs.String(), "func() string") {
				t.Errorf("logs (%d lines about reflection, want %d):\n%s", n, want, logs.String())
			}
		})
	}
}

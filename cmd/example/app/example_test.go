package app_test

import (
	"fmt"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/keelgo/keel/cmd/example/app"
)

// New builds the example as an http.Handler over a SQLite file, seeded on first
// use: here a token for johndoe, then his profile.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "keel-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	a, err := app.New(app.Config{
		DBPath: filepath.Join(dir, "example.db"),
		Secret: []byte("an example secret of 32 bytes or more"),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()

	form := url.Values{"username": {"johndoe"}, "password": {"secret"}, "scope": {"me"}}
	r := httptest.NewRequest("POST", "/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	token := strings.Split(w.Body.String(), `"`)[3]

	r = httptest.NewRequest("GET", "/users/me/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	w = httptest.NewRecorder()
	a.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body)
	// Output: 200 {"username":"johndoe","email":"johndoe@example.com","full_name":"John Doe","disabled":false}
}

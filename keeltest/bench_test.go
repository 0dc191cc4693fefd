package keeltest_test

import (
	"net/http/httptest"
	"testing"

	"github.com/keelgo/keel/keeltest"
)

// BenchmarkGet measures a GET with a bearer token and a JSON check, against
// the floor of httptest.NewRecorder with the same request.
func BenchmarkGet(b *testing.B) {
	app := notesApp()
	tok := keeltest.New(b, app).Login("/token", "johndoe", "secret", "notes:read")
	b.Run("recorder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("GET", "/notes/", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			w := httptest.NewRecorder()
			app.ServeHTTP(w, r)
			keeltest.EqualJSON(b, w.Body.Bytes(), `["johndoe's note"]`)
		}
	})
	b.Run("in-process", func(b *testing.B) {
		c := keeltest.New(b, app, keeltest.Bearer(tok))
		b.ReportAllocs()
		for b.Loop() {
			c.Get("/notes/").ExpectJSON(`["johndoe's note"]`)
		}
	})
	b.Run("server", func(b *testing.B) {
		c := keeltest.NewServer(b, app, keeltest.Bearer(tok))
		b.ReportAllocs()
		for b.Loop() {
			c.Get("/notes/").ExpectJSON(`["johndoe's note"]`)
		}
	})
}

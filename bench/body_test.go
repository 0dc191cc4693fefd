package bench

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/keelgo/keel/bench/junk"
	"github.com/keelgo/keel/internal/bind"
)

// bodySizes are the body benchmark's sizes (issue 9 item 4).
var bodySizes = []struct {
	name string
	n    int
}{{"1KB", 1 << 10}, {"100KB", 100 << 10}, {"1MB", 1 << 20}, {"8MB", 8 << 20}}

// BenchmarkBody posts a Junk body of each size to POST /junk: Keel against
// encoding/json + validator.Struct in a hand-written handler (impl=nethttp,
// the floor: json.NewDecoder; impl=unmarshal: io.ReadAll then json.Unmarshal).
// Each answers 200 with a summary. Compare with benchstat -col /impl, or
// bench/cmd/benchratio.
func BenchmarkBody(b *testing.B) {
	impls := []struct {
		name string
		h    http.Handler
	}{
		{"nethttp", junk.NetHTTP()},
		{"unmarshal", junk.Unmarshal()},
		{"keel", junk.Keel(0)},
	}
	for _, size := range bodySizes {
		body := string(junk.Body(size.n))
		b.Run("size="+size.name, func(b *testing.B) {
			for _, impl := range impls {
				b.Run("impl="+impl.name, func(b *testing.B) {
					b.SetBytes(int64(len(body)))
					benchServe(b, impl.h, endpoint{req: request{method: "POST", target: "/junk",
						header: map[string]string{"Content-Type": "application/json"}, body: body}, status: 200})
				})
			}
		})
	}
}

// BenchmarkBodyCheck times only the syntax check of an 8 MiB body, the part
// Keel does before resolving dependencies: encoding/json's json.Valid (the
// floor), jsontext's Value.IsValid with the options Python's grammar needs
// (duplicate names, no UTF-8 check: the body is checked as a whole first), and
// Keel's scanner through Binder.CheckBody (UTF-8 check included).
func BenchmarkBodyCheck(b *testing.B) {
	data := junk.Body(8 << 20)
	binder, err := bind.NewCompiler(bind.Options{}).Body(reflect.TypeFor[junk.Junk]())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=nethttp", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if !json.Valid(data) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("impl=jsontext", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if !jsontext.Value(data).IsValid(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("impl=keel", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if err := binder.CheckBody(bind.NewBody(data, "application/json")); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestJunkEndpoints: every implementation of POST /junk answers the same.
func TestJunkEndpoints(t *testing.T) {
	body := junk.Body(10 << 10)
	var j junk.Junk
	if err := json.Unmarshal(body, &j); err != nil {
		t.Fatal(err)
	}
	want := junk.Summarize(&j)
	for name, h := range map[string]http.Handler{"nethttp": junk.NetHTTP(), "unmarshal": junk.Unmarshal(), "keel": junk.Keel(0)} {
		r, _ := request{method: "POST", target: "/junk", header: map[string]string{"Content-Type": "application/json"}, body: string(body)}.build()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var got junk.Summary
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &got) != nil || got != want {
			t.Errorf("%s: %d %s, want %+v", name, w.Code, w.Body, want)
		}
	}
	if n := len(junk.Body(1 << 20)); n < 1<<20-4 || n > 1<<20+4 {
		t.Fatalf("junk.Body(1 MiB) is %d bytes", n)
	}
}

package openapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keelgo/keel/internal/pycompat"
)

// FuzzPyJSON: the Python-style encoding of any string decodes back to it (as
// Go's encoder would have coerced it), is ASCII, and cannot end a <script>.
func FuzzPyJSON(f *testing.F) {
	for _, s := range []string{"", "a,b:c", `"\`, "</script>", "é😀", "\u2028", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := pycompat.Dumps(map[string]any{"k": s, "l": []any{s, 1}})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(out); i++ {
			if out[i] >= utf8.RuneSelf || out[i] == '<' || out[i] == '>' || out[i] == '&' {
				t.Fatalf("unsafe byte %q in %s", out[i], out)
			}
		}
		var back struct {
			K string
			L []any
		}
		if err := json.Unmarshal([]byte(out), &back); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		var want string // s as Go's encoder writes it (invalid UTF-8 replaced)
		plainJSON, _ := json.Marshal(s)
		_ = json.Unmarshal(plainJSON, &want)
		if back.K != want || back.L[0] != want {
			t.Fatalf("round trip %q gave %q", want, back.K)
		}
	})
}

// FuzzJSString: any URL embedded in the page's script stays one string.
func FuzzJSString(f *testing.F) {
	for _, s := range []string{"/openapi.json", "'", `\`, "</script>", "\n\r\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := jsString(s)
		inner := q[1 : len(q)-1]
		if strings.ContainsAny(inner, "<>&\n\r\u2028\u2029") {
			t.Fatalf("unsafe: %s", q)
		}
		for i := 0; i < len(inner); i++ {
			if inner[i] == '\\' {
				i++ // escaped character
				continue
			}
			if inner[i] == '\'' {
				t.Fatalf("unescaped quote: %s", q)
			}
		}
	})
}

// FuzzAssetPath: the asset handler serves only the listed files.
func FuzzAssetPath(f *testing.F) {
	for _, s := range []string{"swagger-ui.css", "../go.mod", "index.html", "", "a/swagger-ui.css/", "%2e%2e"} {
		f.Add(s)
	}
	h := assetHandler()
	f.Fuzz(func(t *testing.T, name string) {
		req := httptest.NewRequest("GET", "/docs/swagger-ui/", nil)
		req.URL.Path = "/docs/swagger-ui/" + name
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			base := name[strings.LastIndexByte(name, '/')+1:]
			if !slices.Contains(assetNames, base) {
				t.Fatalf("served %q", name)
			}
		}
	})
}

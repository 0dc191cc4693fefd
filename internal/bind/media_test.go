package bind

import (
	"strings"
	"testing"
)

// isJSONMediaLowered is isJSONMedia's definition, lower-casing the whole value.
func isJSONMediaLowered(ct string) bool {
	t, _, _ := strings.Cut(ct, ";")
	t = strings.ToLower(strings.TrimSpace(t))
	if strings.Count(t, "/") != 1 {
		return false
	}
	main, sub, _ := strings.Cut(t, "/")
	return main == "application" && (sub == "json" || strings.HasSuffix(sub, "+json"))
}

var mediaCases = map[string]bool{
	"application/json": true, "Application/JSON": true, " application/json ; charset=utf-8": true,
	"application/vnd.api+json": true, "application/+json": true, "APPLICATION/X+JSON;q=1": true,
	"application/json/x": false, "application": false, "text/json": false, "application/jsonx": false,
	"application/ſon": false, "applicaſion/json": false, "application/\u212ason": false, "\u00a0application/json\u2028": true,
	"": false, "/": false, "application/": false, "application/json;": true, ";application/json": false,
}

func TestIsJSONMedia(t *testing.T) {
	for ct, want := range mediaCases {
		if got := isJSONMedia(ct); got != want || got != isJSONMediaLowered(ct) {
			t.Errorf("isJSONMedia(%q) = %v, want %v", ct, got, want)
		}
	}
}

func FuzzIsJSONMedia(f *testing.F) {
	for ct := range mediaCases {
		f.Add(ct)
	}
	f.Fuzz(func(t *testing.T, ct string) {
		if got, want := isJSONMedia(ct), isJSONMediaLowered(ct); got != want {
			t.Fatalf("isJSONMedia(%q) = %v, lower-cased definition %v", ct, got, want)
		}
	})
}

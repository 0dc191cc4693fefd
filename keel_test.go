package keel_test

import (
	"fmt"
	"testing"

	"github.com/keelgo/keel"
)

// docs/fastapi-compat.md §3.9 and §7: the default detail is Python's reason phrase.
func TestStatusText(t *testing.T) {
	cases := map[int]string{
		200: "OK", 401: "Unauthorized", 404: "Not Found", 413: "Content Too Large",
		418: "I'm a Teapot", 422: "Unprocessable Content", 500: "Internal Server Error",
		599: "",
	}
	for code, want := range cases {
		if got := keel.StatusText(code); got != want {
			t.Errorf("StatusText(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestHTTPError(t *testing.T) {
	e := keel.NewHTTPError(418)
	if e.DetailValue() != "I'm a Teapot" || e.Error() != "418 I'm a Teapot" {
		t.Fatalf("got %v / %q", e.DetailValue(), e.Error())
	}
	e = keel.NewHTTPError(403, map[string]any{"code": 7}).WithHeader("X-Err", "1")
	if e.Headers.Get("X-Err") != "1" || e.DetailValue().(map[string]any)["code"] != 7 {
		t.Fatalf("got %+v", e)
	}
	for code, want := range map[int]bool{100: false, 200: true, 204: false, 205: false, 304: false, 404: true} {
		if keel.BodyAllowed(code) != want {
			t.Errorf("BodyAllowed(%d) != %v", code, want)
		}
	}
}

func TestValidationErrorText(t *testing.T) {
	e := &keel.ValidationError{Errors: []keel.ErrorDetail{{Type: "missing", Loc: []any{"query", "q", 0}}}}
	if got := e.Error(); got != "validation failed: 1 error(s), first missing at query.q.0" {
		t.Fatalf("got %q", got)
	}
}

// A handler or provider returns an HTTPError to choose the response.
func ExampleNewHTTPError() {
	err := keel.NewHTTPError(401, "Not authenticated").WithHeader("WWW-Authenticate", "Bearer")
	fmt.Println(err.Status, err.DetailValue(), err.Headers.Get("WWW-Authenticate"))
	// Output: 401 Not authenticated Bearer
}

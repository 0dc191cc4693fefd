package bind

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/keelgo/keel"
)

// req builds a request: target is the URL (path and query), headers are
// "Key: value" lines, body is sent with contentType when non-empty.
func req(method, target, contentType, body string, headers ...string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		r.Header.Add(k, strings.TrimSpace(v))
	}
	return r
}

// bindErr binds r into a new value of dst's type (dst is a pointer) and returns
// the error as FastAPI's 422 "detail" JSON (or the HTTPError as
// "<status> <detail JSON>"), or "" on success; dst receives the value.
func bindErr(t *testing.T, c *Compiler, dst any, r *http.Request, pathValues ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pathValues); i += 2 {
		r.SetPathValue(pathValues[i], pathValues[i+1])
	}
	rt := reflect.TypeOf(dst).Elem()
	var b *Binder
	var err error
	if IsParamStruct(rt) {
		b, err = c.Struct(rt)
	} else {
		b, err = c.Body(rt)
	}
	if err != nil {
		t.Fatalf("compile %s: %v", rt, err)
	}
	var body *Body
	if b.NeedsBody() {
		body, err = ReadBody(r, 0)
		if err != nil {
			return errString(err)
		}
	}
	return errString(b.Bind(r, body, reflect.ValueOf(dst).Elem()))
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	var ve *keel.ValidationError
	if errors.As(err, &ve) {
		out, _ := json.Marshal(ve.Errors)
		return string(out)
	}
	var he *keel.HTTPError
	if errors.As(err, &he) {
		out, _ := json.Marshal(he.DetailValue())
		return fmt.Sprintf("%d %s", he.Status, out)
	}
	return "unexpected: " + err.Error()
}

// sameJSON compares two JSON texts by value (docs/fastapi-compat.md §0: key order is meaningless).
func sameJSON(t *testing.T, got, want string) bool {
	t.Helper()
	if got == want {
		return true
	}
	if got == "" || want == "" {
		return false
	}
	var g, w any
	if json.Unmarshal([]byte(got), &g) != nil || json.Unmarshal([]byte(want), &w) != nil {
		return false
	}
	return reflect.DeepEqual(g, w)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

func valueOf(p any) reflect.Value { return reflect.ValueOf(p).Elem() }

func join(s []string) string { return strings.Join(s, " ") }

var errTest = errors.New("test read failure")

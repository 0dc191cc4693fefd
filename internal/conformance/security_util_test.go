// Package conformance ports FastAPI's own tests to Keel: a Keel app declared as
// the FastAPI test's app must answer the same requests with the same status,
// headers and JSON, and generate the same OpenAPI document (compared as parsed
// JSON). Tests that show a genuine difference are skipped with a "KEEL-DIFF:"
// reason after computing the result, so that the suite stays green and the
// difference stays visible.
package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/keelgo/keel/router"
)

// secResp is one recorded answer.
type secResp struct {
	code   int
	raw    string
	header http.Header
}

// secReq sends method target with headers (name, value pairs) and an optional
// urlencoded form body.
func secReq(h http.Handler, method, target string, form url.Values, hdr ...string) secResp {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return secResp{w.Code, w.Body.String(), w.Header()}
}

// secGet sends a GET with headers (name, value pairs).
func secGet(h http.Handler, target string, hdr ...string) secResp {
	return secReq(h, http.MethodGet, target, nil, hdr...)
}

// secNoHeader is the challenge argument of check meaning "no WWW-Authenticate".
const secNoHeader = "<none>"

// check compares the answer with FastAPI's: status, body as parsed JSON and,
// unless challenge is "", the WWW-Authenticate header (secNoHeader: absent).
// It returns the differences.
func (r secResp) check(code int, body, challenge string) []string {
	var errs []string
	if r.code != code {
		errs = append(errs, fmt.Sprintf("status %d, want %d (body %s)", r.code, code, r.raw))
	}
	if d := oaDiffJSON(r.raw, body); len(d) > 0 {
		errs = append(errs, fmt.Sprintf("body %s, want %s: %s", strings.TrimSpace(r.raw), body, strings.Join(d, "; ")))
	}
	got := strings.Join(r.header.Values("WWW-Authenticate"), "|")
	switch {
	case challenge == "":
	case challenge == secNoHeader && got != "":
		errs = append(errs, fmt.Sprintf("WWW-Authenticate %q, want none", got))
	case challenge != secNoHeader && got != challenge:
		errs = append(errs, fmt.Sprintf("WWW-Authenticate %q, want %q", got, challenge))
	}
	return errs
}

// secReport fails t with errs.
func secReport(t *testing.T, errs []string) {
	t.Helper()
	for _, e := range errs {
		t.Error(e)
	}
}

// secDiff skips t with reason (a "KEEL-DIFF: ..." line) when errs is not empty:
// a known difference between Keel and FastAPI, kept visible. When the difference
// is gone the test passes.
func secDiff(t *testing.T, errs []string, reason string) {
	t.Helper()
	if len(errs) > 0 {
		t.Skip(reason + "\n" + strings.Join(errs, "\n"))
	}
}

// fastAPIApp returns an App with FastAPI's default info (title "FastAPI",
// version "0.1.0").
func fastAPIApp(opts ...router.Option) *router.App {
	return router.New(router.Info{Title: "FastAPI", Version: "0.1.0"}, opts...)
}

// oaDiffJSON compares two JSON texts as parsed values (numbers by value, key
// order ignored) and lists the differences by JSON path.
func oaDiffJSON(got, want string) []string {
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		return []string{"got is not JSON: " + err.Error()}
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		return []string{"want is not JSON (test bug): " + err.Error()}
	}
	var out []string
	oaDiff("$", g, w, &out)
	return out
}

func oaDiff(path string, g, w any, out *[]string) {
	if len(*out) > 40 {
		return
	}
	switch wv := w.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: got %s, want %s", path, oaShort(g), oaShort(w)))
			return
		}
		keys := make([]string, 0, len(wv)+len(gv))
		for k := range wv {
			keys = append(keys, k)
		}
		for k := range gv {
			if _, ok := wv[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			gx, gok := gv[k]
			wx, wok := wv[k]
			switch {
			case !gok:
				*out = append(*out, fmt.Sprintf("%s.%s: missing, want %s", path, k, oaShort(wx)))
			case !wok:
				*out = append(*out, fmt.Sprintf("%s.%s: unexpected %s", path, k, oaShort(gx)))
			default:
				oaDiff(path+"."+k, gx, wx, out)
			}
		}
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			*out = append(*out, fmt.Sprintf("%s: got %s, want %s", path, oaShort(g), oaShort(w)))
			return
		}
		for i := range wv {
			oaDiff(fmt.Sprintf("%s[%d]", path, i), gv[i], wv[i], out)
		}
	default:
		if !reflect.DeepEqual(g, w) {
			*out = append(*out, fmt.Sprintf("%s: got %s, want %s", path, oaShort(g), oaShort(w)))
		}
	}
}

func oaShort(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// oaDocument fetches /openapi.json through the App, as FastAPI's tests do.
func oaDocument(t *testing.T, app http.Handler) string {
	t.Helper()
	r := secGet(app, "/openapi.json")
	if r.code != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d %s", r.code, r.raw)
	}
	return r.raw
}

// oaCheck compares the App's whole OpenAPI document with want.
func oaCheck(t *testing.T, app http.Handler, want string) []string {
	t.Helper()
	return oaDiffJSON(oaDocument(t, app), want)
}

// oaCheckExact compares the App's whole OpenAPI document with want as it is.
func oaCheckExact(t *testing.T, app http.Handler, want string) []string {
	t.Helper()
	return oaDiffJSON(oaDocument(t, app), want)
}

// oaCheckPart compares the part of the App's document at keys (object keys
// from the root) with want.
func oaCheckPart(t *testing.T, app http.Handler, want string, keys ...string) []string {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(oaDocument(t, app)), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		m, ok := doc.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("no %q in the document", k)}
		}
		doc = m[k]
	}
	b, _ := json.Marshal(doc)
	return oaDiffJSON(string(b), want)
}

// oaValidationSchemas is the components.schemas pair of docs/fastapi-compat.md §5.3.
const oaValidationSchemas = `
"ValidationError": {
  "title": "ValidationError", "type": "object",
  "properties": {
    "loc": {"title": "Location", "type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
    "msg": {"title": "Message", "type": "string"},
    "type": {"title": "Error Type", "type": "string"},
    "input": {"title": "Input"},
    "ctx": {"title": "Context", "type": "object"}
  },
  "required": ["loc", "msg", "type"]
},
"HTTPValidationError": {
  "title": "HTTPValidationError", "type": "object",
  "properties": {"detail": {"title": "Detail", "type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}}
}`

// oa422 is the automatic validation response of docs/fastapi-compat.md §5.3.
const oa422 = `"422": {"description": "Validation Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}`

// oa200Any is the success response of a handler without a response model.
const oa200Any = `"200": {"description": "Successful Response", "content": {"application/json": {"schema": {}}}}`

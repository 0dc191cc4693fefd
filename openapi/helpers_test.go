package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// jsonEqual compares two JSON texts as parsed values (docs/fastapi-compat.md §0: key order
// carries no meaning; numbers compare by value).
func jsonEqual(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: got invalid JSON %s: %v", what, got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: want is invalid JSON %s: %v", what, want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, canonical(g), canonical(w))
	}
}

func canonical(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// mustJSON marshals v, or fails.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// build runs Build and checks what every document must satisfy: kin-openapi's
// validation passes, the bytes are the document's compact JSON, and a second
// build gives the same bytes.
func build(t *testing.T, cfg Config, routes []Route) (*openapi3.T, []byte) {
	t.Helper()
	doc, data, err := Build(cfg, routes)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("Validate: %v\n%s", err, data)
	}
	if !json.Valid(data) || bytes.ContainsAny(data, "\n") {
		t.Errorf("not compact JSON: %s", data)
	}
	// The fast encoder writes what json.Marshal writes (apart from the
	// marshal-only "required": false).
	for _, p := range doc.Paths.Map() {
		for _, op := range p.Operations() {
			for _, prm := range op.Parameters {
				if !prm.Value.Required {
					prm.Value.Extensions = map[string]any{"required": false}
				}
			}
		}
	}
	slow, err := json.Marshal(doc)
	if err != nil || !bytes.Equal(slow, data) {
		t.Errorf("marshalDoc differs from json.Marshal:\n%s\n%s", data, slow)
	}
	for _, p := range doc.Paths.Map() {
		for _, op := range p.Operations() {
			for _, prm := range op.Parameters {
				prm.Value.Extensions = nil
			}
		}
	}
	_, again, err := Build(cfg, routes)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("second build differs")
	}
	// The document loads back with kin-openapi (as a client would).
	if _, err := openapi3.NewLoader().LoadFromData(data); err != nil {
		t.Errorf("loading the JSON back: %v", err)
	}
	return doc, data
}

// pick returns the JSON of the value at path in data (object keys).
func pick(t *testing.T, data []byte, path ...string) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("no %q in path %v of %s", k, path, data)
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("no %q in path %v of %s", k, path, data)
		}
	}
	return mustJSON(t, v)
}

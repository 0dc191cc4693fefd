package router

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keelgo/keel"
)

// A validation response that echoes a large JSON input is written without
// encoding/json's buffer, byte for byte as encoding/json writes it.
func TestErrorListStreamsLargeInputs(t *testing.T) {
	big := json.RawMessage(" {\"a\" : [ 1 ,\t2 ],\n \"s\" : \"x y <&> \\\" \\\\ \\u00e9 é\u2028\" , \"pad\":\"" + strings.Repeat("z ", 40000) + "\" } ")
	errs := []keel.ErrorDetail{
		{Type: "missing", Loc: []any{"body", "name"}, Msg: "Field required", Input: big},
		{Type: "string_too_long", Loc: []any{"body", "items", 3, "<b>"}, Msg: "String should have at most 5 characters", Input: "a&b", Ctx: map[string]any{"max_length": 5}},
		{Type: "model_attributes_type", Loc: []any{"body"}, Msg: "Input should be a valid dictionary", Input: json.RawMessage("[1, 2]")},
		{Type: "x", Loc: []any{}, Msg: "m", Input: nil, Ctx: map[string]any{}},
	}
	ve := &keel.ValidationError{Errors: errs}
	for _, f := range []ErrorFormat{FastAPIErrors{}, ProblemDetails{}} {
		streamed := httptest.NewRecorder()
		f.WriteValidationError(streamed, nil, 422, ve)
		buffered := httptest.NewRecorder()
		switch f.(type) {
		case FastAPIErrors:
			writeJSON(buffered, 422, "application/json", struct {
				Detail []keel.ErrorDetail `json:"detail"`
			}{errs})
		case ProblemDetails:
			writeJSON(buffered, 422, "application/problem+json", problem{Type: "about:blank", Title: keel.StatusText(422), Status: 422,
				Detail: "The request has 4 invalid value(s).", Errors: errs})
		}
		if streamed.Body.String() != buffered.Body.String() {
			t.Fatalf("%T:\nstreamed %.500s\nbuffered %.500s", f, streamed.Body, buffered.Body)
		}
		for _, h := range []string{"Content-Type", "Content-Length"} {
			if streamed.Header().Get(h) != buffered.Header().Get(h) {
				t.Errorf("%T: %s %q, want %q", f, h, streamed.Header().Get(h), buffered.Header().Get(h))
			}
		}
		if streamed.Code != 422 {
			t.Errorf("%T: status %d", f, streamed.Code)
		}
	}
	// Strings ending in escaped backslashes and quotes, white space inside strings.
	for _, doc := range []string{`["a\\", "b\"", " \\\" c "]`, `{"k \"":"\\"}`, `"  "`, `[ true , null , -1.5e+3 ]`} {
		raw := json.RawMessage("[" + strings.Repeat(" \n", largeInput) + doc + "]")
		one := []keel.ErrorDetail{{Type: "t", Loc: []any{"body"}, Msg: "m", Input: raw}}
		streamed, buffered := httptest.NewRecorder(), httptest.NewRecorder()
		FastAPIErrors{}.WriteValidationError(streamed, nil, 422, &keel.ValidationError{Errors: one})
		writeJSON(buffered, 422, "application/json", struct {
			Detail []keel.ErrorDetail `json:"detail"`
		}{one})
		if streamed.Body.String() != buffered.Body.String() || streamed.Header().Get("Content-Length") != buffered.Header().Get("Content-Length") {
			t.Fatalf("%s:\nstreamed %s\nbuffered %s", doc, streamed.Body, buffered.Body)
		}
	}
	// An input that is not valid JSON is the programming error it always was.
	bad := httptest.NewRecorder()
	FastAPIErrors{}.WriteValidationError(bad, nil, 422, &keel.ValidationError{Errors: []keel.ErrorDetail{{Type: "t", Msg: "m", Input: json.RawMessage("{" + strings.Repeat(" ", largeInput))}}})
	if bad.Code != 500 || strings.Contains(bad.Body.String(), "json") {
		t.Fatalf("%d %s", bad.Code, bad.Body)
	}
}

package keeltest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keelgo/keel/keeltest"
)

func TestEqualJSON(t *testing.T) {
	type item struct {
		ID   int      `json:"id"`
		Tags []string `json:"tags"`
	}
	tests := []struct {
		name string
		got  any
		want any
		diff []string // the lines of the report; none when equal
	}{
		{"key order and spaces", `{"a":1,"b":[true,null]}`, ` { "b" : [ true , null ], "a" : 1 } `, nil},
		{"numbers by value", `[1, 1.0, 1e0, 10, -0, 0.5, 123456789012345678901234567890]`,
			`[1.00, 10e-1, 0.1e1, 1e1, 0, 5e-1, 123456789012345678901234567890.0]`, nil},
		{"a Go value", []byte(`{"id":7,"tags":["a"]}`), item{7, []string{"a"}}, nil},
		{"raw message", json.RawMessage(`"x"`), "\"x\"", nil},
		{"big integers exactly", `9007199254740993`, `9007199254740992`,
			[]string{"$: got 9007199254740993, want 9007199254740992"}},
		{"changed value", `{"detail":[{"msg":"field required","loc":["body","name"]}]}`,
			`{"detail":[{"msg":"Field required","loc":["body","name"]}]}`,
			[]string{`$.detail[0].msg: got "field required", want "Field required"`}},
		{"missing and unexpected keys", `{"a":1,"extra":{"x":[1]},"content-type":"y"}`, `{"a":1,"b":null}`,
			[]string{"$.b: missing, want null", `$["content-type"]: unexpected, got "y"`, `$.extra: unexpected, got {"x":[1]}`}},
		{"longer array", `[1,2,3]`, `[1,2]`, []string{"$: 3 elements, want 2", "$[2]: unexpected, got 3"}},
		{"shorter array", `{"items":[{"id":1}]}`, `{"items":[{"id":1},{"id":2}]}`,
			[]string{"$.items: 1 elements, want 2", `$.items[1]: missing, want {"id":2}`}},
		{"types", `{"a":"1","b":1,"c":{},"d":[],"e":false}`, `{"a":1,"b":"1","c":[],"d":{},"e":null}`,
			[]string{`$.a: got "1", want 1`, `$.b: got 1, want "1"`, `$.c: got {}, want []`, `$.d: got [], want {}`, `$.e: got false, want null`}},
		{"string is not number", `"1"`, `1`, []string{`$: got "1", want 1`}},
		{"unicode escapes are equal", `"\u00e9"`, `"é"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ok bool
			f := run(t, func(tb testing.TB) { ok = keeltest.EqualJSON(tb, tt.got, tt.want) })
			if ok != (tt.diff == nil) {
				t.Errorf("EqualJSON = %v", ok)
			}
			if tt.diff == nil {
				expectFailures(t, f)
				return
			}
			expectFailures(t, f, "JSON differs:\n\t"+strings.Join(tt.diff, "\n\t")+"\ngot:  ")
		})
	}
}

func TestEqualJSONInvalid(t *testing.T) {
	tests := []struct {
		got, want any
		failure   string
	}{
		{`{"a":`, `{}`, "keeltest.EqualJSON: got: unexpected EOF"},
		{`{}`, ``, "keeltest.EqualJSON: want: empty, not JSON"},
		{`{} {}`, `{}`, "keeltest.EqualJSON: got: data after the JSON value"},
		{`{}`, func() {}, "keeltest.EqualJSON: want: json: unsupported type: func()"},
	}
	for _, tt := range tests {
		f := run(t, func(tb testing.TB) {
			if keeltest.EqualJSON(tb, tt.got, tt.want) {
				t.Errorf("%v %v: equal", tt.got, tt.want)
			}
		})
		expectFailures(t, f, tt.failure)
	}
}

// Many differences are listed up to a limit.
func TestEqualJSONManyDifferences(t *testing.T) {
	var got, want []int
	for i := range 30 {
		got, want = append(got, i), append(want, i+1)
	}
	f := run(t, func(tb testing.TB) { keeltest.EqualJSON(tb, got, want) })
	expectFailures(t, f, "\t$[19]: got 19, want 20\n\t… and 10 more differences\ngot:  [0,1,")
}

func TestExpectations(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.Write([]byte(`{"id":1,"name":"x"}`))
	})
	mux.HandleFunc("/problem", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
		w.WriteHeader(422)
		w.Write([]byte(`{"title":"bad"}`))
	})
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"id":1}`)) })
	mux.HandleFunc("/notjson", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`oops`))
	})
	tests := []struct {
		name     string
		check    func(c *keeltest.Client)
		failures []string
	}{
		{"all pass", func(c *keeltest.Client) {
			c.Get("/json").ExpectStatus(200).ExpectHeader("X-Multi", "a", "b").ExpectHeader("X-None").
				ExpectJSON(`{"name":"x","id":1.0}`).ExpectBody(`{"id":1,"name":"x"}`)
			c.Get("/problem").ExpectStatus(422).ExpectJSON(map[string]string{"title": "bad"})
		}, nil},
		{"status", func(c *keeltest.Client) { c.Get("/json").ExpectStatus(201) },
			[]string{"GET http://testserver/json: status 200 OK, want 201 Created\nbody: {\"id\":1,\"name\":\"x\"}"}},
		{"unknown status", func(c *keeltest.Client) { c.Get("/json").ExpectStatus(299) },
			[]string{"status 200 OK, want 299\n"}},
		{"header values", func(c *keeltest.Client) { c.Get("/json").ExpectHeader("X-Multi", "a") },
			[]string{`GET http://testserver/json: header X-Multi = ["a" "b"], want ["a"]`}},
		{"header absent", func(c *keeltest.Client) { c.Get("/json").ExpectHeader("x-multi") },
			[]string{`header x-multi = ["a" "b"], want none`}},
		{"header missing", func(c *keeltest.Client) { c.Get("/json").ExpectHeader("X-Other", "") },
			[]string{`header X-Other = [], want [""]`}},
		{"body", func(c *keeltest.Client) { c.Get("/json").ExpectBody(`{"id":1}`) },
			[]string{"GET http://testserver/json: body differs\ngot:  \"{\\\"id\\\":1,\\\"name\\\":\\\"x\\\"}\"\nwant: \"{\\\"id\\\":1}\""}},
		{"json", func(c *keeltest.Client) { c.Get("/json").ExpectJSON(`{"id":2,"name":"x"}`) },
			[]string{"GET http://testserver/json: JSON body differs:\n\t$.id: got 1, want 2\ngot:  {\"id\":1,\"name\":\"x\"}\nwant: {\"id\":2,\"name\":\"x\"}"}},
		{"json content type", func(c *keeltest.Client) { c.Get("/text").ExpectJSON(`{"id":1}`) },
			[]string{`GET http://testserver/text: Content-Type "text/plain; charset=utf-8", want a JSON type`}},
		{"not json", func(c *keeltest.Client) { c.Get("/notjson").ExpectJSON(`{}`) },
			[]string{"GET http://testserver/notjson: the body is not JSON (invalid character 'o' looking for beginning of value): oops"}},
		{"bad expectation", func(c *keeltest.Client) { c.Get("/json").ExpectJSON(`{`) },
			[]string{"GET http://testserver/json: the expected value: unexpected EOF"}},
		{"every failure is reported", func(c *keeltest.Client) {
			c.Get("/json").ExpectStatus(404).ExpectHeader("X-Multi").ExpectJSON(`{}`)
		}, []string{"status 200 OK, want 404 Not Found", "header X-Multi", `$.id: unexpected, got 1`}},
		{"decode", func(c *keeltest.Client) {
			var v struct{ ID int }
			c.Get("/json").Decode(&v)
			if v.ID != 1 {
				t.Errorf("decoded %+v", v)
			}
			c.Get("/notjson").Decode(&v)
			t.Error("Decode of a bad body returned")
		}, []string{"FATAL GET http://testserver/notjson: decoding the body into *struct { ID int }: invalid character 'o' looking for beginning of value\nbody: oops"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := run(t, func(tb testing.TB) { tt.check(keeltest.New(tb, mux)) })
			expectFailures(t, f, tt.failures...)
		})
	}
}

// NewResponse gives the assertions to a response from anywhere.
func TestNewResponse(t *testing.T) {
	w := httptest.NewRecorder()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(201)
	w.Write([]byte(`{"ok":true}`))
	r := keeltest.NewResponse(t, w.Result())
	r.ExpectStatus(201).ExpectJSON(`{"ok":true}`)
	if r.Text() != `{"ok":true}` {
		t.Errorf("Text() = %q", r.Text())
	}
	f := run(t, func(tb testing.TB) { keeltest.NewResponse(tb, w.Result()).ExpectStatus(200) })
	expectFailures(t, f, "response: status 201 Created, want 200 OK")

	// A long body is shortened in reports.
	long := strings.Repeat("x", 3000)
	f = run(t, func(tb testing.TB) {
		keeltest.NewResponse(tb, &http.Response{StatusCode: 500, Body: httptest.NewRecorder().Result().Body}).ExpectStatus(200)
		keeltest.New(tb, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(long)) })).Get("/").ExpectStatus(204)
	})
	expectFailures(t, f, "response: status 500 Internal Server Error, want 200 OK\nbody: ", "xxx… (3000 bytes)")
}

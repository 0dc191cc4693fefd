package conformance

import (
	"testing"

	"github.com/keelgo/keel/router"
)

// Ports of tests/test_tutorial/test_query_param_models, test_header_param_models
// and test_cookie_param_models (docs_src/*_param_models): Pydantic models of
// parameters, which Keel writes as parameter structs.

// pmTestClient are the headers TestClient sends with every request.
var pmTestClient = []string{"Host", "testserver", "Accept", "*/*", "Accept-Encoding", "gzip, deflate", "Connection", "keep-alive", "User-Agent", "testclient"}

func TestQueryParamModelsTutorial001(t *testing.T) { // tests/test_tutorial/test_query_param_models/test_tutorial001.py
	type filterParams struct {
		Limit   int      `query:"limit" default:"100" validate:"gt=0,lte=100" json:"limit"`
		Offset  int      `query:"offset" default:"0" validate:"gte=0" json:"offset"`
		OrderBy string   `query:"order_by" default:"created_at" validate:"oneof=created_at updated_at" json:"order_by"`
		Tags    []string `query:"tags" default:"[]" json:"tags"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p filterParams) (filterParams, error) { return p, nil }, router.Name("read_items"))
	faRun(t, app, []faCase{
		{name: "test_query_param_model", do: faGet("/items/?limit=10&offset=5&order_by=updated_at&tags=tag1&tags=tag2"), status: 200,
			body: `{"limit":10,"offset":5,"order_by":"updated_at","tags":["tag1","tag2"]}`},
		{name: "test_query_param_model_defaults", do: faGet("/items/"), status: 200,
			body: `{"limit":100,"offset":0,"order_by":"created_at","tags":[]}`},
		{name: "test_query_param_model_invalid", do: faGet("/items/?limit=150&offset=-1&order_by=invalid"), status: 422, body: faDetail(
			`{"type":"less_than_equal","loc":["query","limit"],"msg":"Input should be less than or equal to 100","input":"150","ctx":{"le":100}}`,
			`{"type":"greater_than_equal","loc":["query","offset"],"msg":"Input should be greater than or equal to 0","input":"-1","ctx":{"ge":0}}`,
			`{"type":"literal_error","loc":["query","order_by"],"msg":"Input should be 'created_at' or 'updated_at'","input":"invalid","ctx":{"expected":"'created_at' or 'updated_at'"}}`)},
		{name: "test_query_param_model_extra", do: faGet("/items/?limit=10&offset=5&order_by=updated_at&tags=tag1&tags=tag2&tool=plumbus"), status: 200,
			body: `{"limit":10,"offset":5,"order_by":"updated_at","tags":["tag1","tag2"]}`},
	})
}

// pmHostDiff is the difference shown by a Host header parameter.
const pmHostDiff = "KEEL-DIFF: a `host` header parameter is never found (net/http moves the Host header to Request.Host), so host: str = Header() is always missing: 422 loc [\"header\",\"host\"] instead of FastAPI's value \"testserver\""

// pmCommonHeaders is docs_src/header_param_models/tutorial001's CommonHeaders.
type pmCommonHeaders struct {
	Host            string   `header:"" json:"host"`
	SaveData        bool     `header:"" json:"save_data"`
	IfModifiedSince *string  `header:"" json:"if_modified_since"`
	Traceparent     *string  `header:"" json:"traceparent"`
	XTag            []string `header:"" default:"[]" json:"x_tag"`
}

func TestHeaderParamModelsTutorial001(t *testing.T) { // tests/test_tutorial/test_header_param_models/test_tutorial001.py
	app := fastAPIApp()
	app.Get("/items/", func(h pmCommonHeaders) (pmCommonHeaders, error) { return h, nil }, router.Name("read_items"))
	with := func(h ...string) []string { return append(append([]string{}, pmTestClient...), h...) }
	faRun(t, app, []faCase{
		{name: "test_header_param_model", do: faGet("/items/", with("save-data", "true", "if-modified-since", "yesterday", "traceparent", "123", "x-tag", "one", "x-tag", "two")...), status: 200,
			body: `{"host":"testserver","save_data":true,"if_modified_since":"yesterday","traceparent":"123","x_tag":["one","two"]}`,
			diff: pmHostDiff},
		{name: "test_header_param_model_defaults", do: faGet("/items/", with("save-data", "true")...), status: 200,
			body: `{"host":"testserver","save_data":true,"if_modified_since":null,"traceparent":null,"x_tag":[]}`,
			diff: pmHostDiff},
		{name: "test_header_param_model_extra", do: faGet("/items/", with("save-data", "true", "tool", "plumbus")...), status: 200,
			body: `{"host":"testserver","save_data":true,"if_modified_since":null,"traceparent":null,"x_tag":[]}`,
			diff: pmHostDiff},
		{name: "test_header_param_model_invalid", do: faGet("/items/", pmTestClient...), status: 422,
			body: `{"detail":[{"type":"missing","loc":["header","save_data"],"msg":"Field required","input":{"x_tag":[],"host":"testserver","accept":"*/*","accept-encoding":"gzip, deflate","connection":"keep-alive","user-agent":"testclient"}}]}`,
			diff: "KEEL-DIFF: a header model's missing field is reported with the model's field name and the header dict as input (FastAPI: loc [\"header\",\"save_data\"], input {...all headers}); Keel reports the wire name \"save-data\" and input null, as for a single Header()"},
	})
}

func TestCookieParamModelsTutorial001(t *testing.T) { // tests/test_tutorial/test_cookie_param_models/test_tutorial001.py
	type cookies struct {
		SessionID       string  `cookie:"session_id" json:"session_id"`
		FatebookTracker *string `cookie:"fatebook_tracker" json:"fatebook_tracker"`
		GoogallTracker  *string `cookie:"googall_tracker" json:"googall_tracker"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(c cookies) (cookies, error) { return c, nil }, router.Name("read_items"))
	faRun(t, app, []faCase{
		{name: "test_cookie_param_model", do: faGet("/items/", "Cookie", "session_id=123; fatebook_tracker=456; googall_tracker=789"), status: 200,
			body: `{"session_id":"123","fatebook_tracker":"456","googall_tracker":"789"}`},
		{name: "test_cookie_param_model_defaults", do: faGet("/items/", "Cookie", "session_id=123"), status: 200,
			body: `{"session_id":"123","fatebook_tracker":null,"googall_tracker":null}`},
		{name: "test_cookie_param_model_invalid", do: faGet("/items/"), status: 422,
			body: `{"detail":[{"type":"missing","loc":["cookie","session_id"],"msg":"Field required","input":{}}]}`,
			diff: "KEEL-DIFF: a cookie model's missing field has the cookie dict as input (FastAPI: input {}); Keel reports input null, as for a single Cookie()"},
		{name: "test_cookie_param_model_extra", do: faGet("/items/", "Cookie", "session_id=123; shopping_cart=abc"), status: 200,
			body: `{"session_id":"123","fatebook_tracker":null,"googall_tracker":null}`},
	})
}

func TestHeaderHost(t *testing.T) { // the Host header as a Header() parameter (TestClient sends Host: testserver)
	app := fastAPIApp()
	app.Get("/", func(p struct {
		Host string `header:""`
	}) (any, error) {
		return map[string]string{"host": p.Host}, nil
	})
	faRun(t, app, []faCase{
		{name: "host", do: faGet("/", "Host", "testserver"), status: 200, body: `{"host":"testserver"}`, diff: pmHostDiff},
	})
}

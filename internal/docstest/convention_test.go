package docstest

import (
	"slices"
	"strings"
	"testing"
)

// The convention's own tests: what a transcript may show, and what fails.

func TestMatchOutput(t *testing.T) {
	resp := &response{
		statusLine: "HTTP/1.1 401 Unauthorized",
		headers:    []string{"Content-Type: application/json", "Www-Authenticate: Bearer", "Date: Mon, 30 Nov 2026 19:00:00 GMT", "Content-Length: 30"},
		body:       []byte(`{"detail":"Not authenticated"}`),
	}
	for _, tt := range []struct {
		name    string
		include bool
		shown   string
		ok      bool
	}{
		{"exact", true, "HTTP/1.1 401 Unauthorized\nContent-Type: application/json\nWww-Authenticate: Bearer\n\n{\"detail\":\"Not authenticated\"}", true},
		{"headers in any order", true, "HTTP/1.1 401 Unauthorized\nWww-Authenticate: Bearer\nContent-Type: application/json\n\n{\"detail\":\"Not authenticated\"}", true},
		{"Date and Content-Length may be shown", true, "HTTP/1.1 401 Unauthorized\nContent-Type: application/json\nWww-Authenticate: Bearer\nContent-Length: 30\n\n{\"detail\":\"Not authenticated\"}", true},
		{"body only", false, `{"detail":"Not authenticated"}`, true},
		{"JSON with spaces", false, `{ "detail": "Not authenticated" }`, true},
		{"elided string", false, `{"detail":"Not ..."}`, true},
		{"elided members", false, `{...}`, true},
		{"elided header value", true, "HTTP/1.1 401 Unauthorized\nContent-Type: application/json\nWww-Authenticate: Bea...\n\n{\"detail\":\"Not authenticated\"}", true},

		{"wrong status", true, "HTTP/1.1 403 Forbidden\nContent-Type: application/json\nWww-Authenticate: Bearer\n\n{\"detail\":\"Not authenticated\"}", false},
		{"header not shown", true, "HTTP/1.1 401 Unauthorized\nContent-Type: application/json\n\n{\"detail\":\"Not authenticated\"}", false},
		{"header not sent", true, "HTTP/1.1 401 Unauthorized\nContent-Type: application/json\nWww-Authenticate: Bearer\nX-Extra: 1\n\n{\"detail\":\"Not authenticated\"}", false},
		{"header value differs", true, "HTTP/1.1 401 Unauthorized\nContent-Type: application/json\nWww-Authenticate: Basic\n\n{\"detail\":\"Not authenticated\"}", false},
		{"header name case differs", true, "HTTP/1.1 401 Unauthorized\nContent-Type: application/json\nWWW-Authenticate: Bearer\n\n{\"detail\":\"Not authenticated\"}", false},
		{"body differs", false, `{"detail":"Not allowed"}`, false},
		{"extra member", false, `{"detail":"Not authenticated","x":1}`, false},
		{"missing member", false, `{}`, false},
		{"no body shown", true, "HTTP/1.1 401 Unauthorized\nContent-Type: application/json\nWww-Authenticate: Bearer", false},
		{"text instead of JSON", false, `Not authenticated`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := matchOutput(tt.include, strings.Split(tt.shown, "\n"), resp)
			if (d == "") != tt.ok {
				t.Errorf("matchOutput = %q, want ok=%v", d, tt.ok)
			}
		})
	}
}

func TestMatchBody(t *testing.T) {
	for _, tt := range []struct {
		shown, got string
		ok         bool
	}{
		{`[1,2,...]`, `[1,2,3,4]`, true},
		{`[1,2,...]`, `[1,2]`, true},
		{`[1,2]`, `[1,2,3]`, false},
		{`[1,...]`, `[2,3]`, false},
		{`[...,1]`, `[2,1]`, false},
		{`{"a":1,"b":{"c":[1],...}}`, `{"b":{"d":2,"c":[1]},"a":1.0}`, true},
		{`{"a":1,"b":{"c":[1]}}`, `{"b":{"d":2,"c":[1]},"a":1}`, false},
		{`{"a":"x...z"}`, `{"a":"xyyz"}`, true},
		{`{"a":"x...z"}`, `{"a":"xyy"}`, false},
		{`{"a":null}`, `{"a":null}`, true},
		{`{"a":null}`, `{"a":0}`, false},
		{`{"a":"…"}`, `{"a":"x"}`, false}, // only "..." elides
		{`400 Bad Request`, "400 Bad Request", true},
		{`<a href="/x">...</a>.`, `<a href="/x">Temporary Redirect</a>.` + "\n", true},
		{``, ``, true},
		{``, `x`, false},
	} {
		if d := matchBody(tt.shown, []byte(tt.got)); (d == "") != tt.ok {
			t.Errorf("matchBody(%s, %s) = %q, want ok=%v", tt.shown, tt.got, d, tt.ok)
		}
	}
}

func TestParseCurl(t *testing.T) {
	vars := map[string]string{"TOKEN": "abc"}
	for _, tt := range []struct {
		cmd     string
		method  string
		target  string
		headers []string
		body    string
		include bool
	}{
		{`curl http://127.0.0.1:8000/items/foo`, "GET", "/items/foo", []string{"Host: 127.0.0.1:8000", "User-Agent: curl/8.5.0", "Accept: */*"}, "", false},
		{`curl -i -X DELETE -H 'X-Key: k' 'http://127.0.0.1:8000/items/1?x=%2F'`, "DELETE", "/items/1?x=%2F", []string{"Host: 127.0.0.1:8000", "User-Agent: curl/8.5.0", "Accept: */*", "X-Key: k"}, "", true},
		{`curl -d 'a=1' -d "b=2" http://h:1/t`, "POST", "/t", []string{"Host: h:1", "User-Agent: curl/8.5.0", "Accept: */*", "Content-Length: 7", "Content-Type: application/x-www-form-urlencoded"}, "a=1&b=2", false},
		{`curl --data-urlencode 'scope=me items' --data-urlencode 'x=a&b' http://h:1/t`, "POST", "/t", nil, "scope=me%20items&x=a%26b", false},
		{`curl -H 'Content-Type: application/json' -d '{"a":1}' http://h:1/t`, "POST", "/t", []string{"Host: h:1", "User-Agent: curl/8.5.0", "Accept: */*", "Content-Length: 7", "Content-Type: application/json"}, `{"a":1}`, false},
		{`curl -H "Authorization: Bearer $TOKEN" http://h:1/t`, "GET", "/t", []string{"Host: h:1", "User-Agent: curl/8.5.0", "Accept: */*", "Authorization: Bearer abc"}, "", false},
		{`curl -H $'X-T: a\x7fb' --data-binary $'caf\xe9' http://h:1/t`, "POST", "/t", nil, "caf\xe9", false},
		{`curl -u user:pw -I http://h:1/`, "HEAD", "/", []string{"Host: h:1", "Authorization: Basic dXNlcjpwdw==", "User-Agent: curl/8.5.0", "Accept: */*"}, "", true},
	} {
		words, err := shellWords(tt.cmd, vars)
		if err != nil {
			t.Errorf("%s: %v", tt.cmd, err)
			continue
		}
		req, err := parseCurl(words)
		if err != nil {
			t.Errorf("%s: %v", tt.cmd, err)
			continue
		}
		if req.method != tt.method || req.target != tt.target || string(req.body) != tt.body || req.include != tt.include ||
			tt.headers != nil && !slices.Equal(req.headers, tt.headers) {
			t.Errorf("%s:\n got %s %s %q %q include=%v", tt.cmd, req.method, req.target, req.headers, req.body, req.include)
		}
		if strings.Contains(tt.cmd, `\x7f`) && !slices.Contains(req.headers, "X-T: a\x7fb") {
			t.Errorf("%s: $'...' escapes not decoded: %q", tt.cmd, req.headers)
		}
	}
	for _, bad := range []string{
		`curl --compressed http://h:1/`,
		`curl -d @file http://h:1/`,
		`curl https://h/`,
		`curl -H "Authorization: Bearer $UNSET" http://h:1/`,
		`curl 'http://h:1/`,
		`wget http://h:1/`,
	} {
		words, err := shellWords(bad, vars)
		if err == nil {
			_, err = parseCurl(words)
		}
		if err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestParseTranscript(t *testing.T) {
	src := "# T\n\n```go\npackage main\n\nfunc main() {}\n```\n\n```sh\n$ curl -i \\\n    http://h:1/a\nHTTP/1.1 200 OK\n\n{}\n\n$ curl http://h:1/b\n[1]\n```\n"
	p, err := parsePage("x.md", src)
	if err != nil {
		t.Fatal(err)
	}
	b := p.blocks[1]
	if b.runsOn != p.blocks[0] || len(b.transcript) != 2 {
		t.Fatalf("transcript not bound: %+v", b)
	}
	e := b.transcript[0]
	if e.command != "curl -i http://h:1/a" || e.line != 10 || !slices.Equal(e.output, []string{"HTTP/1.1 200 OK", "", "{}"}) {
		t.Errorf("first exchange: %q line %d %q", e.command, e.line, e.output)
	}
	if _, err := parsePage("y.md", "```sh\n$ curl http://h:1/\n```\n"); err == nil {
		t.Error("a transcript without a program above it is accepted")
	}
	if _, err := parsePage("z.md", "```go\npackage main\nfunc main() {}\n```\n```sh\ntext\n$ curl http://h:1/\n```\n"); err == nil {
		t.Error("text before the first command is accepted")
	}
}

func TestUnexecutedClaims(t *testing.T) {
	for _, tt := range []struct {
		src   string
		flags int
	}{
		{"`GET /items/` answers 401.", 1},
		{"- `GET /items/7` → `{\"detail\":\"x\"}`", 1},
		{"| `POST /token` | 400 |", 1},
		{"```\nHTTP/1.1 200 OK\n```", 1},
		{"```sh\ncurl http://h:1/\n```", 1},
		{"A body over 10 MiB answers `413 {\"detail\":\"Request body too large\"}`.", 0},
		{"`app.Get(\"/items/\", readItems)` → `read_items_items__get`", 0},
		{"The route GET /items/ lists items.", 0},
		{"<!-- docstest:checked-by README.md -->\n| `GET /items/` | 401 |", 0},
		{"<!-- docstest:checked-by README.md -->\n| `GET /nowhere-else` | 401 |", 1},
		{"<!-- docstest:checked-by no/such/file.go -->\n| `GET /items/` | 401 |", 1},
		// A transcript another test runs, with no program above it.
		{"<!-- docstest:checked-by README.md -->\n```sh\n$ curl http://h:1/items/\n{}\n```", 0},
		{"<!-- docstest:checked-by README.md -->\n```sh\n$ curl http://h:1/nowhere-else\n{}\n```", 1},
		{"<!-- docstest:checked-by no/such/file.go -->\n```sh\n$ curl http://h:1/items/\n{}\n```", 1},
	} {
		p, err := parsePage("x.md", tt.src)
		if err != nil {
			t.Fatal(err)
		}
		if got := unexecutedClaims(p, repoRoot(t)); len(got) != tt.flags {
			t.Errorf("%q: %d findings, want %d: %q", tt.src, len(got), tt.flags, got)
		}
	}
}

func TestJQPath(t *testing.T) {
	doc := []byte(`{"access_token":"abc","paths":{"/items/":{"get":{"parameters":[{"name":"q"},{"name":"n","x":1.50}]}}}}`)
	for _, tt := range []struct {
		path string
		raw  bool
		want string
	}{
		{".access_token", true, "abc"},
		{".access_token", false, `"abc"`},
		{`.paths["/items/"].get.parameters[1]`, false, `{"name":"n","x":1.50}`},
		{`.paths["/items/"].get.parameters[0].name`, true, "q"},
		{".missing", false, "null"},
	} {
		got, err := jqPath(doc, tt.path, tt.raw)
		if err != nil || got != tt.want {
			t.Errorf("jq %s = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
	for _, bad := range []string{"access_token", ".paths[5]", `.paths["/items/"].get.parameters[9]`, ".a[x]"} {
		if _, err := jqPath(doc, bad, false); err == nil {
			t.Errorf("jq %s: no error", bad)
		}
	}
}

package openapi

import (
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	swaggerfiles "github.com/swaggo/files/v2"

	"github.com/keelgo/keel/internal/pycompat"
)

const testDoc = `{"openapi":"3.1.0","info":{"title":"Shop","version":"0.1.0"},"paths":{}}`

func staticDoc() ([]byte, error) { return []byte(testDoc), nil }

func mux(t *testing.T, cfg Config) *http.ServeMux {
	t.Helper()
	m := http.NewServeMux()
	if err := Mount(m, cfg, staticDoc); err != nil {
		t.Fatal(err)
	}
	return m
}

func get(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func file(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(swaggerfiles.FS, name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The whole /docs page for FastAPI's defaults (docs/fastapi-compat.md §6.4), assets embedded.
const wantSwaggerPage = `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shop &amp; Co - Swagger UI</title>
<link type="text/css" rel="stylesheet" href="/docs/swagger-ui/swagger-ui.css">
<link rel="shortcut icon" href="/docs/swagger-ui/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui">
</div>
<script src="/docs/swagger-ui/swagger-ui-bundle.js"></script>
<script>
const ui = SwaggerUIBundle({
    url: '/openapi.json',
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": true,
    "showExtensions": true,
    "showCommonExtensions": true,
    oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect',
    presets: [
        SwaggerUIBundle.presets.apis,
        SwaggerUIBundle.SwaggerUIStandalonePreset
    ],
})
</script>
</body>
</html>
`

func TestPagesDefault(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Title = "Shop & Co"
	m := mux(t, cfg)

	tests := []struct {
		target, ctype, body string
		status              int
	}{
		{"/openapi.json", "application/json", testDoc, 200},
		{"/docs", "text/html; charset=utf-8", wantSwaggerPage, 200},
		{"/docs/oauth2-redirect", "text/html; charset=utf-8", file(t, "oauth2-redirect.html"), 200},
		{"/docs/swagger-ui/swagger-ui-bundle.js", "text/javascript; charset=utf-8", file(t, "swagger-ui-bundle.js"), 200},
		{"/docs/swagger-ui/swagger-ui.css", "text/css; charset=utf-8", file(t, "swagger-ui.css"), 200},
		{"/docs/swagger-ui/swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8", file(t, "swagger-ui-standalone-preset.js"), 200},
		{"/docs/swagger-ui/favicon-32x32.png", "image/png", file(t, "favicon-32x32.png"), 200},
		{"/docs/swagger-ui/index.html", "", "", 404},
		{"/docs/swagger-ui/swagger-initializer.js", "", "", 404},
		{"/docs/swagger-ui/", "", "", 404},
		{"/docs/", "", "", 404},
	}
	for _, tt := range tests {
		rec := get(m, "GET", tt.target)
		if rec.Code != tt.status {
			t.Errorf("GET %s: status %d, want %d", tt.target, rec.Code, tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		if got := rec.Header().Get("Content-Type"); got != tt.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.target, got, tt.ctype)
		}
		if got := rec.Body.String(); got != tt.body {
			t.Errorf("GET %s: body\n%.2000s\nwant\n%.2000s", tt.target, got, tt.body)
		}
	}
	if body := get(m, "GET", "/docs/oauth2-redirect").Body.String(); !strings.Contains(body, "<title>Swagger UI: OAuth2 Redirect</title>") {
		t.Errorf("redirect page: %.200s", body)
	}

	// Revalidation and HEAD.
	rec := get(m, "GET", "/docs/swagger-ui/swagger-ui-bundle.js")
	etag := rec.Header().Get("ETag")
	if etag == "" || rec.Header().Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("asset headers: %v", rec.Header())
	}
	if rec := get(m, "GET", "/docs/swagger-ui/swagger-ui-bundle.js", "If-None-Match", etag); rec.Code != 304 {
		t.Errorf("If-None-Match: %d", rec.Code)
	}
	rec = get(m, "GET", "/openapi.json")
	if rec := get(m, "GET", "/openapi.json", "If-None-Match", rec.Header().Get("ETag")); rec.Code != 304 {
		t.Errorf("document If-None-Match: %d", rec.Code)
	}
	if rec := get(m, "HEAD", "/openapi.json"); rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != "72" {
		t.Errorf("HEAD: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	if rec := get(m, "POST", "/openapi.json"); rec.Code != 405 {
		t.Errorf("POST: %d", rec.Code)
	}

	// ReDoc (docs/fastapi-compat.md §6.6).
	body := get(m, "GET", "/redoc").Body.String()
	for _, want := range []string{
		"<title>Shop &amp; Co - ReDoc</title>",
		`<link href="https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700" rel="stylesheet">`,
		`<link rel="shortcut icon" href="/docs/swagger-ui/favicon-32x32.png">`,
		`<redoc spec-url="/openapi.json"></redoc>`,
		`<script src="https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"></script>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("redoc page lacks %s:\n%s", want, body)
		}
	}
}

func TestSwaggerUISettings(t *testing.T) {
	// docs/fastapi-compat.md §6.4
	cfg := DefaultConfig()
	cfg.SwaggerUIParameters = map[string]any{
		"deepLinking":            false,
		"syntaxHighlight":        map[string]any{"theme": "obsidian"},
		"filter":                 "</script><b>&",
		"displayRequestDuration": true,
	}
	cfg.InitOAuth = map[string]any{"clientId": "the-foo-clients", "appName": "The Predendapp", "scopes": []string{"me", "items"}}
	body := get(mux(t, cfg), "GET", "/docs").Body.String()
	want := `    url: '/openapi.json',
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": false,
    "showExtensions": true,
    "showCommonExtensions": true,
    "displayRequestDuration": true,
    "filter": "\u003c/script\u003e\u003cb\u003e\u0026",
    "syntaxHighlight": {"theme": "obsidian"},
    oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect',
`
	if !strings.Contains(body, want) {
		t.Errorf("settings:\n%s\nwant\n%s", body, want)
	}
	for _, want := range []string{
		`ui.initOAuth({"appName": "The Predendapp", "clientId": "the-foo-clients", "scopes": ["me", "items"]})`,
		`"appName": "The Predendapp"`,
		`"clientId": "the-foo-clients"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s:\n%s", want, body)
		}
	}
}

func TestPagesOptions(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(*Config)
		status map[string]int
		has    map[string][]string
		hasNot map[string][]string
	}{
		{"no openapi url: nothing (§6.7)", func(c *Config) { c.OpenAPIURL = "" },
			map[string]int{"/openapi.json": 404, "/docs": 404, "/docs/oauth2-redirect": 404, "/redoc": 404, "/docs/swagger-ui/swagger-ui.css": 404}, nil, nil},
		{"no docs url", func(c *Config) { c.DocsURL = "" },
			map[string]int{"/openapi.json": 200, "/docs": 404, "/docs/oauth2-redirect": 404, "/redoc": 200, "/docs/swagger-ui/swagger-ui.css": 404},
			map[string][]string{"/redoc": {`href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/favicon-32x32.png"`}}, nil},
		{"no redirect", func(c *Config) { c.OAuth2RedirectURL = "" },
			map[string]int{"/docs": 200, "/docs/oauth2-redirect": 404},
			nil, map[string][]string{"/docs": {"oauth2RedirectUrl"}}},
		{"no redoc", func(c *Config) { c.RedocURL = "" }, map[string]int{"/redoc": 404, "/docs": 200}, nil, nil},
		{"cdn", func(c *Config) { c.UseCDN = true },
			map[string]int{"/docs": 200, "/docs/swagger-ui/swagger-ui.css": 404},
			map[string][]string{"/docs": {
				`href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"`,
				`<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>`,
				`href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/favicon-32x32.png"`,
			}}, nil},
		{"custom urls", func(c *Config) {
			c.OpenAPIURL, c.DocsURL, c.OAuth2RedirectURL, c.RedocURL = "/api/spec.json", "/api/docs/", "/api/cb", "/api/redoc"
			c.RedocJSURL, c.RedocNoGoogleFonts = "/static/redoc.js", true
			c.SwaggerJSURL, c.SwaggerCSSURL, c.FaviconURL = "/s/ui.js", "/s/ui.css", "/s/fav.png"
		},
			map[string]int{"/openapi.json": 404, "/api/spec.json": 200, "/api/docs/": 200, "/api/cb": 200, "/api/redoc": 200,
				"/api/docs/swagger-ui/swagger-ui-bundle.js": 200},
			map[string][]string{
				"/api/docs/": {"url: '/api/spec.json',", `href="/s/ui.css"`, `<script src="/s/ui.js">`, `href="/s/fav.png"`, "window.location.origin + '/api/cb',"},
				"/api/redoc": {`<script src="/static/redoc.js"></script>`, `spec-url="/api/spec.json"`, `href="/s/fav.png"`},
			},
			map[string][]string{"/api/redoc": {"fonts.googleapis.com"}}},
		{"root path", func(c *Config) { c.RootPath = "/api/v1/" },
			map[string]int{"/docs": 200, "/openapi.json": 200, "/docs/swagger-ui/swagger-ui.css": 200},
			map[string][]string{
				"/docs": {"url: '/api/v1/openapi.json',", `href="/api/v1/docs/swagger-ui/swagger-ui.css"`,
					`<script src="/api/v1/docs/swagger-ui/swagger-ui-bundle.js">`, "window.location.origin + '/api/v1/docs/oauth2-redirect',"},
				"/redoc": {`<redoc spec-url="/api/v1/openapi.json"></redoc>`},
			}, nil},
		{"escaping", func(c *Config) { c.OpenAPIURL = "/o'pen<api>.json" },
			map[string]int{"/docs": 200},
			map[string][]string{"/docs": {`url: '/o\'pen\u003capi\u003e.json',`}, "/redoc": {`spec-url="/o&#39;pen&lt;api&gt;.json"`}}, nil},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		tt.cfg(&cfg)
		m := mux(t, cfg)
		for target, want := range tt.status {
			if got := get(m, "GET", target).Code; got != want {
				t.Errorf("%s: GET %s = %d, want %d", tt.name, target, got, want)
			}
		}
		for target, wants := range tt.has {
			body := get(m, "GET", target).Body.String()
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s: %s lacks %s:\n%s", tt.name, target, w, body)
				}
			}
		}
		for target, wants := range tt.hasNot {
			body := get(m, "GET", target).Body.String()
			for _, w := range wants {
				if strings.Contains(body, w) {
					t.Errorf("%s: %s has %s", tt.name, target, w)
				}
			}
		}
	}
}

func TestPagesErrors(t *testing.T) {
	if _, err := Pages(Config{OpenAPIURL: "openapi.json"}, staticDoc); err == nil || !strings.Contains(err.Error(), "Config.OpenAPIURL") {
		t.Errorf("relative URL: %v", err)
	}
	cfg := DefaultConfig()
	cfg.InitOAuth = map[string]any{"bad": make(chan int)}
	if _, err := Pages(cfg, staticDoc); err == nil {
		t.Error("unencodable initOAuth: no error")
	}

	// A document that cannot be built answers 500 and keeps the reason.
	m := http.NewServeMux()
	if err := Mount(m, DefaultConfig(), func() ([]byte, error) { return nil, errors.New("secret reason") }); err != nil {
		t.Fatal(err)
	}
	rec := get(m, "GET", "/openapi.json")
	if rec.Code != 500 || rec.Body.String() != `{"detail":"Internal Server Error"}` {
		t.Errorf("failing document: %d %s", rec.Code, rec.Body)
	}
}

func TestPyJSON(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want string
	}{
		{map[string]any{"clientId": "the-foo-clients", "appName": "The Predendapp"}, `{"appName": "The Predendapp", "clientId": "the-foo-clients"}`},
		{[]any{1, "a,b:c", true, nil}, `[1, "a,b:c", true, null]`},
		{"é😀<>&\"\\", `"\u00e9\ud83d\ude00\u003c\u003e\u0026\"\\"`},
		{map[string]any{"a": map[string]any{"b": []int{}}}, `{"a": {"b": []}}`},
	} {
		got, err := pycompat.Dumps(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("pycompat.Dumps(%v) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

package openapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	swaggerfiles "github.com/swaggo/files/v2"

	"github.com/keelgo/keel/internal/pycompat"
	"github.com/keelgo/keel/internal/wire"
)

// CDN locations used when assets are not served from the binary.
const (
	cdnSwagger = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/"
	cdnRedoc   = "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"
	fontsCSS   = "https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700"
)

// assetNames are the files of github.com/swaggo/files/v2 served under
// <DocsURL>/swagger-ui/. Its demo index.html and initializer are not.
var assetNames = []string{
	"swagger-ui.css", "swagger-ui.css.map",
	"swagger-ui-bundle.js", "swagger-ui-bundle.js.map",
	"swagger-ui-standalone-preset.js", "swagger-ui-standalone-preset.js.map",
	"favicon-16x16.png", "favicon-32x32.png",
}

// Page is one route of the document and its documentation pages.
type Page struct {
	// Path is where the page is served, without Config.RootPath. A path
	// ending in "/" serves the subtree below it, as in http.ServeMux.
	Path string
	// Handler answers GET and HEAD.
	Handler http.Handler
}

// Pages returns the routes that serve the document and the documentation
// pages cfg asks for. doc returns the document's JSON (as returned by Build);
// it is called on every request to OpenAPIURL and should return the same
// bytes each time once built (a sync.Once in the caller), so that an app can
// build its document lazily, after every route is registered. The pages are: the document at OpenAPIURL, Swagger
// UI at DocsURL (§6.4) with its embedded assets under DocsURL+"/swagger-ui/"
// (unless UseCDN), the OAuth2 redirect page (§6.5) and ReDoc (§6.6). An
// empty OpenAPIURL gives no page at all (§6.7).
func Pages(cfg Config, doc func() ([]byte, error)) ([]Page, error) {
	for _, u := range []struct{ name, v string }{
		{"OpenAPIURL", cfg.OpenAPIURL}, {"DocsURL", cfg.DocsURL},
		{"OAuth2RedirectURL", cfg.OAuth2RedirectURL}, {"RedocURL", cfg.RedocURL},
		{"RootPath", cfg.RootPath},
	} {
		if u.v != "" && !strings.HasPrefix(u.v, "/") {
			return nil, fmt.Errorf("openapi: Config.%s %q must start with /", u.name, u.v)
		}
	}
	if cfg.OpenAPIURL == "" {
		return nil, nil
	}
	root := strings.TrimSuffix(cfg.RootPath, "/")
	title := cfg.Title
	if title == "" {
		title = "Keel"
	}
	pages := []Page{{cfg.OpenAPIURL, docHandler(doc)}}

	assets := ""
	if cfg.DocsURL != "" && !cfg.UseCDN {
		assets = strings.TrimSuffix(cfg.DocsURL, "/") + "/swagger-ui/"
	}
	asset := func(name string) string {
		if assets == "" {
			return cdnSwagger + name
		}
		return root + assets + name
	}
	favicon := cfg.FaviconURL
	if favicon == "" {
		favicon = asset("favicon-32x32.png")
	}

	if cfg.DocsURL != "" {
		page, err := swaggerUIPage(cfg, title, root, favicon, asset)
		if err != nil {
			return nil, err
		}
		pages = append(pages, Page{cfg.DocsURL, bytesHandler("text/html; charset=utf-8", page, "no-cache")})
		if assets != "" {
			pages = append(pages, Page{assets, assetHandler()})
		}
		if cfg.OAuth2RedirectURL != "" {
			redirect, err := fs.ReadFile(swaggerfiles.FS, "oauth2-redirect.html")
			if err != nil {
				return nil, fmt.Errorf("openapi: swaggo/files: %w", err)
			}
			pages = append(pages, Page{cfg.OAuth2RedirectURL, bytesHandler("text/html; charset=utf-8", redirect, "no-cache")})
		}
	}
	if cfg.RedocURL != "" {
		pages = append(pages, Page{cfg.RedocURL, bytesHandler("text/html; charset=utf-8", redocPage(cfg, title, root, favicon), "no-cache")})
	}
	return pages, nil
}

// Mount registers Pages on mux with "GET <path>" patterns (GET also
// matches HEAD).
func Mount(mux *http.ServeMux, cfg Config, doc func() ([]byte, error)) error {
	pages, err := Pages(cfg, doc)
	if err != nil {
		return err
	}
	for _, p := range pages {
		mux.Handle("GET "+p.Path, p.Handler)
	}
	return nil
}

// jsString quotes s as a single-quoted JavaScript string that is also safe
// inside a <script> element.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString(`\u003c`)
		case '>':
			b.WriteString(`\u003e`)
		case '&':
			b.WriteString(`\u0026`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\u2028':
			b.WriteString(`\u2028`)
		case '\u2029':
			b.WriteString(`\u2029`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// setting is one key of the Swagger UI configuration.
type setting struct {
	key   string
	value any
}

// swaggerDefaults are the Swagger UI settings FastAPI writes, in its order
// (docs/fastapi-compat.md §6.4).
var swaggerDefaults = []setting{
	{"dom_id", "#swagger-ui"},
	{"layout", "BaseLayout"},
	{"deepLinking", true},
	{"showExtensions", true},
	{"showCommonExtensions", true},
}

// swaggerUIPage is the /docs page (docs/fastapi-compat.md §6.4).
func swaggerUIPage(cfg Config, title, root, favicon string, asset func(string) string) ([]byte, error) {
	css, js := cfg.SwaggerCSSURL, cfg.SwaggerJSURL
	if css == "" {
		css = asset("swagger-ui.css")
	}
	if js == "" {
		js = asset("swagger-ui-bundle.js")
	}
	var b bytes.Buffer
	esc := html.EscapeString
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s - Swagger UI</title>
<link type="text/css" rel="stylesheet" href="%s">
<link rel="shortcut icon" href="%s">
</head>
<body>
<div id="swagger-ui">
</div>
<script src="%s"></script>
<script>
const ui = SwaggerUIBundle({
    url: %s,
`, esc(title), esc(css), esc(favicon), esc(js), jsString(root+cfg.OpenAPIURL))

	line := func(key string, v any) error {
		val, err := pycompat.Dumps(v)
		if err != nil {
			return fmt.Errorf("openapi: encoding a Swagger UI setting: %w", err)
		}
		k, _ := pycompat.Dumps(key)
		fmt.Fprintf(&b, "    %s: %s,\n", k, val)
		return nil
	}
	for _, d := range swaggerDefaults {
		v := d.value
		if given, ok := cfg.SwaggerUIParameters[d.key]; ok {
			v = given
		}
		if err := line(d.key, v); err != nil {
			return nil, err
		}
	}
	extra := make([]string, 0, len(cfg.SwaggerUIParameters))
	for k := range cfg.SwaggerUIParameters {
		if !slices.ContainsFunc(swaggerDefaults, func(d setting) bool { return d.key == k }) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		if err := line(k, cfg.SwaggerUIParameters[k]); err != nil {
			return nil, err
		}
	}
	if cfg.OAuth2RedirectURL != "" {
		fmt.Fprintf(&b, "    oauth2RedirectUrl: window.location.origin + %s,\n", jsString(root+cfg.OAuth2RedirectURL))
	}
	b.WriteString(`    presets: [
        SwaggerUIBundle.presets.apis,
        SwaggerUIBundle.SwaggerUIStandalonePreset
    ],
})
`)
	if len(cfg.InitOAuth) > 0 {
		v, err := pycompat.Dumps(cfg.InitOAuth)
		if err != nil {
			return nil, fmt.Errorf("openapi: encoding a Swagger UI setting: %w", err)
		}
		fmt.Fprintf(&b, "ui.initOAuth(%s)\n", v)
	}
	b.WriteString("</script>\n</body>\n</html>\n")
	return b.Bytes(), nil
}

// redocPage is the /redoc page (docs/fastapi-compat.md §6.6).
func redocPage(cfg Config, title, root, favicon string) []byte {
	js := cfg.RedocJSURL
	if js == "" {
		js = cdnRedoc
	}
	esc := html.EscapeString
	var b bytes.Buffer
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s - ReDoc</title>
`, esc(title))
	if !cfg.RedocNoGoogleFonts {
		fmt.Fprintf(&b, "<link href=\"%s\" rel=\"stylesheet\">\n", esc(fontsCSS))
	}
	fmt.Fprintf(&b, `<link rel="shortcut icon" href="%s">
<style>
body { margin: 0; padding: 0; }
</style>
</head>
<body>
<noscript>This documentation needs JavaScript.</noscript>
<redoc spec-url="%s"></redoc>
<script src="%s"></script>
</body>
</html>
`, esc(favicon), esc(root+cfg.OpenAPIURL), esc(js))
	return b.Bytes()
}

// docHandler serves the document from doc. A failure is logged by nobody
// and answered with a bare 500: the error text stays on the server (the app
// reports it when it builds the document).
func docHandler(doc func() ([]byte, error)) http.Handler {
	type served struct {
		data []byte
		h    http.Handler
	}
	var last atomic.Pointer[served]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := doc()
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"detail":"Internal Server Error"}`))
			return
		}
		s := last.Load()
		if s == nil || len(s.data) != len(data) || (len(data) > 0 && &s.data[0] != &data[0]) {
			s = &served{data: data, h: bytesHandler("application/json", data, "no-cache")}
			last.Store(s)
		}
		s.h.ServeHTTP(w, r)
	})
}

// bytesHandler serves fixed content with an ETag, so clients can revalidate.
func bytesHandler(contentType string, data []byte, cacheControl string) http.Handler {
	sum := sha256.Sum256(data)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Cache-Control", cacheControl)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
	})
}

// assetHandler serves the Swagger UI files embedded by
// github.com/swaggo/files/v2. Each file is read (and hashed for its ETag) on
// its first request.
func assetHandler() http.Handler {
	files := make(map[string]func() http.Handler, len(assetNames))
	for _, name := range assetNames {
		ctype := "application/octet-stream"
		switch path.Ext(name) {
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".map":
			ctype = "application/json"
		case ".png":
			ctype = "image/png"
		}
		files[name] = sync.OnceValue(func() http.Handler {
			data, err := fs.ReadFile(swaggerfiles.FS, name)
			if err != nil {
				return http.NotFoundHandler()
			}
			return bytesHandler(ctype, data, "public, max-age=3600")
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := wire.Path(r) // the decoded path, as the router matched it
		f, ok := files[path.Base(p)]
		if !ok || strings.HasSuffix(p, "/") {
			http.NotFound(w, r)
			return
		}
		f().ServeHTTP(w, r)
	})
}

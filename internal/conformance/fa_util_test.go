package conformance

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Helpers for the ports of FastAPI's dependency, parameter, body, form, file and
// error tests (fa_*_test.go).

// faDo sends method target with an optional body of Content-Type ctype ("" sends
// none) and headers (name, value pairs, added in order). Like TestClient, it
// follows a 307 or 308 redirect (redirect_slashes, docs/fastapi-compat.md §3.9).
func faDo(h http.Handler, method, target, ctype, body string, hdr ...string) secResp {
	r := faDoOnce(h, method, target, ctype, body, hdr...)
	for i := 0; i < 3 && (r.code == http.StatusTemporaryRedirect || r.code == http.StatusPermanentRedirect); i++ {
		u, err := url.Parse(r.header.Get("Location"))
		if err != nil || u.Path == "" {
			break
		}
		r = faDoOnce(h, method, u.RequestURI(), ctype, body, hdr...)
	}
	return r
}

// faDoOnce is faDo without following redirects.
func faDoOnce(h http.Handler, method, target, ctype, body string, hdr ...string) secResp {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Host") {
			r.Host = hdr[i+1] // net/http keeps the Host header in Request.Host
			continue
		}
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return secResp{w.Code, w.Body.String(), w.Header()}
}

// faJSON sends body as application/json, as TestClient's json= does
// (json=None sends no body: pass "").
func faJSON(h http.Handler, method, target, body string, hdr ...string) secResp {
	ct := "application/json"
	if body == "" {
		ct = ""
	}
	return faDo(h, method, target, ct, body, hdr...)
}

// faForm sends an urlencoded body, as TestClient's data= does.
func faForm(h http.Handler, method, target, body string, hdr ...string) secResp {
	return faDo(h, method, target, "application/x-www-form-urlencoded", body, hdr...)
}

// faPart is one part of a multipart body: a file when filename is not "".
type faPart struct {
	name, filename, ctype, content string
}

// faMultipart sends a multipart/form-data body, as TestClient's files= and data= do.
func faMultipart(h http.Handler, method, target string, parts ...faPart) secResp {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		if p.filename == "" {
			_ = mw.WriteField(p.name, p.content)
			continue
		}
		hd := make(map[string][]string)
		hd["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename)}
		ct := p.ctype
		if ct == "" {
			ct = "application/octet-stream"
		}
		hd["Content-Type"] = []string{ct}
		w, _ := mw.CreatePart(hd)
		_, _ = w.Write([]byte(p.content))
	}
	_ = mw.Close()
	return faDo(h, method, target, mw.FormDataContentType(), b.String())
}

// faCase is one request and FastAPI's answer to it.
type faCase struct {
	name   string
	do     func(h http.Handler) secResp
	status int
	body   string // JSON, compared parsed
	diff   string // when not "": a known difference, "KEEL-DIFF: ..."
}

// faRun runs cases against h as subtests.
func faRun(t *testing.T, h http.Handler, cases []faCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := c.do(h).check(c.status, c.body, "")
			if c.diff != "" {
				secDiff(t, errs, c.diff)
			}
			secReport(t, errs)
		})
	}
}

// faGet is a faCase request: GET target with headers.
func faGet(target string, hdr ...string) func(http.Handler) secResp {
	return func(h http.Handler) secResp { return faDo(h, http.MethodGet, target, "", "", hdr...) }
}

// faPostJSON is a faCase request: POST target with a JSON body.
func faPostJSON(target, body string, hdr ...string) func(http.Handler) secResp {
	return func(h http.Handler) secResp { return faJSON(h, http.MethodPost, target, body, hdr...) }
}

// faMissing is Pydantic's missing-field error at loc (a JSON array body) with
// input null.
func faMissing(loc string) string {
	return `{"type":"missing","loc":` + loc + `,"msg":"Field required","input":null}`
}

// faDetail wraps error objects into a 422 body.
func faDetail(errs ...string) string {
	return `{"detail":[` + strings.Join(errs, ",") + `]}`
}

// faIntParsing is the int_parsing error at loc for input.
func faIntParsing(loc, input string) string {
	return `{"type":"int_parsing","loc":` + loc + `,"msg":"Input should be a valid integer, unable to parse string as an integer","input":` + input + `}`
}

// discardLogger is a logger for Apps whose tests provoke logged 500s.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// faCheckText checks a plain-text answer (a 500).
func faCheckText(t *testing.T, r secResp, status int, text string) {
	t.Helper()
	if r.code != status || r.raw != text {
		t.Errorf("got %d %q, want %d %q", r.code, r.raw, status, text)
	}
}

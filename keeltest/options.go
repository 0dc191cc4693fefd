package keeltest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
)

// A ClientOption configures a Client; pass it to New, NewServer or
// NewTLSServer.
type ClientOption interface {
	applyClient(*clientConfig)
}

// A RequestOption configures one request; pass it to Client.Do, Get, Post, ...
type RequestOption interface {
	applyRequest(*requestConfig)
}

// An Option configures either a Client, for every request it sends, or one
// request. A request's own header, query parameter or redirect setting
// replaces the client's of the same name.
type Option interface {
	ClientOption
	RequestOption
}

// settings are what both a client and a request can set.
type settings struct {
	header  http.Header // values added, by canonical name
	query   []param     // in order
	cookies []*http.Cookie
	follow  *bool
}

type param struct{ key, value string }

type clientConfig struct {
	settings
	baseURL      string
	maxRedirects int
}

type requestConfig struct {
	settings
	ctx         context.Context
	body        []byte
	contentType string
	bodyBy      string // the option that set the body, for errors
	errs        []error
}

func (r *requestConfig) setBody(by, contentType string, body []byte) {
	if r.bodyBy != "" {
		r.errs = append(r.errs, fmt.Errorf("both %s and %s set the request body; a request has one", r.bodyBy, by))
		return
	}
	r.bodyBy, r.contentType, r.body = by, contentType, body
}

type sharedOption func(*settings)

func (o sharedOption) applyClient(c *clientConfig)   { o(&c.settings) }
func (o sharedOption) applyRequest(r *requestConfig) { o(&r.settings) }

type clientOption func(*clientConfig)

func (o clientOption) applyClient(c *clientConfig) { o(c) }

type requestOption func(*requestConfig)

func (o requestOption) applyRequest(r *requestConfig) { o(r) }

// Header adds a header value. Several Header options with one name send
// several values. A request's header replaces the client's header of the same
// name. Header("Host", h) sets the request's Host.
func Header(name, value string) Option {
	return sharedOption(func(s *settings) {
		if s.header == nil {
			s.header = http.Header{}
		}
		s.header.Add(name, value)
	})
}

// Query adds a query parameter to the URL, after those the path already has.
// Several Query options with one name send several values, in order. A
// request's parameter replaces the client's parameter of the same name, and
// both replace a parameter of that name written in the path.
func Query(name, value string) Option {
	return sharedOption(func(s *settings) { s.query = append(s.query, param{name, value}) })
}

// Bearer sends "Authorization: Bearer token" (RFC 6750). Given to New, it is
// what Client.SetBearer sets.
func Bearer(token string) Option {
	return sharedOption(func(s *settings) {
		if s.header == nil {
			s.header = http.Header{}
		}
		s.header.Set("Authorization", "Bearer "+token)
	})
}

// BasicAuth sends "Authorization: Basic ..." with username and password
// (RFC 7617), as http.Request.SetBasicAuth does.
func BasicAuth(username, password string) Option {
	return sharedOption(func(s *settings) {
		if s.header == nil {
			s.header = http.Header{}
		}
		s.header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(username+":"+password)))
	})
}

// Cookie sends a cookie. Given to New, it is stored in the client's cookie jar
// for the base URL, as if the app had set it, and sent with every matching
// request until the app changes it. Given to one request, it is sent with that
// request only, in addition to the jar's cookies, and not after a redirect.
func Cookie(name, value string) Option {
	return sharedOption(func(s *settings) { s.cookies = append(s.cookies, &http.Cookie{Name: name, Value: value}) })
}

// FollowRedirects sets whether redirects are followed (the default is true).
// Not following, the client returns the redirect response itself.
func FollowRedirects(follow bool) Option {
	return sharedOption(func(s *settings) { s.follow = &follow })
}

// BaseURL sets the URL request paths are relative to. A path is appended to
// the base URL's path: with base URL "http://testserver/api", "/items" and
// "items" both request http://testserver/api/items. A request URL with a
// scheme ("https://other.example/x") is used as it is.
//
// The default for New is "http://testserver", FastAPI's TestClient's: the
// handler sees the host testserver, and "https://testserver" makes requests
// look like TLS (r.TLS is set). For NewServer and NewTLSServer the scheme and
// host are the server's, so the base URL may only be a path.
func BaseURL(u string) ClientOption {
	return clientOption(func(c *clientConfig) { c.baseURL = u })
}

// MaxRedirects sets how many redirects one request follows before the request
// fails the test (default 20, as FastAPI's TestClient).
func MaxRedirects(n int) ClientOption {
	return clientOption(func(c *clientConfig) { c.maxRedirects = n })
}

// JSON sends v encoded as JSON (encoding/json, without HTML escaping) with
// Content-Type application/json. A string is sent as a JSON string: to send
// JSON text as it is, use Body("application/json", text).
func JSON(v any) RequestOption {
	return requestOption(func(r *requestConfig) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			r.errs = append(r.errs, fmt.Errorf("keeltest.JSON: %w", err))
			return
		}
		r.setBody("JSON", "application/json", bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	})
}

// Form sends values as an application/x-www-form-urlencoded body (keys
// sorted, as url.Values.Encode writes them).
func Form(values url.Values) RequestOption {
	return requestOption(func(r *requestConfig) {
		r.setBody("Form", "application/x-www-form-urlencoded", []byte(values.Encode()))
	})
}

// File is one file of a Multipart body.
type File struct {
	Field       string // the form field
	Filename    string // the file name sent in Content-Disposition
	ContentType string // default application/octet-stream
	Content     []byte
}

// Multipart sends a multipart/form-data body: the fields (keys sorted, each
// key's values in order), then the files in order.
func Multipart(fields url.Values, files ...File) RequestOption {
	return requestOption(func(r *requestConfig) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var err error
		for _, k := range keys {
			for _, v := range fields[k] {
				err = errors.Join(err, w.WriteField(k, v))
			}
		}
		for _, f := range files {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, quoteEscaper.Replace(f.Field), quoteEscaper.Replace(f.Filename)))
			ct := f.ContentType
			if ct == "" {
				ct = "application/octet-stream"
			}
			h.Set("Content-Type", ct)
			part, perr := w.CreatePart(h)
			if perr == nil {
				_, perr = part.Write(f.Content)
			}
			err = errors.Join(err, perr)
		}
		err = errors.Join(err, w.Close())
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("keeltest.Multipart: %w", err))
			return
		}
		r.setBody("Multipart", w.FormDataContentType(), b.Bytes())
	})
}

// quoteEscaper escapes a Content-Disposition parameter as mime/multipart does.
var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// Body sends body as it is, with the given Content-Type ("" sends none).
func Body(contentType, body string) RequestOption {
	return requestOption(func(r *requestConfig) { r.setBody("Body", contentType, []byte(body)) })
}

// Context sends the request with ctx (default context.Background()): the
// handler's r.Context() derives from it.
func Context(ctx context.Context) RequestOption {
	return requestOption(func(r *requestConfig) { r.ctx = ctx })
}

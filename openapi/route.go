package openapi

import (
	"reflect"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keelgo/keel/params"
	"github.com/keelgo/keel/security"
)

// Config is the application-level part of the document and of the
// documentation pages. The zero value documents an app titled "Keel",
// version "0.1.0", and serves nothing (set the URLs, or start from
// DefaultConfig).
type Config struct {
	// Info (docs/fastapi-compat.md §6.1). Empty strings are omitted; Title and Version default
	// to "Keel" and "0.1.0".
	Title, Version, Summary, Description, TermsOfService string
	Contact                                              *openapi3.Contact
	License                                              *openapi3.License

	// Servers are listed as given. When RootPath is set and no server has
	// that URL, {"url": RootPath} is put first (docs/fastapi-compat.md §6.1).
	Servers []*openapi3.Server
	// Tags is the document's top-level tag list (FastAPI's openapi_tags).
	Tags openapi3.Tags
	// ExternalDocs is the document's externalDocs object.
	ExternalDocs *openapi3.ExternalDocs

	// ValidationStatus is the status of the automatic validation response
	// (docs/fastapi-compat.md §6.3); 0 means 422. The router sets it from the App's option.
	ValidationStatus int
	// ProblemDetails documents the validation response as RFC 9457
	// application/problem+json (the router's ProblemDetails format) instead of
	// FastAPI's HTTPValidationError.
	ProblemDetails bool

	// RootPath is the path prefix under which a proxy serves the app. It is
	// added to the URLs the pages load and to servers; routes do not include it.
	RootPath string

	// OpenAPIURL serves the document; "" turns off every page (docs/fastapi-compat.md §6.7).
	OpenAPIURL string
	// DocsURL serves Swagger UI; "" turns it and the redirect page off.
	DocsURL string
	// OAuth2RedirectURL serves the OAuth2 redirect page of Swagger UI; ""
	// turns it off and leaves oauth2RedirectUrl out of the UI's config (§6.5).
	OAuth2RedirectURL string
	// RedocURL serves ReDoc; "" turns it off (§6.6).
	RedocURL string

	// SwaggerUIParameters are merged over the default Swagger UI
	// configuration (dom_id, layout, deepLinking, showExtensions,
	// showCommonExtensions); keys not among the defaults follow them in
	// sorted order (§6.4).
	SwaggerUIParameters map[string]any
	// InitOAuth, when not empty, is passed to ui.initOAuth (§6.4), for
	// example {"clientId": "...", "usePkceWithAuthorizationCodeGrant": true}.
	InitOAuth map[string]any

	// UseCDN loads Swagger UI from jsDelivr (swagger-ui-dist@5) instead of
	// the copy embedded in the binary from github.com/swaggo/files/v2.
	UseCDN bool
	// SwaggerJSURL, SwaggerCSSURL and FaviconURL override the asset URLs of
	// the Swagger UI page ("" = embedded assets, or the CDN with UseCDN).
	SwaggerJSURL, SwaggerCSSURL, FaviconURL string
	// RedocJSURL is the ReDoc bundle; "" loads
	// https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js.
	// Set it to a URL you serve to use ReDoc offline.
	RedocJSURL string
	// RedocNoGoogleFonts leaves the Google Fonts stylesheet out of /redoc.
	RedocNoGoogleFonts bool
}

// DefaultConfig returns FastAPI's page URLs: /openapi.json, /docs,
// /docs/oauth2-redirect and /redoc.
func DefaultConfig() Config {
	return Config{
		OpenAPIURL:        "/openapi.json",
		DocsURL:           "/docs",
		OAuth2RedirectURL: "/docs/oauth2-redirect",
		RedocURL:          "/redoc",
	}
}

// Route is what the router knows about one operation, from the route's options
// and its compiled dependency graph. Build renders it; it derives nothing from
// handlers itself.
type Route struct {
	// Method is the HTTP method ("GET"); Path is in OpenAPI template form
	// ("/items/{item_id}") with group prefixes included.
	Method, Path string
	// Name is the handler's Go function name without its package
	// ("readOwnItems"). The summary and the default operationId derive from
	// it (docs/fastapi-compat.md §6.2); when it is empty (a closure), they
	// derive from Method and Path: "Get Items Item Id" and
	// "items__item_id__get" for GET /items/{item_id}.
	Name string
	// Summary, Description and OperationID override the derived values when
	// not empty. The description is cut at the first form feed and trimmed.
	Summary, Description, OperationID string
	// Tags of the group(s), outer to inner, then of the route.
	Tags []string
	// Deprecated marks the operation deprecated.
	Deprecated bool
	// Hidden leaves the route out of the document entirely (FastAPI's
	// include_in_schema=False): no operation, no components.
	Hidden bool

	// Status is the success status; 0 means 200.
	Status int
	// Response is the handler's result type T; nil or `any` documents
	// `"schema": {}` (FastAPI's endpoint without a return annotation).
	Response reflect.Type
	// ResponseDescription defaults to "Successful Response".
	ResponseDescription string
	// ResponseMediaType is the success response's media type when it is not
	// JSON ("text/plain", "text/event-stream", "application/x-ndjson"); ""
	// documents Response as application/json.
	ResponseMediaType string
	// ResponseSchema is the schema documented under ResponseMediaType ({"type":
	// "string"} for text); nil documents Response's schema there (the values
	// of a JSON lines stream).
	ResponseSchema *openapi3.Schema
	// NoResponseContent documents the success response without content (a
	// redirect, whose body is empty).
	NoResponseContent bool
	// Responses are extra documented responses, keyed by status ("404"),
	// range ("4XX") or "default" (docs/fastapi-compat.md §6.3).
	Responses map[string]ResponseDoc

	// Params are the path, query, header and cookie fields of the handler and
	// of every dependency, already ordered and de-duplicated per docs/fastapi-compat.md §4.6.
	// Hidden fields are skipped.
	Params []params.Field
	// Body is the request body, nil when there is none.
	Body *Body
	// HasValidatedInputs is true when the operation reads any parameter
	// (hidden ones included) or a body: it then gets the automatic 422
	// response unless Responses has "422", "4XX" or "default" (docs/fastapi-compat.md §6.3).
	HasValidatedInputs bool

	// Security is the operation's requirement, one entry per scheme name in
	// first-seen order with merged scopes (docs/fastapi-compat.md §2.3).
	Security []Requirement
}

// Body describes a request body.
//
// Either Type is set (a single JSON value, typically a struct documented as a
// $ref component), or Fields are (form fields, files, or several JSON body
// values embedded under their names), documented as the component
// Body_<operationId> (docs/fastapi-compat.md §1.3, §4.5).
type Body struct {
	// MediaType is the content type documented. "" means application/json for
	// Type and for JSON fields, application/x-www-form-urlencoded for form
	// fields, and multipart/form-data when any field is a file.
	MediaType string
	// Required marks the body required.
	Required bool
	// Name is the body parameter's name, used as the title of an inline
	// (non-$ref) schema of Type.
	Name string
	// Type is the Go type of a single JSON body; a pointer means optional.
	Type reflect.Type
	// Fields are the fields of a form, multipart or embedded JSON body.
	Fields []params.Field
}

// Requirement is one security requirement object of an operation: one scheme
// (documented under its SchemeName in components.securitySchemes,
// docs/fastapi-compat.md §1.1, §1.2) and its scopes.
type Requirement struct {
	Scheme security.Scheme
	Scopes []string
}

// ResponsesDoc is implemented by the Meta of a provider that answers with
// statuses of its own (security.LoginThrottle: 429 and 503): every operation
// whose dependency graph includes it documents them, status code to
// description, unless the route documents that status itself.
type ResponsesDoc interface {
	OpenAPIResponses() map[string]string
}

// ResponseDoc is an extra documented response.
type ResponseDoc struct {
	// Description defaults to the status phrase ("Not Found"), the range's
	// name ("4XX" is "Client Error"), or "Additional Response".
	Description string
	// Type, when not nil, is documented as the JSON content of the response.
	Type reflect.Type
	// MediaType defaults to application/json.
	MediaType string
}

// Enum is implemented by types whose values are a closed set. Such a type
// becomes a component {"type": ..., "enum": [...], "title": "<Name>"} and is
// referenced with $ref. Enum is called on the zero value.
type Enum interface {
	Enum() []any
}

// SchemaProvider is implemented by types that document themselves: the
// returned schema is used as is (inline) instead of one derived by reflection.
// It is called on the zero value and must return a fresh schema each call.
type SchemaProvider interface {
	OpenAPISchema() *openapi3.Schema
}

package openapi

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/params"
)

// Build renders the OpenAPI 3.1 document of routes (docs/fastapi-compat.md §6) and returns it
// with its compact JSON encoding, marshalled once, to be served as bytes.
//
// Routes are rendered in order; Hidden ones are skipped. Build fails when two
// operations share an operationId or a method and path, or when a Go type
// cannot be documented (a chan, a func, a map with struct keys).
func Build(cfg Config, routes []Route) (*openapi3.T, []byte, error) {
	b := &builder{
		cfg:     cfg,
		s:       newSchemas(),
		paths:   openapi3.NewPaths(),
		opIDs:   make(map[string]*Route, len(routes)),
		schemes: openapi3.SecuritySchemes{},
	}
	for i := range routes {
		if err := b.route(&routes[i]); err != nil {
			return nil, nil, err
		}
	}
	doc := &openapi3.T{
		OpenAPI:      "3.1.0",
		Info:         info(cfg),
		Servers:      servers(cfg),
		Paths:        b.paths,
		Tags:         cfg.Tags,
		ExternalDocs: cfg.ExternalDocs,
	}
	b.s.assignNames()
	if s := b.s.components(); s != nil || len(b.schemes) > 0 {
		doc.Components = &openapi3.Components{Schemas: s}
		if len(b.schemes) > 0 {
			doc.Components.SecuritySchemes = b.schemes
		}
	}
	// FastAPI writes "required": false on optional parameters; kin-openapi
	// leaves false out, and refuses unknown keys when validating. Add the key
	// for marshalling only.
	for _, p := range b.optional {
		p.Extensions = map[string]any{"required": false}
	}
	data, err := marshalDoc(doc)
	for _, p := range b.optional {
		p.Extensions = nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("openapi: encoding the document: %w", err)
	}
	return doc, data, nil
}

func info(cfg Config) *openapi3.Info {
	in := &openapi3.Info{
		Title:          cfg.Title,
		Version:        cfg.Version,
		Summary:        cfg.Summary,
		Description:    cfg.Description,
		TermsOfService: cfg.TermsOfService,
		Contact:        cfg.Contact,
		License:        cfg.License,
	}
	if in.Title == "" {
		in.Title = "Keel"
	}
	if in.Version == "" {
		in.Version = "0.1.0"
	}
	return in
}

// servers lists cfg.Servers, with {"url": RootPath} first when it is set
// and not listed (docs/fastapi-compat.md §6.1).
func servers(cfg Config) openapi3.Servers {
	out := make(openapi3.Servers, 0, len(cfg.Servers)+1)
	if root := cfg.RootPath; root != "" {
		listed := false
		for _, s := range cfg.Servers {
			listed = listed || s.URL == root
		}
		if !listed {
			out = append(out, &openapi3.Server{URL: root})
		}
	}
	out = append(out, cfg.Servers...)
	if len(out) == 0 {
		return nil
	}
	return out
}

type builder struct {
	cfg      Config
	optional []*openapi3.Parameter // parameters that are not required
	s        *schemas
	paths    *openapi3.Paths
	opIDs    map[string]*Route
	schemes  openapi3.SecuritySchemes
}

// bodyMethods may document a request body (docs/fastapi-compat.md §6.2).
var bodyMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true,
	http.MethodPut: true, http.MethodDelete: true, http.MethodPatch: true,
}

func (b *builder) route(r *Route) error {
	if r.Hidden {
		return nil
	}
	method := strings.ToUpper(r.Method)
	where := func() string { return method + " " + r.Path }
	uid := uniqueID(r.Name, r.Path, method)
	op := &openapi3.Operation{
		Tags:        r.Tags,
		Summary:     r.Summary,
		Description: cutDescription(r.Description),
		OperationID: r.OperationID,
		Deprecated:  r.Deprecated,
	}
	if op.Summary == "" {
		op.Summary = routeSummary(r.Name, method, r.Path)
	}
	if op.OperationID == "" {
		op.OperationID = uid
	}
	if prev, ok := b.opIDs[op.OperationID]; ok {
		return fmt.Errorf("openapi: operationId %q of %s is already used by %s %s; set a different OperationID on one of them",
			op.OperationID, where(), strings.ToUpper(prev.Method), prev.Path)
	}
	b.opIDs[op.OperationID] = r

	for _, f := range r.Params {
		if f.Hidden {
			continue
		}
		p, err := b.parameter(f)
		if err != nil {
			return fmt.Errorf("%w, in %s", err, where())
		}
		op.Parameters = append(op.Parameters, p)
	}
	if r.Body != nil && bodyMethods[method] {
		rb, err := b.body(r.Body, uid, op.OperationID)
		if err != nil {
			return fmt.Errorf("%w, in %s", err, where())
		}
		op.RequestBody = rb
	}
	resp, err := b.responses(r, uid)
	if err != nil {
		return fmt.Errorf("%w, in %s", err, where())
	}
	op.Responses = resp
	if len(r.Security) > 0 {
		sec := make(openapi3.SecurityRequirements, 0, len(r.Security))
		for _, req := range r.Security {
			if req.Scheme == nil {
				return fmt.Errorf("openapi: %s has a security requirement without a scheme", where())
			}
			name := req.Scheme.SchemeName()
			scopes := req.Scopes
			if scopes == nil {
				scopes = []string{}
			}
			sec = append(sec, openapi3.SecurityRequirement{name: scopes})
			b.schemes[name] = &openapi3.SecuritySchemeRef{Value: normalizeScheme(req.Scheme.OpenAPISecurityScheme())}
		}
		op.Security = &sec
	}

	item := b.paths.Value(r.Path)
	if item == nil {
		item = &openapi3.PathItem{}
		b.paths.Set(r.Path, item)
	}
	if item.GetOperation(method) != nil {
		return fmt.Errorf("openapi: %s is documented twice", where())
	}
	item.SetOperation(method, op)
	return nil
}

// normalizeScheme returns s with every OAuth2 flow's scopes present, as
// FastAPI always writes them ("scopes": {}), without changing s.
func normalizeScheme(s *openapi3.SecurityScheme) *openapi3.SecurityScheme {
	if s == nil {
		return &openapi3.SecurityScheme{}
	}
	if s.Flows == nil {
		return s
	}
	flows := *s.Flows
	changed := false
	for _, f := range []**openapi3.OAuthFlow{&flows.Implicit, &flows.Password, &flows.ClientCredentials, &flows.AuthorizationCode} {
		if *f != nil && (*f).Scopes == nil {
			c := **f
			c.Scopes = map[string]string{}
			*f = &c
			changed = true
		}
	}
	if !changed {
		return s
	}
	c := *s
	c.Flows = &flows
	return &c
}

// fieldSchema is the schema of a parameter or body field: its type with the
// constraints inside (inside the non-null branch when optional), then title,
// description, default, examples, deprecated and an explicit format next to
// them (docs/fastapi-compat.md §4.6, §1.3).
func (b *builder) fieldSchema(f params.Field) (*openapi3.SchemaRef, error) {
	var base *openapi3.SchemaRef
	var null bool
	if f.Type == nil && f.In != params.InFile {
		return nil, fmt.Errorf("openapi: field %s %q has no type", f.In, f.Name)
	}
	if f.In == params.InFile {
		// A file is {"type": "string", "format": "binary"} (its contents when
		// the field is []byte); several files are an array of them. Optional
		// when not required (docs/fastapi-compat.md §4.5).
		base = &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "binary"}}
		if t := f.Type; t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
			arr := &openapi3.Schema{Type: &openapi3.Types{"array"}, Items: base}
			if n := f.Constraints.MinLength; n != nil {
				arr.MinItems = uint64(*n)
			}
			if n := f.Constraints.MaxLength; n != nil {
				m := uint64(*n)
				arr.MaxItems = &m
			}
			base = &openapi3.SchemaRef{Value: arr}
		}
		null = !f.Required
	} else {
		var err error
		if base, err = b.s.of(f.Type); err != nil {
			return nil, fmt.Errorf("%w (field %s %q)", err, f.In, f.Name)
		}
		applyConstraints(base, f.Constraints, f.Type)
		null = f.Type.Kind() == reflect.Pointer
	}
	title := f.Title
	if title == "" {
		title = wireTitle(f.Name)
	}
	m := meta{
		title:       title,
		description: f.Description,
		format:      f.Format,
		deprecated:  f.Deprecated,
		def:         f.Default,
		examples:    f.Examples,
	}
	return decorate(nullable(base, null), m), nil
}

// parameter is one parameter object (docs/fastapi-compat.md §4.6).
func (b *builder) parameter(f params.Field) (*openapi3.ParameterRef, error) {
	s, err := b.fieldSchema(f)
	if err != nil {
		return nil, err
	}
	p := &openapi3.Parameter{
		Name:        f.Name,
		In:          string(f.In),
		Required:    f.Required || f.In == params.InPath,
		Description: f.Description,
		Deprecated:  f.Deprecated,
		Schema:      s,
	}
	if !p.Required {
		b.optional = append(b.optional, p)
	}
	return &openapi3.ParameterRef{Value: p}, nil
}

// body is the requestBody: a single JSON value, or the fields of a form,
// multipart or embedded JSON body as the component Body_<id> (docs/fastapi-compat.md §1.3,
// §4.5).
func (b *builder) body(body *Body, uid, opID string) (*openapi3.RequestBodyRef, error) {
	var schema *openapi3.SchemaRef
	mediaType := body.MediaType
	if len(body.Fields) > 0 {
		name := "Body_" + uid
		if _, taken := b.s.fixed[name]; taken {
			// Two routes with the same default id, told apart by an
			// explicit operationId.
			name = "Body_" + opID
			if _, taken := b.s.fixed[name]; taken {
				return nil, fmt.Errorf("openapi: request body component %s is already used by another route", name)
			}
		}
		comp := &openapi3.Schema{
			Type:       &openapi3.Types{"object"},
			Title:      name,
			Properties: openapi3.Schemas{},
		}
		form, file := false, false
		for _, f := range body.Fields {
			form = form || f.In == params.InForm
			file = file || f.In == params.InFile
			if f.Hidden {
				continue
			}
			s, err := b.fieldSchema(f)
			if err != nil {
				return nil, err
			}
			comp.Properties[f.Name] = s
			if f.Required {
				comp.Required = append(comp.Required, f.Name)
			}
		}
		if mediaType == "" {
			switch {
			case file:
				mediaType = "multipart/form-data"
			case form:
				mediaType = "application/x-www-form-urlencoded"
			}
		}
		schema = b.s.fixedRef(comp.Title, comp)
	} else if body.Type != nil {
		s, err := b.s.of(body.Type)
		if err != nil {
			return nil, fmt.Errorf("%w (request body)", err)
		}
		s = nullable(s, body.Type.Kind() == reflect.Pointer && !body.Required)
		switch {
		case s.Ref != "":
		case body.Name != "":
			decorate(s, meta{title: wireTitle(body.Name)})
		case body.Type.Kind() == reflect.Pointer && body.Type.Elem().Name() != "":
			// An optional whole body: titled after its type, as FastAPI titles
			// it after the parameter (`item: Item | None` gives "Item").
			decorate(s, meta{title: displayName(body.Type.Elem())})
		}
		schema = s
	} else {
		schema = &openapi3.SchemaRef{Value: &openapi3.Schema{}}
	}
	if mediaType == "" {
		mediaType = "application/json"
	}
	rb := &openapi3.RequestBody{
		Required: body.Required,
		Content:  openapi3.Content{mediaType: &openapi3.MediaType{Schema: schema}},
	}
	return &openapi3.RequestBodyRef{Value: rb}, nil
}

// statusRanges are the descriptions FastAPI gives to ranges (docs/fastapi-compat.md §6.3).
var statusRanges = map[string]string{
	"1XX": "Information", "2XX": "Success", "3XX": "Redirection",
	"4XX": "Client Error", "5XX": "Server Error", "DEFAULT": "Default Response",
}

// bodyAllowed reports whether a response with status may have content.
func bodyAllowed(status int) bool {
	return status >= 200 && status != 204 && status != 205 && status != 304
}

// responses is the operation's responses object (docs/fastapi-compat.md §6.3, §5.3).
func (b *builder) responses(r *Route, uid string) (*openapi3.Responses, error) {
	out := openapi3.NewResponses()
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	key := strconv.Itoa(status)
	desc := r.ResponseDescription
	if desc == "" {
		desc = "Successful Response"
	}
	ok := &openapi3.Response{Description: &desc}
	if bodyAllowed(status) && !r.NoResponseContent && r.ResponseMediaType != "" {
		var schema *openapi3.SchemaRef
		if r.ResponseSchema != nil {
			v := *r.ResponseSchema // a copy: the route's value is not the document's
			schema = &openapi3.SchemaRef{Value: &v}
		} else {
			s, err := b.s.of(r.Response)
			if err != nil {
				return nil, fmt.Errorf("%w (response)", err)
			}
			schema = s
		}
		ok.Content = openapi3.Content{r.ResponseMediaType: &openapi3.MediaType{Schema: schema}}
	} else if bodyAllowed(status) && !r.NoResponseContent {
		schema := &openapi3.SchemaRef{Value: &openapi3.Schema{}}
		// A handler returning `any` is FastAPI's endpoint without a return
		// annotation: no response model, "schema": {} (docs/fastapi-compat.md §6.3).
		if r.Response != nil && r.Response != reflect.TypeFor[any]() {
			s, err := b.s.of(r.Response)
			if err != nil {
				return nil, fmt.Errorf("%w (response)", err)
			}
			if s.Ref == "" {
				// FastAPI titles an inline response schema after the
				// route: "Response Read Items Items  Get".
				decorate(s, meta{title: wireTitle("Response_" + uid)})
			}
			schema = s
		}
		ok.Content = openapi3.Content{"application/json": &openapi3.MediaType{Schema: schema}}
	}
	out.Set(key, &openapi3.ResponseRef{Value: ok})

	for _, code := range sortedKeys(r.Responses) {
		extra := r.Responses[code]
		k := strings.ToUpper(code)
		if k == "DEFAULT" {
			k = "default"
		}
		var resp *openapi3.Response
		if ref := out.Value(k); ref != nil {
			resp = ref.Value
		} else {
			resp = &openapi3.Response{}
			out.Set(k, &openapi3.ResponseRef{Value: resp})
		}
		if extra.Type != nil {
			s, err := b.s.of(extra.Type)
			if err != nil {
				return nil, fmt.Errorf("%w (response %s)", err, code)
			}
			mt := extra.MediaType
			if mt == "" {
				mt = "application/json"
			}
			if resp.Content == nil {
				resp.Content = openapi3.Content{}
			}
			resp.Content[mt] = &openapi3.MediaType{Schema: s}
		}
		d := extra.Description
		if d == "" {
			d = statusRanges[strings.ToUpper(code)]
		}
		if d == "" {
			if n, err := strconv.Atoi(code); err == nil {
				d = keel.StatusText(n)
			}
		}
		if d == "" {
			d = "Additional Response"
		}
		resp.Description = &d
	}

	vs := "422"
	if b.cfg.ValidationStatus != 0 {
		vs = strconv.Itoa(b.cfg.ValidationStatus)
	}
	if r.HasValidatedInputs && out.Value(vs) == nil && out.Value(vs[:1]+"XX") == nil && out.Value("default") == nil {
		d := "Validation Error"
		var content openapi3.Content
		if b.cfg.ProblemDetails {
			content = openapi3.Content{"application/problem+json": &openapi3.MediaType{Schema: b.validationProblem()}}
		} else {
			content = openapi3.Content{"application/json": &openapi3.MediaType{Schema: b.validationSchemas()}}
		}
		out.Set(vs, &openapi3.ResponseRef{Value: &openapi3.Response{Description: &d, Content: content}})
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// validationSchemas adds ValidationError and HTTPValidationError exactly as
// docs/fastapi-compat.md §5.3 and returns a $ref to HTTPValidationError.
// validationProblem is the RFC 9457 form of the validation response, for apps
// that render errors as problem details: {"type","title","status","detail",
// "errors":[ValidationError]}.
func (b *builder) validationProblem() *openapi3.SchemaRef {
	if s, ok := b.s.fixed["ValidationProblem"]; ok {
		return &openapi3.SchemaRef{Ref: refPrefix + "ValidationProblem", Value: s}
	}
	veRef := b.validationError()
	str := func(title string) *openapi3.SchemaRef {
		return &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Title: title}}
	}
	return b.s.fixedRef("ValidationProblem", &openapi3.Schema{
		Title: "ValidationProblem",
		Type:  &openapi3.Types{"object"},
		Properties: openapi3.Schemas{
			"type":   str("Type"),
			"title":  str("Title"),
			"status": {Value: &openapi3.Schema{Type: &openapi3.Types{"integer"}, Title: "Status"}},
			"detail": str("Detail"),
			"errors": {Value: &openapi3.Schema{Title: "Errors", Type: &openapi3.Types{"array"}, Items: veRef}},
		},
		Required: []string{"type", "title", "status"},
	})
}

// validationError defines the ValidationError component (docs/fastapi-compat.md §5.3).
func (b *builder) validationError() *openapi3.SchemaRef {
	if s, ok := b.s.fixed["ValidationError"]; ok {
		return &openapi3.SchemaRef{Ref: refPrefix + "ValidationError", Value: s}
	}
	str := func(title string) *openapi3.SchemaRef {
		return &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Title: title}}
	}
	ve := &openapi3.Schema{
		Title: "ValidationError",
		Type:  &openapi3.Types{"object"},
		Properties: openapi3.Schemas{
			"loc": {Value: &openapi3.Schema{
				Title: "Location",
				Type:  &openapi3.Types{"array"},
				Items: &openapi3.SchemaRef{Value: &openapi3.Schema{AnyOf: openapi3.SchemaRefs{
					{Value: typeSchema("string")}, {Value: typeSchema("integer")},
				}}},
			}},
			"msg":   str("Message"),
			"type":  str("Error Type"),
			"input": {Value: &openapi3.Schema{Title: "Input"}},
			"ctx":   {Value: &openapi3.Schema{Title: "Context", Type: &openapi3.Types{"object"}}},
		},
		Required: []string{"loc", "msg", "type"},
	}
	return b.s.fixedRef("ValidationError", ve)
}

func (b *builder) validationSchemas() *openapi3.SchemaRef {
	if s, ok := b.s.fixed["HTTPValidationError"]; ok {
		return &openapi3.SchemaRef{Ref: refPrefix + "HTTPValidationError", Value: s}
	}
	veRef := b.validationError()
	hve := &openapi3.Schema{
		Title: "HTTPValidationError",
		Type:  &openapi3.Types{"object"},
		Properties: openapi3.Schemas{
			"detail": {Value: &openapi3.Schema{
				Title: "Detail",
				Type:  &openapi3.Types{"array"},
				Items: veRef,
			}},
		},
	}
	return b.s.fixedRef("HTTPValidationError", hve)
}

package params

import "reflect"

// Location is where a parameter is read from.
type Location string

// The locations, in the order FastAPI validates and documents them (docs/fastapi-compat.md §3.3, §4.6).
const (
	InPath   Location = "path"
	InQuery  Location = "query"
	InHeader Location = "header"
	InCookie Location = "cookie"
	InForm   Location = "form" // urlencoded or multipart field; errors use "body"
	InFile   Location = "file" // multipart file; errors use "body"
	InBody   Location = "body" // JSON body (whole or embedded under Name)
)

// Field describes one bound value of a parameter struct, as parsed at
// registration. The openapi package documents parameters and bodies from it.
type Field struct {
	In       Location
	Name     string       // wire name: used for lookup, in error locations and in OpenAPI
	GoName   string       // the struct field's name
	Index    []int        // reflect field index within the parameter struct
	Type     reflect.Type // the field's Go type (pointer kept: *T means optional)
	Required bool
	// Default is the parsed default value (of the element type), nil when none.
	Default     any
	Constraints Constraints
	Title       string // explicit `title` tag, else "" (openapi derives it)
	Description string
	Deprecated  bool
	Examples    []any
	// Format is an explicit `format` tag (for example "password"), for OpenAPI.
	Format string
	// Hidden is set by the `hidden:"true"` tag: bound but left out of OpenAPI.
	Hidden bool
}

// Package params is the vocabulary of request parameters: the struct tags that
// say where a field comes from, the File type of uploads, and the description
// of a bound field (Field) that the OpenAPI layer documents.
//
// A parameter struct tags each field with where it comes from:
//
//	type ItemParams struct {
//		ID    int     `path:"id"`
//		Limit int     `query:"limit" default:"10" validate:"gte=1,lte=100"`
//		Q     *string `query:"q" validate:"max=50"`
//		Token string  `header:"x-token"`
//	}
//
// A handler or provider that takes such a struct gets it bound and validated
// per request, with FastAPI's rules and error format (docs/fastapi-compat.md
// §4, §5); the App compiles each struct once, at registration, and reports a
// misdeclared field then. docs/parameters.md documents the tag vocabulary,
// coercion, constraints and where Keel differs from FastAPI.
package params

// Package params binds HTTP requests into typed Go structs and validates them
// with FastAPI's rules and error format (docs/fastapi-compat.md §4, §5).
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
// A Compiler (one per App) compiles such a struct once into a Binder; per
// request, ReadBody reads the body and Binder.Bind fills a value, returning a
// *keel.ValidationError that lists every problem, in FastAPI's order and
// shape, or a *keel.HTTPError for a body that cannot be read. All reflection
// and tag parsing happens in Compiler.Struct; Bind runs precompiled closures
// and, for query, path, header and cookie values, allocates nothing on
// success.
//
// docs/parameters.md documents the tag vocabulary, coercion, constraints and
// where Keel differs from FastAPI.
package params

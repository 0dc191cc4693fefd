// Package openapi renders Keel's OpenAPI 3.1 document and serves it with its
// documentation pages, as FastAPI does (docs/fastapi-compat.md §6).
//
// It is data in, bytes out. The router walks each route's compiled dependency
// graph and fills a Route (parameters in FastAPI's order, the body, the
// security requirement with merged scopes, the result type); Build turns the
// routes into a kin-openapi document and its compact JSON, marshalled once.
// Go types become JSON Schema the way Pydantic writes models: named structs
// and Enum types are components referenced with $ref, optional values are
// anyOf with {"type": "null"}, validate tags become keywords.
//
// Pages (or Mount, on an http.ServeMux) serves the JSON at /openapi.json,
// Swagger UI at /docs with its assets embedded from github.com/swaggo/files/v2
// (no internet access needed), its OAuth2 redirect page at
// /docs/oauth2-redirect, and ReDoc at /redoc. Every URL is configurable and
// every page can be turned off.
package openapi

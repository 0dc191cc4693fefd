// Package keel holds the vocabulary every layer of Keel shares: the HTTP error a
// handler or provider returns to choose a response, and the validation error the
// parameter binder returns to produce a 422.
//
// Keel itself is spread over packages that import each other in one direction:
// di (dependency injection), params (request binding and validation), security
// (authentication schemes as providers), openapi (the generated document and the
// documentation pages) and router (the http.Handler that ties them together).
// Start with router.New.
package keel

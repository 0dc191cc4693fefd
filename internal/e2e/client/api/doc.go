// Package api is the Go client oapi-codegen generates from the example's
// OpenAPI document, into api.gen.go (not committed: TestGeneratedClient
// generates it from the running example's /openapi.json in a copy of this
// module). To generate it here from the committed golden document (GOWORK=off:
// this module is not in the repository's go.work):
//
//	GOWORK=off go generate ./api
package api

//go:generate go tool oapi-codegen -config ../oapi-codegen.yaml -o api.gen.go ../../../../cmd/example/testdata/openapi.json

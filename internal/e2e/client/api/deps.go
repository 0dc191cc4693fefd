//go:build keel_generated_deps

package api

// The generated client (api.gen.go, not committed) imports the runtime below.
// This file lists it so that go mod tidy, which reads files of every build tag,
// keeps it in go.mod; the build tag keeps it out of every build.
import _ "github.com/oapi-codegen/runtime"

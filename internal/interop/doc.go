// Package interop holds Keel's tests that need a module the framework does not
// import: an independent HTTP Digest client (github.com/icholy/digest) and a
// goroutine leak checker (go.uber.org/goleak). It is a module of its own so that
// the core module requires only what the framework imports (DESIGN.md
// "Modules"); its tests are black-box, through Keel's public API over HTTP.
// It has no API: only tests.
package interop

package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/keelgo/keel/keeltest"
)

var update = flag.Bool("update", false, "rewrite testdata/openapi.json from the current document")

// TestGolden compares the example's /openapi.json with testdata/openapi.json.
// After an intended change, regenerate it:
//
//	go test ./cmd/example -run Golden -update
func TestGolden(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, get("/openapi.json")).ExpectStatus(200).ExpectHeader("Content-Type", "application/json")
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, r.Body, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", "openapi.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/example -run Golden -update)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		keeltest.EqualJSON(t, pretty.Bytes(), want) // lists what changed, by path
		t.Errorf("/openapi.json differs from %s (run go test ./cmd/example -run Golden -update if intended)", path)
	}
}

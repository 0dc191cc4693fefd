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

// TestEveryOperationTagged: /docs groups the example's operations under the
// document's tags (the security tutorial, the other schemes, items), as a
// FastAPI app's page does; an operation without one of them would land in a
// "default" list.
func TestEveryOperationTagged(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, get("/openapi.json")).ExpectStatus(200)
	var doc struct {
		Tags []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"tags"`
		Paths map[string]map[string]struct {
			Tags []string `json:"tags"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, tag := range doc.Tags {
		if tag.Description == "" {
			t.Errorf("tag %q has no description", tag.Name)
		}
		declared[tag.Name] = true
	}
	if len(declared) != 3 {
		t.Errorf("tags %v, want the tutorial's, the other schemes' and the items'", doc.Tags)
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if len(op.Tags) != 1 || !declared[op.Tags[0]] {
				t.Errorf("%s %s has tags %q, want one of the document's", method, path, op.Tags)
			}
		}
	}
}

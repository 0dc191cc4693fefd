// Package docstest compiles every Go code block of README.md and docs/*.md, so
// the guides cannot drift from the API. Each ```go block must be a complete file
// (a package clause and its imports).
//
// This is a module of its own: the guides import modules the framework does not
// (SQLite, bcrypt), and Keel's own go.mod requires only what Keel imports. The
// blocks are compiled in this module, so imports.go lists what they import.
package docstest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var block = regexp.MustCompile("(?s)```go\n(.*?)```")

func TestDocsCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every documentation snippet")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append(files, filepath.Join(root, "README.md"))
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	work, err := os.MkdirTemp(filepath.Join(here, "testdata"), "blocks-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(work)
	var pkgs []string
	where := map[string]string{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range block.FindAllSubmatchIndex(src, -1) {
			code := src[m[2]:m[3]]
			line := bytes.Count(src[:m[2]], []byte("\n")) + 1
			name := fmt.Sprintf("%s:%d", filepath.Base(f), line)
			if !bytes.HasPrefix(bytes.TrimSpace(code), []byte("package ")) {
				t.Errorf("%s: a ```go block must be a complete file starting with a package clause", name)
				continue
			}
			dir := filepath.Join(work, fmt.Sprintf("%s_%d", strings.TrimSuffix(filepath.Base(f), ".md"), i))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			file := "main.go"
			if bytes.Contains(code, []byte("\nfunc Test")) || bytes.Contains(code, []byte("\nfunc Example")) {
				file = "x_test.go"
			}
			if err := os.WriteFile(filepath.Join(dir, file), code, 0o644); err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(here, dir)
			pkgs = append(pkgs, "./"+rel)
			where["./"+rel] = name
		}
	}
	if len(pkgs) == 0 {
		t.Skip("no Go blocks")
	}
	cmd := exec.Command("go", append([]string{"vet"}, pkgs...)...)
	cmd.Dir = here
	// This module's go.mod alone, as a reader's module would be.
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := string(out)
		for p, n := range where {
			msg = strings.ReplaceAll(msg, strings.TrimPrefix(p, "./"), n)
		}
		if strings.Contains(msg, "no required module provides package") {
			msg += "\n(a guide imports a package this module does not require: add it to imports.go, then go mod tidy)"
		}
		t.Fatalf("documentation code does not compile:\n%s", msg)
	}
}

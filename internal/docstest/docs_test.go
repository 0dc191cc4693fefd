// Package docstest runs the documentation: README.md and docs/*.md.
//
// Every ```go block must be a complete file (a package clause and its imports).
// Blocks are compiled (go vet); blocks with Test or Example functions are run
// (go test). Every response a page shows is executed, by this convention:
//
//   - A response is shown only as the output of a "$ curl ..." command in a
//     ```sh block (a transcript). The transcript runs against the nearest Go
//     program above it on the page (a `package main` block with func main):
//     the test builds that program, serves it where its http.ListenAndServe
//     call says (on a free port; URLs name the address the program names, as
//     http://127.0.0.1:8000/...), sends each command's request and compares the
//     answer with the lines shown below the command.
//   - `curl -i` output is the status line, the headers, a blank line and the
//     body. Every header sent must be shown except Date and Content-Length, and
//     every header shown must be sent with that value. Without -i the output is
//     the body alone.
//   - JSON bodies are compared parsed (key order free, numbers by value);
//     other bodies as text. "..." elides: any text inside a header value, a text
//     body or a JSON string; the remaining members as the last member of an
//     object ({"type":"missing",...}); the remaining elements as the last
//     element of an array.
//   - `curl ... | jq PATH` shows a part of a JSON answer (PATH as .a.b,
//     .a["/x"], .a[0]); `NAME=$(curl ... | jq -r PATH)` keeps it for later
//     commands ("$NAME"). Programs run with JWT_SECRET set.
//   - curl is emulated (curl_test.go): the options the guides use are
//     supported, and any other is an error. Requests are sent as raw bytes, so
//     a guide may show what net/http's client would refuse to send
//     ($'\x7f' in a header, bytes that are not UTF-8 in a body).
//
// A transcript that needs what this test cannot start (several instances of
// the example, Redis, a reverse proxy) is marked on the line before its fence
// with <!-- docstest:checked-by PATH -->: the test file PATH runs it, and
// must request every URL path it shows; TestDocs does not.
//
// A page that shows a request with its answer in any other form (a status line
// outside a transcript, "GET /x answers 401" in prose) fails
// TestDocsShowOnlyExecutedAnswers.
//
// This is a module of its own: the guides import modules the framework does not
// (SQLite, bcrypt), and Keel's own go.mod requires only what Keel imports. The
// blocks are compiled in this module, so imports.go lists what they import.
package docstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// workDir holds the generated packages between runs, under stable names, so
// that the go command's build and test caches make a run without changes fast.
const workDir = "testdata/work"

func TestDocs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every documentation program")
	}
	t.Parallel()
	root := repoRoot(t)
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := loadPages(root)
	if err != nil {
		t.Fatal(err)
	}
	unlock := lockWork(t, filepath.Join(here, workDir))
	defer unlock()

	// 1. Every Go block as a package of its own: compiled, and run if it has tests.
	blocksDir := filepath.Join(here, workDir, "blocks")
	var vetPkgs, testPkgs []string
	where := map[string]string{}
	keep := map[string]bool{}
	var programs []*block
	for _, p := range pages {
		for _, b := range p.blocks {
			if b.lang == "go" {
				code := strings.Join(b.body, "\n") + "\n"
				if !strings.HasPrefix(strings.TrimSpace(code), "package ") {
					t.Errorf("%s: a ```go block must be a complete file starting with a package clause", b.where())
					continue
				}
				dir := filepath.Join(blocksDir, b.name())
				keep[b.name()] = true
				file := "main.go"
				if b.test {
					file = "x_test.go"
				}
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				removeOthers(t, dir, file, adaptersFile)
				if err := writeIfChanged(filepath.Join(dir, file), []byte(code)); err != nil {
					t.Fatal(err)
				}
				if err := generateAdapters(dir, file, code); err != nil {
					t.Errorf("%s: %v", b.where(), err)
				}
				rel := "./" + filepath.ToSlash(filepath.Join(workDir, "blocks", b.name()))
				where[strings.TrimPrefix(rel, "./")] = b.where()
				if b.test {
					testPkgs = append(testPkgs, rel)
				} else {
					vetPkgs = append(vetPkgs, rel)
				}
			}
			if b.runsOn != nil && !slices.Contains(programs, b.runsOn) {
				programs = append(programs, b.runsOn)
			}
		}
	}
	removeStale(t, blocksDir, keep)
	goCmd(t, here, where, "documentation code does not compile", append([]string{"vet"}, vetPkgs...)...)
	if len(testPkgs) > 0 {
		goCmd(t, here, where, "documentation tests fail", append([]string{"test"}, testPkgs...)...)
	}
	if t.Failed() || len(programs) == 0 {
		return
	}

	// 2. The programs that transcripts run against, in one binary.
	runDir := filepath.Join(here, workDir, "run")
	keepRun := map[string]bool{"serve": true}
	for _, p := range programs {
		keepRun[p.name()] = true
	}
	removeStale(t, runDir, keepRun)
	base := goOutput(t, here, "list", "-f", "{{.ImportPath}}", ".") + "/" + workDir + "/run"
	if err := writeRunner(runDir, blocksDir, base, programs); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(here, workDir, "runner")
	goCmd(t, here, map[string]string{}, "the documentation programs do not build", "build", "-o", bin, "./"+workDir+"/run")
	if t.Failed() {
		return
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	env := append(os.Environ(), "JWT_SECRET="+hex.EncodeToString(secret))
	r, err := startRunner(bin, t.TempDir(), env, programs)
	if err != nil {
		t.Fatal(err)
	}
	defer r.stop()

	// 3. Every transcript, in page order.
	n := 0
	for _, p := range pages {
		vars := map[*block]map[string]string{}
		for _, b := range p.blocks {
			if b.runsOn == nil {
				continue
			}
			if vars[b.runsOn] == nil {
				vars[b.runsOn] = map[string]string{}
			}
			for _, e := range b.transcript {
				n++
				if err := runExchange(r, e, vars[b.runsOn]); err != nil {
					t.Errorf("%s: %s\n  $ %s", e.where(), err, e.command)
				}
			}
		}
	}
	t.Logf("%d programs, %d commands", len(programs), n)
}

var assignment = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(.*)$`)

// runExchange runs one transcript command against its program.
func runExchange(r *runner, e *exchange, vars map[string]string) error {
	cmd := e.command
	name := ""
	if m := assignment.FindStringSubmatch(cmd); m != nil {
		name, cmd = m[1], m[2]
		if !strings.HasPrefix(cmd, "$(") || !strings.HasSuffix(cmd, ")") {
			words, err := shellWords(cmd, vars)
			if err != nil || len(words) != 1 {
				return fmt.Errorf("an assignment must be NAME=value or NAME=$(curl ... | jq -r PATH)")
			}
			vars[name] = words[0]
			return nil
		}
		cmd = cmd[2 : len(cmd)-1]
	}
	words, err := shellWords(cmd, vars)
	if err != nil {
		return err
	}
	var jq []string
	if i := slices.Index(words, "|"); i >= 0 {
		words, jq = words[:i], words[i+1:]
		if len(jq) == 2 && jq[0] == "jq" {
			jq = []string{"jq", "", jq[1]}
		}
		if len(jq) != 3 || jq[0] != "jq" || (jq[1] != "-r" && jq[1] != "") {
			return fmt.Errorf("the only pipe supported is to jq [-r] PATH")
		}
	}
	req, err := parseCurl(words)
	if err != nil {
		return err
	}
	addr, err := r.addr(e.block.runsOn, req.url.Host)
	if err != nil {
		return err
	}
	resp, err := req.send(addr)
	if err != nil {
		return err
	}
	if jq != nil {
		if req.include {
			return fmt.Errorf("curl -i output cannot be piped to jq")
		}
		v, err := jqPath(resp.body, jq[2], jq[1] == "-r")
		if err != nil {
			return fmt.Errorf("%v (status %s)", err, resp.statusLine)
		}
		resp = &response{statusLine: resp.statusLine, body: []byte(v)}
	}
	if name != "" {
		if len(e.output) > 0 {
			return fmt.Errorf("an assignment prints nothing; move the output shown to a command of its own")
		}
		if jq == nil {
			return fmt.Errorf("NAME=$(curl ...) must pipe to jq -r PATH")
		}
		vars[name] = string(resp.body)
		return nil
	}
	if d := matchOutput(req.include, e.output, resp); d != "" {
		return fmt.Errorf("%s\n  response: %s %q %q", d, resp.statusLine, resp.headers, resp.body)
	}
	return nil
}

// goCmd runs the go command in dir with this module's go.mod alone (as a
// reader's module would be), reporting failures with block names for paths.
func goCmd(t *testing.T, dir string, where map[string]string, what string, args ...string) {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("go %s: %.1fs", args[0], time.Since(start).Seconds()) }()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := string(out)
		for p, n := range where {
			msg = strings.ReplaceAll(msg, p+"/main.go", n)
			msg = strings.ReplaceAll(msg, p+"/x_test.go", n)
			msg = strings.ReplaceAll(msg, p, n)
		}
		if strings.Contains(msg, "no required module provides package") {
			msg += "\n(a guide imports a package this module does not require: add it to imports.go, then go mod tidy)"
		}
		t.Errorf("%s (go %s):\n%s", what, args[0], msg)
	}
}

func goOutput(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// removeStale deletes the directories under dir that this run did not generate.
func removeStale(t *testing.T, dir string, keep map[string]bool) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() && !keep[e.Name()] {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// adaptersFile is what cmd/keeladapt writes for a block with its go:generate
// line (keeladaptLine): the block's program compiles and runs with it, as the
// reader's would after go generate.
const (
	adaptersFile  = "keel_adapters.go"
	keeladaptLine = "//go:generate go run github.com/keelgo/keel/cmd/keeladapt"
)

// generateAdapters runs the block's go generate line, when it has one and
// the adapters are missing or older than the block, and removes a stale
// adapters file when it has none.
func generateAdapters(dir, file, code string) error {
	out := filepath.Join(dir, adaptersFile)
	if !strings.Contains(code, keeladaptLine) {
		os.Remove(out)
		return nil
	}
	src, err := os.Stat(filepath.Join(dir, file))
	if err != nil {
		return err
	}
	if gen, err := os.Stat(out); err == nil && !gen.ModTime().Before(src.ModTime()) {
		return nil
	}
	cmd := exec.Command("go", "generate", ".")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go generate: %v\n%s", err, b)
	}
	return nil
}

// removeOthers deletes the files of dir other than keep.
func removeOthers(t *testing.T, dir string, keep ...string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !slices.Contains(keep, e.Name()) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

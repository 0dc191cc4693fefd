package docstest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// setupMarker names the shell block after it as a way to start the tutorial:
// <!-- docstest:setup workspace -->.
var setupMarker = regexp.MustCompile(`^<!-- docstest:setup (\S+) -->$`)

// TestTutorialSetup follows docs/tutorial.md as a reader would, in a directory
// outside the repository: it runs each documented way to start (the shell
// blocks marked "docstest:setup", with ../keel standing for this checkout's
// path), writes each step's Go file, and runs the step's commands (go get,
// go run, rm, go test). "go run ." is checked with go vet, since the programs
// serve forever. Modules come from the local module cache when it has them
// (GOPROXY=file://...), so the test runs offline on a machine that has built
// Keel; it falls back to the configured proxy for what is missing. The
// directory is the same from run to run (under the user cache directory), so
// that the go command's caches make a run without changes fast.
func TestTutorialSetup(t *testing.T) {
	if testing.Short() {
		t.Skip("creates modules and builds the tutorial's steps")
	}
	t.Parallel()
	root := repoRoot(t)
	tut, err := loadPages(root)
	if err != nil {
		t.Fatal(err)
	}
	var p *page
	for _, pg := range tut {
		if pg.name == "docs/tutorial.md" {
			p = pg
		}
	}
	if p == nil {
		t.Fatal("docs/tutorial.md not found")
	}
	setups := map[string]*block{}
	for _, b := range p.blocks {
		if b.line >= 2 {
			if m := setupMarker.FindStringSubmatch(strings.TrimSpace(p.lines[b.line-2])); m != nil {
				setups[m[1]] = b
			}
		}
	}
	for _, want := range []string{"workspace", "replace"} {
		if setups[want] == nil {
			t.Fatalf("docs/tutorial.md has no shell block marked <!-- docstest:setup %s -->", want)
		}
	}
	userCache, err := os.UserCacheDir()
	if err != nil {
		userCache = os.TempDir()
	}
	sum := sha256.Sum256([]byte(root))
	cache := filepath.Join(userCache, "keel-docstest", hex.EncodeToString(sum[:6]))
	modcache := goOutput(t, ".", "env", "GOMODCACHE")
	proxy := goOutput(t, ".", "env", "GOPROXY")
	cacheProxy := "file://" + filepath.ToSlash(filepath.Join(modcache, "cache", "download"))
	if proxy != "" && proxy != "off" {
		cacheProxy += "," + proxy
	}

	for _, name := range []string{"workspace", "replace"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(cache, name)
			unlock := lockWork(t, dir)
			defer unlock()
			if err := os.RemoveAll(filepath.Join(dir, "tutorial")); err != nil {
				t.Fatal(err)
			}
			env := append(os.Environ(), "GOWORK=", "GOFLAGS=", "GOPROXY="+cacheProxy, "GOSUMDB=off")
			if name == "replace" {
				env = append(env, "GOFLAGS=-mod=mod")
			}
			sh := func(where, cwd, script string) {
				t.Helper()
				cmd := exec.Command("bash", "-euc", script)
				cmd.Dir = cwd
				cmd.Env = env
				start := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: %v\n$ %s\n%s", where, err, strings.ReplaceAll(script, "\n", "\n$ "), out)
				}
				t.Logf("%s: %s (%.1fs)", where, strings.ReplaceAll(script, "\n", "; "), time.Since(start).Seconds())
			}
			setup := setups[name]
			sh(setup.where(), dir, strings.ReplaceAll(strings.Join(setup.body, "\n"), "../keel", root))
			mod := filepath.Join(dir, "tutorial")
			if _, err := os.Stat(filepath.Join(mod, "go.mod")); err != nil {
				t.Fatalf("%s: the setup did not create tutorial/go.mod", setup.where())
			}
			tidied := false
			steps := 0
			for _, b := range p.blocks {
				if b.line <= setup.line {
					continue
				}
				switch {
				case b.lang == "go" && b.program:
					steps++
					write(t, filepath.Join(mod, "main.go"), b.body)
				case b.lang == "go" && b.test:
					steps++
					write(t, filepath.Join(mod, "main_test.go"), b.body)
				case b.lang == "sh" && b.transcript == nil && b.runsOn == nil && setupMarkerBefore(p, b) == "":
					for _, l := range b.body {
						l = strings.TrimSpace(l)
						switch {
						case l == "":
						case strings.HasSuffix(l, "go run ."):
							if name == "replace" && !tidied {
								// The setup's text: run go mod tidy once main.go is written.
								sh(b.where(), mod, "go mod tidy")
								tidied = true
							}
							sh(fmt.Sprintf("%s (go run . checked with go vet)", b.where()), mod, "go vet .")
						case strings.HasPrefix(l, "go get "), strings.HasPrefix(l, "rm "), strings.HasPrefix(l, "go test "):
							sh(b.where(), mod, l)
						case strings.HasPrefix(l, "mkdir ") || strings.HasPrefix(l, "go mod init"):
							// another setup's lines
						default:
							t.Fatalf("%s: the setup test does not know the command %q", b.where(), l)
						}
					}
				}
				// The replace setup is checked on step 1 only; the workspace
				// follows the whole tutorial.
				if name == "replace" && tidied {
					return
				}
			}
			if steps < 5 {
				t.Fatalf("followed %d steps of the tutorial, want 5", steps)
			}
		})
	}
}

func setupMarkerBefore(p *page, b *block) string {
	if b.line < 2 {
		return ""
	}
	if m := setupMarker.FindStringSubmatch(strings.TrimSpace(p.lines[b.line-2])); m != nil {
		return m[1]
	}
	return ""
}

func write(t *testing.T, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// exampleBin and providerBin are the example server's binary and the OpenID
// provider's (internal/oidcprovider), built once by TestMain before any test
// runs and never changed afterwards; empty when KEEL_E2E is not set.
var exampleBin, providerBin string

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	if os.Getenv("KEEL_E2E") != "1" {
		return m.Run() // every test skips itself
	}
	dir, err := os.MkdirTemp("", "keel-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The example and the OpenID provider are modules of their own
	// (cmd/example/go.mod, internal/oidcprovider/go.mod: Keel's modules never
	// require zitadel/oidc), built at the same time: on a fresh machine one
	// downloads modules while the other compiles.
	builds := []struct {
		dir, bin string
		dst      *string
	}{
		{filepath.Join(repoRoot(), "cmd", "example"), filepath.Join(dir, "example"), &exampleBin},
		{filepath.Join(repoRoot(), "internal", "oidcprovider"), filepath.Join(dir, "oidcprovider"), &providerBin},
	}
	// KEEL_EXAMPLE_BIN and KEEL_OIDC_PROVIDER_BIN name binaries already built
	// from those modules (scripts/test-all.sh builds each once and shares it
	// between its steps): they are used as they are.
	prebuilt := []string{os.Getenv("KEEL_EXAMPLE_BIN"), os.Getenv("KEEL_OIDC_PROVIDER_BIN")}
	errs := make([]error, len(builds))
	var wg sync.WaitGroup
	for i, b := range builds {
		if prebuilt[i] != "" {
			if _, err := os.Stat(prebuilt[i]); err != nil {
				errs[i] = fmt.Errorf("a prebuilt binary of %s: %v", b.dir, err)
			}
			builds[i].bin = prebuilt[i]
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := goCmd(ctx, b.dir, "build", "-o", b.bin, ".").CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("cannot build %s: %v\n%s", b.dir, err, out)
			}
		}()
	}
	wg.Wait()
	for i, b := range builds {
		if errs[i] != nil {
			fmt.Fprintln(os.Stderr, "e2e:", errs[i])
			return 1
		}
		*b.dst = b.bin
	}
	return m.Run()
}

// requireE2E skips the test unless KEEL_E2E=1.
func requireE2E(t *testing.T) {
	t.Helper()
	if os.Getenv("KEEL_E2E") != "1" {
		t.Skip("end-to-end check: set KEEL_E2E=1 (scripts/test-all.sh does)")
	}
}

// repoRoot is the repository's root: tests run in their package directory,
// internal/e2e.
func repoRoot() string {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return root
}

// goCmd is the go command, run in dir, without a workspace (the repository's
// go.work): the example and the client module are built on their own go.mod.
func goCmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	return cmd
}

// example is one running example server.
type example struct {
	// URL is the server's base URL, http://127.0.0.1:PORT, without a slash.
	URL string
}

// listening matches the line the example logs when it is ready (cmd/example).
var listening = regexp.MustCompile(`msg=listening addr=(127\.0\.0\.1:\d+) `)

// startExample starts the example (with env added to its environment) on a
// random port with a fresh database in
// the test's temporary directory, waits until it listens, and kills it (by its
// process) when the test ends, whether it passed or not. The server's log is
// printed when the test failed.
func startExample(t *testing.T, env ...string) *example {
	t.Helper()
	if exampleBin == "" {
		t.Fatal("the example binary was not built (TestMain)")
	}
	log := &logWatcher{addr: make(chan string, 1)}
	cmd := exec.Command(exampleBin, "-addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(),
		"KEEL_EXAMPLE_DB="+filepath.Join(t.TempDir(), "e2e.db"),
		"KEEL_EXAMPLE_SECRET=keel-e2e-secret-0123456789abcdef0123456789abcdef",
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = log, log
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start the example: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		// Kill this process only (by its PID), and wait until it is gone.
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("example server log:\n%s", log.String())
		}
	})

	select {
	case addr := <-log.addr:
		return &example{URL: "http://" + addr}
	case <-exited:
		t.Fatalf("the example exited before listening: %v", cmd.ProcessState)
	case <-time.After(30 * time.Second):
		t.Fatal("the example did not log msg=listening within 30s")
	}
	return nil
}

// get fetches path from the example and returns the body of a 200 response.
func (ex *example) get(t *testing.T, path string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ex.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200: %s", path, res.StatusCode, body)
	}
	return body
}

// openAPIFile saves the live document of ex in dir and returns its path.
func (ex *example) openAPIFile(t *testing.T, dir string) string {
	t.Helper()
	doc := ex.get(t, "/openapi.json")
	if !bytes.HasPrefix(doc, []byte("{")) || !bytes.Contains(doc, []byte(`"openapi":"3.1.0"`)) {
		t.Fatalf("/openapi.json is not an OpenAPI 3.1.0 document: %.200s", doc)
	}
	path := filepath.Join(dir, "openapi.json")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs cmd and returns its combined output; it fails the test, with the
// output, when the command fails.
func run(t *testing.T, what string, cmd *exec.Cmd) []byte {
	t.Helper()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("%s: %s (%v)", what, strings.Join(cmd.Args, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%s failed (%v):\n%s", what, err, out)
		}
		t.Fatalf("%s: cannot run %s: %v", what, cmd.Path, err)
	}
	return out
}

// logWatcher keeps a process's output and sends, once, the address of the
// first line that matches listening. slog writes each line in one Write.
type logWatcher struct {
	addr chan string // buffered, 1

	mu   sync.Mutex
	buf  bytes.Buffer
	sent bool
}

func (w *logWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.sent {
		if m := listening.FindSubmatch(w.buf.Bytes()); m != nil {
			w.sent = true
			w.addr <- string(m[1])
		}
	}
	return len(p), nil
}

func (w *logWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// syncBuffer is a bytes.Buffer safe for concurrent writers and readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

package e2e

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGeneratedClient generates a Go client with oapi-codegen from the running
// example's /openapi.json, compiles it, and runs the client module's tests
// (client/check_test.go) against the server (issue 4, item 5b): a token from
// /token through the generated form-body method, GET /users/me/ with it (200,
// johndoe), 401 without it, and the parameter, 422 and JSON body types.
//
// oapi-codegen and its runtime live in the separate module ./client, never in
// Keel's go.mod. The test copies that module into a temporary directory,
// generates api/api.gen.go there, and runs go test in the copy; the go command
// downloads the modules on first use.
func TestGeneratedClient(t *testing.T) {
	requireE2E(t)
	ex := startExample(t)
	dir := t.TempDir()
	doc := ex.openAPIFile(t, dir)
	mod := filepath.Join(dir, "client")
	copyModule(t, "client", mod)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// -mod=mod: the copy may add go.sum lines (never written back).
	env := []string{"GOFLAGS=" + strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod")}

	gen := goCmd(ctx, mod, "tool", "oapi-codegen", "-config", "oapi-codegen.yaml", "-o", filepath.Join("api", "api.gen.go"), doc)
	gen.Env = append(gen.Env, env...)
	run(t, "oapi-codegen", gen)
	if _, err := os.Stat(filepath.Join(mod, "api", "api.gen.go")); err != nil {
		t.Fatalf("oapi-codegen wrote no client: %v", err)
	}

	vet := goCmd(ctx, mod, "vet", "./api")
	vet.Env = append(vet.Env, env...)
	run(t, "go vet of the generated client", vet)

	test := goCmd(ctx, mod, "test", "-tags", "keel_generated", "-count=1", "-v", ".")
	test.Env = append(test.Env, env...)
	test.Env = append(test.Env, "KEEL_E2E_BASE_URL="+ex.URL)
	out := run(t, "the generated client against the example", test)
	t.Logf("client module tests:\n%s", out)
	if !strings.Contains(string(out), "--- PASS: TestLoginAndReadUsersMe") || !strings.Contains(string(out), "--- PASS: TestRefusedWithoutToken") {
		t.Errorf("the client module's tests did not run (skipped?):\n%s", out)
	}
}

// copyModule copies the module in src to dst, without generated code.
func copyModule(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if strings.HasSuffix(path, ".gen.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copying the client module: %v", err)
	}
}

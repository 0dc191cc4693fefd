package app_test

import (
	"bytes"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keelgo/keel/cmd/example/app"
)

// keel_adapters.go is what go generate writes now: a function added or
// changed without running it fails here.
func TestAdaptersCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/keeladapt")
	}
	cmd := exec.Command("go", "run", "github.com/keelgo/keel/cmd/keeladapt", "-check")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("keel_adapters.go is stale (run go generate ./cmd/example/app): %v\n%s", err, out)
	}
}

// Every function the example registers is called through an adapter: the
// App logs none as called by reflection.
func TestNoReflectiveCalls(t *testing.T) {
	var logs bytes.Buffer
	a, err := app.New(app.Config{
		DBPath: filepath.Join(t.TempDir(), "example.db"),
		Secret: []byte("an example secret of 32 bytes or more"),
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if strings.Contains(logs.String(), "called by reflection") {
		t.Errorf("functions called by reflection:\n%s", logs.String())
	}
}

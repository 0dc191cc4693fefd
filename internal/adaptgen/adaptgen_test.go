package adaptgen_test

import (
	"bytes"
	"go/format"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keelgo/keel/internal/adaptgen"
	"github.com/keelgo/keel/internal/adaptgen/testdata/demo"
)

const demoDir = "testdata/demo"

// The checked-in demo file is what the generator writes now (a stale file
// fails), it is gofmt-clean, and generating again gives the same bytes.
func TestGeneratedFileIsCurrent(t *testing.T) {
	got, notes, err := adaptgen.Generate(demoDir, "keel_adapters.go")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(demoDir, "keel_adapters.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("testdata/demo/keel_adapters.go is stale; run: cd %s && go run github.com/keelgo/keel/cmd/keeladapt\n%s", demoDir, got)
	}
	if f, err := format.Source(got); err != nil || !bytes.Equal(f, got) {
		t.Errorf("output is not gofmt-clean (%v)", err)
	}
	again, _, err := adaptgen.Generate(demoDir, "keel_adapters.go")
	if err != nil || !bytes.Equal(again, got) {
		t.Errorf("a second run differs (%v)", err)
	}
	all := strings.Join(notes, "\n")
	for _, w := range []string{"local is declared inside a function", "a variadic function is called by reflection"} {
		if !strings.Contains(all, w) {
			t.Errorf("notes lack %q:\n%s", w, all)
		}
	}
	for _, w := range []string{"adapt.VE2[Params, *User, Item]()", "adapt.VCE2[context.Context, Token, *User, di.Cleanup]()",
		"adapt.VFE1[context.Context, *User]()", "adapt.E1[*User]()", "adapt.N1[*User]()", "adapt.V0[string]()", "adapt.VE1[*http.Request, Token]()"} {
		if !bytes.Contains(got, []byte(w)) {
			t.Errorf("output lacks %s", w)
		}
	}
}

// keeladapt -check fails on a stale file and passes on a current one.
func TestCheckFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	run := func(args ...string) error {
		cmd := exec.Command("go", append([]string{"run", "github.com/keelgo/keel/cmd/keeladapt"}, args...)...)
		cmd.Dir = demoDir
		return cmd.Run()
	}
	if err := run("-check"); err != nil {
		t.Errorf("-check on the current file: %v", err)
	}
	if err := run("-check", "-o", filepath.Join(t.TempDir(), "stale.go")); err == nil {
		t.Error("-check on a missing file passed")
	}
}

// The generated adapters compile with the package and are used: every
// function of the demo is called without reflection, except the two the
// generator notes.
func TestAdaptersUsed(t *testing.T) {
	app := demo.App()
	for path, want := range map[string]bool{"/items/{id}": false, "/ping": false, "/tx": false, "/local": true} {
		if got := strings.Contains(app.Graph("GET", path), "(reflect)"); got != want {
			t.Errorf("%s: reflect %v, want %v:\n%s", path, got, want, app.Graph("GET", path))
		}
	}
	r := httptest.NewRequest("GET", "/items/3?limit=1&q=a", nil)
	r.Header.Set("X-Token", "ann")
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Body.String() != `{"id":3,"owner":"ann"}` {
		t.Errorf("GET /items/3: %d %s", w.Code, w.Body)
	}
}

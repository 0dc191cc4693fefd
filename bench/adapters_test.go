package bench

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/keelgo/keel/router"
)

// keel_adapters.go is what go generate writes now, and keel-plain calls
// every function through it: a stale file would measure reflection.
func TestAdaptersCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/keeladapt")
	}
	if out, err := exec.Command("go", "run", "github.com/keelgo/keel/cmd/keeladapt", "-check").CombinedOutput(); err != nil {
		t.Fatalf("keel_adapters.go is stale (run go generate in bench/): %v\n%s", err, out)
	}
	app := NewKeelPlain().(*router.App)
	for _, r := range [][2]string{{"GET", "/ping"}, {"GET", "/items/{id}"}, {"GET", "/users/me/items"}, {"POST", "/things"}} {
		if g := app.Graph(r[0], r[1]); strings.Contains(g, "(reflect)") {
			t.Errorf("%s %s runs reflectively:\n%s", r[0], r[1], g)
		}
	}
}

//go:build !unix

package docstest

import (
	"os"
	"testing"
)

// lockWork creates the work directory; runs are not serialized on this system.
func lockWork(t *testing.T, dir string) func() {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return func() {}
}

//go:build unix

package docstest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// lockWork takes an exclusive lock on the work directory, so that two runs of
// the docs test in one checkout do not write the same files at once.
func lockWork(t *testing.T, dir string) func() {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	return func() { f.Close() }
}

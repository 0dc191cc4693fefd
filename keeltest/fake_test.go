package keeltest_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// fakeT records what keeltest reports to a test, so that the tests below can
// check failures: Errorf and Fatalf are recorded (Fatalf ends the goroutine, as
// the real one does), Cleanup is collected and run by run.
type fakeT struct {
	testing.TB // the real test, for what fakeT does not replace

	mu       sync.Mutex
	errors   []string
	fatal    string
	cleanups []func()
}

func (f *fakeT) Helper() {}

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeT) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// runCleanups runs the cleanups, last first, as testing does.
func (f *fakeT) runCleanups() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	f.cleanups = nil
}

// failures is every failure reported, in order, the fatal one last.
func (f *fakeT) failures() []string {
	out := append([]string(nil), f.errors...)
	if f.fatal != "" {
		out = append(out, "FATAL "+f.fatal)
	}
	return out
}

// run calls fn with a fakeT on a goroutine of its own, then runs the
// cleanups fn registered.
func run(t *testing.T, fn func(tb testing.TB)) *fakeT {
	t.Helper()
	f := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	f.runCleanups()
	return f
}

// expectFailures checks that the failures reported contain the given
// fragments, one failure each, in order (none when no fragment is given).
func expectFailures(t *testing.T, f *fakeT, fragments ...string) {
	t.Helper()
	got := f.failures()
	if len(got) != len(fragments) {
		t.Errorf("%d failures reported, want %d:\n%s", len(got), len(fragments), strings.Join(got, "\n---\n"))
		return
	}
	for i, frag := range fragments {
		if !strings.Contains(got[i], frag) {
			t.Errorf("failure %d:\n%s\nwant it to contain:\n%s", i, got[i], frag)
		}
	}
}

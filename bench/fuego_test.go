package bench

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"testing"
)

// TestFuegoLeavesSlogAlone checks that building the fuego application does
// not replace the process-wide logger (fuego.WithoutLogger would), and that
// serving a request through it logs nothing: its logging middleware is off.
func TestFuegoLeavesSlogAlone(t *testing.T) {
	before := slog.Default()
	var buf bytes.Buffer
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(before)
	mine := slog.Default()
	h := NewFuego()
	if slog.Default() != mine {
		t.Fatal("NewFuego replaced slog.Default")
	}
	buf.Reset() // fuego logs its routes at Debug level while registering them
	r, _ := request{method: "GET", target: "/items/42?limit=10&q=abc", header: auth("Bearer " + ItemToken)}.build()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if buf.Len() != 0 {
		t.Errorf("fuego logged while serving: %s", buf.String())
	}
}

package main

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestNewConnsWait checks newConns.wait, which the shutdown calls between
// closing the listener and Server.Shutdown: it returns as soon as every
// connection accepted has left http.StateNew (its first request read, or
// closed), and otherwise when the grace or the context ends, reporting the
// connections still new. TestGracefulShutdown checks the whole shutdown.
func TestNewConnsWait(t *testing.T) {
	// The cases that end on an event get a grace they would never reach;
	// those that end on the grace get a grace far longer than the 50 ms their
	// events wait, so that a loaded machine changes no outcome.
	const long, grace = time.Minute, time.Second
	pipe := func() net.Conn {
		a, b := net.Pipe()
		t.Cleanup(func() { a.Close(); b.Close() })
		return a
	}
	type event struct {
		conn  int
		state http.ConnState
	}
	for _, tc := range []struct {
		name   string
		before []event // before wait
		during []event // 50 ms into wait
		cancel bool    // the context is canceled 50 ms into wait
		want   int
		short  bool // returns before the grace
	}{
		{name: "no connection", want: 0, short: true},
		{name: "all active", before: []event{{0, http.StateNew}, {1, http.StateNew}, {0, http.StateActive}, {1, http.StateActive}}, want: 0, short: true},
		{name: "idle again", before: []event{{0, http.StateNew}, {0, http.StateActive}, {0, http.StateIdle}}, want: 0, short: true},
		{name: "closed new", before: []event{{0, http.StateNew}, {0, http.StateClosed}}, want: 0, short: true},
		{name: "request read during the wait", before: []event{{0, http.StateNew}, {1, http.StateNew}}, during: []event{{0, http.StateActive}, {1, http.StateActive}}, want: 0, short: true},
		{name: "one sends nothing", before: []event{{0, http.StateNew}, {1, http.StateNew}}, during: []event{{0, http.StateActive}}, want: 1},
		{name: "none sends", before: []event{{0, http.StateNew}, {1, http.StateNew}, {2, http.StateNew}}, want: 3},
		{name: "context canceled", before: []event{{0, http.StateNew}}, cancel: true, want: 1, short: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := grace
			if tc.short {
				g = long
			}
			nc := newNewConns()
			conns := []net.Conn{pipe(), pipe(), pipe()}
			for _, e := range tc.before {
				nc.connState(conns[e.conn], e.state)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				time.Sleep(50 * time.Millisecond)
				for _, e := range tc.during {
					nc.connState(conns[e.conn], e.state)
				}
				if tc.cancel {
					cancel()
				}
			}()
			start := time.Now()
			n := nc.wait(ctx, g)
			took := time.Since(start)
			if n != tc.want {
				t.Errorf("wait = %d connections still new, want %d", n, tc.want)
			}
			if took < g && !tc.short {
				t.Errorf("wait returned after %v, before the grace (%v)", took, g)
			}
			if took >= g && tc.short {
				t.Errorf("wait returned after the grace (%v), want as soon as no connection is new", g)
			}
		})
	}
}

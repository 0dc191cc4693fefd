package main

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// newConnGrace is how long, after SIGTERM, the example waits for the
// connections it accepted before to send their first request: the time after
// which net/http's Server.Shutdown counts a connection that has sent nothing
// as idle and closes it (go.dev/issue/22682).
const newConnGrace = 5 * time.Second

// newConns follows the server's connections (http.Server.ConnState) to know
// which ones were accepted but have not had their first request read yet
// (http.StateNew).
//
// Why: once Server.Shutdown has begun, net/http drops every request it reads
// from then on, on any connection: the goroutine serving the connection finds
// the server shutting down right after reading the request and closes the
// connection unanswered (go.dev/issue/75591). A client whose connection was
// accepted, and whose request was sent, before SIGTERM gets EOF when that
// goroutine had not read it yet, as it may not have on a loaded machine (the
// logins queued for the password-hashing slots in TestGracefulShutdown). So
// the example stops accepting connections itself, waits until every
// connection accepted has had its first request read (or newConnGrace has
// passed), and only then calls Shutdown, which waits for those requests.
type newConns struct {
	mu      sync.Mutex
	conns   map[net.Conn]struct{} // in StateNew
	changed chan struct{}         // closed when a connection leaves StateNew, while wait waits
}

func newNewConns() *newConns { return &newConns{conns: map[net.Conn]struct{}{}} }

// connState is the server's ConnState hook.
func (t *newConns) connState(c net.Conn, s http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s == http.StateNew {
		t.conns[c] = struct{}{}
		return
	}
	if _, ok := t.conns[c]; !ok {
		return
	}
	delete(t.conns, c)
	if t.changed != nil {
		close(t.changed)
		t.changed = nil
	}
}

// wait waits until no connection is in StateNew, for at most grace, or until
// ctx is done. Call it once no connection can be accepted any more (the
// listener is closed and Serve has returned); it reports how many were still
// new when it returned.
func (t *newConns) wait(ctx context.Context, grace time.Duration) int {
	timer := time.NewTimer(grace)
	defer timer.Stop()
	for {
		t.mu.Lock()
		n := len(t.conns)
		if n > 0 && t.changed == nil {
			t.changed = make(chan struct{})
		}
		changed := t.changed
		t.mu.Unlock()
		if n == 0 {
			return 0
		}
		select {
		case <-changed:
		case <-timer.C:
			return n
		case <-ctx.Done():
			return n
		}
	}
}

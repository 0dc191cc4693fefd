package app

// Answers beyond a JSON value, each behind the tutorial's own auth: a CSV
// download (response.File), a stream of Server-Sent Events, and a WebSocket
// whose token comes in the query string (docs/responses.md,
// docs/websockets.md).

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/rs/cors"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/response"
)

// ownItems are the items of u (FastAPI's tutorial gives every user "Foo").
func ownItems(u *User) []OwnedItem { return []OwnedItem{{ItemID: "Foo", Owner: u.Username}} }

// readItemsReport is GET /reports/items.csv (scopes "items" and "me", as
// /users/me/items/): the user's items as a CSV download, with Range and
// conditional requests (response.File).
func readItemsReport(u *User) (response.File, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true // RFC 4180
	w.Write([]string{"item_id", "owner"})
	for _, it := range ownItems(u) {
		w.Write([]string{csvCell(it.ItemID), csvCell(it.Owner)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return response.File{}, err
	}
	// text/csv; charset=utf-8, from the route's router.ContentType.
	return response.File{Content: bytes.NewReader(b.Bytes()), Name: "items.csv"}, nil
}

// csvCell makes v safe to open in a spreadsheet (CSV injection, OWASP): a
// value that starts with =, +, -, @, a tab or a carriage return would be read
// as a formula, so it gets a leading apostrophe.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// EventsParams are the parameters of GET /events.
type EventsParams struct {
	// LastEventID is the id of the last event a reconnecting client saw
	// (EventSource sends it back): the stream resumes after it.
	LastEventID int `header:"last-event-id" default:"0" validate:"gte=0"`
}

// eventCount is how many events GET /events sends.
const eventCount = 3

// readEvents returns GET /events (scope "me", as /users/me/): the user's item
// as three Server-Sent Events of type "item", with ids 1 to 3, one every
// interval; then the stream ends. A client reconnecting with Last-Event-ID
// gets the events after it. The iterator stops when the client goes away.
func readEvents(interval time.Duration) func(context.Context, *User, EventsParams) (iter.Seq[response.Event], error) {
	return func(ctx context.Context, u *User, p EventsParams) (iter.Seq[response.Event], error) {
		item := ownItems(u)[0]
		return func(yield func(response.Event) bool) {
			var t *time.Timer
			for id := p.LastEventID + 1; id <= eventCount; id++ {
				if id > p.LastEventID+1 && interval > 0 {
					if t == nil {
						t = time.NewTimer(interval)
						defer t.Stop()
					} else {
						t.Reset(interval)
					}
					select {
					case <-ctx.Done():
						return
					case <-t.C:
					}
				}
				if !yield(response.Event{ID: strconv.Itoa(id), Event: "item", Data: item}) {
					return
				}
			}
		}, nil
	}
}

// SocketToken is the access token of WS /ws/items: a browser's WebSocket
// cannot send an Authorization header, so it comes in the query string, as
// in FastAPI's WebSocket tutorial.
type SocketToken struct {
	Token string `query:"token" default:""`
}

// socketSession is who holds a WebSocket of /ws/items, and until when.
type socketSession struct {
	user    *User
	expires time.Time
}

// socketUser checks the query token of WS /ws/items with the tutorial's
// rules (tokenUser: signature, expiry, revocation, the scopes required here
// held by the user) and refuses a disabled user. The handshake is refused
// with the answers of /users/me/ and /users/me/items/: 401 "Not
// authenticated" without a token, 401 "Could not validate credentials" for
// an invalid one, 401 "Not enough permissions" with Bearer scope="items"
// without the scope.
//
// It reads the user in a transaction of its own, ended before the upgrade:
// a WebSocket holds no database connection while it is open.
func socketUser(ctx context.Context, required di.SecurityScopes, q SocketToken, auth *Auth, s *Store) (*socketSession, error) {
	if q.Token == "" {
		return nil, keel.NewHTTPError(401, "Not authenticated").WithHeader("WWW-Authenticate", "Bearer")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	u, claims, err := tokenUser(ctx, required, q.Token, auth, tx)
	if err != nil {
		return nil, err
	}
	if u, err = activeUser(u); err != nil {
		return nil, err
	}
	return &socketSession{user: u, expires: claims.ExpiresAt.Time}, nil
}

// SocketUser is the holder of the query token of WS /ws/items.
var SocketUser = di.Provide(socketUser)

// socketWriteTimeout bounds each write to a WebSocket: a client that stops
// reading is disconnected.
const socketWriteTimeout = 10 * time.Second

// sockets are the open WebSockets of /ws/items, so that a shutdown can close
// them: the HTTP server's Shutdown does not wait for upgraded connections.
type sockets struct {
	now     func() time.Time
	closing context.Context // canceled by App.Shutdown
	close   context.CancelFunc

	mu   sync.Mutex
	open int           // handlers running
	idle chan struct{} // closed when open drops to 0, while shutdown waits
}

func (ss *sockets) enter() {
	ss.mu.Lock()
	ss.open++
	ss.mu.Unlock()
}

func (ss *sockets) leave() {
	ss.mu.Lock()
	ss.open--
	if ss.open == 0 && ss.idle != nil {
		close(ss.idle)
		ss.idle = nil
	}
	ss.mu.Unlock()
}

func newSockets(now func() time.Time) *sockets {
	s := &sockets{now: now}
	s.closing, s.close = context.WithCancel(context.Background())
	return s
}

// itemsSocket serves WS /ws/items (scope "items"): each text message "ping"
// is answered with the user's item as JSON. Any other message closes the
// connection with 1008 (policy violation). The connection lasts until the
// client closes it, its token expires (then 1008 "Token expired") or the
// server shuts down (1001 "Server shutting down").
func (ss *sockets) itemsSocket(ctx context.Context, conn *websocket.Conn, s *socketSession) error {
	ss.enter()
	defer ss.leave()
	reply, err := json.Marshal(ownItems(s.user)[0])
	if err != nil {
		return err
	}
	// The token's expiry and the shutdown end the conversation: Close from
	// another goroutine interrupts the Read below. Both are done before the
	// handler returns.
	expired := make(chan struct{})
	timer := time.AfterFunc(s.expires.Sub(ss.now()), func() {
		defer close(expired)
		conn.Close(websocket.StatusPolicyViolation, "Token expired")
	})
	defer func() {
		if !timer.Stop() {
			<-expired
		}
	}()
	shutdown := make(chan struct{})
	stop := context.AfterFunc(ss.closing, func() {
		defer close(shutdown)
		conn.Close(websocket.StatusGoingAway, "Server shutting down")
	})
	defer func() {
		if !stop() {
			<-shutdown
		}
	}()
	for {
		typ, msg, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		if typ != websocket.MessageText || string(msg) != "ping" {
			return keel.NewHTTPError(400, `Send the text message "ping"`)
		}
		wctx, cancel := context.WithTimeout(ctx, socketWriteTimeout)
		err = conn.Write(wctx, websocket.MessageText, reply)
		cancel()
		if err != nil {
			return err
		}
	}
}

// shutdown closes the open WebSockets (1001) and waits for their handlers,
// until ctx is done.
func (ss *sockets) shutdown(ctx context.Context) error {
	ss.close() // a handler entering from now on closes at once
	ss.mu.Lock()
	if ss.open == 0 {
		ss.mu.Unlock()
		return nil
	}
	if ss.idle == nil {
		ss.idle = make(chan struct{})
	}
	idle := ss.idle
	ss.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errNoOrigin is returned by CheckCORSOrigins for an entry that is no origin.
var errNoOrigin = errors.New(`want an origin such as https://app.example (a scheme, a host and perhaps a port; no path), or "*"`)

// CheckCORSOrigins checks the entries of Config.CORSOrigins: each an origin
// (a scheme, http or https, and a host with perhaps a port), or "*".
func CheckCORSOrigins(origins []string) error {
	for _, o := range origins {
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "/") {
			return fmt.Errorf("%q: %w", o, errNoOrigin)
		}
	}
	return nil
}

// withCORS wraps h with the CORS policy of Config.CORSOrigins
// (github.com/rs/cors): pages of those origins may call the API with a
// bearer token (or an API key header) and read WWW-Authenticate and
// Retry-After; no cookie or browser-held credentials are let through
// (AllowCredentials is off), so a page of another site cannot act as a
// logged-in user. A preflight answers 204; a request from an origin not
// listed gets no CORS header and the browser keeps its answer from the page.
func withCORS(h http.Handler, origins []string) http.Handler {
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodHead, http.MethodPost},
		AllowedHeaders: []string{"Authorization", "Content-Type", "X-API-Key", "Last-Event-ID"},
		ExposedHeaders: []string{"WWW-Authenticate", "Retry-After"},
		MaxAge:         600,
	}).Handler(h)
}

// socketOrigins are the origin patterns of WS /ws/items: the page's own
// origin always, and the CORS origins.
func socketOrigins(origins []string) websocket.AcceptOptions {
	return websocket.AcceptOptions{OriginPatterns: origins}
}

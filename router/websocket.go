package router

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/resolve"
)

// This file serves WebSocket routes (App.WebSocket): the handler's
// dependencies are resolved during the handshake, before the upgrade, so that
// a failure is the normal HTTP error answer; the handler runs on the upgraded
// connection (github.com/coder/websocket), and an error it returns closes the
// connection with a status and a reason.

// WebSocket registers a WebSocket route: a GET handshake at pattern, left out
// of the OpenAPI document (which cannot describe WebSockets;
// docs/websockets.md lists how to document them). handler takes a
// *websocket.Conn (github.com/coder/websocket) besides any dependency a route
// may have (path, query, header and cookie parameters, di.Depends,
// di.Security with scopes), and returns an error or nothing.
//
// The dependencies are resolved during the handshake, before upgrading: an
// authentication or validation failure refuses it with the App's usual error
// answer (401 with its WWW-Authenticate challenge, 403, 422 with its body).
// A request that is not a WebSocket handshake gets 426 Upgrade Required, and
// a browser page of another origin 403 (the origin check, see
// WebSocketOptions), both before any dependency runs. Once upgraded, the
// handler's error closes the connection: a *keel.HTTPError of status 4xx
// with 1008 (policy violation) and its detail as the reason, a
// websocket.CloseError with its own status and reason, any other error or a
// panic with 1011 (internal error), logged; nil with 1000 (normal closure).
// Function-scope cleanups run when the handler returns, before the closing
// handshake, request-scope cleanups (and background tasks) after it.
//
// The handler runs on the request's goroutine; its context.Context is the
// request's, which is not canceled when the client goes away after the
// upgrade: a read from the connection tells (an error), and
// conn.CloseRead(ctx) gives a context canceled when the client closes, for
// a handler that only writes. The server's read and write timeouts are
// lifted for the connection: bound its life in the handler.
func (r *registrar) WebSocket(pattern string, handler any, opts ...any) {
	r.app.register(cloneCfg(r.cfg), r.prefix, "GET", pattern, handler, append(opts[:len(opts):len(opts)], wsMarker{}))
}

// wsMarker marks the registration of a WebSocket route among its options.
type wsMarker struct{}

func (wsMarker) applyRoute(c *routeConfig) { c.websocket = true; c.hidden = true }

// WebSocketOptions sets the options of the WebSocket handshake of a route or
// of a group's WebSocket routes: above all OriginPatterns, the other origins
// whose pages may open the WebSocket. By default only pages of the App's own
// origin (the Origin's host equal to the request's Host) may, and clients
// that send no Origin (not browsers); this is what stops cross-site
// WebSocket hijacking, where a page of another site opens the WebSocket with
// the user's cookies. InsecureSkipVerify turns the check off: do not, when a
// cookie authenticates the WebSocket.
func WebSocketOptions(o websocket.AcceptOptions) RouteOption {
	return routeOpt(func(c *routeConfig) { c.wsOptions = &o })
}

// wsRoute serves a WebSocket route.
type wsRoute struct{ rt *route }

var connType = reflect.TypeFor[*websocket.Conn]()

func (wr *wsRoute) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := wr.rt
	a := rt.app
	opts := rt.cfg.wsOptions
	if opts == nil {
		opts = &websocket.AcceptOptions{}
	}
	// Before any dependency runs: a request that is no handshake, and a page
	// of an origin the route does not allow.
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
		he := keel.NewHTTPError(http.StatusUpgradeRequired).WithHeader("Upgrade", "websocket").WithHeader("Connection", "Upgrade")
		a.cfg.errors.WriteHTTPError(w, r, he)
		return
	}
	if !opts.InsecureSkipVerify && !originAllowed(r, opts.OriginPatterns) {
		a.cfg.errors.WriteHTTPError(w, r, keel.NewHTTPError(http.StatusForbidden))
		return
	}
	c := rt.plan.Load()
	plan := c.plan
	st := plan.Acquire(r)
	var conn *websocket.Conn
	done := false
	defer func() {
		if done {
			plan.Release(st)
			return
		}
		p := recover()
		var err error = &resolve.PanicError{Value: p, Stack: debug.Stack()}
		if conn != nil {
			err = st.Close(resolve.ScopeFunction, err)
			a.closeWebSocket(r, conn, err)
			if cerr := st.Close(resolve.ScopeRequest, err); cerr != nil && cerr != err {
				a.logWebSocket(r, "keel: request-scope cleanup failed after the WebSocket closed", cerr)
			}
			plan.Release(st)
			return
		}
		err = st.CloseAll(err)
		plan.Release(st)
		if p == http.ErrAbortHandler {
			panic(p)
		}
		a.writeError(w, r, err)
	}()

	if err := st.RunDeps(); err != nil {
		err = st.CloseAll(err)
		a.writeError(w, r, err)
		done = true
		return
	}
	// The connection outlives the server's read and write timeouts, which
	// would otherwise stay on it after the upgrade (see http.Hijacker).
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	if hs := st.Response().Headers(); hs != nil {
		copyHeaders(w.Header(), hs) // cookies set by a dependency go with the 101
	}
	var err error
	conn, err = websocket.Accept(w, r, opts)
	if err != nil {
		// Accept has answered (a handshake it refuses: 400 and such); the
		// cleanups learn why.
		if cerr := st.CloseAll(err); cerr != nil && cerr != err {
			a.logWebSocket(r, "keel: cleanup failed after a refused WebSocket handshake", cerr)
		}
		done = true
		return
	}
	st.SetConn(reflect.ValueOf(conn))
	_, err = st.CallHandler()
	err = st.Close(resolve.ScopeFunction, err)
	a.closeWebSocket(r, conn, err)
	if plan.UsesBackground() {
		if tasks := st.Background().Tasks(); len(tasks) > 0 {
			a.runTasks(r, tasks)
		}
	}
	if cerr := st.Close(resolve.ScopeRequest, err); cerr != nil && cerr != err {
		a.logWebSocket(r, "keel: request-scope cleanup failed after the WebSocket closed", cerr)
	}
	done = true
}

// closeWebSocket closes conn after its handler returned err (see
// App.WebSocket for the statuses).
func (a *App) closeWebSocket(r *http.Request, conn *websocket.Conn, err error) {
	code, reason := websocket.StatusNormalClosure, ""
	var ce websocket.CloseError
	var he *keel.HTTPError
	switch {
	case err == nil:
	case errors.As(err, &ce):
		if websocket.CloseStatus(err) == ce.Code && (ce.Code == websocket.StatusNormalClosure || ce.Code == websocket.StatusGoingAway) {
			// Most often the client's own close, read by the handler.
			conn.CloseNow()
			return
		}
		code, reason = ce.Code, ce.Reason
	case errors.As(err, &he) && !isWrapped(err) && he.Status < 500:
		code, reason = websocket.StatusPolicyViolation, detailText(he)
	case errors.As(err, &he) && !isWrapped(err):
		code, reason = websocket.StatusInternalError, detailText(he)
		a.logWebSocket(r, "keel: WebSocket handler failed", err)
	default:
		var ve *keel.ValidationError
		if errors.As(err, &ve) && !isWrapped(err) {
			code, reason = websocket.StatusPolicyViolation, "Invalid message"
			break
		}
		if clientGone(err) {
			conn.CloseNow()
			return
		}
		code, reason = websocket.StatusInternalError, "Internal Server Error"
		a.logWebSocket(r, "keel: WebSocket handler failed", err)
	}
	if cerr := conn.Close(code, truncateReason(reason)); cerr != nil {
		conn.CloseNow()
	}
}

// clientGone reports whether err says the client went away without a close
// frame: the connection dropped or reset, or the request's context
// canceled. Not worth logging, nor a close frame.
func clientGone(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func (a *App) logWebSocket(r *http.Request, msg string, err error) {
	attrs := []any{"path", r.URL.Path, "error", err.Error()}
	var pe *resolve.PanicError
	if errors.As(err, &pe) {
		attrs = append(attrs, "stack", string(pe.Stack))
	}
	a.cfg.logger.ErrorContext(r.Context(), msg, attrs...)
}

func detailText(he *keel.HTTPError) string {
	if s, ok := he.DetailValue().(string); ok {
		return s
	}
	return keel.StatusText(he.Status)
}

// truncateReason cuts a close reason to the 123 bytes a close frame holds,
// at a character boundary.
func truncateReason(s string) string {
	if len(s) <= 123 {
		return s
	}
	s = s[:123]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// headerHasToken reports whether a comma-separated header has token
// (case-insensitively).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// originAllowed is github.com/coder/websocket's origin rule, checked before
// the dependencies run so that a refused page costs nothing and gets the
// App's error format (websocket.Accept checks it again): no Origin (not a
// browser), the request's own host, or a host (or scheme://host) matching one
// of patterns (path.Match, case-insensitively).
func originAllowed(r *http.Request, patterns []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(r.Host, u.Host) {
		return true
	}
	for _, p := range patterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, err := path.Match(strings.ToLower(p), strings.ToLower(target)); err == nil && ok {
			return true
		}
	}
	return false
}

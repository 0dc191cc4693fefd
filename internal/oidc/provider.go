package oidc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/httpcc"
	"github.com/lestrrat-go/httprc/v3"
)

// Config configures a Provider. Every field is required unless it says
// otherwise; security.OIDCBearer fills the defaults.
type Config struct {
	// Issuer must equal the "issuer" of the configuration document.
	Issuer string
	// DiscoveryURL is where the configuration document is.
	DiscoveryURL string
	// Algorithms are the JWS algorithms keys are kept for.
	Algorithms []string
	// Client fetches the documents; it should come from Client (timeout,
	// https rule).
	Client *http.Client
	// MaxSize bounds each document, in bytes.
	MaxSize int64
	// FetchTimeout bounds a refetch a request waits for.
	FetchTimeout time.Duration
	// RefetchInterval is the least time between two refetches caused by
	// tokens naming unknown keys.
	RefetchInterval time.Duration
	// MinRefresh and MaxRefresh bound the time between background refreshes,
	// otherwise taken from the key set's Cache-Control max-age (or Expires).
	MinRefresh, MaxRefresh time.Duration
	// Logger logs failed fetches; nil logs nothing.
	Logger *slog.Logger
	// Now is the clock of the refetch limit; nil is time.Now.
	Now func() time.Time
}

// ErrUnavailable is returned while the provider's keys have never been
// loaded (discovery or the first key set fetch has not succeeded yet).
var ErrUnavailable = errors.New("the identity provider's keys are not available yet")

// ErrUnknownKey is returned for a kid (and algorithm) the key set does not
// hold, after a refetch or when the refetch limit forbade one.
var ErrUnknownKey = errors.New("no key of the provider's key set fits the token")

// Provider holds one issuer's metadata and key set. Discovery runs in the
// background from Start, retried with growing delays until it succeeds; the
// key set is then kept by an httprc client, refreshed in the background
// before its Cache-Control max-age runs out (see refreshClient), and served
// as last fetched while the provider cannot be reached.
type Provider struct {
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	ctrl   httprc.Controller
	done   chan struct{} // closed when the discovery goroutine ends

	meta atomic.Pointer[Metadata]
	res  atomic.Pointer[httprc.ResourceBase[*KeySet]]

	installMu sync.Mutex // serializes installing the metadata and resource

	mu          sync.Mutex
	lastRefetch time.Time     // when the last unknown-kid refetch started (zero: none yet)
	lastLoad    time.Time     // when the last load a request started did (zero: none yet)
	inflight    chan struct{} // non-nil while a fetch runs; closed when it ends
}

// Start begins discovery in the background and returns at once.
func Start(cfg Config) (*Provider, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	client := httprc.NewClient(
		httprc.WithWorkers(1),
		httprc.WithHTTPClient(refreshClient{cfg.Client}),
		httprc.WithErrorSink(logSink{cfg.Logger, cfg.Issuer}),
	)
	ctrl, err := client.Start(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	p := &Provider{cfg: cfg, ctx: ctx, cancel: cancel, ctrl: ctrl, done: make(chan struct{})}
	go p.discoverLoop()
	return p, nil
}

// Close stops the background work and waits for it.
func (p *Provider) Close() {
	p.cancel()
	<-p.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.ctrl.ShutdownContext(ctx)
}

// SetClock replaces the clock of the refetch limit (tests).
func (p *Provider) SetClock(now func() time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg.Now = now
}

// Metadata returns the configuration document, nil before discovery.
func (p *Provider) Metadata() *Metadata { return p.meta.Load() }

// Keys returns the key set last fetched, nil before the first.
func (p *Provider) Keys() *KeySet {
	if r := p.res.Load(); r != nil {
		return r.Resource()
	}
	return nil
}

// Ready waits until the key set has been loaded once, or ctx is done.
func (p *Provider) Ready(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for p.Keys() == nil {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		case <-p.ctx.Done():
			return ErrUnavailable
		case <-t.C:
		}
	}
	return nil
}

// Key returns the key for a token's kid and alg. When the set does not hold
// it, the set is refetched, at most once per RefetchInterval whatever the
// tokens say: requests arriving while a fetch runs wait for it (up to
// FetchTimeout), the others are answered at once. Before the first key set is
// loaded, a request waits for the load in flight, or starts one (at most one
// per RefetchInterval as well), without using up the unknown-kid refetch. It
// returns ErrUnavailable when no key set has ever been loaded, ErrUnknownKey
// otherwise.
func (p *Provider) Key(ctx context.Context, kid, alg string) (*Key, error) {
	if ks := p.Keys(); ks != nil {
		if k, ok := ks.Lookup(kid, alg); ok {
			return k, nil
		}
		p.run(ctx, &p.lastRefetch, p.refresh)
	} else {
		p.run(ctx, &p.lastLoad, p.discover)
	}
	if k, ok := p.Keys().Lookup(kid, alg); ok {
		return k, nil
	}
	if p.Keys() == nil {
		return nil, ErrUnavailable
	}
	return nil, ErrUnknownKey
}

// run runs fetch as the one fetch in flight, in the background with
// FetchTimeout, and waits for it (or ctx): when another fetch is in flight,
// it waits for that one instead; when last (the start of the previous fetch
// of its kind) is less than RefetchInterval ago, it does nothing; a nil last
// is never limited. A client that goes away does not cancel the fetch for the
// others waiting.
func (p *Provider) run(ctx context.Context, last *time.Time, fetch func(context.Context) error) {
	p.mu.Lock()
	if wait := p.inflight; wait != nil {
		p.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
		}
		return
	}
	if last != nil {
		now := p.cfg.Now()
		if !last.IsZero() && now.Sub(*last) < p.cfg.RefetchInterval {
			p.mu.Unlock()
			return
		}
		*last = now
	}
	done := make(chan struct{})
	p.inflight = done
	p.mu.Unlock()

	fctx, cancel := context.WithTimeout(p.ctx, p.cfg.FetchTimeout)
	go func() {
		defer cancel()
		defer func() {
			p.mu.Lock()
			p.inflight = nil
			p.mu.Unlock()
			close(done)
		}()
		if err := fetch(fctx); err != nil {
			p.log("fetching the key set", err)
		}
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// refresh refetches the key set now (httprc's Refresh, synchronous).
func (p *Provider) refresh(ctx context.Context) error {
	return p.ctrl.Refresh(ctx, p.meta.Load().JWKSURI)
}

// discoverLoop loads the key set (discovery, then the first fetch) until it
// succeeds or the provider closes, waiting 1 s after a failure, then twice as
// long each time, up to RefetchInterval. Requests arriving during an attempt
// wait for it.
func (p *Provider) discoverLoop() {
	defer close(p.done)
	delay := time.Second
	for p.Keys() == nil && p.ctx.Err() == nil {
		p.run(p.ctx, nil, p.discover)
		if p.Keys() != nil || p.ctx.Err() != nil {
			return
		}
		select {
		case <-p.ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, max(p.cfg.RefetchInterval, time.Second))
	}
}

// discover fetches the configuration document, then registers the key set
// with the httprc client and waits for its first fetch (within ctx).
func (p *Provider) discover(ctx context.Context) error {
	p.installMu.Lock()
	defer p.installMu.Unlock()
	if res := p.res.Load(); res != nil {
		// Registered, but its first fetch failed: fetch it again.
		return p.ctrl.Refresh(ctx, res.URL())
	}
	m := p.meta.Load()
	if m == nil {
		var err error
		m, err = Discover(ctx, p.cfg.Client, p.cfg.DiscoveryURL, p.cfg.Issuer, p.cfg.MaxSize)
		if err != nil {
			return err
		}
		p.meta.Store(m)
	}
	res, err := httprc.NewResource[*KeySet](m.JWKSURI,
		httprc.TransformFunc[*KeySet](p.transform),
		httprc.WithMinInterval(p.cfg.MinRefresh),
		httprc.WithMaxInterval(p.cfg.MaxRefresh),
	)
	if err != nil {
		return err
	}
	// Registered once, fetched now, synchronously (so that a failure is known
	// at once), then by httprc on schedule; not also at once by httprc.
	res.SetNext(time.Now().Add(p.cfg.MinRefresh))
	if err := p.ctrl.Add(p.ctx, res, httprc.WithWaitReady(false)); err != nil {
		return err
	}
	p.res.Store(res)
	if err := p.ctrl.Refresh(ctx, m.JWKSURI); err != nil {
		return fmt.Errorf("the first key set fetch from %s failed: %w", m.JWKSURI, err)
	}
	return nil
}

// transform reads a key set response (at most MaxSize bytes) into a KeySet.
// An error keeps the set fetched before.
func (p *Provider) transform(_ context.Context, res *http.Response) (*KeySet, error) {
	b, err := readLimited(res.Body, p.cfg.MaxSize)
	if err != nil {
		return nil, err
	}
	return ParseKeySet(b, p.cfg.Algorithms)
}

func (p *Provider) log(what string, err error) {
	if p.cfg.Logger != nil && p.ctx.Err() == nil {
		p.cfg.Logger.Warn("oidc: "+what+" failed; the keys fetched before stay in use", "issuer", p.cfg.Issuer, "error", err)
	}
}

// logSink logs the httprc client's background fetch errors.
type logSink struct {
	logger *slog.Logger
	issuer string
}

func (s logSink) Put(ctx context.Context, err error) {
	if s.logger != nil && ctx.Err() == nil {
		s.logger.Warn("oidc: refreshing the key set failed; the keys fetched before stay in use", "issuer", s.issuer, "error", err)
	}
}

// refreshClient makes httprc refresh a key set before its lifetime ends:
// httprc schedules the next fetch when the response's max-age runs out; this
// client rewrites max-age to three quarters of what is left of the
// response's freshness (max-age less Age, RFC 9111 §4.2), so that the new
// set is in place before the old one goes stale. Responses without max-age
// are left as they are (httprc then reads Expires, else waits MinRefresh).
type refreshClient struct{ c *http.Client }

func (rc refreshClient) Do(r *http.Request) (*http.Response, error) {
	res, err := rc.c.Do(r)
	if err != nil {
		return res, err
	}
	cc := res.Header.Get("Cache-Control")
	if cc == "" {
		return res, nil
	}
	dir, err := httpcc.ParseResponse(cc)
	if err != nil {
		res.Header.Del("Cache-Control")
		return res, nil
	}
	if dir.NoStore() {
		res.Header.Set("Cache-Control", "max-age=0")
		res.Header.Del("Expires")
		return res, nil
	}
	maxAge, ok := dir.MaxAge()
	if !ok {
		return res, nil
	}
	left := int64(maxAge)
	if age, err := strconv.ParseInt(res.Header.Get("Age"), 10, 64); err == nil && age > 0 {
		left -= age
	}
	res.Header.Set("Cache-Control", "max-age="+strconv.FormatInt(max(left*3/4, 0), 10))
	return res, nil
}

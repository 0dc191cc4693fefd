// Package redisstore keeps the shared state of Keel's security checks in
// Redis (7 and later) or Valkey, so that any number of instances of an
// application behave as one: Digest nonce counts (security.NonceStore), login
// attempts (security.AttemptStore, for security.LoginThrottle), revoked
// tokens (security.RevocationStore) and refresh token families
// (security.RefreshStore). It is a module of its own, so that applications
// that keep this state in memory download no Redis client.
//
// One *Store implements every store interface:
//
//	store, err := redisstore.Open("redis://127.0.0.1:6379/0", redisstore.Options{})
//	...
//	digest := &security.DigestAuth{..., Nonces: store}
//	throttle := &security.LoginThrottle{Attempts: store}
//
// Every check that must be atomic across instances is one round trip: a Lua
// script, or a single command, run by Redis as one step; there is no read
// followed by a write that another instance could slip between. Times are
// the Redis server's (TIME), so the instances' clocks need not agree to the
// millisecond.
//
// Every call is bounded by Options.Timeout (100 ms by default). A call that
// fails or times out returns an error, which the security checks answer with
// 503 and Retry-After: they fail closed, never open.
//
// Redis must not evict these keys before they expire: use maxmemory-policy
// noeviction (the default), so that a full Redis refuses writes (503) rather
// than forgetting a used nonce or a revocation. CheckEviction tells. With
// Redis Cluster, put the keys in one slot with a hash tag in the prefix
// ("{keel}:"), since a login attempt touches two keys at once.
package redisstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultTimeout bounds every call to Redis when Options.Timeout is 0.
const DefaultTimeout = 100 * time.Millisecond

// DefaultPrefix is put before every key when Options.Prefix is "".
const DefaultPrefix = "keel:"

// Options configure a Store.
type Options struct {
	// Prefix is put before every key; default DefaultPrefix. Applications
	// sharing one Redis database need distinct prefixes.
	Prefix string
	// Timeout bounds every call, from sending the command to reading the
	// answer; default DefaultTimeout (100 ms).
	Timeout time.Duration
	// TLSConfig is Open's TLS configuration for a rediss:// URL: the root
	// certificates of a private CA, a client certificate. Default: the
	// system's roots. ServerName defaults to the URL's host.
	TLSConfig *tls.Config
}

// Store is the shared state of the security checks in Redis. It is safe for
// concurrent use.
type Store struct {
	c       redis.UniversalClient
	prefix  string
	timeout time.Duration
	owned   bool // Close closes c
}

// New returns a Store over an existing client (a *redis.Client,
// *redis.ClusterClient, *redis.Ring or failover client), which Close leaves
// open.
func New(c redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	return &Store{c: c, prefix: opts.Prefix, timeout: opts.Timeout}
}

// Open connects to the Redis server at rawURL and returns a Store that owns
// the connection pool. The URL is
//
//	redis://[[user]:password@]host[:port][/db][?option=value...]
//	rediss://...   (TLS)
//	unix://[[user]:password@]/path/to/socket[?db=N...]
//
// with go-redis's options (dial_timeout, pool_size, ...). The dial, read and
// write timeouts are opts.Timeout unless the URL sets them. Open does not
// wait for the server: use Ping to know whether it answers.
func Open(rawURL string, opts Options) (*Store, error) {
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %v", redactURLError(err, rawURL))
	}
	s := New(nil, opts)
	q := url.Values{}
	if u, err := url.Parse(rawURL); err == nil {
		q = u.Query()
	}
	if !q.Has("dial_timeout") {
		o.DialTimeout = s.timeout
	}
	if !q.Has("read_timeout") {
		o.ReadTimeout = s.timeout
	}
	if !q.Has("write_timeout") {
		o.WriteTimeout = s.timeout
	}
	if !q.Has("pool_timeout") {
		o.PoolTimeout = s.timeout
	}
	if !q.Has("pool_size") {
		// A connection per request in flight, up to a point: a request
		// waiting for a connection spends its timeout waiting.
		o.PoolSize = max(64, 10*runtime.GOMAXPROCS(0))
	}
	if !q.Has("min_idle_conns") {
		// Connections dialled ahead: a burst does not wait for dials.
		o.MinIdleConns = 8
	}
	if !q.Has("max_retries") {
		// A retry would outlive the timeout: the check answers 503 and the
		// client retries (Retry-After).
		o.MaxRetries = -1
	}
	// One dial per attempt: the timeout leaves no room for the client's
	// own retries, and the next request dials again.
	o.DialerRetries = 1
	o.ContextTimeoutEnabled = true
	if o.TLSConfig != nil && opts.TLSConfig != nil {
		c := opts.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = o.TLSConfig.ServerName
		}
		if c.MinVersion == 0 {
			c.MinVersion = tls.VersionTLS12
		}
		o.TLSConfig = c
	}
	s.c = redis.NewClient(o)
	s.owned = true
	return s, nil
}

// redactURLError keeps a password in the URL out of an error message.
func redactURLError(err error, rawURL string) error {
	u, perr := url.Parse(rawURL)
	if perr != nil || u.User == nil {
		return err
	}
	if p, ok := u.User.Password(); ok && p != "" {
		return errors.New(strings.ReplaceAll(err.Error(), p, "xxxxx"))
	}
	return err
}

// LogTo sends the Redis client's own log lines (go-redis logs every failed
// dial, for example) to logger at level. The client's logger is global to
// the process: call LogTo in main. The security checks log a store that is
// down once per incident themselves, so an application usually passes
// slog.LevelDebug.
func LogTo(logger *slog.Logger, level slog.Level) {
	redis.SetLogger(slogLogging{logger, level})
}

type slogLogging struct {
	l     *slog.Logger
	level slog.Level
}

func (s slogLogging) Printf(ctx context.Context, format string, v ...any) {
	if s.l.Enabled(ctx, s.level) {
		s.l.Log(ctx, s.level, strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "), "source", "go-redis")
	}
}

// Client returns the Redis client.
func (s *Store) Client() redis.UniversalClient { return s.c }

// Close closes the connection pool if Open made it.
func (s *Store) Close() error {
	if s.owned {
		return s.c.Close()
	}
	return nil
}

// Ping reports whether the server answers, within the timeout: a readiness
// check.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.c.Ping(ctx).Err()
}

// ErrEvictionPolicy is returned (wrapped) by CheckEviction when the server
// may evict keys before they expire.
var ErrEvictionPolicy = errors.New("redisstore: the server may evict keys before they expire")

// CheckEviction returns an error wrapping ErrEvictionPolicy when the server
// may evict keys before they expire (a maxmemory-policy other than
// noeviction), which could make it forget a used nonce, a revocation or login
// failures; an error of the call when the server does not answer. A server
// that does not allow CONFIG GET (many managed services) gives no error:
// check the policy there by other means.
func (s *Store) CheckEviction(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	m, err := s.c.ConfigGet(ctx, "maxmemory-policy").Result()
	if err != nil {
		var rerr redis.Error
		if errors.As(err, &rerr) {
			return nil // the server answered: CONFIG is disabled or renamed
		}
		return err
	}
	if p, ok := m["maxmemory-policy"]; ok && p != "noeviction" {
		return fmt.Errorf("%w (maxmemory-policy %q), forgetting used nonces, revocations and login failures: set maxmemory-policy to noeviction", ErrEvictionPolicy, p)
	}
	return nil
}

// call runs f with the Store's timeout.
func (s *Store) call(ctx context.Context, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return f(ctx)
}

func (s *Store) key(kind, id string) string { return s.prefix + kind + id }

func unixMilli(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// serverNow is the Lua that sets now to the server's time in Unix ms.
const serverNow = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

package oidc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CheckURL enforces the transport rule for every URL fetched from a
// provider: https, except on a loopback host (127.0.0.0/8, ::1, localhost),
// where http is allowed for development and tests; no user information, no
// fragment.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("%q is not an absolute URL without user information and fragment", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !Loopback(u.Hostname()) {
			return nil, fmt.Errorf("%q: https is required (http only on a loopback host)", raw)
		}
	default:
		return nil, fmt.Errorf("%q: https is required", raw)
	}
	return u, nil
}

// Loopback reports whether host is a loopback address or "localhost".
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// maxRedirects is how many redirects a fetch follows.
const maxRedirects = 3

// Client returns an HTTP client for a provider's documents: base (or
// http.DefaultTransport's client) with a timeout per fetch, redirects checked
// with CheckURL (at most three), and every request checked with CheckURL
// before it is sent.
func Client(base *http.Client, timeout time.Duration) *http.Client {
	c := &http.Client{Timeout: timeout}
	if base != nil {
		*c = *base
		if c.Timeout == 0 || c.Timeout > timeout {
			c.Timeout = timeout
		}
	}
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = checkedTransport{next}
	inner := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return errors.New("too many redirects")
		}
		if _, err := CheckURL(req.URL.String()); err != nil {
			return err
		}
		if inner != nil {
			return inner(req, via)
		}
		return nil
	}
	return c
}

// checkedTransport refuses requests to URLs CheckURL refuses.
type checkedTransport struct{ next http.RoundTripper }

func (t checkedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if _, err := CheckURL(r.URL.String()); err != nil {
		return nil, err
	}
	return t.next.RoundTrip(r)
}

// ErrTooLarge is returned for a document larger than the limit.
var ErrTooLarge = errors.New("the document is larger than the limit")

// readLimited reads r up to max bytes; more is ErrTooLarge.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, max)
	}
	return b, nil
}

// get fetches u with client and returns the body of a 200 response, at most
// max bytes, and the response (its body closed).
func get(ctx context.Context, client *http.Client, u string, max int64) ([]byte, *http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
		return nil, res, fmt.Errorf("GET %s: status %d", u, res.StatusCode)
	}
	b, err := readLimited(res.Body, max)
	if err != nil {
		return nil, res, fmt.Errorf("GET %s: %w", u, err)
	}
	return b, res, nil
}

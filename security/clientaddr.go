package security

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"github.com/keelgo/keel/internal/wire"
)

// ClientAddress tells the address of the client that sent a request: the
// connection's peer (http.Request.RemoteAddr), or, when that peer is a
// reverse proxy the application trusts, the address the proxies report in
// X-Forwarded-For or Forwarded. Only hops written by trusted proxies are
// believed: the list is read from the nearest hop back, and the first address
// that is not a trusted proxy is the client. A client can put anything in
// these headers; what it wrote is to the left of what the trusted proxies
// appended, so it is never reached while it is preceded by an untrusted hop.
//
// The zero value trusts no proxy: the client is RemoteAddr. Configure it
// before its first use; it is safe for concurrent use.
type ClientAddress struct {
	// TrustedProxies are the addresses or networks ("10.0.0.0/8",
	// "127.0.0.1", "::1") of the reverse proxies in front of the application.
	// Leave it empty when clients connect directly: the headers are then
	// ignored.
	TrustedProxies []string
	// Header is the header the trusted proxies write: "X-Forwarded-For"
	// (default) or "Forwarded" (RFC 7239). Only one is read, so that a client
	// cannot slip in the other one, which the proxies pass through unchanged.
	Header string

	once     sync.Once
	header   string
	prefixes []netip.Prefix
	err      error
}

// Check validates the configuration; Addr panics on an invalid one. It is
// called when a LoginThrottle is checked at registration.
func (c *ClientAddress) Check() error {
	c.once.Do(func() { c.err = c.configure() })
	return c.err
}

func (c *ClientAddress) configure() error {
	switch {
	case c.Header == "":
		c.header = "X-Forwarded-For"
	case strings.EqualFold(c.Header, "X-Forwarded-For"), strings.EqualFold(c.Header, "Forwarded"):
		c.header = c.Header
	default:
		return fmt.Errorf("keel/security: ClientAddress.Header is %q; want X-Forwarded-For or Forwarded", c.Header)
	}
	for _, s := range c.TrustedProxies {
		p, err := parsePrefix(s)
		if err != nil {
			return fmt.Errorf("keel/security: ClientAddress.TrustedProxies: %q is not an address or a network (want 10.0.0.1, 10.0.0.0/8 or fd00::/8)", s)
		}
		c.prefixes = append(c.prefixes, p)
	}
	return nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (c *ClientAddress) trusted(a netip.Addr) bool {
	for _, p := range c.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Addr returns the client's address, IPv4 addresses mapped into IPv6
// unmapped and without a zone. It is invalid (the zero netip.Addr) only when
// RemoteAddr is not an IP address (a Unix socket, a test request without one):
// callers decide what such a request gets.
func (c *ClientAddress) Addr(r *http.Request) netip.Addr {
	if err := c.Check(); err != nil {
		panic(err.Error())
	}
	peer := parseHop(r.RemoteAddr)
	if !peer.IsValid() || len(c.prefixes) == 0 || !c.trusted(peer) {
		return peer
	}
	for _, hop := range wire.ForwardedHops(r, c.header) {
		a := parseHop(hop)
		if !a.IsValid() {
			// A hop no trusted proxy would write: the last trusted one is
			// the client as far as anyone can tell.
			return peer
		}
		if !c.trusted(a) {
			return a
		}
		peer = a
	}
	return peer
}

// parseHop reads an address as RemoteAddr, X-Forwarded-For and Forwarded
// write it: "192.0.2.1", "192.0.2.1:4711", "2001:db8::1", "[2001:db8::1]" or
// "[2001:db8::1]:4711". Anything else ("unknown", "_hidden") is invalid.
func parseHop(s string) netip.Addr {
	if s == "" {
		return netip.Addr{}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("")
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return a.Unmap().WithZone("")
		}
	}
	return netip.Addr{}
}

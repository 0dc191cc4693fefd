package security_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/keelgo/keel/security"
)

func TestClientAddress(t *testing.T) {
	direct := &security.ClientAddress{}
	proxied := &security.ClientAddress{TrustedProxies: []string{"10.0.0.0/8", "::1", "fd00::/8"}}
	fwd := &security.ClientAddress{TrustedProxies: []string{"10.0.0.0/8"}, Header: "Forwarded"}
	tests := []struct {
		name   string
		c      *security.ClientAddress
		remote string
		header []string // name, value, ...
		want   string
	}{
		{"direct", direct, "203.0.113.9:5000", nil, "203.0.113.9"},
		{"direct ignores the header", direct, "203.0.113.9:5000", []string{"X-Forwarded-For", "1.1.1.1"}, "203.0.113.9"},
		{"IPv6", direct, "[2001:db8::1]:5000", nil, "2001:db8::1"},
		{"IPv4-mapped", direct, "[::ffff:192.0.2.1]:5000", nil, "192.0.2.1"},
		{"zone dropped", direct, "[fe80::1%eth0]:5000", nil, "fe80::1"},
		{"no IP", direct, "@", nil, "invalid IP"},
		{"untrusted peer", proxied, "203.0.113.9:1", []string{"X-Forwarded-For", "1.1.1.1"}, "203.0.113.9"},
		{"trusted peer", proxied, "10.1.2.3:1", []string{"X-Forwarded-For", "198.51.100.7"}, "198.51.100.7"},
		{"spoofed hop left of the client", proxied, "10.1.2.3:1", []string{"X-Forwarded-For", "1.1.1.1, 198.51.100.7"}, "198.51.100.7"},
		{"chain of trusted proxies", proxied, "[::1]:1", []string{"X-Forwarded-For", "198.51.100.7, 10.9.9.9", "X-Forwarded-For", "fd00::5"}, "198.51.100.7"},
		{"every hop trusted", proxied, "10.1.2.3:1", []string{"X-Forwarded-For", "10.0.0.2, 10.0.0.1"}, "10.0.0.2"},
		{"no header", proxied, "10.1.2.3:1", nil, "10.1.2.3"},
		{"unparsable hop", proxied, "10.1.2.3:1", []string{"X-Forwarded-For", "1.1.1.1, junk"}, "10.1.2.3"},
		{"hop with a port", proxied, "10.1.2.3:1", []string{"X-Forwarded-For", "198.51.100.7:4711"}, "198.51.100.7"},
		{"bracketed IPv6 hop", proxied, "10.1.2.3:1", []string{"X-Forwarded-For", "[2001:db8::7]"}, "2001:db8::7"},
		{"the other header is ignored", proxied, "10.1.2.3:1", []string{"Forwarded", "for=1.1.1.1"}, "10.1.2.3"},
		{"Forwarded", fwd, "10.1.2.3:1", []string{"Forwarded", `for="[2001:db8::7]:80";proto=https, for=10.0.0.9`}, "2001:db8::7"},
		{"Forwarded unknown", fwd, "10.1.2.3:1", []string{"Forwarded", `for=unknown`}, "10.1.2.3"},
		{"Forwarded ignores X-Forwarded-For", fwd, "10.1.2.3:1", []string{"X-Forwarded-For", "1.1.1.1"}, "10.1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for i := 0; i+1 < len(tt.header); i += 2 {
				r.Header.Add(tt.header[i], tt.header[i+1])
			}
			if got := tt.c.Addr(r).String(); got != tt.want {
				t.Errorf("Addr = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestClientAddressConfig(t *testing.T) {
	for _, c := range []*security.ClientAddress{
		{TrustedProxies: []string{"10.0.0.0/33"}},
		{TrustedProxies: []string{"proxy.internal"}},
		{Header: "X-Real-IP"},
	} {
		if err := c.Check(); err == nil {
			t.Errorf("%+v: no error", c.TrustedProxies)
		}
	}
	ok := &security.ClientAddress{TrustedProxies: []string{"::ffff:10.0.0.0/104", "192.0.2.1"}, Header: "forwarded"}
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.3.3.3:1"
	r.Header.Set("Forwarded", "for=203.0.113.1")
	if got := ok.Addr(r); got != netip.MustParseAddr("203.0.113.1") {
		t.Errorf("mapped prefix: %v", got)
	}
}

// FuzzClientAddress: whatever the headers say, the answer is the peer or an
// address that appears in them, and an untrusted peer is always the answer.
func FuzzClientAddress(f *testing.F) {
	f.Add("10.0.0.1:1", "1.1.1.1, 10.0.0.2", `for="[::1]:80", for=10.0.0.3`)
	f.Add("203.0.113.9:1", "10.0.0.1", "for=1.1.1.1")
	f.Add("[fd00::1]:1", ",,,[", `for="`)
	c := &security.ClientAddress{TrustedProxies: []string{"10.0.0.0/8", "fd00::/8"}}
	d := &security.ClientAddress{TrustedProxies: []string{"10.0.0.0/8", "fd00::/8"}, Header: "Forwarded"}
	f.Fuzz(func(t *testing.T, remote, xff, fwd string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header["X-Forwarded-For"] = []string{xff}
		r.Header["Forwarded"] = []string{fwd}
		peer, perr := netip.ParseAddrPort(remote)
		for _, ca := range []*security.ClientAddress{c, d} {
			got := ca.Addr(r)
			if perr == nil && !netip.MustParsePrefix("10.0.0.0/8").Contains(peer.Addr().Unmap()) &&
				!netip.MustParsePrefix("fd00::/8").Contains(peer.Addr().Unmap()) && got != peer.Addr().Unmap().WithZone("") {
				t.Fatalf("untrusted peer %s, got %s", remote, got)
			}
		}
	})
}

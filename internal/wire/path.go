package wire

import (
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Path returns the request path as Starlette matches routes against it: the
// percent-decoded path (so %2F is a '/'), read with TextString.
func Path(r *http.Request) string { return TextString(r.URL.Path) }

// PathValues are one request's path wildcard values, by name: what the
// router's match of Path found, for the binders' path fields, without
// r.SetPathValue (which has net/http allocate a map per request). The
// router keeps one per pooled request state; the zero value holds none, and
// then the binders read r.PathValue.
type PathValues struct {
	names []string // the route's wildcard names, shared by its requests
	vals  []string // vals[i] is names[i]'s value; buf's memory up to len(buf)
	buf   [8]string
}

// Set holds vals[i] as the value of names[i]. names is kept (it must not
// change), vals copied.
func (pv *PathValues) Set(names, vals []string) {
	pv.names = names
	pv.vals = append(pv.buf[:0], vals...)
}

// Matched reports whether the values were set (Set) for this request.
func (pv *PathValues) Matched() bool { return pv.names != nil }

// Get returns name's value, "" when there is none (as r.PathValue does).
func (pv *PathValues) Get(name string) string {
	for i, n := range pv.names {
		if n == name && i < len(pv.vals) {
			return pv.vals[i]
		}
	}
	return ""
}

// Reset forgets the values, so that a pooled state keeps no request's path.
func (pv *PathValues) Reset() {
	clear(pv.vals)
	pv.names, pv.vals = nil, nil
}

// Python's urllib.parse.quote: bytes outside these, and outside the safe set
// given to it, are written as %XX.
const alwaysSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"

// The safe set of Starlette's RedirectResponse, and the one Keel uses for
// paths: there, '%', '?' and '#' are escaped so that the path reads back the
// same (Starlette writes them as they are; docs/migrating-from-fastapi.md).
const (
	safeQuery = ":/%#?=@[]!$&'()*+,;"
	safePath  = ":/=@[]!$&'()*+,;"
)

// quote percent-encodes every byte of s that is neither always safe nor in
// safe, with upper-case hexadecimal digits.
func quote(b *strings.Builder, s, safe string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(alwaysSafe, c) >= 0 || strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

// RedirectURL is the Location of Starlette's trailing-slash redirect to the
// decoded path p, for request r: scheme://host, then p and the query string,
// percent-encoded as Starlette's RedirectResponse does (except that '%', '?'
// and '#' in the path stay escaped). The host is the Host header when it is a
// plain host name, IPv4 or bracketed IPv6 address with an optional port; else
// the address the request came in on (its port left out when it is the
// scheme's default); else the URL is relative.
func RedirectURL(r *http.Request, p string) string {
	var b strings.Builder
	b.Grow(len(p) + len(r.Host) + len(r.URL.RawQuery) + 16)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if host := redirectHost(r, scheme); host != "" {
		b.WriteString(scheme)
		b.WriteString("://")
		b.WriteString(host)
	}
	quote(&b, TextString(p), safePath)
	if q := r.URL.RawQuery; q != "" {
		b.WriteByte('?')
		quote(&b, q, safeQuery)
	}
	return b.String()
}

func redirectHost(r *http.Request, scheme string) string {
	if validHost(r.Host) {
		return r.Host
	}
	addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || addr == nil {
		return ""
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return ""
	}
	if strings.IndexByte(host, ':') >= 0 {
		host = "[" + host + "]"
	}
	if n, _ := strconv.Atoi(port); n == 80 && scheme == "http" || n == 443 && scheme == "https" {
		return host
	}
	return host + ":" + port
}

// validHost is Starlette's check of the Host header before it builds a URL
// from it: a name of letters, digits, '.' and '-', or a bracketed IPv6
// address, then optionally ':' and digits.
func validHost(h string) bool {
	if h == "" {
		return false
	}
	name := h
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		port := h[i+1:]
		if port == "" || strings.Trim(port, "0123456789") != "" {
			// Not a port: only an IPv6 literal may hold ':'.
			return false
		}
		name = h[:i]
	}
	if strings.HasPrefix(name, "[") {
		if !strings.HasSuffix(name, "]") {
			return false
		}
		in := strings.ToLower(name[1 : len(name)-1])
		colon := strings.IndexByte(in, ':')
		if colon < 0 {
			return false
		}
		return strings.Trim(in[:colon], "0123456789abcdef") == "" &&
			in[colon+1:] != "" && strings.Trim(in[colon+1:], "0123456789abcdef.:") == ""
	}
	return name != "" && strings.Trim(strings.ToLower(name), "abcdefghijklmnopqrstuvwxyz0123456789.-") == ""
}

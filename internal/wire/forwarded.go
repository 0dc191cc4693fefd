package wire

import (
	"net/http"
	"strings"
)

// MaxForwardedHops is how many hops ForwardedHops returns at most: the
// nearest ones. A chain of trusted proxies is never that long; a client that
// sends a longer list costs a scan of its header, not memory for each item.
const MaxForwardedHops = 32

// ForwardedHops returns the client addresses that the proxies in front of the
// server reported in header, nearest hop first: the last item of the last
// header line first. Nothing is copied: each hop is a substring of a header
// value.
//
// header is "X-Forwarded-For" (the de facto standard: every line split on
// commas, each item trimmed of spaces and tabs) or "Forwarded" (RFC 7239: every
// line split into elements on the commas outside quoted strings; a hop is the
// value of an element's for= parameter, name in any case, without its quotes
// and backslash escapes; an element without for= or that does not parse gives
// the hop ""). Any other name reads nothing. At most MaxForwardedHops are
// returned; the list is nil when the header is absent.
//
// The caller decides which hops to believe: only those written by proxies it
// trusts (security.ClientAddress).
func ForwardedHops(r *http.Request, header string) []string {
	var parse func(line string, ring *hopRing)
	switch {
	case strings.EqualFold(header, "X-Forwarded-For"):
		parse = xffHops
	case strings.EqualFold(header, "Forwarded"):
		parse = forwardedHops
	default:
		return nil
	}
	lines := HeaderValues(r, header)
	if len(lines) == 0 {
		return nil
	}
	var ring hopRing
	for _, line := range lines {
		parse(line, &ring)
	}
	return ring.nearestFirst()
}

// hopRing keeps the last MaxForwardedHops hops seen.
type hopRing struct {
	hops [MaxForwardedHops]string
	n    int // hops seen
}

func (r *hopRing) add(h string) {
	r.hops[r.n%MaxForwardedHops] = h
	r.n++
}

func (r *hopRing) nearestFirst() []string {
	k := min(r.n, MaxForwardedHops)
	out := make([]string, k)
	for i := range k {
		out[i] = r.hops[(r.n-1-i)%MaxForwardedHops]
	}
	return out
}

func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func xffHops(line string, ring *hopRing) {
	for {
		item, rest, more := strings.Cut(line, ",")
		ring.add(trimOWS(item))
		if !more {
			return
		}
		line = rest
	}
}

// forwardedHops reads the elements of one Forwarded line (RFC 7239 §4):
// forwarded-element = [ pair ] *( ";" [ pair ] ), pair = token "=" value,
// value = token / quoted-string, elements separated by commas.
func forwardedHops(line string, ring *hopRing) {
	i := 0
	for {
		hop, ok := "", true
		// One element: pairs up to a comma outside quotes.
		for {
			for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == ';') {
				i++
			}
			if i == len(line) || line[i] == ',' {
				break
			}
			start := i
			for i < len(line) && isTokenByte(line[i]) {
				i++
			}
			name := line[start:i]
			if name == "" || i == len(line) || line[i] != '=' {
				ok = false
				break
			}
			i++
			var value string
			if i < len(line) && line[i] == '"' {
				v, n, closed := quotedString(line[i:])
				if !closed {
					ok = false
					break
				}
				value, i = v, i+n
			} else {
				start := i
				for i < len(line) && isTokenByte(line[i]) {
					i++
				}
				value = line[start:i]
			}
			for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
				i++
			}
			if i < len(line) && line[i] != ';' && line[i] != ',' {
				ok = false
				break
			}
			if strings.EqualFold(name, "for") {
				if hop != "" {
					ok = false // a repeated for= is malformed
					break
				}
				hop = value
			}
		}
		if !ok {
			// Skip the rest of the malformed element, quotes included.
			hop = ""
			for i < len(line) && line[i] != ',' {
				if line[i] == '"' {
					_, n, _ := quotedString(line[i:])
					i += n
					continue
				}
				i++
			}
		}
		ring.add(hop)
		if i >= len(line) {
			return
		}
		i++ // the comma
	}
}

// quotedString reads the quoted-string at the start of s (s[0] is '"'): its
// value without the quotes and escapes, how many bytes it took, and whether
// it was closed. The value is a substring of s when it has no escapes.
func quotedString(s string) (value string, n int, closed bool) {
	var b []byte
	start := 1
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '"':
			if b == nil {
				return s[start:i], i + 1, true
			}
			return string(b), i + 1, true
		case '\\':
			if i+1 == len(s) {
				return "", len(s), false
			}
			if b == nil {
				b = append(make([]byte, 0, len(s)), s[start:i]...)
			}
			i++
			b = append(b, s[i])
		default:
			if b != nil {
				b = append(b, s[i])
			}
		}
	}
	return "", len(s), false
}

// isTokenByte reports whether c is an RFC 9110 tchar.
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

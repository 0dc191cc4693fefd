package wire

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestForwardedHops(t *testing.T) {
	tests := []struct {
		header string
		lines  []string
		want   []string
	}{
		{"X-Forwarded-For", nil, nil},
		{"X-Forwarded-For", []string{"203.0.113.9"}, []string{"203.0.113.9"}},
		{"X-Forwarded-For", []string{"1.1.1.1, 2.2.2.2,3.3.3.3 "}, []string{"3.3.3.3", "2.2.2.2", "1.1.1.1"}},
		// Lines in order; the last item of the last line is the nearest hop.
		{"x-forwarded-for", []string{"1.1.1.1, 2.2.2.2", "3.3.3.3"}, []string{"3.3.3.3", "2.2.2.2", "1.1.1.1"}},
		{"X-Forwarded-For", []string{" , [2001:db8::1]:80,\t"}, []string{"", "[2001:db8::1]:80", ""}},
		{"Forwarded", []string{`for=192.0.2.60;proto=http;by=203.0.113.43`}, []string{"192.0.2.60"}},
		{"Forwarded", []string{`For="[2001:db8:cafe::17]:4711", for=192.0.2.43`}, []string{"192.0.2.43", "[2001:db8:cafe::17]:4711"}},
		{"Forwarded", []string{`for=1.1.1.1`, `proto=https;for=2.2.2.2`}, []string{"2.2.2.2", "1.1.1.1"}},
		// An element without for=, a malformed one, a quoted comma, escapes.
		{"Forwarded", []string{`proto=http, for=unknown, for=_hidden, garbage, for="a\"b", for=1.1.1.1;ext="x,y", for=2.2.2.2`},
			[]string{"2.2.2.2", "1.1.1.1", `a"b`, "", "_hidden", "unknown", ""}},
		{"Forwarded", []string{`for=1.1.1.1;for=2.2.2.2`}, []string{""}},               // for= twice
		{"Forwarded", []string{`for="1.1.1.1`}, []string{""}},                          // unclosed quote
		{"Forwarded", []string{`for=1.1.1.1 x, for=3.3.3.3`}, []string{"3.3.3.3", ""}}, // junk after a value
		{"Forwarded", []string{`;;for=1.1.1.1;;`}, []string{"1.1.1.1"}},
		{"X-Real-IP", []string{"1.1.1.1"}, nil},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		for _, l := range tt.lines {
			r.Header.Add(tt.header, l)
		}
		if got := ForwardedHops(r, tt.header); !slices.Equal(got, tt.want) {
			t.Errorf("%s %q: got %q, want %q", tt.header, tt.lines, got, tt.want)
		}
	}
}

// TestForwardedHopsBounded: a long list costs a scan, and only the nearest
// MaxForwardedHops are kept.
func TestForwardedHopsBounded(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Forwarded-For", strings.Repeat("9.9.9.9, ", 100000)+"1.1.1.1")
	got := ForwardedHops(r, "X-Forwarded-For")
	if len(got) != MaxForwardedHops || got[0] != "1.1.1.1" || got[1] != "9.9.9.9" {
		t.Fatalf("got %d hops, first %q", len(got), got[:2])
	}
	allocs := testing.AllocsPerRun(10, func() { ForwardedHops(r, "X-Forwarded-For") })
	if allocs > 2 {
		t.Fatalf("%v allocations", allocs)
	}
}

// FuzzForwardedHops: any header lines read without panic, at most
// MaxForwardedHops hops, each a substring of the lines or (with escapes) no
// longer than them, and X-Forwarded-For's are their trimmed comma-separated
// items.
func FuzzForwardedHops(f *testing.F) {
	for _, s := range []string{`for=192.0.2.60;proto=http`, `for="[2001:db8::1]:80", for=x`, `1.1.1.1, 2.2.2.2`, `for="a\`, `a=b;c="d,e",f`, ","} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, h := range []string{"Forwarded", "X-Forwarded-For"} {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header[h] = []string{a, b}
			got := ForwardedHops(r, h)
			if len(got) > MaxForwardedHops || len(got) == 0 {
				t.Fatalf("%s: %d hops", h, len(got))
			}
			for _, hop := range got {
				if len(hop) > len(a)+len(b) {
					t.Fatalf("%s: hop %q longer than the input", h, hop)
				}
			}
			if h == "X-Forwarded-For" {
				items := append(strings.Split(a, ","), strings.Split(b, ",")...)
				slices.Reverse(items)
				for i, hop := range got {
					if hop != trimOWS(items[i]) {
						t.Fatalf("hop %d: %q, want %q", i, hop, trimOWS(items[i]))
					}
				}
			}
		}
	})
}

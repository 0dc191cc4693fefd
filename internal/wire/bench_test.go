package wire

import (
	"fmt"
	"strings"
	"testing"
)

// query10k is a 10,000-pair query string with the key looked up at its end.
func query10k(escaped bool) string {
	var b strings.Builder
	for i := range 10_000 {
		if escaped {
			fmt.Fprintf(&b, "k%%5F%d=v%%20%d&", i, i)
		} else {
			fmt.Fprintf(&b, "k_%d=v%d&", i, i)
		}
	}
	b.WriteString("api_key=secret")
	return b.String()
}

// The cost of reading a 10,000-pair query: linear time, and no allocation
// beyond the value returned, escaped keys included.
func BenchmarkQueryLast10k(b *testing.B) {
	for _, escaped := range []bool{false, true} {
		raw := query10k(escaped)
		b.Run(fmt.Sprintf("escaped=%v", escaped), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if v, _ := QueryLast(raw, "api_key"); v != "secret" {
					b.Fatal(v)
				}
			}
		})
	}
}

// An urlencoded form of 1000 fields (the most Starlette accepts), and one of
// 900,000 fields, refused at field 1001 whatever its length.
func BenchmarkParseURLEncoded(b *testing.B) {
	for _, n := range []int{1000, 900_000} {
		var sb strings.Builder
		for i := range n {
			fmt.Fprintf(&sb, "f%d=v%%20%d&", i, i)
		}
		body := []byte(sb.String())
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ParseURLEncoded(body, DefaultFormLimits())
			}
		})
	}
}

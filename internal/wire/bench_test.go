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

// A multipart body of 8 MiB in one file and 1000 small fields: files are
// slices of the body, text is copied once, so the bytes allocated are a small
// fraction of the body's.
func BenchmarkParseMultipart(b *testing.B) {
	var sb strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&sb, "--abc\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nvalue %d\r\n", i, i)
	}
	sb.WriteString("--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")
	sb.WriteString(strings.Repeat("0123456789abcdef\r\n--ab", 8<<20/23))
	sb.WriteString("\r\n--abc--\r\n")
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		fields, err := ParseMultipart(body, "multipart/form-data; boundary=abc", DefaultFormLimits())
		if err != nil || len(fields) != 1001 {
			b.Fatal(err, len(fields))
		}
	}
}

// TextString on ASCII paths of a few lengths (the usual input) and on one
// with a multi-byte character.
func BenchmarkTextString(b *testing.B) {
	for _, s := range []string{"/items/42", "/api/v1/users/12345", "/api/v1/organisations/acme/projects/42/issues", "/items/café"} {
		b.Run(fmt.Sprint(len(s)), func(b *testing.B) {
			for b.Loop() {
				if TextString(s) != s {
					b.Fatal(s)
				}
			}
		})
	}
}

package wire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/keelgo/keel"
)

// starletteCase is one line of testdata/form_python.json: a body, and what
// Starlette 1.3.1 (python-multipart 0.0.32) read from it.
type starletteCase struct {
	ContentType string `json:"content_type"`
	Body        string `json:"body"`
	Error       string `json:"error"`
	Fields      []struct {
		Name        string  `json:"name"`
		Value       *string `json:"value"`
		Filename    string  `json:"filename"`
		ContentType string  `json:"content_type"`
		Data        string  `json:"data"`
	} `json:"fields"`
}

// The form parsers agree with Starlette's on every body of the generated set
// (testdata/gen_form_python.py): mutated and truncated multipart bodies,
// boundaries of every kind, and urlencoded bodies of the query alphabet.
func TestFormMatchesStarlette(t *testing.T) {
	raw, err := os.ReadFile("testdata/form_python.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []starletteCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 500 {
		t.Fatalf("only %d cases", len(cases))
	}
	for i, c := range cases {
		body, _ := base64.StdEncoding.DecodeString(c.Body)
		ct := latin1Bytes(c.ContentType) // Python holds header bytes as Latin-1 text
		fields, err := ParseForm(body, ct, DefaultFormLimits())
		if got, want := describe(fields, err), describeWant(c); got != want {
			t.Errorf("case %d: %q %q:\n got %s\nwant %s", i, c.ContentType, body, got, want)
		}
	}
}

func latin1Bytes(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

func describe(fields []FormField, err error) string {
	if err != nil {
		var he *keel.HTTPError
		if !errors.As(err, &he) || he.Status != 400 {
			return "unexpected error " + err.Error()
		}
		return "error " + fmt.Sprint(he.Detail)
	}
	var b strings.Builder
	for _, f := range fields {
		if f.File != nil {
			// Part headers keep their bytes; Starlette decodes them as Latin-1.
			fmt.Fprintf(&b, "[%q file %q %q %q]", f.Name, f.File.Filename, Latin1([]byte(f.File.ContentType)), f.File.Data)
		} else {
			fmt.Fprintf(&b, "[%q %q]", f.Name, f.Value)
		}
	}
	return b.String()
}

func describeWant(c starletteCase) string {
	if c.Error != "" {
		return "error " + c.Error
	}
	var b strings.Builder
	for _, f := range c.Fields {
		if f.Value != nil {
			fmt.Fprintf(&b, "[%q %q]", f.Name, *f.Value)
			continue
		}
		data, _ := base64.StdEncoding.DecodeString(f.Data)
		fmt.Fprintf(&b, "[%q file %q %q %q]", f.Name, f.Filename, f.ContentType, data)
	}
	return b.String()
}

func formErr(t *testing.T, body []byte, ct string, lim FormLimits) string {
	t.Helper()
	_, err := ParseForm(body, ct, lim)
	if err == nil {
		return ""
	}
	var he *keel.HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("error %T %v", err, err)
	}
	return fmt.Sprintf("%d %v", he.Status, he.Detail)
}

func repeat(n int, f func(i int) string) []byte {
	var b bytes.Buffer
	for i := range n {
		b.WriteString(f(i))
	}
	return b.Bytes()
}

// Starlette 1.3.1's limits, with bodies too large for the generated set
// (each answer checked against Starlette).
func TestFormLimits(t *testing.T) {
	const U = "application/x-www-form-urlencoded"
	const M = "multipart/form-data; boundary=abc"
	lim := DefaultFormLimits()
	mib := 1 << 20
	fields := func(n int) []byte {
		return bytes.TrimSuffix(repeat(n, func(i int) string { return fmt.Sprintf("f%d=v&", i) }), []byte("&"))
	}
	part := func(extra, value string) string {
		return "--abc\r\nContent-Disposition: form-data; name=a" + extra + "\r\n\r\n" + value + "\r\n"
	}
	for _, c := range []struct {
		name, ct string
		body     []byte
		want     string
	}{
		{"1000 fields", U, fields(1000), ""},
		{"1001 fields", U, fields(1001), "400 Too many fields. Maximum number of fields is 1000."},
		{"name and value of 1 MiB", U, []byte("a=" + strings.Repeat("x", mib-1)), ""},
		{"name and value over 1 MiB", U, []byte("ab=" + strings.Repeat("x", mib-1)), "400 Field exceeded maximum size of 1024KB."},
		{"a name over 1 MiB", U, []byte(strings.Repeat("x", mib+1)), "400 Field exceeded maximum size of 1024KB."},
		{"the 1001st field too large", U, append(fields(1000), "&big="+strings.Repeat("x", mib)...), "400 Field exceeded maximum size of 1024KB."},
		{"the 1002nd field too large", U, append(fields(1001), "&big="+strings.Repeat("x", mib)...), "400 Too many fields. Maximum number of fields is 1000."},
		{"900k fields", U, fields(900_000), "400 Too many fields. Maximum number of fields is 1000."},
		{"1000 parts", M, append(repeat(1000, func(int) string { return part("", "1") }), "--abc--\r\n"...), ""},
		{"1001 parts", M, append(repeat(1001, func(int) string { return part("", "1") }), "--abc--\r\n"...), "400 Too many fields. Maximum number of fields is 1000."},
		{"1001 files", M, append(repeat(1001, func(int) string { return part("; filename=f", "1") }), "--abc--\r\n"...), "400 Too many files. Maximum number of files is 1000."},
		{"a part of 1 MiB", M, []byte(part("", strings.Repeat("x", mib)) + "--abc--"), ""},
		{"a part over 1 MiB", M, []byte(part("", strings.Repeat("x", mib+1)) + "--abc--"), "400 Part exceeded maximum size of 1024KB."},
		{"an unclosed part over 1 MiB", M, []byte(part("", strings.Repeat("x", mib+1))), "400 Part exceeded maximum size of 1024KB."},
		{"a file over 1 MiB", M, []byte(part("; filename=f", strings.Repeat("x", mib+1)) + "--abc--"), ""},
	} {
		if got := formErr(t, c.body, c.ct, lim); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	// Keel's own limits.
	lim.MaxFileSize, lim.MaxMemory = 10, 25
	file := part("; filename=f", "0123456789")
	if got := formErr(t, []byte(file+"--abc--"), M, lim); got != "" {
		t.Errorf("file at the limit: %q", got)
	}
	if got := formErr(t, []byte(part("; filename=f", "01234567890")+"--abc--"), M, lim); got != "413 File too large" {
		t.Errorf("file over the limit: %q", got)
	}
	if got := formErr(t, []byte(file+file+file+"--abc--"), M, lim); got != "413 Request body too large" {
		t.Errorf("memory: %q", got)
	}
}

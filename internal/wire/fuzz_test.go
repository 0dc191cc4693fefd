package wire

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keelgo/keel"
)

// FuzzQuery: the query readers and the urlencoded form reader are one rule.
// For any input: no panic; every value is valid UTF-8; QueryLast is the last
// of QueryAll; the form reader, within its limits, reads the same pairs; Text
// keeps valid UTF-8 as it is.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"api_key=a&api_key=x;", "api_key=%zz", "a=1+2&a", "a=%00&&=&%61=c", "a=%E2%82", "\xff=\xfe", "a;b=1"} {
		f.Add(s, "api_key")
	}
	f.Fuzz(func(t *testing.T, raw, name string) {
		all := QueryAll(raw, name)
		last, ok := QueryLast(raw, name)
		if ok != (len(all) > 0) || ok && last != all[len(all)-1] {
			t.Fatalf("QueryLast %q %v, QueryAll %q", last, ok, all)
		}
		for _, v := range all {
			if !utf8.ValidString(v) {
				t.Fatalf("invalid UTF-8 %q", v)
			}
		}
		fields, err := ParseURLEncoded([]byte(raw), DefaultFormLimits())
		if err != nil {
			var he *keel.HTTPError
			if !errors.As(err, &he) || he.Status != 400 {
				t.Fatalf("error %v", err)
			}
			return
		}
		var form []string
		for _, fl := range fields {
			if fl.Name == name {
				form = append(form, fl.Value)
			}
		}
		if !slices.Equal(form, all) {
			t.Fatalf("form reader %q, query reader %q", form, all)
		}
		// QueryFields reads the same values in one scan, for several names.
		names := []string{name, "a", name + "x", "\uFFFD", ""}
		qf := NewQueryFields(names...)
		found := make([]QueryField, len(names))
		qf.Scan(raw, found)
		for i, n := range names {
			if slices.Index(names, n) != i {
				continue // a repeated name is found at its first index
			}
			want := QueryAll(raw, n)
			if found[i].N != len(want) || len(want) > 0 && Unquote(found[i].Raw) != want[len(want)-1] {
				t.Fatalf("QueryFields %q: %d %q; QueryAll %q", n, found[i].N, found[i].Raw, want)
			}
			if got := qf.Values(raw, i, nil); !slices.Equal(got, want) && (len(got) > 0 || len(want) > 0) {
				t.Fatalf("Values %q: %q, want %q", n, got, want)
			}
		}
		if utf8.ValidString(raw) && Text([]byte(raw)) != raw {
			t.Fatal("Text changed valid UTF-8")
		}
		if s := Text([]byte(raw)); !utf8.ValidString(s) || len(s) > 3*len(raw) {
			t.Fatalf("Text(%q) = %q", raw, s)
		}
	})
}

// FuzzMultipart: any body and Content-Type is a form or a 4xx error, never a
// panic; values are valid text, and files are slices of the body.
func FuzzMultipart(f *testing.F) {
	good := "--abc\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--abc\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\nContent-Type: text/plain\r\n\r\nDATA\r\n--abc--\r\n"
	f.Add([]byte(good), "multipart/form-data; boundary=abc")
	f.Add([]byte(good[:60]), "multipart/form-data; boundary=abc")
	f.Add([]byte("--\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n----"), "multipart/form-data; boundary=")
	f.Add([]byte("\r\nx--abc--"), `multipart/form-data; boundary="abc"; charset=latin-1`)
	f.Add([]byte("a=1&b=%zz"), "application/x-www-form-urlencoded")
	lim := DefaultFormLimits()
	lim.MaxFileSize, lim.MaxMemory = 1<<10, 1<<12
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		fields, err := ParseForm(body, ct, lim)
		if err != nil {
			var he *keel.HTTPError
			if !errors.As(err, &he) || he.Status != 400 && he.Status != 413 {
				t.Fatalf("error %v", err)
			}
			return
		}
		for _, fl := range fields {
			if !utf8.ValidString(fl.Name) || !utf8.ValidString(fl.Value) {
				t.Fatalf("invalid text %q %q", fl.Name, fl.Value)
			}
			if fl.File != nil && !bytes.Contains(body, fl.File.Data) {
				t.Fatal("file data is not from the body")
			}
		}
	})
}

// FuzzCookie: the cookie and header readers never panic and return text.
func FuzzCookie(f *testing.F) {
	for _, s := range []string{"sess=a; sess=b", ` sess = "a\"b\101" `, "sess", "=x; sess=\xff", "a=1;;;sess=\"\\"} {
		f.Add(s, "sess")
	}
	f.Fuzz(func(t *testing.T, header, name string) {
		v, ok := CookieIn([]string{header, header}, name)
		v1, ok1 := CookieIn([]string{header}, name)
		if v != v1 || ok != ok1 || !utf8.ValidString(v) {
			t.Fatalf("%q %v / %q %v", v, ok, v1, ok1)
		}
		if !strings.Contains(header, name) && ok && name != "" {
			t.Fatalf("found %q in %q", name, header)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Cookie"] = []string{header}
		if got, _ := Cookie(r, name); got != v {
			t.Fatal("Cookie and CookieIn disagree")
		}
	})
}

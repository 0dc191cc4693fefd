package pycompat

import "testing"

func TestTitle(t *testing.T) {
	for in, want := range map[string]string{
		"v2items": "V2Items", "userID": "Userid", "x-token": "X-Token", "user-agent": "User-Agent",
		"ads id": "Ads Id", "X-Custom Name": "X-Custom Name", "other-scheme": "Other-Scheme", "": "",
		"read own items": "Read Own Items", "éclair au chocolat": "Éclair Au Chocolat",
		"item-query": "Item-Query", "ÉTÉ été": "Été Été", "Response Read Items Items  Get": "Response Read Items Items  Get",
	} {
		if got := Title(in); got != want {
			t.Errorf("Title(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestStripFastPath: Strip's early return gives what the full loop gives, for
// every byte at either end.
func TestStripFastPath(t *testing.T) {
	for a := range 256 {
		for b := range 256 {
			for _, s := range []string{string([]byte{byte(a), byte(b)}), string([]byte{byte(a)}) + " x " + string([]byte{byte(b)})} {
				if got, want := Strip(s), strip(s); got != want {
					t.Fatalf("Strip(%q) = %q, the loop gives %q", s, got, want)
				}
			}
		}
	}
}

func TestStripSplitRepr(t *testing.T) {
	for in, want := range map[string]string{
		" \t\n\v\f\r\x1c\x1d\x1e\x1fabc \x1f": "abc", "\xa0x\x85": "\xa0x\x85", "": "", "a b": "a b",
	} {
		if got := Strip(in); got != want {
			t.Errorf("Strip(%q) = %q, want %q", in, got, want)
		}
	}
	if got := StripLatin1("\xa0 x\x85\t"); got != "x" {
		t.Errorf("StripLatin1 = %q", got)
	}
	if got := Split("  a b\tc  \u3000d\x1fe"); len(got) != 5 || got[4] != "e" {
		t.Errorf("Split = %q", got)
	}
	if got := Split(""); got == nil || len(got) != 0 {
		t.Errorf("Split(\"\") = %#v, want []", got)
	}
	for in, want := range map[string]string{`a`: `'a'`, `it's`: `"it's"`, `'"`: `'\'"'`, "\x01\n": `'\x01\n'`} {
		if got := Repr(in); got != want {
			t.Errorf("Repr(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestEqualFoldASCII(t *testing.T) {
	for _, c := range []struct {
		s, lower string
		want     bool
	}{
		{"Bearer", "bearer", true}, {"BEARER", "bearer", true}, {"bearer", "bearer", true},
		{"bearer ", "bearer", false}, {"bear", "bearer", false}, {"", "", true},
		{"baſic", "basic", false}, {"\u212aey", "key", false}, {"B\u0131", "bi", false},
		{"APPLICATION", "application", true}, {"+JSON", "+json", true}, {"[json", "{json", false},
	} {
		if got := EqualFoldASCII(c.s, c.lower); got != c.want {
			t.Errorf("EqualFoldASCII(%q, %q) = %v, want %v", c.s, c.lower, got, c.want)
		}
	}
}

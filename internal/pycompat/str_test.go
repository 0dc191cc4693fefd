package pycompat

import "testing"

func TestTitle(t *testing.T) {
	for in, want := range map[string]string{
		"v2items": "V2Items", "userID": "Userid", "x-token": "X-Token", "user-agent": "User-Agent",
		"ads id": "Ads Id", "X-Custom Name": "X-Custom Name", "other-scheme": "Other-Scheme", "": "",
		"read own items": "Read Own Items", "éclair au chocolat": "Éclair Au Chocolat",
	} {
		if got := Title(in); got != want {
			t.Errorf("Title(%q) = %q, want %q", in, got, want)
		}
	}
}

package keeltest_test

import (
	"os"
	"strings"
	"testing"

	"github.com/keelgo/keel/keeltest"
	"github.com/keelgo/keel/router"
)

// docs/testing.md shows the report of a failed ExpectJSON; this runs the check
// it describes and compares the report with the one shown.
func TestDocsShowTheReport(t *testing.T) {
	page, err := os.ReadFile("../docs/testing.md")
	if err != nil {
		t.Skip("docs/testing.md is not here: ", err)
	}
	const intro = "A mismatch lists each difference by its path:\n\n"
	_, rest, ok := strings.Cut(string(page), intro)
	if !ok {
		t.Fatalf("docs/testing.md no longer says %q", intro)
	}
	var shown []string
	for i, l := range strings.Split(rest, "\n") {
		l = strings.TrimPrefix(l, "  ")
		if i == 0 {
			if l != "```" {
				t.Fatalf("the report is not a code block: %q", l)
			}
			continue
		}
		if l == "```" {
			break
		}
		shown = append(shown, l)
	}

	app := router.New(router.Info{Title: "Items"})
	app.Post("/items/", func(it Item) (Item, error) { return it, nil }, router.Status(201))
	f := run(t, func(tb testing.TB) {
		keeltest.New(tb, app).Post("/items/", keeltest.JSON(map[string]any{"name": "Saw"})).
			ExpectStatus(422).
			ExpectJSON(`{"detail": [{"type": "missing", "loc": ["body", "price"], "msg": "Field required"}]}`)
	})
	if got := f.failures(); len(got) != 1 || got[0] != strings.Join(shown, "\n") {
		t.Errorf("docs/testing.md shows\n%s\nthe check reports\n%s", strings.Join(shown, "\n"), strings.Join(got, "\n---\n"))
	}
}

package docstest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// request is a request shown in prose: a method and a path.
	request = regexp.MustCompile(`\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /`)
	// answer is what shows an answer next to a request: a status code, a JSON
	// object, an arrow, a Location header, or the verbs the guides use.
	answer = regexp.MustCompile(`\b[1-5][0-9][0-9]\b|\{"|→|->|\bLocation:|\banswer|\bresponds|\breturns\b|\bgives\b|\bgets\b`)
	// requestPath is a request's path, without its query.
	requestPath = regexp.MustCompile(`\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (/[^\s?` + "`" + `]*)`)
	// transcriptPath is the path of a URL in a transcript's command.
	transcriptPath = regexp.MustCompile(`https?://[^/\s'"]+(/[^\s?'"]*)`)
	// statusLine is an HTTP status line.
	statusLine = regexp.MustCompile(`^HTTP/[0-9.]+ [0-9]{3}\b`)
)

// TestDocsShowOnlyExecutedAnswers fails when a page shows a request and its
// answer in a form TestDocs does not execute: a status line outside a
// transcript, a curl command outside one, or a paragraph, list item or table
// row that names a request ("GET /items/") together with an answer ("401",
// `{"detail":...}`, "→", "answers").
//
// A page may show answers that another test executes, with a marker on the
// line before the paragraph, list or table: <!-- docstest:checked-by PATH -->.
// PATH (from the repository root) must exist and name every path requested in
// the marked lines.
func TestDocsShowOnlyExecutedAnswers(t *testing.T) {
	root := repoRoot(t)
	pages, err := loadPages(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		for _, c := range unexecutedClaims(p, root) {
			t.Error(c)
		}
	}
}

var checkedBy = regexp.MustCompile(`^<!-- docstest:checked-by (\S+) -->$`)

// unexecutedClaims lists the places of p that show answers outside transcripts.
func unexecutedClaims(p *page, root string) []string {
	var out []string
	const fix = "show it as a \"$ curl\" transcript after the program it runs against (internal/docstest/docs_test.go)"
	inBlock := map[int]*block{}
	for _, b := range p.blocks {
		for l := b.line; l <= b.first+len(b.body); l++ {
			inBlock[l] = b
		}
		if b.checkedBy != "" {
			// A transcript another test runs: that test must exist and
			// request every URL path the transcript shows.
			src, err := os.ReadFile(filepath.Join(root, b.checkedBy))
			if err != nil {
				out = append(out, fmt.Sprintf("%s:%d: checked-by %s: %v", p.name, b.line, b.checkedBy, err))
				continue
			}
			for _, e := range b.transcript {
				for _, u := range transcriptPath.FindAllStringSubmatch(e.command, -1) {
					if !strings.Contains(string(src), u[1]) {
						out = append(out, fmt.Sprintf("%s:%d: checked by %s, which never requests %s", p.name, e.line, b.checkedBy, u[1]))
					}
				}
			}
		}
		if b.lang == "go" || b.transcript != nil {
			continue
		}
		for i, l := range b.body {
			switch {
			case statusLine.MatchString(strings.TrimSpace(l)):
				out = append(out, fmt.Sprintf("%s:%d: an HTTP status line outside a transcript; %s", p.name, b.first+i, fix))
			case strings.Contains(l, "curl "):
				out = append(out, fmt.Sprintf("%s:%d: a curl command in a block that is not a transcript (its lines must start with \"$ \"); %s", p.name, b.first+i, fix))
			}
		}
	}
	// Prose, cut into units: paragraphs, list items, table rows.
	var unit []string
	start := 0
	flush := func() {
		text := strings.Join(unit, " ")
		text = stripCodeOfGo(text)
		if request.MatchString(text) && answer.MatchString(text) {
			out = append(out, fmt.Sprintf("%s:%d: a request and its answer in prose (%q); %s", p.name, start, clip(text), fix))
		}
		if statusLine.MatchString(strings.TrimSpace(text)) {
			out = append(out, fmt.Sprintf("%s:%d: an HTTP status line outside a transcript; %s", p.name, start, fix))
		}
		unit = nil
	}
	checker := "" // the test file named by a checked-by marker, up to the next blank line
	for i, l := range p.lines {
		n := i + 1
		if m := checkedBy.FindStringSubmatch(strings.TrimSpace(l)); m != nil && inBlock[n] == nil {
			flush()
			if b := inBlock[n+1]; b != nil && b.checkedBy != "" {
				continue // the transcript's marker, checked above
			}
			checker = m[1]
			src, err := os.ReadFile(filepath.Join(root, checker))
			if err != nil {
				out = append(out, fmt.Sprintf("%s:%d: checked-by %s: %v", p.name, n, checker, err))
			}
			for j := i + 1; j < len(p.lines) && strings.TrimSpace(p.lines[j]) != ""; j++ {
				for _, r := range requestPath.FindAllStringSubmatch(p.lines[j], -1) {
					if err == nil && !strings.Contains(string(src), r[1]) {
						out = append(out, fmt.Sprintf("%s:%d: %s is checked by %s, which never requests %s", p.name, j+1, r[0], checker, r[1]))
					}
				}
			}
			continue
		}
		if inBlock[n] != nil || strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
			flush()
			checker = ""
			continue
		}
		if checker != "" {
			continue
		}
		tl := strings.TrimSpace(l)
		if strings.HasPrefix(tl, "|") || strings.HasPrefix(tl, "- ") || strings.HasPrefix(tl, "* ") || regexp.MustCompile(`^\d+\. `).MatchString(tl) {
			flush()
		}
		if unit == nil {
			start = n
		}
		unit = append(unit, l)
	}
	flush()
	return out
}

// goCall matches Go code in inline spans, such as app.Get("/items/", ...),
// which names a route, not a request.
var goCall = regexp.MustCompile("`[^`]*\\(\"[^`]*`")

func stripCodeOfGo(s string) string { return goCall.ReplaceAllString(s, "") }

func clip(s string) string {
	if len(s) > 90 {
		return s[:90] + "..."
	}
	return s
}

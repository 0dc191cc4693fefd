package docstest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// A page is one Markdown file of the documentation: README.md or docs/*.md.
type page struct {
	name   string   // "README.md", "docs/tutorial.md"
	lines  []string // the file, line by line
	blocks []*block // fenced code blocks, in order
}

// A block is a fenced code block.
type block struct {
	page  *page
	index int    // position among the page's blocks
	line  int    // line of the opening fence (1-based)
	lang  string // "go", "sh", ... ("" when none)
	body  []string
	first int // line of the first body line (1-based)

	// For Go blocks.
	program bool // a package main with func main, not a test file
	test    bool // has Test or Example functions

	// For ```sh blocks with "$ " lines.
	transcript []*exchange
	runsOn     *block // the program a transcript runs against
	// checkedBy is the test file (from the repository root) that runs a
	// transcript marked <!-- docstest:checked-by PATH --> on the line before
	// its fence, against programs TestDocs cannot start (several instances of
	// the example, Redis, a reverse proxy); TestDocs leaves it to that test.
	checkedBy string
}

func (b *block) where() string { return fmt.Sprintf("%s:%d", b.page.name, b.line) }

// name is a stable identifier of the block, usable as a directory and package name.
func (b *block) name() string {
	base := strings.TrimSuffix(filepath.Base(b.page.name), ".md")
	base = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '_'
	}, base)
	return fmt.Sprintf("%s_%d", base, b.index)
}

var fence = regexp.MustCompile("^(\\s*)(```+)\\s*([A-Za-z0-9_+-]*)\\s*$")

// loadPages reads README.md and docs/*.md under root.
func loadPages(root string) ([]*page, error) {
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	var pages []*page
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(root, f)
		p, err := parsePage(filepath.ToSlash(rel), string(src))
		if err != nil {
			return nil, err
		}
		pages = append(pages, p)
	}
	return pages, nil
}

// parsePage splits a page into its fenced blocks, parses transcripts and binds
// each to the program it runs against.
func parsePage(name, src string) (*page, error) {
	p := &page{name: name, lines: strings.Split(src, "\n")}
	var cur *block
	var indent, marker string
	for i, l := range p.lines {
		if cur == nil {
			if m := fence.FindStringSubmatch(l); m != nil {
				cur = &block{page: p, index: len(p.blocks), line: i + 1, lang: m[3], first: i + 2}
				indent, marker = m[1], m[2]
			}
			continue
		}
		if strings.TrimSpace(l) == marker {
			p.blocks = append(p.blocks, cur)
			cur = nil
			continue
		}
		cur.body = append(cur.body, strings.TrimPrefix(l, indent))
	}
	if cur != nil {
		return nil, fmt.Errorf("%s: unterminated code block", cur.where())
	}
	var program *block
	for _, b := range p.blocks {
		switch b.lang {
		case "go":
			code := strings.Join(b.body, "\n")
			b.test = strings.Contains(code, "\nfunc Test") || strings.Contains(code, "\nfunc Example")
			b.program = !b.test && strings.HasPrefix(strings.TrimSpace(code), "package main") && strings.Contains(code, "\nfunc main()")
			if b.program {
				program = b
			}
		case "sh", "console", "shell", "bash":
			if !slices.ContainsFunc(b.body, func(l string) bool { return strings.HasPrefix(l, "$ ") }) {
				continue
			}
			t, err := parseTranscript(b)
			if err != nil {
				return nil, err
			}
			if b.line >= 2 {
				if m := checkedBy.FindStringSubmatch(strings.TrimSpace(p.lines[b.line-2])); m != nil {
					b.transcript, b.checkedBy = t, m[1]
					continue
				}
			}
			if program == nil {
				return nil, fmt.Errorf("%s: a transcript must follow the Go program it runs against", b.where())
			}
			b.transcript, b.runsOn = t, program
		}
	}
	return p, nil
}

// An exchange is one "$ curl ..." command of a transcript and the output shown
// for it.
type exchange struct {
	block   *block
	line    int    // line of the "$ " (1-based)
	command string // the command, continuation lines joined
	output  []string
}

func (e *exchange) where() string { return fmt.Sprintf("%s:%d", e.block.page.name, e.line) }

// parseTranscript reads the "$ command" lines of a shell block and the output
// lines after each. A command ending in "\" continues on the next line. Output
// runs to the next "$ " line; blank lines at its end are not part of it.
func parseTranscript(b *block) ([]*exchange, error) {
	var out []*exchange
	var cur *exchange
	cont := false
	for i, l := range b.body {
		line := b.first + i
		switch {
		case cont:
			cur.command += " " + strings.TrimSpace(strings.TrimSuffix(l, "\\"))
			cont = strings.HasSuffix(l, "\\")
		case strings.HasPrefix(l, "$ "):
			cur = &exchange{block: b, line: line, command: strings.TrimSpace(strings.TrimSuffix(l[2:], "\\"))}
			cont = strings.HasSuffix(l, "\\")
			out = append(out, cur)
		case cur == nil:
			if strings.TrimSpace(l) != "" {
				return nil, fmt.Errorf("%s:%d: text before the first \"$ \" command of a transcript", b.page.name, line)
			}
		default:
			cur.output = append(cur.output, l)
		}
	}
	for _, e := range out {
		for len(e.output) > 0 && strings.TrimSpace(e.output[len(e.output)-1]) == "" {
			e.output = e.output[:len(e.output)-1]
		}
	}
	return out, nil
}

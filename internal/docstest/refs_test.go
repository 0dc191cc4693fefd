package docstest

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the repository's top directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// sectionHeading matches a heading of docs/fastapi-compat.md: "## §3 ..." or
// "### §3.5 ...".
var sectionHeading = regexp.MustCompile(`(?m)^#{2,4} §(\d+(?:\.\d+)*) `)

// citation matches "fastapi-compat.md §x.y" (also as a Markdown link,
// "[fastapi-compat.md §x.y](...)") and the further sections listed right after
// it ("§4.4, §5", "§6.4–§6.7", "§1.2/§1.5").
var citation = regexp.MustCompile(`fastapi-compat\.md\)? ?§(\d+(?:\.\d+)*)((?:\]\([^)]*\))?(?:(?:, | and |–|-|/)§\d+(?:\.\d+)*)*)`)

var sectionRef = regexp.MustCompile(`§(\d+(?:\.\d+)*)`)

// externalSpec matches a citation of the project's external notes instead of
// the reference in the repository.
var externalSpec = regexp.MustCompile(`(?i)\bspec ` + "§")

// TestCompatCitations checks that every "docs/fastapi-compat.md §x.y" cited in the
// repository (code comments, tests, guides) names a section that the reference
// has, that the reference's own cross references resolve, and that nothing cites
// the external spec (the word "spec" followed by a section sign) instead.
func TestCompatCitations(t *testing.T) {
	root := repoRoot(t)
	ref, err := os.ReadFile(filepath.Join(root, "docs", "fastapi-compat.md"))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, m := range sectionHeading.FindAllSubmatch(ref, -1) {
		have[string(m[1])] = true
	}
	for _, s := range []string{"0", "1", "2", "3", "4", "5", "6", "7"} {
		if !have[s] {
			t.Errorf("docs/fastapi-compat.md has no section §%s", s)
		}
	}
	cited := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if name == ".git" || name == "node_modules" || (name == "testdata" && strings.Contains(path, "docstest")) {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(name) {
		case ".go", ".md", ".yaml", ".yml", ".sh", ".txt":
		default:
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		line := func(off int) int { return bytes.Count(src[:off], []byte("\n")) + 1 }
		for _, m := range citation.FindAllSubmatchIndex(src, -1) {
			for _, s := range sectionRef.FindAllSubmatch(src[m[0]:m[1]], -1) {
				cited++
				if !have[string(s[1])] {
					t.Errorf("%s:%d cites docs/fastapi-compat.md §%s, which does not exist", rel, line(m[0]), s[1])
				}
			}
		}
		for _, m := range externalSpec.FindAllIndex(src, -1) {
			t.Errorf("%s:%d cites the external spec; cite docs/fastapi-compat.md §x.y instead", rel, line(m[0]))
		}
		if rel == filepath.Join("docs", "fastapi-compat.md") {
			for _, m := range sectionRef.FindAllSubmatchIndex(src, -1) {
				if s := string(src[m[2]:m[3]]); !have[s] {
					t.Errorf("%s:%d refers to §%s, which does not exist", rel, line(m[0]), s)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cited < 100 {
		t.Errorf("found only %d citations of docs/fastapi-compat.md; is the pattern still right?", cited)
	}
}

// TestDesignPackageMap checks that DESIGN.md's package map names every package
// of every Go module in the repository.
func TestDesignPackageMap(t *testing.T) {
	root := repoRoot(t)
	design, err := os.ReadFile(filepath.Join(root, "DESIGN.md"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, block := range regexp.MustCompile("(?s)## Packages\n(.*?)\n## ").FindAllSubmatch(design, -1) {
		for _, l := range strings.Split(string(block[1]), "\n") {
			f := strings.Fields(l)
			if len(f) == 0 {
				continue
			}
			if f[0] == "(root)" {
				listed["."] = true
				continue
			}
			listed[strings.TrimSuffix(f[0], "/")] = true
		}
	}
	// A package is a directory holding .go files, in any module of the repository.
	pkgs := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n := d.Name()
			if n == ".git" || n == "node_modules" || n == "testdata" || (strings.HasPrefix(n, ".") && path != root) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), ".go") {
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			pkgs[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for p := range pkgs {
		if !listed[p] {
			missing = append(missing, p)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("DESIGN.md's package map does not list %s; add a line for each", strings.Join(missing, ", "))
	}
}

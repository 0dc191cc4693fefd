package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lintReport is the part of `redocly lint --format=json` the test reads.
type lintReport struct {
	Totals struct {
		Errors   int `json:"errors"`
		Warnings int `json:"warnings"`
	} `json:"totals"`
	Problems []struct {
		RuleID   string `json:"ruleId"`
		Severity string `json:"severity"`
		Message  string `json:"message"`
		Location []struct {
			Pointer string `json:"pointer"`
		} `json:"location"`
	} `json:"problems"`
}

// TestRedoclyLint lints the running example's /openapi.json with the npm
// linter @redocly/cli (issue 4, item 5a) and requires 0 errors. The rules are
// Redocly's "recommended" ones minus those redocly.yaml turns off, each because
// it contradicts FastAPI's document shape.
func TestRedoclyLint(t *testing.T) {
	requireE2E(t)
	redocly := redoclyPath(t)
	ex := startExample(t)
	dir := t.TempDir()
	doc := ex.openAPIFile(t, dir)

	report := lint(t, redocly, doc)
	for _, p := range report.Problems {
		ptr := ""
		if len(p.Location) > 0 {
			ptr = p.Location[0].Pointer
		}
		t.Logf("redocly %s %s at %s: %s", p.Severity, p.RuleID, ptr, p.Message)
	}
	if report.Totals.Errors != 0 {
		t.Errorf("redocly lint: %d errors, want 0 (problems above)", report.Totals.Errors)
	}

	// The linter and its configuration are not a no-op: a dangling $ref in the
	// same document is an error.
	t.Run("dangling ref is an error", func(t *testing.T) {
		raw, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		const ref = `"$ref":"#/components/schemas/Token"`
		if !bytes.Contains(raw, []byte(ref)) {
			t.Fatalf("the document has no %s to break", ref)
		}
		broken := filepath.Join(dir, "broken.json")
		raw = bytes.Replace(raw, []byte(ref), []byte(`"$ref":"#/components/schemas/NoSuchSchema"`), 1)
		if err := os.WriteFile(broken, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		report := lint(t, redocly, broken)
		found := false
		for _, p := range report.Problems {
			found = found || (p.RuleID == "no-unresolved-refs" && p.Severity == "error")
		}
		if report.Totals.Errors == 0 || !found {
			t.Errorf("redocly lint of a document with a dangling $ref: %d errors, no-unresolved-refs reported: %v; want an error", report.Totals.Errors, found)
		}
	})
}

// lint runs redocly lint on doc with redocly.yaml and returns its JSON report.
// Its exit status is ignored (it is 1 when there are errors); a report that
// cannot be read fails the test.
func lint(t *testing.T, redocly, doc string) lintReport {
	t.Helper()
	config, err := filepath.Abs("redocly.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, redocly, "lint",
		"--config", config,
		"--lint-config", "error", // a mistyped rule name in redocly.yaml fails
		"--format", "json",
		doc)
	cmd.Env = append(os.Environ(),
		"REDOCLY_TELEMETRY=off",
		"REDOCLY_SUPPRESS_UPDATE_NOTICE=true",
		"NO_COLOR=1",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	t.Logf("redocly lint %s (%v)", filepath.Base(doc), time.Since(start).Round(time.Millisecond))
	var report lintReport
	if jerr := json.Unmarshal(stdout.Bytes(), &report); jerr != nil {
		t.Fatalf("redocly lint gave no JSON report (%v, %v):\nstdout:\n%s\nstderr:\n%s", err, jerr, stdout.String(), stderr.String())
	}
	return report
}

// redoclyPath returns scripts/node_modules/.bin/redocly, running npm install
// in scripts/ (package.json pins @redocly/cli) when it is missing.
func redoclyPath(t *testing.T) string {
	t.Helper()
	scripts := filepath.Join(repoRoot(), "scripts")
	bin := filepath.Join(scripts, "node_modules", ".bin", "redocly")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("%s is missing and npm is not installed to install it (Debian: apt-get install npm; then: cd scripts && npm install)", bin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund")
	cmd.Dir = scripts
	run(t, "npm install (scripts/package.json)", cmd)
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("npm install in %s did not install %s", scripts, strings.TrimPrefix(bin, scripts+"/"))
	}
	return bin
}

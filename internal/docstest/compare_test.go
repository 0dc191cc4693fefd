package docstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Elision. A guide may leave out what varies or does not matter with "...":
//
//   - in a header value, a text body or a JSON string, "..." matches any text
//     ("Bearer eyJ...", `nonce="..."`);
//   - as the last member of a JSON object, "..." stands for any further members
//     ({"type":"missing",...});
//   - as the last element of a JSON array, "..." stands for any further elements.
//
// Nothing else is elided: every header shown must be sent with that value, and
// every header sent must be shown, except Date and Content-Length (curl -i
// output in the guides leaves these out).
const elision = "..."

// unshown are the response headers a guide may leave out of curl -i output.
var unshown = []string{"Date", "Content-Length"}

// matchOutput compares what a transcript shows for a command with the
// response. It returns "" when they agree, else what differs.
func matchOutput(include bool, shown []string, got *response) string {
	var want []string
	body := shown
	if include {
		if len(shown) == 0 {
			return "curl -i output shows no status line"
		}
		i := slices.Index(shown, "")
		if i < 0 {
			i = len(shown)
			body = nil
		} else {
			body = shown[i+1:]
		}
		want = shown[:i]
		if want[0] != got.statusLine {
			return fmt.Sprintf("status line: shown %q, got %q", want[0], got.statusLine)
		}
		if d := matchHeaders(want[1:], got.headers); d != "" {
			return d
		}
	}
	return matchBody(strings.Join(body, "\n"), got.body)
}

func matchHeaders(want, got []string) string {
	left := slices.Clone(got)
	for _, w := range want {
		name, value, ok := strings.Cut(w, ": ")
		if !ok {
			return fmt.Sprintf("header line %q: want \"Name: value\"", w)
		}
		found := -1
		for i, g := range left {
			gn, gv, _ := strings.Cut(g, ": ")
			if gn == name && matchText(value, gv) {
				found = i
				break
			}
		}
		if found < 0 {
			var same []string
			for _, g := range got {
				if gn, _, _ := strings.Cut(g, ":"); strings.EqualFold(gn, name) {
					same = append(same, g)
				}
			}
			if len(same) == 0 {
				return fmt.Sprintf("header %q is shown but was not sent", w)
			}
			return fmt.Sprintf("header %q is shown, got %q", w, same)
		}
		left = slices.Delete(left, found, found+1)
	}
	for _, g := range left {
		gn, _, _ := strings.Cut(g, ":")
		if !slices.ContainsFunc(unshown, func(u string) bool { return strings.EqualFold(u, gn) }) {
			return fmt.Sprintf("header %q was sent but is not shown", g)
		}
	}
	return ""
}

// matchText compares text with "..." matching any run of characters.
func matchText(want, got string) bool {
	if !strings.Contains(want, elision) {
		return want == got
	}
	parts := strings.Split(want, elision)
	var re strings.Builder
	re.WriteString("(?s)^")
	for i, p := range parts {
		if i > 0 {
			re.WriteString(".*")
		}
		re.WriteString(regexp.QuoteMeta(p))
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()).MatchString(got)
}

// matchBody compares a shown body with the one received: as JSON when the
// shown body is JSON (with elisions), else as text.
func matchBody(want string, got []byte) string {
	want = strings.TrimSpace(want)
	gotText := strings.TrimRight(string(got), "\n")
	if want == "" {
		if len(got) != 0 {
			return fmt.Sprintf("no body is shown, got %q", got)
		}
		return ""
	}
	if w, err := parseElided(want); err == nil {
		var g any
		dec := json.NewDecoder(bytes.NewReader(got))
		dec.UseNumber()
		if err := dec.Decode(&g); err != nil {
			return fmt.Sprintf("a JSON body is shown, got %q", got)
		}
		if path := matchJSON(w, g, "$"); path != "" {
			return fmt.Sprintf("body differs at %s:\n  shown %s\n  got   %s", path, want, gotText)
		}
		return ""
	}
	if !matchText(want, gotText) {
		return fmt.Sprintf("body:\n  shown %q\n  got   %q", want, gotText)
	}
	return ""
}

// elided marks an elided rest of an object or array in a parsed shown body.
const elidedKey = "\x00..."

// parseElided parses JSON in which "..." may stand for the rest of an object
// or array. Text that does not start like JSON is not JSON.
func parseElided(s string) (any, error) {
	if s == "" || !strings.ContainsRune("{[\"", rune(s[0])) && s != "null" && s != "true" && s != "false" && !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		return nil, fmt.Errorf("not JSON")
	}
	// Replace each "..." outside strings by a marker member or element.
	var b strings.Builder
	var stack []byte
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr {
			b.WriteByte(c)
			if c == '\\' && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			stack = append(stack, c)
		case c == '}' || c == ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case strings.HasPrefix(s[i:], elision):
			if len(stack) == 0 {
				return nil, fmt.Errorf("... outside an object or array")
			}
			q, _ := json.Marshal(elidedKey)
			if stack[len(stack)-1] == '{' {
				b.Write(q)
				b.WriteString(":null")
			} else {
				b.Write(q)
			}
			i += len(elision) - 1
			continue
		}
		b.WriteByte(c)
	}
	dec := json.NewDecoder(strings.NewReader(b.String()))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data")
	}
	return v, nil
}

// matchJSON compares parsed JSON values: numbers by value, strings with "..."
// elisions, objects and arrays with an elided rest. It returns the path of the
// first difference, or "".
func matchJSON(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path
		}
		_, open := w[elidedKey]
		for k, wv := range w {
			if k == elidedKey {
				continue
			}
			gv, ok := g[k]
			if !ok {
				return path + "." + k + " (missing)"
			}
			if p := matchJSON(wv, gv, path+"."+k); p != "" {
				return p
			}
		}
		if !open {
			for k := range g {
				if _, ok := w[k]; !ok {
					return path + "." + k + " (not shown)"
				}
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return path
		}
		open := len(w) > 0 && w[len(w)-1] == elidedKey
		if open {
			w = w[:len(w)-1]
		}
		if len(g) < len(w) || !open && len(g) != len(w) {
			return fmt.Sprintf("%s (length %d, shown %d)", path, len(g), len(w))
		}
		for i := range w {
			if w[i] == elidedKey {
				return fmt.Sprintf("%s[%d] (... is allowed only last)", path, i)
			}
			if p := matchJSON(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
		return ""
	case string:
		g, ok := got.(string)
		if !ok || !matchText(w, g) {
			return path
		}
		return ""
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return path
		}
		wf, err1 := w.Float64()
		gf, err2 := g.Float64()
		if err1 != nil || err2 != nil || wf != gf {
			if w.String() != g.String() {
				return path
			}
		}
		return ""
	default:
		if want != got {
			return path
		}
		return ""
	}
}

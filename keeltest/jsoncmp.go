package keeltest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// EqualJSON reports whether got and want are the same JSON value, and reports
// the differences to t (t.Errorf) when they are not. Each is JSON text (a
// string, []byte or json.RawMessage) or a Go value, compared as encoding/json
// encodes it.
//
// The comparison is structural and exact: object key order and insignificant
// whitespace are ignored, numbers are compared by their exact decimal value (1,
// 1.0 and 1e0 are equal; 9007199254740993 and 9007199254740992 are not), and
// everything else must match. Each difference is listed
// by its path, as in
//
//	$.detail[0].msg: got "field required", want "Field required"
//	$.items: 3 elements, want 2
//	$.items[2]: unexpected, got {"id":3}
func EqualJSON(t testing.TB, got, want any) bool {
	t.Helper()
	g, err := jsonValue(got)
	if err != nil {
		t.Errorf("keeltest.EqualJSON: got: %v", err)
		return false
	}
	w, err := jsonValue(want)
	if err != nil {
		t.Errorf("keeltest.EqualJSON: want: %v", err)
		return false
	}
	if d := diffJSON(g, w); d != "" {
		t.Errorf("JSON differs:\n%s\ngot:  %s\nwant: %s", d, clip(compact(g)), clip(compact(w)))
		return false
	}
	return true
}

// jsonValue parses JSON text, or encodes a Go value and parses that.
func jsonValue(x any) (any, error) {
	switch v := x.(type) {
	case string:
		return parseJSON([]byte(v))
	case []byte:
		return parseJSON(v)
	case json.RawMessage:
		return parseJSON(v)
	}
	b, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	return parseJSON(b)
}

// parseJSON parses one JSON value, numbers kept as written.
func parseJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty, not JSON")
		}
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

func compact(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

const maxDiffs = 20

// diffJSON lists the differences between two parsed values, "" when equal.
func diffJSON(got, want any) string {
	var out []string
	walk("$", got, want, &out)
	if len(out) > maxDiffs {
		out = append(out[:maxDiffs], fmt.Sprintf("… and %d more differences", len(out)-maxDiffs))
	}
	if len(out) == 0 {
		return ""
	}
	return "\t" + strings.Join(out, "\n\t")
}

func walk(path string, got, want any, out *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		for _, k := range sortedKeys(w) {
			if gv, ok := g[k]; ok {
				walk(path+member(k), gv, w[k], out)
			} else {
				*out = append(*out, fmt.Sprintf("%s: missing, want %s", path+member(k), show(w[k])))
			}
		}
		for _, k := range sortedKeys(g) {
			if _, ok := w[k]; !ok {
				*out = append(*out, fmt.Sprintf("%s: unexpected, got %s", path+member(k), show(g[k])))
			}
		}
		return
	case []any:
		g, ok := got.([]any)
		if !ok {
			break
		}
		if len(g) != len(w) {
			*out = append(*out, fmt.Sprintf("%s: %d elements, want %d", path, len(g), len(w)))
		}
		for i := range max(len(g), len(w)) {
			p := path + "[" + strconv.Itoa(i) + "]"
			switch {
			case i >= len(g):
				*out = append(*out, fmt.Sprintf("%s: missing, want %s", p, show(w[i])))
			case i >= len(w):
				*out = append(*out, fmt.Sprintf("%s: unexpected, got %s", p, show(g[i])))
			default:
				walk(p, g[i], w[i], out)
			}
		}
		return
	case json.Number:
		if g, ok := got.(json.Number); ok && numberKey(string(g)) == numberKey(string(w)) {
			return
		}
	default: // string, bool, nil
		if got == want {
			return
		}
	}
	*out = append(*out, fmt.Sprintf("%s: got %s, want %s", path, show(got), show(want)))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// member is the path step to an object member: .name, or ["other key"].
func member(k string) string {
	ident := k != ""
	for i, c := range k {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			ident = false
			break
		}
	}
	if ident {
		return "." + k
	}
	b, _ := json.Marshal(k)
	return "[" + string(b) + "]"
}

// show renders a value in a difference, shortened.
func show(v any) string {
	s := string(compact(v))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// numberKey is a canonical form of a JSON number's decimal value: equal
// values, however written, have the same key. The number is valid JSON.
func numberKey(num string) string {
	neg := strings.HasPrefix(num, "-")
	s := strings.TrimPrefix(num, "-")
	mant, expPart, hasExp := strings.Cut(strings.ToLower(s), "e")
	exp := int64(0)
	if hasExp {
		e, err := strconv.ParseInt(expPart, 10, 64)
		if err != nil || e > 1<<40 || e < -(1<<40) {
			return "literal:" + num // an exponent out of any range: compare as written
		}
		exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= int64(len(frac))
	if digits == "" {
		return "0"
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += int64(len(digits) - len(trimmed))
	sign := ""
	if neg {
		sign = "-"
	}
	return sign + trimmed + "e" + strconv.FormatInt(exp, 10)
}

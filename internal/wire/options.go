package wire

import (
	"strings"

	"github.com/keelgo/keel/internal/pycompat"
)

// pyTrimLeft and pyTrimRight are Python's str.lstrip() and str.rstrip() on
// header bytes read as Latin-1, as Starlette and python-multipart read them.
func pyTrimLeft(s string) string {
	for len(s) > 0 && pycompat.IsSpaceLatin1(s[0]) {
		s = s[1:]
	}
	return s
}

func pyTrimRight(s string) string {
	for len(s) > 0 && pycompat.IsSpaceLatin1(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// asciiLower lowers ASCII letters only.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// Options splits a header value such as Content-Type or a multipart part's
// Content-Disposition into its main value and parameters, as
// python-multipart's parse_options_header does for Starlette:
//
//   - a value without ';' is lowered and trimmed: " Multipart/Form-Data " gives
//     "multipart/form-data";
//   - otherwise the value is split at each ';' that is not inside double quotes;
//     the main value is trimmed but keeps its case, so
//     "Multipart/Form-Data; boundary=x" is not "multipart/form-data" (Starlette
//     then reads no form at all);
//   - a parameter name is lowered and trimmed; a parameter without '=' has the
//     value ""; a name containing '*' (RFC 2231) is ignored; a quoted value loses
//     its quotes, and \\ and \" inside become \ and "; a filename that looks
//     like a Windows path ("C:\dir\a.txt") keeps its last element; the last of
//     repeated names wins.
//
// The bytes are read as Latin-1, as python-multipart does, so the result keeps
// them as sent.
func Options(v string) (value string, params map[string]string) {
	if v == "" {
		return "", nil
	}
	if strings.IndexByte(v, ';') < 0 {
		return pycompat.StripLatin1(asciiLower(v)), nil
	}
	segs := paramSegments(v)
	value = segs[0]
	for _, seg := range segs[1:] {
		key, val, _ := strings.Cut(seg, "=")
		if strings.IndexByte(key, '*') >= 0 {
			continue
		}
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(val[1:len(val)-1], `\\`, `\`)
			val = strings.ReplaceAll(val, `\"`, `"`)
		}
		if key == "filename" && (len(val) >= 3 && val[1:3] == `:\` || strings.HasPrefix(val, `\\`)) {
			val = val[strings.LastIndexByte(val, '\\')+1:]
		}
		if params == nil {
			params = map[string]string{}
		}
		params[key] = val
	}
	return value, params
}

// paramSegments splits v at the semicolons that close a segment with an even
// number of double quotes (a \" does not count), trims each segment and lowers
// the name of each name=value segment (email.message's _parseparam).
func paramSegments(v string) []string {
	segs := make([]string, 0, 4)
	for start := 0; start <= len(v); {
		end := len(v)
		quotes := 0
		for i := start; i < len(v); i++ {
			switch v[i] {
			case '"':
				if i > start && v[i-1] == '\\' {
					continue // \" is neither opened nor closed
				}
				quotes++
			case ';':
				if quotes%2 == 0 {
					end = i
				}
			}
			if end != len(v) {
				break
			}
		}
		seg := v[start:end]
		if k, val, ok := strings.Cut(seg, "="); ok {
			seg = asciiLower(pyTrimRight(k)) + "=" + pyTrimLeft(val)
		}
		segs = append(segs, pycompat.StripLatin1(seg))
		if end == len(v) {
			break
		}
		start = end + 1
	}
	return segs
}

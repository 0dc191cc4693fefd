package docstest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// curlUserAgent is the User-Agent the emulated curl sends. Guides elide the
// version ("curl/...") so that any curl matches.
const curlUserAgent = "curl/8.5.0"

// shellWords splits a command line as a POSIX shell would for the subset the
// guides use: single quotes, double quotes (with \" \\ \$ and $VAR, ${VAR}
// expanded), ANSI-C $'...' quotes (\xHH, \n, \t, \r, \\, \', \"), backslash
// escapes and $VAR outside quotes. A word that is exactly "|" separates a pipe.
// $(...) is left to the caller.
func shellWords(s string, vars map[string]string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	expand := func(i int) (string, int, error) { // s[i] == '$'
		j := i + 1
		if j < len(s) && s[j] == '{' {
			k := strings.IndexByte(s[j:], '}')
			if k < 0 {
				return "", 0, fmt.Errorf("unterminated ${ in %q", s)
			}
			name := s[j+1 : j+k]
			v, ok := vars[name]
			if !ok {
				return "", 0, fmt.Errorf("variable %s is not set by an earlier command", name)
			}
			return v, j + k + 1, nil
		}
		k := j
		for k < len(s) && (s[k] == '_' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= 'a' && s[k] <= 'z' || k > j && s[k] >= '0' && s[k] <= '9') {
			k++
		}
		if k == j {
			return "$", j, nil
		}
		v, ok := vars[s[j:k]]
		if !ok {
			return "", 0, fmt.Errorf("variable %s is not set by an earlier command", s[j:k])
		}
		return v, k, nil
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
			i++
		case c == '|' && !inWord:
			words = append(words, "|")
			i++
		case c == '\'':
			k := strings.IndexByte(s[i+1:], '\'')
			if k < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", s)
			}
			w.WriteString(s[i+1 : i+1+k])
			inWord = true
			i += k + 2
		case c == '$' && i+1 < len(s) && s[i+1] == '\'':
			i += 2
			for ; i < len(s) && s[i] != '\''; i++ {
				if s[i] != '\\' || i+1 == len(s) {
					w.WriteByte(s[i])
					continue
				}
				i++
				switch s[i] {
				case 'n':
					w.WriteByte('\n')
				case 't':
					w.WriteByte('\t')
				case 'r':
					w.WriteByte('\r')
				case 'x':
					n, err := strconv.ParseUint(s[i+1:min(i+3, len(s))], 16, 8)
					if err != nil {
						return nil, fmt.Errorf("bad \\x escape in %q", s)
					}
					w.WriteByte(byte(n))
					i += 2
				default:
					w.WriteByte(s[i])
				}
			}
			if i == len(s) {
				return nil, fmt.Errorf("unterminated $' in %q", s)
			}
			inWord = true
			i++
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				switch {
				case s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0:
					i++
					w.WriteByte(s[i])
				case s[i] == '$':
					v, next, err := expand(i)
					if err != nil {
						return nil, err
					}
					w.WriteString(v)
					i = next - 1
				default:
					w.WriteByte(s[i])
				}
			}
			if i == len(s) {
				return nil, fmt.Errorf("unterminated \" in %q", s)
			}
			inWord = true
			i++
		case c == '\\' && i+1 < len(s):
			w.WriteByte(s[i+1])
			inWord = true
			i += 2
		case c == '$':
			v, next, err := expand(i)
			if err != nil {
				return nil, err
			}
			w.WriteString(v)
			inWord = true
			i = next
		default:
			w.WriteByte(c)
			inWord = true
			i++
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// curlRequest is what a curl command line sends.
type curlRequest struct {
	method  string
	url     *url.URL
	target  string   // the request target, as written in the command
	headers []string // "Name: value", in order, after curl's defaults
	body    []byte
	include bool // -i or -I: print the status line and headers
}

// parseCurl reads the curl options the guides use. Anything else is an error,
// so that a guide cannot show a command the test does not understand.
func parseCurl(args []string) (*curlRequest, error) {
	if len(args) == 0 || args[0] != "curl" {
		return nil, fmt.Errorf("not a curl command")
	}
	req := &curlRequest{}
	var custom []string
	var data []string
	var user, cookie, rawURL string
	head := false
	form := false
	next := func(i *int, opt string) (string, error) {
		*i++
		if *i >= len(args) {
			return "", fmt.Errorf("curl %s needs a value", opt)
		}
		return args[*i], nil
	}
	for i := 1; i < len(args); i++ {
		a := args[i]
		var err error
		var v string
		switch a {
		case "-i", "--include":
			req.include = true
		case "-I", "--head":
			req.include, head = true, true
		case "-s", "--silent", "-S", "--show-error", "-sS", "-N", "--no-buffer":
			// -N shows a stream as it comes; the test reads it to its end
		case "-X", "--request":
			req.method, err = next(&i, a)
		case "-H", "--header":
			v, err = next(&i, a)
			custom = append(custom, v)
		case "-d", "--data", "--data-ascii", "--data-raw", "--data-binary":
			v, err = next(&i, a)
			if strings.HasPrefix(v, "@") && a != "--data-raw" {
				return nil, fmt.Errorf("curl %s @file is not supported by the docs test", a)
			}
			data = append(data, v)
			form = true
		case "--data-urlencode":
			v, err = next(&i, a)
			data = append(data, curlURLEncode(v))
			form = true
		case "-u", "--user":
			user, err = next(&i, a)
		case "-b", "--cookie":
			cookie, err = next(&i, a)
		default:
			if strings.HasPrefix(a, "-") {
				return nil, fmt.Errorf("curl option %s is not supported by the docs test (internal/docstest/curl_test.go)", a)
			}
			if rawURL != "" {
				return nil, fmt.Errorf("curl with two URLs (%s, %s)", rawURL, a)
			}
			rawURL = a
		}
		if err != nil {
			return nil, err
		}
	}
	if rawURL == "" {
		return nil, fmt.Errorf("curl without a URL")
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("curl URL %q: want http://host:port/path", rawURL)
	}
	req.url = u
	// curl sends the path and query as written (escapes untouched).
	req.target = strings.TrimPrefix(rawURL, "http://"+u.Host)
	req.target, _, _ = strings.Cut(req.target, "#")
	if req.target == "" || req.target[0] != '/' {
		req.target = "/" + req.target
	}
	if req.method == "" {
		switch {
		case head:
			req.method = "HEAD"
		case form:
			req.method = "POST"
		default:
			req.method = "GET"
		}
	}
	hs := []string{"Host: " + u.Host}
	if user != "" {
		hs = append(hs, "Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(user)))
	}
	hs = append(hs, "User-Agent: "+curlUserAgent, "Accept: */*")
	if cookie != "" {
		hs = append(hs, "Cookie: "+cookie)
	}
	if form {
		req.body = []byte(strings.Join(data, "&"))
		hs = append(hs, "Content-Length: "+strconv.Itoa(len(req.body)), "Content-Type: application/x-www-form-urlencoded")
	}
	// A -H header replaces curl's own of the same name; "Name:" removes it.
	for _, h := range custom {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, fmt.Errorf("curl -H %q: want \"Name: value\"", h)
		}
		hs = removeHeader(hs, name)
		if strings.TrimSpace(value) != "" || strings.HasSuffix(h, ";") {
			hs = append(hs, name+":"+value)
		}
	}
	req.headers = hs
	return req, nil
}

func removeHeader(hs []string, name string) []string {
	out := hs[:0]
	for _, h := range hs {
		if n, _, _ := strings.Cut(h, ":"); !strings.EqualFold(n, name) {
			out = append(out, h)
		}
	}
	return out
}

// curlURLEncode is curl's --data-urlencode: "name=value" sends name and the
// escaped value; "value" alone sends the escaped value.
func curlURLEncode(v string) string {
	name, value, ok := strings.Cut(v, "=")
	if !ok {
		return curlEscape(v)
	}
	return name + "=" + curlEscape(value)
}

// curlEscape escapes all but letters, digits and -._~ (libcurl's curl_easy_escape).
func curlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// response is what came back, kept as curl shows it.
type response struct {
	statusLine string   // "HTTP/1.1 200 OK"
	headers    []string // "Name: value", as sent
	body       []byte
}

// send writes the request to addr as raw bytes (so that guides can show
// requests net/http's client refuses to send) and reads one response.
func (c *curlRequest) send(addr string) (*response, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", c.method, c.target)
	for _, h := range c.headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(c.body)
	if _, err := conn.Write(b.Bytes()); err != nil {
		return nil, err
	}
	br := bufio.NewReader(conn)
	var head bytes.Buffer
	resp := &response{}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("reading the response: %v", err)
		}
		head.WriteString(l)
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		if resp.statusLine == "" {
			resp.statusLine = l
		} else {
			resp.headers = append(resp.headers, l)
		}
	}
	hr, err := http.ReadResponse(bufio.NewReader(io.MultiReader(&head, br)), &http.Request{Method: c.method})
	if err != nil {
		return nil, err
	}
	defer hr.Body.Close()
	resp.body, err = io.ReadAll(hr.Body)
	return resp, err
}

// jqPath evaluates a jq path filter on a JSON document: ".", ".key",
// ".a.b", `.paths["/items/"].get`, ".list[0]". With raw, a string result is
// printed without quotes (jq -r); other results are JSON.
func jqPath(doc []byte, path string, raw bool) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("jq: the response is not JSON: %v", err)
	}
	if !strings.HasPrefix(path, ".") {
		return "", fmt.Errorf(`jq filter %q: only paths (.a.b, .a["k"], .a[0]) are supported`, path)
	}
	rest := path[1:]
	for rest != "" {
		var key any
		switch {
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return "", fmt.Errorf("jq filter %q: unterminated [", path)
			}
			in := rest[1:end]
			if n, err := strconv.Atoi(in); err == nil {
				key = n
			} else if k, err := strconv.Unquote(in); err == nil {
				key = k
			} else {
				return "", fmt.Errorf("jq filter %q: bad index %s", path, in)
			}
			rest = rest[end+1:]
		case rest[0] == '.':
			rest = rest[1:]
			continue
		default:
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			key, rest = rest[:end], rest[end:]
		}
		switch k := key.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return "", fmt.Errorf("jq %s: %q of something that is not an object", path, k)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k < 0 || k >= len(a) {
				return "", fmt.Errorf("jq %s: no element %d", path, k)
			}
			v = a[k]
		}
	}
	if s, ok := v.(string); ok && raw {
		return s, nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

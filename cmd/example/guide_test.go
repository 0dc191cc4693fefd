package main

// TestDeploymentGuide runs docs/deployment.md's worked example as written:
// three example processes sharing Redis and a SQLite file, behind a real
// nginx configured with the guide's nginx block, and the guide's transcripts
// (the sh blocks marked <!-- docstest:checked-by cmd/example/guide_test.go -->)
// command by command, comparing every answer with the one
// shown. The guide's addresses (nginx on 127.0.0.1:8000, the instances on
// 8001 to 8003) are mapped to free loopback ports; "systemctl stop
// redis-server" and "systemctl start redis-server" stop and start the test's
// Redis (start returns when every instance is ready again, as a load balancer
// would wait). It runs with TestInstances (KEEL_INSTANCES=1), and needs nginx
// (Debian's nginx package; skipped without it unless KEEL_REDIS_REQUIRED=1).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keelgo/keel/redisstore/redistest"
)

// guideBlock is a fenced block of the guide.
type guideBlock struct {
	lang      string
	line      int // of the opening fence
	body      []string
	checkedBy string
}

// readGuide returns the fenced blocks of docs/deployment.md.
func readGuide(t *testing.T) []guideBlock {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "docs", "deployment.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	marker := regexp.MustCompile(`^<!-- docstest:checked-by (\S+) -->$`)
	var out []guideBlock
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "```") {
			continue
		}
		b := guideBlock{lang: strings.TrimPrefix(l, "```"), line: i + 1}
		if i > 0 {
			if m := marker.FindStringSubmatch(strings.TrimSpace(lines[i-1])); m != nil {
				b.checkedBy = m[1]
			}
		}
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			b.body = append(b.body, lines[i])
		}
		out = append(out, b)
	}
	return out
}

// freeAddr returns a free loopback address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startNginx runs nginx with the guide's server and upstream blocks (conf,
// its addresses already mapped) in a configuration of its own, as this user,
// and stops it by its PID when the test ends.
func startNginx(t *testing.T, conf, addr string) {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		if os.Getenv("KEEL_REDIS_REQUIRED") == "1" {
			t.Fatal("nginx is not installed (Debian: apt-get install nginx)")
		}
		t.Skip("nginx is not installed (Debian: apt-get install nginx)")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var user string
	if os.Geteuid() == 0 {
		user = "user root;\n" // workers keep root's access to the temporary directory
	}
	full := fmt.Sprintf(`%sworker_processes 1;
daemon off;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
%[3]s
}
`, user, dir, conf)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(full), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", confPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt) // nginx's fast shutdown (SIGINT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %s\n%s\n%s", cmd.ProcessState, out.String(), log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("nginx did not listen within 20s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDeploymentGuide(t *testing.T) {
	if os.Getenv("KEEL_INSTANCES") != "1" {
		t.Skip("three example processes, Redis and nginx: set KEEL_INSTANCES=1 (scripts/test-all.sh does)")
	}
	blocks := readGuide(t)
	var nginxConf string
	var transcripts []guideBlock
	for _, b := range blocks {
		switch {
		case b.lang == "nginx":
			nginxConf = strings.Join(b.body, "\n")
		case b.checkedBy == "cmd/example/guide_test.go":
			transcripts = append(transcripts, b)
		}
	}
	if nginxConf == "" || len(transcripts) == 0 {
		t.Fatalf("docs/deployment.md: no nginx block or no transcript checked by this test")
	}

	srv := redistest.Start(t, redistest.Persistent())
	ps := startInstances(t, 3, "KEEL_EXAMPLE_REDIS="+srv.URL, "KEEL_EXAMPLE_TRUSTED_PROXIES=127.0.0.1")
	proxy := freeAddr(t)
	addrs := map[string]string{
		"127.0.0.1:8000": proxy,
		"127.0.0.1:8001": ps[0].Addr,
		"127.0.0.1:8002": ps[1].Addr,
		"127.0.0.1:8003": ps[2].Addr,
	}
	mapAddrs := func(s string) string {
		for from, to := range addrs {
			s = strings.ReplaceAll(s, from, to)
		}
		return s
	}
	startNginx(t, mapAddrs(nginxConf), proxy)

	r := &guideRunner{
		t: t, vars: map[string]string{}, mapAddrs: mapAddrs,
		client: &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		stopRedis: srv.Stop,
		startRedis: func() {
			srv.Restart()
			for _, p := range ps {
				waitReady(t, p.URL)
			}
		},
	}
	n := 0
	for _, b := range transcripts {
		for _, e := range parseGuideTranscript(b) {
			n++
			r.run(e)
		}
	}
	t.Logf("docs/deployment.md: %d commands run", n)
	// The guide shows these routes of the example; an edit that drops one
	// should be deliberate (and change this list).
	for _, p := range []string{"/healthz", "/readyz", "/token", "/users/me/", "/logout", "/jwt/items/", "/items/5"} {
		if !slices.Contains(r.paths, p) {
			t.Errorf("docs/deployment.md's transcripts no longer request %s", p)
		}
	}
}

// waitReady waits until base/readyz answers 200.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/readyz did not answer 200 within 20s", base)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// guideCommand is one "$ " command of a transcript and the output shown.
type guideCommand struct {
	line    int
	command string
	output  []string
}

func parseGuideTranscript(b guideBlock) []*guideCommand {
	var out []*guideCommand
	var cur *guideCommand
	for i, l := range b.body {
		if strings.HasPrefix(l, "$ ") {
			cur = &guideCommand{line: b.line + 1 + i, command: strings.TrimSpace(l[2:])}
			out = append(out, cur)
			continue
		}
		if cur != nil {
			cur.output = append(cur.output, l)
		}
	}
	for _, c := range out {
		for len(c.output) > 0 && strings.TrimSpace(c.output[len(c.output)-1]) == "" {
			c.output = c.output[:len(c.output)-1]
		}
	}
	return out
}

// guideRunner runs a transcript's commands: curl with the options the guide
// uses (-s, -i, -X, -H, -d), "| jq -r PATH" with NAME=$(...) to keep a value,
// and systemctl stop/start redis-server.
type guideRunner struct {
	t                     *testing.T
	client                *http.Client
	vars                  map[string]string
	mapAddrs              func(string) string
	stopRedis, startRedis func()
	paths                 []string // the paths requested
}

var guideAssign = regexp.MustCompile(`^([A-Z_]+)=\$\((.*)\)$`)

func (r *guideRunner) run(c *guideCommand) {
	t := r.t
	t.Helper()
	where := fmt.Sprintf("docs/deployment.md:%d: $ %s", c.line, c.command)
	switch c.command {
	case "systemctl stop redis-server":
		r.stopRedis()
		return
	case "systemctl start redis-server":
		r.startRedis()
		return
	}
	cmd, assign := c.command, ""
	if m := guideAssign.FindStringSubmatch(cmd); m != nil {
		assign, cmd = m[1], m[2]
	}
	jqPath := ""
	if i := strings.Index(cmd, " | jq -r "); i >= 0 {
		jqPath, cmd = strings.TrimSpace(cmd[i+len(" | jq -r "):]), cmd[:i]
	}
	words, err := guideWords(cmd, r.vars)
	if err != nil || len(words) == 0 || words[0] != "curl" {
		t.Fatalf("%s: not a command this test runs (%v)", where, err)
	}
	showHeaders := false
	method, body := "", ""
	var header [][2]string
	var target string
	for i := 1; i < len(words); i++ {
		switch w := words[i]; w {
		case "-s":
		case "-i":
			showHeaders = true
		case "-X", "-H", "-d":
			if i+1 == len(words) {
				t.Fatalf("%s: %s without a value", where, w)
			}
			i++
			switch w {
			case "-X":
				method = words[i]
			case "-H":
				k, v, _ := strings.Cut(words[i], ":")
				header = append(header, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
			case "-d":
				body = words[i]
			}
		default:
			if strings.HasPrefix(w, "-") || target != "" {
				t.Fatalf("%s: option %q is not supported here", where, w)
			}
			target = w
		}
	}
	if method == "" {
		method = "GET"
		if body != "" {
			method = "POST"
		}
	}
	u, err := url.Parse(r.mapAddrs(target))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	r.paths = append(r.paths, u.Path)
	req, err := http.NewRequest(method, u.String(), strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	req.Header.Set("User-Agent", "curl/7.88.1")
	req.Header.Set("Accept", "*/*")
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range header {
		req.Header.Set(h[0], h[1])
	}
	res, err := r.client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var got bytes.Buffer
	_, _ = got.ReadFrom(res.Body)
	res.Body.Close()
	if assign != "" {
		var doc map[string]any
		if err := json.Unmarshal(got.Bytes(), &doc); err != nil {
			t.Fatalf("%s: %d %s is not JSON", where, res.StatusCode, got.String())
		}
		v, _ := doc[strings.TrimPrefix(jqPath, ".")].(string)
		if v == "" {
			t.Fatalf("%s: %s is not in %s", where, jqPath, got.String())
		}
		r.vars[assign] = v
		return
	}
	want := c.output
	if showHeaders {
		if len(want) == 0 {
			t.Errorf("%s: no output shown", where)
			return
		}
		status := fmt.Sprintf("HTTP/1.1 %d %s", res.StatusCode, http.StatusText(res.StatusCode))
		if want[0] != status {
			t.Errorf("%s: status %q, the guide shows %q", where, status, want[0])
		}
		shown := map[string]string{}
		i := 1
		for ; i < len(want) && want[i] != ""; i++ {
			k, v, _ := strings.Cut(want[i], ":")
			shown[http.CanonicalHeaderKey(k)] = strings.TrimSpace(v)
		}
		for k, v := range shown {
			if !guideMatch(v, res.Header.Get(k)) {
				t.Errorf("%s: header %s: %q, the guide shows %q", where, k, res.Header.Get(k), v)
			}
		}
		for k := range res.Header {
			if _, ok := shown[k]; !ok && k != "Date" && k != "Content-Length" {
				t.Errorf("%s: header %s: %q is sent but not shown", where, k, res.Header.Get(k))
			}
		}
		if i < len(want) {
			i++
		}
		want = want[i:]
	}
	wantBody := strings.TrimSpace(strings.Join(want, "\n"))
	if !guideSameBody(wantBody, got.String()) {
		t.Errorf("%s: answered %d %s, the guide shows %s", where, res.StatusCode, strings.TrimSpace(got.String()), wantBody)
	}
}

// guideMatch compares a header value with the guide's, where "..." stands
// for any text.
func guideMatch(want, got string) bool {
	if want == "..." {
		return got != ""
	}
	return want == got
}

// guideSameBody compares JSON bodies parsed, others as text.
func guideSameBody(want, got string) bool {
	got = strings.TrimSpace(got)
	var w, g any
	if json.Unmarshal([]byte(want), &w) == nil && json.Unmarshal([]byte(got), &g) == nil {
		wb, _ := json.Marshal(w)
		gb, _ := json.Marshal(g)
		return bytes.Equal(wb, gb)
	}
	return want == got
}

// guideWords splits a command as a shell would, for the quoting the guide
// uses: single quotes, double quotes with $NAME expanded, bare words with
// $NAME expanded.
func guideWords(s string, vars map[string]string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in := false
	expand := func(i int) (int, error) {
		j := i + 1
		for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		v, ok := vars[s[i+1:j]]
		if !ok {
			return 0, fmt.Errorf("$%s is not set", s[i+1:j])
		}
		cur.WriteString(v)
		return j, nil
	}
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
			i++
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unclosed '")
			}
			cur.WriteString(s[i+1 : i+1+j])
			in, i = true, i+2+j
		case c == '"':
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '$' {
					var err error
					if i, err = expand(i); err != nil {
						return nil, err
					}
					continue
				}
				cur.WriteByte(s[i])
				i++
			}
			if i == len(s) {
				return nil, fmt.Errorf("unclosed \"")
			}
			in, i = true, i+1
		case c == '$':
			var err error
			if i, err = expand(i); err != nil {
				return nil, err
			}
			in = true
		default:
			cur.WriteByte(c)
			in, i = true, i+1
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}

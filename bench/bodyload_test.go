package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keelgo/keel/bench/junk"
)

// TestBodyLoad is the load test of issue 9 item 4. A real server process
// (cmd/bodyserver, built here, serving bench/junk with Keel) on loopback
// receives rounds of 16 concurrent 10 MiB JSON bodies of small numbers; every
// request must be answered, and the server's peak resident set (VmHWM in
// /proc/<pid>/status) must stay under 1 GiB. Each phase starts a fresh server:
//
//  1. POST /item, whose model has no field for the numbers (they are an
//     unknown key, skipped): valid bodies (200), bodies missing a required
//     field (422 echoing the whole 10 MiB object) and bodies that are not
//     JSON (422 echoing the text).
//  2. POST /junk, which decodes the numbers into a []int (29 MiB each, 16 at
//     once: the value alone is 460 MiB): valid bodies.
//  3. POST /junk under sustained load, the server run with GOMEMLIMIT=768MiB:
//     valid bodies, bodies whose list holds 2.6 million strings (422 with the
//     first 1,000 errors: decoding stops there), bodies missing a required
//     field (the numbers are decoded, then the 422 echoes the object), valid
//     bodies again. Each request keeps about 40 MiB live (the body and the
//     value), 640 MiB for 16; round after round, Go's collector with its
//     default GOGC lets the heap grow to about twice what is live, which the
//     runtime's soft memory limit trims. (Before issue 9, one such request
//     held 360 MB live, and no limit could help.)
//
// The whole test is bounded by a deadline. It needs KEEL_BODY_LOAD=1
// (scripts/test-all.sh sets it); go test skips it otherwise.
func TestBodyLoad(t *testing.T) {
	if os.Getenv("KEEL_BODY_LOAD") == "" {
		t.Skip("set KEEL_BODY_LOAD=1 to run the body load test")
	}
	const (
		clients = 16
		size    = 10 << 20
		maxRSS  = 1 << 30
	)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "bodyserver")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/bodyserver").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	valid := junk.Body(size)
	var j junk.Junk
	if err := json.Unmarshal(valid, &j); err != nil {
		t.Fatal(err)
	}
	wantJunk := junk.Summarize(&j)
	wantItem := junk.Summary{Name: j.Name, Tags: len(j.Tags)}
	noName := bytes.Replace(valid, []byte(`"name":"widget"`), []byte(`"nom_":"widget"`), 1)
	// The same list of strings instead of numbers: millions of wrong values.
	wrong := append([]byte(`{"name":"widget","price":12.5,"junk":[`), bytes.Repeat([]byte(`"a",`), (size-64)/4)...)
	wrong = append(wrong, `"a"]}`...)
	wrongValues := func(b []byte) error {
		var got struct{ Detail []json.RawMessage }
		if err := json.Unmarshal(b, &got); err != nil || len(got.Detail) != 1000 ||
			!bytes.HasPrefix(got.Detail[0], []byte(`{"type":"int_parsing","loc":["body","junk",0],`)) {
			return fmt.Errorf("answer %.200s (%d errors)", b, len(got.Detail))
		}
		return nil
	}
	summary := func(want junk.Summary) func([]byte) error {
		return func(b []byte) error {
			var got junk.Summary
			if err := json.Unmarshal(b, &got); err != nil || got != want {
				return fmt.Errorf("answer %.200s, want %+v", b, want)
			}
			return nil
		}
	}
	missing := func(b []byte) error {
		if !bytes.HasPrefix(b, []byte(`{"detail":[{"type":"missing","loc":["body","name"],"msg":"Field required","input":{"nom_":"widget",`)) || len(b) < size/2 {
			return fmt.Errorf("answer %.200s (%d bytes)", b, len(b))
		}
		return nil
	}
	notJSON := func(b []byte) error {
		if !bytes.HasPrefix(b, []byte(`{"detail":[{"type":"model_attributes_type","loc":["body"],`)) || len(b) < size/2 {
			return fmt.Errorf("answer %.200s (%d bytes)", b, len(b))
		}
		return nil
	}
	type round struct {
		name, path, contentType string
		body                    []byte
		status                  int
		check                   func([]byte) error
	}
	phases := []struct {
		name   string
		env    []string
		rounds []round
	}{
		{"unknown numbers", nil, []round{
			{"valid", "/item", "application/json", valid, 200, summary(wantItem)},
			{"missing field", "/item", "application/json", noName, 422, missing},
			{"not JSON", "/item", "text/plain", valid, 422, notJSON},
		}},
		{"numbers into []int", nil, []round{
			{"valid", "/junk", "application/json", valid, 200, summary(wantJunk)},
		}},
		{"numbers into []int, sustained, GOMEMLIMIT=768MiB", []string{"GOMEMLIMIT=768MiB"}, []round{
			{"valid", "/junk", "application/json", valid, 200, summary(wantJunk)},
			{"wrong values", "/junk", "application/json", wrong, 422, wrongValues},
			{"missing field", "/junk", "application/json", noName, 422, missing},
			{"valid again", "/junk", "application/json", valid, 200, summary(wantJunk)},
		}},
	}
	for _, phase := range phases {
		pid, base, stop := startServer(ctx, t, bin, size, phase.env)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}}
		for _, rd := range phase.rounds {
			start := time.Now()
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			for range clients {
				wg.Go(func() {
					errs <- post(ctx, client, base+rd.path, rd.contentType, rd.body, rd.status, rd.check)
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("%s, %s: %v", phase.name, rd.name, err)
				}
			}
			t.Logf("%s, %s: %d concurrent %d MiB bodies answered in %v; server VmHWM %s",
				phase.name, rd.name, clients, size>>20, time.Since(start).Round(time.Millisecond), procStatus(t, pid, "VmHWM"))
		}
		hwm := procStatus(t, pid, "VmHWM")
		kb, err := strconv.ParseInt(strings.TrimSuffix(hwm, " kB"), 10, 64)
		if err != nil {
			t.Fatalf("VmHWM %q: %v", hwm, err)
		}
		if kb<<10 >= maxRSS {
			t.Errorf("%s: peak RSS %d MiB, want under %d MiB", phase.name, kb>>10, maxRSS>>20)
		}
		client.CloseIdleConnections()
		stop()
	}
}

// startServer starts bin on a free loopback port with the body limit and extra
// environment, and returns its PID, its base URL and a function that stops it
// (SIGTERM, then SIGKILL after 10 s).
func startServer(ctx context.Context, t *testing.T, bin string, maxBody int, env []string) (int, string, func()) {
	t.Helper()
	srv := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-max", strconv.Itoa(maxBody))
	srv.Env = append(os.Environ(), env...)
	srv.Stderr = os.Stderr
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		srv.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- srv.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			srv.Process.Kill()
			<-done
		}
	}
	t.Cleanup(stop)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("server: %v", err)
	}
	return srv.Process.Pid, "http://" + strings.TrimSpace(strings.TrimPrefix(line, "listening on ")), stop
}

// post sends one request and checks its answer.
func post(ctx context.Context, client *http.Client, url, contentType string, body []byte, status int, check func([]byte) error) error {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != status {
		return fmt.Errorf("status %d, want %d: %.200s", resp.StatusCode, status, b)
	}
	return check(b)
}

// procStatus reads a field of /proc/<pid>/status, such as "VmHWM" (peak
// resident set): "123456 kB".
func procStatus(t *testing.T, pid int, field string) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return ""
}

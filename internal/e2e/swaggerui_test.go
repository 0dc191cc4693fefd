package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The Swagger UI flow's limits: the whole flow, one wait within it, and the
// browser's start.
const (
	flowTimeout    = 60 * time.Second
	waitTimeout    = 20 * time.Second
	browserTimeout = 30 * time.Second
)

// TestSwaggerUIAuthorize drives the running example's /docs in headless
// Chromium (issue 4, item 5c): it opens Authorize, fills the OAuth2 password
// flow of OAuth2PasswordBearer as johndoe with the scopes me and items,
// authorizes (Swagger UI posts the form to /token), closes the dialog, expands
// GET /users/me/items/, runs "Try it out" and "Execute", and requires the 200
// response with owner johndoe in the page, sent with the bearer token.
//
// Clicks go through JavaScript (element.click()): in headless Chromium,
// synthesized mouse clicks on the dialog's checkboxes and buttons are not
// reliable. Text is typed with key events, and every step checks its effect on
// the page. On failure the test saves a screenshot and the page's HTML and
// prints their paths.
func TestSwaggerUIAuthorize(t *testing.T) {
	requireE2E(t)
	ex := startExample(t)
	browserCtx := newBrowser(t)

	// Every request the page makes, to check that /docs works offline.
	requests := recordRequests(browserCtx)

	ctx, cancel := context.WithTimeout(browserCtx, flowTimeout)
	defer cancel()
	start := time.Now()
	body, err := authorizeAndTryItOut(ctx, t, ex.URL)
	t.Logf("Swagger UI flow: %v", time.Since(start).Round(time.Millisecond))
	if err != nil {
		saveArtifacts(t, browserCtx)
		t.Fatal(err)
	}
	t.Logf("response body in the page: %s", body)

	urls := requests(ex.URL + "/users/me/items/")
	t.Logf("the page's requests: %q", urls)
	var elsewhere []string
	for _, u := range urls {
		if !strings.HasPrefix(u, ex.URL+"/") {
			elsewhere = append(elsewhere, u)
		}
	}
	if len(elsewhere) > 0 {
		t.Errorf("the page made requests outside the example (it must work offline): %q", elsewhere)
	}
	for _, want := range []string{ex.URL + "/docs", ex.URL + "/openapi.json", ex.URL + "/token", ex.URL + "/users/me/items/"} {
		if !slices.Contains(urls, want) {
			t.Errorf("the page never requested %s; requests: %q", want, urls)
		}
	}
}

// newBrowser starts headless Chromium (never a downloaded one) with a fresh
// profile; it is stopped when the test ends. The context it returns has no
// deadline, so that the page can still be saved after a step timed out.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	browser := chromiumPath(t)
	var browserLog syncBuffer
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(browser), // never downloads a browser
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// /dev/shm is small in containers; Chromium crashes when it fills up.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("window-size", "1280,1024"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(&browserLog),
	)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc() // kills the browser and waits for it
		if t.Failed() {
			t.Logf("chromium output (without D-Bus noise):\n%s", withoutDBus(browserLog.String()))
		}
	})
	// The first action starts the browser and ties its life to browserCtx.
	// The watchdog bounds the start.
	watchdog := time.AfterFunc(browserTimeout, cancelBrowser)
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("cannot start %s: %v", browser, err)
	}
	watchdog.Stop()
	return browserCtx
}

// recordRequests records the URL of every request the page sends from now on,
// but data: URLs (Swagger UI's inline icons). The func it returns waits up to
// two seconds for a request to last (the event may still be on its way), stops
// recording and returns the URLs, in order.
func recordRequests(browserCtx context.Context) func(last string) []string {
	ctx, stop := context.WithCancel(browserCtx)
	events := chromedp.Events(ctx, network.RequestWillBeSent) // subscribed now
	var (
		mu   sync.Mutex
		urls []string
		seen = make(chan struct{}, 1)
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		for ev, err := range events {
			if err != nil {
				return
			}
			if ev.Request != nil && !strings.HasPrefix(ev.Request.URL, "data:") {
				mu.Lock()
				urls = append(urls, ev.Request.URL)
				mu.Unlock()
				select {
				case seen <- struct{}{}:
				default:
				}
			}
		}
	}()
	return func(last string) []string {
		deadline := time.After(2 * time.Second)
	wait:
		for {
			mu.Lock()
			found := slices.Contains(urls, last)
			mu.Unlock()
			if found {
				break
			}
			select {
			case <-seen:
			case <-deadline:
				break wait
			}
		}
		stop()
		<-done
		return slices.Clone(urls)
	}
}

// The selectors of the flow. The OAuth2PasswordBearer scheme's block of the
// Authorize dialog is found by its heading: two schemes (JWTBearer too) have a
// password flow, and their inputs share ids.
const (
	operation = `[id^="operations-"][id$="-read_own_items_users_me_items__get"]`
	// schemeBox is a JavaScript expression: the scheme's .auth-container.
	schemeBox = `[...document.querySelectorAll('.dialog-ux .auth-container')].find(c => (c.querySelector('h4')?.textContent || '').trim().startsWith('OAuth2PasswordBearer '))`
)

// authorizeAndTryItOut runs the flow and returns the response body shown in the
// page.
func authorizeAndTryItOut(ctx context.Context, t *testing.T, baseURL string) (string, error) {
	steps := []struct {
		name string
		do   chromedp.Action[chromedp.Void]
	}{
		{"open /docs", chromedp.Navigate(baseURL + "/docs")},
		{"wait for the Authorize button", waitJS(`document.querySelector('.auth-wrapper .authorize')`)},
		{"wait for the operation", waitJS(`document.querySelector('` + operation + `')`)},
		{"open the Authorize dialog", clickJS(`document.querySelector('.auth-wrapper .authorize')`)},
		{"find OAuth2PasswordBearer in the dialog", waitJS(schemeBox + `?.querySelector('#oauth_username')`)},
		{"type the username", chromedp.SendKeys(chromedp.JSPath(schemeBox+`.querySelector('#oauth_username')`), "johndoe")},
		{"type the password", chromedp.SendKeys(chromedp.JSPath(schemeBox+`.querySelector('#oauth_password')`), "secret")},
		{"check the typed username and password", waitJS(schemeBox + `.querySelector('#oauth_username').value === 'johndoe' && ` + schemeBox + `.querySelector('#oauth_password').value === 'secret'`)},
		{"select scope me", clickJS(schemeBox + `.querySelector('input[type=checkbox][data-value="me"]')`)},
		{"select scope items", clickJS(schemeBox + `.querySelector('input[type=checkbox][data-value="items"]')`)},
		{"check that both scopes are selected", waitJS(`[...` + schemeBox + `.querySelectorAll('input[type=checkbox]')].filter(c => c.checked).map(c => c.dataset.value).sort().join(' ') === 'items me'`)},
		{"press Authorize in the dialog", clickJS(schemeBox + `.querySelector('.auth-btn-wrapper .authorize')`)},
		// Swagger UI posts the form to /token and, on success, shows
		// "Authorized" and a Logout button; on failure, an error block.
		{"wait for Authorized", waitAuthorized()},
		{"close the dialog", clickJS(schemeBox + `.querySelector('.auth-btn-wrapper .btn-done')`)},
		{"wait for the dialog to close", waitJS(`!document.querySelector('.dialog-ux')`)},
		{"check the operation's lock is closed", waitJS(`document.querySelector('` + operation + ` .authorization__btn[aria-label="authorization button locked"]')`)},
		{"expand GET /users/me/items/", clickJS(`document.querySelector('` + operation + ` .opblock-summary-control')`)},
		{"wait for Try it out", waitJS(`document.querySelector('` + operation + ` .try-out__btn')`)},
		{"press Try it out", clickJS(`document.querySelector('` + operation + ` .try-out__btn')`)},
		{"wait for Execute", waitJS(`document.querySelector('` + operation + ` .execute')`)},
		{"press Execute", clickJS(`document.querySelector('` + operation + ` .execute')`)},
		{"wait for the response", waitJS(`document.querySelector('` + operation + ` .live-responses-table tr.response .response-col_status')`)},
	}
	for _, s := range steps {
		start := time.Now()
		if err := chromedp.Do(ctx, s.do); err != nil {
			return "", fmt.Errorf("Swagger UI step %q: %w", s.name, err)
		}
		t.Logf("step %q (%v)", s.name, time.Since(start).Round(time.Millisecond))
	}

	// The live response: status, body, and the request Swagger UI sent.
	type shown struct {
		Status string `json:"status"`
		Body   string `json:"body"`
		Curl   string `json:"curl"`
		URL    string `json:"url"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[shown](`(() => {
		const op = document.querySelector('`+operation+`');
		const text = sel => (op.querySelector(sel)?.textContent || '').trim();
		return {
			status: text('.live-responses-table tr.response .response-col_status'),
			body: text('.live-responses-table tr.response .highlight-code pre'),
			curl: text('.curl-command .curl'),
			url: text('.request-url pre'),
		};
	})()`))
	if err != nil {
		return "", fmt.Errorf("reading the response shown: %w", err)
	}
	if got.Status != "200" {
		return "", fmt.Errorf("Swagger UI shows status %q, want 200 (body %s)", got.Status, got.Body)
	}
	var items []struct {
		ItemID string `json:"item_id"`
		Owner  string `json:"owner"`
	}
	if err := json.Unmarshal([]byte(got.Body), &items); err != nil {
		return "", fmt.Errorf("the response body shown is not a JSON list of items (%v): %s", err, got.Body)
	}
	if len(items) != 1 || items[0].Owner != "johndoe" || items[0].ItemID != "Foo" {
		return "", fmt.Errorf("the response body shown is %s, want [{item_id Foo, owner johndoe}]", got.Body)
	}
	if want := baseURL + "/users/me/items/"; got.URL != want {
		return "", fmt.Errorf("Swagger UI requested %q, want %q", got.URL, want)
	}
	if err := checkBearer(got.Curl); err != nil {
		return "", err
	}
	return got.Body, nil
}

// checkBearer checks that the request Swagger UI shows (as curl) sent a bearer
// token for johndoe with the scopes me and items.
func checkBearer(curl string) error {
	_, after, ok := strings.Cut(curl, "Authorization: Bearer ")
	if !ok {
		return fmt.Errorf("Swagger UI's request has no bearer token: %s", curl)
	}
	token, _, _ := strings.Cut(after, "'")
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return fmt.Errorf("Swagger UI's bearer token %q is not a JWT", token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return fmt.Errorf("Swagger UI's bearer token %q: %v", token, err)
	}
	var claims struct {
		Sub   string `json:"sub"`
		Scope string `json:"scope"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return fmt.Errorf("Swagger UI's bearer token's claims %s: %v", payload, err)
	}
	scopes := strings.Fields(claims.Scope)
	slices.Sort(scopes)
	if claims.Sub != "johndoe" || !slices.Equal(scopes, []string{"items", "me"}) {
		return fmt.Errorf("Swagger UI's bearer token has claims %s; want sub johndoe and scopes me and items", payload)
	}
	return nil
}

// waitJS waits until the JavaScript expression is truthy (it may return an
// element: only its truth is sent back).
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`!!(`+expr+`)`,
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(waitTimeout))
}

// clickJS waits for the element the JavaScript expression returns and clicks
// it with element.click(), which dispatches the click event React listens to.
func clickJS(expr string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := waitJS(expr)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.Evaluate[chromedp.Void](`(`+expr+`).click()`)(ctx, t)
	}
}

// waitAuthorized waits until the scheme's block says "Authorized", and fails at
// once with Swagger UI's message when it shows an error instead (for example
// when /token refused the form).
func waitAuthorized() chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		state, err := chromedp.Poll[string](`(() => {
			const box = `+schemeBox+`;
			if (!box) return false;
			if ([...box.querySelectorAll('h6')].some(h => h.textContent.trim() === 'Authorized') && [...box.querySelectorAll('.auth-btn-wrapper button')].some(b => b.textContent.trim() === 'Logout')) return 'ok';
			const errs = box.querySelector('.errors');
			return errs ? 'error: ' + errs.textContent.trim() : false;
		})()`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(waitTimeout))(ctx, t)
		if err != nil {
			return chromedp.Void{}, err
		}
		if state != "ok" {
			return chromedp.Void{}, fmt.Errorf("Swagger UI did not authorize: %s", state)
		}
		return chromedp.Void{}, nil
	}
}

// saveArtifacts saves a screenshot and the HTML of the page in a directory
// that outlives the test, and prints their paths.
func saveArtifacts(t *testing.T, browserCtx context.Context) {
	t.Helper()
	dir, err := os.MkdirTemp("", "keel-e2e-swaggerui-")
	if err != nil {
		t.Logf("cannot save the page: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(browserCtx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Logf("cannot take a screenshot: %v", err)
	} else if err := os.WriteFile(filepath.Join(dir, "page.png"), png, 0o644); err == nil {
		t.Logf("screenshot: %s", filepath.Join(dir, "page.png"))
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err != nil {
		t.Logf("cannot read the page's HTML: %v", err)
	} else if err := os.WriteFile(filepath.Join(dir, "page.html"), []byte(html), 0o644); err == nil {
		t.Logf("page HTML: %s", filepath.Join(dir, "page.html"))
	}
}

// withoutDBus drops the lines of Chromium's output that complain about the
// missing D-Bus of a container.
func withoutDBus(out string) string {
	var b strings.Builder
	for line := range strings.Lines(out) {
		if !strings.Contains(line, "dbus/") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// chromiumPath returns the browser to drive: $KEEL_E2E_CHROMIUM, else Debian's
// chromium. It never downloads one.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KEEL_E2E_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium is not installed: install Debian's chromium (sudo apt-get install chromium; scripts/test-all.sh does), or set KEEL_E2E_CHROMIUM to a Chromium binary")
	return ""
}

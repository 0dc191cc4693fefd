package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// The selectors of the OpenID Connect flow: the OIDCBearer scheme's block of
// the Authorize dialog (Swagger UI reads the provider's discovery document
// and shows its authorization code flow), and GET /oidc/items/.
const (
	oidcOperation = `[id^="operations-"][id$="-read_oidc_items_oidc_items__get"]`
	oidcBox       = `[...document.querySelectorAll('.dialog-ux .auth-container')].find(c => (c.querySelector('h4')?.textContent || '').trim().startsWith('OIDCBearer') && (c.textContent || '').includes('authorization_code'))`
)

// TestSwaggerUIOIDC logs in to Swagger UI through a real OpenID provider
// (issue 12, item 5): /docs offers the provider's authorization code flow
// with PKCE and the docs' client (initOAuth); the test clicks Authorize, logs
// in on the provider's own page in the popup Swagger UI opens, comes back
// through /docs/oauth2-redirect, and runs "Try it out" on GET /oidc/items/,
// which must answer 200 with the provider's subject as the owner.
func TestSwaggerUIOIDC(t *testing.T) {
	requireE2E(t)
	p := startProvider(t, filepath.Join(t.TempDir(), "k1.pem"))
	ex := startOIDCExample(t, p)
	browserCtx := newBrowser(t)
	console := recordConsole(browserCtx)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the page's console:\n%s", strings.Join(console(), "\n"))
		}
	})

	ctx, cancel := context.WithTimeout(browserCtx, flowTimeout)
	defer cancel()
	start := time.Now()
	body, err := oidcAuthorizeAndTryItOut(ctx, t, ex.URL, p.URL)
	t.Logf("Swagger UI OpenID Connect flow: %v", time.Since(start).Round(time.Millisecond))
	if err != nil {
		saveArtifacts(t, browserCtx)
		t.Fatal(err)
	}
	t.Logf("response body in the page: %s", body)
}

func oidcAuthorizeAndTryItOut(ctx context.Context, t *testing.T, baseURL, issuer string) (string, error) {
	do := func(name string, a chromedp.Action[chromedp.Void]) error {
		start := time.Now()
		if err := chromedp.Do(ctx, a); err != nil {
			return fmt.Errorf("Swagger UI step %q: %w", name, err)
		}
		t.Logf("step %q (%v)", name, time.Since(start).Round(time.Millisecond))
		return nil
	}
	steps := []struct {
		name string
		do   chromedp.Action[chromedp.Void]
	}{
		{"open /docs", chromedp.Navigate(baseURL + "/docs")},
		{"wait for the operation", waitJS(`document.querySelector('` + oidcOperation + `')`)},
		// Swagger UI fetches the discovery document when it resolves the
		// security schemes, after loading the document.
		{"wait for Swagger UI to read the provider's discovery document", waitJS(`ui.specSelectors.specResolvedSubtree(["components", "securitySchemes", "OIDCBearer", "openIdConnectData", "authorization_endpoint"])`)},
		{"open the Authorize dialog", clickJS(`document.querySelector('.auth-wrapper .authorize')`)},
		{"find OIDCBearer's authorization code flow (from the provider's discovery document)", waitJS(oidcBox)},
		{"check the client id from initOAuth", waitJS(oidcBox + `.querySelector('input[data-name=clientId]')?.value === '` + opClient + `'`)},
	}
	for _, s := range steps {
		if err := do(s.name, s.do); err != nil {
			return "", err
		}
	}
	// The scopes the provider lists (initOAuth has ticked "openid"); initOAuth
	// asks for "items" too, which this provider does not list. Tick the ones
	// the route needs that the dialog shows and are not ticked yet (a ticked
	// one is listed with " (ticked)").
	scopes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...`+oidcBox+`.querySelectorAll('input[type=checkbox]')].map(c => c.dataset.value + (c.checked ? ' (ticked)' : ''))`))
	if err != nil {
		return "", err
	}
	t.Logf("scopes offered: %q", scopes)
	for _, s := range []string{"openid", "items"} {
		box := oidcBox + `.querySelector('input[type=checkbox][data-value="` + s + `"]')`
		if !containsString(scopes, s) {
			continue
		}
		if err := do("select scope "+s, clickJS(box)); err != nil {
			return "", err
		}
	}
	// Authorize opens the provider's authorization endpoint in a popup.
	popupID := chromedp.WaitNewTarget(ctx, func(i *target.Info) bool { return i.Type == "page" })
	if err := do("press Authorize in the dialog", clickJS(oidcBox+`.querySelector('.auth-btn-wrapper .authorize')`)); err != nil {
		return "", err
	}
	var id target.ID
	select {
	case id = <-popupID:
	case <-ctx.Done():
		return "", fmt.Errorf("Swagger UI opened no popup for the provider's login: %w", ctx.Err())
	}
	popup, cancelPopup := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
	defer cancelPopup()
	loginSteps := []struct {
		name string
		do   chromedp.Action[chromedp.Void]
	}{
		{"wait for the provider's login page", waitJS(`location.href.startsWith('` + issuer + `/login/') && document.querySelector('#username')`)},
		{"type the provider's user name", chromedp.SendKeys(chromedp.JSPath(`document.querySelector("#username")`), opUser)},
		{"type the provider's password", chromedp.SendKeys(chromedp.JSPath(`document.querySelector("#password")`), opPassword)},
		{"log in at the provider", clickJS(`document.querySelector('button[type=submit]')`)},
	}
	for _, s := range loginSteps {
		start := time.Now()
		if err := chromedp.Do(popup, s.do); err != nil {
			loc, _ := chromedp.Run(popup, chromedp.Location())
			return "", fmt.Errorf("login popup step %q (at %s): %w", s.name, loc, err)
		}
		t.Logf("popup step %q (%v)", s.name, time.Since(start).Round(time.Millisecond))
	}
	// The provider redirects the popup to /docs/oauth2-redirect, which hands
	// the code to Swagger UI and closes; Swagger UI exchanges it (with the
	// PKCE verifier) at the provider's token endpoint.
	rest := []struct {
		name string
		do   chromedp.Action[chromedp.Void]
	}{
		{"wait for Authorized", waitAuthorizedIn(oidcBox)},
		{"close the dialog", clickJS(oidcBox + `.querySelector('.auth-btn-wrapper .btn-done')`)},
		{"wait for the dialog to close", waitJS(`!document.querySelector('.dialog-ux')`)},
		{"expand GET /oidc/items/", clickJS(`document.querySelector('` + oidcOperation + ` .opblock-summary-control')`)},
		{"press Try it out", clickJS(`document.querySelector('` + oidcOperation + ` .try-out__btn')`)},
		{"press Execute", clickJS(`document.querySelector('` + oidcOperation + ` .execute')`)},
		{"wait for the response", waitJS(`document.querySelector('` + oidcOperation + ` .live-responses-table tr.response .response-col_status')`)},
	}
	for _, s := range rest {
		if err := do(s.name, s.do); err != nil {
			return "", err
		}
	}
	type shown struct {
		Status string `json:"status"`
		Body   string `json:"body"`
		Curl   string `json:"curl"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[shown](`(() => {
		const op = document.querySelector('`+oidcOperation+`');
		const text = sel => (op.querySelector(sel)?.textContent || '').trim();
		return {
			status: text('.live-responses-table tr.response .response-col_status'),
			body: text('.live-responses-table tr.response .highlight-code pre'),
			curl: text('.curl-command .curl'),
		};
	})()`))
	if err != nil {
		return "", fmt.Errorf("reading the response shown: %w", err)
	}
	if got.Status != "200" {
		return "", fmt.Errorf("Swagger UI shows status %q, want 200 (body %s; request %s)", got.Status, got.Body, got.Curl)
	}
	var items []struct {
		ItemID string `json:"item_id"`
		Owner  string `json:"owner"`
	}
	if err := json.Unmarshal([]byte(got.Body), &items); err != nil || len(items) != 1 || items[0].ItemID != "Foo" || items[0].Owner != opSub {
		return "", fmt.Errorf("the response body shown is %s, want [{item_id Foo, owner %s}] (%v)", got.Body, opSub, err)
	}
	if !strings.Contains(got.Curl, "Authorization: Bearer ") {
		return "", fmt.Errorf("Swagger UI's request has no bearer token: %s", got.Curl)
	}
	return got.Body, nil
}

// recordConsole records what the page logs to its console and the browser's
// log entries (CORS refusals among them); the func it returns gives them.
func recordConsole(browserCtx context.Context) func() []string {
	var mu sync.Mutex
	var lines []string
	add := func(s string) {
		mu.Lock()
		lines = append(lines, s)
		mu.Unlock()
	}
	go func() {
		for ev, err := range chromedp.Events(browserCtx, runtime.ConsoleAPICalled) {
			if err != nil {
				return
			}
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			add(string(ev.Type) + ": " + strings.Join(args, " "))
		}
	}()
	go func() {
		for ev, err := range chromedp.Events(browserCtx, cdplog.EntryAdded) {
			if err != nil {
				return
			}
			add(string(ev.Entry.Level) + ": " + ev.Entry.Text + " " + ev.Entry.URL)
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), lines...)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// waitAuthorizedIn waits until the scheme block box says "Authorized", and
// fails at once with Swagger UI's message when it shows an error instead.
func waitAuthorizedIn(box string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		state, err := chromedp.Poll[string](`(() => {
			const box = `+box+`;
			if (!box) return false;
			if ([...box.querySelectorAll('h6')].some(h => h.textContent.trim() === 'Authorized')) return 'ok';
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

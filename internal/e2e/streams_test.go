package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// streamsJS runs in a page of the example (same origin): it logs in at
// /token as johndoe (scopes me and items); opens WS /ws/items with the token
// in the query string, sends "ping" twice and closes; opens it without a
// token (refused: the browser sees only a failed connection); reads GET
// /events with fetch and a stream reader (EventSource cannot send
// Authorization) until the stream ends; and opens an EventSource on /events
// without a token, which the 401 makes fail. It resolves to what it saw.
const streamsJS = `(async () => {
	const out = {};
	const form = new URLSearchParams({username: "johndoe", password: "secret", scope: "me items"});
	const tok = (await (await fetch("/token", {method: "POST", body: form})).json()).access_token;
	const wsURL = location.origin.replace(/^http/, "ws") + "/ws/items";

	out.ws = await new Promise((resolve) => {
		const got = [];
		const ws = new WebSocket(wsURL + "?token=" + encodeURIComponent(tok));
		ws.onopen = () => ws.send("ping");
		ws.onmessage = (e) => {
			got.push(e.data);
			if (got.length < 2) ws.send("ping"); else ws.close(1000, "done");
		};
		ws.onclose = (e) => resolve({messages: got, code: e.code});
		ws.onerror = () => got.push("error");
	});

	out.wsNoToken = await new Promise((resolve) => {
		const ws = new WebSocket(wsURL);
		let errored = false;
		ws.onerror = () => { errored = true; };
		ws.onclose = (e) => resolve({errored: errored, code: e.code});
	});

	const resp = await fetch("/events", {headers: {Authorization: "Bearer " + tok}});
	out.sseStatus = resp.status;
	out.sseType = resp.headers.get("Content-Type");
	const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
	let text = "";
	for (;;) {
		const {value, done} = await reader.read();
		if (done) break;
		text += value;
	}
	out.events = text.split("\n\n").filter((b) => b.trim() !== "").map((b) => {
		const ev = {};
		for (const line of b.split("\n")) {
			const i = line.indexOf(": ");
			if (i > 0) ev[line.slice(0, i)] = line.slice(i + 2);
		}
		return ev.id + " " + ev.event + " " + ev.data;
	});

	out.eventSourceNoToken = await new Promise((resolve) => {
		const es = new EventSource("/events");
		es.onmessage = () => { es.close(); resolve("message"); };
		es.onerror = () => { const s = es.readyState; es.close(); resolve(s === EventSource.CLOSED ? "closed" : "retrying"); };
	});
	return out;
})()`

// streamsSeen is what streamsJS resolves to.
type streamsSeen struct {
	WS struct {
		Messages []string `json:"messages"`
		Code     int      `json:"code"`
	} `json:"ws"`
	WSNoToken struct {
		Errored bool `json:"errored"`
		Code    int  `json:"code"`
	} `json:"wsNoToken"`
	SSEStatus          int      `json:"sseStatus"`
	SSEType            string   `json:"sseType"`
	Events             []string `json:"events"`
	EventSourceNoToken string   `json:"eventSourceNoToken"`
}

// TestBrowserStreams opens the example's WebSocket and its Server-Sent
// Events stream from a page the example serves (/docs, same origin), in
// headless Chromium, and checks the messages the page receives.
func TestBrowserStreams(t *testing.T) {
	requireE2E(t)
	ex := startExample(t)
	browserCtx := newBrowser(t)
	ctx, cancel := context.WithTimeout(browserCtx, flowTimeout)
	defer cancel()

	if _, err := chromedp.Run(ctx, chromedp.Navigate(ex.URL+"/docs")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[streamsSeen](streamsJS, chromedp.EvalAwaitPromise))
	if err != nil {
		saveArtifacts(t, browserCtx)
		t.Fatal(err)
	}
	t.Logf("in the page (%v): %+v", time.Since(start).Round(time.Millisecond), got)

	item := `{"item_id":"Foo","owner":"johndoe"}`
	if !slices.Equal(got.WS.Messages, []string{item, item}) || got.WS.Code != 1000 {
		t.Errorf("WebSocket: messages %q, close code %d; want two %s, 1000", got.WS.Messages, got.WS.Code, item)
	}
	// A refused handshake is, to a page, a failed connection (1006).
	if !got.WSNoToken.Errored || got.WSNoToken.Code != 1006 {
		t.Errorf("WebSocket without a token: error %v, close code %d; want a refused connection (1006)", got.WSNoToken.Errored, got.WSNoToken.Code)
	}
	if got.SSEStatus != 200 || got.SSEType != "text/event-stream" {
		t.Errorf("GET /events: %d %q", got.SSEStatus, got.SSEType)
	}
	want := []string{"1 item " + item, "2 item " + item, "3 item " + item}
	if !slices.Equal(got.Events, want) {
		t.Errorf("events %q, want %q", got.Events, want)
	}
	// EventSource fails on a 401 and does not retry.
	if got.EventSourceNoToken != "closed" {
		t.Errorf("EventSource without a token: %q, want closed", got.EventSourceNoToken)
	}
}

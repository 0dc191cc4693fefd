//go:build keel_generated

// This file compiles only once api/api.gen.go has been generated
// (TestGeneratedClient in ../client_test.go does it, then runs this test with
// -tags keel_generated and KEEL_E2E_BASE_URL set to a running example).

package client_test

import (
	"context"
	"net/http"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/keelgo/keel/internal/e2e/client/api"
)

// newClient returns a generated client for the example at KEEL_E2E_BASE_URL.
func newClient(t *testing.T) *api.ClientWithResponses {
	t.Helper()
	base := os.Getenv("KEEL_E2E_BASE_URL")
	if base == "" {
		t.Skip("KEEL_E2E_BASE_URL is not set: run through TestGeneratedClient")
	}
	c, err := api.NewClientWithResponses(base, api.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bearer is a request editor that sends token as a bearer token.
func bearer(token string) api.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// token gets a token for johndoe with scope through the generated form-body
// method of POST /token (the OAuth2 password flow).
func token(t *testing.T, c *api.ClientWithResponses, scope string) string {
	t.Helper()
	res, err := c.LoginForAccessTokenTokenPostWithFormdataBodyWithResponse(context.Background(),
		api.LoginForAccessTokenTokenPostFormdataRequestBody{Username: "johndoe", Password: "secret", Scope: &scope})
	if err != nil {
		t.Fatalf("POST /token: %v", err)
	}
	if res.StatusCode() != http.StatusOK || res.JSON200 == nil {
		t.Fatalf("POST /token: status %d, body %s; want 200 and a Token", res.StatusCode(), res.Body)
	}
	if res.JSON200.TokenType != "bearer" || res.JSON200.AccessToken == "" {
		t.Fatalf("POST /token: %+v; want a bearer token", *res.JSON200)
	}
	return res.JSON200.AccessToken
}

func TestLoginAndReadUsersMe(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	tok := token(t, c, "me items")

	me, err := c.ReadUsersMeUsersMeGetWithResponse(ctx, bearer(tok))
	if err != nil {
		t.Fatalf("GET /users/me/: %v", err)
	}
	if me.StatusCode() != http.StatusOK || me.JSON200 == nil {
		t.Fatalf("GET /users/me/ with a token: status %d, body %s; want 200 and a User", me.StatusCode(), me.Body)
	}
	if me.JSON200.Username != "johndoe" {
		t.Errorf("GET /users/me/: username %q, want johndoe", me.JSON200.Username)
	}
	if me.JSON200.Disabled == nil || *me.JSON200.Disabled {
		t.Errorf("GET /users/me/: disabled %v, want false", me.JSON200.Disabled)
	}

	items, err := c.ReadOwnItemsUsersMeItemsGetWithResponse(ctx, bearer(tok))
	if err != nil {
		t.Fatalf("GET /users/me/items/: %v", err)
	}
	want := []api.OwnedItem{{ItemId: "Foo", Owner: "johndoe"}}
	if items.StatusCode() != http.StatusOK || items.JSON200 == nil || !reflect.DeepEqual(*items.JSON200, want) {
		t.Errorf("GET /users/me/items/: status %d, body %s; want 200 and %+v", items.StatusCode(), items.Body, want)
	}
}

func TestRefusedWithoutToken(t *testing.T) {
	c := newClient(t)
	me, err := c.ReadUsersMeUsersMeGetWithResponse(context.Background())
	if err != nil {
		t.Fatalf("GET /users/me/: %v", err)
	}
	if me.StatusCode() != http.StatusUnauthorized {
		t.Fatalf("GET /users/me/ without a token: status %d, body %s; want 401", me.StatusCode(), me.Body)
	}
	if got := me.HTTPResponse.Header.Get("WWW-Authenticate"); got != "Bearer" {
		t.Errorf("WWW-Authenticate: %q, want Bearer", got)
	}
	if got, want := string(me.Body), `{"detail":"Not authenticated"}`; got != want {
		t.Errorf("body: %s, want %s", got, want)
	}
}

func TestScopeNotGranted(t *testing.T) {
	c := newClient(t)
	// A token with "me" only may read /users/me/ but not /users/me/items/.
	tok := token(t, c, "me")
	items, err := c.ReadOwnItemsUsersMeItemsGetWithResponse(context.Background(), bearer(tok))
	if err != nil {
		t.Fatalf("GET /users/me/items/: %v", err)
	}
	if items.StatusCode() != http.StatusUnauthorized || string(items.Body) != `{"detail":"Not enough permissions"}` {
		t.Errorf("GET /users/me/items/ with scope me: status %d, body %s; want 401 Not enough permissions", items.StatusCode(), items.Body)
	}
}

func TestWrongPassword(t *testing.T) {
	c := newClient(t)
	res, err := c.LoginForAccessTokenTokenPostWithFormdataBodyWithResponse(context.Background(),
		api.LoginForAccessTokenTokenPostFormdataRequestBody{Username: "johndoe", Password: "wrong"})
	if err != nil {
		t.Fatalf("POST /token: %v", err)
	}
	if res.StatusCode() != http.StatusBadRequest || string(res.Body) != `{"detail":"Incorrect username or password"}` {
		t.Errorf("POST /token with a wrong password: status %d, body %s; want 400", res.StatusCode(), res.Body)
	}
}

// TestParametersAndBodies exercises the generated types of the non-security
// routes: path and query parameters, the documented 422 and a JSON body with
// optional (anyOf [T, null]) fields.
func TestParametersAndBodies(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()

	item, err := c.ReadItemItemsItemIdGetWithResponse(ctx, 5, &api.ReadItemItemsItemIdGetParams{Q: "x", Size: 2.5})
	if err != nil {
		t.Fatalf("GET /items/5: %v", err)
	}
	if want := (api.ItemQuery{ItemId: 5, Q: "x", Size: 2.5}); item.StatusCode() != http.StatusOK || item.JSON200 == nil || *item.JSON200 != want {
		t.Errorf("GET /items/5?q=x&size=2.5: status %d, body %s; want 200 and %+v", item.StatusCode(), item.Body, want)
	}

	bad, err := c.ReadItemItemsItemIdGetWithResponse(ctx, 5, &api.ReadItemItemsItemIdGetParams{Q: "x", Size: 20})
	if err != nil {
		t.Fatalf("GET /items/5: %v", err)
	}
	if bad.StatusCode() != http.StatusUnprocessableEntity || bad.JSON422 == nil || bad.JSON422.Detail == nil || len(*bad.JSON422.Detail) != 1 {
		t.Fatalf("GET /items/5?q=x&size=20: status %d, body %s; want 422 with one error", bad.StatusCode(), bad.Body)
	}
	e := (*bad.JSON422.Detail)[0]
	var loc []string
	for _, l := range e.Loc {
		s, err := l.AsValidationErrorLoc0()
		if err != nil {
			t.Fatalf("loc item %v is not a string: %v", l, err)
		}
		loc = append(loc, s)
	}
	if e.Type != "less_than" || !reflect.DeepEqual(loc, []string{"query", "size"}) {
		t.Errorf("422 detail: type %q loc %v; want less_than [query size]", e.Type, loc)
	}

	desc := "A thing"
	body := api.Item{Name: "Foo", Description: &desc, Price: 35.5}
	created, err := c.CreateItemItemsPostWithResponse(ctx, body)
	if err != nil {
		t.Fatalf("POST /items/: %v", err)
	}
	if created.StatusCode() != http.StatusOK || created.JSON200 == nil || !reflect.DeepEqual(*created.JSON200, body) {
		t.Errorf("POST /items/: status %d, body %s; want 200 and the item back", created.StatusCode(), created.Body)
	}
}

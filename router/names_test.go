package router_test

import (
	"encoding/json"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
)

type namesItem struct {
	ItemID int `path:"item_id"`
}

func readNamedItem(p namesItem) (int, error) { return p.ItemID, nil }

type namesStore struct{}

func (namesStore) ListItems() ([]int, error) { return nil, nil }

// A handler's summary and operationId derive from its own Go name; a closure,
// which has none, gets them from the method and the path (issue 10 item 7,
// docs/fastapi-compat.md §6.2).
func TestDefaultOperationNames(t *testing.T) {
	app, _ := quietApp()
	var s namesStore
	app.Get("/items/{item_id}", readNamedItem)
	app.Put("/items/{item_id}", func(p namesItem) (int, error) { return p.ItemID, nil })
	app.Delete("/items/{item_id}", di.Func1(func(p namesItem) (int, error) { return p.ItemID, nil }))
	app.Get("/store/items/", s.ListItems)
	app.Get("/", func() (string, error) { return "", nil })
	app.Post("/", func() (string, error) { return "", nil })
	app.Get("/named", func() (string, error) { return "", nil }, router.Name("readNamed"))
	g := app.Group("/v2")
	g.Get("/users/me/", func() (string, error) { return "", nil })

	doc, err := app.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Paths map[string]map[string]struct {
			Summary     string `json:"summary"`
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, method, summary, id string }{
		{"/items/{item_id}", "get", "Read Named Item", "read_named_item_items__item_id__get"},
		{"/items/{item_id}", "put", "Put Items Item Id", "items__item_id__put"},
		{"/items/{item_id}", "delete", "Delete Items Item Id", "items__item_id__delete"},
		{"/store/items/", "get", "List Items", "list_items_store_items__get"},
		{"/", "get", "Get", "get"},
		{"/", "post", "Post", "post"},
		{"/named", "get", "Read Named", "read_named_named_get"},
		{"/v2/users/me/", "get", "Get V2 Users Me", "v2_users_me__get"},
	} {
		op := d.Paths[tt.path][tt.method]
		if op.Summary != tt.summary || op.OperationID != tt.id {
			t.Errorf("%s %s: summary %q, operationId %q; want %q, %q", tt.method, tt.path, op.Summary, op.OperationID, tt.summary, tt.id)
		}
	}
}

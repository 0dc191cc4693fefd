package response_test

import (
	"fmt"
	"iter"
	"net/http/httptest"
	"strings"

	"github.com/keelgo/keel/response"
	"github.com/keelgo/keel/router"
)

// A handler's result type chooses the response: a file download here.
func ExampleFile() {
	app := router.New(router.Info{Title: "Reports"})
	app.Get("/items.csv", func() (response.File, error) {
		return response.File{Content: strings.NewReader("item_id,owner\nFoo,johndoe\n"), Name: "items.csv"}, nil
	}, router.ContentType("text/csv"))

	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/items.csv", nil))
	fmt.Println(w.Code, w.Header().Get("Content-Disposition"))
	fmt.Print(w.Body)
	// Output:
	// 200 attachment; filename="items.csv"
	// item_id,owner
	// Foo,johndoe
}

// An iterator of events is a Server-Sent Events stream.
func ExampleEvent() {
	app := router.New(router.Info{Title: "Events"})
	app.Get("/events", func() (iter.Seq[response.Event], error) {
		return func(yield func(response.Event) bool) {
			for i, name := range []string{"Foo", "Bar"} {
				if !yield(response.Event{ID: fmt.Sprint(i + 1), Event: "item", Data: map[string]string{"item_id": name}}) {
					return
				}
			}
		}, nil
	})

	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/events", nil))
	fmt.Println(w.Header().Get("Content-Type"))
	fmt.Print(w.Body)
	// Output:
	// text/event-stream
	// id: 1
	// event: item
	// data: {"item_id":"Foo"}
	//
	// id: 2
	// event: item
	// data: {"item_id":"Bar"}
}

package params_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/keelgo/keel/router"
)

type ListItems struct {
	Category string  `path:"category"`
	Limit    int     `query:"limit" default:"10" validate:"gte=1,lte=100"`
	Q        *string `query:"q" validate:"max=50"`
	Token    string  `header:"x-token"`
}

// A parameter struct is bound and validated per request; every problem is
// reported at once, in FastAPI's shape.
func Example() {
	app := router.New(router.Info{Title: "Items"})
	app.Get("/items/{category}", func(p ListItems) (ListItems, error) { return p, nil })

	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/items/books?limit=0", nil))
	fmt.Println(w.Code, w.Body.String())

	w = httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/items/books?q=go", nil)
	r.Header.Set("X-Token", "t")
	app.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 422 {"detail":[{"type":"greater_than_equal","loc":["query","limit"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}},{"type":"missing","loc":["header","x-token"],"msg":"Field required","input":null}]}
	// 200 {"Category":"books","Limit":10,"Q":"go","Token":"t"}
}

package bind_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/bind"
)

type ListItems struct {
	Category string  `path:"category"`
	Limit    int     `query:"limit" default:"10" validate:"gte=1,lte=100"`
	Q        *string `query:"q" validate:"max=50"`
	Token    string  `header:"x-token"`
}

func Example() {
	c := bind.NewCompiler(bind.Options{})
	b, err := c.Struct(reflect.TypeFor[ListItems]())
	if err != nil {
		panic(err) // a registration error names the field, the tag and the fix
	}

	r := httptest.NewRequest("GET", "/items/books?limit=0", nil)
	r.SetPathValue("category", "books")
	var p ListItems
	err = b.Bind(r, nil, reflect.ValueOf(&p).Elem())

	var ve *keel.ValidationError
	if errors.As(err, &ve) {
		out, _ := json.Marshal(ve.Errors)
		fmt.Println(string(out))
	}
	// Output:
	// [{"type":"greater_than_equal","loc":["query","limit"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}},{"type":"missing","loc":["header","x-token"],"msg":"Field required","input":null}]
}

type Item struct {
	Name  string  `json:"name"`
	Price float64 `json:"price" validate:"gt=0"`
}

func ExampleCompiler_Body() {
	c := bind.NewCompiler(bind.Options{})
	b, _ := c.Body(reflect.TypeFor[Item]())

	r := httptest.NewRequest("POST", "/items/", strings.NewReader(`{"name":"Foo","price":"50.5"}`))
	r.Header.Set("Content-Type", "application/json")
	body, err := bind.ReadBody(r, 1<<20)
	if err != nil {
		panic(err)
	}
	var it Item
	if err := b.Bind(r, body, reflect.ValueOf(&it).Elem()); err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", it)
	// Output:
	// {Name:Foo Price:50.5}
}

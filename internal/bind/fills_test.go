package bind

import (
	"reflect"
	"testing"
)

// TestFillsAll: only a binder that writes every field of its value on
// success lets the resolver skip zeroing it.
func TestFillsAll(t *testing.T) {
	type params struct {
		ID int     `path:"id"`
		Q  *string `query:"q"`
		S  []int   `query:"s"`
		H  string  `header:"x-h" default:""`
		C  string  `cookie:"c" default:""`
	}
	type unbound struct {
		ID   int    `path:"id"`
		Left string `param:"-"`
	}
	type unexported struct {
		ID   int `path:"id"`
		left int
	}
	type embedded struct {
		unbound
		Q string `query:"q"`
	}
	type withBody struct {
		ID   int    `path:"id"`
		Item params `body:"item"`
	}
	type withForm struct {
		Name string `form:"name"`
	}
	c := NewCompiler(Options{})
	for _, tc := range []struct {
		typ  reflect.Type
		want bool
	}{
		{reflect.TypeFor[params](), true},
		{reflect.TypeFor[unbound](), false},
		{reflect.TypeFor[unexported](), false},
		{reflect.TypeFor[embedded](), false},
		{reflect.TypeFor[withBody](), false},
		{reflect.TypeFor[withForm](), false},
	} {
		b, err := c.Struct(tc.typ)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.FillsAll(); got != tc.want {
			t.Errorf("%s: FillsAll %v, want %v", tc.typ, got, tc.want)
		}
	}
	body, err := c.Body(reflect.TypeFor[params]())
	if err != nil {
		t.Fatal(err)
	}
	if body.FillsAll() {
		t.Error("a body binder fills all")
	}
	_ = unexported{}.left
}

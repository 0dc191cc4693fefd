package bind

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keelgo/keel/params"
)

type ItemParams struct {
	Limit int `query:"limit" default:"abc"`
}

func TestRegistrationErrors(t *testing.T) {
	c := NewCompiler(Options{})
	for _, tc := range []struct {
		typ  reflect.Type
		want string
	}{
		{typeOf[ItemParams](), `params: field Limit of bind.ItemParams: default "abc" is not a valid int: Input should be a valid integer, unable to parse string as an integer`},
		{typeOf[struct {
			ID *int `path:"id"`
		}](), "path parameters are always required and single-valued"},
		{typeOf[struct {
			ID int `path:"id" default:"1"`
		}](), `path parameters are always required; remove default:"1"`},
		{typeOf[struct {
			A int `query:"a" header:"a"`
		}](), "has more than one location tag"},
		{typeOf[struct {
			A chan int `query:"a"`
		}](), "type chan int cannot be read from a query parameter"},
		{typeOf[struct {
			A int `query:"a" validate:"gte=x"`
		}](), `validate rule gte=x: "x" is not a number`},
		{typeOf[struct {
			A string `query:"a" pattern:"("`
		}](), `pattern "(" is not a valid regular expression`},
		{typeOf[struct {
			A int `query:"a" pattern:"^a$"`
		}](), "pattern applies to strings, not int"},
		{typeOf[struct {
			A string `query:"a" validate:"nosuchtag"`
		}](), `validate:"nosuchtag" is not known to the validator`},
		{typeOf[struct {
			A bool `query:"a" validate:"min=1"`
		}](), "validate rule min does not apply to this type"},
		{typeOf[struct {
			A []int `cookie:"a"`
		}](), "a cookie has one value"},
		{typeOf[struct {
			A *int `query:"a" default:"1"`
		}](), "has both a pointer type and default"},
		{typeOf[struct {
			A int `query:"a"`
			B int `query:"a"`
		}](), "fields A and B of"},
		{typeOf[struct {
			A int
			B int `query:"b"`
		}](), "field A of struct { A int; B int \"query:\\\"b\\\"\" }: has no location tag"},
		{typeOf[struct {
			A Item `body:"a"`
			B int  `form:"b"`
		}](), "mixes body fields with form/file fields"},
		{typeOf[struct {
			A string `file:"a"`
		}](), "a file field must be params.File"},
		{typeOf[struct {
			A int `query:"a,embed"`
		}](), `has unknown option "embed"`},
		{typeOf[struct {
			A []int `query:"a" default:"1"`
		}](), "a slice default is a JSON array"},
		{typeOf[struct {
			A int `query:"a" validate:"oneof=1 x"`
		}](), `"x" is not a number`},
		{typeOf[struct {
			A struct{ C chan int } `body:"a"`
		}](), "type chan int cannot be decoded from JSON"},
		{typeOf[struct {
			A Item `body:"a" validate:"gte=1"`
		}](), "validate rule gte does not apply to this type"},
		{typeOf[struct {
			A int `query:"a" validate:"email"`
		}](), "validate rule email applies to strings, not int"},
		{typeOf[struct {
			A int `query:"a" multipleOf:"0"`
		}](), `multipleOf:"0" must be a positive number`},
	} {
		_, err := c.Struct(tc.typ)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.typ, err, tc.want)
		}
	}
	if _, err := c.Struct(typeOf[*ItemParams]()); err == nil {
		t.Error("pointer accepted")
	}
	if IsParamStruct(typeOf[Item]()) || !IsParamStruct(typeOf[benchParams]()) || IsParamStruct(typeOf[*benchParams]()) {
		t.Error("IsParamStruct")
	}
}

func TestParseConstraints(t *testing.T) {
	type S struct {
		N   int      `validate:"required,gt=1,lte=10" multipleOf:"2"`
		F   *float64 `validate:"min=0.5,max=9.5"`
		Str string   `validate:"omitempty,min=2,max=5,email" pattern:"^a"`
		L   []string `validate:"len=3,dive,min=1"`
		E   string   `validate:"oneof='a b' c"`
		U   string   `validate:"uuid4"`
		G   string   `validate:"gt=1,lt=4"`
	}
	st := typeOf[S]()
	get := func(name string) params.Constraints {
		f, _ := st.FieldByName(name)
		c, err := ParseConstraints(f)
		if err != nil {
			t.Fatal(name, err)
		}
		return c
	}
	if c := get("N"); !c.Required || c.Gt.Text != "1" || c.Le.Value != 10 || c.MultipleOf.Value != 2 {
		t.Errorf("N %+v", c)
	}
	if c := get("F"); c.Ge.Text != "0.5" || c.Le.Text != "9.5" {
		t.Errorf("F %+v", c)
	}
	if c := get("Str"); *c.MinLength != 2 || *c.MaxLength != 5 || c.Format != "email" || c.Other != "omitempty,email" || c.Pattern != "^a" {
		t.Errorf("Str %+v", c)
	}
	if c := get("L"); *c.MinLength != 3 || *c.MaxLength != 3 || c.Other != "dive,min=1" {
		t.Errorf("L %+v", c)
	}
	if c := get("E"); strings.Join(c.Enum, "|") != "a b|c" {
		t.Errorf("E %+v", c)
	}
	if c := get("U"); c.Format != "uuid" || c.Other != "uuid4" {
		t.Errorf("U %+v", c)
	}
	if c := get("G"); *c.MinLength != 2 || *c.MaxLength != 3 {
		t.Errorf("G %+v", c)
	}
}

func TestFieldsDescription(t *testing.T) {
	type P struct {
		ID    int     `path:"item_id" title:"Item ID" description:"The item"`
		Q     *string `query:"q" example:"shoes" deprecated:"true"`
		Limit int     `query:"limit" default:"10" example:"10" validate:"gte=1"`
		Key   string  `header:"X-Custom_Name" hidden:"true"`
		Body  Item    `body:"item"`
	}
	c := NewCompiler(Options{})
	b, err := c.Struct(typeOf[P]())
	if err != nil {
		t.Fatal(err)
	}
	fs := b.Fields()
	if len(fs) != 5 || fs[0].Title != "Item ID" || fs[0].Description != "The item" || !fs[0].Required ||
		fs[1].Examples[0] != "shoes" || !fs[1].Deprecated || fs[1].Required ||
		fs[2].Default != 10 || fs[2].Examples[0] != float64(10) || fs[2].Constraints.Ge.Value != 1 ||
		fs[3].Name != "X-Custom_Name" || !fs[3].Hidden || fs[4].In != params.InBody || fs[4].Name != "item" || !fs[4].Required {
		t.Fatalf("%+v", fs)
	}
	if got := b.PathNames(); len(got) != 1 || got[0] != "item_id" {
		t.Fatal(got)
	}
	if b.Type() != typeOf[P]() {
		t.Fatal("Type")
	}
	mf, err := c.ModelFields(typeOf[Model]())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range mf {
		names = append(names, f.Name)
		if (f.Name == "name" || f.Name == "price") != f.Required {
			t.Errorf("%s required=%v", f.Name, f.Required)
		}
	}
	if join(names) != "name price sub subs tags b i s f opt" {
		t.Fatal(names)
	}
	bb, _ := c.Body(typeOf[[]Item]())
	if f := bb.Fields(); len(f) != 1 || f[0].Index != nil || !f[0].Required || bb.BodyMedia() != "application/json" {
		t.Fatalf("%+v", f)
	}
}

func TestSpecialTypes(t *testing.T) {
	type P struct {
		When  time.Time    `query:"when"`
		Addr  netip.Addr   `query:"addr"`
		Email *string      `query:"email" validate:"email"`
		Addrs []netip.Addr `query:"addrs"`
	}
	c := NewCompiler(Options{})
	var p P
	if got := bindErr(t, c, &p, req("GET", "/?when=2024-01-02T03:04:05Z&addr=10.0.0.1&email=a@b.example&addrs=::1", "", "")); got != "" {
		t.Fatal(got)
	}
	if p.When.Year() != 2024 || p.Addr.String() != "10.0.0.1" || *p.Email != "a@b.example" || p.Addrs[0].String() != "::1" {
		t.Fatalf("%+v", p)
	}
	got := bindErr(t, c, &p, req("GET", "/?when=yesterday&addr=x&email=nope", "", ""))
	want := `[{"type":"datetime_parsing","loc":["query","when"],"msg":"Input should be a valid datetime, invalid RFC 3339 date-time","input":"yesterday","ctx":{"error":"invalid RFC 3339 date-time"}},` +
		`{"type":"value_error","loc":["query","addr"],"msg":"Value error, ParseAddr(\"x\"): unable to parse IP","input":"x","ctx":{"error":{}}},` +
		`{"type":"value_error","loc":["query","email"],"msg":"Value error, value is not a valid email address","input":"nope","ctx":{"error":{}}}]`
	if !sameJSON(t, got, want) {
		t.Errorf("got %s", got)
	}
	type B struct {
		At   time.Time      `json:"at"`
		Raw  []byte         `json:"raw"`
		Any  any            `json:"any"`
		Byte map[int]string `json:"byid"`
		Emb
	}
	var b B
	if got := bindErr(t, c, &b, req("POST", "/", "application/json", `{"at":"2024-01-02T03:04:05Z","raw":"hi","any":{"a":[1]},"byid":{"1":"x"},"inner":"y"}`)); got != "" {
		t.Fatal(got)
	}
	if b.At.Day() != 2 || string(b.Raw) != "hi" || b.Any.(map[string]any)["a"].([]any)[0] != float64(1) || b.Byte[1] != "x" || b.Inner != "y" {
		t.Fatalf("%+v", b)
	}
	got = bindErr(t, c, &b, req("POST", "/", "application/json", `{"at":5,"byid":{"x":"y"},"inner":"y"}`))
	want = `[{"type":"datetime_type","loc":["body","at"],"msg":"Input should be a valid datetime","input":5},` +
		`{"type":"int_parsing","loc":["body","byid","x","[key]"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"}]`
	if !sameJSON(t, got, want) {
		t.Errorf("got %s", got)
	}
}

type Emb struct {
	Inner string `json:"inner"`
}

type Node struct {
	Name     string `json:"name"`
	Children []Node `json:"children"`
	Next     *Node  `json:"next"`
}

func TestRecursiveBody(t *testing.T) {
	c := NewCompiler(Options{})
	var n Node
	got := bindErr(t, c, &n, req("POST", "/", "application/json", `{"name":"a","children":[{"name":"b"},{"children":[]}],"next":{"name":1}}`))
	want := `[{"type":"missing","loc":["body","children",1,"name"],"msg":"Field required","input":{"children":[]}},{"type":"string_type","loc":["body","next","name"],"msg":"Input should be a valid string","input":1}]`
	if !sameJSON(t, got, want) {
		t.Errorf("got %s", got)
	}
}

package bind

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/keelgo/keel/internal/wire"
)

// Coercion of string inputs, docs/fastapi-compat.md §4.3 (every row), through a query parameter.
func TestQueryCoercion(t *testing.T) {
	type I struct {
		V int `query:"v"`
	}
	type F struct {
		V float64 `query:"v"`
	}
	type B struct {
		V bool `query:"v"`
	}
	type S struct {
		V string `query:"v"`
	}
	c := NewCompiler(Options{})
	const intErr = `[{"type":"int_parsing","loc":["query","v"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":%q}]`
	for _, tc := range []struct {
		raw  string // raw query value
		want int
		ok   bool
	}{
		{"1", 1, true}, {"1.0", 1, true}, {"%202%20", 2, true}, {"+3", 3, true}, {"-0", 0, true},
		{"1_000", 1000, true}, {"00012", 12, true}, {"-1.00", -1, true}, {"%C2%A02", 2, true},
		{"1.5", 0, false}, {"1e3", 0, false}, {"0x10", 0, false}, {"", 0, false}, {"1__0", 0, false},
		{"_1", 0, false}, {"1.", 0, false}, {".0", 0, false}, {"abc", 0, false},
	} {
		var v I
		got := bindErr(t, c, &v, req("GET", "/?v="+tc.raw, "", ""))
		if tc.ok {
			if got != "" || v.V != tc.want {
				t.Errorf("int %q: got %d, %s", tc.raw, v.V, got)
			}
			continue
		}
		if want := sprintf(intErr, wire.Unquote(tc.raw)); !sameJSON(t, got, want) {
			t.Errorf("int %q:\n got %s\nwant %s", tc.raw, got, want)
		}
	}
	// Big integers: accepted by pydantic, out of range for Go (documented).
	var big I
	got := bindErr(t, c, &big, req("GET", "/?v=99999999999999999999", "", ""))
	want := `[{"type":"less_than_equal","loc":["query","v"],"msg":"Input should be less than or equal to 9223372036854775807","input":"99999999999999999999","ctx":{"le":9223372036854775807}}]`
	if !sameJSON(t, got, want) {
		t.Errorf("big int: %s", got)
	}

	for _, tc := range []struct {
		raw  string
		want float64
		ok   bool
	}{
		{"1", 1, true}, {"1.5", 1.5, true}, {"1e3", 1000, true}, {"%202%20", 2, true}, {"1_0", 10, true},
		{".5", 0.5, true}, {"5.", 5, true}, {"1_000.5", 1000.5, true}, {"-1E-2", -0.01, true},
		{"abc", 0, false}, {"", 0, false}, {"0x10", 0, false}, {"1__0", 0, false}, {"%201_0%20", 0, false},
	} {
		var v F
		got := bindErr(t, c, &v, req("GET", "/?v="+tc.raw, "", ""))
		if tc.ok {
			if got != "" || v.V != tc.want {
				t.Errorf("float %q: got %v, %s", tc.raw, v.V, got)
			}
			continue
		}
		want := sprintf(`[{"type":"float_parsing","loc":["query","v"],"msg":"Input should be a valid number, unable to parse string as a number","input":%q}]`, wire.Unquote(tc.raw))
		if !sameJSON(t, got, want) {
			t.Errorf("float %q:\n got %s\nwant %s", tc.raw, got, want)
		}
	}

	for _, tc := range []struct {
		raw  string
		want bool
		ok   bool
	}{
		{"true", true, true}, {"false", false, true}, {"1", true, true}, {"0", false, true},
		{"yes", true, true}, {"no", false, true}, {"on", true, true}, {"off", false, true},
		{"t", true, true}, {"f", false, true}, {"y", true, true}, {"n", false, true},
		{"TRUE", true, true}, {"Off", false, true}, {"YeS", true, true},
		{"2", false, false}, {"", false, false}, {"maybe", false, false}, {"%20true", false, false}, {"1.0", false, false},
	} {
		var v B
		got := bindErr(t, c, &v, req("GET", "/?v="+tc.raw, "", ""))
		if tc.ok {
			if got != "" || v.V != tc.want {
				t.Errorf("bool %q: got %v, %s", tc.raw, v.V, got)
			}
			continue
		}
		want := sprintf(`[{"type":"bool_parsing","loc":["query","v"],"msg":"Input should be a valid boolean, unable to interpret input","input":%q}]`, wire.Unquote(tc.raw))
		if !sameJSON(t, got, want) {
			t.Errorf("bool %q:\n got %s\nwant %s", tc.raw, got, want)
		}
	}

	for _, raw := range []string{"anything", "", "a+b%20c", "%zz", "%E2%82%AC", "%FF"} {
		var v S
		if got := bindErr(t, c, &v, req("GET", "/?v="+raw, "", "")); got != "" || v.V != wire.Unquote(raw) {
			t.Errorf("str %q: got %q, %s", raw, v.V, got)
		}
	}
	var v S
	bindErr(t, c, &v, req("GET", "/?v=a+b%20c%zz%FF", "", ""))
	if v.V != "a b c%zz\uFFFD" {
		t.Errorf("unescape: %q", v.V)
	}
}

// Constraint errors, docs/fastapi-compat.md §4.4 (every row) and §5.2 examples 3 and 4.
func TestConstraints(t *testing.T) {
	type P struct {
		ItemID int      `path:"item_id" validate:"gte=0"`
		Size   *float64 `query:"size" validate:"gt=0,lt=10.5"`
		Le     *int     `query:"le" validate:"lte=1000"`
		Mul    *int     `query:"mul" multipleOf:"5"`
		MulF   *float64 `query:"mulf" multipleOf:"0.1"`
		B      *string  `query:"b" validate:"min=2"`
		One    *string  `query:"one" validate:"min=1"`
		Max    *string  `query:"max" validate:"max=3"`
		MaxOne *string  `query:"max1" validate:"max=1"`
		Q      *string  `query:"item-query" pattern:"^fixedquery$"`
		Search *string  `query:"search" pattern:"a"`
		L      []int    `query:"l" validate:"min=2"`
		L1     []int    `query:"l1" validate:"min=1,max=2"`
		Color  *string  `query:"color" validate:"oneof=red blue"`
		Three  *string  `query:"three" validate:"oneof=a b c"`
		Num    *int     `query:"num" validate:"oneof=1 2"`
		Len    *string  `query:"len" validate:"len=2"`
		Runes  *string  `query:"runes" validate:"max=2"`
	}
	c := NewCompiler(Options{})
	for _, tc := range []struct{ path, query, want string }{
		{"-1", "", `[{"type":"greater_than_equal","loc":["path","item_id"],"msg":"Input should be greater than or equal to 0","input":"-1","ctx":{"ge":0}}]`},
		{"1", "size=0.0", `[{"type":"greater_than","loc":["query","size"],"msg":"Input should be greater than 0","input":"0.0","ctx":{"gt":0.0}}]`},
		{"1", "size=10.5", `[{"type":"less_than","loc":["query","size"],"msg":"Input should be less than 10.5","input":"10.5","ctx":{"lt":10.5}}]`},
		{"1", "size=nan", `[{"type":"less_than","loc":["query","size"],"msg":"Input should be less than 10.5","input":"nan","ctx":{"lt":10.5}}]`},
		{"1", "le=1001", `[{"type":"less_than_equal","loc":["query","le"],"msg":"Input should be less than or equal to 1000","input":"1001","ctx":{"le":1000}}]`},
		{"1", "mul=7", `[{"type":"multiple_of","loc":["query","mul"],"msg":"Input should be a multiple of 5","input":"7","ctx":{"multiple_of":5}}]`},
		{"1", "mul=10&mulf=0.3", ``},
		{"1", "mulf=0.35", `[{"type":"multiple_of","loc":["query","mulf"],"msg":"Input should be a multiple of 0.1","input":"0.35","ctx":{"multiple_of":0.1}}]`},
		{"1", "b=x", `[{"type":"string_too_short","loc":["query","b"],"msg":"String should have at least 2 characters","input":"x","ctx":{"min_length":2}}]`},
		{"1", "one=", `[{"type":"string_too_short","loc":["query","one"],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}}]`},
		{"1", "max=abcd", `[{"type":"string_too_long","loc":["query","max"],"msg":"String should have at most 3 characters","input":"abcd","ctx":{"max_length":3}}]`},
		{"1", "max1=ab", `[{"type":"string_too_long","loc":["query","max1"],"msg":"String should have at most 1 character","input":"ab","ctx":{"max_length":1}}]`},
		{"1", "item-query=nonregexquery", `[{"type":"string_pattern_mismatch","loc":["query","item-query"],"msg":"String should match pattern '^fixedquery$'","input":"nonregexquery","ctx":{"pattern":"^fixedquery$"}}]`},
		{"1", "item-query=fixedquery&search=bab", ``},
		{"1", "l=1", `[{"type":"too_short","loc":["query","l"],"msg":"List should have at least 2 items after validation, not 1","input":["1"],"ctx":{"field_type":"List","min_length":2,"actual_length":1}}]`},
		{"1", "l1=1&l1=2&l1=x", `[{"type":"too_long","loc":["query","l1"],"msg":"List should have at most 2 items after validation, not 3","input":["1","2","x"],"ctx":{"field_type":"List","max_length":2,"actual_length":3}}]`},
		{"1", "l=x", `[{"type":"int_parsing","loc":["query","l",0],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"}]`},
		{"1", "color=green", `[{"type":"literal_error","loc":["query","color"],"msg":"Input should be 'red' or 'blue'","input":"green","ctx":{"expected":"'red' or 'blue'"}}]`},
		{"1", "three=d", `[{"type":"literal_error","loc":["query","three"],"msg":"Input should be 'a', 'b' or 'c'","input":"d","ctx":{"expected":"'a', 'b' or 'c'"}}]`},
		{"1", "num=3", `[{"type":"literal_error","loc":["query","num"],"msg":"Input should be 1 or 2","input":"3","ctx":{"expected":"1 or 2"}}]`},
		{"1", "num=x", `[{"type":"literal_error","loc":["query","num"],"msg":"Input should be 1 or 2","input":"x","ctx":{"expected":"1 or 2"}}]`},
		{"1", "num=1.0&color=red&three=c", ``},
		{"1", "len=abc", `[{"type":"string_too_long","loc":["query","len"],"msg":"String should have at most 2 characters","input":"abc","ctx":{"max_length":2}}]`},
		{"1", "runes=%C3%A9%C3%A9", ``},
	} {
		var p P
		got := bindErr(t, c, &p, req("GET", "/?"+tc.query, "", ""), "item_id", tc.path)
		if !sameJSON(t, got, tc.want) {
			t.Errorf("%s?%s:\n got %s\nwant %s", tc.path, tc.query, got, tc.want)
		}
	}
}

// Pydantic's check order: multiple_of, le, lt, ge, gt; min, max, pattern.
func TestConstraintOrder(t *testing.T) {
	type P struct {
		A *int    `query:"a" validate:"gte=10,lte=5"`
		B *int    `query:"b" validate:"gt=10,lt=5" multipleOf:"3"`
		S *string `query:"s" validate:"min=10,max=1" pattern:"^a$"`
		T *string `query:"t" validate:"max=1" pattern:"^a$"`
	}
	c := NewCompiler(Options{})
	var p P
	got := bindErr(t, c, &p, req("GET", "/?a=7&b=7&s=bbb&t=bbb", "", ""))
	want := `[{"type":"less_than_equal","loc":["query","a"],"msg":"Input should be less than or equal to 5","input":"7","ctx":{"le":5}},` +
		`{"type":"multiple_of","loc":["query","b"],"msg":"Input should be a multiple of 3","input":"7","ctx":{"multiple_of":3}},` +
		`{"type":"string_too_short","loc":["query","s"],"msg":"String should have at least 10 characters","input":"bbb","ctx":{"min_length":10}},` +
		`{"type":"string_too_long","loc":["query","t"],"msg":"String should have at most 1 character","input":"bbb","ctx":{"max_length":1}}]`
	if !sameJSON(t, got, want) {
		t.Errorf("got %s", got)
	}
}

// Multiplicity, docs/fastapi-compat.md §4.2, and examples 1, 2, 8 and 9 of §5.2.
func TestMultiplicity(t *testing.T) {
	type P struct {
		A         string   `query:"a"`
		Q         []int    `query:"q"`
		Empty     *string  `query:"empty"`
		Token     string   `header:"x-token"`
		Tokens    []string `header:"x-tokens"`
		UserAgent *string  `header:""`
		Strange   *string  `header:"strange_header"`
		Session   string   `cookie:"session_id"`
	}
	c := NewCompiler(Options{})
	var p P
	r := req("GET", "/?a=1&a=2&q=3&q=4&empty=&q=5", "", "",
		"x-token: first", "X-Token: second", "x-tokens: a", "X-Tokens: b", "User-Agent: go", "strange_header: s",
		"Cookie: session_id=abc; other=1", "Cookie: x=\"y\"")
	if got := bindErr(t, c, &p, r); got != "" {
		t.Fatal(got)
	}
	if p.A != "2" || len(p.Q) != 3 || p.Q[2] != 5 || p.Empty == nil || *p.Empty != "" || p.Token != "first" ||
		len(p.Tokens) != 2 || p.Tokens[1] != "b" || p.UserAgent == nil || *p.UserAgent != "go" || p.Strange == nil || *p.Strange != "s" || p.Session != "abc" {
		t.Fatalf("%+v", p)
	}
	var m P
	got := bindErr(t, c, &m, req("GET", "/?q=five&q=six", "", ""))
	want := `[{"type":"missing","loc":["query","a"],"msg":"Field required","input":null},` +
		`{"type":"int_parsing","loc":["query","q",0],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"five"},` +
		`{"type":"int_parsing","loc":["query","q",1],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"six"},` +
		`{"type":"missing","loc":["header","x-token"],"msg":"Field required","input":null},` +
		`{"type":"missing","loc":["cookie","session_id"],"msg":"Field required","input":null}]`
	if !sameJSON(t, got, want) {
		t.Errorf("got %s", got)
	}
	// A header literally named user_agent does not match the derived user-agent.
	var u P
	bindErr(t, c, &u, req("GET", "/?a=1", "", "", "user_agent: x", "x-token: t", "Cookie: session_id=1"))
	if u.UserAgent != nil || u.Q != nil || u.Tokens != nil {
		t.Errorf("%+v", u)
	}
}

func TestDefaultsAndOptional(t *testing.T) {
	type P struct {
		Limit  int      `query:"limit" default:"10"`
		Scope  string   `query:"scope" default:""`
		Tags   []string `query:"tags" default:"[\"foo\",\"bar\"]"`
		Opt    []string `query:"opt"`
		Req    []string `query:"req" validate:"required"`
		Ptr    *int     `query:"ptr"`
		Enable bool     `query:"enable" default:"yes"`
	}
	c := NewCompiler(Options{})
	var p P
	got := bindErr(t, c, &p, req("GET", "/", "", ""))
	if !sameJSON(t, got, `[{"type":"missing","loc":["query","req"],"msg":"Field required","input":null}]`) {
		t.Fatal(got)
	}
	p = P{Ptr: new(int), Opt: []string{"stale"}}
	if got := bindErr(t, c, &p, req("GET", "/?req=x", "", "")); got != "" {
		t.Fatal(got)
	}
	if p.Limit != 10 || p.Scope != "" || len(p.Tags) != 2 || p.Tags[0] != "foo" || p.Opt != nil || p.Ptr != nil || !p.Enable {
		t.Fatalf("%+v", p)
	}
	p.Tags[0] = "changed" // defaults are copied per request
	var p2 P
	bindErr(t, c, &p2, req("GET", "/?req=x", "", ""))
	if p2.Tags[0] != "foo" {
		t.Fatal("default slice shared between requests")
	}
}

func TestNamesAndTypes(t *testing.T) {
	type Color string
	type Embedded struct {
		Page int `query:"page" default:"1"`
	}
	type P struct {
		Embedded
		UserID    int8    `query:""`
		HTTPCode  uint16  `query:""`
		XRequest  string  `header:""`
		C         Color   `query:"c"`
		F32       float32 `query:"f32" default:"1.5"`
		Ignored   string  `param:"-"`
		unexposed int
	}
	c := NewCompiler(Options{})
	b, err := c.Struct(typeOf[P]())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range b.Fields() {
		names = append(names, string(f.In)+":"+f.Name)
	}
	if got := join(names); got != "query:page query:user_id query:http_code header:x-request query:c query:f32" {
		t.Fatal(got)
	}
	var p P
	got := bindErr(t, c, &p, req("GET", "/?user_id=200&http_code=-1&c=red", "", "", "X-Request: r"))
	want := `[{"type":"less_than_equal","loc":["query","user_id"],"msg":"Input should be less than or equal to 127","input":"200","ctx":{"le":127}},` +
		`{"type":"greater_than_equal","loc":["query","http_code"],"msg":"Input should be greater than or equal to 0","input":"-1","ctx":{"ge":0}}]`
	if !sameJSON(t, got, want) {
		t.Fatal(got)
	}
	p = P{}
	if got := bindErr(t, c, &p, req("GET", "/?user_id=-128&http_code=65535&c=red&page=3", "", "", "X-Request: r")); got != "" {
		t.Fatal(got)
	}
	if p.UserID != -128 || p.HTTPCode != 65535 || p.C != "red" || p.Page != 3 || p.F32 != 1.5 || p.XRequest != "r" {
		t.Fatalf("%+v", p)
	}
	_ = p.unexposed
}

func TestBindQueryAllocs(t *testing.T) {
	c := NewCompiler(Options{})
	b, err := c.Struct(typeOf[benchParams]())
	if err != nil {
		t.Fatal(err)
	}
	r := req("GET", "/items/42?limit=20&q=shoes", "", "")
	r.SetPathValue("id", "42")
	var p benchParams
	v := valueOf(&p)
	allocs := testing.AllocsPerRun(100, func() {
		if err := b.Bind(r, nil, v); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("Bind allocates %v times per request", allocs)
	}
	if p.ID != 42 || p.Limit != 20 || p.Q != "shoes" {
		t.Fatalf("%+v", p)
	}
}

type benchParams struct {
	ID    int    `path:"id"`
	Limit int    `query:"limit" default:"10" validate:"gte=1,lte=100"`
	Q     string `query:"q" validate:"max=50"`
}

func BenchmarkBindQuery(b *testing.B) {
	c := NewCompiler(Options{})
	bd, err := c.Struct(typeOf[benchParams]())
	if err != nil {
		b.Fatal(err)
	}
	r, _ := http.NewRequest("GET", "/items/42?limit=20&q=shoes", nil)
	r.SetPathValue("id", "42")
	var p benchParams
	v := valueOf(&p)
	b.ReportAllocs()
	for b.Loop() {
		if err := bd.Bind(r, nil, v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBindQuery10k binds the same struct from a 10,000-pair query
// string (plain and escaped keys): linear time, and the allocations of the
// values bound only, however many pairs there are.
func BenchmarkBindQuery10k(b *testing.B) {
	c := NewCompiler(Options{})
	bd, err := c.Struct(typeOf[benchParams]())
	if err != nil {
		b.Fatal(err)
	}
	for _, escaped := range []bool{false, true} {
		var q strings.Builder
		for i := range 10_000 {
			if escaped {
				fmt.Fprintf(&q, "k%%5F%d=v%%20%d&", i, i)
			} else {
				fmt.Fprintf(&q, "k_%d=v%d&", i, i)
			}
		}
		q.WriteString("limit=20&q=shoes")
		r, _ := http.NewRequest("GET", "/items/42?"+q.String(), nil)
		r.SetPathValue("id", "42")
		var p benchParams
		v := valueOf(&p)
		b.Run(fmt.Sprintf("escaped=%v", escaped), func(b *testing.B) {
			b.SetBytes(int64(len(r.URL.RawQuery)))
			b.ReportAllocs()
			for b.Loop() {
				if err := bd.Bind(r, nil, v); err != nil || p.Q != "shoes" {
					b.Fatal(err, p.Q)
				}
			}
		})
	}
}

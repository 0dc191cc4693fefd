package bind

import (
	"bytes"
	"io"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/keelgo/keel/params"
)

// The OAuth2 password form, docs/fastapi-compat.md §1.3 (non-strict and strict).
type passwordForm struct {
	GrantType    *string `form:"grant_type" pattern:"^password$"`
	Username     string  `form:"username"`
	Password     string  `form:"password" format:"password"`
	Scope        string  `form:"scope" default:""`
	ClientID     *string `form:"client_id"`
	ClientSecret *string `form:"client_secret" format:"password"`
}

type strictForm struct {
	GrantType string  `form:"grant_type" pattern:"^password$"`
	Username  string  `form:"username"`
	Password  string  `form:"password"`
	Scope     string  `form:"scope" default:""`
	ClientID  *string `form:"client_id"`
}

func TestOAuth2Form(t *testing.T) {
	c := NewCompiler(Options{})
	const urlenc = "application/x-www-form-urlencoded"
	var f passwordForm
	if got := bindErr(t, c, &f, req("POST", "/token", urlenc, "grant_type=&username=johndoe&password=secret&scope=me+items")); got != "" {
		t.Fatal(got)
	}
	if f.GrantType != nil || f.Username != "johndoe" || f.Password != "secret" || f.Scope != "me items" || f.ClientID != nil {
		t.Fatalf("%+v", f)
	}
	got := bindErr(t, c, &f, req("POST", "/token", urlenc, "username=&password=x"))
	if !sameJSON(t, got, `[{"type":"missing","loc":["body","username"],"msg":"Field required","input":null}]`) {
		t.Error(got)
	}
	for _, gt := range []string{"incorrect", "passwordblah", "blahpassword"} {
		got := bindErr(t, c, &f, req("POST", "/token", urlenc, "grant_type="+gt+"&username=a&password=b"))
		want := `[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '^password$'","input":"` + gt + `","ctx":{"pattern":"^password$"}}]`
		if !sameJSON(t, got, want) {
			t.Errorf("%s: %s", gt, got)
		}
	}
	var s strictForm
	got = bindErr(t, c, &s, req("POST", "/token", urlenc, ""))
	want := `[{"type":"missing","loc":["body","grant_type"],"msg":"Field required","input":null},{"type":"missing","loc":["body","username"],"msg":"Field required","input":null},{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]`
	if !sameJSON(t, got, want) {
		t.Error(got)
	}
	got = bindErr(t, c, &s, req("POST", "/token", urlenc, "grant_type=&username=a&password=b"))
	if !sameJSON(t, got, `[{"type":"missing","loc":["body","grant_type"],"msg":"Field required","input":null}]`) {
		t.Error(got)
	}
	// A JSON body provides no form fields (docs/fastapi-compat.md §1.3 probe).
	got = bindErr(t, c, &s, req("POST", "/token", "application/json", `{"grant_type":"password","username":"a","password":"b"}`))
	if !sameJSON(t, got, want) {
		t.Error(got)
	}
	// Multipart works too.
	body, ct := multipartBody(t, map[string]string{"grant_type": "password", "username": "a", "password": "b"}, nil)
	if got := bindErr(t, c, &s, req("POST", "/token", ct, body)); got != "" || s.Username != "a" {
		t.Fatal(got)
	}
	b, _ := c.Struct(typeOf[passwordForm]())
	if b.BodyMedia() != "application/x-www-form-urlencoded" || !b.NeedsBody() || b.NeedsJSON() {
		t.Fatal(b.BodyMedia())
	}
	if fs := b.Fields(); fs[2].Format != "password" || fs[0].Required || !fs[1].Required || fs[3].Required || fs[3].Default != "" || fs[0].Constraints.Pattern != "^password$" {
		t.Fatalf("%+v", fs)
	}
}

type upload struct {
	File  params.File   `file:"file"`
	Extra *params.File  `file:"extra"`
	Many  []params.File `file:"many"`
	Raw   []byte        `file:"raw"`
	Note  string        `form:"note" validate:"max=5"`
	Nums  []int         `form:"nums"`
	Opt   *string       `form:"opt"`
}

type fileSpec struct{ field, name, content string }

func multipartBody(t *testing.T, fields map[string]string, files []fileSpec) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(f.field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, f.content)
	}
	w.Close()
	return buf.String(), w.FormDataContentType()
}

func TestFiles(t *testing.T) {
	c := NewCompiler(Options{MaxFileSize: 16})
	b, err := c.Struct(typeOf[upload]())
	if err != nil {
		t.Fatal(err)
	}
	if b.BodyMedia() != "multipart/form-data" {
		t.Fatal(b.BodyMedia())
	}
	body, ct := multipartBody(t, map[string]string{"note": "hi", "nums": "1"}, []fileSpec{
		{"file", "a.txt", "hello"}, {"many", "1.txt", "one"}, {"many", "2.txt", "two"}, {"raw", "r.bin", "raw!"},
	})
	var u upload
	if got := bindErr(t, c, &u, req("POST", "/", ct, body)); got != "" {
		t.Fatal(got)
	}
	if u.File.Filename != "a.txt" || string(u.File.Bytes()) != "hello" || u.File.Size != 5 || u.Extra != nil ||
		len(u.Many) != 2 || string(u.Many[1].Bytes()) != "two" || string(u.Raw) != "raw!" || u.Note != "hi" || u.Nums[0] != 1 {
		t.Fatalf("%+v", u)
	}
	rc, _ := u.File.Open()
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "hello" || u.File.ContentType != "application/octet-stream" {
		t.Fatal(string(data), u.File.ContentType)
	}

	body, ct = multipartBody(t, map[string]string{"file": "not a file", "note": "toolong", "nums": "x", "extra": ""}, nil)
	got := bindErr(t, c, &u, req("POST", "/", ct, body))
	want := `[{"type":"value_error","loc":["body","file"],"msg":"Value error, Expected UploadFile, received: <class 'str'>","input":"not a file","ctx":{"error":{}}},` +
		`{"type":"missing","loc":["body","raw"],"msg":"Field required","input":null},` +
		`{"type":"string_too_long","loc":["body","note"],"msg":"String should have at most 5 characters","input":"toolong","ctx":{"max_length":5}},` +
		`{"type":"int_parsing","loc":["body","nums",0],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"}]`
	if !sameJSON(t, got, want) {
		t.Errorf("errors:\n got %s\nwant %s", got, want)
	}

	body, ct = multipartBody(t, nil, []fileSpec{{"file", "big.bin", strings.Repeat("x", 17)}})
	if got := bindErr(t, c, &u, req("POST", "/", ct, body)); got != `413 "File too large"` {
		t.Errorf("too large: %s", got)
	}
	small := NewCompiler(Options{MaxMemory: 8})
	body, ct = multipartBody(t, map[string]string{"note": strings.Repeat("y", 9)}, nil)
	if got := bindErr(t, small, &u, req("POST", "/", ct, body)); got != `413 "Request body too large"` {
		t.Errorf("max memory: %s", got)
	}
	if got := bindErr(t, c, &u, req("POST", "/", "multipart/form-data", "--x\r\n")); got != `400 "Missing boundary in multipart."` {
		t.Errorf("boundary: %s", got)
	}
	if got := bindErr(t, c, &u, req("POST", "/", "multipart/form-data; boundary=zz", "garbage")); got != `400 "There was an error parsing the body"` {
		t.Errorf("garbage: %s", got)
	}
	f := params.NewFile("n.txt", "text/plain", []byte("abc"))
	if f.Size != 3 || string(f.Bytes()) != "abc" {
		t.Fatal(f)
	}
}

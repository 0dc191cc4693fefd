package conformance

import (
	"net/http"
	"testing"

	"github.com/keelgo/keel/params"
)

// Ports of tests/test_tutorial/test_request_forms*, test_request_form_models,
// test_request_files and test_request_forms_and_files (docs_src/...), docs/fastapi-compat.md §4.5.

type ffLogin struct {
	Username string `form:"username"`
	Password string `form:"password"`
}

func ffPostForm(target, body string) func(http.Handler) secResp {
	return func(h http.Handler) secResp { return faForm(h, "POST", target, body) }
}

func ffPostMultipart(target string, parts ...faPart) func(http.Handler) secResp {
	return func(h http.Handler) secResp { return faMultipart(h, "POST", target, parts...) }
}

func TestRequestFormsTutorial001(t *testing.T) { // tests/test_tutorial/test_request_forms/test_tutorial001.py (and test_request_form_models/test_tutorial001.py)
	app := fastAPIApp()
	app.Post("/login/", func(f ffLogin) (any, error) { return map[string]string{"username": f.Username}, nil })
	bothMissing := faDetail(faMissing(`["body","username"]`), faMissing(`["body","password"]`))
	faRun(t, app, []faCase{
		{name: "test_post_body_form", do: ffPostForm("/login/", "username=Foo&password=secret"), status: 200, body: `{"username":"Foo"}`},
		{name: "test_post_body_form_no_password", do: ffPostForm("/login/", "username=Foo"), status: 422, body: faDetail(faMissing(`["body","password"]`))},
		{name: "test_post_body_form_no_username", do: ffPostForm("/login/", "password=secret"), status: 422, body: faDetail(faMissing(`["body","username"]`))},
		{name: "test_post_body_form_no_data", do: ffPostForm("/login/", ""), status: 422, body: bothMissing},
		{name: "test_post_body_json", do: faPostJSON("/login/", `{"username":"Foo","password":"secret"}`), status: 422, body: bothMissing},
		{name: "empty_value_is_missing", do: ffPostForm("/login/", "username=&password=secret"), status: 422, body: faDetail(faMissing(`["body","username"]`))},
		{name: "multipart", do: ffPostMultipart("/login/", faPart{name: "username", content: "Foo"}, faPart{name: "password", content: "secret"}), status: 200, body: `{"username":"Foo"}`},
	})
}

func TestRequestFilesTutorial001(t *testing.T) { // tests/test_tutorial/test_request_files/test_tutorial001.py
	type fileBytes struct {
		File []byte `file:"file"`
	}
	type upload struct {
		File params.File `file:"file"`
	}
	app := fastAPIApp()
	app.Post("/files/", func(f fileBytes) (any, error) { return map[string]int{"file_size": len(f.File)}, nil })
	app.Post("/uploadfile/", func(f upload) (any, error) { return map[string]string{"filename": f.File.Filename}, nil })
	missing := faDetail(faMissing(`["body","file"]`))
	faRun(t, app, []faCase{
		{name: "test_post_form_no_body", do: ffPostForm("/files/", ""), status: 422, body: missing},
		{name: "test_post_body_json", do: faPostJSON("/files/", `{"file":"Foo"}`), status: 422, body: missing},
		{name: "test_post_file", do: ffPostMultipart("/files/", faPart{name: "file", filename: "main.py", content: "<file content>"}), status: 200, body: `{"file_size":14}`},
		{name: "test_post_large_file", do: ffPostMultipart("/files/", faPart{name: "file", filename: "big", content: string(make([]byte, 10000))}), status: 200, body: `{"file_size":10000}`},
		{name: "test_post_upload_file", do: ffPostMultipart("/uploadfile/", faPart{name: "file", filename: "main.py", content: "<file content>"}), status: 200, body: `{"filename":"main.py"}`},
		{name: "test_post_upload_file_no_body", do: ffPostForm("/uploadfile/", ""), status: 422, body: missing},
		{name: "text_for_file", do: ffPostMultipart("/uploadfile/", faPart{name: "file", content: "text"}), status: 422, body: faDetail(
			`{"type":"value_error","loc":["body","file"],"msg":"Value error, Expected UploadFile, received: <class 'str'>","input":"text","ctx":{"error":{}}}`)},
	})
}

func TestRequestFilesTutorial002(t *testing.T) { // tests/test_tutorial/test_request_files/test_tutorial002.py
	type filesBytes struct {
		Files [][]byte `file:"files" validate:"required"` // files: list[bytes] = File()
	}
	type uploads struct {
		Files []params.File `file:"files" validate:"required"`
	}
	app := fastAPIApp()
	app.Post("/files/", func(f filesBytes) (any, error) {
		sizes := []int{}
		for _, b := range f.Files {
			sizes = append(sizes, len(b))
		}
		return map[string]any{"file_sizes": sizes}, nil
	})
	app.Post("/uploadfiles/", func(f uploads) (any, error) {
		names := []string{}
		for _, u := range f.Files {
			names = append(names, u.Filename)
		}
		return map[string]any{"filenames": names}, nil
	})
	two := []faPart{{name: "files", filename: "a.txt", content: "<file content>"}, {name: "files", filename: "b.txt", content: "<file content2>"}}
	faRun(t, app, []faCase{
		{name: "test_post_form_no_body", do: ffPostForm("/files/", ""), status: 422, body: faDetail(faMissing(`["body","files"]`))},
		{name: "test_post_files", do: ffPostMultipart("/files/", two...), status: 200, body: `{"file_sizes":[14,15]}`},
		{name: "test_post_upload_file", do: ffPostMultipart("/uploadfiles/", two...), status: 200, body: `{"filenames":["a.txt","b.txt"]}`},
	})
}

func TestRequestFilesTutorial001_02(t *testing.T) { // tests/test_tutorial/test_request_files/test_tutorial001_02.py (optional files)
	type fileBytes struct {
		File *[]byte `file:"file"` // file: bytes | None = File(default=None)
	}
	type upload struct {
		File *params.File `file:"file"`
	}
	app := fastAPIApp()
	app.Post("/files/", func(f fileBytes) (any, error) {
		if f.File == nil {
			return map[string]string{"message": "No file sent"}, nil
		}
		return map[string]int{"file_size": len(*f.File)}, nil
	})
	app.Post("/uploadfile/", func(f upload) (any, error) {
		if f.File == nil {
			return map[string]string{"message": "No upload file sent"}, nil
		}
		return map[string]string{"filename": f.File.Filename}, nil
	})
	faRun(t, app, []faCase{
		{name: "test_post_form_no_body", do: ffPostForm("/files/", ""), status: 200, body: `{"message":"No file sent"}`},
		{name: "test_post_uploadfile_no_body", do: ffPostForm("/uploadfile/", ""), status: 200, body: `{"message":"No upload file sent"}`},
		{name: "test_post_file", do: ffPostMultipart("/files/", faPart{name: "file", filename: "main.py", content: "<file content>"}), status: 200, body: `{"file_size":14}`},
		{name: "test_post_upload_file", do: ffPostMultipart("/uploadfile/", faPart{name: "file", filename: "main.py", content: "<file content>"}), status: 200, body: `{"filename":"main.py"}`},
	})
}

func TestRequestFormsAndFilesTutorial001(t *testing.T) { // tests/test_tutorial/test_request_forms_and_files/test_tutorial001.py
	type form struct {
		File  []byte      `file:"file"`
		FileB params.File `file:"fileb"`
		Token string      `form:"token"`
	}
	app := fastAPIApp()
	app.Post("/files/", func(f form) (any, error) {
		return map[string]any{"file_size": len(f.File), "token": f.Token, "fileb_content_type": f.FileB.ContentType}, nil
	})
	allMissing := faDetail(faMissing(`["body","file"]`), faMissing(`["body","fileb"]`), faMissing(`["body","token"]`))
	faRun(t, app, []faCase{
		{name: "test_post_form_no_body", do: ffPostForm("/files/", ""), status: 422, body: allMissing},
		{name: "test_post_form_no_file", do: ffPostForm("/files/", "token=foo"), status: 422,
			body: faDetail(faMissing(`["body","file"]`), faMissing(`["body","fileb"]`))},
		{name: "test_post_body_json", do: faPostJSON("/files/", `{"file":"Foo","token":"Bar"}`), status: 422, body: allMissing},
		{name: "test_post_file_no_token", do: ffPostMultipart("/files/",
			faPart{name: "file", filename: "a", content: "<file content>"}, faPart{name: "fileb", filename: "b", content: "<file b content>", ctype: "text/plain"}), status: 422,
			body: faDetail(faMissing(`["body","token"]`))},
		{name: "test_post_files_and_token", do: ffPostMultipart("/files/",
			faPart{name: "file", filename: "a", content: "<file content>"}, faPart{name: "fileb", filename: "b", content: "<file b content>", ctype: "text/plain"},
			faPart{name: "token", content: "foo"}), status: 200,
			body: `{"file_size":14,"token":"foo","fileb_content_type":"text/plain"}`},
	})
}

func TestRequestFormModelsTutorial001(t *testing.T) { // tests/test_tutorial/test_request_form_models/test_tutorial001.py
	type formData struct {
		Username string `form:"username" json:"username"`
		Password string `form:"password" json:"password"`
	}
	app := fastAPIApp()
	app.Post("/login/", func(f formData) (formData, error) { return f, nil })
	const diff = "KEEL-DIFF: a form model's (Annotated[FormData, Form()]) missing field has the received form dict as input (FastAPI: {\"username\":\"Foo\"} or {}); Keel reports input null, as for a single Form()"
	faRun(t, app, []faCase{
		{name: "test_post_body_form", do: ffPostForm("/login/", "username=Foo&password=secret"), status: 200, body: `{"username":"Foo","password":"secret"}`},
		{name: "test_post_body_form_no_password", do: ffPostForm("/login/", "username=Foo"), status: 422,
			body: faDetail(`{"type":"missing","loc":["body","password"],"msg":"Field required","input":{"username":"Foo"}}`), diff: diff},
		{name: "test_post_body_form_no_username", do: ffPostForm("/login/", "password=secret"), status: 422,
			body: faDetail(`{"type":"missing","loc":["body","username"],"msg":"Field required","input":{"password":"secret"}}`), diff: diff},
		{name: "test_post_body_form_no_data", do: ffPostForm("/login/", ""), status: 422,
			body: faDetail(`{"type":"missing","loc":["body","username"],"msg":"Field required","input":{}}`,
				`{"type":"missing","loc":["body","password"],"msg":"Field required","input":{}}`), diff: diff},
		{name: "test_post_body_json", do: faPostJSON("/login/", `{"username":"Foo","password":"secret"}`), status: 422,
			body: faDetail(`{"type":"missing","loc":["body","username"],"msg":"Field required","input":{}}`,
				`{"type":"missing","loc":["body","password"],"msg":"Field required","input":{}}`), diff: diff},
	})
}

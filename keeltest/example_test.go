package keeltest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/keeltest"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// exampleT stands in for a test's *testing.T so that the examples run: it
// prints what a test would report. In a test, pass the test's t.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func newExampleT() *exampleT                        { return &exampleT{} }
func (*exampleT) Helper()                           {}
func (*exampleT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (*exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (e *exampleT) Cleanup(f func())                { e.cleanups = append(e.cleanups, f) }

// end runs the cleanups, as a test does when it ends.
func (e *exampleT) end() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

type Item struct {
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

// A test of a Keel app: send a request, check the status and the JSON body.
func Example() {
	t := newExampleT() // in a test: the test's *testing.T
	defer t.end()

	app := router.New(router.Info{Title: "Items"})
	app.Post("/items/", func(it Item) (Item, error) { return it, nil }, router.Status(201))

	c := keeltest.New(t, app)
	c.Post("/items/", keeltest.JSON(Item{Name: "Hammer", Price: 9.5})).
		ExpectStatus(201).
		ExpectJSON(`{"price": 9.5, "name": "Hammer"}`)

	// A failed check names the request and lists each difference.
	c.Post("/items/", keeltest.JSON(map[string]any{"name": "Saw"})).
		ExpectStatus(422).
		ExpectJSON(`{"detail": [{"type": "missing", "loc": ["body", "price"], "msg": "Field required"}]}`)
	// Output:
	// FAIL: POST http://testserver/items/: JSON body differs:
	// 	$.detail[0].input: unexpected, got {"name":"Saw"}
	// got:  {"detail":[{"type":"missing","loc":["body","price"],"msg":"Field required","input":{"name":"Saw"}}]}
	// want: {"detail":[{"loc":["body","price"],"msg":"Field required","type":"missing"}]}
}

// New serves requests in-process; cookies set by the app are sent back, and
// redirects are followed (here the 307 from /cart to /cart/).
func ExampleNew() {
	t := newExampleT()
	defer t.end()

	mux := http.NewServeMux()
	mux.HandleFunc("POST /session", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/", HttpOnly: true})
	})
	mux.HandleFunc("GET /cart/", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		if err != nil {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "cart of %s", c.Value)
	})
	mux.HandleFunc("GET /cart", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/cart/", http.StatusTemporaryRedirect)
	})

	c := keeltest.New(t, mux)
	c.Post("/session").ExpectStatus(200)
	r := c.Get("/cart").ExpectStatus(200)
	fmt.Println(r.Text(), "at", r.Request.URL, "after", r.History[0].StatusCode)
	fmt.Println(c.Cookies())
	// Output:
	// cart of s1 at http://testserver/cart/ after 307
	// [session=s1]
}

// Login runs the OAuth2 password flow once; the token goes with every
// following request.
func ExampleClient_Login() {
	t := newExampleT()
	defer t.end()

	oauth2 := &security.OAuth2PasswordBearer{TokenURL: "token", Scopes: map[string]string{"me": "Read your profile."}}
	app := router.New(router.Info{Title: "Login"})
	app.Post("/token", func(f security.OAuth2PasswordRequestForm) (map[string]string, error) {
		if f.Username != "johndoe" || !security.CompareSecret(f.Password, "secret") {
			return nil, keel.NewHTTPError(400, "Incorrect username or password")
		}
		return map[string]string{"access_token": "token-of-" + f.Username + "-for-" + f.Scope, "token_type": "bearer"}, nil
	})
	app.Get("/users/me", func(tok security.Token) (string, error) { return string(tok), nil }, di.Depends(oauth2))

	c := keeltest.New(t, app)
	c.Get("/users/me").ExpectStatus(401).ExpectJSON(`{"detail": "Not authenticated"}`)
	c.Login("/token", "johndoe", "secret", "me")
	c.Get("/users/me").ExpectStatus(200).ExpectJSON(`"token-of-johndoe-for-me"`)
	fmt.Println("logged in")
	// Output: logged in
}

// Override swaps a dependency for the rest of one test.
func ExampleOverride() {
	t := newExampleT()

	type User struct {
		Name string `json:"name"`
	}
	currentUser := di.Provide(func(security.HTTPAuthorizationCredentials) (*User, error) {
		return nil, keel.NewHTTPError(401, "Could not validate credentials")
	}, &security.HTTPBearer{})
	app := router.New(router.Info{Title: "Override"})
	app.Get("/users/me", func(u *User) (*User, error) { return u, nil }, currentUser)
	c := keeltest.New(t, app)

	keeltest.Override(t, app, currentUser, di.Provide(func() *User { return &User{Name: "test"} }))
	c.Get("/users/me").ExpectStatus(200).ExpectJSON(`{"name": "test"}`)

	t.end() // the test ends: the override is undone
	c.Get("/users/me").ExpectStatus(401)
	fmt.Println("restored")
	// Output: restored
}

// NewServer has the same API over a real socket.
func ExampleNewServer() {
	t := newExampleT()
	defer t.end()

	app := router.New(router.Info{Title: "Echo"})
	type Q struct {
		Q []string `query:"q"`
	}
	app.Get("/search", func(q Q) ([]string, error) { return q.Q, nil })

	c := keeltest.NewServer(t, app)
	c.Get("/search", keeltest.Query("q", "a b"), keeltest.Query("q", "c")).ExpectStatus(200).ExpectJSON(`["a b", "c"]`)
	fmt.Println(c.Server().URL == "http://"+c.URL().Host)
	// Output: true
}

// EqualJSON compares JSON documents structurally: key order and number
// formatting do not matter, everything else does.
func ExampleEqualJSON() {
	t := newExampleT()
	keeltest.EqualJSON(t, `{"b": [1.0, 2], "a": null}`, `{"a": null, "b": [1, 2]}`)
	keeltest.EqualJSON(t, `{"b": [1, 3], "c": true}`, map[string]any{"a": nil, "b": []int{1, 2}})
	// Output:
	// FAIL: JSON differs:
	// 	$.a: missing, want null
	// 	$.b[1]: got 3, want 2
	// 	$.c: unexpected, got true
	// got:  {"b":[1,3],"c":true}
	// want: {"a":null,"b":[1,2]}
}

// Forms and files, as FastAPI's TestClient sends them with data= and files=.
func ExampleMultipart() {
	t := newExampleT()
	defer t.end()

	mux := http.NewServeMux()
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		f, h, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		defer f.Close()
		fmt.Fprintf(w, "%s: %s (%d bytes, %s)", r.FormValue("title"), h.Filename, h.Size, h.Header.Get("Content-Type"))
	})

	c := keeltest.New(t, mux)
	r := c.Post("/upload", keeltest.Multipart(url.Values{"title": {"Report"}},
		keeltest.File{Field: "file", Filename: "report.csv", ContentType: "text/csv", Content: []byte("a,b\n1,2\n")}))
	fmt.Println(r.Text())
	// Output: Report: report.csv (8 bytes, text/csv)
}

package security

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/pycompat"
)

// authFunc adapts a scheme's Authenticate to a common shape for table tests.
type authFunc func(*http.Request) (any, error)

func adapt[T any](f func(*http.Request) (*T, error)) authFunc {
	return func(r *http.Request) (any, error) {
		v, err := f(r)
		if v == nil {
			return nil, err
		}
		return v, err
	}
}

// wantErr asserts that err is a *keel.HTTPError with exactly this status,
// detail and WWW-Authenticate values (nil: no header at all).
func wantErr(t *testing.T, err error, status int, detail any, challenges []string) {
	t.Helper()
	var he *keel.HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("error = %v (%T), want *keel.HTTPError", err, err)
	}
	if he.Status != status {
		t.Errorf("status = %d, want %d", he.Status, status)
	}
	if !reflect.DeepEqual(he.DetailValue(), detail) {
		t.Errorf("detail = %#v, want %#v", he.DetailValue(), detail)
	}
	got := he.Headers.Values("WWW-Authenticate")
	if !slices.Equal(got, challenges) {
		t.Errorf("WWW-Authenticate = %q, want %q", got, challenges)
	}
	if challenges == nil && len(he.Headers) != 0 {
		t.Errorf("headers = %v, want none", he.Headers)
	}
}

func wantJSON(t *testing.T, v any, want string) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("value = %s, want %s", b, want)
	}
}

func authRequest(header string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	if header != "" {
		r.Header.Set("Authorization", header)
	}
	return r
}

// TestProbeMatrix is every row and column of docs/fastapi-compat.md §1.2 "Probe matrix", with
// auto_error on (Optional false) and off (Optional true: every 401 becomes nil).
func TestProbeMatrix(t *testing.T) {
	type column struct {
		name      string
		required  authFunc
		optional  authFunc
		challenge string
	}
	cols := []column{
		{"HTTPBearer", adapt((&HTTPBearer{}).Authenticate), adapt((&HTTPBearer{Optional: true}).Authenticate), "Bearer"},
		{"HTTPDigest", adapt((&HTTPDigest{}).Authenticate), adapt((&HTTPDigest{Optional: true}).Authenticate), "Digest"},
		{"Base", adapt((&HTTPBase{Scheme: "other-scheme"}).Authenticate), adapt((&HTTPBase{Scheme: "other-scheme", Optional: true}).Authenticate), "Other-Scheme"},
		{"PwBearer", adapt((&OAuth2PasswordBearer{TokenURL: "token"}).Authenticate), adapt((&OAuth2PasswordBearer{TokenURL: "token", Optional: true}).Authenticate), "Bearer"},
		{"AuthCode", adapt((&OAuth2AuthorizationCodeBearer{AuthorizationURL: "a", TokenURL: "t"}).Authenticate), adapt((&OAuth2AuthorizationCodeBearer{AuthorizationURL: "a", TokenURL: "t", Optional: true}).Authenticate), "Bearer"},
		{"OAuth2", adapt((&OAuth2{}).Authenticate), adapt((&OAuth2{Optional: true}).Authenticate), "Bearer"},
		{"OIDC", adapt((&OpenIdConnect{URL: "/oidc"}).Authenticate), adapt((&OpenIdConnect{URL: "/oidc", Optional: true}).Authenticate), "Bearer"},
	}
	const fail = ""
	// header -> expected JSON per column ("" = not authenticated).
	rows := []struct {
		header string
		want   [7]string
	}{
		{"", [7]string{fail, fail, fail, fail, fail, fail, fail}},
		{"Bearer", [7]string{fail, fail, fail, `""`, `""`, `"Bearer"`, `"Bearer"`}},
		{"Bearer x", [7]string{`{"scheme":"Bearer","credentials":"x"}`, fail, `{"scheme":"Bearer","credentials":"x"}`, `"x"`, `"x"`, `"Bearer x"`, `"Bearer x"`}},
		{"bearer x", [7]string{`{"scheme":"bearer","credentials":"x"}`, fail, `{"scheme":"bearer","credentials":"x"}`, `"x"`, `"x"`, `"bearer x"`, `"bearer x"`}},
		{"Basic x", [7]string{fail, fail, `{"scheme":"Basic","credentials":"x"}`, fail, fail, `"Basic x"`, `"Basic x"`}},
		{"Bearerx", [7]string{fail, fail, fail, fail, fail, `"Bearerx"`, `"Bearerx"`}},
		{"Digest x", [7]string{fail, `{"scheme":"Digest","credentials":"x"}`, `{"scheme":"Digest","credentials":"x"}`, fail, fail, `"Digest x"`, `"Digest x"`}},
		// §1.2 further examples.
		{"Bearer  testtoken ", [7]string{`{"scheme":"Bearer","credentials":"testtoken"}`, fail, `{"scheme":"Bearer","credentials":"testtoken"}`, `"testtoken"`, `"testtoken"`, `"Bearer  testtoken "`, `"Bearer  testtoken "`}},
		{"Non-existent testtoken", [7]string{fail, fail, `{"scheme":"Non-existent","credentials":"testtoken"}`, fail, fail, `"Non-existent testtoken"`, `"Non-existent testtoken"`}},
		{"digest abc=1, b=2", [7]string{fail, `{"scheme":"digest","credentials":"abc=1, b=2"}`, `{"scheme":"digest","credentials":"abc=1, b=2"}`, fail, fail, `"digest abc=1, b=2"`, `"digest abc=1, b=2"`}},
		{"Other  foobar ", [7]string{fail, fail, `{"scheme":"Other","credentials":"foobar"}`, fail, fail, `"Other  foobar "`, `"Other  foobar "`}},
		{"Token", [7]string{fail, fail, fail, fail, fail, `"Token"`, `"Token"`}},
		{"BEARER  x  y ", [7]string{`{"scheme":"BEARER","credentials":"x  y"}`, fail, `{"scheme":"BEARER","credentials":"x  y"}`, `"x  y"`, `"x  y"`, `"BEARER  x  y "`, `"BEARER  x  y "`}},
	}
	for _, row := range rows {
		for i, col := range cols {
			t.Run(col.name+"/"+row.header, func(t *testing.T) {
				r := authRequest(row.header)
				v, err := col.required(r)
				if row.want[i] == fail {
					if v != nil {
						t.Fatalf("value = %v, want error", v)
					}
					wantErr(t, err, 401, "Not authenticated", []string{col.challenge})
				} else {
					if err != nil {
						t.Fatalf("error = %v", err)
					}
					wantJSON(t, v, row.want[i])
				}
				v, err = col.optional(r)
				if row.want[i] == fail {
					if v != nil || err != nil {
						t.Fatalf("optional: (%v, %v), want (nil, nil)", v, err)
					}
				} else {
					if err != nil {
						t.Fatalf("optional: error = %v", err)
					}
					wantJSON(t, v, row.want[i])
				}
			})
		}
	}
}

func TestParseAuthorization(t *testing.T) {
	tests := []struct{ in, scheme, cred string }{
		{"", "", ""},
		{"Bearer", "Bearer", ""},
		{"Bearer ", "Bearer", ""},
		{"Bearer x", "Bearer", "x"},
		{"Other  foobar ", "Other", "foobar"},
		{"BEARER  x  y ", "BEARER", "x  y"},
		{" Bearer x", "", "Bearer x"},
		{"Bearer \t\v\f\r\n\x1c\x1d\x1e\x1fx\t ", "Bearer", "x"},
		{"Bearer\tx", "Bearer\tx", ""},
		{"Bearer x\u00a0", "Bearer", "x\u00a0"}, // Keel keeps non-ASCII bytes (documented)
		{"a b c", "a", "b c"},
	}
	for _, tt := range tests {
		s, c := ParseAuthorization(tt.in)
		if s != tt.scheme || c != tt.cred {
			t.Errorf("ParseAuthorization(%q) = (%q, %q), want (%q, %q)", tt.in, s, c, tt.scheme, tt.cred)
		}
	}
}

func TestTitleCase(t *testing.T) {
	tests := map[string]string{
		"other-scheme": "Other-Scheme",
		"Other":        "Other",
		"v2items":      "V2Items",
		"userID":       "Userid",
		"x-token":      "X-Token",
		"BEARER":       "Bearer",
		"":             "",
		"été 1a":       "Été 1A",
	}
	for in, want := range tests {
		if got := pycompat.Title(in); got != want {
			t.Errorf("pycompat.Title(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHTTPBaseChallenge(t *testing.T) {
	_, err := (&HTTPBase{Scheme: "Other"}).Authenticate(authRequest(""))
	wantErr(t, err, 401, "Not authenticated", []string{"Other"})
}

func TestFirstHeaderWins(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Add("Authorization", "Bearer first")
	r.Header.Add("Authorization", "Bearer second")
	tok, err := (&OAuth2PasswordBearer{TokenURL: "t"}).Authenticate(r)
	if err != nil || *tok != "first" {
		t.Fatalf("got (%v, %v), want first", tok, err)
	}
}

func TestAPIKey(t *testing.T) {
	query := func(q string) *http.Request { return httptest.NewRequest("GET", "/"+q, nil) }
	header := func(vs ...string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		for _, v := range vs {
			r.Header.Add("X-Key", v)
		}
		return r
	}
	cookie := func(c string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		if c != "" {
			r.Header.Set("Cookie", c)
		}
		return r
	}
	tests := []struct {
		name string
		auth func(optional bool) authFunc
		req  *http.Request
		want string // JSON, "" = not authenticated
	}{
		{"query ok", qAuth("key"), query("?key=secret"), `"secret"`},
		{"query last wins", qAuth("key"), query("?key=a&key=b"), `"b"`},
		{"query missing", qAuth("key"), query(""), ""},
		{"query empty", qAuth("key"), query("?key="), ""},
		{"query case-sensitive", qAuth("key"), query("?KEY=x"), ""},
		{"header ok", hAuth("X-Key"), header("secret"), `"secret"`},
		{"header case-insensitive", hAuth("x-key"), header("secret"), `"secret"`},
		{"header first wins", hAuth("X-Key"), header("a", "b"), `"a"`},
		{"header missing", hAuth("X-Key"), header(), ""},
		{"header empty", hAuth("X-Key"), header(""), ""},
		{"cookie ok", cAuth("sess"), cookie("sess=abc"), `"abc"`},
		{"cookie last wins", cAuth("sess"), cookie("sess=a; other=x; sess=b"), `"b"`},
		{"cookie missing", cAuth("sess"), cookie(""), ""},
		{"cookie other", cAuth("sess"), cookie("other=x"), ""},
		{"cookie empty", cAuth("sess"), cookie("sess="), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.auth(false)(tt.req)
			if tt.want == "" {
				wantErr(t, err, 401, "Not authenticated", []string{"APIKey"})
			} else {
				if err != nil {
					t.Fatal(err)
				}
				wantJSON(t, v, tt.want)
			}
			v, err = tt.auth(true)(tt.req)
			if tt.want == "" {
				if v != nil || err != nil {
					t.Fatalf("optional: (%v, %v), want (nil, nil)", v, err)
				}
			} else {
				wantJSON(t, v, tt.want)
			}
		})
	}
}

func qAuth(name string) func(bool) authFunc {
	return func(o bool) authFunc { return adapt((&APIKeyQuery{Param: name, Optional: o}).Authenticate) }
}
func hAuth(name string) func(bool) authFunc {
	return func(o bool) authFunc { return adapt((&APIKeyHeader{Header: name, Optional: o}).Authenticate) }
}
func cAuth(name string) func(bool) authFunc {
	return func(o bool) authFunc { return adapt((&APIKeyCookie{Cookie: name, Optional: o}).Authenticate) }
}

// TestHTTPBasic is the base64 table of docs/fastapi-compat.md §1.2 and the header cases.
func TestHTTPBasic(t *testing.T) {
	tests := []struct {
		header string
		want   string // JSON; "" = 401
		absent bool   // with Optional: nil instead of 401
	}{
		{"Basic dTpw", `{"username":"u","password":"p"}`, false},
		{"Basic dTpw!!", `{"username":"u","password":"p"}`, false},
		{"Basic dT pw", `{"username":"u","password":"p"}`, false},
		{"Basic dTpw-_", `{"username":"u","password":"p"}`, false},
		{"Basic dTpw=", `{"username":"u","password":"p"}`, false},
		{"Basic dTpw==", `{"username":"u","password":"p"}`, false},
		{"Basic =dTpw", `{"username":"u","password":"p"}`, false},
		{"Basic Og===", `{"username":"","password":""}`, false},
		{"Basic Og==", `{"username":"","password":""}`, false},
		{"Basic dTpwOnE=", `{"username":"u","password":"p:q"}`, false},
		{"basic dTpw", `{"username":"u","password":"p"}`, false},
		{"BASIC   dTpw  ", `{"username":"u","password":"p"}`, false},
		{"Basic Og==garbage", `{"username":"","password":""}`, false},
		{"Basic dTp", "", false},
		{"Basic Og", "", false},
		{"Basic Og=", "", false},
		{"Basic dTpwOnE", "", false},
		{"Basic notabase64token", "", false},
		{"Basic", "", false},
		{"Basic ", "", false},
		{"Basic asO2aG46cA==", "", false}, // "jöhn:p" in UTF-8: not ASCII
		{"Basic bm9jb2xvbg==", "", false}, // "nocolon"
		{"Basic dTpw\u00e9", "", false},   // non-ASCII in the base64 text
		{"Basic Og==\u00e9", "", false},   // even after the padding
		{"", "", true},
		{"Bearer dTpw", "", true},
		{"Basicx dTpw", "", true},
	}
	for _, realm := range []string{"", "simple"} {
		challenge := "Basic"
		if realm != "" {
			challenge = `Basic realm="simple"`
		}
		for _, tt := range tests {
			t.Run(realm+"/"+tt.header, func(t *testing.T) {
				v, err := (&HTTPBasic{Realm: realm}).Authenticate(authRequest(tt.header))
				if tt.want == "" {
					if v != nil {
						t.Fatalf("value %v, want error", v)
					}
					wantErr(t, err, 401, "Not authenticated", []string{challenge})
				} else {
					if err != nil {
						t.Fatal(err)
					}
					wantJSON(t, v, tt.want)
				}
				v, err = (&HTTPBasic{Realm: realm, Optional: true}).Authenticate(authRequest(tt.header))
				switch {
				case tt.absent:
					if v != nil || err != nil {
						t.Fatalf("optional: (%v, %v), want (nil, nil)", v, err)
					}
				case tt.want == "": // malformed: 401 even when optional (docs/fastapi-compat.md §1.2)
					wantErr(t, err, 401, "Not authenticated", []string{challenge})
				default:
					wantJSON(t, v, tt.want)
				}
			})
		}
	}
}

// TestNotAuthenticatedOverride is FastAPI's documented "old 403" variant (docs/fastapi-compat.md
// §1.1): 403 {"detail":"Not authenticated"} with no WWW-Authenticate.
func TestNotAuthenticatedOverride(t *testing.T) {
	forbidden := func() *keel.HTTPError { return keel.NewHTTPError(403, "Not authenticated") }
	schemes := map[string]authFunc{
		"HTTPBearer":   adapt((&HTTPBearer{NotAuthenticated: forbidden}).Authenticate),
		"HTTPBasic":    adapt((&HTTPBasic{NotAuthenticated: forbidden}).Authenticate),
		"APIKeyHeader": adapt((&APIKeyHeader{Header: "X-Key", NotAuthenticated: forbidden}).Authenticate),
		"OAuth2":       adapt((&OAuth2{NotAuthenticated: forbidden}).Authenticate),
		"PwBearer":     adapt((&OAuth2PasswordBearer{TokenURL: "t", NotAuthenticated: forbidden}).Authenticate),
	}
	for name, auth := range schemes {
		_, err := auth(authRequest(""))
		t.Run(name, func(t *testing.T) { wantErr(t, err, 403, "Not authenticated", nil) })
	}
	// Malformed Basic credentials use it too.
	_, err := (&HTTPBasic{NotAuthenticated: forbidden, Optional: true}).Authenticate(authRequest("Basic Og"))
	wantErr(t, err, 403, "Not authenticated", nil)
}

// TestErrorsAreFresh checks that an error value can be changed by its receiver
// without affecting the next request's.
func TestErrorsAreFresh(t *testing.T) {
	s := &HTTPBearer{}
	_, err := s.Authenticate(authRequest(""))
	err.(*keel.HTTPError).Headers.Set("WWW-Authenticate", "changed")
	_, err = s.Authenticate(authRequest(""))
	wantErr(t, err, 401, "Not authenticated", []string{"Bearer"})
}

func TestCompareSecret(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"secret", "secret", true},
		{"secret", "Secret", false},
		{"secret", "secret2", false},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := CompareSecret(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareSecret(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestChallengeQuoting(t *testing.T) {
	_, err := (&HTTPBasic{Realm: `a"b\c`}).Authenticate(authRequest(""))
	wantErr(t, err, 401, "Not authenticated", []string{`Basic realm="a\"b\\c"`})
}

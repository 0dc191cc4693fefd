package resolve_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/resolve"
	"github.com/keelgo/keel/internal/wire"
)

type pathUser struct{ Name string }

// ReadsPathValues is true exactly when some function of the plan, overrides
// applied, takes the *http.Request and is not marked WithoutPathValues; the
// router sets r.PathValue only for such plans (router's TestPathValuesObservable).
func TestReadsPathValues(t *testing.T) {
	user := di.Provide(func() (*pathUser, error) { return &pathUser{"a"}, nil })
	userFromRequest := di.Provide(func(r *http.Request) (*pathUser, error) { return &pathUser{r.PathValue("id")}, nil })
	ownUser := (*di.Provider)((*resolve.Provider)(di.Provide(func(r *http.Request) (*pathUser, error) {
		return &pathUser{r.Header.Get("X-User")}, nil
	})).WithoutPathValues())
	handler := func(u *pathUser) (string, error) { return u.Name, nil }
	for _, c := range []struct {
		name      string
		handler   any
		explicit  []di.Dependency
		effects   []di.Dependency
		overrides map[*di.Provider]*di.Provider
		want      bool
	}{
		{"no request", handler, []di.Dependency{di.Depends(user)}, nil, nil, false},
		{"context only", func(ctx context.Context, u *pathUser) (string, error) { return u.Name, nil }, []di.Dependency{di.Depends(user)}, nil, nil, false},
		{"handler takes the request", func(r *http.Request, u *pathUser) (string, error) { return u.Name, nil }, []di.Dependency{di.Depends(user)}, nil, nil, true},
		{"provider takes the request", handler, []di.Dependency{di.Depends(userFromRequest)}, nil, nil, true},
		{"effect takes the request", handler, []di.Dependency{di.Depends(user)}, []di.Dependency{di.Depends(di.Provide(func(r *http.Request) error { return nil }))}, nil, true},
		{"marked provider", handler, []di.Dependency{di.Depends(ownUser)}, nil, nil, false},
		{"override takes the request", handler, []di.Dependency{di.Depends(user)}, nil, map[*di.Provider]*di.Provider{user: userFromRequest}, true},
		{"override drops the request", handler, []di.Dependency{di.Depends(userFromRequest)}, nil, map[*di.Provider]*di.Provider{userFromRequest: user}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			plan, err := resolve.Compile((*resolve.Provider)(di.Provide(c.handler)), decls(c.effects...), decls(c.explicit...), cfg(c.overrides))
			if err != nil {
				t.Fatal(err)
			}
			if got := plan.ReadsPathValues(); got != c.want {
				t.Errorf("ReadsPathValues = %v, want %v", got, c.want)
			}
			if plan.UsesPath() {
				t.Error("UsesPath = true without a *wire.PathValues parameter")
			}
		})
	}
}

// A function taking *wire.PathValues gets the state's, as the router set it
// for this request, and none once the state is released and acquired again.
func TestStatePath(t *testing.T) {
	fn := func(pv *wire.PathValues) (string, error) { return pv.Get("id") + "/" + pv.Get("rest"), nil }
	plan, err := resolve.Compile((*resolve.Provider)(di.Provide(fn)), nil, nil, cfg(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !plan.UsesPath() || plan.ReadsPathValues() {
		t.Fatalf("UsesPath %v ReadsPathValues %v, want true false", plan.UsesPath(), plan.ReadsPathValues())
	}
	for _, vals := range [][]string{{"5", "a/b"}, {"6"}, nil} {
		st := plan.Acquire(&http.Request{})
		if vals != nil {
			st.Path().Set([]string{"id", "rest"}, vals)
		}
		v, err := st.Run()
		want := ""
		if len(vals) > 0 {
			want = vals[0]
		}
		want += "/"
		if len(vals) > 1 {
			want += vals[1]
		}
		if err != nil || v.Interface() != want {
			t.Errorf("%q: %v %v, want %q", vals, v, err, want)
		}
		if st.Path().Matched() != (vals != nil) {
			t.Errorf("%q: Matched %v", vals, st.Path().Matched())
		}
		plan.Release(st)
	}
}

package resolve_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"unsafe"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/resolve"
)

type benchUser struct{ Name string }
type benchTok string
type benchParams struct {
	ID, Limit int
	Q         string
}
type benchOut struct {
	ID, Limit int
	Q, User   string
}

// BenchmarkRun measures the resolver alone: two reflect-called providers, one raw
// provider (as parameter binders are) and the handler.
func BenchmarkRun(b *testing.B) {
	users := map[string]*benchUser{"tok123": {"johndoe"}}
	tok := di.Provide(func(r *http.Request) (benchTok, error) { return benchTok(r.Header.Get("Authorization")[7:]), nil })
	user := di.Provide(func(t benchTok) (*benchUser, error) { return users[string(t)], nil }, tok)
	pt := reflect.TypeFor[benchParams]()
	prm := resolve.NewRaw(nil, "params", pt, []reflect.Type{reflect.TypeFor[*http.Request]()}, func(in []unsafe.Pointer, dst unsafe.Pointer) (resolve.Cleanup, error) {
		(*benchParams)(dst).ID = 42
		return resolve.Cleanup{}, nil
	})
	plan, err := resolve.Compile((*resolve.Provider)(di.Provide(func(p benchParams, u *benchUser) (benchOut, error) {
		return benchOut{p.ID, p.Limit, p.Q, u.Name}, nil
	})), nil, append(decls(di.Depends(user)), prm.Dependency()), cfg(nil))
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer tok123")
	b.ReportAllocs()
	for b.Loop() {
		st := plan.Acquire(r)
		v, err := st.Run()
		if err != nil || !v.IsValid() {
			b.Fatal(err)
		}
		st.CloseAll(nil)
		plan.Release(st)
	}
}

package bench_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/keelgo/keel/bench"
)

// Every implementation serves the same endpoints; Lookup finds one by name.
func ExampleLookup() {
	impl, _ := bench.Lookup("keel")
	h := impl.New()
	r := httptest.NewRequest("GET", "/items/42?q=abc", nil)
	r.Header.Set("Authorization", "Bearer "+bench.ItemToken)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body.String())
	// Output: 200 {"id":42,"limit":10,"q":"abc","user":"johndoe"}
}

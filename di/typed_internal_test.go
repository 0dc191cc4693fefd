package di

import (
	"reflect"
	"strings"
	"testing"

	"github.com/keelgo/keel/internal/resolve"
)

type argNames []string

// arg never hands a typed provider a zero value for a value it cannot take:
// it converts an assignable value and panics on anything else (issue 10 item 2).
func TestArgNeverSwallows(t *testing.T) {
	if got := arg[argNames](reflect.ValueOf([]string{"a"}), reflect.TypeFor[argNames]()); len(got) != 1 || got[0] != "a" {
		t.Errorf("assignable value: got %v", got)
	}
	var nilErr error
	if got := arg[error](reflect.ValueOf(&nilErr).Elem(), reflect.TypeFor[error]()); got != nil {
		t.Errorf("nil interface: got %v", got)
	}
	defer func() {
		p, _ := recover().(string)
		if !strings.Contains(p, "of type int received string") {
			t.Errorf("panic = %q", p)
		}
	}()
	arg[int](reflect.ValueOf("x"), reflect.TypeFor[int]())
	t.Error("arg accepted a string for an int")
}

// di.Scope's values are the resolver's, which InScope converts to.
func TestScopesMatchResolver(t *testing.T) {
	for s, r := range map[Scope]resolve.Scope{ScopeDefault: resolve.ScopeDefault, ScopeRequest: resolve.ScopeRequest, ScopeFunction: resolve.ScopeFunction} {
		if resolve.Scope(s) != r {
			t.Errorf("di scope %d is resolver scope %d", s, r)
		}
	}
}

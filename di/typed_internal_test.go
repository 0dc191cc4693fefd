package di

import (
	"testing"

	"github.com/keelgo/keel/internal/resolve"
)

// di.Scope's values are the resolver's, which InScope converts to.
func TestScopesMatchResolver(t *testing.T) {
	for s, r := range map[Scope]resolve.Scope{ScopeDefault: resolve.ScopeDefault, ScopeRequest: resolve.ScopeRequest, ScopeFunction: resolve.ScopeFunction} {
		if resolve.Scope(s) != r {
			t.Errorf("di scope %d is resolver scope %d", s, r)
		}
	}
}

package names

import (
	"reflect"
	"testing"
)

type store struct{}

func (*store) Get() error { return nil }

func readItem[T any](T) error { return nil }

func readItems() error { return nil }

var pkgClosure = func() error { return nil }

func TestOwn(t *testing.T) {
	closure := func() error { return nil }
	nested := func() func() error { return func() error { return nil } }()
	s := &store{}
	for _, tt := range []struct {
		fn   any
		want string
	}{
		{readItems, "readItems"},
		{s.Get, "Get"},
		{(*store).Get, "Get"},
		{readItem[map[string]int], "readItem"},
		{readItem[reflect.Value], "readItem"},
		{closure, ""},
		{nested, ""},
		{pkgClosure, ""},
	} {
		full := Func(reflect.ValueOf(tt.fn))
		if got := Own(full); got != tt.want {
			t.Errorf("Own(%q) = %q, want %q", full, got, tt.want)
		}
	}
	for in, want := range map[string]string{
		"github.com/x/pkg.fn": "fn", "pkg.(*T).fn": "fn", "pkg.fn.func1": "", "main.init.func1.2": "",
		"pkg.glob..func3": "", "pkg.functional": "functional", "pkg.func": "func", "": "",
	} {
		if got := Own(in); got != want {
			t.Errorf("Own(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{
		"readOwnItems": "read_own_items", "readUsersMe": "read_users_me", "loginForAccessToken": "login_for_access_token",
		"read_items": "read_items", "getUserID": "get_user_id", "HTTPServer": "http_server", "ReadItems": "read_items",
		"readV2Items": "read_v2_items", "items2": "items2", "a": "a", "": "",
		"UserAgent": "user_agent", "ID": "id", "UserID": "user_id", "X2": "x2", "ItemID2": "item_id2",
		"already_snake": "already_snake", "A": "a", "a_B": "a_b",
	} {
		if got := Snake(in); got != want {
			t.Errorf("Snake(%q) = %q, want %q", in, got, want)
		}
	}
}

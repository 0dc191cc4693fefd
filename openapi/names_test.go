package openapi

import "testing"

func TestWireTitle(t *testing.T) {
	for in, want := range map[string]string{
		"user-agent":    "User-Agent",
		"ads_id":        "Ads Id",
		"X-Custom_Name": "X-Custom Name",
		"full_name":     "Full Name",
		"q":             "Q",
	} {
		if got := wireTitle(in); got != want {
			t.Errorf("wireTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSummaryAndUniqueID(t *testing.T) {
	// docs/fastapi-compat.md §6.2
	tests := []struct {
		name, method, path, summary, id string
	}{
		{"readItems", "GET", "/items/", "Read Items", "read_items_items__get"},
		{"read_items", "GET", "/items/", "Read Items", "read_items_items__get"},
		{"readUsersMe", "GET", "/users/me/", "Read Users Me", "read_users_me_users_me__get"},
		{"update_item", "PUT", "/items/{item_id}", "Update Item", "update_item_items__item_id__put"},
		{"updateItem", "put", "/items/{item_id}", "Update Item", "update_item_items__item_id__put"},
		{"readOwnItems", "GET", "/users/me/items/", "Read Own Items", "read_own_items_users_me_items__get"},
		{"loginForAccessToken", "POST", "/token", "Login For Access Token", "login_for_access_token_token_post"},
		{"newSubscription", "POST", "new-subscription", "New Subscription", "new_subscriptionnew_subscription_post"},
	}
	for _, tt := range tests {
		if got := summaryFor(tt.name); got != tt.summary {
			t.Errorf("summaryFor(%q) = %q, want %q", tt.name, got, tt.summary)
		}
		if got := uniqueID(tt.name, tt.path, tt.method); got != tt.id {
			t.Errorf("uniqueID(%q, %q, %q) = %q, want %q", tt.name, tt.path, tt.method, got, tt.id)
		}
	}
}

func TestCutDescription(t *testing.T) {
	for in, want := range map[string]string{
		"  Read items.\n":                "Read items.",
		"Create an item.\f\n:param x: y": "Create an item.",
		"\fonly hidden":                  "",
		"":                               "",
	} {
		if got := cutDescription(in); got != want {
			t.Errorf("cutDescription(%q) = %q, want %q", in, got, want)
		}
	}
}

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// humaItemsInput is the Items input as huma declares it: validation as JSON
// Schema tags.
type humaItemsInput struct {
	ID    int    `path:"id"`
	Limit int    `query:"limit" default:"10" minimum:"1" maximum:"100"`
	Q     string `query:"q" maxLength:"50"`
}

type humaItemsOutput struct{ Body Item }

type humaPingOutput struct{ Body Pong }

type humaOwnedOutput struct{ Body Owned }

// humaThing is Thing with huma's JSON Schema validation tags.
type humaThing struct {
	Name    string  `json:"name" minLength:"1" maxLength:"50"`
	Email   string  `json:"email" format:"email"`
	Age     int     `json:"age" minimum:"0" maximum:"150"`
	Price   float64 `json:"price" exclusiveMinimum:"0"`
	SKU     string  `json:"sku" pattern:"^[a-zA-Z0-9]{8}$"`
	Country string  `json:"country" minLength:"2" maxLength:"2"`
}

type humaThingInput struct{ Body humaThing }

type humaThingOutput struct{ Body humaThing }

// humaAuth is an operation middleware putting the current user in the context.
func humaAuth(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		h := ctx.Header("Authorization")
		if _, ok := bearer(h); !ok {
			ctx.SetHeader("WWW-Authenticate", "Bearer")
			huma.WriteErr(api, ctx, http.StatusUnauthorized, "Not authenticated")
			return
		}
		u, ok := currentUser(h)
		if !ok {
			ctx.SetHeader("WWW-Authenticate", "Bearer")
			huma.WriteErr(api, ctx, http.StatusUnauthorized, "Could not validate credentials")
			return
		}
		next(huma.WithValue(ctx, userKey, u))
	}
}

// humaJWT is huma's documented JWT pattern: a middleware reading the scopes the
// operation's security requirement declares.
func humaJWT(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		scope := ""
		for _, req := range ctx.Operation().Security {
			if s, ok := req["jwt"]; ok && len(s) > 0 {
				scope = s[0]
			}
		}
		u, err := authorizeJWT(ctx.Header("Authorization"), scope)
		if err != nil {
			status, challenge, detail := jwtFailure(err)
			ctx.SetHeader("WWW-Authenticate", challenge)
			huma.WriteErr(api, ctx, status, detail)
			return
		}
		next(huma.WithValue(ctx, userKey, u))
	}
}

// humaConfig is huma.DefaultConfig without the schema-link create hook, which
// would add "$schema" to every response body and a Link header, so that
// answers compare equal with the other implementations (and no framework pays
// for work the others do not do).
func humaConfig() huma.Config {
	c := huma.DefaultConfig("bench", "1")
	c.CreateHooks = nil
	c.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"token": {Type: "oauth2", Flows: &huma.OAuthFlows{Password: &huma.OAuthFlow{TokenURL: "token", Scopes: map[string]string{}}}},
		"jwt":   {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
	}
	return c
}

func humaRegisterItems(api huma.API, path, id string) {
	huma.Register(api, huma.Operation{
		OperationID: id,
		Method:      http.MethodGet,
		Path:        path,
		Security:    []map[string][]string{{"token": {}}},
		Middlewares: huma.Middlewares{humaAuth(api)},
	}, func(ctx context.Context, in *humaItemsInput) (*humaItemsOutput, error) {
		u := ctx.Value(userKey).(*User)
		return &humaItemsOutput{Body: Item{ID: in.ID, Limit: in.Limit, Q: in.Q, User: u.Name}}, nil
	})
}

// NewHuma serves the endpoints with huma on net/http's ServeMux (humago):
// typed inputs validated from JSON Schema tags, operation middlewares for
// authentication.
func NewHuma() http.Handler {
	mux := http.NewServeMux()
	api := humago.New(mux, humaConfig())
	huma.Register(api, huma.Operation{OperationID: "ping", Method: http.MethodGet, Path: "/ping"},
		func(context.Context, *struct{}) (*humaPingOutput, error) {
			return &humaPingOutput{Body: Pong{OK: true}}, nil
		})
	humaRegisterItems(api, "/items/{id}", "items")
	huma.Register(api, huma.Operation{
		OperationID: "my-items",
		Method:      http.MethodGet,
		Path:        "/users/me/items",
		Security:    []map[string][]string{{"jwt": {"items"}}},
		Middlewares: huma.Middlewares{humaJWT(api)},
	}, func(ctx context.Context, _ *struct{}) (*humaOwnedOutput, error) {
		u := ctx.Value(userKey).(*User)
		return &humaOwnedOutput{Body: Owned{ItemID: "Foo", Owner: u.Name}}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID:   "create-thing",
		Method:        http.MethodPost,
		Path:          "/things",
		DefaultStatus: http.StatusCreated,
	}, func(_ context.Context, in *humaThingInput) (*humaThingOutput, error) {
		return &humaThingOutput{Body: in.Body}, nil
	})
	return mux
}

// humaRoutes is the result of RoutesHuma: the mux and its API.
type humaRoutes struct {
	*http.ServeMux
	api huma.API
}

// RoutesHuma registers n Items routes with huma.
func RoutesHuma(n int) http.Handler {
	mux := http.NewServeMux()
	api := humago.New(mux, humaConfig())
	for i := range n {
		humaRegisterItems(api, fmt.Sprintf("/r%d/items/{id}", i), fmt.Sprintf("items-%d", i))
	}
	return humaRoutes{mux, api}
}

// OpenAPIHuma renders the OpenAPI document of a RoutesHuma application.
func OpenAPIHuma(h http.Handler) ([]byte, error) {
	return json.Marshal(h.(humaRoutes).api.OpenAPI())
}

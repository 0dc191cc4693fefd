package router

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/coder/websocket"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/resolve"
)

// This file is the options of routes and groups: what they say, and how a
// group's are copied to the routes and groups made from it.

// RouteOption configures a route or a group. Route registration methods also take
// di.Source values (providers, di.Depends, di.Security, security schemes) in the
// same argument list.
type RouteOption interface{ applyRoute(*routeConfig) }

type routeOpt func(*routeConfig)

func (f routeOpt) applyRoute(c *routeConfig) { f(c) }

// ResponseDoc documents an extra response of a route in OpenAPI.
type ResponseDoc struct {
	Description string
	Type        reflect.Type // the body's Go type, or nil
}

type routeConfig struct {
	status      int
	summary     string
	description string
	operationID string
	tags        []string
	deprecated  bool
	hidden      bool
	websocket   bool // registered by WebSocket
	responses   map[string]ResponseDoc
	respDesc    string
	effects     []resolve.Dependency // always effects (Dependencies option, groups)
	middleware  []func(http.Handler) http.Handler
	name        string
	contentType string        // ContentType
	keepAlive   time.Duration // KeepAlive
	wsOptions   *websocket.AcceptOptions
}

// Status sets the route's success status (default 200). 204 and 304 send no body.
func Status(code int) RouteOption { return routeOpt(func(c *routeConfig) { c.status = code }) }

// Summary sets the operation's OpenAPI summary (default: the handler's name in words).
func Summary(s string) RouteOption { return routeOpt(func(c *routeConfig) { c.summary = s }) }

// Description sets the operation's OpenAPI description.
func Description(s string) RouteOption { return routeOpt(func(c *routeConfig) { c.description = s }) }

// OperationID sets the operation's OpenAPI operationId (default: FastAPI's rule).
func OperationID(s string) RouteOption { return routeOpt(func(c *routeConfig) { c.operationID = s }) }

// Name sets the route's name, from which the default summary and operationId are
// derived (default: the handler's Go function name).
func Name(s string) RouteOption { return routeOpt(func(c *routeConfig) { c.name = s }) }

// Tags adds OpenAPI tags; on a group they apply to all its routes.
func Tags(tags ...string) RouteOption {
	return routeOpt(func(c *routeConfig) { c.tags = append(c.tags, tags...) })
}

// Deprecated marks the operation (or every operation of a group) deprecated.
func Deprecated() RouteOption { return routeOpt(func(c *routeConfig) { c.deprecated = true }) }

// Hidden leaves the route (or a group's routes) out of the OpenAPI document
// (FastAPI's include_in_schema=False).
func Hidden() RouteOption { return routeOpt(func(c *routeConfig) { c.hidden = true }) }

// ResponseDescription sets the success response's description (default
// "Successful Response").
func ResponseDescription(s string) RouteOption {
	return routeOpt(func(c *routeConfig) { c.respDesc = s })
}

// Response documents an extra response: status is a code ("404"), a range ("4XX")
// or "default"; body is a value of the response body's type, or nil.
func Response(status, description string, body any) RouteOption {
	return routeOpt(func(c *routeConfig) {
		if c.responses == nil {
			c.responses = map[string]ResponseDoc{}
		}
		var t reflect.Type
		if body != nil {
			t = reflect.TypeOf(body)
		}
		c.responses[status] = ResponseDoc{Description: description, Type: t}
	})
}

// Dependencies adds dependencies run for their effect only, never matched to a
// handler parameter (FastAPI's dependencies=[...], docs/fastapi-compat.md §3.2).
func Dependencies(deps ...di.Source) RouteOption {
	return routeOpt(func(c *routeConfig) {
		for _, d := range deps {
			c.effects = append(c.effects, decl(d))
		}
	})
}

// ContentType sets the media type of a route that answers bytes, a file or
// a stream of bytes (response.Bytes, response.File, io.Reader) when the value
// does not say it, and documents it in OpenAPI; without it they are
// application/octet-stream (a file: its extension's type).
func ContentType(mediaType string) RouteOption {
	return routeOpt(func(c *routeConfig) { c.contentType = mediaType })
}

// KeepAlive sets how often a Server-Sent Events route sends a comment while
// its handler has no event to send (default DefaultKeepAlive, 15 s); a
// negative duration sends none.
func KeepAlive(d time.Duration) RouteOption {
	return routeOpt(func(c *routeConfig) { c.keepAlive = d })
}

// Middleware wraps the route's (or a group's routes') handler.
func Middleware(mw ...func(http.Handler) http.Handler) RouteOption {
	return routeOpt(func(c *routeConfig) { c.middleware = append(c.middleware, mw...) })
}

func cloneCfg(c routeConfig) routeConfig {
	c.tags = slices.Clone(c.tags)
	c.effects = slices.Clone(c.effects)
	c.middleware = slices.Clone(c.middleware)
	if c.responses != nil {
		m := make(map[string]ResponseDoc, len(c.responses))
		for k, v := range c.responses {
			m[k] = v
		}
		c.responses = m
	}
	return c
}

func applyGroupOpts(c *routeConfig, opts []any, where string) {
	for i, o := range opts {
		switch v := o.(type) {
		case RouteOption:
			v.applyRoute(c)
		case di.Source:
			c.effects = append(c.effects, decl(v))
		default:
			panic(fmt.Sprintf("keel: %s: argument #%d has type %T; want a router option or a dependency (di.Source)", where, i+1, o))
		}
	}
}

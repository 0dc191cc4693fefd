package bench

import (
	"fmt"
	"net/http"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// echoValidator plugs go-playground/validator into echo, as echo's guide on
// binding and validation shows.
type echoValidator struct{ v *validator.Validate }

func (ev echoValidator) Validate(i any) error { return ev.v.Struct(i) }

func echoAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get("Authorization")
		if _, ok := bearer(h); !ok {
			c.Response().Header().Set("WWW-Authenticate", "Bearer")
			return echo.NewHTTPError(http.StatusUnauthorized, "Not authenticated")
		}
		u, ok := currentUser(h)
		if !ok {
			c.Response().Header().Set("WWW-Authenticate", "Bearer")
			return echo.NewHTTPError(http.StatusUnauthorized, "Could not validate credentials")
		}
		c.Set("user", u)
		return next(c)
	}
}

func echoJWT(scope string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u, err := authorizeJWT(c.Request().Header.Get("Authorization"), scope)
			if err != nil {
				status, challenge, detail := jwtFailure(err)
				c.Response().Header().Set("WWW-Authenticate", challenge)
				return echo.NewHTTPError(status, detail)
			}
			c.Set("user", u)
			return next(c)
		}
	}
}

func echoItems(c echo.Context) error {
	p := itemParams{Limit: 10} // echo's documented way to give a default: set it before Bind
	if err := c.Bind(&p); err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "invalid parameters")
	}
	if err := c.Validate(&p); err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "invalid parameters")
	}
	u := c.Get("user").(*User)
	return c.JSON(http.StatusOK, Item{ID: p.ID, Limit: p.Limit, Q: p.Q, User: u.Name})
}

func newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Validator = echoValidator{validator.New()}
	e.Use(middleware.Recover())
	return e
}

// NewEcho serves the endpoints with echo: middleware with c.Set for
// authentication, c.Bind and c.Validate (go-playground/validator) for
// parameters and bodies, middleware.Recover.
func NewEcho() http.Handler {
	e := newEcho()
	e.GET("/ping", func(c echo.Context) error { return c.JSON(http.StatusOK, Pong{OK: true}) })
	e.GET("/items/:id", echoItems, echoAuth)
	e.GET("/users/me/items", func(c echo.Context) error {
		u := c.Get("user").(*User)
		return c.JSON(http.StatusOK, Owned{ItemID: "Foo", Owner: u.Name})
	}, echoJWT("items"))
	e.POST("/things", func(c echo.Context) error {
		var t Thing
		if err := c.Bind(&t); err != nil {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "invalid JSON")
		}
		if err := c.Validate(&t); err != nil {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "invalid")
		}
		return c.JSON(http.StatusCreated, t)
	})
	return e
}

// RoutesEcho registers n Items routes on an echo instance.
func RoutesEcho(n int) http.Handler {
	e := newEcho()
	for i := range n {
		e.GET(fmt.Sprintf("/r%d/items/:id", i), echoItems, echoAuth)
	}
	return e
}

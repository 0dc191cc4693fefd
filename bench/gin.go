package bench

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
)

// ginItemURI and ginItemQuery are the Items parameters as gin binds them.
type ginItemURI struct {
	ID int `uri:"id"`
}

type ginItemQuery struct {
	Limit int    `form:"limit,default=10" binding:"gte=1,lte=100"`
	Q     string `form:"q" binding:"max=50"`
}

// ginThing is Thing with gin's binding tags.
type ginThing struct {
	Name    string  `json:"name" binding:"min=1,max=50"`
	Email   string  `json:"email" binding:"email"`
	Age     int     `json:"age" binding:"gte=0,lte=150"`
	Price   float64 `json:"price" binding:"gt=0"`
	SKU     string  `json:"sku" binding:"len=8,alphanum"`
	Country string  `json:"country" binding:"len=2"`
}

func ginAuth(c *gin.Context) {
	h := c.GetHeader("Authorization")
	if _, ok := bearer(h); !ok {
		c.Header("WWW-Authenticate", "Bearer")
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"detail": "Not authenticated"})
		return
	}
	u, ok := currentUser(h)
	if !ok {
		c.Header("WWW-Authenticate", "Bearer")
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"detail": "Could not validate credentials"})
		return
	}
	c.Set("user", u)
	c.Next()
}

func ginJWT(scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, err := authorizeJWT(c.GetHeader("Authorization"), scope)
		if err != nil {
			status, challenge, detail := jwtFailure(err)
			c.Header("WWW-Authenticate", challenge)
			c.AbortWithStatusJSON(status, gin.H{"detail": detail})
			return
		}
		c.Set("user", u)
		c.Next()
	}
}

func ginItems(c *gin.Context) {
	var uri ginItemURI
	if err := c.ShouldBindUri(&uri); err != nil {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"detail": "invalid path"})
		return
	}
	var q ginItemQuery
	if err := c.ShouldBindQuery(&q); err != nil {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"detail": "invalid query"})
		return
	}
	u := c.MustGet("user").(*User)
	c.JSON(http.StatusOK, Item{ID: uri.ID, Limit: q.Limit, Q: q.Q, User: u.Name})
}

func newGinEngine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	return r
}

// NewGin serves the endpoints with gin: middleware with c.Set for
// authentication, ShouldBindUri/ShouldBindQuery/ShouldBindJSON with binding
// tags for parameters and bodies. It uses gin.New with gin.Recovery (gin.Default
// would also log every request).
func NewGin() http.Handler {
	r := newGinEngine()
	r.GET("/ping", func(c *gin.Context) { c.JSON(http.StatusOK, Pong{OK: true}) })
	r.GET("/items/:id", ginAuth, ginItems)
	r.GET("/users/me/items", ginJWT("items"), func(c *gin.Context) {
		u := c.MustGet("user").(*User)
		c.JSON(http.StatusOK, Owned{ItemID: "Foo", Owner: u.Name})
	})
	r.POST("/things", func(c *gin.Context) {
		var t ginThing
		if err := c.ShouldBindJSON(&t); err != nil {
			c.JSON(http.StatusUnprocessableEntity, gin.H{"detail": "invalid"})
			return
		}
		c.JSON(http.StatusCreated, Thing(t))
	})
	return r
}

// RoutesGin registers n Items routes on a gin engine.
func RoutesGin(n int) http.Handler {
	r := newGinEngine()
	for i := range n {
		r.GET(fmt.Sprintf("/r%d/items/:id", i), ginAuth, ginItems)
	}
	return r
}

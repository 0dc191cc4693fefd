package app

// Parameters and bodies, as FastAPI's tutorials "Request Body" (tutorial001) and
// "Path Parameters and Numeric Validations" (tutorial006).

// Item is a JSON request body. Non-pointer fields are required; pointer fields
// may be null or absent.
type Item struct {
	Name        string   `json:"name"`
	Description *string  `json:"description"`
	Price       float64  `json:"price"`
	Tax         *float64 `json:"tax"`
}

// createItem is POST /items/: it returns the item it was sent.
func createItem(item Item) (Item, error) { return item, nil }

// ItemParams are the parameters of GET /items/{item_id}.
type ItemParams struct {
	ItemID int     `path:"item_id" validate:"gte=0,lte=1000" title:"The ID of the item to get"`
	Q      string  `query:"q"`
	Size   float64 `query:"size" validate:"gt=0,lt=10.5"`
}

// ItemQuery is the answer of GET /items/{item_id}.
type ItemQuery struct {
	ItemID int     `json:"item_id"`
	Q      string  `json:"q"`
	Size   float64 `json:"size"`
}

// readItem is GET /items/{item_id}. The two structs differ only in their tags,
// so one converts to the other.
func readItem(p ItemParams) (ItemQuery, error) { return ItemQuery(p), nil }

package params

// Constraints are the checks declared on one value with struct tags, parsed once
// at registration. The binder compiles them into closures; the openapi package
// turns them into JSON Schema keywords. Numbers keep their declared text so that
// messages print them as written (docs/fastapi-compat.md §4.4: "greater than 0") while ctx and the
// schema use the field's type (0 or 0.0).
type Constraints struct {
	Gt, Ge, Lt, Le *Number // gt / gte (min for numbers) / lt / lte (max for numbers)
	MultipleOf     *Number
	MinLength      *int // strings: characters; slices: items (min / len for either)
	MaxLength      *int
	Pattern        string   // from the `pattern` tag; a search, not a full match
	Enum           []string // from validate:"oneof=a b c"
	Format         string   // email, uuid, url, uri, ipv4, ipv6, date-time, hostname ...
	Required       bool     // validate:"required"
	// Other holds validator tags Keel does not compile itself, run through the
	// App's validator (for example "e164" or a custom registered tag).
	Other string
}

// Number is a numeric constraint as declared: Text is the tag's literal ("0",
// "10.5"), Value its value.
type Number struct {
	Text  string
	Value float64
}

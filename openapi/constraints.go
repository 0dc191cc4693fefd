package openapi

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/keelgo/keel/params"
)

// fieldConstraints reads the `validate` and `pattern` tags of a JSON model
// field into params.Constraints, for documentation only.
//
// TODO: use params.ParseConstraints once the params package provides it, so
// the document and the binder read tags the same way. Until then this reads
// the subset below.
func fieldConstraints(f reflect.StructField) (params.Constraints, error) {
	var c params.Constraints
	c.Pattern = f.Tag.Get("pattern")
	tag := f.Tag.Get("validate")
	if tag == "" {
		return c, nil
	}
	t := deref(f.Type)
	numeric := false
	switch k := t.Kind(); {
	case k >= reflect.Int && k <= reflect.Uintptr, k == reflect.Float32, k == reflect.Float64:
		numeric = true
	}
	for rule := range strings.SplitSeq(tag, ",") {
		key, arg, _ := strings.Cut(rule, "=")
		if key == "dive" {
			break // what follows applies to elements
		}
		number := func() (*params.Number, error) {
			v, err := strconv.ParseFloat(arg, 64)
			if err != nil {
				return nil, fmt.Errorf("openapi: field %s: validate %q: bad number", f.Name, rule)
			}
			return &params.Number{Text: arg, Value: v}, nil
		}
		length := func(delta int) (*int, error) {
			n, err := strconv.Atoi(arg)
			if err != nil {
				return nil, fmt.Errorf("openapi: field %s: validate %q: bad length", f.Name, rule)
			}
			n += delta
			return &n, nil
		}
		var err error
		switch key {
		case "required":
			c.Required = true
		case "min", "gte", "max", "lte", "gt", "lt", "len":
			if numeric {
				switch key {
				case "min", "gte":
					c.Ge, err = number()
				case "max", "lte":
					c.Le, err = number()
				case "gt":
					c.Gt, err = number()
				case "lt":
					c.Lt, err = number()
				case "len":
					c.Ge, err = number()
					c.Le = c.Ge
				}
				break
			}
			switch key {
			case "min", "gte":
				c.MinLength, err = length(0)
			case "gt":
				c.MinLength, err = length(1)
			case "max", "lte":
				c.MaxLength, err = length(0)
			case "lt":
				c.MaxLength, err = length(-1)
			case "len":
				c.MinLength, err = length(0)
				c.MaxLength = c.MinLength
			}
		case "oneof":
			c.Enum = strings.Fields(arg)
		case "email":
			c.Format = "email"
		case "uuid", "uuid3", "uuid4", "uuid5", "uuid_rfc4122", "uuid4_rfc4122":
			c.Format = "uuid"
		case "url", "uri", "http_url":
			c.Format = "uri"
		case "ipv4", "ip4_addr":
			c.Format = "ipv4"
		case "ipv6", "ip6_addr":
			c.Format = "ipv6"
		case "hostname", "hostname_rfc1123", "fqdn":
			c.Format = "hostname"
		}
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

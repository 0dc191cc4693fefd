package bind

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/keelgo/keel/params"
)

// constraintClass is what a constraint's number means for a type.
type constraintClass uint8

const (
	classOther  constraintClass = iota // bool, structs, ...: no bounds
	classNumber                        // ints, uints, floats: value bounds
	classString                        // strings (and TextUnmarshalers of string kind): rune counts
	classList                          // slices, arrays, maps: item counts
)

func classify(t reflect.Type) constraintClass {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return classOther
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return classNumber
	case reflect.String:
		return classString
	case reflect.Slice, reflect.Array, reflect.Map:
		return classList
	}
	return classOther
}

// formatOf maps validator tags to JSON Schema formats.
var formatOf = map[string]string{
	"email": "email", "url": "uri", "uri": "uri", "http_url": "uri", "https_url": "uri",
	"uuid": "uuid", "uuid3": "uuid", "uuid4": "uuid", "uuid5": "uuid", "uuid_rfc4122": "uuid",
	"uuid3_rfc4122": "uuid", "uuid4_rfc4122": "uuid", "uuid5_rfc4122": "uuid",
	"ipv4": "ipv4", "ip4_addr": "ipv4", "ipv6": "ipv6", "ip6_addr": "ipv6",
	"hostname": "hostname", "hostname_rfc1123": "hostname", "fqdn": "hostname",
}

// ParseConstraints reads the constraint tags of a struct field: `validate`
// (go-playground/validator syntax), and Keel's own `pattern` (a regular
// expression that must be found in the value, docs/fastapi-compat.md §4.4) and `multipleOf`.
// The meaning of min/max/len/gt/gte/lt/lte depends on the field's type, as in
// validator: value bounds for numbers, character counts for strings, item
// counts for slices and maps. Pointers are looked through.
//
// Tags Keel does not compile itself (email, uuid, url, custom tags, anything
// from "dive" on, alternatives joined with "|") are kept in Other, verbatim
// and in order, for the App's validator; known formats also set Format. The
// error names the tag and says what would fix it.
func ParseConstraints(f reflect.StructField) (params.Constraints, error) {
	var c params.Constraints
	class := classify(f.Type)
	var other []string
	omitEmpty := false
	tag := f.Tag.Get("validate")
	if tag != "" && tag != "-" {
		parts := splitValidateTag(tag)
		for i, part := range parts {
			name, param, hasParam := strings.Cut(part, "=")
			if name == "dive" || name == "keys" {
				other = append(other, parts[i:]...)
				break
			}
			if strings.Contains(part, "|") {
				other = append(other, part)
				continue
			}
			switch name {
			case "":
				return c, fmt.Errorf("validate:%q has an empty rule; remove the extra comma", tag)
			case "required":
				c.Required = true
			case "omitempty":
				omitEmpty = true
			case "gt", "gte", "lt", "lte", "min", "max", "len", "eq":
				if !hasParam {
					return c, fmt.Errorf("validate rule %q needs a number, as in %s=10", name, name)
				}
				if err := bound(&c, class, name, param); err != nil {
					return c, err
				}
			case "oneof":
				if class != classString && class != classNumber {
					return c, fmt.Errorf("validate rule oneof applies to strings and numbers, not %s; for slice items use dive,oneof=a b", f.Type)
				}
				vals := splitOneOf(param)
				if len(vals) == 0 {
					return c, fmt.Errorf("validate rule oneof needs values, as in oneof=red green")
				}
				if class == classNumber {
					for _, v := range vals {
						if _, err := strconv.ParseFloat(v, 64); err != nil {
							return c, fmt.Errorf("validate rule oneof=%s: %q is not a number", param, v)
						}
					}
				}
				c.Enum = vals
			default:
				if format, ok := formatOf[name]; ok {
					if class != classString {
						return c, fmt.Errorf("validate rule %s applies to strings, not %s", name, f.Type)
					}
					if c.Format == "" {
						c.Format = format
					}
				}
				other = append(other, part)
			}
		}
	}
	if len(other) > 0 {
		if omitEmpty {
			other = append([]string{"omitempty"}, other...)
		}
		c.Other = strings.Join(other, ",")
	}
	if p, ok := f.Tag.Lookup("pattern"); ok {
		if class != classString {
			return c, fmt.Errorf("pattern applies to strings, not %s", f.Type)
		}
		if _, err := regexp.Compile(p); err != nil {
			return c, fmt.Errorf("pattern %q is not a valid regular expression (%v)", p, err)
		}
		c.Pattern = p
	}
	if m, ok := f.Tag.Lookup("multipleOf"); ok {
		if class != classNumber {
			return c, fmt.Errorf("multipleOf applies to numbers, not %s", f.Type)
		}
		n, err := parseNumber(m)
		if err != nil || n.Value <= 0 {
			return c, fmt.Errorf("multipleOf:%q must be a positive number", m)
		}
		c.MultipleOf = n
	}
	return c, nil
}

// bound records one of gt/gte/lt/lte/min/max/len/eq with validator's meaning
// for the class of type.
func bound(c *params.Constraints, class constraintClass, name, param string) error {
	switch class {
	case classNumber:
		n, err := parseNumber(param)
		if err != nil {
			return fmt.Errorf("validate rule %s=%s: %q is not a number", name, param, param)
		}
		switch name {
		case "gt":
			c.Gt = n
		case "gte", "min":
			c.Ge = n
		case "lt":
			c.Lt = n
		case "lte", "max":
			c.Le = n
		case "len", "eq":
			c.Ge, c.Le = n, n
		}
	case classString, classList:
		if name == "eq" {
			if class == classString {
				c.Enum = []string{param}
				return nil
			}
			return fmt.Errorf("validate rule eq does not apply to lists; use len=N for a length")
		}
		n, err := strconv.Atoi(param)
		if err != nil || n < 0 {
			return fmt.Errorf("validate rule %s=%s: a length must be a non-negative integer", name, param)
		}
		switch name {
		case "gt":
			c.MinLength = ptr(n + 1)
		case "gte", "min":
			c.MinLength = ptr(n)
		case "lt":
			if n == 0 {
				return fmt.Errorf("validate rule lt=0 can never be met by a length")
			}
			c.MaxLength = ptr(n - 1)
		case "lte", "max":
			c.MaxLength = ptr(n)
		case "len":
			c.MinLength, c.MaxLength = ptr(n), ptr(n)
		}
	default:
		return fmt.Errorf("validate rule %s does not apply to this type (it bounds numbers, string lengths and list lengths)", name)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func parseNumber(s string) (*params.Number, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f != f {
		return nil, fmt.Errorf("not a number")
	}
	return &params.Number{Text: strings.TrimSpace(s), Value: f}, nil
}

// splitValidateTag splits on commas that are not escaped as 0x2C (validator's
// own escape for a comma inside a parameter).
func splitValidateTag(tag string) []string {
	parts := strings.Split(tag, ",")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.TrimSpace(p), "0x2C", ",")
	}
	return parts
}

// oneOfRE is validator's syntax for oneof values: words, or 'quoted words'.
var oneOfRE = regexp.MustCompile(`'[^']*'|\S+`)

func splitOneOf(param string) []string {
	vals := oneOfRE.FindAllString(param, -1)
	for i, v := range vals {
		vals[i] = strings.ReplaceAll(v, "'", "")
	}
	return vals
}

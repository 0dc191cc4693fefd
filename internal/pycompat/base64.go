package pycompat

// base64Value maps a byte to its value in the standard base64 alphabet, or 0xff.
var base64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// B64Decode is Python's base64.b64decode(s, validate=False) on a str
// (CPython binascii.a2b_base64, non-strict mode):
//
//   - a non-ASCII character fails (b64decode only accepts ASCII strings);
//   - other characters outside the standard alphabet are skipped;
//   - '=' before the third character of a group is skipped; padding that completes
//     a group ("xx==" or "xxx=", skipped characters allowed in between) ends the
//     input, and whatever follows is ignored;
//   - input that ends inside a group fails ("Incorrect padding").
func B64Decode(s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return nil, false
		}
	}
	out := make([]byte, 0, len(s)*3/4+1)
	var quad, pads int
	var left byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return out, true
				}
			}
			continue
		}
		v := base64Value[c]
		if v == 0xff {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			left = v
			quad = 1
		case 1:
			out = append(out, left<<2|v>>4)
			left = v & 0x0f
			quad = 2
		case 2:
			out = append(out, left<<4|v>>2)
			left = v & 0x03
			quad = 3
		case 3:
			out = append(out, left<<6|v)
			quad = 0
		}
	}
	if quad != 0 {
		return nil, false
	}
	return out, true
}

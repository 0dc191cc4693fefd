package wire

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"unsafe"

	"github.com/keelgo/keel"
)

// FormField is one value of a parsed form: a text value, or a file.
type FormField struct {
	Name  string
	Value string    // the text of a text field
	File  *FormFile // non-nil for a file
}

// FormFile is an uploaded file of a multipart form. Data shares the request
// body's memory: do not modify it.
type FormFile struct {
	Filename    string
	ContentType string // the part's first Content-Type header, "" when absent
	Header      textproto.MIMEHeader
	Data        []byte
}

// FormLimits bound what a form may hold. Starlette's limits
// (docs/fastapi-compat.md §4.5) are MaxFields, MaxFiles and MaxFieldSize;
// MaxFileSize and MaxMemory are Keel's own, since Keel keeps files in memory.
type FormLimits struct {
	MaxFields    int   // text fields (urlencoded pairs or multipart parts); Starlette: 1000
	MaxFiles     int   // multipart files; Starlette: 1000
	MaxFieldSize int   // bytes of one text field; Starlette: 1 MiB
	MaxFileSize  int64 // bytes of one file; <= 0: no limit
	MaxMemory    int64 // bytes of all multipart parts together; <= 0: no limit
}

// DefaultFormLimits are Starlette's defaults, with no limit of Keel's own.
func DefaultFormLimits() FormLimits {
	return FormLimits{MaxFields: 1000, MaxFiles: 1000, MaxFieldSize: 1 << 20}
}

// Messages of the errors a form parser returns.
const (
	DetailBodyParse    = "There was an error parsing the body"
	DetailBodyTooLarge = "Request body too large"
	DetailFileTooLarge = "File too large"
	DetailNoBoundary   = "Missing boundary in multipart."
	DetailNoName       = `The Content-Disposition header field "name" must be provided.`
)

func tooManyFields(n int) error {
	return keel.NewHTTPError(http.StatusBadRequest, "Too many fields. Maximum number of fields is "+strconv.Itoa(n)+".")
}

func tooManyFiles(n int) error {
	return keel.NewHTTPError(http.StatusBadRequest, "Too many files. Maximum number of files is "+strconv.Itoa(n)+".")
}

// kb is Python's int(n / 1024).
func kb(n int) string { return strconv.Itoa(n / 1024) }

func badBody() error { return keel.NewHTTPError(http.StatusBadRequest, DetailBodyParse) }

// FormKind tells how Starlette reads a request body as a form, from its
// Content-Type (see Options): "multipart/form-data",
// "application/x-www-form-urlencoded", or "" when the body provides no form
// fields at all.
func FormKind(contentType string) string {
	switch v, _ := Options(contentType); v {
	case "multipart/form-data", "application/x-www-form-urlencoded":
		return v
	}
	return ""
}

// ParseForm reads body as a form, the way Starlette does for FastAPI's Form
// and File parameters: urlencoded or multipart by FormKind, and no fields for
// any other Content-Type. Errors are *keel.HTTPError values with Starlette's
// messages (400), or Keel's own limits (413).
func ParseForm(body []byte, contentType string, lim FormLimits) ([]FormField, error) {
	switch FormKind(contentType) {
	case "application/x-www-form-urlencoded":
		return ParseURLEncoded(body, lim)
	case "multipart/form-data":
		return ParseMultipart(body, contentType, lim)
	}
	return nil, nil
}

// ParseURLEncoded reads an application/x-www-form-urlencoded body with the
// query string's rules (NextPair, Unquote) and Starlette's limits: a pair
// whose name and value together (as sent, '=' not counted) exceed
// MaxFieldSize gives 400 "Field exceeded maximum size of 1024KB.", and pair
// number MaxFields+1 gives 400 "Too many fields. Maximum number of fields is
// 1000.". Pairs are checked in order, the size of a pair before it is counted.
func ParseURLEncoded(body []byte, lim FormLimits) ([]FormField, error) {
	// Read in place: the values are copied out one by one, so a refused form
	// costs no copy of the body.
	s := unsafe.String(unsafe.SliceData(body), len(body))
	var out []FormField
	n := 0
	for k, v, rest, ok := NextPair(s); ok; k, v, rest, ok = NextPair(rest) {
		if lim.MaxFieldSize > 0 && len(k)+len(v) > lim.MaxFieldSize {
			return nil, keel.NewHTTPError(http.StatusBadRequest, "Field exceeded maximum size of "+kb(lim.MaxFieldSize)+"KB.")
		}
		n++
		if lim.MaxFields > 0 && n > lim.MaxFields {
			return nil, tooManyFields(lim.MaxFields)
		}
		if out == nil {
			out = make([]FormField, 0, 8)
		}
		out = append(out, FormField{Name: unquoteCopy(k), Value: unquoteCopy(v)})
	}
	return out, nil
}

// unquoteCopy is Unquote for a string that shares memory with a caller's
// byte slice: the result never does.
func unquoteCopy(s string) string {
	u := Unquote(s)
	if unsafe.StringData(u) == unsafe.StringData(s) {
		return strings.Clone(u)
	}
	return u
}

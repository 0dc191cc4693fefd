package wire

import (
	"bytes"
	"net/http"
	"net/textproto"
	"strings"
	"unicode/utf8"

	"github.com/keelgo/keel"
)

// python-multipart's limits on the headers of one part.
const (
	maxBoundary    = 256
	maxPartHeaders = 8
	maxHeaderLine  = 4096 + 128
)

// ParseMultipart reads a multipart/form-data body as Starlette does with
// python-multipart (docs/fastapi-compat.md §4.5), in one pass over the body:
//
//   - no boundary parameter: 400 "Missing boundary in multipart."; an empty
//     one ("boundary=") is the boundary "", so the delimiter line is "--";
//   - a body that starts with CR or LF skips to its first '-'; other preamble,
//     a malformed delimiter or part header, more than 8 headers in a part or a
//     header line over 4224 bytes: 400 "There was an error parsing the body";
//   - a part without a Content-Disposition name: 400 "The Content-Disposition
//     header field "name" must be provided."; the 1001st field or file, or a
//     text part over MaxFieldSize: Starlette's 400 messages;
//   - the body may end without the closing delimiter: every part followed by a
//     delimiter is kept, and a last part that was never closed is dropped
//     (its size still counts against the limits); anything after the closing
//     delimiter is ignored;
//   - text values, names and file names are read in the body's charset
//     parameter (UTF-8 by default), or as Latin-1 when they are not valid in
//     it, as Starlette does.
func ParseMultipart(body []byte, contentType string, lim FormLimits) ([]FormField, error) {
	_, params := Options(contentType)
	boundary, ok := params["boundary"]
	if !ok {
		return nil, keel.NewHTTPError(http.StatusBadRequest, DetailNoBoundary)
	}
	if len(boundary) > maxBoundary {
		return nil, badBody()
	}
	charset, ok := params["charset"]
	if !ok {
		charset = "utf-8"
	}
	p := &mpParser{b: body, delim: []byte("\r\n--" + boundary), lim: lim, utf8: isUTF8Codec(charset)}
	return p.run()
}

type mpParser struct {
	b       []byte
	delim   []byte // CRLF "--" boundary
	lim     FormLimits
	utf8    bool // the charset is UTF-8; else Latin-1
	out     []FormField
	fields  int
	files   int
	total   int64
	headers [][2]string // the current part's headers, names lowered
}

// mpPart is a part whose headers are read.
type mpPart struct {
	name     string
	filename string
	isFile   bool
}

func (p *mpParser) run() ([]FormField, error) {
	b := p.b
	i := 0
	if len(b) > 0 && (b[0] == '\r' || b[0] == '\n') {
		j := bytes.IndexByte(b, '-')
		if j < 0 {
			return p.out, nil
		}
		i = j
	}
	// The first delimiter line: "--" boundary, then CRLF, or "--" when the
	// form is empty.
	first := p.delim[2:]
	for k := range first {
		if i+k >= len(b) {
			return p.out, nil
		}
		if b[i+k] != first[k] {
			return nil, badBody()
		}
	}
	i += len(first)
	if i >= len(b) {
		return p.out, nil
	}
	switch b[i] {
	case '-':
		if i+1 < len(b) && b[i+1] != '-' {
			return nil, badBody()
		}
		return p.out, nil
	case '\r':
		if i+1 >= len(b) {
			return p.out, nil
		}
		if b[i+1] != '\n' {
			return nil, badBody()
		}
		i += 2
	default:
		return nil, badBody()
	}
	for {
		part, next, err := p.readHeaders(i)
		if err != nil || next < 0 {
			return p.result(err)
		}
		next, err = p.readData(part, next)
		if err != nil || next < 0 {
			return p.result(err)
		}
		i = next
	}
}

func (p *mpParser) result(err error) ([]FormField, error) {
	if err != nil {
		return nil, err
	}
	return p.out, nil
}

// readHeaders reads a part's header lines from i and applies Starlette's
// checks once they end. next is where the data starts, or -1 when the body
// ends first.
func (p *mpParser) readHeaders(i int) (part mpPart, next int, err error) {
	b := p.b
	p.headers = p.headers[:0]
	for count := 0; ; {
		if i >= len(b) {
			return part, -1, nil
		}
		if b[i] == '\r' { // the empty line
			if i+1 >= len(b) {
				return part, -1, nil
			}
			if b[i+1] != '\n' {
				return part, 0, badBody()
			}
			i += 2
			break
		}
		if count++; count > maxPartHeaders {
			return part, 0, badBody()
		}
		colon := bytes.IndexByte(b[i:], ':')
		if colon < 0 {
			if len(b)-i > maxHeaderLine || !isToken(b[i:]) {
				return part, 0, badBody()
			}
			return part, -1, nil
		}
		size := colon + 1
		if size > maxHeaderLine || !isToken(b[i:i+colon]) || colon == 0 {
			return part, 0, badBody()
		}
		name := b[i : i+colon]
		i += colon + 1
		for i < len(b) && b[i] == ' ' {
			if size++; size > maxHeaderLine {
				return part, 0, badBody()
			}
			i++
		}
		if i >= len(b) {
			return part, -1, nil
		}
		cr := bytes.IndexByte(b[i:], '\r')
		if cr < 0 {
			if size+len(b)-i > maxHeaderLine {
				return part, 0, badBody()
			}
			return part, -1, nil
		}
		if size+cr > maxHeaderLine {
			return part, 0, badBody()
		}
		p.headers = append(p.headers, [2]string{asciiLower(string(name)), string(b[i : i+cr])})
		i += cr + 1
		if i >= len(b) {
			return part, -1, nil
		}
		if b[i] != '\n' {
			return part, 0, badBody()
		}
		i++
	}
	// Starlette's on_headers_finished.
	disposition := ""
	for _, h := range p.headers {
		if h[0] == "content-disposition" {
			disposition = h[1] // the last one wins
		}
	}
	_, opts := Options(disposition)
	name, ok := opts["name"]
	if !ok {
		return part, 0, keel.NewHTTPError(http.StatusBadRequest, DetailNoName)
	}
	part.name = p.text([]byte(name))
	if fn, ok := opts["filename"]; ok {
		if p.files++; p.lim.MaxFiles > 0 && p.files > p.lim.MaxFiles {
			return part, 0, tooManyFiles(p.lim.MaxFiles)
		}
		part.isFile, part.filename = true, p.text([]byte(fn))
	} else if p.fields++; p.lim.MaxFields > 0 && p.fields > p.lim.MaxFields {
		return part, 0, tooManyFields(p.lim.MaxFields)
	}
	return part, i, nil
}

// readData reads a part's data from i up to the next delimiter and keeps the
// part. next is where the following part's headers start, or -1 at the end
// of the form (closing delimiter, or end of body).
func (p *mpParser) readData(part mpPart, i int) (next int, err error) {
	b, d := p.b, p.delim
	for from := i; ; {
		k := bytes.Index(b[from:], d)
		if k < 0 {
			// The body ends inside the part: its data, without a trailing
			// beginning of a delimiter, counts against the limits, and the
			// part is dropped.
			end := len(b)
			if cr := bytes.LastIndexByte(b[max(from, len(b)-len(d)+1):], '\r'); cr >= 0 {
				cr += max(from, len(b)-len(d)+1)
				if bytes.HasPrefix(d, b[cr:]) {
					end = cr
				}
			}
			return -1, p.check(part, end-i)
		}
		at := from + k
		q := at + len(d)
		if q >= len(b) {
			return -1, p.check(part, at-i) // the body ends right after the delimiter
		}
		if c := b[q]; c == '\r' || c == '-' {
			if q+1 >= len(b) {
				return -1, p.check(part, at-i)
			}
			switch {
			case c == '\r' && b[q+1] == '\n':
				return q + 2, p.keep(part, b[i:at])
			case c == '-' && b[q+1] == '-':
				return -1, p.keep(part, b[i:at])
			}
			from = q + 1 // not a delimiter after all: look again from the byte that failed
			continue
		}
		from = q
	}
}

// check applies the size limits to n bytes of a part's data.
func (p *mpParser) check(part mpPart, n int) error {
	switch {
	case !part.isFile && p.lim.MaxFieldSize > 0 && n > p.lim.MaxFieldSize:
		return keel.NewHTTPError(http.StatusBadRequest, "Part exceeded maximum size of "+kb(p.lim.MaxFieldSize)+"KB.")
	case part.isFile && p.lim.MaxFileSize > 0 && int64(n) > p.lim.MaxFileSize:
		return keel.NewHTTPError(http.StatusRequestEntityTooLarge, DetailFileTooLarge)
	case p.lim.MaxMemory > 0 && p.total+int64(n) > p.lim.MaxMemory:
		return keel.NewHTTPError(http.StatusRequestEntityTooLarge, DetailBodyTooLarge)
	}
	return nil
}

// keep adds a complete part to the form.
func (p *mpParser) keep(part mpPart, data []byte) error {
	if err := p.check(part, len(data)); err != nil {
		return err
	}
	p.total += int64(len(data))
	f := FormField{Name: part.name}
	if !part.isFile {
		f.Value = p.text(data)
		p.out = append(p.out, f)
		return nil
	}
	h := make(textproto.MIMEHeader, len(p.headers))
	ct, hasCT := "", false
	for _, kv := range p.headers {
		k := textproto.CanonicalMIMEHeaderKey(kv[0])
		h[k] = append(h[k], kv[1])
		if kv[0] == "content-type" && !hasCT {
			ct, hasCT = kv[1], true
		}
	}
	f.File = &FormFile{Filename: part.filename, ContentType: ct, Header: h, Data: data[:len(data):len(data)]}
	p.out = append(p.out, f)
	return nil
}

// text decodes bytes of the body in its charset: UTF-8 when valid, else
// Latin-1 (Starlette's _user_safe_decode).
func (p *mpParser) text(b []byte) string {
	if p.utf8 && utf8.Valid(b) {
		return string(b)
	}
	return Latin1(b)
}

// isUTF8Codec reports whether Python's codec registry resolves name to
// UTF-8. Any other name is read as Latin-1: Latin-1 and ASCII decode to the
// same text as Latin-1 whenever the fallback applies, and an unknown name
// falls back to Latin-1 in Starlette too. (Other codecs Python knows, such as
// cp1252, are read as Latin-1 by Keel.)
func isUTF8Codec(name string) bool {
	// Python's encodings.normalize_encoding, then lower case.
	var b strings.Builder
	punct := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '.' {
			if punct && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteByte(c)
			punct = false
		} else {
			punct = true
		}
	}
	switch b.String() {
	case "utf_8", "utf8", "u8", "utf", "utf8_ucs2", "utf8_ucs4", "cp65001":
		return true
	}
	return false
}

// isToken reports whether b holds only RFC 9110 token characters.
func isToken(b []byte) bool {
	for _, c := range b {
		if !isTokenChar(c) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

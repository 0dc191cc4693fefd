package wire

import (
	"strings"
)

// This file writes the header values of the responses that are not JSON, with
// Starlette's rules: a redirect's Location and a file's Content-Disposition.

// RedirectLocation is the Location header of a redirect to url, quoted as
// Starlette's RedirectResponse quotes it: every byte outside the unreserved
// characters and :/%#?=@[]!$&'()*+,; is percent-encoded, so a space or a
// line break can never reach the header as such.
func RedirectLocation(url string) string {
	var b strings.Builder
	b.Grow(len(url))
	quote(&b, url, safeQuery)
	return b.String()
}

// ContentDisposition is the Content-Disposition header of a file named name,
// "attachment" or "inline" (disposition), as Starlette's FileResponse writes
// it: filename="<name>" when the name needs no quoting, else
// filename*=utf-8”<percent-encoded name> (RFC 6266, RFC 8187). Only the
// name's last path element counts ("../../etc/passwd" is "passwd"); a name
// that is then empty, "." or ".." gives the disposition alone.
func ContentDisposition(disposition, name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if name == "" || name == "." || name == ".." {
		return disposition
	}
	var b strings.Builder
	quote(&b, name, "/")
	if q := b.String(); q != name {
		return disposition + "; filename*=utf-8''" + q
	}
	return disposition + `; filename="` + name + `"`
}

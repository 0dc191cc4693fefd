package params

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/textproto"

	"github.com/keelgo/keel/internal/wire"
)

// File is an uploaded file from a multipart/form-data body, held in memory
// (at most the App's file size limit, router.WithMaxFileSize), so no temporary files are ever
// created. Declare a field of type File (required), *File (optional), []File
// or []*File (several), or []byte for the contents only.
type File struct {
	Filename    string               // the client's file name, as sent
	ContentType string               // the part's Content-Type, "" when absent
	Header      textproto.MIMEHeader // all headers of the part
	Size        int64                // length of the contents in bytes
	data        []byte
}

// NewFile returns a File with the given contents, for tests and dependency
// overrides.
func NewFile(filename, contentType string, data []byte) File {
	return File{Filename: filename, ContentType: contentType, Size: int64(len(data)), data: data}
}

// Bytes returns the contents. They are shared: do not modify them.
func (f *File) Bytes() []byte { return f.data }

// Open returns a reader over the contents (Close does nothing).
func (f *File) Open() (multipart.File, error) {
	return memFile{bytes.NewReader(f.data)}, nil
}

type memFile struct{ *bytes.Reader }

func (memFile) Close() error { return nil }

// Cookie returns the value of the cookie name as FastAPI (Starlette) reads it:
// ';'-separated chunks split at the first '=', trimmed, quotes and backslash
// escapes removed, the last occurrence winning. Keel's `cookie` fields and the
// APIKeyCookie scheme both read cookies this way.
func Cookie(r *http.Request, name string) (string, bool) {
	return wire.Cookie(r, name)
}

package bind

import (
	"errors"
	"net/http"
	"unsafe"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/wire"
	"github.com/keelgo/keel/params"
)

// formEntry is one form value: text, or a file.
type formEntry struct {
	value string
	file  *params.File
}

// formData is a parsed form, values in arrival order per key.
type formData struct {
	entries map[string][]formEntry
}

func (fd *formData) get(name string) []formEntry {
	if fd == nil {
		return nil
	}
	return fd.entries[name]
}

// formValue parses the body as a form once, with Starlette's rules and
// limits (wire.ParseForm): urlencoded or multipart by Content-Type, and an
// empty form for any other type ("JSON bodies simply provide no fields",
// docs/fastapi-compat.md §4.5).
func (b *Body) formValue(maxMemory, maxFile int64) (*formData, error) {
	if b == nil {
		return nil, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.formDone {
		b.formDone = true
		b.form, b.formErr = parseForm(b.data, b.contentType, maxMemory, maxFile)
	}
	return b.form, b.formErr
}

func parseForm(data []byte, contentType string, maxMemory, maxFile int64) (*formData, error) {
	lim := wire.DefaultFormLimits()
	lim.MaxMemory, lim.MaxFileSize = maxMemory, maxFile
	fields, err := wire.ParseForm(data, contentType, lim)
	if err != nil {
		return nil, err
	}
	fd := &formData{entries: make(map[string][]formEntry, len(fields))}
	for _, f := range fields {
		e := formEntry{value: f.Value}
		if ff := f.File; ff != nil {
			f := params.NewFile(ff.Filename, ff.ContentType, ff.Data)
			f.Header = ff.Header
			e.file = &f
		}
		fd.entries[f.Name] = append(fd.entries[f.Name], e)
	}
	return fd, nil
}

// bindForm binds form and file fields; errors are located under "body".
func (b *Binder) bindForm(body *Body, base unsafe.Pointer, errs *[]keel.ErrorDetail) error {
	fd, err := body.formValue(b.c.opts.MaxMemory, b.c.opts.MaxFileSize)
	if err != nil {
		var he *keel.HTTPError
		if errors.As(err, &he) {
			return he
		}
		return keel.NewHTTPError(http.StatusBadRequest, DetailBodyParse)
	}
	for _, bd := range b.form {
		ents := fd.get(bd.name)
		if bd.loc == params.InFile {
			bd.bindFile(base, ents, errs)
			continue
		}
		if bd.mode == modeSlice {
			if len(ents) == 0 {
				bd.missing(base, errs)
				continue
			}
			vals := make([]string, len(ents))
			for i, e := range ents {
				vals[i] = e.value
				if e.file != nil {
					vals[i] = e.file.Filename
				}
			}
			bd.bindSlice(base, vals, errs)
			continue
		}
		if len(ents) == 0 {
			bd.missing(base, errs)
			continue
		}
		last := ents[len(ents)-1]
		if last.file != nil {
			*errs = append(*errs, detail(fail("string_type", msgStringType), []any{"body", bd.name}, last.file.Filename))
			continue
		}
		if last.value == "" { // an empty form value is missing (docs/fastapi-compat.md §4.2)
			bd.missing(base, errs)
			continue
		}
		bd.bindOne(base, last.value, errs)
	}
	return nil
}

// notAFile is FastAPI's error for a text value where a file is expected.
func notAFile() *failure {
	return valueError("Expected UploadFile, received: <class 'str'>")
}

func (bd *binding) bindFile(base unsafe.Pointer, ents []formEntry, errs *[]keel.ErrorDetail) {
	p := fieldPtr(base, bd.offset)
	missing := func() {
		if bd.required {
			*errs = append(*errs, missingDetail([]any{"body", bd.name}, nil))
			return
		}
		switch bd.mode {
		case modeFilePtr:
			*(**params.File)(p) = nil
		case modeFileSlice:
			*(*[]params.File)(p) = nil
		case modeFilePtrSlice:
			*(*[]*params.File)(p) = nil
		case modeFileBytesPtr:
			*(**[]byte)(p) = nil
		case modeFileBytesSlice:
			*(*[][]byte)(p) = nil
		}
	}
	switch bd.mode {
	case modeFile, modeFilePtr, modeFileBytes, modeFileBytesPtr:
		if len(ents) == 0 {
			missing()
			return
		}
		last := ents[len(ents)-1]
		if last.file == nil {
			if last.value == "" {
				missing()
				return
			}
			*errs = append(*errs, detail(notAFile(), []any{"body", bd.name}, last.value))
			return
		}
		switch bd.mode {
		case modeFile:
			*(*params.File)(p) = *last.file
		case modeFilePtr:
			*(**params.File)(p) = last.file
		case modeFileBytesPtr:
			data := last.file.Bytes()
			*(**[]byte)(p) = &data
		default:
			*(*[]byte)(p) = last.file.Bytes()
		}
	default:
		if len(ents) == 0 {
			missing()
			return
		}
		if bd.maxItems >= 0 && len(ents) > bd.maxItems {
			*errs = append(*errs, detail(lengthFailure(false, bd.maxItems, len(ents)), []any{"body", bd.name}, fileInputs(ents)))
			return
		}
		n := len(*errs)
		files := make([]*params.File, len(ents))
		for i, e := range ents {
			if e.file == nil {
				*errs = append(*errs, detail(notAFile(), []any{"body", bd.name, i}, e.value))
				continue
			}
			files[i] = e.file
		}
		if len(*errs) > n {
			return
		}
		if bd.minItems >= 0 && len(ents) < bd.minItems {
			*errs = append(*errs, detail(lengthFailure(true, bd.minItems, len(ents)), []any{"body", bd.name}, fileInputs(ents)))
			return
		}
		switch bd.mode {
		case modeFilePtrSlice:
			*(*[]*params.File)(p) = files
			return
		case modeFileBytesSlice:
			contents := make([][]byte, len(files))
			for i, f := range files {
				contents[i] = f.Bytes()
			}
			*(*[][]byte)(p) = contents
			return
		}
		vals := make([]params.File, len(files))
		for i, f := range files {
			vals[i] = *f
		}
		*(*[]params.File)(p) = vals
	}
}

// fileInputs renders form entries as error inputs (file names for files).
func fileInputs(ents []formEntry) []any {
	out := make([]any, len(ents))
	for i, e := range ents {
		if e.file != nil {
			out[i] = e.file.Filename
		} else {
			out[i] = e.value
		}
	}
	return out
}

// Package pycompat is the Python that shows through Keel's answers, in one
// place (docs/fastapi-compat.md §7.1): FastAPI's wire behaviour is partly
// Python's, and a port must answer byte for byte. It holds the json module's
// reader (CheckJSON: grammar, error messages and character offsets;
// JSONText: json.detect_encoding) and writer (Dumps: json.dumps's
// separators and escapes), the str methods that reach the wire (Title, Strip,
// StripLatin1, Split, Repr) and base64.b64decode's lenient decoding
// (B64Decode).
//
// It imports nothing of Keel's; internal/bind, internal/wire, security,
// openapi and router use it.
package pycompat

// Package wire reads the elements of an HTTP request the way FastAPI (Starlette
// and python-multipart) reads them: the query string, headers, cookies,
// urlencoded and multipart forms, and the request path. Every part of Keel that
// reads one of these elements goes through this package, so that the parameter
// binder, the security schemes, the documentation pages and the router can
// never disagree about what a request says (docs/fastapi-compat.md §4.2).
//
// The rules, in short:
//
//   - Query strings and urlencoded bodies are split on '&' only; empty pairs
//     are skipped; a pair splits at its first '='; a pair without '=' has the
//     value ""; '+' is a space; %XX escapes are decoded and malformed ones are
//     kept as written; the decoded bytes are read as UTF-8 with Python's
//     replacement rule (Text). A scalar takes the last value of its key.
//   - Headers: the first value of a case-insensitive name; Host and
//     Transfer-Encoding are read back from where net/http moves them.
//   - Cookies: every Cookie header, split on ';', each chunk split at its first
//     '=', trimmed, double quotes and backslash escapes removed; the last
//     cookie of a name wins.
//   - Forms: Starlette's limits (1000 fields, 1000 files, 1 MiB per field) and
//     python-multipart's lenient multipart grammar.
//   - Paths: the percent-decoded path, read as UTF-8 with the replacement rule.
//
// Every reader costs time linear in its input and allocates at most a small
// multiple of it.
package wire

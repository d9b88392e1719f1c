package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"renkei/internal/crm"
)

// decodeJSON reads a JSON object into dst. Unknown fields, wrong types,
// trailing data and bodies that are not JSON are 400s that say what is
// wrong; an over-long body is a 413. An empty body is accepted only when
// optional is set (dst then keeps its zero value).
func decodeJSON(r *http.Request, dst any, optional bool) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errTooLarge
		}
		return problemf(http.StatusBadRequest, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return problemf(http.StatusBadRequest, "The request body is empty; send a JSON object.")
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return problemf(http.StatusUnsupportedMediaType, "Send the body as JSON with the header Content-Type: application/json.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err)
	}
	if err := dec.Decode(&json.RawMessage{}); err != io.EOF {
		return problemf(http.StatusBadRequest, "The body must hold one JSON object and nothing after it.")
	}
	return nil
}

// jsonProblem explains why a body could not be decoded.
func jsonProblem(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return problemf(http.StatusBadRequest, "The body is not valid JSON: %s (at byte %d).", syntax.Error(), syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return problemf(http.StatusBadRequest, "The body is not valid JSON: it ends too early.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return problemf(http.StatusBadRequest, "The body must be a JSON object, not %s.", article(typ.Value))
		}
		msg := fmt.Sprintf("must be %s, not %s", jsonKind(typ.Type), article(typ.Value))
		p := badField(typ.Field, msg)
		p.Detail = fmt.Sprintf("The field %q %s.", typ.Field, msg)
		return p
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		p := badField(name, "is not a known field")
		p.Detail = fmt.Sprintf("The field %q is not accepted here; the OpenAPI document lists the fields.", name)
		return p
	}
	return problemf(http.StatusBadRequest, "The body could not be read as JSON.")
}

// jsonKind names the JSON type that a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// article turns the decoder's value kind ("number", "array", "number 4.5")
// into a phrase.
func article(v string) string {
	switch {
	case v == "":
		return "this value"
	case strings.HasPrefix(v, "a"), strings.HasPrefix(v, "o"):
		return "an " + v
	}
	return "a " + v
}

// ifMatch returns the version named by the If-Match header, which PATCH
// and PUT require: 428 when it is missing, 400 when it is not an ETag.
func ifMatch(r *http.Request) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, problemf(http.StatusPreconditionRequired,
			`Send If-Match with the ETag from your last read of this record, for example If-Match: "3".`)
	}
	v, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || v < 0 || strings.Count(h, `"`)%2 != 0 {
		return 0, badField("If-Match", `must be the record's ETag, such as "3"`)
	}
	return v, nil
}

// pathID reads a numeric id from the path; anything else cannot name a
// record, so it is a 404.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, crm.ErrNotFound
	}
	return id, nil
}

// Page sizes.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// pageQuery is ?limit= and ?cursor= of a list request; after is the decoded
// cursor (the id of the last record of the previous page), 0 for the start.
type pageQuery struct {
	limit int
	after int64
}

func parsePage(r *http.Request) (pageQuery, error) {
	p := pageQuery{}
	var err error
	if p.limit, err = parseLimit(r); err != nil {
		return p, err
	}
	if s := r.URL.Query().Get("cursor"); s != "" {
		parts, ok := decodeCursor(s, 1)
		if !ok || parts[0] <= 0 {
			return p, errBadCursor
		}
		p.after = parts[0]
	}
	return p, nil
}

// parseLimit reads ?limit= (default 50, 1 to 200).
func parseLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return 0, badField("limit", fmt.Sprintf("must be a whole number from 1 to %d", maxLimit))
	}
	return n, nil
}

var errBadCursor = badField("cursor", "is not a next_cursor from a previous response")

// encodeCursor makes an opaque cursor of numbers (an id, or a time and an
// id): base64url of the numbers joined by dots.
func encodeCursor(parts ...int64) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = strconv.FormatInt(p, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(s, ".")))
}

// decodeCursor reads a cursor of n numbers made by encodeCursor.
func decodeCursor(s string, n int) ([]int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	fields := strings.Split(string(b), ".")
	if len(fields) != n {
		return nil, false
	}
	out := make([]int64, n)
	for i, f := range fields {
		if out[i], err = strconv.ParseInt(f, 10, 64); err != nil {
			return nil, false
		}
	}
	return out, true
}

// list is the envelope of every list response.
type list[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// newList builds a page from up to limit+1 records (the extra one only says
// that there is more): next_cursor names the last record shown.
func newList[T any](items []T, limit int, id func(T) int64) list[T] {
	return pageOf(items, limit, func(x T) string { return encodeCursor(id(x)) })
}

// pageOf is newList with any cursor.
func pageOf[T any](items []T, limit int, cursor func(T) string) list[T] {
	l := list[T]{Data: items}
	if len(items) > limit {
		l.Data = items[:limit]
		c := cursor(items[limit-1])
		l.NextCursor = &c
	}
	if l.Data == nil {
		l.Data = []T{}
	}
	return l
}

// queryInt64 reads an optional positive integer query parameter.
func queryInt64(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, badField(name, "must be a positive whole number")
	}
	return n, nil
}

// queryBool reads an optional true/false query parameter.
func queryBool(r *http.Request, name string) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, badField(name, "must be true or false")
	}
	return b, nil
}

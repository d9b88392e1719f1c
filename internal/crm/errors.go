// Package crm is the domain of Renkei: its types, identifiers, enums,
// validation, errors and pure rules. It does no I/O.
package crm

import (
	"errors"
	"sort"
	"strings"
)

// Sentinel errors returned by the application layer. The web and api
// packages map each to an HTTP status in one place.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrForbidden    = errors.New("forbidden")
	ErrUnauthorized = errors.New("not signed in")
	// ErrStale means the caller's version of a record is older than the stored one.
	ErrStale = errors.New("the record was changed by someone else; reload and try again")
	// ErrThrottled means too many attempts; the caller should wait.
	ErrThrottled = errors.New("too many attempts; wait a moment and try again")
)

// ValidationError carries one human-readable message per invalid field.
// Field names are the snake_case names used by forms and the API.
type ValidationError struct {
	Fields map[string]string
}

// Add records a message for a field, keeping the first message per field.
func (v *ValidationError) Add(field, msg string) {
	if v.Fields == nil {
		v.Fields = make(map[string]string)
	}
	if _, ok := v.Fields[field]; !ok {
		v.Fields[field] = msg
	}
}

// Err returns v when it holds at least one message and nil otherwise, so that
// a validation function can end with `return v.Err()`.
func (v *ValidationError) Err() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

// Error lists the messages in field order.
func (v *ValidationError) Error() string {
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + v.Fields[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Invalid returns a ValidationError with a single field message.
func Invalid(field, msg string) error {
	v := &ValidationError{}
	v.Add(field, msg)
	return v
}

// AsValidation reports whether err is a ValidationError and returns it.
func AsValidation(err error) (*ValidationError, bool) {
	var v *ValidationError
	ok := errors.As(err, &v)
	return v, ok
}

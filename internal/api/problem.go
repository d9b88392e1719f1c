package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"renkei/internal/crm"
)

// problem is an RFC 9457 problem document. Type is always "about:blank":
// the status says what kind of problem it is, detail says what to do, and
// errors lists per-field messages (400 for input that cannot be read, 422
// for values that are not valid).
type problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail"`
	Errors []fieldError `json:"errors,omitempty"`
}

// fieldError is one invalid field; Field is its snake_case JSON name (or the
// query parameter or header name).
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *problem) Error() string { return fmt.Sprintf("%d %s", p.Status, p.Detail) }

// problemf builds a problem with a formatted detail.
func problemf(status int, format string, args ...any) *problem {
	return &problem{Status: status, Detail: fmt.Sprintf(format, args...)}
}

// badField is a 400 about one field, parameter or header.
func badField(field, msg string) *problem {
	return &problem{Status: http.StatusBadRequest, Detail: "The request is malformed: " + field + " " + msg + ".",
		Errors: []fieldError{{Field: field, Message: msg}}}
}

var errTooLarge = problemf(http.StatusRequestEntityTooLarge, "The request body is larger than 1 MiB.")

// toProblem is the one place where errors become HTTP statuses. Domain
// errors get a fixed detail, never the error text, which may carry
// database internals; anything unknown is a 500.
func toProblem(err error) problem {
	var p *problem
	if errors.As(err, &p) {
		return *p
	}
	if v, ok := crm.AsValidation(err); ok {
		out := problem{Status: http.StatusUnprocessableEntity,
			Detail: "Some fields are not valid; see errors for each field."}
		for f, m := range v.Fields {
			out.Errors = append(out.Errors, fieldError{Field: f, Message: m})
		}
		sort.Slice(out.Errors, func(i, j int) bool { return out.Errors[i].Field < out.Errors[j].Field })
		return out
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return *errTooLarge
	case errors.Is(err, crm.ErrNotFound):
		return problem{Status: http.StatusNotFound, Detail: "The record does not exist, or it is not visible to you."}
	case errors.Is(err, crm.ErrUnauthorized):
		return problem{Status: http.StatusUnauthorized,
			Detail: "Sign in, or send a valid API token: Authorization: Bearer rk_…"}
	case errors.Is(err, crm.ErrForbidden):
		return problem{Status: http.StatusForbidden, Detail: "Your role does not allow this."}
	case errors.Is(err, crm.ErrConflict):
		return problem{Status: http.StatusConflict, Detail: "This conflicts with an existing record."}
	case errors.Is(err, crm.ErrStale):
		return problem{Status: http.StatusPreconditionFailed,
			Detail: "The record was changed since you read it (If-Match does not match its current ETag); read it again and retry."}
	case errors.Is(err, crm.ErrThrottled):
		return problem{Status: http.StatusTooManyRequests, Detail: "Too many attempts; wait a moment and try again."}
	}
	return problem{Status: http.StatusInternalServerError,
		Detail: "Something went wrong on the server. It has been logged; try again later."}
}

// writeError answers with the problem document for err. Server errors are
// logged with the real cause, which the client never sees.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := toProblem(err)
	if p.Status >= 500 {
		s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	p.Type = "about:blank"
	p.Title = http.StatusText(p.Status)
	h := w.Header()
	h.Del("ETag")
	switch p.Status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="renkei"`)
	case http.StatusTooManyRequests:
		h.Set("Retry-After", "60")
	}
	h.Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	b, _ := json.Marshal(p)
	w.Write(append(b, '\n'))
}

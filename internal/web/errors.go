package web

import (
	"errors"
	"net/http"
	"net/url"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// statusOf maps an error to its HTTP status. It is the only place in the
// UI where that happens.
func statusOf(err error) int {
	if _, ok := crm.AsValidation(err); ok {
		return http.StatusUnprocessableEntity
	}
	switch {
	case errors.Is(err, app.ErrBadLogin):
		return http.StatusUnprocessableEntity
	case errors.Is(err, crm.ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, crm.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, crm.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, crm.ErrStale), errors.Is(err, crm.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, crm.ErrThrottled):
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// formFailure is returned by a handler whose form should be shown again
// (with the error messages) when the error is the user's to fix: invalid
// input, a stale version, too many attempts.
type formFailure struct {
	err  error
	name string // the page template
	p    *page  // the page data, with the submitted form
}

func (f *formFailure) Error() string { return f.err.Error() }
func (f *formFailure) Unwrap() error { return f.err }

// again wraps err so that fail shows page name with p again.
func again(err error, name string, p *page) error {
	if err == nil {
		return nil
	}
	return &formFailure{err: err, name: name, p: p}
}

// fail renders an error: the form again with its messages for errors the
// user can fix, the sign-in page for a missing session, and an error page
// for the rest.
func (s *server) fail(w http.ResponseWriter, r *http.Request, rq *req, err error) {
	code := statusOf(err)
	switch code {
	case http.StatusUnauthorized:
		if r.Header.Get("HX-Request") == "true" {
			w.Header().Set("HX-Redirect", "/login")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		// After signing in, come back to the page; for a form post, to
		// the page the form was on.
		next := r.URL.RequestURI()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next = "/"
			if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
				next = localPath(ref.RequestURI(), "/")
			}
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	case http.StatusInternalServerError:
		s.log.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var ff *formFailure
	if errors.As(err, &ff) && ff.p != nil && ff.p.Form != nil &&
		(code == http.StatusUnprocessableEntity || code == http.StatusConflict || code == http.StatusTooManyRequests) {
		f := ff.p.Form
		switch code {
		case http.StatusUnprocessableEntity:
			if v, ok := crm.AsValidation(err); ok {
				f.Alert = i18n.T(rq.lang, "form.invalid")
				for field, msg := range v.Fields {
					if field == "" { // about the whole form
						f.Alert = i18n.Error(rq.lang, msg)
						continue
					}
					f.setError(field, i18n.Error(rq.lang, msg))
				}
			} else {
				f.Alert = i18n.T(rq.lang, "login.bad")
			}
		case http.StatusConflict:
			f.Alert = i18n.T(rq.lang, "form.stale")
			f.Stale = true
		case http.StatusTooManyRequests:
			f.Alert = i18n.T(rq.lang, "form.throttled")
		}
		s.render(w, r, rq, code, ff.name, ff.p)
		return
	}
	s.renderError(w, r, rq, code)
}

// renderError shows the error page for a status.
func (s *server) renderError(w http.ResponseWriter, r *http.Request, rq *req, code int) {
	title, text := "error.internal.title", "error.internal.text"
	switch code {
	case http.StatusForbidden:
		title, text = "error.forbidden.title", "error.forbidden.text"
	case http.StatusNotFound:
		title, text = "error.not_found.title", "error.not_found.text"
	case http.StatusConflict:
		title, text = "error.conflict.title", "error.conflict.text"
	case http.StatusTooManyRequests:
		title, text = "error.throttled.title", "error.throttled.text"
	case http.StatusUnprocessableEntity:
		title, text = "error.invalid.title", "error.invalid.text"
	}
	p := s.newPage(w, r, rq, title)
	p.Data = errorData{Code: code, Title: p.Title, Text: i18n.T(rq.lang, text)}
	p.HideHeader = true
	s.render(w, r, rq, code, "error", p)
}

// errorData is the content of the error page.
type errorData struct {
	Code        int
	Title, Text string
}

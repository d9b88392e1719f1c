package web

import (
	"net/http"
	"strconv"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// tokensData is the content of the API tokens page.
type tokensData struct {
	Tokens []store.APIToken
	All    bool // the list shows everyone's tokens (admins)
	// Created and Secret are set right after a token was made; the
	// secret is shown this once.
	Created store.APIToken
	Secret  string
}

func (s *server) tokensPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, *tokensData, error) {
	p := s.newPage(w, r, rq, "settings.tokens")
	p.Section, p.Sub = "settings", "tokens"
	p.Form = newForm()
	d := &tokensData{All: rq.actor.Can(crm.PermManageUsers)}
	var err error
	if d.Tokens, err = s.app.APITokens(r.Context(), rq.actor, d.All); err != nil {
		return nil, nil, err
	}
	p.Data = d
	return p, d, nil
}

func (s *server) tokensPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.tokensPageData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "tokens", p)
	return nil
}

func (s *server) tokenCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, _, err := s.tokensPageData(w, r, rq)
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	t, secret, err := s.app.CreateAPIToken(r.Context(), rq.actor, p.Form.Get("name"))
	if err != nil {
		return again(err, "tokens", p)
	}
	p, d, err := s.tokensPageData(w, r, rq)
	if err != nil {
		return err
	}
	d.Created, d.Secret = t, secret
	s.render(w, r, rq, http.StatusOK, "tokens", p)
	return nil
}

func (s *server) tokenRevoke(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.RevokeAPIToken(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/settings/tokens", "flash.token_revoked")
}

// auditPageSize is how many entries one page of the audit log shows.
const auditPageSize = 50

// auditActions are the prefixes the audit log can be filtered by.
func auditActions() []string {
	return []string{"login", "logout", "password", "totp", "invite", "user", "team", "token", "settings", "setup",
		"contact", "company", "person", "property", "import"}
}

// auditData is the content of the audit log page.
type auditData struct {
	Entries []store.AuditEntry
	Action  string   // the filter
	Actions []string // the filter's choices
	Before  int64    // the cursor of this page (0 = newest)
	Next    int64    // the cursor of the next (older) page, 0 = none
}

func (s *server) auditPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := r.URL.Query()
	d := auditData{Action: q.Get("action"), Actions: auditActions()}
	valid := d.Action == ""
	for _, a := range auditActions() {
		valid = valid || a == d.Action
	}
	if !valid {
		d.Action = ""
	}
	d.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	entries, err := s.app.AuditLog(r.Context(), rq.actor, store.AuditFilter{Action: d.Action, BeforeID: d.Before, Limit: auditPageSize + 1})
	if err != nil {
		return err
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		d.Next = entries[len(entries)-1].ID
	}
	d.Entries = entries
	p := s.newPage(w, r, rq, "settings.audit")
	p.Section, p.Sub = "settings", "audit"
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "audit", p)
	return nil
}

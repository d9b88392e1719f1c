package web

import (
	"net/http"

	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

func (s *server) static(w http.ResponseWriter, r *http.Request, rq *req) error {
	s.assets.Handler().ServeHTTP(w, r)
	return nil
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request, rq *req) error {
	return crm.ErrNotFound
}

// step is one card of the getting-started list on the home page.
type step struct {
	Icon, Title, Text, Href, Action string
	Done                            bool
}

// homeData is the content of the home page.
type homeData struct {
	Steps []step
	Done  int // steps done
}

func (s *server) homePage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	p := s.newPage(w, r, rq, "home.title")
	p.Section = "home"
	p.Title = i18n.T(rq.lang, "home.welcome", rq.actor.User.Name)
	lang := rq.lang
	mk := func(key, icon, href string, done bool) step {
		return step{Icon: icon, Href: href, Done: done,
			Title:  i18n.T(lang, "home.step."+key+".title"),
			Text:   i18n.T(lang, "home.step."+key+".text"),
			Action: i18n.T(lang, "home.step."+key+".action")}
	}
	var d homeData
	if rq.actor.Can(crm.PermSettings) {
		ws, err := s.workspace(ctx, rq)
		if err != nil {
			return err
		}
		d.Steps = append(d.Steps, mk("workspace", "ti-building", "/settings/workspace", ws.CompanyName != ""))
		srv, _, err := s.app.SMTPSettings(ctx, rq.actor)
		if err != nil {
			return err
		}
		d.Steps = append(d.Steps, mk("mail", "ti-mail", "/settings/mail", srv.Configured()))
	}
	if rq.actor.Can(crm.PermManageUsers) {
		users, err := s.app.ListUsers(ctx, rq.actor, store.UserFilter{Limit: 2})
		if err != nil {
			return err
		}
		d.Steps = append(d.Steps, mk("invite", "ti-user-plus", "/settings/users", len(users) > 1))
		teams, err := s.app.Teams(ctx, rq.actor)
		if err != nil {
			return err
		}
		d.Steps = append(d.Steps, mk("teams", "ti-users-group", "/settings/teams", len(teams) > 0))
	}
	d.Steps = append(d.Steps, mk("totp", "ti-shield-lock", "/profile#totp", rq.actor.User.TOTPEnabled))
	for _, st := range d.Steps {
		if st.Done {
			d.Done++
		}
	}
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "home", p)
	return nil
}

// sectionData is the content of the Marketing, Sales and Reports pages
// while they have no records yet.
type sectionData struct {
	Name string // marketing, sales, reports
	// Stages are the default sales pipeline stages (sales page only).
	Stages []string
}

func (s *server) sectionPage(w http.ResponseWriter, r *http.Request, rq *req, name string) error {
	p := s.newPage(w, r, rq, "nav."+name)
	p.Section = name
	d := sectionData{Name: name}
	if name == "sales" {
		for _, k := range []string{"approach", "discovery", "proposal", "negotiation", "won", "after_follow"} {
			d.Stages = append(d.Stages, i18n.T(rq.lang, "stage."+k))
		}
	}
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "section", p)
	return nil
}

func (s *server) marketingPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.sectionPage(w, r, rq, "marketing")
}

func (s *server) salesPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.sectionPage(w, r, rq, "sales")
}

func (s *server) reportsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.sectionPage(w, r, rq, "reports")
}

// settingsIndex opens the first settings page the user may use.
func (s *server) settingsIndex(w http.ResponseWriter, r *http.Request, rq *req) error {
	to := "/settings/tokens"
	if rq.actor.Can(crm.PermSettings) {
		to = "/settings/workspace"
	} else if rq.actor.Can(crm.PermManageUsers) {
		to = "/settings/users"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

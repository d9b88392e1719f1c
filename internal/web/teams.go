package web

import (
	"net/http"
	"strconv"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// teamsData is the content of the teams page.
type teamsData struct {
	Rows  []teamRow
	Users []crm.User // who can be added to a team
	// Posted is "create" when the new-team form was sent.
	Posted string
}

// teamRow is one team with its own rename and add-member form.
type teamRow struct {
	Team crm.Team
	Form *form
	// Others are the users not yet in the team.
	Others []crm.User
	// Failed is set when this row's form was sent and is shown again.
	Failed bool
}

func (s *server) teamsPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, *teamsData, error) {
	ctx := r.Context()
	p := s.newPage(w, r, rq, "settings.teams")
	p.Section, p.Sub = "settings", "teams"
	p.Form = newForm()
	teams, err := s.app.Teams(ctx, rq.actor)
	if err != nil {
		return nil, nil, err
	}
	users, err := s.app.ListUsers(ctx, rq.actor, store.UserFilter{Limit: 500})
	if err != nil {
		return nil, nil, err
	}
	d := &teamsData{}
	for _, u := range users {
		if u.Status != crm.UserDeactivated {
			d.Users = append(d.Users, u)
		}
	}
	for _, t := range teams {
		f := newForm()
		f.Version = t.Version
		f.Set("name", t.Name)
		row := teamRow{Team: t, Form: f}
		in := map[int64]bool{}
		for _, m := range t.Members {
			in[m.UserID] = true
		}
		for _, u := range d.Users {
			if !in[u.ID] {
				row.Others = append(row.Others, u)
			}
		}
		d.Rows = append(d.Rows, row)
	}
	p.Data = d
	return p, d, nil
}

func (s *server) teamsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.teamsPageData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "teams", p)
	return nil
}

func (s *server) teamCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.teamsPageData(w, r, rq)
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	d.Posted = "create"
	if _, err := s.app.CreateTeam(r.Context(), rq.actor, p.Form.Get("name")); err != nil {
		return again(err, "teams", p)
	}
	return s.redirect(w, r, rq, "/settings/teams", "flash.team_created")
}

// teamRowForm finds the row of the team in the path and makes its form
// the page's form, so error messages land in that team's card.
func (s *server) teamRowForm(w http.ResponseWriter, r *http.Request, rq *req) (*page, *teamRow, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	p, d, err := s.teamsPageData(w, r, rq)
	if err != nil {
		return nil, nil, err
	}
	for i := range d.Rows {
		if d.Rows[i].Team.ID == id {
			row := &d.Rows[i]
			f := submitted(r)
			for k, v := range row.Form.Values {
				if _, ok := f.Values[k]; !ok {
					f.Values[k] = v
				}
			}
			row.Form = f
			row.Failed = true
			p.Form = f
			return p, row, nil
		}
	}
	return nil, nil, crm.ErrNotFound
}

func (s *server) teamRename(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, row, err := s.teamRowForm(w, r, rq)
	if err != nil {
		return err
	}
	if _, err := s.app.RenameTeam(r.Context(), rq.actor, row.Team.ID, row.Form.Version, row.Form.Get("name")); err != nil {
		return again(err, "teams", p)
	}
	return s.redirect(w, r, rq, "/settings/teams", "flash.saved")
}

func (s *server) teamDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteTeam(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/settings/teams", "flash.team_deleted")
}

func (s *server) teamMemberAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, row, err := s.teamRowForm(w, r, rq)
	if err != nil {
		return err
	}
	userID, err := strconv.ParseInt(row.Form.Get("user_id"), 10, 64)
	if err != nil {
		return again(crm.Invalid("user_id", "choose a user"), "teams", p)
	}
	err = s.app.SetTeamMember(r.Context(), rq.actor, row.Team.ID, userID, row.Form.Get("manager") == "on")
	if err != nil {
		return again(err, "teams", p)
	}
	return s.redirect(w, r, rq, "/settings/teams", "flash.saved")
}

func (s *server) teamMemberManager(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	teamID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	userID, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := s.app.SetTeamMember(r.Context(), rq.actor, teamID, userID, r.PostFormValue("manager") == "true"); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/settings/teams", "flash.saved")
}

func (s *server) teamMemberRemove(w http.ResponseWriter, r *http.Request, rq *req) error {
	teamID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	userID, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := s.app.RemoveTeamMember(r.Context(), rq.actor, teamID, userID); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/settings/teams", "flash.saved")
}

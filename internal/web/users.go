package web

import (
	"fmt"
	"net/http"
	"strconv"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// usersPageSize is how many users one page of the list shows.
const usersPageSize = 100

// usersData is the content of the users page.
type usersData struct {
	Users []crm.User
	Teams []crm.Team
	// After is the cursor of this page, Next of the following one (0 =
	// none).
	After, Next int64
	// Invited and InviteLink are set right after an invitation was sent.
	Invited    crm.User
	InviteLink string
}

func (s *server) usersPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, usersData, error) {
	ctx := r.Context()
	p := s.newPage(w, r, rq, "settings.users")
	p.Section, p.Sub = "settings", "users"
	var d usersData
	d.After, _ = strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	users, err := s.app.ListUsers(ctx, rq.actor, store.UserFilter{AfterID: d.After, Limit: usersPageSize + 1})
	if err != nil {
		return nil, d, err
	}
	if len(users) > usersPageSize {
		users = users[:usersPageSize]
		d.Next = users[len(users)-1].ID
	}
	d.Users = users
	if d.Teams, err = s.app.Teams(ctx, rq.actor); err != nil {
		return nil, d, err
	}
	ws, err := s.workspace(ctx, rq)
	if err != nil {
		return nil, d, err
	}
	p.Form = newForm()
	p.Form.Set("role", string(crm.RoleSales))
	p.Form.Set("language", string(ws.Language))
	return p, d, nil
}

func (s *server) usersPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, d, err := s.usersPageData(w, r, rq)
	if err != nil {
		return err
	}
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "users", p)
	return nil
}

// userInvite sends an invitation and shows the link on the users page,
// for an admin who wants to pass it on by hand.
func (s *server) userInvite(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.usersPageData(w, r, rq)
	if err != nil {
		return err
	}
	f := submitted(r)
	p.Form = f
	p.Data = d
	teamID, _ := strconv.ParseInt(f.Get("team_id"), 10, 64)
	u, link, err := s.app.InviteUser(r.Context(), rq.actor, app.InviteInput{
		Email: f.Get("email"), Name: f.Get("name"), Role: f.Get("role"), Language: f.Get("language"), TeamID: teamID,
	})
	if err != nil {
		return again(err, "users", p)
	}
	s.wake()
	// Show the list with the new user and an empty form again.
	p, d, err = s.usersPageData(w, r, rq)
	if err != nil {
		return err
	}
	d.Invited, d.InviteLink = u, link
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "users", p)
	return nil
}

// userData is the content of the page that edits one user.
type userData struct {
	User crm.User
	Self bool
}

func (s *server) userForm(w http.ResponseWriter, r *http.Request, rq *req) (*page, crm.User, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, crm.User{}, err
	}
	u, err := s.app.User(r.Context(), rq.actor, id)
	if err != nil {
		return nil, u, err
	}
	p := s.newPage(w, r, rq, "user.title")
	p.Section, p.Sub = "settings", "users"
	p.Form = newForm()
	p.Form.Version = u.Version
	p.Form.Set("name", u.Name)
	p.Form.Set("role", string(u.Role))
	p.Form.Set("status", string(u.Status))
	p.Form.Set("language", string(u.Language))
	p.Data = userData{User: u, Self: u.ID == rq.actor.User.ID}
	return p, u, nil
}

func (s *server) userPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.userForm(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "user", p)
	return nil
}

func (s *server) userPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, u, err := s.userForm(w, r, rq)
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	f := p.Form
	patch := app.UserPatch{}
	name, role, lang, status := f.Get("name"), f.Get("role"), f.Get("language"), f.Get("status")
	patch.Name, patch.Language = &name, &lang
	if role != string(u.Role) {
		patch.Role = &role
	}
	if status != "" && status != string(u.Status) {
		patch.Status = &status
	}
	if _, err := s.app.UpdateUser(r.Context(), rq.actor, u.ID, f.Version, patch); err != nil {
		return again(err, "user", p)
	}
	return s.redirect(w, r, rq, "/settings/users", "flash.saved")
}

func (s *server) userTOTPDisable(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DisableTOTP(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/settings/users/%d", id), "flash.totp_disabled_user")
}

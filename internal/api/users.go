package api

import (
	"fmt"
	"net/http"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

func (s *server) listUsers(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	f := store.UserFilter{AfterID: p.after, Limit: p.limit + 1}
	q := r.URL.Query()
	if v := q.Get("role"); v != "" {
		role, err := crm.ParseRole(v)
		if err != nil {
			return badField("role", "must be admin, marketing, sales or viewer")
		}
		f.Role = role
	}
	if v := q.Get("status"); v != "" {
		switch st := crm.UserStatus(v); st {
		case crm.UserInvited, crm.UserActive, crm.UserDeactivated:
			f.Status = st
		default:
			return badField("status", "must be invited, active or deactivated")
		}
	}
	users, err := s.app.ListUsers(r.Context(), ac, f)
	if err != nil {
		return err
	}
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = toUser(u)
	}
	return writeJSON(w, http.StatusOK, newList(out, p.limit, func(u userJSON) int64 { return u.ID }))
}

func (s *server) inviteUser(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in inviteInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	u, link, err := s.app.InviteUser(r.Context(), ac, app.InviteInput{Email: in.Email, Name: in.Name, Role: in.Role,
		Language: in.Language, TeamID: in.TeamID})
	if err != nil {
		return err
	}
	s.wake()                                                    // the invitation e-mail is queued
	if u, err = s.app.User(r.Context(), ac, u.ID); err != nil { // with its team
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/users/%d", Prefix, u.ID))
	return writeJSON(w, http.StatusCreated, invitedUserJSON{userJSON: toUser(u), InviteURL: link})
}

func (s *server) getMe(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	return writeJSON(w, http.StatusOK, toUser(ac.User))
}

func (s *server) updateMe(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := userVersion(r)
	if err != nil {
		return err
	}
	var in selfPatch
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	u, err := s.app.UpdateUser(r.Context(), ac, ac.User.ID, version, app.UserPatch{Name: in.Name, Language: in.Language})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toUser(u))
}

func (s *server) getUser(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.app.User(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toUser(u))
}

func (s *server) updateUser(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, err := userVersion(r)
	if err != nil {
		return err
	}
	var in userPatch
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	u, err := s.app.UpdateUser(r.Context(), ac, id, version,
		app.UserPatch{Name: in.Name, Role: in.Role, Status: in.Status, Language: in.Language})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toUser(u))
}

// userVersion reads If-Match for a user. Users start at version 1, and
// app.UpdateUser reads version 0 as "do not check", so "0" is stale here.
func userVersion(r *http.Request) (int64, error) {
	v, err := ifMatch(r)
	if err == nil && v == 0 {
		err = crm.ErrStale
	}
	return v, err
}

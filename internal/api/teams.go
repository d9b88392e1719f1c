package api

import (
	"fmt"
	"net/http"
	"sort"

	"renkei/internal/app"
)

func (s *server) listTeams(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	teams, err := s.app.Teams(r.Context(), ac) // a workspace has few teams: page in memory
	if err != nil {
		return err
	}
	sort.Slice(teams, func(i, j int) bool { return teams[i].ID < teams[j].ID })
	out := []teamJSON{}
	for _, t := range teams {
		if t.ID > p.after && len(out) <= p.limit {
			out = append(out, toTeam(t))
		}
	}
	return writeJSON(w, http.StatusOK, newList(out, p.limit, func(t teamJSON) int64 { return t.ID }))
}

func (s *server) createTeam(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in teamInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	t, err := s.app.CreateTeam(r.Context(), ac, in.Name)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/teams/%d", Prefix, t.ID))
	return writeJSON(w, http.StatusCreated, toTeam(t))
}

func (s *server) getTeam(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.app.Team(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTeam(t))
}

func (s *server) renameTeam(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in teamInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	t, err := s.app.RenameTeam(r.Context(), ac, id, version, in.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTeam(t))
}

func (s *server) deleteTeam(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteTeam(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) putTeamMember(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	teamID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	userID, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	var in teamMemberInput
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	if err := s.app.SetTeamMember(r.Context(), ac, teamID, userID, in.IsManager); err != nil {
		return err
	}
	t, err := s.app.Team(r.Context(), ac, teamID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTeam(t))
}

func (s *server) deleteTeamMember(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	teamID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	userID, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := s.app.RemoveTeamMember(r.Context(), ac, teamID, userID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package api

import (
	"net/http"

	"renkei/internal/app"
)

func (s *server) listTokens(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	all, err := queryBool(r, "all")
	if err != nil {
		return err
	}
	tokens, err := s.app.APITokens(r.Context(), ac, all) // newest first; few per user: page in memory
	if err != nil {
		return err
	}
	out := []tokenJSON{}
	for _, t := range tokens {
		if (p.after == 0 || t.ID < p.after) && len(out) <= p.limit {
			out = append(out, toToken(t))
		}
	}
	return writeJSON(w, http.StatusOK, newList(out, p.limit, func(t tokenJSON) int64 { return t.ID }))
}

func (s *server) createToken(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in tokenInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	t, secret, err := s.app.CreateAPIToken(r.Context(), ac, in.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, createdTokenJSON{tokenJSON: toToken(t), Secret: secret})
}

func (s *server) revokeToken(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.RevokeAPIToken(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

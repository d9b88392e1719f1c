package api

import (
	"net/http"
	"strings"

	"renkei/internal/app"
	"renkei/internal/store"
)

func (s *server) getOpenAPI(w http.ResponseWriter, r *http.Request, _ app.Actor) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(s.openapi)
	return nil
}

func (s *server) listAudit(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	userID, err := queryInt64(r, "user_id")
	if err != nil {
		return err
	}
	f := store.AuditFilter{Action: strings.TrimSpace(r.URL.Query().Get("action")), UserID: userID,
		BeforeID: p.after, Limit: p.limit + 1}
	entries, err := s.app.AuditLog(r.Context(), ac, f)
	if err != nil {
		return err
	}
	out := make([]auditJSON, len(entries))
	for i, e := range entries {
		out[i] = toAudit(e)
	}
	return writeJSON(w, http.StatusOK, newList(out, p.limit, func(e auditJSON) int64 { return e.ID }))
}

func (s *server) getJob(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := s.app.JobStatus(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toJob(j))
}

package api

import (
	"fmt"
	"net/http"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// scoringRoutes are the API endpoints of lead scoring and lifecycle stage rules.
func (s *server) scoringRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/scoring-rules", perm: crm.PermReadAll, id: "listScoringRules", tag: "scoring",
			summary: "Scoring rules, fit first, in order (one page)", status: 200, resp: "ScoringRuleList", handle: s.listScoringRules},
		{method: http.MethodPost, path: "/scoring-rules", perm: crm.PermWriteMarketing, id: "createScoringRule", tag: "scoring",
			summary: "Add a scoring rule; it applies to every contact scored from now on (POST /scoring/rescore applies it to everyone)",
			body:    "ScoringRuleInput", status: 201, resp: "ScoringRule", location: true, handle: s.createScoringRule},
		{method: http.MethodGet, path: "/scoring-rules/{id}", perm: crm.PermReadAll, id: "getScoringRule", tag: "scoring",
			summary: "One scoring rule", status: 200, resp: "ScoringRule", handle: s.getScoringRule},
		{method: http.MethodPatch, path: "/scoring-rules/{id}", perm: crm.PermWriteMarketing, id: "updateScoringRule", tag: "scoring",
			summary: "Change a scoring rule", body: "ScoringRulePatch", ifMatch: true, status: 200, resp: "ScoringRule",
			handle: s.updateScoringRule},
		{method: http.MethodDelete, path: "/scoring-rules/{id}", perm: crm.PermWriteMarketing, id: "deleteScoringRule", tag: "scoring",
			summary: "Delete a scoring rule and the points it gave", status: 204, handle: s.deleteScoringRule},
		{method: http.MethodGet, path: "/scoring-settings", perm: crm.PermReadAll, id: "getScoringSettings", tag: "scoring",
			summary: "Half-life of engagement and the stage rules", status: 200, resp: "ScoringSettings", handle: s.getScoringSettings},
		{method: http.MethodPut, path: "/scoring-settings", perm: crm.PermWriteMarketing, id: "putScoringSettings", tag: "scoring",
			summary: "Replace the scoring settings (If-Match: \"0\" before the first save)", body: "ScoringSettingsInput",
			ifMatch: true, status: 200, resp: "ScoringSettings", handle: s.putScoringSettings},
		{method: http.MethodGet, path: "/contacts/{id}/score", perm: crm.PermReadAll, id: "getContactScore", tag: "scoring",
			summary: "A contact's fit and engagement now, with every point and why", status: 200, resp: "ContactScore",
			handle: s.getContactScore},
		{method: http.MethodPost, path: "/scoring/rescore", perm: crm.PermWriteMarketing, id: "rescoreAll", tag: "scoring",
			summary: "Rescore every contact in the background (after a rule change); follow the job for progress",
			status:  202, resp: "JobRef", location: true, handle: s.rescoreAll},
	}
}

// scoringSchemas are the OpenAPI schemas those endpoints use.
func scoringSchemas() js {
	cond := js{
		"field": str("Fit: job_title, department, email_domain, tag, lifecycle, source, company_size, industry, prefecture, " +
			"country, company_name or prop.KEY (a custom contact property). Engagement: pageview, event, form, email_open or email_click."),
		"op": withDesc(enumOf(crm.OpContains, crm.OpNotContain, crm.OpEquals, crm.OpPrefix, crm.OpGTE, crm.OpLTE, crm.OpIsSet, crm.OpAny),
			"Fit: contains, not_contains, eq, prefix, gte, lte, is_set. Engagement: any, eq, prefix, contains (on the page path, "+
				"the event name, the form key or the e-mail name). Text compares case-insensitively after NFKC."),
		"values": withDesc(arrayOf(js{"type": "string"}), "Alternatives: any one matches (none for is_set and any; one number for gte and lte)."),
	}
	condIn := input([]string{"field", "op"}, cond)
	ruleProps := js{
		"kind":      enumOf("fit", "engagement"),
		"name":      str("What the rule rewards, shown in score explanations."),
		"points":    integer("Points per match (−1000 to 1000, not 0); negative points lower the score."),
		"cap":       integer("Engagement: the most points the rule gives one contact (0 = no cap)."),
		"active":    boolean("Inactive rules give no points."),
		"position":  integer("Order within its kind."),
		"condition": record(cond),
	}
	rule := merge(record(ruleProps), js{
		"id":          idSchema(""),
		"description": str("The condition in words."),
		"created_at":  dateTime(""),
		"updated_at":  dateTime(""),
		"version":     idSchema("Version for If-Match; also the ETag."),
	}, "id", "description", "created_at", "updated_at", "version")
	ruleIn := js{}
	for k, v := range ruleProps {
		ruleIn[k] = v
	}
	ruleIn["condition"] = condIn
	settings := js{
		"half_life_days":     integer("Engagement points halve every this many days (0 = no decay)."),
		"mql_enabled":        boolean("Move leads to MQL by the thresholds."),
		"mql_fit_min":        integer("Fit at least this …"),
		"mql_engagement_min": integer("… and engagement at least this make a lead an MQL."),
		"form_makes_lead":    boolean("A subscriber who submits a form becomes a lead."),
	}
	point := record(js{
		"rule_id":             idSchema(""),
		"rule_name":           str(""),
		"kind":                enumOf("fit", "engagement"),
		"description":         str("The rule's condition in words."),
		"points":              integer("The rule's points per match."),
		"cap":                 integer("The rule's cap (0 = none)."),
		"count":               integer("Matches (events; 1 for a fit rule)."),
		"points_before_decay": integer("count × points, capped."),
		"points_now":          js{"type": "number", "description": "What the rule adds now, after decay (one decimal)."},
		"cap_reached":         boolean(""),
		"last_at":             dateTime("The last matching event (fit: when scored)."),
	})
	return js{
		"ScoringRule":      rule,
		"ScoringRuleList":  listOf("ScoringRule"),
		"ScoringRuleInput": input([]string{"kind", "name", "condition", "points"}, ruleIn),
		"ScoringRulePatch": input(nil, ruleIn),
		"ScoringSettings": merge(record(settings), js{
			"version": integer("Version for If-Match (0 before the first save); also the ETag."),
		}, "version"),
		"ScoringSettingsInput": input([]string{"half_life_days", "mql_enabled", "mql_fit_min", "mql_engagement_min", "form_makes_lead"}, settings),
		"ContactScore": record(js{
			"contact_id":     idSchema(""),
			"fit":            integer("Fit score."),
			"engagement":     integer("Engagement score now, after decay."),
			"half_life_days": integer(""),
			"scored_at":      nullable(dateTime("Last scoring; null if never scored.")),
			"points":         arrayOf(point),
		}),
	}
}

type conditionJSON struct {
	Field  string   `json:"field"`
	Op     string   `json:"op"`
	Values []string `json:"values"`
}

type scoringRuleJSON struct {
	ID          int64         `json:"id"`
	Kind        string        `json:"kind"`
	Name        string        `json:"name"`
	Condition   conditionJSON `json:"condition"`
	Description string        `json:"description"`
	Points      int           `json:"points"`
	Cap         int           `json:"cap"`
	Active      bool          `json:"active"`
	Position    int           `json:"position"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	Version     int64         `json:"version"`
}

func (r scoringRuleJSON) etag() int64 { return r.Version }

func toScoringRule(r crm.ScoringRule) scoringRuleJSON {
	vals := r.Condition.Values
	if vals == nil {
		vals = []string{}
	}
	return scoringRuleJSON{ID: r.ID, Kind: string(r.Kind), Name: r.Name, Description: r.Condition.Describe(),
		Condition: conditionJSON{Field: r.Condition.Field, Op: r.Condition.Op, Values: vals},
		Points:    r.Points, Cap: r.Cap, Active: r.Active, Position: r.Position, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
}

type scoringRuleInput struct {
	Kind      *string        `json:"kind"`
	Name      *string        `json:"name"`
	Condition *conditionJSON `json:"condition"`
	Points    *int           `json:"points"`
	Cap       *int           `json:"cap"`
	Active    *bool          `json:"active"`
	Position  *int           `json:"position"`
}

// apply writes the given fields over r.
func (in scoringRuleInput) apply(r *crm.ScoringRule) {
	if in.Kind != nil {
		r.Kind = crm.RuleKind(*in.Kind)
	}
	if in.Name != nil {
		r.Name = *in.Name
	}
	if in.Condition != nil {
		r.Condition = crm.Condition{Field: in.Condition.Field, Op: in.Condition.Op, Values: in.Condition.Values}
	}
	if in.Points != nil {
		r.Points = *in.Points
	}
	if in.Cap != nil {
		r.Cap = *in.Cap
	}
	if in.Active != nil {
		r.Active = *in.Active
	}
	if in.Position != nil {
		r.Position = *in.Position
	}
}

func (s *server) listScoringRules(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	rules, err := s.app.ScoringRules(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[scoringRuleJSON]{Data: []scoringRuleJSON{}}
	for _, x := range rules {
		out.Data = append(out.Data, toScoringRule(x))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) getScoringRule(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rule, err := s.app.ScoringRule(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toScoringRule(rule))
}

func (s *server) createScoringRule(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in scoringRuleInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	rule := crm.ScoringRule{Active: true}
	in.apply(&rule)
	rule, err := s.app.CreateScoringRule(r.Context(), ac, rule)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/scoring-rules/%d", Prefix, rule.ID))
	return writeJSON(w, http.StatusCreated, toScoringRule(rule))
}

func (s *server) updateScoringRule(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in scoringRuleInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	rule, err := s.app.ScoringRule(r.Context(), ac, id)
	if err != nil {
		return err
	}
	if version != rule.Version {
		return crm.ErrStale
	}
	in.apply(&rule)
	if rule, err = s.app.UpdateScoringRule(r.Context(), ac, id, version, rule); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toScoringRule(rule))
}

func (s *server) deleteScoringRule(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteScoringRule(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type scoringSettingsJSON struct {
	HalfLifeDays  int   `json:"half_life_days"`
	MQLEnabled    bool  `json:"mql_enabled"`
	MQLFitMin     int   `json:"mql_fit_min"`
	MQLEngageMin  int   `json:"mql_engagement_min"`
	FormMakesLead bool  `json:"form_makes_lead"`
	Version       int64 `json:"version"`
}

func (x scoringSettingsJSON) etag() int64 { return x.Version }

func (s *server) getScoringSettings(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	set, version, err := s.app.ScoringSettings(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, scoringSettingsJSON{HalfLifeDays: set.HalfLifeDays, MQLEnabled: set.MQLEnabled,
		MQLFitMin: set.MQLFitMin, MQLEngageMin: set.MQLEngageMin, FormMakesLead: set.FormMakesLead, Version: version})
}

func (s *server) putScoringSettings(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in crm.ScoringSettings
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if _, err := s.app.PutScoringSettings(r.Context(), ac, in, version); err != nil {
		return err
	}
	return s.getScoringSettings(w, r, ac)
}

type scorePointJSON struct {
	RuleID      int64     `json:"rule_id"`
	RuleName    string    `json:"rule_name"`
	Kind        string    `json:"kind"`
	Description string    `json:"description"`
	Points      int       `json:"points"`
	Cap         int       `json:"cap"`
	Count       int       `json:"count"`
	Raw         int       `json:"points_before_decay"`
	Now         float64   `json:"points_now"`
	CapReached  bool      `json:"cap_reached"`
	LastAt      time.Time `json:"last_at"`
}

type contactScoreJSON struct {
	ContactID    int64            `json:"contact_id"`
	Fit          int              `json:"fit"`
	Engagement   int              `json:"engagement"`
	HalfLifeDays int              `json:"half_life_days"`
	ScoredAt     *time.Time       `json:"scored_at"`
	Points       []scorePointJSON `json:"points"`
}

func (s *server) getContactScore(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.app.ContactScore(r.Context(), ac, id)
	if err != nil {
		return err
	}
	out := contactScoreJSON{ContactID: id, Fit: v.Fit, Engagement: v.Engagement, HalfLifeDays: v.HalfLifeDays,
		ScoredAt: optTime(v.ScoredAt), Points: []scorePointJSON{}}
	for _, p := range v.Points {
		out.Points = append(out.Points, scorePointJSON{RuleID: p.RuleID, RuleName: p.RuleName, Kind: string(p.Kind),
			Description: p.Condition, Points: p.Points, Cap: p.Cap, Count: p.Count, Raw: p.Raw, Now: p.Now,
			CapReached: p.CapReached, LastAt: p.LastAt})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) rescoreAll(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := s.app.StartRescoreAll(r.Context(), ac)
	if err != nil {
		return err
	}
	s.wake()
	w.Header().Set("Location", fmt.Sprintf("%s/jobs/%d", Prefix, id))
	return writeJSON(w, http.StatusAccepted, jobRefJSON{JobID: id})
}

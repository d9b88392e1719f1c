package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// targetsRoutes are the UI routes of sales targets (目標), attainment and
// the forecast.
func (s *server) targetsRoutes() []route {
	return []route{
		{"GET", "/sales/targets", crm.PermReadAll, s.targetsPage, false},
		{"POST", "/sales/targets", crm.PermWriteSales, s.targetSave, false},
		{"POST", "/sales/targets/{id}/delete", crm.PermWriteSales, s.targetDelete, false},
	}
}

// targetsData is the content of /sales/targets.
type targetsData struct {
	Kind                 crm.PeriodKind
	Key, Label           string
	PrevKey, NextKey     string
	CurrentKey           string
	IsCurrent            bool
	MonthKey, QuarterKey string // the same time as a month and as a quarter
	Rep                  app.TargetReport
	Workspace            *targetRowView
	Teams, People        []targetRowView
	Selected             *targetRowView // the forecast panel's scope
	Chart                forecastChart
	Base                 string
	LeftOut              string // translated note on deals left out
	// FormKey is the row whose form was sent and is shown again with its
	// messages.
	FormKey string
}

// targetRowView is one row of the table, ready for the template.
type targetRowView struct {
	app.TargetRow
	Key          string
	TargetText   string // ¥2,000,000 or 前月比110%
	TargetAmount string // a percentage target's computed amount
	Attainment   string // 90% or ""
	AttW         int    // bar width, 0..100
	AttColor     string
	Vs           string // 前月比 120%
	VsPct        string // 120%
	ActualHref   string
	OpenHref     string
	PanelHref    string
	Selected     bool
	// The inline form's values.
	Mode, AmountValue, PercentValue string
}

// forecastBar is one bar of the forecast chart (x and width in 0..1000).
type forecastBar struct {
	Key, Label, Value, Help string
	X, W                    int
	Fill                    string
	Href                    string
}

// forecastChart is the forecast panel's bullet chart with the target line.
type forecastChart struct {
	Bars        []forecastBar
	HasTarget   bool
	TargetX     int
	TargetLabel string
	Ticks       []forecastBar // scale labels: X and Label
}

// periodLabel names a period for people: 2026年5月, FY2026 Q1 (April–June).
func periodLabel(lang crm.Language, p crm.Period) string {
	switch p.Kind {
	case crm.PeriodQuarter:
		y, q := p.FiscalYear()
		last := p.End.AddDate(0, 0, -1)
		return i18n.T(lang, "targets.period.quarter", y, q, i18n.Month(lang, int(p.Start.Month())), i18n.Month(lang, int(last.Month())))
	case crm.PeriodYear:
		y, _ := p.FiscalYear()
		return i18n.T(lang, "targets.period.year", y)
	}
	return i18n.T(lang, "targets.period.month", p.Start.Year(), i18n.Month(lang, int(p.Start.Month())))
}

func pct(ratio float64) string { return fmt.Sprintf("%.0f%%", ratio*100) }

// dealsHref is the deal list drilled down to a scope and days.
func dealsHref(row app.TargetRow, status string, extra url.Values) string {
	v := url.Values{"status": {status}}
	switch row.Scope {
	case crm.ScopeTeam:
		v.Set("team", strconv.FormatInt(row.ScopeID, 10))
	case crm.ScopeUser:
		v.Set("owner", strconv.FormatInt(row.ScopeID, 10))
	}
	for k, x := range extra {
		v[k] = x
	}
	return "/sales/deals/list?" + v.Encode()
}

func (s *server) targetsPageData(w http.ResponseWriter, r *http.Request, rq *req, key, scope string) (*page, *targetsData, error) {
	ctx := r.Context()
	lang := rq.lang
	p := s.newPage(w, r, rq, "targets.title")
	p.Section, p.Sub = "sales", "targets"
	p.Form = newForm()
	ws, err := s.workspace(ctx, rq)
	if err != nil {
		return nil, nil, err
	}
	now := s.app.Clock()
	if key == "" {
		if k, ok := crm.ParsePeriodKind(r.URL.Query().Get("kind")); ok {
			key = ws.PeriodOf(k, now).Key()
		}
	}
	rep, err := s.app.TargetReport(ctx, rq.actor, key)
	if err != nil {
		return nil, nil, err
	}
	per := rep.Period
	d := &targetsData{Kind: per.Kind, Key: per.Key(), Label: periodLabel(lang, per), PrevKey: rep.Prev.Key(),
		NextKey: per.Next().Key(), Rep: rep, Base: rep.Base}
	d.CurrentKey = ws.PeriodOf(per.Kind, now).Key()
	d.IsCurrent = d.CurrentKey == d.Key
	d.MonthKey = ws.PeriodOf(crm.PeriodMonth, per.Start).Key()
	d.QuarterKey = ws.PeriodOf(crm.PeriodQuarter, per.Start).Key()
	if per.Kind == crm.PeriodMonth && ws.PeriodOf(crm.PeriodQuarter, now).Contains(per.Start) {
		d.QuarterKey = ws.PeriodOf(crm.PeriodQuarter, now).Key()
	}
	if rep.LeftOut > 0 {
		d.LeftOut = i18n.T(lang, "targets.left_out", rep.LeftOut, strings.Join(rep.Currencies, ", "))
	}
	won := url.Values{"won_from": {per.Start.Format(time.DateOnly)}, "won_before": {per.End.Format(time.DateOnly)}}
	closing := url.Values{"close_from": {per.Start.Format(time.DateOnly)}, "close_before": {per.End.Format(time.DateOnly)}}
	money := func(v int64) string { return i18n.Money(lang, v, rep.Base) }
	if scope == "" {
		scope = "workspace"
	}
	for _, row := range rep.Rows {
		v := targetRowView{TargetRow: row, Key: row.Key(), Mode: "amount"}
		v.ActualHref = dealsHref(row, "won", won)
		v.OpenHref = dealsHref(row, "open", closing)
		v.PanelHref = "/sales/targets?" + url.Values{"period": {d.Key}, "scope": {v.Key}}.Encode() + "#forecast"
		if t := row.Target; t != nil {
			if t.Relative() {
				v.Mode, v.PercentValue = "percent", strconv.Itoa(t.Percent)
				v.TargetText = i18n.T(lang, "targets.pct_of."+string(per.Kind), t.Percent)
				v.TargetAmount = money(row.TargetAmount)
			} else {
				v.AmountValue = amountInput(t.Amount, rep.Base)
				v.TargetText = money(t.Amount)
			}
		}
		if att, ok := row.Attainment(); ok {
			v.Attainment = pct(att)
			v.AttW = min(100, int(att*100))
			switch {
			case att >= 1:
				v.AttColor = "#2fb344"
			case att >= 0.7:
				v.AttColor = "#206bc4"
			default:
				v.AttColor = "#f76707"
			}
		}
		if vs, ok := row.VsPrevious(); ok {
			v.Vs, v.VsPct = i18n.T(lang, "targets.vs."+string(per.Kind), pct(vs)), pct(vs)
		}
		v.Selected = v.Key == scope
		switch row.Scope {
		case crm.ScopeWorkspace:
			x := v
			d.Workspace = &x
		case crm.ScopeTeam:
			d.Teams = append(d.Teams, v)
		default:
			d.People = append(d.People, v)
		}
	}
	d.Selected = d.Workspace
	for _, list := range [][]targetRowView{d.Teams, d.People} {
		for i := range list {
			if list[i].Selected {
				d.Selected = &list[i]
			}
		}
	}
	if d.Selected != nil {
		d.Selected.Selected = true
		d.Chart = forecastChartOf(lang, *d.Selected, rep.Base)
	}
	p.Data = d
	return p, d, nil
}

// forecastChartOf draws the forecast of a row: won, commit, best case,
// weighted and the open pipeline (after won), against the target.
func forecastChartOf(lang crm.Language, row targetRowView, base string) forecastChart {
	f := row.Forecast
	money := func(v int64) string { return i18n.Money(lang, v, base) }
	top := max(f.BestCase, f.Weighted, f.Won+f.Pipeline, row.TargetRow.TargetAmount, 1)
	top += top / 20
	x := func(v int64) int { return int(v * 1000 / top) }
	bar := func(key string, from, to int64, fill, href string) forecastBar {
		return forecastBar{Key: key, Label: i18n.T(lang, "targets.fc."+key), Help: i18n.T(lang, "targets.fc."+key+".help"),
			Value: money(to - from), X: x(from), W: max(x(to)-x(from), 0), Fill: fill, Href: href}
	}
	c := forecastChart{Bars: []forecastBar{
		bar("won", 0, f.Won, "#2fb344", row.ActualHref),
		bar("commit", 0, f.Commit, "#206bc4", ""),
		bar("best_case", 0, f.BestCase, "#4299e1", ""),
		bar("weighted", 0, f.Weighted, "#ae3ec9", ""),
		bar("pipeline", f.Won, f.Won+f.Pipeline, "#adb5bd", row.OpenHref),
	}}
	if row.HasTarget() && row.TargetRow.TargetAmount > 0 {
		c.HasTarget, c.TargetX = true, x(row.TargetRow.TargetAmount)
		c.TargetLabel = i18n.T(lang, "targets.fc.target_line", money(row.TargetRow.TargetAmount))
	}
	return c
}

func (s *server) targetsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := r.URL.Query()
	p, _, err := s.targetsPageData(w, r, rq, q.Get("period"), q.Get("scope"))
	if err != nil {
		if _, ok := crm.AsValidation(err); ok { // a bad ?period=: the current month
			p, _, err = s.targetsPageData(w, r, rq, "", q.Get("scope"))
		}
		if err != nil {
			return err
		}
	}
	s.render(w, r, rq, http.StatusOK, "targets_page", p)
	return nil
}

// targetSave sets (no id) or changes (id and version) a target from the
// inline form of a row.
func (s *server) targetSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	key := f.Get("period")
	scope := crm.TargetScope(f.Get("scope"))
	scopeID, _ := strconv.ParseInt(f.Get("scope_id"), 10, 64)
	id, _ := strconv.ParseInt(f.Get("id"), 10, 64)
	ctx := r.Context()
	per, err := s.app.TargetPeriod(ctx, key)
	if err != nil {
		return err
	}
	ws, err := s.workspace(ctx, rq)
	if err != nil {
		return err
	}
	var amount int64
	var percent int
	if f.Get("mode") == "percent" {
		txt := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f.Get("percent")), "%"))
		if percent, err = strconv.Atoi(txt); err != nil || percent <= 0 {
			err = crm.Invalid("percent", "must be a percentage from 1 to 1000")
		}
	} else {
		amount, err = parseAmount(f.Get("amount"), ws.BaseCurrency)
		if err == nil && amount == 0 {
			err = crm.Invalid("amount", "enter an amount above zero or a percentage of the previous period")
		}
	}
	if err == nil {
		if id > 0 {
			_, err = s.app.UpdateTarget(ctx, rq.actor, id, f.Version, amount, percent)
		} else {
			_, err = s.app.CreateTarget(ctx, rq.actor, crm.Target{Kind: per.Kind, PeriodKey: per.Key(), Scope: scope,
				ScopeID: scopeID, Amount: amount, Percent: percent})
		}
	}
	rowKey := app.ScopeKey(scope, scopeID)
	back := "/sales/targets?" + url.Values{"period": {per.Key()}, "scope": {rowKey}}.Encode()
	if err == nil {
		return s.redirect(w, r, rq, back, "flash.target_saved")
	}
	if _, ok := crm.AsValidation(err); !ok && !errors.Is(err, crm.ErrStale) {
		return err
	}
	p, d, perr := s.targetsPageData(w, r, rq, per.Key(), rowKey)
	if perr != nil {
		return perr
	}
	d.FormKey = rowKey
	p.Form = f
	return again(err, "targets_page", p)
}

func (s *server) targetDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.app.Target(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	if err := s.app.DeleteTarget(r.Context(), rq.actor, id); err != nil {
		return err
	}
	back := "/sales/targets?" + url.Values{"period": {t.PeriodKey}, "scope": {app.ScopeKey(t.Scope, t.ScopeID)}}.Encode()
	return s.redirect(w, r, rq, back, "flash.target_deleted")
}

// targetsFuncs are the template functions of targets and the deal form's
// forecast category.
func targetsFuncs(lang crm.Language) template.FuncMap {
	return template.FuncMap{
		"forecastChoices": func() []option {
			out := make([]option, len(crm.ForecastCategories))
			for i, c := range crm.ForecastCategories {
				out[i] = option{string(c), i18n.T(lang, "forecast."+string(c))}
			}
			return out
		},
		"toID": func(s string) int64 {
			id, _ := strconv.ParseInt(s, 10, 64)
			return id
		},
		"forecastName": func(c crm.ForecastCategory) string {
			if c == "" {
				c = crm.ForecastPipeline
			}
			return i18n.T(lang, "forecast."+string(c))
		},
	}
}

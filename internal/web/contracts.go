package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// contractsRoutes are the UI routes of contracts and the after-follow playbook.
func (s *server) contractsRoutes() []route {
	return []route{
		{"GET", "/contracts/{id}", crm.PermReadAll, s.contractPage, false},
		{"POST", "/contracts/{id}", crm.PermWriteSales, s.contractUpdate, false},
		{"POST", "/contracts/{id}/renewal", crm.PermWriteSales, s.contractRenewal, false},
		{"GET", "/settings/playbook", crm.PermSettings, s.playbookPage, false},
		{"POST", "/settings/playbook", crm.PermSettings, s.playbookSave, false},
	}
}

// contractData is the content of the contract page.
type contractData struct {
	K        crm.Contract
	CanWrite bool
	Statuses []option
	Renewal  *crm.Deal
}

func statusOptions(lang crm.Language) []option {
	out := make([]option, len(crm.ContractStatuses))
	for i, st := range crm.ContractStatuses {
		out[i] = option{string(st), i18n.T(lang, "contract.status."+string(st))}
	}
	return out
}

func (s *server) contractView(w http.ResponseWriter, r *http.Request, rq *req, k crm.Contract) *page {
	p := s.newPage(w, r, rq, "")
	p.Title = i18n.T(rq.lang, "contract.title_of", k.DealName)
	p.Pretitle = i18n.T(rq.lang, "contract.title")
	p.Section = "sales"
	d := &contractData{K: k, CanWrite: rq.actor.Can(crm.PermWriteSales), Statuses: statusOptions(rq.lang)}
	if k.RenewalDealID != 0 {
		if rd, err := s.app.Deal(r.Context(), rq.actor, k.RenewalDealID); err == nil {
			d.Renewal = &rd
		}
	}
	p.Data = d
	return p
}

func contractForm(k crm.Contract) *form {
	f := newForm()
	f.Version = k.Version
	f.Set("amount", amountInput(k.Amount, k.Currency))
	f.Set("currency", k.Currency)
	f.Set("start_date", k.StartDate)
	f.Set("end_date", k.EndDate)
	f.Set("terms", k.Terms)
	f.Set("status", string(k.Status))
	return f
}

func (s *server) contractPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	k, err := s.app.Contract(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p := s.contractView(w, r, rq, k)
	p.Form = contractForm(k)
	s.render(w, r, rq, http.StatusOK, "contracts_contract", p)
	return nil
}

func (s *server) contractUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	old, err := s.app.Contract(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p := s.contractView(w, r, rq, old)
	f := submitted(r)
	p.Form = f
	in := app.ContractInput{Currency: f.Get("currency"), StartDate: f.Get("start_date"), EndDate: f.Get("end_date"),
		Terms: f.Get("terms"), Status: crm.ContractStatus(f.Get("status"))}
	cur := strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Amount, err = parseAmount(f.Get("amount"), cur); err == nil {
		_, err = s.app.UpdateContract(r.Context(), rq.actor, id, f.Version, in)
	}
	if err != nil {
		return again(err, "contracts_contract", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/contracts/%d", id), "flash.saved")
}

func (s *server) contractRenewal(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.app.CreateRenewalDeal(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/deals/%d", d.ID), "flash.contract.renewal_created")
}

// contractsOf lists the contracts of a deal or company for a panel; a
// failure leaves the panel empty rather than the page broken.
func (s *server) contractsOf(ctx context.Context, rq *req, q store.ContractQuery) []crm.Contract {
	q.Limit = 20
	ks, err := s.app.Contracts(ctx, rq.actor, q)
	if err != nil {
		return nil
	}
	return ks
}

// ---- the after-follow playbook ----

// playbookRows is the number of rows the playbook form offers.
const playbookRows = 8

type playbookRow struct{ I string }

func (s *server) playbookView(w http.ResponseWriter, r *http.Request, rq *req) *page {
	p := s.newPage(w, r, rq, "playbook.title")
	p.Section, p.Sub = "settings", "playbook"
	var rows []playbookRow
	for i := range playbookRows {
		rows = append(rows, playbookRow{strconv.Itoa(i)})
	}
	p.Data = map[string]any{"Rows": rows, "Anchors": []option{
		{crm.AnchorStart, i18n.T(rq.lang, "playbook.anchor.start")},
		{crm.AnchorEnd, i18n.T(rq.lang, "playbook.anchor.end")}}}
	return p
}

func (s *server) playbookPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ps, err := s.app.Playbook(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	p := s.playbookView(w, r, rq)
	f := newForm()
	for i := range playbookRows {
		k := func(s string) string { return "tasks." + strconv.Itoa(i) + "." + s }
		f.Set(k("anchor"), crm.AnchorStart)
		if i < len(ps) {
			f.Set(k("title_ja"), ps[i].TitleJA)
			f.Set(k("title_en"), ps[i].TitleEN)
			f.Set(k("anchor"), ps[i].Anchor)
			f.Set(k("days"), strconv.Itoa(ps[i].Days))
		}
	}
	p.Form = f
	s.render(w, r, rq, http.StatusOK, "contracts_playbook", p)
	return nil
}

func (s *server) playbookSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	var ps []crm.PlaybookTask
	v := &crm.ValidationError{}
	for i := range playbookRows {
		k := func(s string) string { return "tasks." + strconv.Itoa(i) + "." + s }
		ja, en, days := strings.TrimSpace(f.Get(k("title_ja"))), strings.TrimSpace(f.Get(k("title_en"))), strings.TrimSpace(f.Get(k("days")))
		if ja == "" && en == "" && days == "" {
			continue // an empty row
		}
		n, err := strconv.Atoi(days)
		if err != nil {
			v.Add(k("days"), "enter a whole number of days")
		}
		ps = append(ps, crm.PlaybookTask{TitleJA: ja, TitleEN: en, Anchor: f.Get(k("anchor")), Days: n})
	}
	err := v.Err()
	if err == nil {
		err = s.app.SetPlaybook(r.Context(), rq.actor, ps)
		err = renumber(err, ps, f)
	}
	if err != nil {
		p := s.playbookView(w, r, rq)
		p.Form = f
		return again(err, "contracts_playbook", p)
	}
	return s.redirect(w, r, rq, "/settings/playbook", "flash.saved")
}

// renumber maps the field names of a validation error on the non-empty
// rows (tasks.N of ps) back to the form's row numbers.
func renumber(err error, ps []crm.PlaybookTask, f *form) error {
	ve, ok := crm.AsValidation(err)
	if !ok {
		return err
	}
	var rows []int
	for i := range playbookRows {
		k := "tasks." + strconv.Itoa(i) + "."
		if strings.TrimSpace(f.Get(k+"title_ja")) != "" || strings.TrimSpace(f.Get(k+"title_en")) != "" ||
			strings.TrimSpace(f.Get(k+"days")) != "" {
			rows = append(rows, i)
		}
	}
	out := &crm.ValidationError{}
	for field, msg := range ve.Fields {
		var n int
		var rest string
		if c, _ := fmt.Sscanf(field, "tasks.%d.%s", &n, &rest); c == 2 && n < len(rows) {
			field = "tasks." + strconv.Itoa(rows[n]) + "." + rest
		}
		out.Add(field, msg)
	}
	return out.Err()
}

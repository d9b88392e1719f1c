package api

import (
	"fmt"
	"net/http"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// contractsRoutes are the API endpoints of contracts (issue 6 §3).
func (s *server) contractsRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/contracts", perm: crm.PermReadAll, id: "listContracts", tag: "contracts",
			summary: "Contracts, newest first, by deal, company, contact or status; contracts of deals you may not see are left out",
			query:   contractListQuery(), status: 200, resp: "ContractList", handle: s.listContracts},
		{method: http.MethodGet, path: "/contracts/{id}", perm: crm.PermReadAll, id: "getContract", tag: "contracts",
			summary: "One contract", status: 200, resp: "Contract", handle: s.getContract},
		{method: http.MethodPatch, path: "/contracts/{id}", perm: crm.PermWriteSales, id: "updateContract", tag: "contracts",
			summary: "Change the fields sent: value, dates, terms, status", body: "ContractPatch", ifMatch: true,
			status: 200, resp: "Contract", handle: s.updateContract},
		{method: http.MethodPost, path: "/contracts/{id}/renewal", perm: crm.PermWriteSales, id: "createRenewalDeal", tag: "contracts",
			summary: "Open the renewal deal: the pipeline's first stage, the contract's value, closing on its end date; asking again returns the same deal",
			status:  201, resp: "Deal", handle: s.createRenewalDeal},
	}
}

func contractListQuery() []param {
	return pageParams(
		param{name: "deal_id", desc: "Of this won deal.", schema: idSchema("")},
		param{name: "company_id", desc: "With this company.", schema: idSchema("")},
		param{name: "contact_id", desc: "With this contact.", schema: idSchema("")},
		param{name: "status", desc: "active, ended or renewed.", schema: enumOf(contractStatuses()...)},
	)
}

func contractStatuses() []string {
	out := make([]string, len(crm.ContractStatuses))
	for i, s := range crm.ContractStatuses {
		out[i] = string(s)
	}
	return out
}

type contractJSON struct {
	ID            int64     `json:"id"`
	DealID        int64     `json:"deal_id"`
	DealName      string    `json:"deal_name"`
	CompanyID     *int64    `json:"company_id"`
	ContactID     *int64    `json:"contact_id"`
	OwnerID       *int64    `json:"owner_id"`
	Amount        int64     `json:"amount"`
	Currency      string    `json:"currency"`
	StartDate     string    `json:"start_date"`
	EndDate       string    `json:"end_date"`
	Terms         string    `json:"terms"`
	Status        string    `json:"status"`
	RenewalDealID *int64    `json:"renewal_deal_id"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int64     `json:"version"`
}

func (c contractJSON) etag() int64 { return c.Version }

func toContract(k crm.Contract) contractJSON {
	return contractJSON{ID: k.ID, DealID: k.DealID, DealName: k.DealName, CompanyID: optID(k.CompanyID),
		ContactID: optID(k.ContactID), OwnerID: optID(k.OwnerID), Amount: k.Amount, Currency: k.Currency,
		StartDate: k.StartDate, EndDate: k.EndDate, Terms: k.Terms, Status: string(k.Status),
		RenewalDealID: optID(k.RenewalDealID), CreatedAt: k.CreatedAt, UpdatedAt: k.UpdatedAt, Version: k.Version}
}

type contractFields struct {
	Amount    *int64  `json:"amount"`
	Currency  *string `json:"currency"`
	StartDate *string `json:"start_date"`
	EndDate   *string `json:"end_date"`
	Terms     *string `json:"terms"`
	Status    *string `json:"status"`
}

func (f contractFields) apply(k crm.Contract) app.ContractInput {
	in := app.ContractInput{Amount: k.Amount, Currency: k.Currency, StartDate: k.StartDate, EndDate: k.EndDate,
		Terms: k.Terms, Status: k.Status}
	if f.Amount != nil {
		in.Amount = *f.Amount
	}
	for dst, src := range map[*string]*string{&in.Currency: f.Currency, &in.StartDate: f.StartDate,
		&in.EndDate: f.EndDate, &in.Terms: f.Terms} {
		if src != nil {
			*dst = *src
		}
	}
	if f.Status != nil {
		in.Status = crm.ContractStatus(*f.Status)
	}
	return in
}

func (s *server) listContracts(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	limit, err := parseLimit(r)
	if err != nil {
		return err
	}
	q := store.ContractQuery{Limit: limit + 1, Status: r.URL.Query().Get("status")}
	if c := r.URL.Query().Get("cursor"); c != "" {
		parts, ok := decodeCursor(c, 1)
		if !ok || parts[0] <= 0 {
			return errBadCursor
		}
		q.Before = parts[0]
	}
	for name, dst := range map[string]*int64{"deal_id": &q.DealID, "company_id": &q.CompanyID, "contact_id": &q.ContactID} {
		if *dst, err = queryInt64(r, name); err != nil {
			return err
		}
	}
	ks, err := s.app.Contracts(r.Context(), ac, q)
	if err != nil {
		return err
	}
	out := make([]contractJSON, 0, len(ks))
	for _, k := range ks {
		out = append(out, toContract(k))
	}
	return writeJSON(w, http.StatusOK, newList(out, limit, func(c contractJSON) int64 { return c.ID }))
}

func (s *server) getContract(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	k, err := s.app.Contract(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toContract(k))
}

func (s *server) updateContract(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var f contractFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	old, err := s.app.Contract(r.Context(), ac, id)
	if err != nil {
		return err
	}
	if version != old.Version {
		return crm.ErrStale
	}
	k, err := s.app.UpdateContract(r.Context(), ac, id, version, f.apply(old))
	if err != nil {
		return err
	}
	k, _ = s.app.Contract(r.Context(), ac, k.ID) // with the names
	return writeJSON(w, http.StatusOK, toContract(k))
}

func (s *server) createRenewalDeal(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.app.CreateRenewalDeal(r.Context(), ac, id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/deals/%d", Prefix, d.ID))
	return s.writeDeal(w, r, ac, http.StatusCreated, d)
}

// contractsSchemas are the OpenAPI components of contracts.
func contractsSchemas() js {
	optRef := func(desc string) js { return nullable(idSchema(desc)) }
	contract := js{
		"id":              idSchema(""),
		"deal_id":         idSchema("The won deal it came from."),
		"deal_name":       str(""),
		"company_id":      optRef(""),
		"contact_id":      optRef("The deal's primary contact, now a customer."),
		"owner_id":        optRef("The deal's owner when it was won."),
		"amount":          integer("Value in the currency's minor units (yen for JPY)."),
		"currency":        str("ISO 4217 code."),
		"start_date":      date("The day the deal was won, in the workspace's time zone."),
		"end_date":        date("The end, which is also the renewal day; a year after the start by default."),
		"terms":           str("Plain text."),
		"status":          enumOf(contractStatuses()...),
		"renewal_deal_id": optRef("The renewal deal, once opened."),
		"created_at":      dateTime(""),
		"updated_at":      dateTime(""),
		"version":         integer("Increases with every change; send it back as If-Match."),
	}
	patch := js{
		"amount":     js{"type": "integer", "minimum": 0},
		"currency":   pattern("^[A-Za-z]{3}$", ""),
		"start_date": date(""),
		"end_date":   date("After the start date."),
		"terms":      str("Plain text, 10,000 characters at most."),
		"status":     enumOf(contractStatuses()...),
	}
	return js{
		"Contract":      record(contract),
		"ContractPatch": input(nil, patch),
		"ContractList":  listOf("Contract"),
	}
}

package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// competitorsRoutes are the UI routes of competitors: the list, the
// battlecard, their products and the prices observed.
func (s *server) competitorsRoutes() []route {
	return []route{
		{"GET", "/competitors", crm.PermReadAll, s.competitorsPage, false},
		{"POST", "/competitors", crm.PermWriteSales, s.competitorCreate, false},
		{"GET", "/competitors/{id}", crm.PermReadAll, s.battlecardPage, false},
		{"POST", "/competitors/{id}", crm.PermWriteSales, s.competitorUpdate, false},
		{"POST", "/competitors/{id}/products", crm.PermWriteSales, s.competitorProductCreate, false},
		{"POST", "/competitors/{id}/products/{product}/delete", crm.PermWriteSales, s.competitorProductDelete, false},
		{"POST", "/competitors/{id}/prices", crm.PermWriteContacts, s.competitorPriceCreate, false},
	}
}

// competitorRow is one line of the competitor list.
type competitorRow struct {
	C        crm.Competitor
	Record   crm.WinLoss
	Rate     string
	Products int
}

// competitorsData is the content of the competitor list.
type competitorsData struct {
	Rows     []competitorRow
	CanWrite bool
}

func (s *server) competitorsView(w http.ResponseWriter, r *http.Request, rq *req) (*page, error) {
	ctx := r.Context()
	cs, err := s.app.Competitors(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	products, err := s.app.CompetitorProducts(ctx, rq.actor, store.CompetitorProductQuery{})
	if err != nil {
		return nil, err
	}
	d := &competitorsData{CanWrite: rq.actor.Can(crm.PermWriteSales)}
	for _, c := range cs {
		row := competitorRow{C: c}
		if row.Record, err = s.app.CompetitorWinLoss(ctx, rq.actor, c.ID); err != nil {
			return nil, err
		}
		row.Rate = winRateText(row.Record)
		for _, p := range products {
			if p.CompetitorID == c.ID {
				row.Products++
			}
		}
		d.Rows = append(d.Rows, row)
	}
	p := s.newPage(w, r, rq, "competitors.title")
	p.Section = "catalogue"
	p.Data = d
	return p, nil
}

// winRateText writes won ÷ (won + lost) as "33.3%", "–" before any close.
func winRateText(w crm.WinLoss) string {
	rate, ok := w.WinRate()
	if !ok {
		return "–"
	}
	return strconv.FormatFloat(math.Round(rate*1000)/10, 'f', 1, 64) + "%"
}

func (s *server) competitorsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.competitorsView(w, r, rq)
	if err != nil {
		return err
	}
	p.Form = newForm()
	s.render(w, r, rq, http.StatusOK, "competitors_list", p)
	return nil
}

func competitorFromForm(f *form) crm.Competitor {
	return crm.Competitor{Name: f.Get("name"), Website: f.Get("website"), Notes: f.Get("notes"),
		Strengths: f.Get("strengths"), Weaknesses: f.Get("weaknesses"), TalkTrack: f.Get("talk_track")}
}

func (s *server) competitorCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	c, err := s.app.CreateCompetitor(r.Context(), rq.actor, competitorFromForm(f))
	if err != nil {
		p, verr := s.competitorsView(w, r, rq)
		if verr != nil {
			return verr
		}
		p.Form = f
		return again(err, "competitors_list", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/competitors/%d", c.ID), "flash.saved")
}

// battlecardData is the content of a competitor's battlecard.
type battlecardData struct {
	app.Battlecard
	Rate        string
	CanWrite    bool // the battlecard and the products
	CanRecord   bool // observed prices
	Ours        []option
	Theirs      []option
	History     []crm.CompetitorPrice // newest first
	DealsURL    string
	Today       string
	Stages      map[int64]crm.Stage
	RecordTotal int
}

func (s *server) battlecardView(w http.ResponseWriter, r *http.Request, rq *req, id int64) (*page, error) {
	ctx := r.Context()
	b, err := s.app.Battlecard(ctx, rq.actor, id)
	if err != nil {
		return nil, err
	}
	d := &battlecardData{Battlecard: b, Rate: winRateText(b.Record), CanWrite: rq.actor.Can(crm.PermWriteSales),
		CanRecord: rq.actor.Can(crm.PermWriteContacts), Today: s.today(r, rq),
		DealsURL:    fmt.Sprintf("/sales/deals/list?competitor=%d", id),
		RecordTotal: b.Record.Won + b.Record.Lost + b.Record.Open}
	if d.History, err = s.app.CompetitorPrices(ctx, rq.actor, store.CompetitorPriceQuery{CompetitorID: id}); err != nil {
		return nil, err
	}
	slices.Reverse(d.History)
	if d.CanWrite {
		res, err := s.app.Products(ctx, rq.actor, store.ProductQuery{Limit: 500})
		if err != nil {
			return nil, err
		}
		d.Ours = []option{{"", i18n.T(rq.lang, "competitors.not_mapped")}}
		for _, prod := range res.Products {
			d.Ours = append(d.Ours, option{strconv.FormatInt(prod.ID, 10), prod.SKU + " · " + prod.Name(rq.lang)})
		}
	}
	for _, cp := range b.Products {
		d.Theirs = append(d.Theirs, option{strconv.FormatInt(cp.ID, 10), cp.Name})
	}
	pipelines, err := s.app.Pipelines(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	d.Stages = map[int64]crm.Stage{}
	for _, pl := range pipelines {
		for _, st := range pl.Stages {
			d.Stages[st.ID] = st
		}
	}
	p := s.newPage(w, r, rq, "")
	p.Title = b.Competitor.Name
	p.Pretitle = i18n.T(rq.lang, "competitors.battlecard")
	p.Section = "catalogue"
	p.Data = d
	f := newForm()
	c := b.Competitor
	for k, v := range map[string]string{"name": c.Name, "website": c.Website, "notes": c.Notes,
		"strengths": c.Strengths, "weaknesses": c.Weaknesses, "talk_track": c.TalkTrack} {
		f.Set(k, v)
	}
	f.Set("observed_on", d.Today)
	f.Set("currency", "JPY")
	p.Form = f
	return p, nil
}

func (s *server) battlecardPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.battlecardView(w, r, rq, id)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "competitors_battlecard", p)
	return nil
}

// battlecardAgain shows the battlecard again with the submitted values of
// one of its forms (fields) and the error.
func (s *server) battlecardAgain(w http.ResponseWriter, r *http.Request, rq *req, id int64, f *form, fields []string, err error) error {
	p, verr := s.battlecardView(w, r, rq, id)
	if verr != nil {
		return verr
	}
	for _, k := range fields {
		p.Form.Set(k, f.Get(k))
	}
	return again(err, "competitors_battlecard", p)
}

func (s *server) competitorUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := submitted(r)
	if _, err := s.app.UpdateCompetitor(r.Context(), rq.actor, id, competitorFromForm(f)); err != nil {
		return s.battlecardAgain(w, r, rq, id, f,
			[]string{"name", "website", "notes", "strengths", "weaknesses", "talk_track"}, err)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/competitors/%d", id), "flash.saved")
}

func (s *server) competitorProductCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := submitted(r)
	mapped, _ := strconv.ParseInt(f.Get("cp_product_id"), 10, 64)
	_, err = s.app.CreateCompetitorProduct(r.Context(), rq.actor, crm.CompetitorProduct{CompetitorID: id,
		Name: f.Get("cp_name"), ProductID: mapped, Notes: f.Get("cp_notes")})
	if err != nil {
		err = renameFields(err, map[string]string{"name": "cp_name", "product_id": "cp_product_id", "notes": "cp_notes"})
		return s.battlecardAgain(w, r, rq, id, f, []string{"cp_name", "cp_product_id", "cp_notes"}, err)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/competitors/%d", id), "flash.saved")
}

func (s *server) competitorProductDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	productID, err := pathID(r, "product")
	if err != nil {
		return err
	}
	// The product must be this competitor's (the path says so).
	ps, err := s.app.CompetitorProducts(r.Context(), rq.actor, store.CompetitorProductQuery{ID: productID, CompetitorID: id})
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return crm.ErrNotFound
	}
	if err := s.app.DeleteCompetitorProduct(r.Context(), rq.actor, productID); err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/competitors/%d", id), "flash.competitors.product_deleted")
}

func (s *server) competitorPriceCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := submitted(r)
	cpID, _ := strconv.ParseInt(f.Get("competitor_product_id"), 10, 64)
	in := crm.CompetitorPrice{CompetitorProductID: cpID, ObservedOn: f.Get("observed_on"),
		Currency: f.Get("currency"), SourceURL: f.Get("source_url"), Note: f.Get("note")}
	in.Normalize()
	v := &crm.ValidationError{}
	in.Price = priceField(f, "price", in.Currency, v)
	if cpID != 0 {
		// The product must be this competitor's (the path says so).
		ps, err := s.app.CompetitorProducts(r.Context(), rq.actor, store.CompetitorProductQuery{ID: cpID, CompetitorID: id})
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			v.Add("competitor_product_id", "choose the competitor's product")
		}
	}
	if len(v.Fields) == 0 {
		_, err = s.app.AddCompetitorPrice(r.Context(), rq.actor, in)
	}
	if err = withFormErrors(v, err); err != nil {
		return s.battlecardAgain(w, r, rq, id, f,
			[]string{"competitor_product_id", "observed_on", "price", "currency", "source_url", "note"}, err)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/competitors/%d#prices", id), "flash.competitors.price_recorded")
}

// ---- the positioning chart ----

// posChart is the positioning chart for positioning.js: one label per
// observed day, our list price as a flat line, one line per competitor
// product (null on days without an observation; the line spans the gaps).
type posChart struct {
	Labels []string `json:"labels"`
	Sets   []posSet `json:"sets"`
	Digits int      `json:"digits"`
	Unit   string   `json:"unit"`
}

type posSet struct {
	Label string     `json:"label"`
	Color string     `json:"color"`
	Ours  bool       `json:"ours,omitempty"`
	Data  []*float64 `json:"data"`
	Tips  []string   `json:"tips"`
}

var posColors = []string{"#d63939", "#f76707", "#ae3ec9", "#0ca678", "#4263eb", "#f59f00", "#868e96"}

// positioningChart builds the chart's JSON; prices in another currency
// than our product's are left out of the chart (the table lists them).
func positioningChart(lang crm.Language, pos app.Positioning) string {
	cur := pos.Product.Currency
	digits := i18n.MinorDigits(cur)
	major := func(minor int64) *float64 {
		f := float64(minor) / math.Pow10(digits)
		return &f
	}
	var days []string
	for _, x := range pos.Prices {
		if x.Currency == cur && (len(days) == 0 || days[len(days)-1] != x.ObservedOn) {
			days = append(days, x.ObservedOn)
		}
	}
	c := posChart{Labels: make([]string, len(days)), Digits: digits, Unit: cur}
	for i, day := range days {
		c.Labels[i] = day
	}
	if len(days) == 0 {
		return ""
	}
	ours := posSet{Label: i18n.T(lang, "competitors.our_price", pos.Product.Name(lang)), Color: "#206bc4", Ours: true}
	for range days {
		ours.Data = append(ours.Data, major(pos.Product.ListPrice))
		ours.Tips = append(ours.Tips, i18n.Money(lang, pos.Product.ListPrice, cur))
	}
	c.Sets = append(c.Sets, ours)
	for i, rival := range pos.Rivals {
		set := posSet{Label: rival.CompetitorName + " · " + rival.Name, Color: posColors[i%len(posColors)],
			Data: make([]*float64, len(days)), Tips: make([]string, len(days))}
		any := false
		for _, x := range pos.Prices {
			if x.CompetitorProductID != rival.ID || x.Currency != cur {
				continue
			}
			j := slices.Index(days, x.ObservedOn)
			set.Data[j], set.Tips[j] = major(x.Price), i18n.Money(lang, x.Price, cur) // the day's last record wins
			any = true
		}
		if any {
			c.Sets = append(c.Sets, set)
		}
	}
	b, _ := json.Marshal(c)
	return string(b)
}

package web

import (
	"net/http"
	"net/url"
	"strconv"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// marketRoutes are the UI routes of market sizes and market share.
func (s *server) marketRoutes() []route {
	return []route{
		{"GET", "/marketing/market-share", crm.PermReadAll, s.marketPage, false},
		{"POST", "/marketing/market-share", crm.PermWriteMarketing, s.marketPut, false},
		{"POST", "/marketing/market-share/{id}/delete", crm.PermWriteMarketing, s.marketDelete, false},
	}
}

// marketRow is one market's share, ready to show.
type marketRow struct {
	app.MarketShareRow
	Label   string
	Size    string
	Revenue string
	Share   string
	Width   string // the share bar's value in percent, capped at 100
}

func newMarketRow(lang crm.Language, base string, m app.MarketShareRow) marketRow {
	row := marketRow{MarketShareRow: m, Label: m.SegmentName, Size: i18n.Money(lang, m.Size, base),
		Revenue: i18n.Money(lang, m.Revenue, base), Share: strconv.FormatFloat(m.Share*100, 'f', 2, 64) + "%",
		Width: strconv.FormatFloat(min(m.Share*100, 100), 'f', 1, 64)}
	if m.SegmentID == 0 {
		row.Label = i18n.T(lang, "market.whole")
	}
	return row
}

// sizeRow is one entered market size.
type sizeRow struct {
	crm.MarketSize
	Segment string
	Amount  string
}

type marketData struct {
	Key, Kind string
	Label     string
	PrevURL   string
	NextURL   string
	Rows      []marketRow
	Sizes     []sizeRow
	Segments  []option
	CanWrite  bool
	Base      string
}

func (s *server) marketView(w http.ResponseWriter, r *http.Request, rq *req) (*page, error) {
	ctx := r.Context()
	lang := rq.lang
	ws, err := s.workspace(ctx, rq)
	if err != nil {
		return nil, err
	}
	period, err := s.periodFromQuery(r, ws)
	if err != nil {
		return nil, err
	}
	conv, err := s.app.Converter(ctx)
	if err != nil {
		return nil, err
	}
	money := func(n int64) string { return i18n.Money(lang, n, conv.Base) }
	d := &marketData{Key: period.Key(), Kind: string(period.Kind), Label: periodLabel(lang, period), Base: conv.Base,
		CanWrite: rq.actor.Can(crm.PermWriteMarketing)}
	nav := func(pp crm.Period) string {
		return "/marketing/market-share?" + url.Values{"period": {pp.Key()}}.Encode()
	}
	d.PrevURL, d.NextURL = nav(period.Prev()), nav(period.Next())
	shares, err := s.app.MarketShare(ctx, rq.actor, period)
	if err != nil {
		return nil, err
	}
	for _, x := range shares {
		d.Rows = append(d.Rows, newMarketRow(lang, conv.Base, x))
	}
	segs, err := s.app.Segments(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{0: i18n.T(lang, "market.whole")}
	d.Segments = []option{{Value: "0", Label: i18n.T(lang, "market.whole")}}
	for _, g := range segs {
		names[g.ID] = g.Name
		d.Segments = append(d.Segments, option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name})
	}
	sizes, err := s.app.MarketSizes(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	for _, m := range sizes {
		d.Sizes = append(d.Sizes, sizeRow{MarketSize: m, Segment: names[m.SegmentID], Amount: money(m.Amount)})
	}
	p := s.newPage(w, r, rq, "market.title")
	p.Section, p.Sub = "marketing", "market-share"
	p.Pretitle = d.Label
	p.Data = d
	return p, nil
}

func (s *server) marketPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.marketView(w, r, rq)
	if err != nil {
		return err
	}
	p.Form = newForm()
	p.Form.Values.Set("period", p.Data.(*marketData).Key)
	s.render(w, r, rq, http.StatusOK, "market_share", p)
	return nil
}

func (s *server) marketPut(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	conv, err := s.app.Converter(r.Context())
	if err != nil {
		return err
	}
	var v crm.ValidationError
	m := crm.MarketSize{Period: f.Get("period"), Note: f.Get("note"), Amount: parseMoney(&v, "amount", f.Get("amount"), conv.Base)}
	if id, err := strconv.ParseInt(f.Get("segment_id"), 10, 64); err == nil {
		m.SegmentID = id
	} else if f.Get("segment_id") != "" {
		v.Add("segment_id", "choose a segment or the whole market")
	}
	if v.Err() == nil {
		m, err = s.app.PutMarketSize(r.Context(), rq.actor, m)
	} else {
		// The form's own messages first, then the app's for the other fields.
		if av, ok := crm.AsValidation(s.app.CheckMarketSize(r.Context(), &m)); ok {
			for k, msg := range av.Fields {
				v.Add(k, msg)
			}
		}
		err = v.Err()
	}
	if err != nil {
		p, verr := s.marketView(w, r, rq)
		if verr != nil {
			return verr
		}
		p.Form = f
		return again(err, "market_share", p)
	}
	return s.redirect(w, r, rq, "/marketing/market-share?"+url.Values{"period": {m.Period}}.Encode(), "flash.saved")
}

func (s *server) marketDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return crm.ErrNotFound
	}
	if err := s.app.DeleteMarketSize(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/marketing/market-share", "flash.saved")
}

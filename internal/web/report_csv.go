package web

import (
	"net/http"
	"strconv"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/csvio"
)

// Every report table can be downloaded as CSV (issue 9 §6): the page's
// URL with format=csv&table=<name>. Numbers are written raw (rates as
// fractions with their n and interval), not as the page formats them;
// cells that look like spreadsheet formulas are neutralised by csvio.

// reportTable is one downloadable table: a header and its rows.
type reportTable struct {
	header []string
	rows   [][]string
}

func (t *reportTable) add(cells ...string) { t.rows = append(t.rows, cells) }

// writeReportCSV writes the table named by ?table= from tables, or a
// clear error naming the tables there are.
func writeReportCSV(w http.ResponseWriter, r *http.Request, name string, tables map[string]*reportTable) error {
	key := r.URL.Query().Get("table")
	t, ok := tables[key]
	if !ok {
		names := ""
		for k := range tables {
			if names != "" {
				names += ", "
			}
			names += k
		}
		return crm.Invalid("table", "choose one of the report's tables: "+names)
	}
	setDownload(w, csvio.EncodingUTF8, name+"-"+key)
	cw := csvio.NewWriter(w, csvio.EncodingUTF8)
	cw.Write(t.header)
	for _, row := range t.rows {
		cw.Write(row)
	}
	return cw.Flush()
}

func itoa(n int) string      { return strconv.Itoa(n) }
func i64(n int64) string     { return strconv.FormatInt(n, 10) }
func frac(f float64) string  { return strconv.FormatFloat(f, 'f', 4, 64) }
func days1(d float64) string { return strconv.FormatFloat(d, 'f', 1, 64) }

// rateCells are a rate's numerator, denominator, value and 95% interval
// (empty without a denominator).
func rateCells(r app.Rate) []string {
	if r.Den == 0 {
		return []string{itoa(r.Num), itoa(r.Den), "", "", ""}
	}
	return []string{itoa(r.Num), itoa(r.Den), frac(r.Value), frac(r.Low), frac(r.High)}
}

func rateHeader(prefix string) []string {
	return []string{prefix + "_num", prefix + "_den", prefix, prefix + "_ci_low", prefix + "_ci_high"}
}

// closedLoopTables are the closed-loop report's tables.
func closedLoopTables(x app.ClosedLoopReport) map[string]*reportTable {
	kpis := func(k app.SalesKPIs) []string {
		out := rateCells(k.WinRate)
		return append(out, itoa(k.Contracts), itoa(k.Unconverted), i64(k.Revenue), i64(k.AvgDealSize),
			days1(k.CycleAvg.Hours()/24), days1(k.CycleMedian.Hours()/24))
	}
	kh := func(g string) []string {
		h := rateHeader(g + "_win_rate")
		return append(h, g+"_contracts", g+"_unconverted", g+"_revenue", g+"_average_deal_size", g+"_cycle_days_mean", g+"_cycle_days_median")
	}
	periods := &reportTable{header: append(append([]string{"period", "row"}, kh("marketing")...), kh("outbound")...)}
	add := func(label string, row app.LoopRow) {
		periods.add(append(append([]string{row.Period.Key(), label}, kpis(row.Marketing)...), kpis(row.Outbound)...)...)
	}
	add("current", x.Cur)
	add("previous", x.Prev)
	for _, m := range x.Months {
		add("month", m)
	}
	bands := &reportTable{header: append([]string{"fit_min", "fit_max"}, rateHeader("win_rate")...)}
	for _, b := range x.Bands {
		bands.add(append([]string{itoa(b.Min), itoa(b.Max)}, rateCells(b.WinRate)...)...)
	}
	h := x.Handoff
	handoff := &reportTable{header: append([]string{"measure"}, rateHeader("value")...)}
	handoff.add(append([]string{"acceptance"}, rateCells(h.Acceptance)...)...)
	handoff.add(append([]string{"recycled"}, rateCells(h.Recycled)...)...)
	handoff.add(append([]string{"disqualified"}, rateCells(h.Disqualify)...)...)
	handoff.add("mqls", itoa(h.MQLs), "", "", "", "")
	handoff.add("pending", itoa(h.Pending), "", "", "", "")
	handoff.add("first_touch_business_hours_median", itoa(h.FirstTouchN), "", strconv.FormatFloat(h.FirstTouch.Hours(), 'f', 2, 64), "", "")
	seqs := &reportTable{header: append(append(append([]string{"sequence_id", "sequence", "outcome"}, rateHeader("enrolled")...),
		rateHeader("holdout")...), "lift", "lift_ci_low", "lift_ci_high")}
	for _, q := range x.Sequences {
		for _, row := range q.Followed.Rows {
			lift := []string{"", "", ""}
			if row.Lift.Known {
				lift = []string{frac(row.Lift.Value), frac(row.Lift.Low), frac(row.Lift.High)}
			}
			seqs.add(append(append(append([]string{i64(q.Sequence.ID), q.Sequence.Name, row.Key}, rateCells(row.Enrolled)...),
				rateCells(row.Holdout)...), lift...)...)
		}
	}
	return map[string]*reportTable{"periods": periods, "bands": bands, "handoff": handoff, "sequences": seqs}
}

// marketingTables are the marketing dashboard's tables.
func marketingTables(x app.MarketingDashboard) map[string]*reportTable {
	traffic := &reportTable{header: []string{"start", "visitors", "pageviews"}}
	for _, b := range x.Buckets {
		traffic.add(b.Start.Format("2006-01-02"), i64(b.Visitors), i64(b.Pageviews))
	}
	sources := &reportTable{header: []string{"source", "pageviews"}}
	for _, c := range x.Sources {
		sources.add(c.Value, i64(c.Views))
	}
	leads := &reportTable{header: []string{"original_source", "leads"}}
	for _, c := range x.LeadsBySource {
		leads.add(c.Value, i64(c.Views))
	}
	weeks := &reportTable{header: []string{"week", "marketing_mqls", "outbound_mqls"}}
	for _, wk := range x.Weeks {
		weeks.add(wk.Week.Format("2006-01-02"), itoa(wk.Marketing), itoa(wk.Outbound))
	}
	voice := &reportTable{header: []string{"key", "name", "mentions", "share"}}
	for _, e := range x.Voice {
		voice.add(e.Key, e.Name, itoa(e.Mentions), frac(e.Share))
	}
	nps := &reportTable{header: []string{"survey_id", "survey", "n", "promoters", "passives", "detractors", "nps",
		"previous_n", "previous_nps"}}
	for _, n := range x.NPS {
		nps.add(i64(n.SurveyID), n.Name, itoa(n.Cur.N), itoa(n.Cur.Promoters), itoa(n.Cur.Passives), itoa(n.Cur.Detractors),
			strconv.FormatFloat(n.Cur.Score, 'f', 1, 64), itoa(n.Prev.N), strconv.FormatFloat(n.Prev.Score, 'f', 1, 64))
	}
	camps := &reportTable{header: []string{"campaign_id", "campaign", "cost", "leads", "cost_per_lead", "mqls", "cost_per_mql",
		"won_revenue", "roi"}}
	for _, c := range x.Campaigns {
		n := c.Numbers
		cpl, cpm, roi := "", "", ""
		if v, ok := n.CostPerLead(); ok {
			cpl = i64(v)
		}
		if v, ok := n.CostPerMQL(); ok {
			cpm = i64(v)
		}
		if v, ok := n.ROI(); ok {
			roi = frac(v)
		}
		camps.add(i64(c.Campaign.ID), c.Campaign.Name, i64(n.Cost), itoa(n.Leads), cpl, itoa(n.MQLs), cpm, i64(n.WonRevenue), roi)
	}
	market := &reportTable{header: []string{"segment_id", "segment", "size", "size_period", "pro_rata", "revenue", "won_deals", "share"}}
	for _, m := range x.Market {
		market.add(i64(m.SegmentID), m.SegmentName, i64(m.Size), m.SizePeriod, strconv.FormatBool(m.ProRata), i64(m.Revenue),
			itoa(m.Deals), frac(m.Share))
	}
	return map[string]*reportTable{"traffic": traffic, "sources": sources, "leads": leads, "mqls": weeks, "voice": voice,
		"nps": nps, "campaigns": camps, "market": market}
}

// salesTables are the sales dashboard's tables; stage and pipeline names
// are in the page's language.
func salesTables(lang crm.Language, x app.SalesDashboard) map[string]*reportTable {
	kh := append(append([]string{"period", "row"}, rateHeader("win_rate")...), "contracts", "lost", "unconverted", "revenue",
		"average_deal_size", "cycle_days_mean", "cycle_days_median")
	kpis := &reportTable{header: kh}
	for _, k := range []struct {
		row string
		k   app.SalesKPIs
	}{{"current", x.Cur}, {"previous", x.Prev}} {
		kpis.add(append(append([]string{k.k.Period.Key(), k.row}, rateCells(k.k.WinRate)...), itoa(k.k.Contracts), itoa(k.k.Lost),
			itoa(k.k.Unconverted), i64(k.k.Revenue), i64(k.k.AvgDealSize), days1(k.k.CycleAvg.Hours()/24),
			days1(k.k.CycleMedian.Hours()/24))...)
	}
	rates := &reportTable{header: append(append([]string{"source_group"}, rateHeader("win_rate")...), rateHeader("previous_win_rate")...)}
	for _, g := range []string{crm.GroupMarketing, crm.GroupOutbound} {
		rates.add(append(append([]string{g}, rateCells(x.Cur.ByGroup[g])...), rateCells(x.Prev.ByGroup[g])...)...)
	}
	rates.add(append(append([]string{"all"}, rateCells(x.Cur.WinRate)...), rateCells(x.Prev.WinRate)...)...)
	months := &reportTable{header: []string{"month", "contracts", "revenue", "marketing_revenue", "outbound_revenue"}}
	for _, m := range x.Months {
		months.add(m.Key, itoa(m.Count), i64(m.Marketing+m.Outbound), i64(m.Marketing), i64(m.Outbound))
	}
	pipeline := &reportTable{header: []string{"pipeline", "stage_id", "stage", "probability", "open_deals", "amount", "weighted"}}
	for _, s := range x.Pipeline {
		pipeline.add(s.Pipeline.Name(lang), i64(s.Stage.ID), s.Stage.Name(lang), itoa(s.Stage.Probability), itoa(s.Count),
			i64(s.Amount), i64(s.Weighted))
	}
	stays := &reportTable{header: []string{"pipeline", "stage_id", "stage", "stays", "days_mean"}}
	for _, s := range x.Stays {
		stays.add(s.Pipeline.Name(lang), i64(s.Stage.ID), s.Stage.Name(lang), itoa(s.N), days1(s.Avg.Hours()/24))
	}
	reasons := &reportTable{header: []string{"lost_reason", "lost_deals", "amount"}}
	for _, r := range x.LostReasons {
		reasons.add(r.Reason, itoa(r.Count), i64(r.Amount))
	}
	lostTo := &reportTable{header: []string{"competitor_id", "competitor", "lost_deals"}}
	for _, r := range x.LostTo {
		lostTo.add(i64(r.Competitor.ID), r.Competitor.Name, itoa(r.Count))
	}
	return map[string]*reportTable{"kpis": kpis, "rates": rates, "months": months, "pipeline": pipeline, "stays": stays,
		"reasons": reasons, "lostto": lostTo}
}

package gen

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// salesStream is the random stream of the deals (World.Rand).
const salesStream = 600

// The default pipeline's stages as migration 0010 creates them on a new
// database: ids 1 to 6 in this order.
const (
	stApproach = iota + 1
	stDiscovery
	stProposal
	stNegotiation
	stWon
	stLost
)

var stageNames = map[int64][2]string{stApproach: {"アプローチ", "Approach"}, stDiscovery: {"ヒアリング", "Discovery"},
	stProposal: {"提案", "Proposal"}, stNegotiation: {"交渉", "Negotiation"}, stWon: {"受注", "Won"}, stLost: {"失注", "Lost"}}

// competitorNames are the three named competitors of the story.
var competitorNames = []string{"株式会社ライバルシステムズ", "Competia Cloud", "マーケットワン株式会社"}

// battlecards are the competitors' strengths, weaknesses and talk track,
// in competitorNames' order.
var battlecards = [][3]string{
	{"大手企業での導入実績が多い。\n営業担当の人数が多く、訪問頻度が高い。",
		"初期費用が高く、導入に3か月以上かかる。\nMA機能は別製品で、データ連携が手作業。",
		"「マーケティングと営業が同じデータで動く」ことを実演する。導入期間（最短2週間）と総額（3年間）で比較表を出す。"},
	{"海外での知名度とアプリ連携の多さ。\n英語のドキュメントが充実。",
		"日本語サポートが平日日中のみ。\n請求がドル建てで為替の影響を受ける。\n適格請求書の対応が弱い。",
		"円建ての請求と日本語の請求書・見積書、国内サポートを強調。為替変動のリスクを試算して見せる。"},
	{"MA単体の価格が安い。\nメール配信の到達率に定評。",
		"SFA機能がなく、営業への引き渡しが手作業。\n分析は有料オプション。",
		"リードの引き渡しから受注までを一つの画面で見せる。MA単体価格ではなく、SFAと合わせた総額で比較する。"},
}

var battlecardsEN = [][3]string{
	{"Many enterprise references.\nA large field sales team.", "High set-up fee; three months or more to go live.\nMarketing automation is a separate product.",
		"Show marketing and sales working on the same data. Compare time to go live (two weeks) and the three-year total."},
	{"Well known abroad; many app integrations.", "Japanese support on weekday office hours only.\nBilled in dollars.",
		"Stress yen billing, Japanese quotes and invoices and local support."},
	{"Cheap stand-alone marketing automation.", "No sales module; hand-offs are manual.\nAnalytics cost extra.",
		"Show the whole path from lead to won deal on one screen; compare totals, not the MA price alone."},
}

var lostReasons = []struct {
	ja, en     string
	competitor bool
}{
	{"価格が合わなかった", "Price too high", true},
	{"競合製品を採用", "Chose a competitor's product", true},
	{"予算が凍結された", "Budget frozen", false},
	{"導入時期を見送り", "Postponed", false},
	{"必要な機能が不足", "Missing features", true},
}

// sales adds the deals of the story: every person who became an
// opportunity has one (won, lost or still open, as the person's hidden
// traits say), and sales-accepted leads that went no further have an open
// deal in Approach. Stage history follows the days between those steps.
type sales struct {
	w                                    *World
	deals, contacts, comps, hist, events *store.BulkTable
	compTable                            *store.BulkTable
	next                                 int64
	// won are the current company's won deals, read by the contracts
	// extension, which runs after this one for the same company.
	won []wonDeal
}

// wonDeal is what a contract needs of a won deal.
type wonDeal struct {
	id, amount int64
	at         time.Time
	person     *Person
}

func salesExtension(w *World) Extension { return &sales{w: w} }

func (s *sales) Tables(ctx context.Context, b *store.Bulk) (err error) {
	if s.compTable, err = b.Table(ctx, "competitors", "id", "name", "website", "notes", "strengths", "weaknesses",
		"talk_track", "created_at", "updated_at"); err != nil {
		return err
	}
	for i, n := range competitorNames {
		card := battlecards[i]
		if s.w.Lang() != crm.LangJA {
			card = battlecardsEN[i]
		}
		if err := s.compTable.Add(ctx, int64(i+1), n, fmt.Sprintf("https://competitor%d.example.com", i+1), "",
			card[0], card[1], card[2], ms(s.w.start), ms(s.w.start)); err != nil {
			return err
		}
	}
	if s.deals, err = b.Table(ctx, "deals", "id", "name", "pipeline_id", "stage_id", "amount", "currency", "close_date",
		"owner_id", "team_id", "company_id", "contact_id", "source", "source_group", "next_step", "next_step_date",
		"bant_budget", "bant_authority", "bant_need", "bant_timeline", "notes", "lost_reason", "lost_to_id", "won_at",
		"closed_at", "stage_entered_at", "created_at", "updated_at", "version", "forecast_category"); err != nil {
		return err
	}
	if s.contacts, err = b.Table(ctx, "deal_contacts", "deal_id", "contact_id", "role"); err != nil {
		return err
	}
	if s.comps, err = b.Table(ctx, "deal_competitors", "deal_id", "competitor_id"); err != nil {
		return err
	}
	if s.hist, err = b.Table(ctx, "deal_stage_history", "deal_id", "from_stage_id", "stage_id", "at", "actor_id", "entered_at"); err != nil {
		return err
	}
	s.events, err = b.Table(ctx, "timeline", "at", "contact_id", "company_id", "kind", "actor_id", "data", "ref_type", "ref_id")
	return err
}

func (s *sales) Company(ctx context.Context, co *Company, people []Person) error {
	r := s.w.Rand(salesStream, co.Index)
	s.won = s.won[:0]
	for i := range people {
		p := &people[i]
		opp := p.Stages[stageIndex(crm.StageOpportunity)]
		sql := p.Stages[stageIndex(crm.StageSQL)]
		if opp.IsZero() && sql.IsZero() {
			continue
		}
		if err := s.deal(ctx, r, co, p, sql, opp); err != nil {
			return err
		}
	}
	return nil
}

func (s *sales) Done(ctx context.Context) error { return nil }

// step is one stage a deal entered.
type step struct {
	stage int64
	at    time.Time
}

func (s *sales) deal(ctx context.Context, r *rand.Rand, co *Company, p *Person, sql, opp time.Time) error {
	now := s.w.Now()
	created := sql
	if created.IsZero() || (!opp.IsZero() && opp.Before(created)) {
		created = opp
	}
	// The stages it went through.
	steps := []step{{stApproach, created}}
	var end time.Time // won or lost
	stale := false    // lost without an answer
	switch {
	case !p.Closed.IsZero():
		end = p.Closed
		last := int64(stNegotiation)
		if p.Lost {
			last = stApproach + int64(r.IntN(4)) // lost anywhere from Approach to Negotiation
		}
		span := end.Sub(created)
		for st := int64(stDiscovery); st <= last; st++ {
			f := float64(st-1) / float64(last) * (0.8 + 0.2*r.Float64())
			steps = append(steps, step{st, created.Add(time.Duration(f * float64(span)))})
		}
		if p.Lost {
			steps = append(steps, step{stLost, end})
		} else {
			steps = append(steps, step{stWon, end})
		}
	case opp.IsZero() && now.Sub(created) > 120*24*time.Hour:
		// An accepted lead that never became an opportunity: given up
		// after a month or two without an answer.
		end = created.Add(time.Duration(30+r.IntN(30)) * 24 * time.Hour)
		steps = append(steps, step{stLost, end})
		stale = true
	case opp.IsZero():
		// A recent accepted lead: half of them have had their hearing.
		if at := created.Add(time.Duration(7+r.IntN(14)) * 24 * time.Hour); at.Before(now) && r.IntN(2) == 0 {
			steps = append(steps, step{stDiscovery, at})
		}
	case !opp.IsZero():
		// Still open: a stage every one to three weeks until now.
		at := opp
		for st := int64(stDiscovery); st <= stNegotiation; st++ {
			at = at.Add(time.Duration(7+r.IntN(14)) * 24 * time.Hour)
			if at.After(now) {
				break
			}
			steps = append(steps, step{st, at})
		}
	}
	for i := 1; i < len(steps); i++ { // keep the history in order
		if steps[i].at.Before(steps[i-1].at) {
			steps[i].at = steps[i-1].at
		}
	}
	cur := steps[len(steps)-1]

	s.next++
	id := s.next
	amount := int64(30+r.IntN(90)) * 10_000 * int64(1+co.Fit*3)
	closeDate := created.Add(time.Duration(45+r.IntN(90)) * 24 * time.Hour)
	if soon := now.Add(time.Duration(7+r.IntN(60)) * 24 * time.Hour); closeDate.Before(soon) {
		closeDate = soon // an open deal's expected close is ahead
	}
	if !end.IsZero() {
		closeDate = end
	}
	jst := time.FixedZone("JST", 9*3600)
	name := co.Name
	if n := s.w.dealTitle(r); n != "" {
		name += " " + n
	}
	var budget, authority, need, timeline, notes string
	if cur.stage >= stProposal || len(steps) > 3 {
		budget = []string{"300万円", "500万円前後", "年間1,000万円", "未定（上長確認中）"}[r.IntN(4)]
		authority = []string{"部長決裁", "役員会で決定", "情報システム部と共同", "社長決裁"}[r.IntN(4)]
		need = []string{"営業管理の一元化", "リード獲得の自動化", "Excel管理からの脱却", "商談の見える化"}[r.IntN(4)]
		timeline = []string{"今期中", "来期4月から", "3か月以内", "半年以内"}[r.IntN(4)]
		notes = "ヒアリング実施。" + need + "が最優先。"
	}
	var nextStep, nextDate string
	if end.IsZero() {
		nextStep = []string{"デモの日程調整", "見積書を送付", "決裁者との面談", "トライアル開始の確認"}[r.IntN(4)]
		nextDate = now.Add(time.Duration(1+r.IntN(14)) * 24 * time.Hour).In(jst).Format(time.DateOnly)
	}
	var lostReason string
	var lostTo, wonAt, closedAt any
	if !end.IsZero() {
		closedAt = ms(end)
		if stale {
			lostReason = "連絡が取れなくなった"
		} else if p.Lost {
			lr := lostReasons[r.IntN(len(lostReasons))]
			lostReason = lr.ja
			if lr.competitor {
				lostTo = int64(1 + r.IntN(len(competitorNames)))
			}
		} else {
			wonAt = ms(end)
			s.won = append(s.won, wonDeal{id: id, amount: amount, at: end, person: p})
		}
	}
	team := any(nil)
	if p.TeamID != 0 {
		team = p.TeamID
	}
	src := p.OriginalSource
	if err := s.deals.Add(ctx, id, name, int64(1), cur.stage, amount, "JPY", closeDate.In(jst).Format(time.DateOnly),
		nullID(p.OwnerID), team, int64(co.ID), int64(p.ID), string(src), crm.DefaultSourceGroups[src], nextStep, nextDate,
		budget, authority, need, timeline, notes, lostReason, lostTo, wonAt, closedAt, ms(cur.at), ms(created),
		ms(cur.at), int64(len(steps)), string(forecastOf(cur.stage, id))); err != nil {
		return err
	}
	role := crm.RoleInfluencer
	if p.Seniority >= 4 {
		role = crm.RoleDecisionMaker
	}
	if err := s.contacts.Add(ctx, id, int64(p.ID), role); err != nil {
		return err
	}
	if r.IntN(3) > 0 {
		if err := s.comps.Add(ctx, id, int64(1+r.IntN(len(competitorNames)))); err != nil {
			return err
		}
	}
	actor := nullID(p.OwnerID)
	for i, st := range steps {
		from, entered := any(nil), any(nil)
		if i > 0 {
			from, entered = steps[i-1].stage, ms(steps[i-1].at)
		}
		if err := s.hist.Add(ctx, id, from, st.stage, ms(st.at), actor, entered); err != nil {
			return err
		}
	}
	// The deal's events on the person's and the company's timelines.
	event := func(at time.Time, kind string, st int64) error {
		data := map[string]any{"deal": name, "stage_ja": stageNames[st][0], "stage_en": stageNames[st][1]}
		if kind == "deal_lost" {
			data["lost_reason"] = lostReason
		}
		b, _ := json.Marshal(data)
		return s.events.Add(ctx, ms(at), int64(p.ID), int64(co.ID), kind, actor, string(b), "deal", id)
	}
	if err := event(created, "deal_created", stApproach); err != nil {
		return err
	}
	switch cur.stage {
	case stWon:
		return event(cur.at, "deal_won", stWon)
	case stLost:
		return event(cur.at, "deal_lost", stLost)
	}
	return nil
}

// dealTitle names what a deal sells.
func (w *World) dealTitle(r *rand.Rand) string {
	return []string{"MA導入", "SFA導入", "CRM刷新", "営業支援ツール", "マーケティング基盤", "追加ライセンス"}[r.IntN(6)]
}

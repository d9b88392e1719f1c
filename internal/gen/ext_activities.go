package gen

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// activitiesStream is the random stream of activities and tasks.
const activitiesStream = 700

// activities adds the salespeople's calls, visits, meetings and notes on
// the people who reached SQL or opportunity (and on their deals, which the
// sales extension numbers in the same order), plus the marketing side's
// notes on new leads, and open tasks (some overdue, some due today) on the
// deals still open. Only the last 90 days are filled.
type activities struct {
	w               *World
	acts, tasks, tl *store.BulkTable
	nextAct, nextTk int64
	deal            int64 // the sales extension's deal counter, replayed
}

func activitiesExtension(w *World) Extension { return &activities{w: w} }

func (a *activities) Tables(ctx context.Context, b *store.Bulk) (err error) {
	if a.acts, err = b.Table(ctx, "activities", "id", "kind", "side", "subject", "body", "location", "outcome",
		"starts_at", "ends_at", "contact_id", "company_id", "deal_id", "owner_id", "created_by", "email_to",
		"created_at", "updated_at", "version"); err != nil {
		return err
	}
	if a.tasks, err = b.Table(ctx, "tasks", "id", "title", "notes", "due_at", "owner_id", "priority", "remind_minutes",
		"remind_at", "reminded_at", "contact_id", "company_id", "deal_id", "done_at", "created_by", "created_at",
		"updated_at", "version"); err != nil {
		return err
	}
	a.tl, err = b.Table(ctx, "timeline", "at", "contact_id", "company_id", "kind", "actor_id", "data", "ref_type", "ref_id")
	return err
}

var demoSubjects = map[crm.ActivityKind][]string{
	crm.ActCall:    {"初回ヒアリングの電話", "見積もりのフォロー", "導入時期の確認", "決裁者との日程調整"},
	crm.ActVisit:   {"本社訪問・ヒアリング", "提案書の説明に訪問", "デモのため訪問"},
	crm.ActMeeting: {"オンライン商談", "要件定義の打ち合わせ", "価格交渉"},
	crm.ActNote:    {"予算は来期に確保予定", "競合と比較検討中", "現場の反応は良好"},
}

func (a *activities) Company(ctx context.Context, co *Company, people []Person) error {
	r := a.w.Rand(activitiesStream, co.Index)
	now := a.w.Now()
	from := now.AddDate(0, 0, -90)
	for i := range people {
		p := &people[i]
		opp := p.Stages[stageIndex(crm.StageOpportunity)]
		sql := p.Stages[stageIndex(crm.StageSQL)]
		if opp.IsZero() && sql.IsZero() {
			if mql := p.Stages[stageIndex(crm.StageMQL)]; !mql.IsZero() && mql.After(from) && r.IntN(3) == 0 {
				if err := a.add(ctx, r, co, p, 0, crm.ActNote, crm.SideMarketing, mql.Add(time.Hour)); err != nil {
					return err
				}
			}
			continue
		}
		a.deal++
		if p.OwnerID == 0 {
			continue
		}
		start := sql
		if start.IsZero() || (!opp.IsZero() && opp.Before(start)) {
			start = opp
		}
		end := now
		if !p.Closed.IsZero() {
			end = p.Closed
		}
		if start.Before(from) {
			start = from
		}
		if !end.After(start) {
			continue
		}
		for n := 1 + r.IntN(4); n > 0; n-- {
			kind := []crm.ActivityKind{crm.ActCall, crm.ActCall, crm.ActVisit, crm.ActMeeting, crm.ActNote}[r.IntN(5)]
			at := a.w.workTime(r, start, end)
			if err := a.add(ctx, r, co, p, a.deal, kind, crm.SideSales, at); err != nil {
				return err
			}
		}
		if p.Closed.IsZero() { // an open deal: a task, overdue, today or coming
			due := now.Add(time.Duration(r.IntN(5*24)-2*24) * time.Hour).Truncate(time.Hour)
			if err := a.task(ctx, r, co, p, due); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *activities) add(ctx context.Context, r *rand.Rand, co *Company, p *Person, deal int64, kind crm.ActivityKind, side string, at time.Time) error {
	a.nextAct++
	subjects := demoSubjects[kind]
	subject := subjects[r.IntN(len(subjects))]
	body, outcome, location := "", "", ""
	var ends any
	switch kind {
	case crm.ActCall:
		outcome = crm.CallOutcomes[r.IntN(len(crm.CallOutcomes))]
	case crm.ActVisit, crm.ActMeeting:
		ends = ms(at.Add(time.Duration(30+30*r.IntN(4)) * time.Minute))
		if kind == crm.ActVisit {
			location = co.Name
		}
	case crm.ActNote:
		body, subject = subject, ""
		if side == crm.SideMarketing {
			body = "展示会・ウェビナーでの反応をメモ"
		}
	}
	owner := nullID(p.OwnerID)
	if err := a.acts.Add(ctx, a.nextAct, string(kind), side, subject, body, location, outcome, ms(at), ends,
		int64(p.ID), int64(co.ID), nullID(deal), owner, owner, "", ms(at), ms(at), 1); err != nil {
		return err
	}
	data := map[string]any{"kind": string(kind), "side": side, "subject": subject}
	if outcome != "" {
		data["outcome"] = outcome
	}
	b, _ := json.Marshal(data)
	return a.tl.Add(ctx, ms(at), int64(p.ID), int64(co.ID), "activity", owner, string(b), "activity", a.nextAct)
}

func (a *activities) task(ctx context.Context, r *rand.Rand, co *Company, p *Person, due time.Time) error {
	a.nextTk++
	titles := []string{"見積書を送る", "提案書の修正", "決裁者へのフォロー電話", "デモ環境の準備", "契約書ドラフト送付"}
	created := due.AddDate(0, 0, -3)
	return a.tasks.Add(ctx, a.nextTk, titles[r.IntN(len(titles))], "", ms(due), nullID(p.OwnerID),
		crm.Priorities[r.IntN(3)], nil, nil, nil, nil, nil, a.deal, nil, nullID(p.OwnerID), ms(created), ms(created), 1)
}

func (a *activities) Done(ctx context.Context) error { return nil }

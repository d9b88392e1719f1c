package gen

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// handoffStream is the random stream of the hand-offs (World.Rand).
const handoffStream = 400

// handoffSLA is the demo workspace's first-touch clock.
const handoffSLA = 4 * time.Hour

// rejections are the reasons sales gives, with how often (per 10) and
// whether the lead is recycled.
var rejections = []struct {
	code, noteJA, noteEN string
	weight               int
}{
	{"bad_timing", "来期の予算編成後に再検討したいとのこと。", "Wants to look again after next year's budget.", 4},
	{"no_budget", "今期は予算がない。", "No budget this year.", 2},
	{"not_a_fit", "従業員数が少なく、対象外。", "Too small for us.", 2},
	{"duplicate", "既存の商談と重複。", "Already in a deal.", 1},
	{"other", "担当者が退職済み。", "The contact has left the company.", 1},
}

// handoff adds the marketing → sales hand-off of the story: every person
// who became an MQL has a hand-off row with its owner and first-touch
// clock, accepted when they went on to SQL (marketing-sourced leads do so
// more often: the world's hidden temperature), rejected with a reason when
// they fell back, and still new when they are an MQL today — a few of
// those overdue and escalated. Open ones put a notification in their
// owner's inbox.
type handoff struct {
	w                   *World
	rows, notes, events *store.BulkTable
	next, nextNote      int64
	cal                 crm.BusinessCalendar
}

func handoffExtension(w *World) Extension {
	ws := crm.DefaultWorkspace("demo", crm.LangJA, "Asia/Tokyo")
	ws.TimeZone = "Asia/Tokyo"
	cal := ws.Calendar()
	cal.Location = w.jst
	return &handoff{w: w, cal: cal}
}

func (h *handoff) Tables(ctx context.Context, b *store.Bulk) (err error) {
	if h.rows, err = b.Table(ctx, "handoffs", "id", "contact_id", "owner_id", "team_id", "assigned_why", "mql_reason",
		"mql_at", "due_at", "status", "accepted_at", "rejected_at", "reason_code", "reason_note", "outcome", "recycled_at",
		"first_touch_at", "escalated_at", "decided_by", "source", "source_group", "campaign"); err != nil {
		return err
	}
	if h.notes, err = b.Table(ctx, "notifications", "id", "user_id", "kind", "text", "data", "link", "contact_id", "created_at"); err != nil {
		return err
	}
	h.events, err = b.Table(ctx, "timeline", "at", "contact_id", "company_id", "kind", "actor_id", "data", "ref_type", "ref_id")
	return err
}

func (h *handoff) Company(ctx context.Context, co *Company, people []Person) error {
	r := h.w.Rand(handoffStream, co.Index)
	for i := range people {
		p := &people[i]
		if mql := p.Stages[stageIndex(crm.StageMQL)]; !mql.IsZero() {
			if err := h.add(ctx, r, p, mql); err != nil {
				return err
			}
		}
	}
	return nil
}

func (h *handoff) Done(ctx context.Context) error { return nil }

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ms(t)
}

func nullInt(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (h *handoff) add(ctx context.Context, r *rand.Rand, p *Person, mql time.Time) error {
	now := h.w.Now()
	h.next++
	id := h.next
	due := h.cal.AddBusinessHours(mql, handoffSLA).UTC()
	owner := p.Contact.OwnerID
	status, outcome, code, note := "new", "", "", ""
	var accepted, rejected, recycled, touch, escalated time.Time
	sql := p.Stages[stageIndex(crm.StageSQL)]
	switch {
	case !sql.IsZero():
		status, accepted, touch = "accepted", sql, sql
	case p.Contact.Lifecycle == crm.StageMQL:
		if due.Before(now) {
			escalated = due.Add(30 * time.Minute)
		}
	default:
		// Fell back: a decision some business hours after the MQL.
		at := h.cal.AddBusinessHours(mql, time.Duration(1+r.IntN(12))*time.Hour).UTC()
		if at.After(now) {
			at = now
		}
		status, rejected, touch = "rejected", at, at
		n := r.IntN(10)
		for _, x := range rejections {
			if n -= x.weight; n < 0 {
				code, note = x.code, x.noteJA
				if !p.Japanese {
					note = x.noteEN
				}
				break
			}
		}
		outcome = crm.RejectReason(code).DefaultOutcome()
		if p.Contact.Lifecycle == crm.StageDisqualified {
			outcome = crm.OutcomeDisqualified
		}
		if outcome == crm.OutcomeRecycled {
			recycled = at
		}
	}
	why := "round_robin"
	if owner == 0 {
		why = "none"
	}
	if err := h.rows.Add(ctx, id, p.ID, nullInt(owner), nullInt(p.Contact.TeamID), why, "score", ms(mql), ms(due), status,
		nullTime(accepted), nullTime(rejected), code, note, outcome, nullTime(recycled), nullTime(touch), nullTime(escalated),
		nullInt(owner), string(p.Contact.OriginalSource), p.Group, ""); err != nil {
		return err
	}
	data, _ := json.Marshal(map[string]any{"owner_id": owner, "why": why, "reason": "score", "due_at": due.Format(time.RFC3339)})
	if err := h.events.Add(ctx, ms(mql), p.ID, nil, "assigned", nil, string(data), "handoff", id); err != nil {
		return err
	}
	switch status {
	case "accepted":
		if err := h.events.Add(ctx, ms(accepted), p.ID, nil, "lead_accepted", nullInt(owner), "{}", "handoff", id); err != nil {
			return err
		}
	case "rejected":
		d, _ := json.Marshal(map[string]any{"reason": code, "note": note, "outcome": outcome})
		if err := h.events.Add(ctx, ms(rejected), p.ID, nil, "lead_rejected", nullInt(owner), string(d), "handoff", id); err != nil {
			return err
		}
	case "new":
		if owner == 0 {
			return nil
		}
		name := p.Contact.Name(crm.LangJA)
		h.nextNote++
		text := name + " さんがMQLになり、あなたに割り当てられました。"
		d, _ := json.Marshal(map[string]any{"contact_id": p.ID, "handoff_id": id, "name": name})
		return h.notes.Add(ctx, h.nextNote, owner, "lead_assigned", text, string(d), "/sales/leads?tab=new", p.ID, ms(mql))
	}
	return nil
}

package gen

import (
	"context"
	"fmt"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// sequencesExtension adds one nurture sequence to the story (issue 8 §4):
// three e-mails with waits, a condition on the first e-mail's opens and a
// task for sales, a 10% holdout, the enrolments of consented leads from
// 20 to 40 days ago, the messages sent to them and their opens and
// clicks. The report's "what followed" comes from the story's own form
// submissions, hand-offs and deals after each enrolment. It draws no
// random numbers: who opens and clicks follows each person's hidden
// temperature and index.
func sequencesExtension(w *World) Extension { return &sequences{w: w} }

type sequences struct {
	w                 *World
	q, st, en, m, ev  *store.BulkTable
	people            []seqPerson
	msgID, evID, enID int64
}

type seqPerson struct {
	id    int64
	email string
	temp  float64
	index int
	mql   time.Time // when the person became an MQL (zero = never)
}

// The demo sequence's ids, and the first ids of its messages and events
// (above those of the broadcasts).
const (
	demoSequenceID       = 1
	maxSequenceEnrolled  = 300
	sequenceMessageStart = 1_000_000
)

func (x *sequences) Tables(ctx context.Context, b *store.Bulk) (err error) {
	if x.q, err = b.Table(ctx, "sequences", "id", "name", "status", "holdout_pct", "exit_reply", "exit_mql", "exit_unsub",
		"exit_deal", "created_at", "updated_at", "activated_at"); err != nil {
		return err
	}
	if x.st, err = b.Table(ctx, "sequence_steps", "id", "sequence_id", "position", "kind", "subject", "html", "wait_days",
		"cond", "then_step", "else_step", "task_title", "task_days"); err != nil {
		return err
	}
	if x.en, err = b.Table(ctx, "sequence_enrolments", "id", "sequence_id", "contact_id", "holdout", "position", "next_at",
		"status", "exit_reason", "source", "enrolled_at", "exited_at"); err != nil {
		return err
	}
	if x.m, err = b.Table(ctx, "email_messages", "id", "source_type", "source_id", "variant", "contact_id", "email", "status",
		"attempts", "next_at", "message_id", "queued_at", "sent_at"); err != nil {
		return err
	}
	x.ev, err = b.Table(ctx, "email_events", "id", "message_id", "contact_id", "source_type", "source_id", "kind", "url", "at")
	return err
}

func (x *sequences) Company(ctx context.Context, co *Company, people []Person) error {
	for _, p := range people {
		if len(x.people) >= maxSequenceEnrolled {
			return nil
		}
		if p.Email != "" && p.Consent == crm.ConsentGranted && !p.CreatedAt.After(x.w.Now().AddDate(0, 0, -45)) &&
			(p.Stages[2].IsZero() || p.Stages[2].After(x.w.Now().AddDate(0, 0, -40))) {
			x.people = append(x.people, seqPerson{id: p.ID, email: p.Email, temp: p.Temperature, index: p.Index, mql: p.Stages[2]})
		}
	}
	return nil
}

// demoStep is one step of the demo sequence.
type demoStep struct {
	kind           string
	subjJA, subjEN string
	wait           int
	taskJA, taskEN string
}

func demoSteps() []demoStep {
	return []demoStep{
		{kind: crm.StepEmail, subjJA: "{{family_name}}様、資料ダウンロードありがとうございます", subjEN: "Thanks for downloading our guide, {{given_name}}"},
		{kind: crm.StepWait, wait: 3},
		{kind: crm.StepCondition}, // opened e-mail 1? → step 5 : next
		{kind: crm.StepEmail, subjJA: "【再送】営業とマーケティングをつなぐ実践ガイド", subjEN: "In case you missed it: the sales and marketing playbook"},
		{kind: crm.StepWait, wait: 4},
		{kind: crm.StepEmail, subjJA: "導入事例: 成約率が30%上がった理由", subjEN: "Case study: how win rates rose 30%"},
		{kind: crm.StepWait, wait: 2},
		{kind: crm.StepTask, taskJA: "育成シナリオ完了: 電話でフォロー", taskEN: "Nurture finished: follow up by phone"},
	}
}

func (x *sequences) Done(ctx context.Context) error {
	if len(x.people) == 0 {
		return nil
	}
	w := x.w
	name := map[bool]string{true: "新規リード育成（資料請求）", false: "New lead nurture (guide download)"}[w.ja()]
	created := w.Now().AddDate(0, 0, -50)
	if err := x.q.Add(ctx, demoSequenceID, name, string(crm.SequenceActive), 10, 1, 1, 1, 1, created.UnixMilli(),
		created.UnixMilli(), created.UnixMilli()); err != nil {
		return err
	}
	steps := demoSteps()
	at := map[int]int{} // e-mail step position → days after enrolment it goes out
	day := 0
	for i, s := range steps {
		pos := i + 1
		subj, task := s.subjEN, s.taskEN
		if w.ja() {
			subj, task = s.subjJA, s.taskJA
		}
		html := ""
		if s.kind == crm.StepEmail {
			html = fmt.Sprintf(`<p>{{company | "%s"}}<br>{{family_name}} {{honorific}}</p><p>%s</p><p><a href="https://example.jp/guide/%d">%s</a></p>`,
				map[bool]string{true: "御社", false: "your company"}[w.ja()], subj, pos, "https://example.jp/guide")
			at[pos] = day
		}
		day += s.wait
		cond, then := "", 0
		if s.kind == crm.StepCondition {
			cond, then = crm.CondOpened, 5
		}
		taskDays := 0
		if s.kind == crm.StepTask {
			taskDays = 2
		}
		if err := x.st.Add(ctx, int64(pos), demoSequenceID, pos, s.kind, subj, html, s.wait, cond, then, 0, task, taskDays); err != nil {
			return err
		}
	}
	x.msgID, x.evID = sequenceMessageStart, sequenceMessageStart
	for i, p := range x.people {
		if err := x.enrol(ctx, i, p, at); err != nil {
			return err
		}
	}
	return nil
}

// enrol writes one person's enrolment and what the sequence sent them.
func (x *sequences) enrol(ctx context.Context, i int, p seqPerson, at map[int]int) error {
	w := x.w
	enrolled := w.Now().AddDate(0, 0, -(20 + i%21)).Truncate(time.Hour).Add(time.Duration(p.index%9) * time.Hour)
	x.enID++
	holdout := crm.SequenceHoldout(demoSequenceID, p.id, 10)
	if holdout {
		return x.en.Add(ctx, x.enID, demoSequenceID, p.id, 1, 1, enrolled.UnixMilli(), crm.EnrolCompleted, "", "segment",
			enrolled.UnixMilli(), nil)
	}
	exitAt := time.Time{}
	if !p.mql.IsZero() && p.mql.After(enrolled) {
		exitAt = p.mql
	}
	opened1 := p.temp+float64((p.index*13)%10)/20 > 0.7
	for _, pos := range []int{1, 4, 6} {
		if pos == 4 && opened1 {
			continue // the condition sent openers straight to step 5
		}
		sent := enrolled.Add(time.Duration(at[pos]) * 24 * time.Hour).Add(time.Minute)
		if sent.After(w.Now()) || (!exitAt.IsZero() && sent.After(exitAt)) {
			break
		}
		x.msgID++
		if err := x.m.Add(ctx, x.msgID, "sequence", int64(pos), "", p.id, p.email, store.MsgSent, 1, sent.UnixMilli(),
			fmt.Sprintf("%d.demo@example.jp", x.msgID), sent.UnixMilli(), sent.UnixMilli()); err != nil {
			return err
		}
		score := p.temp + float64((p.index*7+pos)%10)/20
		if pos == 1 {
			score = p.temp + float64((p.index*13)%10)/20
		}
		if score > 0.7 {
			if err := x.event(ctx, p.id, int64(pos), "open", "", sent.Add(52*time.Minute)); err != nil {
				return err
			}
			if score > 0.95 {
				if err := x.event(ctx, p.id, int64(pos), "click", "https://example.jp/guide", sent.Add(55*time.Minute)); err != nil {
					return err
				}
			}
		}
	}
	status, reason, position := crm.EnrolCompleted, "", len(demoSteps())+1
	var exited any
	if !exitAt.IsZero() {
		status, reason, exited = crm.EnrolExited, crm.ExitMQL, exitAt.UnixMilli()
		position = 2
	} else {
		exited = enrolled.Add(9 * 24 * time.Hour).UnixMilli()
	}
	return x.en.Add(ctx, x.enID, demoSequenceID, p.id, 0, position, enrolled.UnixMilli(), status, reason, "segment",
		enrolled.UnixMilli(), exited)
}

func (x *sequences) event(ctx context.Context, contact, step int64, kind, url string, at time.Time) error {
	if at.After(x.w.Now()) {
		return nil
	}
	x.evID++
	return x.ev.Add(ctx, x.evID, x.msgID, contact, "sequence", step, kind, url, at.UnixMilli())
}

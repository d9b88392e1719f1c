package app

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/mailtoken"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

const seqDay = 24 * time.Hour

// nurture is the sequence most tests use:
//
//	1 e-mail A
//	2 wait 2 days
//	3 opened A? → 5 : next
//	4 task for sales (due in 2 business days)
//	5 e-mail B
//	6 wait 1 day
func nurture(mod func(*crm.Sequence)) crm.Sequence {
	q := crm.Sequence{Name: "新規リード育成", ExitOnReply: true, ExitOnMQL: true, ExitOnUnsubscribe: true, ExitOnDeal: true,
		Steps: []crm.SequenceStep{
			{Kind: crm.StepEmail, Subject: "{{family_name}}様、資料のご案内", HTML: `<html><body><p>{{family_name}} {{honorific}}</p><p><a href="https://example.jp/guide">資料</a></p></body></html>`},
			{Kind: crm.StepWait, WaitDays: 2},
			{Kind: crm.StepCondition, Cond: crm.CondOpened, Then: 5, Else: crm.GoNext},
			{Kind: crm.StepTask, TaskTitle: "電話でフォロー", TaskDays: 2},
			{Kind: crm.StepEmail, Subject: "導入事例のご紹介", HTML: `<p>事例</p>`},
			{Kind: crm.StepWait, WaitDays: 1},
		}}
	if mod != nil {
		mod(&q)
	}
	return q
}

func (f *sendFixture) sequence(t *testing.T, mod func(*crm.Sequence)) crm.Sequence {
	t.Helper()
	q, err := f.app.CreateSequence(ctx, f.owner, nurture(mod))
	if err != nil {
		t.Fatal(err)
	}
	if q, err = f.app.ActivateSequence(ctx, f.owner, q.ID); err != nil {
		t.Fatal(err)
	}
	return q
}

func (f *sendFixture) tick(t *testing.T) int {
	t.Helper()
	n, err := f.app.TickSequences(ctx, "test-worker", true)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// stepMessages counts the outbox rows of a step (by status when given).
func stepMessages(t *testing.T, f *sendFixture, stepID int64, status string) int {
	t.Helper()
	if status == "" {
		return count(t, f.app.Store, "SELECT COUNT(*) FROM email_messages WHERE source_type = 'sequence' AND source_id = $1", stepID)
	}
	return count(t, f.app.Store, "SELECT COUNT(*) FROM email_messages WHERE source_type = 'sequence' AND source_id = $1 AND status = $2", stepID, status)
}

func enrolment(t *testing.T, f *sendFixture, seqID, contactID int64) crm.Enrolment {
	t.Helper()
	es, err := f.app.Store.ContactEnrolments(ctx, contactID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.SequenceID == seqID {
			return e
		}
	}
	t.Fatalf("contact %d is not enrolled in %d", contactID, seqID)
	return crm.Enrolment{}
}

// TestSequenceAdvances: the engine's tick walks each contact through the
// steps with the injected clock: the first e-mail at once, nothing during
// the wait, then the condition sends the opener straight to e-mail B and
// the other through the sales task first; both complete after the last wait.
func TestSequenceAdvances(t *testing.T) {
	f := newSendFixture(t, 2, nil)
	q := f.sequence(t, nil)
	opener, other := f.ids[0], f.ids[1]
	res, err := f.app.EnrolContacts(ctx, f.owner, q.ID, []int64{opener, other, opener})
	if err != nil || res.Enrolled != 2 || res.Already != 0 {
		t.Fatalf("enrol = %+v, %v", res, err)
	}
	if n := f.tick(t); n != 2 {
		t.Fatalf("advanced %d, want 2", n)
	}
	emailA, emailB := q.Steps[0].ID, q.Steps[4].ID
	if n := stepMessages(t, f, emailA, store.MsgQueued); n != 2 {
		t.Fatalf("e-mail A queued %d, want 2", n)
	}
	if e := enrolment(t, f, q.ID, opener); e.Position != 3 || !e.NextAt.Equal(f.clock.Now().Add(2*seqDay)) || e.Status != crm.EnrolActive {
		t.Fatalf("after the first tick: %+v", e)
	}
	f.clock.Add(seqDay)
	if n := f.tick(t); n != 0 {
		t.Fatalf("advanced %d during the wait", n)
	}
	// The opener opens e-mail A.
	var msgID int64
	if err := f.app.Store.DB().QueryRowContext(ctx, "SELECT id FROM email_messages WHERE source_id = $1 AND contact_id = $2",
		emailA, opener).Scan(&msgID); err != nil {
		t.Fatal(err)
	}
	if err := f.app.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.AddEmailEvent(ctx, &store.EmailEvent{MessageID: msgID, ContactID: opener, SourceType: SourceSequence, SourceID: emailA,
			Kind: "open", At: f.clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(seqDay)
	if n := f.tick(t); n != 2 {
		t.Fatalf("advanced %d after the wait, want 2", n)
	}
	if n := stepMessages(t, f, emailB, ""); n != 2 {
		t.Errorf("e-mail B rows %d, want 2", n)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM tasks WHERE contact_id = $1 AND title = '電話でフォロー' AND owner_id = $2",
		other, f.owner.User.ID); n != 1 {
		t.Errorf("tasks for the other contact: %d, want 1", n)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM tasks WHERE contact_id = $1", opener); n != 0 {
		t.Errorf("the opener got %d tasks; the condition should have skipped it", n)
	}
	f.clock.Add(seqDay)
	f.tick(t)
	for _, id := range []int64{opener, other} {
		if e := enrolment(t, f, q.ID, id); e.Status != crm.EnrolCompleted {
			t.Errorf("contact %d: %+v, want completed", id, e)
		}
	}
	if n := stepMessages(t, f, emailA, ""); n != 2 {
		t.Errorf("e-mail A rows %d after the whole run, want 2 (no second copy)", n)
	}
	rep, err := f.app.SequenceReport(ctx, f.owner, q.ID, 30)
	if err != nil || rep.Enrolled != 2 || rep.Completed != 2 || len(rep.Steps) != 2 || rep.Steps[0].UniqueOpens != 1 {
		t.Errorf("report = %+v, %v", rep, err)
	}
}

// TestSequenceConditions: the visited, score and segment conditions read
// the segment SQL for one contact; a branch to exit ends the enrolment.
func TestSequenceConditions(t *testing.T) {
	f := newSendFixture(t, 2, nil)
	in, out := f.ids[0], f.ids[1]
	vip, err := f.app.CreateSegment(ctx, f.owner, crm.Segment{Name: "VIP", Kind: crm.SegmentStatic})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.AddToList(ctx, f.owner, vip.ID, []int64{in}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cond crm.SequenceStep
	}{
		{"segment", crm.SequenceStep{Kind: crm.StepCondition, Cond: crm.CondSegment, SegmentID: vip.ID, Then: crm.GoNext, Else: crm.GoExit}},
		{"score 0", crm.SequenceStep{Kind: crm.StepCondition, Cond: crm.CondScore, CondValue: "0", Then: crm.GoNext, Else: crm.GoExit}},
		{"visited", crm.SequenceStep{Kind: crm.StepCondition, Cond: crm.CondVisited, CondValue: "/pricing", CondDays: 14, Then: crm.GoExit, Else: crm.GoNext}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := f.app.CreateSequence(ctx, f.owner, crm.Sequence{Name: "条件 " + tc.name, Steps: []crm.SequenceStep{
				tc.cond, {Kind: crm.StepTask, TaskTitle: "task " + tc.name, TaskDays: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.app.ActivateSequence(ctx, f.owner, q.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.app.EnrolContacts(ctx, f.owner, q.ID, []int64{in, out}); err != nil {
				t.Fatal(err)
			}
			f.tick(t)
			got := map[int64]string{}
			for _, id := range []int64{in, out} {
				e := enrolment(t, f, q.ID, id)
				got[id] = e.Status + "/" + e.ExitReason
			}
			want := map[string][2]string{
				"segment": {"completed/", "exited/condition"},
				"score 0": {"completed/", "completed/"}, // everyone has an engagement score ≥ 0
				"visited": {"completed/", "completed/"}, // nobody visited: the else branch goes on
			}[tc.name]
			if got[in] != want[0] || got[out] != want[1] {
				t.Errorf("in = %s, out = %s; want %v", got[in], got[out], want)
			}
		})
	}
}

// TestSequenceSendsEmail: an e-mail step goes through the sending engine
// to the in-process SMTP server, personalised, with the footer, both
// unsubscribe headers and signed click links.
func TestSequenceSendsEmail(t *testing.T) {
	f := newSendFixture(t, 1, nil)
	f.run(t, nil)
	q := f.sequence(t, nil)
	if _, err := f.app.EnrolContacts(ctx, f.owner, q.ID, f.ids); err != nil {
		t.Fatal(err)
	}
	f.tick(t)
	f.engine.Wake()
	m := f.smtp.WaitFor(t, f.emails[0], 20*time.Second)
	if m.Subject != "山田様、資料のご案内" {
		t.Errorf("subject = %q", m.Subject)
	}
	for _, part := range []string{m.HTML, m.Text} {
		for _, want := range []string{"株式会社サンプル", "東京都千代田区丸の内1-1-1", testBaseURL + "/e/u/", "配信停止", "山田 様"} {
			if !strings.Contains(part, want) {
				t.Errorf("message lacks %q:\n%s", want, part)
			}
		}
	}
	if lu := m.Header.Get("List-Unsubscribe"); !strings.HasPrefix(lu, "<"+testBaseURL+"/e/u/") || !strings.Contains(lu, "mailto:unsubscribe@example.jp") {
		t.Errorf("List-Unsubscribe = %q", lu)
	}
	if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", m.Header.Get("List-Unsubscribe-Post"))
	}
	if !strings.Contains(m.HTML, testBaseURL+"/e/c/") || strings.Contains(m.HTML, `href="https://example.jp/guide"`) {
		t.Error("the link is not a signed click link")
	}
	deadline := time.Now().Add(10 * time.Second)
	for stepMessages(t, f, q.Steps[0].ID, store.MsgSent) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the message was not recorded as sent")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSequenceHoldout: the held-out share is chosen by a hash (the same
// every time), is about the set percentage, and gets nothing.
func TestSequenceHoldout(t *testing.T) {
	held := 0
	for c := int64(1); c <= 2000; c++ {
		h := crm.SequenceHoldout(7, c, 10)
		if h != crm.SequenceHoldout(7, c, 10) {
			t.Fatal("not deterministic")
		}
		if crm.SequenceHoldout(7, c, 0) {
			t.Fatal("held out at 0%")
		}
		if h {
			held++
		}
	}
	if held < 140 || held > 260 {
		t.Errorf("held out %d of 2000 at 10%%", held)
	}
	f := newSendFixture(t, 20, nil)
	q := f.sequence(t, func(q *crm.Sequence) { q.HoldoutPct = 50 })
	res, err := f.app.EnrolContacts(ctx, f.owner, q.ID, f.ids)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, id := range f.ids {
		if crm.SequenceHoldout(q.ID, id, 50) {
			want++
		}
	}
	if res.Holdout != want || want == 0 || want == 20 {
		t.Fatalf("holdout %d, want %d (of 20)", res.Holdout, want)
	}
	f.tick(t)
	if n := stepMessages(t, f, q.Steps[0].ID, ""); n != 20-want {
		t.Errorf("%d messages, want %d (the holdout gets none)", n, 20-want)
	}
	if n := count(t, f.app.Store, `SELECT COUNT(*) FROM email_messages m JOIN sequence_enrolments e ON e.contact_id = m.contact_id
		WHERE e.holdout = 1 AND m.source_type = 'sequence'`); n != 0 {
		t.Errorf("%d messages to held-out contacts", n)
	}
	rep, err := f.app.SequenceReport(ctx, f.owner, q.ID, 30)
	if err != nil || rep.Holdout != want || rep.Enrolled != 20-want || rep.Followed.Holdout.N != want {
		t.Errorf("report = %+v, %v", rep, err)
	}
}

// TestSequenceExitRules: a reply, an MQL, an unsubscribe and a new deal
// each end the enrolment at once (in the event's transaction) and cancel
// the queued e-mail; later steps never run.
func TestSequenceExitRules(t *testing.T) {
	f := newSendFixture(t, 5, nil)
	q := f.sequence(t, nil)
	if _, err := f.app.EnrolContacts(ctx, f.owner, q.ID, f.ids); err != nil {
		t.Fatal(err)
	}
	f.tick(t)
	emailA := q.Steps[0].ID
	msg := func(contactID int64) int64 {
		var id int64
		if err := f.app.Store.DB().QueryRowContext(ctx, "SELECT id FROM email_messages WHERE source_id = $1 AND contact_id = $2",
			emailA, contactID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	// Reply: the message was sent with a Message-ID; a reply names it.
	rid := msg(f.ids[0])
	if _, err := f.app.Store.DB().ExecContext(ctx, "UPDATE email_messages SET status = 'sent', message_id = '<r1@example.jp>' WHERE id = $1", rid); err != nil {
		t.Fatal(err)
	}
	if ok, err := f.app.RecordReply(ctx, []string{"<r1@example.jp>"}, f.emails[0], "Re: 資料"); err != nil || !ok {
		t.Fatalf("reply: %v %v", ok, err)
	}
	// MQL, set by hand.
	c, err := f.app.Contact(ctx, f.owner, f.ids[1])
	if err != nil {
		t.Fatal(err)
	}
	c.Lifecycle = crm.StageMQL
	if _, err := f.app.UpdateContact(ctx, f.owner, c.ID, c.Version, ContactInput{Contact: c}); err != nil {
		t.Fatal(err)
	}
	// Unsubscribe through the link of the message.
	secret, _ := f.app.MailSecret(ctx)
	if _, err := f.app.Unsubscribe(ctx, mailtoken.Sign(secret, mailtoken.Unsubscribe, msg(f.ids[2]), f.ids[2], ""), "192.0.2.1", UnsubscribeLink); err != nil {
		t.Fatal(err)
	}
	// A deal for the contact.
	if _, err := f.app.CreateDeal(ctx, f.owner, crm.Deal{Name: "山田商事 導入", ContactID: f.ids[3], OwnerID: f.owner.User.ID}); err != nil {
		t.Fatal(err)
	}
	want := []string{crm.ExitReplied, crm.ExitMQL, crm.ExitUnsubscribed, crm.ExitDeal}
	for i, reason := range want {
		e := enrolment(t, f, q.ID, f.ids[i])
		if e.Status != crm.EnrolExited || e.ExitReason != reason {
			t.Errorf("contact %d: %s/%s, want exited/%s", i, e.Status, e.ExitReason, reason)
		}
	}
	for i := 1; i < 4; i++ { // the reply's message was already sent
		if st, _ := msgStatusByID(t, f.app.Store, msg(f.ids[i])); st != store.MsgCancelled {
			t.Errorf("contact %d: queued e-mail is %s, want cancelled", i, st)
		}
	}
	// The rest of the sequence: only the fifth contact goes on.
	f.clock.Add(3 * seqDay)
	f.tick(t)
	if n := stepMessages(t, f, q.Steps[4].ID, ""); n != 1 {
		t.Errorf("e-mail B rows %d, want 1 (only the contact still enrolled)", n)
	}
	if e := enrolment(t, f, q.ID, f.ids[4]); e.Status != crm.EnrolActive {
		t.Errorf("the fifth contact: %+v", e)
	}
	rep, err := f.app.SequenceReport(ctx, f.owner, q.ID, 30)
	if err != nil || rep.Exited != 4 || rep.ByReason[crm.ExitMQL] != 1 || rep.ByReason[crm.ExitReplied] != 1 {
		t.Errorf("report = %+v, %v", rep, err)
	}
}

func msgStatusByID(t *testing.T, s *store.Store, id int64) (string, error) {
	t.Helper()
	st, _, err := s.MessageStatus(ctx, id)
	return st, err
}

// TestSequenceExitRecheck: a change that bypasses the hooks (consent
// withdrawn in the database) is still caught before the next step, and a
// contact who is not mailable gets a suppressed row, never a message.
func TestSequenceExitRecheck(t *testing.T) {
	f := newSendFixture(t, 2, nil)
	q := f.sequence(t, nil)
	if _, err := f.app.Store.DB().ExecContext(ctx, "UPDATE contacts SET consent = 'unknown' WHERE id = $1", f.ids[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.EnrolContacts(ctx, f.owner, q.ID, f.ids); err != nil {
		t.Fatal(err)
	}
	f.tick(t)
	if n := stepMessages(t, f, q.Steps[0].ID, store.MsgSuppressed); n != 1 {
		t.Errorf("suppressed rows %d, want 1 (no consent)", n)
	}
	if _, err := f.app.Store.DB().ExecContext(ctx, "UPDATE contacts SET consent = 'withdrawn' WHERE id = $1", f.ids[0]); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(2 * seqDay)
	f.tick(t)
	if e := enrolment(t, f, q.ID, f.ids[0]); e.Status != crm.EnrolExited || e.ExitReason != crm.ExitUnsubscribed {
		t.Errorf("withdrawn contact: %+v", e)
	}
	if e := enrolment(t, f, q.ID, f.ids[1]); e.Status != crm.EnrolActive || e.Position != 7 {
		t.Errorf("contact without consent goes on through the other steps: %+v", e)
	}
}

// TestSequenceEnrolment: by segment (new matches later too), by form, and
// only once per contact.
func TestSequenceEnrolment(t *testing.T) {
	f := newSendFixture(t, 3, nil)
	fm, err := f.app.CreateForm(ctx, f.owner, crm.Form{Name: "資料請求", Fields: []crm.FormField{{Key: "email", LabelJA: "メール", LabelEN: "E-mail"}}})
	if err != nil {
		t.Fatal(err)
	}
	q := f.sequence(t, func(q *crm.Sequence) { q.SegmentID = f.list.ID; q.FormID = fm.ID })
	f.tick(t)
	rep, err := f.app.SequenceReport(ctx, f.owner, q.ID, 30)
	if err != nil || rep.Enrolled != 3 {
		t.Fatalf("after the first tick: %+v %v", rep, err)
	}
	c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "late@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.AddToList(ctx, f.owner, f.list.ID, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	f.tick(t)
	f.tick(t)
	if _, err := f.app.SubmitForm(ctx, FormPost{Form: fm, Lang: crm.LangJA, Values: map[string]string{"email": "form@example.com"}}); err != nil {
		t.Fatal(err)
	}
	rep, err = f.app.SequenceReport(ctx, f.owner, q.ID, 30)
	if err != nil || rep.Enrolled != 5 {
		t.Fatalf("enrolled %d, want 5 (3 + a late list member + a form submitter): %v", rep.Enrolled, err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM sequence_enrolments WHERE source = 'form'"); n != 1 {
		t.Errorf("form enrolments %d", n)
	}
}

// TestSequenceValidation: hostile input gets per-field errors and writes
// nothing.
func TestSequenceValidation(t *testing.T) {
	f := newSendFixture(t, 0, nil)
	before := count(t, f.app.Store, "SELECT COUNT(*) FROM audit_log")
	for _, tc := range []struct {
		name  string
		q     crm.Sequence
		field string
	}{
		{"no name", crm.Sequence{}, "name"},
		{"bad step type", crm.Sequence{Name: "x", Steps: []crm.SequenceStep{{Kind: "shell"}}}, "steps.1.kind"},
		{"loop", crm.Sequence{Name: "x", Steps: []crm.SequenceStep{{Kind: crm.StepWait, WaitDays: 1},
			{Kind: crm.StepCondition, Cond: crm.CondScore, CondValue: "10", Then: 1, Else: crm.GoNext}}}, "steps.2.then"},
		{"self", crm.Sequence{Name: "x", Steps: []crm.SequenceStep{{Kind: crm.StepCondition, Cond: crm.CondScore, CondValue: "1",
			Then: crm.GoNext, Else: 1}}}, "steps.1.else"},
		{"unknown template", crm.Sequence{Name: "x", Steps: []crm.SequenceStep{{Kind: crm.StepEmail, TemplateID: 9999}}}, "steps.1.template_id"},
		{"foreign segment", crm.Sequence{Name: "x", SegmentID: 424242}, "segment_id"},
		{"foreign condition segment", crm.Sequence{Name: "x", Steps: []crm.SequenceStep{{Kind: crm.StepCondition, Cond: crm.CondSegment,
			SegmentID: 424242}}}, "steps.1.segment_id"},
		{"unknown form", crm.Sequence{Name: "x", FormID: 777}, "form_id"},
		{"holdout too big", crm.Sequence{Name: "x", HoldoutPct: 80}, "holdout_pct"},
		{"opened without an e-mail", crm.Sequence{Name: "x", Steps: []crm.SequenceStep{{Kind: crm.StepCondition, Cond: crm.CondOpened}}}, "steps.1.cond"},
		{"bad template syntax", crm.Sequence{Name: "x", Steps: []crm.SequenceStep{{Kind: crm.StepEmail, Subject: "s", HTML: "{{env.HOME}}"}}}, "steps.1.html"},
		{"unknown property", crm.Sequence{Name: "x", Steps: []crm.SequenceStep{{Kind: crm.StepProperty, PropKey: "nope"}}}, "steps.1.prop_key"},
		{"no wait", crm.Sequence{Name: "x", Steps: []crm.SequenceStep{{Kind: crm.StepWait}}}, "steps.1.wait_days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.app.CreateSequence(ctx, f.owner, tc.q)
			v, ok := crm.AsValidation(err)
			if !ok || v.Fields[tc.field] == "" {
				t.Fatalf("err = %v, want a message for %s", err, tc.field)
			}
		})
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM sequences") + count(t, f.app.Store, "SELECT COUNT(*) FROM sequence_steps"); n != 0 {
		t.Errorf("%d rows written by refused input", n)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM audit_log"); n != before {
		t.Error("refused input was audited as a change")
	}
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	if _, err := f.app.CreateSequence(ctx, viewer, nurture(nil)); err != crm.ErrForbidden {
		t.Errorf("viewer create: %v", err)
	}
	// An active sequence's steps stay as they are.
	q := f.sequence(t, nil)
	q.Steps = q.Steps[:1]
	if _, err := f.app.UpdateSequence(ctx, f.owner, q); err == nil {
		t.Error("changed the steps of an active sequence")
	}
}

// TestSequenceTwoEngines: two App instances on one PostgreSQL database
// advance the same enrolments at the same time; every step runs once per
// contact (one e-mail row, one task each).
func TestSequenceTwoEngines(t *testing.T) {
	if !storetest.IsPostgres() {
		t.Skip("two processes share a database on PostgreSQL; SQLite has one writer")
	}
	o := storetest.Options(t)
	open := func() *store.Store {
		s, err := store.Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s1 := open()
	if _, err := s1.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	clock := newClock()
	a1 := New(Config{Store: s1, Clock: clock.Now, BaseURL: testBaseURL})
	tok, _, err := a1.Setup(ctx, SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", Name: "Owner", Email: "owner@example.jp",
		Password: testPassword}, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	owner, err := a1.Authenticate(ctx, tok, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	a2 := New(Config{Store: open(), Clock: clock.Now, BaseURL: testBaseURL})
	if _, err := a1.UpdateSendingSettings(ctx, owner, SendingUpdate{Settings: crm.SendingSettings{
		Relays: []crm.SMTPRelay{{Name: "local", Host: "127.0.0.1", Port: 2525, Security: "none", MaxConns: 1}},
		Domain: "example.jp", FromAddress: "news@example.jp",
		Compliance: crm.Compliance{SenderName: "株式会社サンプル", PostalAddress: "東京都千代田区丸の内1-1-1", ContactEmail: "info@example.jp"},
	}}); err != nil {
		t.Fatal(err)
	}
	q, err := a1.CreateSequence(ctx, owner, crm.Sequence{Name: "並行", Steps: []crm.SequenceStep{
		{Kind: crm.StepEmail, Subject: "ご案内", HTML: "<p>ご案内</p>"},
		{Kind: crm.StepTask, TaskTitle: "フォロー", TaskDays: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a1.ActivateSequence(ctx, owner, q.ID); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range 60 {
		c, err := a1.CreateContact(ctx, owner, ContactInput{Contact: crm.Contact{Email: fmt.Sprintf("c%02d@example.com", i), OwnerID: owner.User.ID}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if _, err := a1.EnrolContacts(ctx, owner, q.ID, ids); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i, a := range []*App{a1, a2, a1, a2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.TickSequences(ctx, fmt.Sprintf("w%d", i), false); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var tasks, done int
	if err := s1.DB().QueryRowContext(ctx, "SELECT COUNT(*), COUNT(DISTINCT contact_id) FROM tasks").Scan(&tasks, &done); err != nil {
		t.Fatal(err)
	}
	if tasks != 60 || done != 60 {
		t.Errorf("%d tasks for %d contacts, want 60 for 60", tasks, done)
	}
	var rows, distinct int
	if err := s1.DB().QueryRowContext(ctx, "SELECT COUNT(*), COUNT(DISTINCT contact_id) FROM email_messages WHERE source_type = 'sequence' AND source_id = $1",
		q.Steps[0].ID).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != 60 || distinct != 60 {
		t.Errorf("%d e-mail rows for %d contacts, want 60 for 60", rows, distinct)
	}
}

// TestSequenceReportNumbers: "what followed" on a hand-computed fixture.
// 10 enrolled, 5 held out, at t0; within 30 days: forms 4 of 10 enrolled
// (a fifth after day 30 and a sixth before t0 do not count) and 1 of 5
// held out; MQLs 2 of 10; one deal, won, ¥1,200,000.
func TestSequenceReportNumbers(t *testing.T) {
	f := newSendFixture(t, 15, nil)
	q, err := f.app.CreateSequence(ctx, f.owner, crm.Sequence{Name: "レポート", HoldoutPct: 10,
		Steps: []crm.SequenceStep{{Kind: crm.StepWait, WaitDays: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	t0 := f.clock.Now()
	db := f.app.Store.DB()
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	for i, id := range f.ids {
		exec(`INSERT INTO sequence_enrolments (sequence_id, contact_id, holdout, position, next_at, status, source, enrolled_at)
			VALUES ($1, $2, $3, 1, $4, 'active', 'manual', $4)`, q.ID, id, map[bool]int{true: 1, false: 0}[i >= 10], t0.UnixMilli())
	}
	fm, err := f.app.CreateForm(ctx, f.owner, crm.Form{Name: "資料請求", Fields: []crm.FormField{{Key: "email", LabelJA: "メール", LabelEN: "E-mail"}}})
	if err != nil {
		t.Fatal(err)
	}
	sub := func(contact int64, at time.Time) {
		exec("INSERT INTO form_submissions (form_id, contact_id, at) VALUES ($1, $2, $3)", fm.ID, contact, at.UnixMilli())
	}
	for i := 0; i < 4; i++ {
		sub(f.ids[i], t0.Add(time.Duration(i+1)*seqDay))
	}
	sub(f.ids[0], t0.Add(2*seqDay)) // a second form by the same contact counts once
	sub(f.ids[4], t0.Add(31*seqDay))
	sub(f.ids[5], t0.Add(-seqDay))
	sub(f.ids[10], t0.Add(3*seqDay))
	for _, i := range []int{1, 2} {
		exec("INSERT INTO handoffs (contact_id, mql_at, due_at) VALUES ($1, $2, $2)", f.ids[i], t0.Add(5*seqDay).UnixMilli())
	}
	var pipeline, won int64
	if err := db.QueryRowContext(ctx, "SELECT pipeline_id, id FROM pipeline_stages WHERE kind = 'won' ORDER BY id LIMIT 1").Scan(&pipeline, &won); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(10 * seqDay).UnixMilli()
	exec(`INSERT INTO deals (name, pipeline_id, stage_id, amount, currency, contact_id, won_at, closed_at, stage_entered_at, created_at, updated_at)
		VALUES ('受注', $1, $2, 1200000, 'JPY', $3, $4, $4, $4, $4, $4)`, pipeline, won, f.ids[2], at)

	rep, err := f.app.SequenceReport(ctx, f.owner, q.ID, 30)
	if err != nil {
		t.Fatal(err)
	}
	fo := rep.Followed
	if rep.Enrolled != 10 || rep.Holdout != 5 || fo.Enrolled.N != 10 || fo.Holdout.N != 5 {
		t.Fatalf("groups: %+v", rep)
	}
	check := func(name string, r Rate, num, den int, low, high float64) {
		t.Helper()
		if r.Num != num || r.Den != den || math.Abs(r.Low-low) > 1e-4 || math.Abs(r.High-high) > 1e-4 {
			t.Errorf("%s = %d/%d [%.4f, %.4f], want %d/%d [%.4f, %.4f]", name, r.Num, r.Den, r.Low, r.High, num, den, low, high)
		}
	}
	check("forms enrolled", fo.Enrolled.Forms, 4, 10, 0.1682, 0.6873)
	check("forms holdout", fo.Holdout.Forms, 1, 5, 0.0362, 0.6245)
	check("mqls enrolled", fo.Enrolled.MQLs, 2, 10, 0.0567, 0.5098)
	check("mqls holdout", fo.Holdout.MQLs, 0, 5, 0, 0.4345)
	check("deals enrolled", fo.Enrolled.Deals, 1, 10, 0.0179, 0.4042)
	check("won enrolled", fo.Enrolled.Won, 1, 10, 0.0179, 0.4042)
	if fo.Enrolled.Revenue != 1200000 || fo.Holdout.Revenue != 0 {
		t.Errorf("revenue %d / %d", fo.Enrolled.Revenue, fo.Holdout.Revenue)
	}
	lift := fo.Rows[0].Lift
	if fo.Rows[0].Key != "forms" || math.Abs(lift.Value-0.2) > 1e-9 || math.Abs(lift.Low+0.2836) > 1e-4 || math.Abs(lift.High-0.5307) > 1e-4 {
		t.Errorf("forms lift = %+v, want 0.2 [-0.2836, 0.5307]", lift)
	}
	// A window of 40 days takes the late form in.
	rep, err = f.app.SequenceReport(ctx, f.owner, q.ID, 40)
	if err != nil || rep.Followed.Enrolled.Forms.Num != 5 {
		t.Errorf("40 days: forms %d, %v", rep.Followed.Enrolled.Forms.Num, err)
	}
	if _, err := f.app.SequenceReport(ctx, f.owner, q.ID, 0); err == nil {
		t.Error("a window of 0 days was accepted")
	}
	// The closed-loop report shows the same lift (30 days).
	ws, _, _ := f.app.Workspace(ctx)
	loop, err := f.app.ClosedLoop(ctx, f.owner, ws.PeriodOf(crm.PeriodMonth, t0))
	if err != nil {
		t.Fatal(err)
	}
	if len(loop.Sequences) != 1 || loop.Sequences[0].Sequence.ID != q.ID || loop.Sequences[0].Followed.Rows[0].Lift != lift {
		t.Errorf("closed-loop sequences = %+v, want the sequence with forms lift %+v", loop.Sequences, lift)
	}
}

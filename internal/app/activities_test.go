package app

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/ical"
	"renkei/internal/store"
)

func (f *salesFixture) contact(t *testing.T, email, family string) crm.Contact {
	t.Helper()
	c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: email,
		PersonName: crm.PersonName{Family: family, Given: "太郎"}}, CompanyName: family + "商事"})
	if err != nil {
		t.Fatalf("CreateContact: %v", err)
	}
	return c
}

func TestActivityValidationWritesNothing(t *testing.T) {
	f := newSalesFixture(t)
	c := f.contact(t, "yamada@example.jp", "山田")
	now := f.clock.Now()
	cases := []struct {
		name  string
		in    crm.Activity
		field string
	}{
		{"kind", crm.Activity{Kind: "fax", Subject: "x", ContactID: c.ID}, "kind"},
		{"side", crm.Activity{Kind: crm.ActCall, Side: "both", Subject: "x", ContactID: c.ID}, "side"},
		{"subject", crm.Activity{Kind: crm.ActCall, ContactID: c.ID}, "subject"},
		{"long subject", crm.Activity{Kind: crm.ActCall, Subject: strings.Repeat("長", 201), ContactID: c.ID}, "subject"},
		{"empty note", crm.Activity{Kind: crm.ActNote, ContactID: c.ID}, "body"},
		{"outcome on a meeting", crm.Activity{Kind: crm.ActMeeting, Subject: "x", Outcome: crm.OutcomeConnected, ContactID: c.ID}, "outcome"},
		{"unknown outcome", crm.Activity{Kind: crm.ActCall, Subject: "x", Outcome: "busy", ContactID: c.ID}, "outcome"},
		{"end before start", crm.Activity{Kind: crm.ActVisit, Subject: "x", StartsAt: now, EndsAt: now.Add(-time.Minute), ContactID: c.ID}, "ends_at"},
		{"end on a call", crm.Activity{Kind: crm.ActCall, Subject: "x", StartsAt: now, EndsAt: now.Add(time.Minute), ContactID: c.ID}, "ends_at"},
		{"no link", crm.Activity{Kind: crm.ActCall, Subject: "x"}, "contact_id"},
		{"missing deal", crm.Activity{Kind: crm.ActCall, Subject: "x", DealID: 999}, "deal_id"},
	}
	before := snapshot(t, f.app.Store)
	for _, tc := range cases {
		_, err := f.app.CreateActivity(ctx, f.sales, tc.in)
		v, ok := crm.AsValidation(err)
		if tc.name == "missing deal" && errors.Is(err, crm.ErrNotFound) {
			continue // the deal check comes first: not found
		}
		if !ok || v.Fields[tc.field] == "" {
			t.Errorf("%s: error %v, want a message on %s", tc.name, err, tc.field)
		}
	}
	if d := diffSnapshots(before, snapshot(t, f.app.Store)); d != "" {
		t.Errorf("refused activities wrote: %s", d)
	}
}

func TestActivitySidesAndTimeline(t *testing.T) {
	f := newSalesFixture(t)
	mkt := f.addUser(t, "mkt@example.jp", crm.RoleMarketing)
	c := f.contact(t, "sato@example.jp", "佐藤")
	d := f.deal(t, crm.Deal{Name: "基幹システム", ContactID: c.ID})

	note, err := f.app.CreateActivity(ctx, mkt, crm.Activity{Kind: crm.ActNote, Body: "展示会で名刺交換", ContactID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	call, err := f.app.CreateActivity(ctx, f.sales, crm.Activity{Kind: crm.ActCall, Subject: "初回電話", Outcome: crm.OutcomeVoicemail, DealID: d.ID})
	if err != nil {
		t.Fatal(err)
	}
	salesNote, _ := f.app.CreateActivity(ctx, f.sales, crm.Activity{Kind: crm.ActNote, Body: "x", ContactID: c.ID})
	if note.Side != crm.SideMarketing || call.Side != crm.SideSales || salesNote.Side != crm.SideSales {
		t.Errorf("sides: note by marketing %q, call %q, note by sales %q", note.Side, call.Side, salesNote.Side)
	}
	// The call on the deal links the deal's contact and company.
	if call.ContactID != c.ID || call.CompanyID != c.CompanyID || call.OwnerID != f.sales.User.ID {
		t.Errorf("call links: %+v", call)
	}
	// A workspace that counts notes as marketing whoever writes them.
	sides, v, _ := f.app.ActivitySides(ctx)
	sides[crm.ActNote] = crm.SideMarketing
	if _, err := f.app.UpdateActivitySides(ctx, f.sales, sides, v); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("sales changes the sides: %v", err)
	}
	if _, err := f.app.UpdateActivitySides(ctx, f.owner, sides, v); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.app.CreateActivity(ctx, f.sales, crm.Activity{Kind: crm.ActNote, Body: "y", ContactID: c.ID}); n.Side != crm.SideMarketing {
		t.Errorf("note after the setting: %q", n.Side)
	}

	for _, flt := range []store.TimelineFilter{{ContactID: c.ID}, {CompanyID: c.CompanyID}} {
		es, err := f.app.Timeline(ctx, f.sales, flt)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range es {
			if e.Kind == KindActivity && e.RefType == "activity" {
				n++
				if e.RefID == call.ID && (e.Data["subject"] != "初回電話" || e.Data["outcome"] != "voicemail") {
					t.Errorf("call entry %+v", e.Data)
				}
			}
		}
		if n != 4 {
			t.Errorf("timeline %+v has %d activity entries, want 4", flt, n)
		}
	}
	acts, _, err := f.app.ListActivities(ctx, f.sales, store.ActivityQuery{DealID: d.ID})
	if err != nil || len(acts) != 1 || acts[0].ID != call.ID || acts[0].DealName != "基幹システム" {
		t.Errorf("deal's activities %+v, %v", acts, err)
	}
	// Deleting removes the timeline entry; another salesperson may not.
	other := f.addUser(t, "other@example.jp", crm.RoleSales)
	if err := f.app.DeleteActivity(ctx, other, call.ID); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("another salesperson deletes: %v", err)
	}
	if err := f.app.DeleteActivity(ctx, f.sales, call.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM timeline WHERE ref_type = 'activity' AND ref_id = $1", call.ID); n != 0 {
		t.Errorf("%d timeline entries left", n)
	}
}

func TestActivityPermissionsAndTeamPrivateDeals(t *testing.T) {
	f := newSalesFixture(t)
	a := f.app
	team, _ := a.CreateTeam(ctx, f.owner, "東京営業")
	other, _ := a.CreateTeam(ctx, f.owner, "大阪営業")
	join := func(ac Actor, teamID int64) Actor {
		if err := a.SetTeamMember(ctx, f.owner, teamID, ac.User.ID, false); err != nil {
			t.Fatal(err)
		}
		ac.User, _ = a.Store.User(ctx, ac.User.ID)
		return ac
	}
	f.sales = join(f.sales, team.ID)
	outsider := join(f.addUser(t, "osaka@example.jp", crm.RoleSales), other.ID)
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	ws, v, _ := a.Workspace(ctx)
	ws.RecordVisibility = map[string]crm.Visibility{"deals": crm.VisibleTeam}
	if _, err := a.UpdateWorkspace(ctx, f.owner, ws, v); err != nil {
		t.Fatal(err)
	}
	c := f.contact(t, "secret@example.jp", "秘密")
	d := f.deal(t, crm.Deal{Name: "非公開案件", TeamID: team.ID})
	act, err := a.CreateActivity(ctx, f.sales, crm.Activity{Kind: crm.ActMeeting, Subject: "提案", DealID: d.ID, ContactID: c.ID,
		StartsAt: f.clock.Now(), EndsAt: f.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	task, err := a.CreateTask(ctx, f.sales, crm.Task{Title: "見積送付", DueAt: f.clock.Now().Add(time.Hour), DealID: d.ID, RemindMinutes: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Activity(ctx, outsider, act.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("outsider reads the activity: %v", err)
	}
	if _, _, err := a.ActivityICS(ctx, outsider, act.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("outsider downloads the .ics: %v", err)
	}
	if acts, _, err := a.ListActivities(ctx, outsider, store.ActivityQuery{ContactID: c.ID}); err != nil || len(acts) != 0 {
		t.Errorf("outsider lists the contact's activities: %d, %v", len(acts), err)
	}
	if _, err := a.Task(ctx, outsider, task.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("outsider reads the task: %v", err)
	}
	if ts, _, _ := a.ListTasks(ctx, outsider, store.TaskQuery{}); len(ts) != 0 {
		t.Errorf("outsider lists %d tasks", len(ts))
	}
	before := snapshot(t, a.Store)
	if _, err := a.CreateActivity(ctx, outsider, crm.Activity{Kind: crm.ActCall, Subject: "x", DealID: d.ID}); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("outsider logs on the deal: %v", err)
	}
	if err := a.DeleteActivity(ctx, outsider, act.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("outsider deletes: %v", err)
	}
	if _, err := a.CreateActivity(ctx, viewer, crm.Activity{Kind: crm.ActCall, Subject: "x", ContactID: c.ID}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("viewer logs: %v", err)
	}
	if _, err := a.CreateTask(ctx, viewer, crm.Task{Title: "x", DueAt: f.clock.Now()}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("viewer adds a task: %v", err)
	}
	if _, err := a.CompleteTask(ctx, outsider, task.ID, 0, true); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("outsider completes: %v", err)
	}
	if d := diffSnapshots(before, snapshot(t, a.Store)); d != "" {
		t.Errorf("refused writes changed the database: %s", d)
	}
	// The team sees it all.
	if acts, _, _ := a.ListActivities(ctx, f.sales, store.ActivityQuery{ContactID: c.ID}); len(acts) != 1 {
		t.Errorf("team member lists %d activities", len(acts))
	}
}

func TestTaskListsAndReminders(t *testing.T) {
	f := newSalesFixture(t)
	a := f.app
	// 2026-04-01 09:30 JST.
	now := f.clock.Now()
	mk := func(title string, due time.Time, remind int) crm.Task {
		t.Helper()
		x, err := a.CreateTask(ctx, f.sales, crm.Task{Title: title, DueAt: due, RemindMinutes: remind, Priority: crm.PriorityHigh})
		if err != nil {
			t.Fatalf("CreateTask %s: %v", title, err)
		}
		return x
	}
	late := mk("昨日の電話", now.Add(-20*time.Hour), -1)
	noon := mk("見積書を送る", now.Add(150*time.Minute), 30) // 12:00 JST, reminder 11:30
	mk("来週の訪問準備", now.Add(7*24*time.Hour), -1)
	evening := mk("日報", now.Add(14*time.Hour), -1) // 23:30 JST: still today

	names := func(view TaskView) []string {
		ts, _, err := a.ListTasks(ctx, f.sales, store.TaskQuery{OwnerID: f.sales.User.ID, View: string(view)})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range ts {
			out = append(out, x.Title)
		}
		return out
	}
	for view, want := range map[TaskView]string{
		TasksOverdue:  "昨日の電話",
		TasksToday:    "見積書を送る,日報",
		TasksUpcoming: "来週の訪問準備",
		TasksOpen:     "昨日の電話,見積書を送る,日報,来週の訪問準備",
	} {
		if got := strings.Join(names(view), ","); got != want {
			t.Errorf("%s = %s, want %s", view, got, want)
		}
	}
	if _, _, err := a.ListTasks(ctx, f.sales, store.TaskQuery{View: "someday"}); err == nil {
		t.Error("unknown view accepted")
	}
	if n := count(t, a.Store, "SELECT COUNT(*) FROM jobs WHERE kind = $1", JobTaskRemind); n != 1 {
		t.Errorf("%d reminder jobs, want 1", n)
	}

	// Reminders: nothing before 11:30, one at 11:31, never twice.
	if n, err := a.SendDueReminders(ctx); err != nil || n != 0 {
		t.Fatalf("at 09:30: %d, %v", n, err)
	}
	f.clock.Add(2*time.Hour + time.Minute)
	for i, want := range []int{1, 0} {
		if n, err := a.SendDueReminders(ctx); err != nil || n != want {
			t.Fatalf("run %d: %d reminders, %v; want %d", i, n, err, want)
		}
	}
	ns, err := a.Notifications(ctx, f.sales, true, 0, 10)
	if err != nil || len(ns) != 1 || ns[0].Kind != NotifyTaskDue || !strings.Contains(ns[0].Text, "見積書を送る") {
		t.Fatalf("notifications %+v, %v", ns, err)
	}
	// Moving the due time re-arms the reminder; completing disarms it.
	noon, _ = a.Task(ctx, f.sales, noon.ID)
	noon.DueAt = noon.DueAt.Add(24 * time.Hour)
	if noon, err = a.UpdateTask(ctx, f.sales, noon.ID, noon.Version, noon); err != nil {
		t.Fatal(err)
	}
	if !noon.RemindedAt.IsZero() {
		t.Errorf("moved task keeps reminded_at")
	}
	if _, err := a.UpdateTask(ctx, f.sales, noon.ID, noon.Version-1, noon); !errors.Is(err, crm.ErrStale) {
		t.Errorf("stale update: %v", err)
	}
	if _, err := a.CompleteTask(ctx, f.sales, noon.ID, 0, true); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24 * time.Hour)
	if n, _ := a.SendDueReminders(ctx); n != 0 {
		t.Errorf("a done task reminded")
	}
	if got := strings.Join(names(TasksDone), ","); got != "見積書を送る" {
		t.Errorf("done = %s", got)
	}
	_ = late
	_ = evening
	// Validation.
	c := f.contact(t, "task@example.jp", "課題")
	_, err = a.CreateTask(ctx, f.sales, crm.Task{Title: "", Priority: "urgent", RemindMinutes: 99999, ContactID: c.ID, CompanyID: c.CompanyID})
	v, ok := crm.AsValidation(err)
	if !ok {
		t.Fatalf("bad task: %v", err)
	}
	for _, k := range []string{"title", "due_at", "priority", "remind_minutes", "contact_id"} {
		if v.Fields[k] == "" {
			t.Errorf("no message on %s: %v", k, v.Fields)
		}
	}
}

func TestTodayPage(t *testing.T) {
	f := newSalesFixture(t)
	a := f.app
	now := f.clock.Now()
	if _, err := a.CreateTask(ctx, f.sales, crm.Task{Title: "overdue", DueAt: now.Add(-time.Hour), RemindMinutes: -1}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateTask(ctx, f.sales, crm.Task{Title: "today", DueAt: now.Add(time.Hour), RemindMinutes: -1}); err != nil {
		t.Fatal(err)
	}
	f.deal(t, crm.Deal{Name: "no next step"})
	f.deal(t, crm.Deal{Name: "planned", NextStep: "デモ"})
	if _, err := a.CreateAssignmentRule(ctx, f.owner, crm.AssignmentRule{Kind: crm.RulePerson, UserID: f.sales.User.ID, Active: true}); err != nil {
		t.Fatal(err)
	}
	newMQL(t, f.fixture, "hot@example.jp", 0)
	td, err := a.Today(ctx, f.sales)
	if err != nil {
		t.Fatal(err)
	}
	if len(td.Overdue) != 1 || td.Overdue[0].Title != "overdue" || len(td.Due) != 1 || td.Due[0].Title != "today" {
		t.Errorf("tasks: overdue %+v, due %+v", td.Overdue, td.Due)
	}
	if len(td.Stalled) != 1 || td.Stalled[0].Name != "no next step" {
		t.Errorf("stalled deals %+v", td.Stalled)
	}
	if len(td.Leads) != 1 || td.Leads[0].Left <= 0 {
		t.Errorf("leads %+v", td.Leads)
	}
	// Somebody else's day is empty.
	other := f.addUser(t, "other@example.jp", crm.RoleSales)
	if td, _ := a.Today(ctx, other); len(td.Overdue)+len(td.Due)+len(td.Leads)+len(td.Stalled) != 0 {
		t.Errorf("another person's Today: %+v", td)
	}
}

func TestWeekSplit(t *testing.T) {
	f := newSalesFixture(t)
	a := f.app
	c := f.contact(t, "week@example.jp", "週間")
	// Wednesday 2026-04-01 09:30 JST; the week starts Monday 03-30.
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, tokyo) }
	for _, x := range []crm.Activity{
		{Kind: crm.ActMeeting, Subject: "m", StartsAt: at(30, 14), EndsAt: at(30, 16)},                          // Mon sales 120'
		{Kind: crm.ActNote, Side: crm.SideMarketing, Body: "blog", StartsAt: at(30, 9)},                         // Mon marketing
		{Kind: crm.ActVisit, Side: crm.SideMarketing, Subject: "展示会", StartsAt: at(31, 10), EndsAt: at(31, 13)}, // Tue marketing 180'
		{Kind: crm.ActCall, Subject: "c", StartsAt: at(31, 23).Add(30 * time.Minute)},                           // Tue 23:30 JST = Tue
		{Kind: crm.ActCall, Subject: "last week", StartsAt: at(29, 23)},                                         // Sunday before: not in the week
	} {
		x.ContactID = c.ID
		if _, err := a.CreateActivity(ctx, f.sales, x); err != nil {
			t.Fatal(err)
		}
	}
	w, err := a.WeekSplit(ctx, f.sales, f.sales.User.ID, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !w.Start.Equal(at(30, 0)) || len(w.Days) != 7 {
		t.Fatalf("week starts %v with %d days", w.Start, len(w.Days))
	}
	if w.Days[0].Sales != (SideDay{1, 120}) || w.Days[0].Marketing != (SideDay{1, 0}) ||
		w.Days[1].Marketing != (SideDay{1, 180}) || w.Days[1].Sales != (SideDay{1, 0}) {
		t.Errorf("days: %+v", w.Days[:2])
	}
	if w.Sales != (SideDay{2, 120}) || w.Marketing != (SideDay{2, 180}) {
		t.Errorf("totals: sales %+v, marketing %+v", w.Sales, w.Marketing)
	}
}

func TestActivityICS(t *testing.T) {
	f := newSalesFixture(t)
	c := f.contact(t, "ics@example.jp", "鈴木")
	start := time.Date(2026, 4, 14, 1, 0, 0, 0, time.UTC)
	act, err := f.app.CreateActivity(ctx, f.sales, crm.Activity{Kind: crm.ActVisit, Subject: "訪問, 提案; 第1回",
		Body: "資料を持参\n見積書", Location: "大阪市北区", StartsAt: start, EndsAt: start.Add(90 * time.Minute), ContactID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := f.app.ActivityICS(ctx, f.sales, act.ID)
	if err != nil {
		t.Fatal(err)
	}
	props := map[string]string{}
	for _, l := range ical.Unfold(data) {
		k, v, _ := strings.Cut(l, ":")
		k, _, _ = strings.Cut(k, ";")
		props[k] = v
	}
	if props["DTSTART"] != "20260414T010000Z" || props["DTEND"] != "20260414T023000Z" ||
		ical.Unescape(props["SUMMARY"]) != "訪問, 提案; 第1回" || ical.Unescape(props["DESCRIPTION"]) != "資料を持参\n見積書" ||
		props["ORGANIZER"] != "mailto:eigyo@example.jp" || props["ATTENDEE"] != "mailto:ics@example.jp" ||
		props["UID"] != fmt.Sprintf("activity-%d@crm.example.jp", act.ID) {
		t.Errorf("ics properties %v", props)
	}
	call, _ := f.app.CreateActivity(ctx, f.sales, crm.Activity{Kind: crm.ActCall, Subject: "call", ContactID: c.ID})
	if _, _, err := f.app.ActivityICS(ctx, f.sales, call.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("a call as .ics: %v", err)
	}
}

func TestOneToOneEmail(t *testing.T) {
	f := newSalesFixture(t)
	srv := startMail(t, f.fixture)
	c := f.contact(t, "kokyaku@example.jp", "高橋")
	d := f.deal(t, crm.Deal{Name: "更新案件", ContactID: c.ID})
	act, err := f.app.SendEmail(ctx, f.sales, EmailInput{ContactID: c.ID, DealID: d.ID, Subject: "お見積りの件",
		Body: "高橋様\n\nいつもお世話になっております。<script>x</script>"})
	if err != nil {
		t.Fatal(err)
	}
	msg := srv.WaitFor(t, "kokyaku@example.jp", 10*time.Second)
	if from := msg.Header.Get("From"); !strings.Contains(from, "<eigyo@example.jp>") {
		t.Errorf("From = %q, want the salesperson's address", from)
	}
	if s := msg.Header.Get("Sender"); s != "renkei@example.test" && !strings.Contains(s, "<renkei@example.test>") {
		t.Errorf("Sender = %q, want the workspace address", s)
	}
	if msg.From != "renkei@example.test" {
		t.Errorf("envelope sender %q", msg.From)
	}
	if msg.Subject != "お見積りの件" || !strings.Contains(msg.Text, "いつもお世話になっております。<script>x</script>") {
		t.Errorf("message %q: %q", msg.Subject, msg.Text)
	}
	if act.Kind != crm.ActEmail || act.EmailTo != "kokyaku@example.jp" || act.DealID != d.ID {
		t.Errorf("activity %+v", act)
	}
	es, _ := f.app.Timeline(ctx, f.sales, store.TimelineFilter{ContactID: c.ID})
	found := false
	for _, e := range es {
		found = found || (e.Kind == KindActivity && e.RefID == act.ID && e.Data["kind"] == "email" && e.Data["to"] == "kokyaku@example.jp")
	}
	if !found {
		t.Errorf("timeline has no e-mail entry: %+v", es)
	}
	// Refusals: no address, suppressed address, empty subject.
	noMail, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "無", Given: "名"}, Phone: "03-0000-0000"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.SendEmail(ctx, f.sales, EmailInput{ContactID: noMail.ID, Subject: "x", Body: "y"}); err == nil {
		t.Error("mail to a contact without an address")
	}
	if err := f.app.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.Suppress(ctx, EmailHash("kokyaku@example.jp"), "unsubscribed", f.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	jobs := mailJobs(t, f.fixture)
	if _, err := f.app.SendEmail(ctx, f.sales, EmailInput{ContactID: c.ID, Subject: "x", Body: "y"}); err == nil {
		t.Error("mail to a suppressed address")
	} else if v, ok := crm.AsValidation(err); !ok || v.Fields["to"] == "" {
		t.Errorf("suppressed: %v", err)
	}
	if _, err := f.app.SendEmail(ctx, f.sales, EmailInput{ContactID: c.ID, Subject: "", Body: ""}); err == nil {
		t.Error("empty mail accepted")
	}
	if n := mailJobs(t, f.fixture); n != jobs {
		t.Errorf("refused mails queued %d jobs", n-jobs)
	}
}

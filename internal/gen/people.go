package gen

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"renkei/internal/crm"
)

// Timeline kinds the generator writes; the same strings as app's
// (app.KindCreated, …), plus notes.
const (
	KindCreated  = "created"
	KindUpdated  = "updated"
	KindImported = "imported"
	KindConsent  = "consent"
	KindNote     = "note"
)

// Person is one contact with the hidden traits of the story. Later
// generators read them: Temperature and the company's Fit say how likely
// a person is to visit, fill in forms and buy; Stages say when the person
// became an MQL, an opportunity, a customer; Group says whether marketing
// or sales found them (marketing-sourced leads close better).
type Person struct {
	crm.Contact
	Index       int     // 0-based; ID is Index+1
	Japanese    bool    // name in Japanese script with readings
	Temperature float64 // interest in the product, 0–1 (hidden)
	Group       string  // crm.GroupMarketing or crm.GroupOutbound
	Seniority   int     // 1 staff … 5 executive
	// Stages holds when the person reached each stage, in crm.Lifecycles
	// order (zero = never).
	Stages [7]time.Time
	// Lost is true for an opportunity whose deal was lost; Closed is when
	// it was won or lost.
	Lost   bool
	Closed time.Time
	// Event is the index in World.Events of the trade show or webinar that
	// brought the person in, or -1.
	Event      int
	Timeline   []Entry
	ConsentLog []ConsentEntry
	// PropsJSON is the custom property values as the props column stores
	// them (Contact.Props is left nil to save memory).
	PropsJSON string
	TagIDs    []int64 // ids of Contact.Tags

	ownerIdx int // index in World.Users, -1 = none
}

// Entry is one timeline entry; Data is a JSON object.
type Entry struct {
	At      time.Time
	Kind    string
	ActorID int64
	Data    string
}

// ConsentEntry is one line of the consent ledger.
type ConsentEntry struct {
	At                           time.Time
	Status                       crm.Consent
	Source, Wording, PageURL, IP string
	ActorID                      int64
}

func stageIndex(l crm.Lifecycle) int {
	for i, x := range crm.Lifecycles {
		if x == l {
			return i
		}
	}
	return -1
}

// people makes a company's people, each from the company's people stream.
func (w *World) people(co *Company, buf []Person) []Person {
	r := w.Rand(streamPeople, co.Index)
	used := make(map[string]bool, co.People)
	for k := range co.People {
		if len(buf) < cap(buf) {
			buf = buf[:len(buf)+1]
		} else {
			buf = append(buf, Person{})
		}
		p := &buf[len(buf)-1]
		w.person(r, co, p, int(co.FirstContactID)-1+k, used)
	}
	return buf
}

// person fills p; every draw happens in a fixed order so that the same seed
// gives the same person.
func (w *World) person(r *rand.Rand, co *Company, p *Person, index int, used map[string]bool) {
	t := w.t
	// Reuse the slices of the previous person in this slot.
	tl, cs, tags, tagIDs := p.Timeline[:0], p.ConsentLog[:0], p.Tags[:0], p.TagIDs[:0]
	*p = Person{Index: index, Event: -1, ownerIdx: -1, Timeline: tl, ConsentLog: cs, TagIDs: tagIDs}
	p.Tags = tags
	c := &p.Contact
	c.ID = int64(index + 1)
	c.CompanyID = co.ID
	c.CompanyName = co.Name

	// Name and e-mail.
	p.Japanese = chance(r, co.PeopleJA)
	var given, family string // romanised, for the address
	if p.Japanese {
		f := t.family[w.famW.draw(r)]
		list := t.male
		if chance(r, 0.45) {
			list = t.female
		}
		g := list[r.IntN(len(list))]
		c.Family, c.FamilyReading, c.Given, c.GivenReading = f.Kanji, f.Reading, g.Kanji, g.Reading
		given, family = g.Romaji, f.Romaji
	} else {
		g, f := t.givenEN[r.IntN(len(t.givenEN))], t.familyEN[r.IntN(len(t.familyEN))]
		c.Given, c.Family = g.Name, f.Name
		given, family = g.ASCII, f.ASCII
	}
	c.Email = w.email(co, given, family, used)

	// Work.
	dept := t.departments[w.deptW.draw(r)]
	if p.Japanese {
		ti := t.titlesJA[w.titleJAW.draw(r)]
		c.JobTitle, p.Seniority, c.Department = ti.JA, ti.Seniority, dept.JA
	} else {
		ti := t.titlesEN[w.titleENW.draw(r)]
		c.JobTitle, p.Seniority, c.Department = ti.EN, ti.Seniority, dept.EN
	}
	hasPhone := chance(r, 0.65)
	var phoneNo string
	if chance(r, 0.35) {
		phoneNo = mobile(r)
	} else {
		phoneNo = phone(r, co.areaCode)
	}
	if hasPhone {
		c.Phone = phoneNo
	}

	// Where they came from, how interested they are, when they came.
	c.OriginalSource = w.sources[w.sourceW.draw(r)]
	p.Group = crm.DefaultSourceGroups[c.OriginalSource]
	if p.Group == crm.GroupMarketing {
		p.Temperature = clamp01(0.55 + 0.2*r.NormFloat64())
	} else {
		p.Temperature = clamp01(0.38 + 0.2*r.NormFloat64())
	}
	w.arrive(r, co, p)
	w.funnel(r, co, p)
	w.consent(r, p)
	w.extras(r, co, p, phoneNo, hasPhone)
	w.tagsAndProps(r, p)

	sort.SliceStable(p.Timeline, func(i, j int) bool { return p.Timeline[i].At.Before(p.Timeline[j].At) })
	c.CreatedAt = p.Timeline[0].At
	c.UpdatedAt = p.Timeline[len(p.Timeline)-1].At
	c.Version = int64(len(p.Timeline))
	if p.ownerIdx >= 0 {
		u := w.Users[p.ownerIdx]
		c.OwnerID = u.ID
		if u.Team >= 0 {
			c.TeamID = w.Teams[u.Team].ID
		}
	}
	c.Honorific = "様"
	if c.Consent == "" {
		c.Consent = crm.ConsentUnknown
	}
}

// email makes an address in the company's style (taro.yamada@, t.yamada@,
// yamada@, …), unique within the company.
func (w *World) email(co *Company, given, family string, used map[string]bool) string {
	var local string
	switch co.emailPattern {
	case 0:
		local = given + "." + family
	case 1:
		local = given[:1] + "." + family
	case 2:
		local = family
	case 3:
		local = family + "." + given
	case 4:
		local = given[:1] + family
	default:
		local = family + "-" + given[:1]
	}
	addr := local
	for n := 2; used[addr]; n++ {
		addr = local + strconv.Itoa(n)
	}
	used[addr] = true
	return addr + "@" + co.Domain
}

func (w *World) user(idx int) int64 {
	if idx < 0 {
		return 0
	}
	return w.Users[idx].ID
}

// pickUser draws a member of a team.
func (w *World) pickUser(r *rand.Rand, team string) int {
	us := w.usersOf(team)
	return us[r.IntN(len(us))]
}

// step is the moment a delay d after at, moved into office hours; false
// when it falls after Now (it has not happened yet).
func (w *World) step(r *rand.Rand, at time.Time, d time.Duration) (time.Time, bool) {
	t := at.Add(d)
	if !t.Before(w.now) {
		return t, false
	}
	lo, hi := t.Add(-12*time.Hour), t.Add(12*time.Hour)
	if lo.Before(at) {
		lo = at.Add(time.Minute)
	}
	if hi.After(w.now) {
		hi = w.now
	}
	return w.workTime(r, lo, hi), true
}

// days draws an exponential delay with the given mean, at least an hour.
func days(r *rand.Rand, mean float64) time.Duration {
	d := time.Duration(r.ExpFloat64() * mean * float64(24*time.Hour))
	return max(d, time.Hour)
}

// arrive dates the person's creation and writes the first timeline entry.
func (w *World) arrive(r *rand.Rand, co *Company, p *Person) {
	c := &p.Contact
	t := w.t
	var at time.Time
	kind := KindCreated
	var actor int64
	var data obj
	data.str("source", string(c.OriginalSource))
	switch c.OriginalSource {
	case crm.SourceEvent, crm.SourceCampaign:
		want := "tradeshow"
		if c.OriginalSource == crm.SourceCampaign {
			want = "webinar"
		}
		var idx []int
		for i, e := range w.Events {
			if e.Kind == want && e.At.Before(w.now) {
				idx = append(idx, i)
			}
		}
		if len(idx) > 0 {
			p.Event = idx[r.IntN(len(idx))]
		}
	}
	switch c.OriginalSource {
	case crm.SourceWebForm:
		f := t.forms[r.IntN(len(t.forms))]
		c.SourceDetail = w.pick(f)
		data.str("detail", c.SourceDetail).str("page", "https://www."+w.Domain+f.Extra)
	case crm.SourceEvent:
		if p.Event >= 0 {
			e := w.Events[p.Event]
			c.SourceDetail = e.Name
			// The booth's badge scans are imported in the days after the show.
			at = w.workTime(r, e.At.Add(24*time.Hour), e.At.Add(96*time.Hour))
			kind, actor = KindImported, w.user(w.pickUser(r, "marketing"))
			file := "展示会リード_" + e.Name + ".csv"
			if !w.ja() {
				file = "leads_" + e.Name + ".csv"
			}
			data.str("detail", e.Name).str("file", file)
		}
	case crm.SourceCampaign:
		if p.Event >= 0 {
			e := w.Events[p.Event]
			if w.ja() {
				c.SourceDetail = "ウェビナー「" + e.Name + "」"
			} else {
				c.SourceDetail = "Webinar: " + e.Name
			}
			// Registrations come in during the ten days before.
			at = w.workTime(r, e.At.Add(-10*24*time.Hour), e.At)
			data.str("detail", c.SourceDetail).str("page", "https://www."+w.Domain+"/webinar")
		}
	case crm.SourceEmail:
		c.SourceDetail = w.pick(labelPair{JA: "ニュースレター登録", EN: "Newsletter sign-up"})
		data.str("detail", c.SourceDetail).str("page", "https://www."+w.Domain+"/newsletter")
	case crm.SourceTrackedVisit:
		c.SourceDetail = w.pick(labelPair{JA: "料金ページ閲覧", EN: "Visited the pricing page"})
		data.str("detail", c.SourceDetail)
	case crm.SourceSurvey:
		c.SourceDetail = w.pick(labelPair{JA: "業界動向アンケート", EN: "Industry survey"})
		data.str("detail", c.SourceDetail).str("page", "https://www."+w.Domain+"/survey")
	case crm.SourceImportMkt:
		c.SourceDetail = w.pick(labelPair{JA: "共催セミナー参加者リスト", EN: "Co-hosted seminar attendees"})
		kind, actor = KindImported, w.user(w.pickUser(r, "marketing"))
		data.str("detail", c.SourceDetail).str("file", c.SourceDetail+".csv")
	case crm.SourceManual:
		p.ownerIdx = w.outboundOwner(r, co)
		actor = w.user(p.ownerIdx)
	case crm.SourceBusinessCard:
		c.SourceDetail = w.pick(labelPair{JA: "名刺交換", EN: "Business card"})
		p.ownerIdx = w.outboundOwner(r, co)
		actor = w.user(p.ownerIdx)
		data.str("detail", c.SourceDetail)
	case crm.SourceImportSales:
		c.SourceDetail = w.pick(labelPair{JA: "ターゲットリスト", EN: "Target account list"})
		p.ownerIdx = w.outboundOwner(r, co)
		kind, actor = KindImported, w.user(p.ownerIdx)
		data.str("detail", c.SourceDetail)
	case crm.SourceAPI:
		c.SourceDetail = w.pick(labelPair{JA: "ウェブ会議ツール連携", EN: "Video-meeting integration"})
		p.ownerIdx = w.outboundOwner(r, co)
		data.str("detail", c.SourceDetail)
	}
	if at.IsZero() {
		at = w.recentTime(r, w.start, w.now)
	}
	if c.OriginalSource == crm.SourceImportSales {
		// Sales imports a list of target accounts every month.
		month := w.local(at).Format("2006-01")
		if w.ja() {
			data.str("file", "ターゲットリスト_"+month+".csv")
		} else {
			data.str("file", "target-accounts_"+month+".csv")
		}
	}
	p.Timeline = append(p.Timeline, Entry{At: at, Kind: kind, ActorID: actor, Data: data.String()})
	// Marketing's own leads get an owner in marketing half of the time.
	if p.Group == crm.GroupMarketing && chance(r, 0.5) {
		p.ownerIdx = w.pickUser(r, "marketing")
	}
	stage := crm.StageLead
	switch c.OriginalSource {
	case crm.SourceEmail, crm.SourceTrackedVisit, crm.SourceSurvey:
		stage = crm.StageSubscriber
	case crm.SourceCampaign:
		if chance(r, 0.3) {
			stage = crm.StageSubscriber
		}
	}
	c.Lifecycle = stage
	p.Stages[stageIndex(stage)] = at
}

// outboundOwner is who in sales found a person: the company's field
// salesperson mostly, else an inside salesperson.
func (w *World) outboundOwner(r *rand.Rand, co *Company) int {
	if chance(r, 0.65) {
		return co.owner
	}
	return w.pickUser(r, "inside")
}

// change records a stage or field change on the timeline.
func (w *World) change(p *Person, at time.Time, actor int64, ch *obj, extra func(*obj)) {
	var d obj
	d.raw("changes", ch.String())
	if extra != nil {
		extra(&d)
	}
	p.Timeline = append(p.Timeline, Entry{At: at, Kind: KindUpdated, ActorID: actor, Data: d.String()})
}

// setStage moves the person to a stage at a time.
func (p *Person) setStage(l crm.Lifecycle, at time.Time) {
	p.Contact.Lifecycle = l
	p.Stages[stageIndex(l)] = at
}

// funnel walks the person down the funnel. Each step happens with a
// probability that grows with the person's temperature and the company's
// fit, after a random delay; a step that would fall after Now has not
// happened yet, so recent people are earlier in the funnel.
func (w *World) funnel(r *rand.Rand, co *Company, p *Person) {
	c := &p.Contact
	q := 0.6*p.Temperature + 0.4*co.Fit
	at := p.Timeline[0].At
	mkt := p.Group == crm.GroupMarketing

	if c.Lifecycle == crm.StageSubscriber && chance(r, 0.2+0.3*p.Temperature) {
		if next, ok := w.step(r, at, days(r, 25)); ok {
			var ch obj
			ch.pair("lifecycle_stage", string(crm.StageSubscriber), string(crm.StageLead))
			w.change(p, next, 0, &ch, nil)
			p.setStage(crm.StageLead, next)
			at = next
		}
	}
	if c.Lifecycle != crm.StageLead {
		return
	}
	if mkt {
		if !chance(r, 0.08+0.55*q) {
			return
		}
		mql, ok := w.step(r, at, days(r, 20)+24*time.Hour)
		if !ok {
			return
		}
		// Marketing qualifies the lead and hands it to inside sales.
		oldOwner := w.user(p.ownerIdx)
		p.ownerIdx = w.pickUser(r, "inside")
		var ch obj
		ch.pair("lifecycle_stage", string(crm.StageLead), string(crm.StageMQL)).
			pair("lead_status", "", string(crm.LeadNew)).pair("owner_id", oldOwner, w.user(p.ownerIdx))
		w.change(p, mql, 0, &ch, nil)
		p.setStage(crm.StageMQL, mql)
		c.LeadStatus = crm.LeadNew
		at = mql
		accept := chance(r, 0.5+0.4*co.Fit)
		recycle := chance(r, 0.5)
		reason := w.t.rejectReasons[r.IntN(len(w.t.rejectReasons))]
		decided, ok := w.step(r, at, days(r, 6))
		if chance(r, 0.15) {
			ok = false // sales has not decided yet
		}
		if !ok {
			if w.now.Sub(mql) > 7*24*time.Hour {
				c.LeadStatus = crm.LeadWorking
			}
			return
		}
		rep := w.user(p.ownerIdx)
		switch {
		case accept:
			var ch obj
			ch.pair("lifecycle_stage", string(crm.StageMQL), string(crm.StageSQL)).
				pair("lead_status", string(crm.LeadNew), string(crm.LeadAccepted))
			w.change(p, decided, rep, &ch, nil)
			p.setStage(crm.StageSQL, decided)
			c.LeadStatus = crm.LeadAccepted
		case recycle:
			var ch obj
			ch.pair("lifecycle_stage", string(crm.StageMQL), string(crm.StageLead)).
				pair("lead_status", string(crm.LeadNew), string(crm.LeadRecycled))
			w.change(p, decided, rep, &ch, func(d *obj) { d.str("reason", w.pick(reason)) })
			c.Lifecycle, c.LeadStatus = crm.StageLead, crm.LeadRecycled
			return
		default:
			var ch obj
			ch.pair("lifecycle_stage", string(crm.StageMQL), string(crm.StageDisqualified)).
				pair("lead_status", string(crm.LeadNew), string(crm.LeadRejected))
			w.change(p, decided, rep, &ch, func(d *obj) { d.str("reason", w.pick(reason)) })
			p.setStage(crm.StageDisqualified, decided)
			c.LeadStatus = crm.LeadRejected
			return
		}
		at = decided
	} else {
		// Sales works its own leads directly.
		switch {
		case chance(r, 0.06+0.4*q):
			next, ok := w.step(r, at, days(r, 30))
			if !ok {
				return
			}
			var ch obj
			ch.pair("lifecycle_stage", string(crm.StageLead), string(crm.StageSQL))
			w.change(p, next, w.user(p.ownerIdx), &ch, nil)
			p.setStage(crm.StageSQL, next)
			at = next
		case chance(r, 0.12):
			if next, ok := w.step(r, at, days(r, 40)); ok {
				var ch obj
				ch.pair("lifecycle_stage", string(crm.StageLead), string(crm.StageDisqualified))
				w.change(p, next, w.user(p.ownerIdx), &ch, nil)
				p.setStage(crm.StageDisqualified, next)
			}
			return
		default:
			return
		}
	}

	// SQL → opportunity: the account's field salesperson takes over.
	if !chance(r, 0.4+0.45*q) {
		return
	}
	opp, ok := w.step(r, at, days(r, 14))
	if !ok {
		return
	}
	var ch obj
	ch.pair("lifecycle_stage", string(crm.StageSQL), string(crm.StageOpportunity))
	if p.ownerIdx != co.owner {
		ch.pair("owner_id", w.user(p.ownerIdx), w.user(co.owner))
		p.ownerIdx = co.owner
	}
	w.change(p, opp, w.user(p.ownerIdx), &ch, nil)
	p.setStage(crm.StageOpportunity, opp)

	// Opportunity → customer, or lost. Marketing-sourced leads close better.
	win := 0.18 + 0.35*q
	if mkt {
		win = 0.35 + 0.45*q
	}
	won := chance(r, win)
	closed, ok := w.step(r, opp, days(r, 35)+7*24*time.Hour)
	if !ok {
		return
	}
	p.Closed = closed
	if won {
		var ch obj
		ch.pair("lifecycle_stage", string(crm.StageOpportunity), string(crm.StageCustomer))
		w.change(p, closed, w.user(p.ownerIdx), &ch, nil)
		p.setStage(crm.StageCustomer, closed)
	} else {
		p.Lost = true
	}
}

// consent writes the consent ledger: forms ask for it, trade-show imports
// carry it often, sales' own contacts rarely; some people unsubscribe later.
func (w *World) consent(r *rand.Rand, p *Person) {
	c := &p.Contact
	created := p.Timeline[0]
	var e ConsentEntry
	switch c.OriginalSource {
	case crm.SourceWebForm, crm.SourceCampaign, crm.SourceSurvey, crm.SourceEmail:
		x := r.Float64()
		switch {
		case x < 0.85:
			e.Status = crm.ConsentGranted
		case x < 0.90:
			e.Status = crm.ConsentPending
		default:
			return
		}
		e.Source = "form"
		e.Wording = w.pick(labelPair{JA: "プライバシーポリシーに同意し、メールでの情報提供を希望します。",
			EN: "I agree to the privacy policy and would like to receive e-mails."})
		e.PageURL = "https://www." + w.Domain + "/"
		e.IP = testIP(r)
	case crm.SourceEvent, crm.SourceImportMkt:
		if !chance(r, 0.6) {
			return
		}
		e.Status, e.Source, e.ActorID = crm.ConsentGranted, "import", created.ActorID
		e.Wording = w.pick(labelPair{JA: "受付時に情報提供への同意を取得", EN: "Agreed at registration"})
	case crm.SourceTrackedVisit:
		return
	default:
		if !chance(r, 0.1) {
			return
		}
		e.Status, e.Source, e.ActorID = crm.ConsentGranted, "manual", created.ActorID
		e.Wording = w.pick(labelPair{JA: "名刺交換時に口頭で確認", EN: "Confirmed in person"})
	}
	e.At = created.At
	p.ConsentLog = append(p.ConsentLog, e)
	c.Consent = e.Status
	if e.Status == crm.ConsentGranted && chance(r, 0.07) {
		at := created.At.Add(days(r, 90))
		if at.Before(w.now) {
			p.ConsentLog = append(p.ConsentLog, ConsentEntry{At: at, Status: crm.ConsentWithdrawn, Source: "unsubscribe", IP: testIP(r)})
			var d obj
			d.str("from", string(crm.ConsentGranted)).str("to", string(crm.ConsentWithdrawn)).str("source", "unsubscribe")
			p.Timeline = append(p.Timeline, Entry{At: at, Kind: KindConsent, Data: d.String()})
			c.Consent = crm.ConsentWithdrawn
		}
	}
}

// testIP is an address from the documentation ranges (RFC 5737).
func testIP(r *rand.Rand) string {
	nets := []string{"192.0.2.", "198.51.100.", "203.0.113."}
	return nets[r.IntN(3)] + strconv.Itoa(1+r.IntN(254))
}

// extras writes what happens along the way: sales notes, promotions, a
// phone number added later.
func (w *World) extras(r *rand.Rand, co *Company, p *Person, phoneNo string, hasPhone bool) {
	c := &p.Contact
	created := p.Timeline[0].At
	// Notes by whoever owns the person, while sales works them.
	var groups []string
	switch {
	case !p.Stages[stageIndex(crm.StageCustomer)].IsZero():
		groups = []string{"mid", "late", "won", "won"}
	case p.Lost:
		groups = []string{"mid", "late", "lost"}
	case !p.Stages[stageIndex(crm.StageOpportunity)].IsZero():
		groups = []string{"mid", "late"}
	case !p.Stages[stageIndex(crm.StageSQL)].IsZero() && p.Group == crm.GroupMarketing:
		groups = []string{"handoff", "mid"}
	case !p.Stages[stageIndex(crm.StageSQL)].IsZero():
		groups = []string{"early", "mid"}
	case !p.Stages[stageIndex(crm.StageMQL)].IsZero():
		groups = []string{"handoff"}
	case p.Group == crm.GroupOutbound && p.ownerIdx >= 0:
		if chance(r, 0.4) {
			groups = []string{"early"}
		}
	}
	from := created
	// Notes are written by the current owner, who has had the person since
	// the last hand-over.
	for _, s := range []crm.Lifecycle{crm.StageMQL, crm.StageSQL, crm.StageOpportunity} {
		if t := p.Stages[stageIndex(s)]; !t.IsZero() {
			from = t
		}
	}
	if len(groups) > 0 && p.ownerIdx >= 0 {
		n := 1 + r.IntN(len(groups))
		picked := groups[:n]
		if last := groups[len(groups)-1]; (last == "won" || last == "lost") && picked[n-1] != last {
			picked = append(picked[:n-1:n-1], last)
		}
		actor := w.user(p.ownerIdx)
		at := from
		for _, g := range picked {
			lo := at
			if (g == "won" || g == "lost") && p.Closed.After(lo) {
				lo = p.Closed
			}
			at = w.workTime(r, lo, minTime(lo.Add(days(r, 12)), w.now))
			var d obj
			d.str("text", w.note(r, g))
			p.Timeline = append(p.Timeline, Entry{At: at, Kind: KindNote, ActorID: actor, Data: d.String()})
		}
	}
	// A promotion, entered by the owner.
	if p.Seniority >= 2 && p.Seniority <= 4 && chance(r, 0.08) {
		old := w.lowerTitle(r, p)
		if old != c.JobTitle {
			at := w.workTime(r, created.Add(time.Hour), w.now)
			var ch obj
			ch.pair("job_title", old, c.JobTitle)
			w.change(p, at, w.user(p.ownerIdx), &ch, nil)
		}
	}
	// A phone number found out later.
	if hasPhone && chance(r, 0.12) {
		at := w.workTime(r, created.Add(time.Hour), w.now)
		var ch obj
		ch.pair("phone", "", phoneNo)
		w.change(p, at, w.user(p.ownerIdx), &ch, nil)
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// note picks a sales note of a stage group.
func (w *World) note(r *rand.Rand, group string) string {
	var pool []labelPair
	for _, n := range w.t.notes {
		if n.Extra == group {
			pool = append(pool, n)
		}
	}
	return w.pick(pool[r.IntN(len(pool))])
}

// lowerTitle is a title one step below the person's.
func (w *World) lowerTitle(r *rand.Rand, p *Person) string {
	list := w.t.titlesEN
	if p.Japanese {
		list = w.t.titlesJA
	}
	var pool []string
	for _, t := range list {
		if t.Seniority == p.Seniority-1 {
			pool = append(pool, t.JA+t.EN)
		}
	}
	if len(pool) == 0 {
		return p.Contact.JobTitle
	}
	return pool[r.IntN(len(pool))]
}

// tagsAndProps tags the person by their story and fills the custom
// properties.
func (w *World) tagsAndProps(r *rand.Rand, p *Person) {
	c := &p.Contact
	reached := func(l crm.Lifecycle) bool { return !p.Stages[stageIndex(l)].IsZero() }
	add := func(key string) {
		for _, tg := range w.Tags {
			if tg.Key == key {
				c.Tags = append(c.Tags, tg.Name)
				p.TagIDs = append(p.TagIDs, tg.ID)
				return
			}
		}
	}
	switch c.OriginalSource {
	case crm.SourceEvent:
		add("tradeshow")
	case crm.SourceCampaign:
		add("webinar")
	case crm.SourceWebForm:
		if chance(r, 0.5) {
			add("materials")
		}
	}
	if c.OriginalSource == crm.SourceEmail || c.Consent == crm.ConsentGranted && p.Group == crm.GroupMarketing && chance(r, 0.5) {
		add("newsletter")
	}
	if reached(crm.StageCustomer) {
		add("customer")
	}
	if reached(crm.StageCustomer) && chance(r, 0.15) || reached(crm.StageOpportunity) && p.Seniority == 5 {
		add("vip")
	}
	if p.Seniority >= 4 {
		add("decision_maker")
	}
	if reached(crm.StageSQL) && chance(r, 0.12) {
		add("competitor")
	}
	if (c.Lifecycle == crm.StageMQL || c.LeadStatus == crm.LeadWorking) && chance(r, 0.3) {
		add("follow_up")
	}
	if chance(r, 0.015) {
		add("partner")
	}

	var props obj
	if reached(crm.StageSQL) && chance(r, 0.7) || reached(crm.StageMQL) && chance(r, 0.1) {
		budget := math.Round(math.Exp(math.Log(300)+0.8*r.NormFloat64())/10) * 10
		props.num("budget", int64(max(10, budget)))
	}
	if p.Group == crm.GroupMarketing && chance(r, 0.6) {
		n := 1 + r.IntN(3)
		perm := r.Perm(len(w.t.productInterest))[:n]
		sort.Ints(perm)
		vals := make([]string, n)
		for i, k := range perm {
			vals[i] = w.pick(w.t.productInterest[k])
		}
		props.strs("product_interest", vals)
	}
	if reached(crm.StageMQL) || reached(crm.StageSQL) {
		if !reached(crm.StageCustomer) && chance(r, 0.6) {
			k := r.IntN(len(w.t.purchaseTiming))
			if reached(crm.StageOpportunity) {
				k = r.IntN(2)
			}
			props.str("purchase_timing", w.pick(w.t.purchaseTiming[k]))
		}
	}
	p.PropsJSON = props.String()
}

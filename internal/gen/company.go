package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"renkei/internal/crm"
)

// Company is one company of the world with the hidden traits later
// generators use.
type Company struct {
	crm.Company
	Index int // 0-based; ID is Index+1
	// Fit is how well the company matches the ideal customer profile
	// (industry and size), 0–1. People at companies that fit close more.
	Fit float64
	// East says which field-sales team serves it.
	East bool
	// JapaneseName is false for the companies with English names.
	JapaneseName bool
	// PeopleJA is the share of its people with Japanese names.
	PeopleJA float64
	// FirstContactID and People say which contacts work there: ids
	// FirstContactID … FirstContactID+People-1.
	FirstContactID int64
	People         int
	// Customer is when the first of its people became a customer (zero if
	// none did).
	Customer time.Time
	// Timeline is the company's own history (its contacts have theirs).
	Timeline []Entry
	// PropsJSON is Props as the props column stores it.
	PropsJSON string

	owner        int // index in World.Users
	domainBase   string
	weight       float64
	emailPattern int
	areaCode     string
	industryKey  string
}

// company makes company j's fixed traits from its own random stream.
func (w *World) company(j int) Company {
	r := w.Rand(streamCompany, j)
	t := w.t
	co := Company{Index: j}
	co.ID = int64(j + 1)
	co.JapaneseName = chance(r, 0.6)

	var word companyWord
	if co.JapaneseName {
		var stem companyWord
		if chance(r, 0.4) {
			f := t.family[w.famW.draw(r)]
			stem = companyWord{Text: f.Kanji, Reading: f.Reading, Romaji: f.Romaji}
		} else {
			stem = t.stemsJA[r.IntN(len(t.stemsJA))]
		}
		word = t.wordsJA[r.IntN(len(t.wordsJA))]
		base := stem.Text + word.Text
		switch x := r.IntN(100); {
		case x < 50:
			co.Name = "株式会社" + base
		case x < 82:
			co.Name = base + "株式会社"
		case x < 90:
			co.Name = "合同会社" + base
		case x < 96:
			co.Name = "有限会社" + base
		default:
			co.Name = base + "有限会社"
		}
		co.Reading = stem.Reading + word.Reading
		co.domainBase = stem.Romaji + "-" + word.Romaji + ".example.jp"
		co.PeopleJA = 0.73
	} else {
		stem := t.stemsEN[r.IntN(len(t.stemsEN))]
		word = t.wordsEN[r.IntN(len(t.wordsEN))]
		base := stem.Text + " " + word.Text
		co.Reading = stem.Reading + word.Reading
		if chance(r, 0.2) {
			base += " Japan"
			co.Reading += "ジャパン"
		}
		forms := []string{"Co., Ltd.", "Inc.", "K.K.", "LLC", "Corporation"}
		cut := []int{35, 70, 82, 90, 100}
		x := r.IntN(100)
		for i, c := range cut {
			if x < c {
				co.Name = base + " " + forms[i]
				break
			}
		}
		co.domainBase = stem.Romaji + "-" + word.Romaji + ".example.com"
		co.PeopleJA = 0.15
	}
	co.industryKey = word.Industry
	ind := t.industries[word.Industry]
	co.Industry = w.pick(labelPair{JA: ind.JA, EN: ind.EN})

	// Address: prefectures weighted by population.
	p := t.prefs[w.prefW.draw(r)]
	c := p.Cities[r.IntN(len(p.Cities))]
	co.East = p.East
	co.PostalCode = fmt.Sprintf("%s-%04d", c.Postal[r.IntN(len(c.Postal))], r.IntN(10000))
	towns := c.Towns
	if len(towns) == 0 {
		towns = t.towns
	}
	town := towns[r.IntN(len(towns))]
	a, b, d := 1+r.IntN(5), 1+r.IntN(20), 1+r.IntN(30)
	var building [2]string
	floor := 0
	if chance(r, 0.5) {
		building = t.buildings[r.IntN(len(t.buildings))]
		floor = 2 + r.IntN(15)
	}
	if w.ja() {
		co.Prefecture, co.City, co.Country = p.JA, c.JA, "日本"
		co.Street = fmt.Sprintf("%s%d丁目%d-%d", town[0], a, b, d)
		if floor > 0 {
			co.Street += fmt.Sprintf(" %sビル%dF", building[0], floor)
		}
	} else {
		co.Prefecture, co.City, co.Country = p.EN, c.EN, "Japan"
		co.Street = fmt.Sprintf("%d-%d-%d %s", a, b, d, town[1])
		if floor > 0 {
			co.Street += fmt.Sprintf(", %s Bldg. %dF", building[1], floor)
		}
	}
	co.areaCode = c.AreaCode
	co.Phone = phone(r, c.AreaCode)

	// Size: most companies are small, a few are very large.
	emp := math.Exp(math.Log(60)+1.4*r.NormFloat64()) * ind.Scale
	emp = math.Max(2, math.Min(150_000, emp))
	switch {
	case emp >= 1000:
		emp = math.Round(emp/100) * 100
	case emp >= 100:
		emp = math.Round(emp/10) * 10
	}
	co.Employees = int(emp)
	sizeFit := 1.0
	switch {
	case emp < 10:
		sizeFit = 0.4
	case emp < 50:
		sizeFit = 0.7
	case emp > 2000:
		sizeFit = 0.85
	}
	co.Fit = clamp01(ind.Fit*sizeFit + 0.1*r.NormFloat64())
	// How many of its people the CRM knows grows slowly with its size.
	co.weight = math.Pow(emp, 0.3) * math.Exp(0.5*r.NormFloat64())
	co.emailPattern = r.IntN(6)

	// Owner: a field salesperson of its region.
	team := "west"
	if co.East {
		team = "east"
	}
	reps := w.usersOf(team)
	co.owner = reps[r.IntN(len(reps))]
	co.OwnerID = w.Users[co.owner].ID
	co.TeamID = w.Teams[w.Users[co.owner].Team].ID
	co.Normalize()
	return co
}

// phone makes a Japanese number for an area code: 03-1234-5678,
// 045-123-4567, 0166-12-3456.
func phone(r *rand.Rand, area string) string {
	local := 10 - len(area)
	first := local - 4
	return fmt.Sprintf("%s-%0*d-%04d", area, first, r.IntN(pow10(first)), r.IntN(10000))
}

// mobile makes a Japanese mobile number: 090-1234-5678.
func mobile(r *rand.Rand) string {
	prefix := []string{"090", "080", "070"}[r.IntN(3)]
	return fmt.Sprintf("%s-%04d-%04d", prefix, r.IntN(10000), r.IntN(10000))
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

// Company returns company j (0 ≤ j < Companies()) with its people and their
// histories. buf is reused for the people when it has room; the company's
// own history and the dates that depend on its people are filled in too.
func (w *World) Company(j int, buf []Person) (Company, []Person) {
	co := w.company(j)
	info := w.cos[j]
	if info.suffix > 0 {
		i := strings.IndexByte(co.domainBase, '.')
		co.domainBase = co.domainBase[:i] + strconv.Itoa(int(info.suffix)+1) + co.domainBase[i:]
	}
	co.Domain = co.domainBase
	co.FirstContactID, co.People = info.first, int(info.n)
	people := w.people(&co, buf[:0])
	w.finishCompany(&co, people)
	return co, people
}

// finishCompany dates the company by its first contact and writes its
// history: created when the first person was entered; a plan and a
// customer-since date once one of its people became a customer.
func (w *World) finishCompany(co *Company, people []Person) {
	r := w.Rand(streamCompany, co.Index+1<<30)
	created := w.now
	var actor int64
	for i := range people {
		if people[i].CreatedAt.Before(created) {
			created = people[i].CreatedAt
			actor = people[i].Timeline[0].ActorID
		}
		if c := people[i].Stages[stageIndex(crm.StageCustomer)]; !c.IsZero() && (co.Customer.IsZero() || c.Before(co.Customer)) {
			co.Customer = c
		}
	}
	if len(people) == 0 {
		created = w.recentTime(r, w.start, w.now)
		actor = co.OwnerID
	} else {
		created = created.Add(-time.Duration(r.IntN(60)) * time.Minute)
	}
	co.CreatedAt, co.UpdatedAt = created, created
	co.Version = 1
	co.Timeline = append(co.Timeline[:0], Entry{At: created, Kind: KindCreated, ActorID: actor, Data: "{}"})
	if !co.Customer.IsZero() {
		plan := w.pick(w.t.plans[r.IntN(len(w.t.plans))])
		since := w.local(co.Customer).Format("2006-01-02")
		var o obj
		o.str("customer_since", since).str("plan", plan)
		co.PropsJSON = o.String()
		co.Props = map[string]any{"plan": plan, "customer_since": since}
		at := co.Customer.Add(time.Duration(1+r.IntN(48)) * time.Hour)
		if at.After(w.now) {
			at = w.now
		}
		var ch obj
		ch.pair("props.customer_since", nil, since).pair("props.plan", nil, plan)
		var d obj
		d.raw("changes", ch.String())
		co.Timeline = append(co.Timeline, Entry{At: at, Kind: KindUpdated, ActorID: co.OwnerID, Data: d.String()})
		co.UpdatedAt = at
		co.Version = 2
	} else {
		co.PropsJSON = "{}"
		co.Props = nil
	}
}

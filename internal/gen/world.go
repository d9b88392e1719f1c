package gen

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"renkei/internal/crm"
)

// Size is how big a world is.
type Size struct {
	Name      string // demo, S, M or N=<contacts>
	Contacts  int
	Companies int
}

// ParseSize reads a size: demo (the demo workspace: 2,000 contacts, 300
// companies), S (10,000 contacts, 2,000 companies) or M (1,000,000
// contacts, 100,000 companies) of BENCHMARKS.md, N=<contacts> or a plain
// number of contacts; a custom size has one company for every ten contacts.
func ParseSize(s string) (Size, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "DEMO":
		return Size{Name: "demo", Contacts: 2_000, Companies: 300}, nil
	case "S":
		return Size{Name: "S", Contacts: 10_000, Companies: 2_000}, nil
	case "M":
		return Size{Name: "M", Contacts: 1_000_000, Companies: 100_000}, nil
	}
	num := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "N="), "n=")
	n, err := strconv.Atoi(strings.ReplaceAll(num, ",", ""))
	if err != nil || n < 1 || n > 100_000_000 {
		return Size{}, fmt.Errorf("size %q: use demo, S, M or N=<number of contacts> (e.g. N=5000)", s)
	}
	return Size{Name: fmt.Sprintf("N=%d", n), Contacts: n, Companies: max(1, (n+9)/10)}, nil
}

// Config selects one world: the same Config always gives the same world,
// byte for byte.
type Config struct {
	Seed uint64
	Size Size
	Lang crm.Language // the workspace's language: labels, tags, notes, addresses
	// Now is the end of the story; its history covers the year before.
	// Zero means the current time, truncated to the minute.
	Now time.Time
}

// History is how far back the story goes.
const History = 365 * 24 * time.Hour

// Random streams: every part of the world draws from its own generator,
// seeded by (Config.Seed, stream, index), so any company's people can be
// made again without making the others. Later generators take new stream
// numbers (see Rand).
const (
	streamWorld   = 1
	streamCompany = 2
	streamPeople  = 3
)

// World is a seeded B2B business: the workspace's own company with its
// users and teams, and the companies and people it markets and sells to.
// Companies and people are made on demand, one company at a time, so a
// million-contact world needs little memory.
type World struct {
	cfg   Config
	t     *tables
	start time.Time
	now   time.Time
	jst   *time.Location // Japan: UTC+9 without daylight saving

	Workspace string // the workspace's name
	Domain    string // the workspace's e-mail domain
	Users     []User
	Teams     []Team
	Tags      []Tag
	// Properties are the custom properties the people and companies use.
	Properties []crm.Property
	// Events are the trade shows and webinars of the year.
	Events []Event

	cos []coInfo
	// Draw helpers.
	members map[string][]int // team key → indexes in Users

	famW, prefW, titleJAW, titleENW, deptW, sourceW cumulative
	sources                                         []crm.Source
}

// coInfo is what is remembered of each company between passes.
type coInfo struct {
	first  int64 // id of its first contact
	n      int32 // number of people
	suffix int32 // domain de-duplication: 0 = none
}

// User is a staff account of the workspace.
type User struct {
	Key     string // owner, mkt1, is1, east1, …
	Name    string
	Email   string
	Role    crm.Role
	Team    int // index in Teams; -1 = none
	Manager bool
	ID      int64 // database id, set by Bind (index+1 until then)
}

// Team is a team of the workspace.
type Team struct {
	Key  string // marketing, inside, east, west
	Name string
	ID   int64 // database id, set by Bind
}

// Tag is a contact tag.
type Tag struct {
	Key  string
	Name string
	ID   int64 // database id: index+1
}

// Event is a trade show or webinar that brought people in.
type Event struct {
	Kind string // tradeshow or webinar
	Name string
	At   time.Time
}

// New builds a world's fixed parts (workspace, users, teams, tags,
// properties, events) and plans its companies.
func New(cfg Config) (*World, error) {
	if cfg.Size.Contacts < 1 || cfg.Size.Companies < 1 {
		return nil, errors.New("gen: a world needs at least one contact and one company")
	}
	if cfg.Lang != crm.LangJA && cfg.Lang != crm.LangEN {
		return nil, fmt.Errorf("gen: language %q: use ja or en", cfg.Lang)
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	cfg.Now = cfg.Now.UTC().Truncate(time.Minute)
	w := &World{cfg: cfg, t: newTables(), now: cfg.Now, start: cfg.Now.Add(-History), jst: time.FixedZone("JST", 9*60*60)}
	t := w.t
	w.famW = newCumulative(t.familyWeights)
	w.prefW = newCumulative(t.prefWeights)
	w.titleJAW = newCumulative(t.titleWeightsJA)
	w.titleENW = newCumulative(t.titleWeightsEN)
	w.deptW = newCumulative(t.departmentWeights)
	var sw []float64
	for _, s := range t.sources {
		w.sources = append(w.sources, crm.Source(s.Extra))
		sw = append(sw, float64(s.Weight))
	}
	w.sourceW = newCumulative(sw)
	w.staff()
	for i, tg := range t.tags {
		w.Tags = append(w.Tags, Tag{Key: tg.Extra, Name: w.pick(tg), ID: int64(i + 1)})
	}
	w.properties()
	w.events()
	w.plan()
	return w, nil
}

// Config returns the world's configuration (Now filled in).
func (w *World) Config() Config { return w.cfg }

// Now is the end of the story.
func (w *World) Now() time.Time { return w.now }

// Start is the beginning of the story, History before Now.
func (w *World) Start() time.Time { return w.start }

// Lang is the workspace's language.
func (w *World) Lang() crm.Language { return w.cfg.Lang }

// Rand returns the random generator of one stream and index. Later
// generators (visits, deals, …) use their own stream numbers (100 and up)
// and the company index, so their output depends only on the seed.
func (w *World) Rand(stream uint64, index int) *rand.Rand {
	return rand.New(rand.NewPCG(w.cfg.Seed, stream<<40|uint64(index)))
}

// Bind sets the database ids of Users and Teams (in their order) once they
// exist; generated records refer to them.
func (w *World) Bind(userIDs, teamIDs []int64) error {
	if len(userIDs) != len(w.Users) || len(teamIDs) != len(w.Teams) {
		return errors.New("gen: Bind needs one id per user and per team")
	}
	for i := range w.Users {
		w.Users[i].ID = userIDs[i]
	}
	for i := range w.Teams {
		w.Teams[i].ID = teamIDs[i]
	}
	return nil
}

// Companies is the number of companies.
func (w *World) Companies() int { return len(w.cos) }

// Contacts is the number of people.
func (w *World) Contacts() int { return w.cfg.Size.Contacts }

// pick returns the text of a pair in the workspace's language.
func (w *World) pick(p labelPair) string {
	if w.cfg.Lang == crm.LangJA {
		return p.JA
	}
	return p.EN
}

func (w *World) ja() bool { return w.cfg.Lang == crm.LangJA }

// ---- the workspace's own company ----

// staffData: key | role | team | manager | 日本語の氏名 | English name.
const staffData = `
owner | admin | - | no | 山田 太郎 | Emily Carter
mkt1 | marketing | marketing | yes | 佐藤 花子 | Olivia Bennett
mkt2 | marketing | marketing | no | 鈴木 一郎 | Daniel Brooks
mkt3 | marketing | marketing | no | 高橋 美咲 | Sophie Turner
is1 | sales | inside | yes | 田中 健太 | Michael Reed
is2 | sales | inside | no | 伊藤 結衣 | Hannah Collins
is3 | sales | inside | no | 渡辺 翔太 | Ryan Foster
east1 | sales | east | yes | 中村 誠 | David Morgan
east2 | sales | east | no | 小林 大輔 | Kevin Walsh
east3 | sales | east | no | 加藤 直美 | Laura Hughes
west1 | sales | west | yes | 吉田 健一 | Thomas Price
west2 | sales | west | no | 松本 彩 | Chloe Evans
west3 | sales | west | no | 井上 拓也 | Samuel Ward
viewer | viewer | - | no | 木村 恵子 | Grace Howard
`

func (w *World) staff() {
	if w.ja() {
		w.Workspace, w.Domain = "株式会社レンケイ商事", "renkei-shoji.example.jp"
		w.Teams = []Team{{Key: "marketing", Name: "マーケティング部"}, {Key: "inside", Name: "インサイドセールス"},
			{Key: "east", Name: "フィールドセールス東日本"}, {Key: "west", Name: "フィールドセールス西日本"}}
	} else {
		w.Workspace, w.Domain = "Renkei Trading", "renkei-trading.example.com"
		w.Teams = []Team{{Key: "marketing", Name: "Marketing"}, {Key: "inside", Name: "Inside Sales"},
			{Key: "east", Name: "Field Sales East"}, {Key: "west", Name: "Field Sales West"}}
	}
	for i := range w.Teams {
		w.Teams[i].ID = int64(i + 1)
	}
	for i, l := range lines(staffData) {
		f := fields(l)
		u := User{Key: f[0], Role: crm.Role(f[1]), Team: -1, Manager: f[3] == "yes", ID: int64(i + 1)}
		for ti, tm := range w.Teams {
			if tm.Key == f[2] {
				u.Team = ti
			}
		}
		var local string
		if w.ja() {
			u.Name = f[4]
			parts := strings.Fields(f[4])
			local = w.romajiOf(parts[1], w.t.male, w.t.female) + "." + w.romajiOf(parts[0], w.t.family)
		} else {
			u.Name = f[5]
			parts := strings.Fields(f[5])
			local = asciiLetters(parts[0]) + "." + asciiLetters(parts[1])
		}
		u.Email = local + "@" + w.Domain
		w.Users = append(w.Users, u)
	}
	w.members = map[string][]int{}
	for i, u := range w.Users {
		if u.Team >= 0 {
			k := w.Teams[u.Team].Key
			w.members[k] = append(w.members[k], i)
		}
	}
}

// romajiOf finds a name in the tables and returns its romaji.
func (w *World) romajiOf(kanji string, lists ...[]kanaName) string {
	for _, l := range lists {
		for _, n := range l {
			if n.Kanji == kanji {
				return n.Romaji
			}
		}
	}
	panic("gen: staff name not in the name tables: " + kanji)
}

// usersOf returns the indexes of the users in a team.
func (w *World) usersOf(team string) []int { return w.members[team] }

func (w *World) properties() {
	opts := func(ps []labelPair) []string {
		var out []string
		for _, p := range ps {
			out = append(out, w.pick(p))
		}
		return out
	}
	w.Properties = []crm.Property{
		{Object: "contact", Key: "budget", LabelJA: "予算（万円）", LabelEN: "Budget (10,000 JPY)", Type: crm.PropNumber, Position: 1},
		{Object: "contact", Key: "product_interest", LabelJA: "関心のある製品", LabelEN: "Product interest", Type: crm.PropMultiChoice,
			Options: opts(w.t.productInterest), Position: 2},
		{Object: "contact", Key: "purchase_timing", LabelJA: "導入時期", LabelEN: "Purchase timing", Type: crm.PropChoice,
			Options: opts(w.t.purchaseTiming), Position: 3},
		{Object: "company", Key: "plan", LabelJA: "契約プラン", LabelEN: "Plan", Type: crm.PropChoice, Options: opts(w.t.plans), Position: 1},
		{Object: "company", Key: "customer_since", LabelJA: "取引開始日", LabelEN: "Customer since", Type: crm.PropDate, Position: 2},
	}
	for i := range w.Properties {
		w.Properties[i].CreatedAt = w.start.Add(-30 * 24 * time.Hour)
		w.Properties[i].Version = 1
	}
}

// events places the year's trade shows (about one a quarter) and monthly
// webinars.
func (w *World) events() {
	r := w.Rand(streamWorld, 0)
	day := 24 * time.Hour
	for i, e := range w.t.events {
		at := w.businessDay(w.start.Add(time.Duration(35+i*90+r.IntN(20)) * day))
		name := w.pick(e) + " " + w.local(at).Format("2006")
		w.Events = append(w.Events, Event{Kind: "tradeshow", Name: name, At: at})
	}
	for m := 0; m < 12; m++ {
		at := w.businessDay(w.start.Add(time.Duration(12+m*30+r.IntN(10)) * day))
		at = at.Add(time.Duration(r.IntN(3)) * time.Hour)
		wb := w.t.webinars[m%len(w.t.webinars)]
		w.Events = append(w.Events, Event{Kind: "webinar", Name: w.pick(wb), At: at})
	}
	sort.SliceStable(w.Events, func(i, j int) bool { return w.Events[i].At.Before(w.Events[j].At) })
}

// ---- time ----

// local is t in Japan time (a fixed UTC+9, so that generated business
// hours do not depend on the machine's zone database).
func (w *World) local(t time.Time) time.Time { return t.In(w.jst) }

// businessDay moves t to 14:00 on the nearest weekday (Japan time).
func (w *World) businessDay(t time.Time) time.Time {
	l := w.local(t)
	l = time.Date(l.Year(), l.Month(), l.Day(), 14, 0, 0, 0, w.jst)
	switch l.Weekday() {
	case time.Saturday:
		l = l.AddDate(0, 0, 2)
	case time.Sunday:
		l = l.AddDate(0, 0, 1)
	}
	return l.UTC()
}

// workTime draws a moment between from and to, mostly on weekdays during
// office hours in Japan; it never leaves [from, to].
func (w *World) workTime(r *rand.Rand, from, to time.Time) time.Time {
	if !to.After(from) {
		return from
	}
	t := from.Add(time.Duration(r.Int64N(int64(to.Sub(from)))))
	l := w.local(t)
	hour := 9 + r.IntN(10)
	if r.IntN(10) == 0 {
		hour = 7 + r.IntN(16) // early mornings and late evenings too
	}
	day := time.Date(l.Year(), l.Month(), l.Day(), hour, r.IntN(60), r.IntN(60), 0, w.jst)
	if wd := day.Weekday(); (wd == time.Saturday || wd == time.Sunday) && r.IntN(10) < 8 {
		if wd == time.Saturday {
			day = day.AddDate(0, 0, -1) // Friday
		} else {
			day = day.AddDate(0, 0, 1) // Monday
		}
	}
	// The same hour on a neighbouring day when the drawn day's hour falls
	// outside the window.
	for _, d := range []int{0, 1, -1, 2, -2} {
		if c := day.AddDate(0, 0, d).UTC(); !c.Before(from) && !c.After(to) {
			return c
		}
	}
	return t.Truncate(time.Second)
}

// recentTime draws between from and to with more weight on recent times:
// the business is growing.
func (w *World) recentTime(r *rand.Rand, from, to time.Time) time.Time {
	if !to.After(from) {
		return from
	}
	x := math.Pow(r.Float64(), 0.7)
	mid := from.Add(time.Duration(x * float64(to.Sub(from))))
	lo, hi := mid.Add(-36*time.Hour), mid.Add(36*time.Hour)
	if lo.Before(from) {
		lo = from
	}
	if hi.After(to) {
		hi = to
	}
	return w.workTime(r, lo, hi)
}

// ---- drawing ----

type cumulative struct {
	sums  []float64
	total float64
}

func newCumulative(weights []float64) cumulative {
	c := cumulative{sums: make([]float64, len(weights))}
	for i, x := range weights {
		c.total += x
		c.sums[i] = c.total
	}
	return c
}

func (c cumulative) draw(r *rand.Rand) int {
	x := r.Float64() * c.total
	i := sort.SearchFloat64s(c.sums, x)
	if i >= len(c.sums) {
		i = len(c.sums) - 1
	}
	return i
}

// chance is true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }

// ---- planning the companies ----

// plan makes every company once to share the people out among them (bigger
// companies have more people in the CRM) and to make their web domains
// unique; it keeps three numbers per company.
func (w *World) plan() {
	n := w.cfg.Size.Companies
	w.cos = make([]coInfo, n)
	weights := make([]float64, n)
	seen := map[string]int32{}
	var total float64
	for j := range n {
		co := w.company(j)
		k := seen[co.domainBase]
		seen[co.domainBase] = k + 1
		w.cos[j].suffix = k
		weights[j] = co.weight
		total += co.weight
	}
	// Share the contacts out in proportion to the weights, exactly.
	var cum float64
	prev, next := int64(0), int64(0)
	for j := range n {
		cum += weights[j]
		next = int64(math.Floor(cum / total * float64(w.cfg.Size.Contacts)))
		if j == n-1 {
			next = int64(w.cfg.Size.Contacts)
		}
		w.cos[j].first = prev + 1
		w.cos[j].n = int32(next - prev)
		prev = next
	}
}

package gen

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"strings"
	"testing"
	"time"
	"unicode"

	"renkei/internal/crm"
)

// storyEnd is a fixed end of the story, so that worlds compare byte for byte.
var storyEnd = time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC)

func newWorld(t testing.TB, seed uint64, size string, lang crm.Language) *World {
	t.Helper()
	sz, err := ParseSize(size)
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{Seed: seed, Size: sz, Lang: lang, Now: storyEnd})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// each calls fn for every company and person of the world.
func each(w *World, fn func(co *Company, p *Person)) {
	var buf []Person
	for j := range w.Companies() {
		co, people := w.Company(j, buf)
		buf = people
		if len(people) == 0 {
			fn(&co, nil)
		}
		for i := range people {
			fn(&co, &people[i])
		}
	}
}

// worldHash hashes everything a world generates.
func worldHash(w *World) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s %+v %+v %+v %+v %+v\n", w.Workspace, w.Domain, w.Users, w.Teams, w.Tags, w.Properties, w.Events)
	last := -1
	each(w, func(co *Company, p *Person) {
		if co.Index != last {
			last = co.Index
			fmt.Fprintf(h, "%+v\n", *co)
		}
		if p != nil {
			writePerson(h, p)
		}
	})
	return fmt.Sprintf("%x", h.Sum(nil))
}

func writePerson(h hash.Hash, p *Person) {
	fmt.Fprintf(h, "%+v\n", *p)
}

func TestSameSeedSameWorld(t *testing.T) {
	a := worldHash(newWorld(t, 7, "N=600", crm.LangJA))
	b := worldHash(newWorld(t, 7, "N=600", crm.LangJA))
	if a != b {
		t.Fatalf("two worlds of seed 7 differ: %s vs %s", a, b)
	}
	for _, other := range []struct {
		seed uint64
		size string
		lang crm.Language
	}{{8, "N=600", crm.LangJA}, {7, "N=601", crm.LangJA}, {7, "N=600", crm.LangEN}} {
		if h := worldHash(newWorld(t, other.seed, other.size, other.lang)); h == a {
			t.Errorf("world %+v has the same hash as seed 7, N=600, ja", other)
		}
	}
}

func TestCompanyCanBeMadeAgainAlone(t *testing.T) {
	w := newWorld(t, 3, "N=400", crm.LangJA)
	// Printed as they are made: people's slices are reused.
	var all []string
	each(w, func(co *Company, p *Person) {
		if p != nil {
			all = append(all, fmt.Sprintf("%s %+v", co.Name, *p))
		}
	})
	// Company 17 made on its own, in a fresh world, is the same as in a
	// full pass: later generators rely on this.
	w2 := newWorld(t, 3, "N=400", crm.LangJA)
	co, people := w2.Company(17, nil)
	for i := range people {
		got, want := fmt.Sprintf("%s %+v", co.Name, people[i]), all[int(co.FirstContactID)-1+i]
		if got != want {
			t.Fatalf("person %d of company 17 differs:\n got %s\nwant %s", i, got, want)
		}
	}
	if len(people) == 0 {
		t.Fatal("company 17 has no people; pick another")
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in                  string
		contacts, companies int
		ok                  bool
	}{
		{"demo", 2000, 300, true}, {"S", 10_000, 2_000, true}, {"m", 1_000_000, 100_000, true},
		{"N=5000", 5000, 500, true}, {"1234", 1234, 124, true}, {"N=1", 1, 1, true}, {"N=1,000", 1000, 100, true},
		{"N=0", 0, 0, false}, {"XL", 0, 0, false}, {"N=-5", 0, 0, false}, {"", 0, 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got.Contacts != tt.contacts || got.Companies != tt.companies {
			t.Errorf("ParseSize(%q) = %+v, %v; want %d contacts, %d companies, ok %v", tt.in, got, err, tt.contacts, tt.companies, tt.ok)
		}
	}
}

func TestRomaji(t *testing.T) {
	tests := []struct{ kana, want string }{
		{"サトウ", "sato"}, {"イノウエ", "inoue"}, {"オオノ", "ono"}, {"オオタ", "ota"}, {"ハットリ", "hattori"},
		{"ユウコ", "yuko"}, {"ショウタ", "shota"}, {"キョウコ", "kyoko"}, {"ジュンイチ", "junichi"},
		{"モチヅキ", "mochizuki"}, {"ケイコ", "keiko"}, {"ウエダ", "ueda"}, {"リョウ", "ryo"}, {"コウジ", "koji"},
		{"ニッタ", "nitta"}, {"ホッタ", "hotta"}, {"データ", "deta"}, {"チヒロ", "chihiro"}, {"ツチヤ", "tsuchiya"},
	}
	for _, tt := range tests {
		if got := romaji(tt.kana); got != tt.want {
			t.Errorf("romaji(%s) = %q, want %q", tt.kana, got, tt.want)
		}
	}
}

func isKatakana(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.In(r, unicode.Katakana) && r != 'ー' {
			return false
		}
	}
	return true
}

func TestNameTablesPairKanjiWithKatakana(t *testing.T) {
	tb := newTables()
	for _, list := range [][]kanaName{tb.family, tb.male, tb.female} {
		if len(list) < 50 {
			t.Errorf("a name table has only %d names", len(list))
		}
		for _, n := range list {
			if !isKatakana(n.Reading) || n.Kanji == "" || strings.ContainsAny(n.Kanji, " \t") {
				t.Errorf("bad entry %+v: the reading must be katakana", n)
			}
			if n.Romaji == "" || strings.Trim(n.Romaji, "abcdefghijklmnopqrstuvwxyz") != "" {
				t.Errorf("entry %+v: romaji must be a–z", n)
			}
		}
	}
	if len(tb.family) < 250 {
		t.Errorf("%d family names, want a few hundred", len(tb.family))
	}
	for _, n := range append(tb.givenEN, tb.familyEN...) {
		if n.ASCII == "" {
			t.Errorf("English name %q has no ASCII form", n.Name)
		}
	}
}

func TestPeopleNamesReadingsAndValidity(t *testing.T) {
	w := newWorld(t, 1, "N=3000", crm.LangJA)
	tb := newTables()
	pairs := map[string]bool{}
	for _, list := range [][]kanaName{tb.family, tb.male, tb.female} {
		for _, n := range list {
			pairs[n.Kanji+"|"+n.Reading] = true
		}
	}
	emails := map[string]bool{}
	domains := map[string]int{}
	japanese, people := 0, 0
	each(w, func(co *Company, p *Person) {
		if p == nil || p.CompanyID != co.ID {
			if p != nil {
				t.Fatalf("person %d links company %d, made with %d", p.ID, p.CompanyID, co.ID)
			}
			return
		}
		if p.Index == int(co.FirstContactID)-1 {
			if other, ok := domains[co.Domain]; ok {
				t.Errorf("companies %d and %d share the domain %s", other, co.ID, co.Domain)
			}
			domains[co.Domain] = int(co.ID)
			cc := co.Company
			if err := cc.Validate(); err != nil {
				t.Errorf("company %q: %v", co.Name, err)
			}
		}
		people++
		c := p.Contact
		if p.Japanese {
			japanese++
			if !pairs[c.Family+"|"+c.FamilyReading] || !pairs[c.Given+"|"+c.GivenReading] {
				t.Errorf("%s %s read %s %s: not a pair from the name tables", c.Family, c.Given, c.FamilyReading, c.GivenReading)
			}
		} else if c.FamilyReading != "" || c.GivenReading != "" || !isASCIIName(c.Family+c.Given) {
			t.Errorf("English name %s %s has readings %q %q", c.Given, c.Family, c.FamilyReading, c.GivenReading)
		}
		if emails[c.Email] {
			t.Errorf("e-mail %s twice", c.Email)
		}
		emails[c.Email] = true
		if !strings.HasSuffix(c.Email, "@"+co.Domain) {
			t.Errorf("e-mail %s is not at the company's domain %s", c.Email, co.Domain)
		}
		norm := c
		norm.Normalize()
		if norm.Email != c.Email || norm.FamilyReading != c.FamilyReading || norm.Phone != c.Phone {
			t.Errorf("contact %d is not normalised: %+v became %+v", c.ID, c, norm)
		}
		if err := norm.Validate(true); err != nil {
			t.Errorf("contact %d (%s %s <%s>) does not validate: %v", c.ID, c.Family, c.Given, c.Email, err)
		}
	})
	if people != 3000 || len(emails) != 3000 {
		t.Errorf("%d people, %d e-mails; want 3000 of each", people, len(emails))
	}
	if share := float64(japanese) / float64(people); share < 0.42 || share > 0.58 {
		t.Errorf("%.0f%% Japanese names, want about half", 100*share)
	}
}

func isASCIIName(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && r != '\'' {
			return false
		}
	}
	return true
}

func TestHistoriesReadInOrder(t *testing.T) {
	w := newWorld(t, 2, "N=2000", crm.LangEN)
	each(w, func(co *Company, p *Person) {
		if co.CreatedAt.Before(w.Start().Add(-24*time.Hour)) || co.CreatedAt.After(w.Now()) || co.Timeline[0].Kind != KindCreated {
			t.Fatalf("company %d created %v (story %v – %v), timeline %+v", co.ID, co.CreatedAt, w.Start(), w.Now(), co.Timeline)
		}
		if p == nil {
			return
		}
		if p.CreatedAt.Before(co.CreatedAt) {
			t.Errorf("person %d created %v before company %d (%v)", p.ID, p.CreatedAt, co.ID, co.CreatedAt)
		}
		tl := p.Timeline
		if k := tl[0].Kind; k != KindCreated && k != KindImported || !tl[0].At.Equal(p.CreatedAt) {
			t.Errorf("person %d: first entry %+v, created %v", p.ID, tl[0], p.CreatedAt)
		}
		stage := string(crm.StageLead)
		if !p.Stages[stageIndex(crm.StageSubscriber)].IsZero() {
			stage = string(crm.StageSubscriber)
		}
		for i, e := range tl {
			if i > 0 && e.At.Before(tl[i-1].At) {
				t.Errorf("person %d: entry %d (%v) before entry %d (%v)", p.ID, i, e.At, i-1, tl[i-1].At)
			}
			if e.At.Before(w.Start()) || e.At.After(w.Now()) {
				t.Errorf("person %d: entry at %v outside the story", p.ID, e.At)
			}
			if from, to, ok := stageChange(e.Data); ok {
				if from != stage {
					t.Errorf("person %d: change from %s while at %s", p.ID, from, stage)
				}
				stage = to
			}
		}
		if stage != string(p.Lifecycle) {
			t.Errorf("person %d: history ends at %s, stage is %s", p.ID, stage, p.Lifecycle)
		}
		if p.UpdatedAt != tl[len(tl)-1].At {
			t.Errorf("person %d updated %v, last entry %v", p.ID, p.UpdatedAt, tl[len(tl)-1].At)
		}
		if (p.Consent == crm.ConsentUnknown) != (len(p.ConsentLog) == 0) {
			t.Errorf("person %d: consent %s with ledger %+v", p.ID, p.Consent, p.ConsentLog)
		}
		if len(p.ConsentLog) > 0 && p.ConsentLog[len(p.ConsentLog)-1].Status != p.Consent {
			t.Errorf("person %d: consent %s, ledger ends %s", p.ID, p.Consent, p.ConsentLog[len(p.ConsentLog)-1].Status)
		}
	})
}

// stageChange reads {"changes":{"lifecycle_stage":["a","b"]…}}.
func stageChange(data string) (from, to string, ok bool) {
	const key = `"lifecycle_stage":["`
	i := strings.Index(data, key)
	if i < 0 {
		return "", "", false
	}
	rest := data[i+len(key):]
	parts := strings.SplitN(rest, `"`, 4)
	return parts[0], parts[2], true
}

func TestFunnelMarketingClosesBetter(t *testing.T) {
	w := newWorld(t, 1, "N=20000", crm.LangJA)
	stages := map[crm.Lifecycle]int{}
	type tally struct{ won, lost, people int }
	groups := map[string]*tally{crm.GroupMarketing: {}, crm.GroupOutbound: {}}
	each(w, func(_ *Company, p *Person) {
		if p == nil {
			return
		}
		stages[p.Lifecycle]++
		g := groups[p.Group]
		g.people++
		switch {
		case p.Lifecycle == crm.StageCustomer:
			g.won++
		case p.Lost:
			g.lost++
		}
	})
	for _, l := range crm.Lifecycles {
		if stages[l] < 100 {
			t.Errorf("only %d people at stage %s: %v", stages[l], l, stages)
		}
	}
	if stages[crm.StageLead] < stages[crm.StageCustomer]*3 {
		t.Errorf("the funnel is upside down: %v", stages)
	}
	mkt, out := groups[crm.GroupMarketing], groups[crm.GroupOutbound]
	rate := func(g *tally) float64 { return float64(g.won) / float64(g.won+g.lost) }
	t.Logf("stages %v; win rate marketing %.2f %+v, outbound %.2f %+v", stages, rate(mkt), *mkt, rate(out), *out)
	if rate(mkt) <= rate(out)+0.1 {
		t.Errorf("win rate marketing %.2f (%+v), outbound %.2f (%+v): marketing-sourced should close clearly better",
			rate(mkt), *mkt, rate(out), *out)
	}
	if share := float64(mkt.people) / 20000; share < 0.5 || share > 0.6 {
		t.Errorf("marketing brought %.0f%% of the people, want about 55%%", 100*share)
	}
}

func TestJSONStrings(t *testing.T) {
	var o obj
	o.str("text", "他社\"比較\"\\中\n").num("n", -3).strs("list", []string{"a", "見積・請求"}).pair("owner_id", nil, int64(5))
	want := `{"text":"他社\"比較\"\\中\u000a","n":-3,"list":["a","見積・請求"],"owner_id":[null,5]}`
	if got := o.String(); got != want || !json.Valid([]byte(got)) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var empty obj
	if empty.String() != "{}" {
		t.Errorf("empty object = %s", empty.String())
	}
}

package gen

import (
	"strconv"
	"strings"
)

// The data tables of data_*.go, parsed once per World.

type kanaName struct {
	Kanji, Reading, Romaji string
}

type enName struct {
	Name, ASCII string // ASCII: lower-case letters only, for e-mail addresses
}

type city struct {
	JA, EN   string
	Postal   []string // three-digit prefixes
	AreaCode string
	Towns    [][2]string // 町名, Town
}

type prefecture struct {
	JA, EN string
	Pop    int
	East   bool
	Cities []city
}

type companyWord struct {
	Text, Reading, Romaji string
	Industry              string // key; stems have none
}

type industry struct {
	Key, JA, EN string
	Fit, Scale  float64
}

type title struct {
	JA, EN    string // one of them is set
	Seniority int
	Weight    int
}

type labelPair struct {
	JA, EN string
	Weight int
	Extra  string // notes: stage group; forms: page path; tags: key
}

type tables struct {
	family, male, female []kanaName
	familyWeights        []float64
	givenEN, familyEN    []enName
	prefs                []prefecture
	prefWeights          []float64
	towns                [][2]string
	buildings            [][2]string
	stemsJA, wordsJA     []companyWord
	stemsEN, wordsEN     []companyWord
	industries           map[string]industry
	titlesJA, titlesEN   []title
	titleWeightsJA       []float64
	titleWeightsEN       []float64
	departments          []labelPair
	departmentWeights    []float64
	tags                 []labelPair
	notes                []labelPair
	events, webinars     []labelPair
	forms                []labelPair
	productInterest      []labelPair
	purchaseTiming       []labelPair
	plans                []labelPair
	rejectReasons        []labelPair
	sources              []labelPair // Extra: the source; Weight
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

func parseKana(s string) []kanaName {
	var out []kanaName
	for _, l := range lines(s) {
		f := strings.Fields(l)
		n := kanaName{Kanji: f[0], Reading: f[1]}
		n.Romaji = romaji(n.Reading)
		if len(f) > 2 {
			n.Romaji = f[2]
		}
		out = append(out, n)
	}
	return out
}

func parseEN(s string) []enName {
	var out []enName
	for _, w := range strings.Fields(s) {
		out = append(out, enName{Name: w, ASCII: asciiLetters(w)})
	}
	return out
}

// asciiLetters lower-cases a Latin name and keeps a–z (Müller → muller,
// O'Brien → obrien).
func asciiLetters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r == 'ü' || r == 'ú' || r == 'ù':
			b.WriteByte('u')
		case r == 'ö' || r == 'ó' || r == 'ò':
			b.WriteByte('o')
		case r == 'ä' || r == 'á' || r == 'à':
			b.WriteByte('a')
		case r == 'é' || r == 'è' || r == 'ë':
			b.WriteByte('e')
		}
	}
	return b.String()
}

func parseWords(s string, withIndustry bool) []companyWord {
	var out []companyWord
	for _, l := range lines(s) {
		f := strings.Fields(l)
		w := companyWord{Text: strings.ReplaceAll(f[0], "_", " "), Reading: f[1]}
		rest := f[2:]
		if withIndustry {
			w.Industry, rest = rest[0], rest[1:]
		}
		switch {
		case len(rest) > 0:
			w.Romaji = rest[0]
		case isASCII(f[0]):
			w.Romaji = strings.ReplaceAll(strings.ToLower(f[0]), "_", "-")
		default:
			w.Romaji = romaji(w.Reading)
		}
		out = append(out, w)
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// fields splits a "a | b | c" line.
func fields(l string) []string {
	f := strings.Split(l, "|")
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return f
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic("gen: bad number in data table: " + s)
	}
	return n
}

func atof(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic("gen: bad number in data table: " + s)
	}
	return f
}

// pairList parses "日本語 | English [| extra…]" lines; with weight, the
// last field is a weight.
func pairList(s string) []labelPair {
	var out []labelPair
	for _, l := range lines(s) {
		f := fields(l)
		p := labelPair{JA: f[0], EN: f[1], Weight: 1}
		if len(f) > 2 {
			p.Extra = f[2]
		}
		out = append(out, p)
	}
	return out
}

// townList parses "本町 Honcho, 中央 Chuo".
func townList(s string) [][2]string {
	var out [][2]string
	for _, t := range strings.Split(s, ",") {
		f := strings.Fields(t)
		if len(f) >= 2 {
			out = append(out, [2]string{f[0], strings.Join(f[1:], " ")})
		}
	}
	return out
}

func newTables() *tables {
	t := &tables{industries: map[string]industry{}}
	t.family = parseKana(familyNamesJA)
	for i := range t.family {
		// Common names are much more common: roughly Zipf by rank.
		t.familyWeights = append(t.familyWeights, 1/float64(i+8))
	}
	t.male = parseKana(givenNamesMaleJA)
	t.female = parseKana(givenNamesFemaleJA)
	t.givenEN = parseEN(givenNamesEN)
	t.familyEN = parseEN(familyNamesEN)

	for _, l := range lines(placesData) {
		if !strings.HasPrefix(l, "  ") {
			f := strings.Fields(l)
			t.prefs = append(t.prefs, prefecture{JA: f[0], EN: f[1], Pop: atoi(f[2]), East: f[3] == "E"})
			t.prefWeights = append(t.prefWeights, float64(atoi(f[2])))
			continue
		}
		f := fields(l)
		name := strings.Fields(f[0])
		c := city{JA: name[0], EN: strings.Join(name[1:], " "), Postal: strings.Fields(f[1]), AreaCode: f[2]}
		if len(f) > 3 {
			c.Towns = townList(f[3])
		}
		p := &t.prefs[len(t.prefs)-1]
		p.Cities = append(p.Cities, c)
	}
	t.towns = townList(genericTownsData)
	t.buildings = townList(buildingsData)

	t.stemsJA = parseWords(companyStemsJA, false)
	t.wordsJA = parseWords(companyWordsJA, true)
	t.stemsEN = parseWords(companyStemsEN, false)
	t.wordsEN = parseWords(companyWordsEN, true)
	for _, l := range lines(industriesData) {
		f := fields(l)
		t.industries[f[0]] = industry{Key: f[0], JA: f[1], EN: f[2], Fit: atof(f[3]), Scale: atof(f[4])}
	}
	for _, l := range lines(titlesJA) {
		f := fields(l)
		t.titlesJA = append(t.titlesJA, title{JA: f[0], Seniority: atoi(f[1]), Weight: atoi(f[2])})
		t.titleWeightsJA = append(t.titleWeightsJA, atof(f[2]))
	}
	for _, l := range lines(titlesEN) {
		f := fields(l)
		t.titlesEN = append(t.titlesEN, title{EN: f[0], Seniority: atoi(f[1]), Weight: atoi(f[2])})
		t.titleWeightsEN = append(t.titleWeightsEN, atof(f[2]))
	}
	for _, l := range lines(departmentsData) {
		f := fields(l)
		t.departments = append(t.departments, labelPair{JA: f[0], EN: f[1], Weight: atoi(f[2])})
		t.departmentWeights = append(t.departmentWeights, atof(f[2]))
	}
	for _, l := range lines(tagsData) {
		f := fields(l)
		t.tags = append(t.tags, labelPair{Extra: f[0], JA: f[1], EN: f[2]})
	}
	for _, l := range lines(notesData) {
		f := fields(l)
		t.notes = append(t.notes, labelPair{Extra: f[0], JA: f[1], EN: f[2]})
	}
	t.events = pairList(eventsData)
	t.webinars = pairList(webinarsData)
	t.forms = pairList(formsData)
	t.productInterest = pairList(productInterestData)
	t.purchaseTiming = pairList(purchaseTimingData)
	t.plans = pairList(plansData)
	t.rejectReasons = pairList(rejectReasonsData)
	for _, l := range lines(sourcesData) {
		f := fields(l)
		t.sources = append(t.sources, labelPair{Extra: f[0], Weight: atoi(f[1])})
	}
	return t
}

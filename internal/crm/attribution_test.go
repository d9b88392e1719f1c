package crm

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// day is 2026-04-01 09:00 UTC plus n days.
func tday(n int) time.Time { return time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, n) }

func touchesAt(days ...int) []Touch {
	out := make([]Touch, len(days))
	for i, d := range days {
		out[i] = Touch{At: tday(d), Kind: TouchVisit, CampaignID: int64(i + 1), Channel: "c" + string(rune('A'+i))}
	}
	return out
}

func amounts(cs []Credit) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.Amount
	}
	return out
}

// TestAttributionModels checks each model on journeys computed by hand
// (docs/campaigns.md works the 5-touch journey through).
func TestAttributionModels(t *testing.T) {
	// 1 touch: every model gives it everything.
	one := Journey{Touches: touchesAt(1), LeadAt: tday(1), OpportunityAt: tday(10), WonAt: tday(20), Amount: 1000}
	// 2 touches: A (day 1) created the lead, B (day 5); opportunity day 10.
	two := Journey{Touches: touchesAt(1, 5), LeadAt: tday(1), OpportunityAt: tday(10), WonAt: tday(20), Amount: 1000}
	// 3 touches: A visit, B the form that created the lead (day 3), C day 8.
	three := Journey{Touches: touchesAt(1, 3, 8), LeadAt: tday(3), OpportunityAt: tday(10), WonAt: tday(20), Amount: 1000}
	// 5 touches before the won date and one after it (ignored); given out of
	// order on purpose.
	fiveTs := touchesAt(1, 2, 3, 5, 9, 25)
	five := Journey{Touches: []Touch{fiveTs[3], fiveTs[5], fiveTs[0], fiveTs[4], fiveTs[1], fiveTs[2]},
		LeadAt: tday(3), OpportunityAt: tday(10), WonAt: tday(20), Amount: 1_000_001}
	// Every touch after the opportunity was created: the last touch before
	// it is missing, so the nearest (the first touch) takes it.
	late := Journey{Touches: touchesAt(12, 15), LeadAt: tday(12), OpportunityAt: tday(10), WonAt: tday(20), Amount: 900}
	// Every touch after the won date: nothing to attribute.
	after := Journey{Touches: touchesAt(21, 22), LeadAt: tday(1), OpportunityAt: tday(10), WonAt: tday(20), Amount: 500}

	for _, tc := range []struct {
		name  string
		j     Journey
		model AttributionModel
		want  []int64
	}{
		{"1 touch first", one, ModelFirstTouch, []int64{1000}},
		{"1 touch last", one, ModelLastTouch, []int64{1000}},
		{"1 touch linear", one, ModelLinear, []int64{1000}},
		{"1 touch W", one, ModelWShaped, []int64{1000}},
		{"2 touches first", two, ModelFirstTouch, []int64{1000, 0}},
		{"2 touches last", two, ModelLastTouch, []int64{0, 1000}},
		{"2 touches linear", two, ModelLinear, []int64{500, 500}},
		// F = L = A (30 + 30 + the others' 10), O = B (30).
		{"2 touches W", two, ModelWShaped, []int64{700, 300}},
		{"3 touches first", three, ModelFirstTouch, []int64{1000, 0, 0}},
		{"3 touches last", three, ModelLastTouch, []int64{0, 0, 1000}},
		// 333.33 each; the unit left over goes to the first (equal remainders).
		{"3 touches linear", three, ModelLinear, []int64{334, 333, 333}},
		// F = A 30, L = B 30 + 10 (no other touches), O = C 30.
		{"3 touches W", three, ModelWShaped, []int64{300, 400, 300}},
		{"5 touches first", five, ModelFirstTouch, []int64{1_000_001, 0, 0, 0, 0}},
		{"5 touches last", five, ModelLastTouch, []int64{0, 0, 0, 0, 1_000_001}},
		{"5 touches linear", five, ModelLinear, []int64{200_001, 200_000, 200_000, 200_000, 200_000}},
		// F = A, L = C (day 3), O = E (day 9): 30% each = 300,000.3; B and D
		// share 10%: 50,000.05 each. Floors add up to 1,000,000; the unit
		// left goes to the largest remainder (0.3, first: A).
		{"5 touches W", five, ModelWShaped, []int64{300_001, 50_000, 300_000, 50_000, 300_000}},
		{"late last", late, ModelLastTouch, []int64{900, 0}},
		// F = L = O = the first touch: 90%; B, the only other touch, gets
		// the whole 10%.
		{"late W", late, ModelWShaped, []int64{810, 90}},
		{"after won", after, ModelLinear, nil},
		{"after won W", after, ModelWShaped, nil},
	} {
		got := Attribute(tc.model, tc.j)
		if !slices.Equal(amounts(got), tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, amounts(got), tc.want)
		}
	}

	// Credits come oldest first and the touch after the won date is left out.
	got := Attribute(ModelLinear, five)
	for i, c := range got {
		if c.Touch.At != tday([]int{1, 2, 3, 5, 9}[i]) {
			t.Errorf("credit %d is the touch of %v", i, c.Touch.At)
		}
		if c.Touch.At.After(five.WonAt) {
			t.Errorf("a touch after the won date earned %d", c.Amount)
		}
	}
}

// TestSplitAmountAddsUp: whatever the weights, the parts are whole units
// that add up to the amount, and no part is off its exact share by a unit
// or more.
func TestSplitAmountAddsUp(t *testing.T) {
	if got := SplitAmount(100, []int64{1, 1, 1}); !slices.Equal(got, []int64{34, 33, 33}) {
		t.Errorf("100 in thirds: %v", got)
	}
	if got := SplitAmount(-100, []int64{1, 1, 1}); !slices.Equal(got, []int64{-34, -33, -33}) {
		t.Errorf("-100 in thirds: %v", got)
	}
	if got := SplitAmount(10, []int64{0, 2, 0, 1}); !slices.Equal(got, []int64{0, 7, 0, 3}) {
		t.Errorf("10 in 2:1 with zeros: %v", got)
	}
	if got := SplitAmount(5, []int64{0, 0}); !slices.Equal(got, []int64{0, 0}) {
		t.Errorf("no weight: %v", got)
	}
	// Large amounts do not overflow.
	if got := SplitAmount(MaxMoney, []int64{7, 1_000_000}); got[0]+got[1] != MaxMoney {
		t.Errorf("large amount: %v", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		n := 1 + r.IntN(12)
		w := make([]int64, n)
		var total int64
		for i := range w {
			w[i] = r.Int64N(40)
			total += w[i]
		}
		if total == 0 {
			w[0], total = 1, 1
		}
		amount := r.Int64N(10_000_000)
		got := SplitAmount(amount, w)
		var sum int64
		for i, x := range got {
			sum += x
			exact := float64(amount) * float64(w[i]) / float64(total)
			if d := float64(x) - exact; d <= -1 || d >= 1 {
				t.Fatalf("amount %d weights %v: part %d = %d, exact %.2f", amount, w, i, x, exact)
			}
		}
		if sum != amount {
			t.Fatalf("amount %d weights %v: parts %v add up to %d", amount, w, got, sum)
		}
		// Every model's credits add up to the amount as well.
		days := make([]int, n)
		for i := range days {
			days[i] = r.IntN(30)
		}
		j := Journey{Touches: touchesAt(days...), LeadAt: tday(r.IntN(30)), OpportunityAt: tday(r.IntN(30)),
			WonAt: tday(25), Amount: amount}
		for _, m := range AttributionModels {
			cs := Attribute(m, j)
			var s int64
			for _, c := range cs {
				s += c.Amount
			}
			if len(cs) > 0 && s != amount {
				t.Fatalf("%s on %+v: credits add up to %d, want %d", m, j, s, amount)
			}
		}
	}
}

func TestParseAttributionModel(t *testing.T) {
	for in, want := range map[string]AttributionModel{"": ModelWShaped, "first_touch": ModelFirstTouch,
		"last_touch": ModelLastTouch, "linear": ModelLinear, "w_shaped": ModelWShaped} {
		if got, ok := ParseAttributionModel(in); !ok || got != want {
			t.Errorf("%q: %q %v", in, got, ok)
		}
	}
	if _, ok := ParseAttributionModel("u_shaped"); ok {
		t.Error("u_shaped accepted")
	}
}

func TestUTMLinkBuild(t *testing.T) {
	ok := UTMLink{Landing: " https://example.jp/lp?x=1&utm_source=old#top ", Source: "Google", Medium: "cpc",
		Campaign: "Expo-2026", Term: "名刺 管理", Content: "banner a"}
	ok.Normalize()
	got, err := ok.Build()
	if err != nil {
		t.Fatal(err)
	}
	want := "https://example.jp/lp?utm_campaign=expo-2026&utm_content=banner+a&utm_medium=cpc&utm_source=google&utm_term=%E5%90%8D%E5%88%BA+%E7%AE%A1%E7%90%86&x=1#top"
	if got != want {
		t.Errorf("built\n%s\nwant\n%s", got, want)
	}
	base := UTMLink{Landing: "https://example.jp/", Source: "google", Medium: "cpc", Campaign: "expo-2026"}
	for _, tc := range []struct {
		name  string
		edit  func(*UTMLink)
		field string
	}{
		{"javascript", func(l *UTMLink) { l.Landing = "javascript:alert(1)" }, "landing"},
		{"JavaScript upper", func(l *UTMLink) { l.Landing = "JAVASCRIPT://example.jp/%0aalert(1)" }, "landing"},
		{"data", func(l *UTMLink) { l.Landing = "data:text/html,<script>alert(1)</script>" }, "landing"},
		{"relative", func(l *UTMLink) { l.Landing = "/pricing" }, "landing"},
		{"scheme-relative", func(l *UTMLink) { l.Landing = "//evil.example/x" }, "landing"},
		{"no host", func(l *UTMLink) { l.Landing = "https:///x" }, "landing"},
		{"ftp", func(l *UTMLink) { l.Landing = "ftp://example.jp/" }, "landing"},
		{"userinfo", func(l *UTMLink) { l.Landing = "https://user:pw@example.jp/" }, "landing"},
		{"CRLF landing", func(l *UTMLink) { l.Landing = "https://example.jp/\r\nSet-Cookie: x=1" }, "landing"},
		{"LF source", func(l *UTMLink) { l.Source = "google\nx" }, "source"},
		{"CR content", func(l *UTMLink) { l.Content = "a\rb" }, "content"},
		{"no medium", func(l *UTMLink) { l.Medium = "" }, "medium"},
		{"bad campaign", func(l *UTMLink) { l.Campaign = "展示会 2026" }, "campaign"},
		{"long term", func(l *UTMLink) { l.Term = strings.Repeat("x", 201) }, "term"},
	} {
		l := base
		tc.edit(&l)
		_, err := l.Build()
		v, isV := AsValidation(err)
		if !isV || v.Fields[tc.field] == "" {
			t.Errorf("%s: err = %v, want a message on %s", tc.name, err, tc.field)
		}
	}
}

func TestCampaignValidate(t *testing.T) {
	good := Campaign{Name: "展示会 2026", Kind: CampaignEvent, Tag: "expo-2026", StartsOn: "2026-05-10", EndsOn: "2026-05-12", Budget: 500000}
	good.Normalize()
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if good.Status != CampaignPlanned {
		t.Errorf("status defaulted to %q", good.Status)
	}
	for _, tc := range []struct {
		edit  func(*Campaign)
		field string
	}{
		{func(c *Campaign) { c.Name = "" }, "name"},
		{func(c *Campaign) { c.Name = "a\nb" }, "name"},
		{func(c *Campaign) { c.Kind = "tv" }, "kind"},
		{func(c *Campaign) { c.Status = "done" }, "status"},
		{func(c *Campaign) { c.Tag = "" }, "tag"},
		{func(c *Campaign) { c.Tag = "Expo 2026" }, "tag"},
		{func(c *Campaign) { c.Tag = "-expo" }, "tag"},
		{func(c *Campaign) { c.StartsOn = "2026-13-01" }, "starts_on"},
		{func(c *Campaign) { c.EndsOn = "2026-05-01" }, "ends_on"},
		{func(c *Campaign) { c.Budget = -1 }, "budget"},
		{func(c *Campaign) { c.Budget = MaxMoney + 1 }, "budget"},
		{func(c *Campaign) { c.GoalLeads = -3 }, "goal_leads"},
	} {
		c := good
		tc.edit(&c)
		v, ok := AsValidation(c.Validate())
		if !ok || v.Fields[tc.field] == "" {
			t.Errorf("%+v: want a message on %s, got %v", c, tc.field, v)
		}
	}
	if got := SuggestTag("Spring Webinar 2026 / 春"); got != "spring-webinar-2026" {
		t.Errorf("SuggestTag = %q", got)
	}
	if got := SuggestTag("展示会"); got != "" {
		t.Errorf("SuggestTag of Japanese = %q", got)
	}
	cost := CampaignCost{SpentOn: "2026-05-01", Amount: 0, Channel: "a\nb"}
	v, _ := AsValidation(cost.Validate())
	if v == nil || v.Fields["amount"] == "" || v.Fields["channel"] == "" {
		t.Errorf("cost: %v", v)
	}
}

package ical

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRoundTripWithJapaneseText(t *testing.T) {
	start := time.Date(2026, 4, 14, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))
	desc := "ヒアリング：予算、決裁者、導入時期について確認する。\n資料; 見積書, 提案書\\最新版を持参すること。" +
		strings.Repeat("長い説明文", 20)
	e := Event{UID: "activity-42@crm.example.jp", Stamp: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Start: start, End: start.Add(90 * time.Minute), Summary: "株式会社サンプル 訪問, 打ち合わせ; 第2回",
		Description: desc, Location: "東京都千代田区丸の内1-1-1",
		Organizer: Person{Name: `山田 "営業" 太郎`, Email: "yamada@example.jp"},
		Attendees: []Person{{Name: "佐藤 花子", Email: "sato@customer.example"}}}
	data := Write(e)
	raw := string(data)
	if !strings.HasSuffix(raw, "END:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") {
		t.Fatalf("line ends are not CRLF:\n%q", raw)
	}
	for _, l := range strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("folding split a character: %q", l)
		}
	}
	props := map[string]string{}
	for _, l := range Unfold(data) {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("bad line %q", l)
		}
		props[name] = value
	}
	checks := map[string]string{
		"DTSTART":                 "20260414T010000Z",
		"DTEND":                   "20260414T023000Z",
		"DTSTAMP":                 "20260401T000000Z",
		"UID":                     "activity-42@crm.example.jp",
		"LOCATION":                `東京都千代田区丸の内1-1-1`,
		"SUMMARY":                 `株式会社サンプル 訪問\, 打ち合わせ\; 第2回`,
		`ORGANIZER;CN="山田 営業 太郎"`: "mailto:yamada@example.jp",
		`ATTENDEE;CN="佐藤 花子";ROLE=REQ-PARTICIPANT`: "mailto:sato@customer.example",
	}
	for k, want := range checks {
		if got := props[k]; got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := Unescape(props["DESCRIPTION"]); got != desc {
		t.Errorf("description round trip:\n got %q\nwant %q", got, desc)
	}
	if got := Unescape(props["SUMMARY"]); got != e.Summary {
		t.Errorf("summary round trip: %q", got)
	}
}

func TestFoldAtOctetsNotRunes(t *testing.T) {
	for _, s := range []string{strings.Repeat("a", 200), strings.Repeat("あ", 100), "x" + strings.Repeat("🎌", 40)} {
		f := Fold("DESCRIPTION:" + s)
		for i, l := range strings.Split(f, "\r\n") {
			if len(l) > 75 || !utf8.ValidString(l) || (i > 0 && l[0] != ' ') {
				t.Errorf("bad folded line %d: %q", i, l)
			}
		}
		if got := Unfold([]byte(f + "\r\n")); len(got) != 1 || got[0] != "DESCRIPTION:"+s {
			t.Errorf("unfold: %q", got)
		}
	}
}

func TestEscape(t *testing.T) {
	in := "a,b;c\\d\r\ne\nf"
	if got, want := Escape(in), `a\,b\;c\\d\ne\nf`; got != want {
		t.Errorf("Escape = %q, want %q", got, want)
	}
	if got := Unescape(Escape(in)); got != "a,b;c\\d\ne\nf" {
		t.Errorf("round trip %q", got)
	}
}

package crm

import (
	"testing"
	"time"
)

func TestPeriods(t *testing.T) {
	ja := Workspace{TimeZone: "Asia/Tokyo", FiscalYearStart: 4}
	loc := ja.Location()
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, loc) }
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
	cases := []struct {
		kind       PeriodKind
		t          time.Time
		start, end time.Time
		key        string
		prevKey    string
	}{
		{PeriodMonth, at(2026, 11, 24), day(2026, 11, 1), day(2026, 12, 1), "2026-11", "2026-10"},
		{PeriodMonth, at(2026, 1, 5), day(2026, 1, 1), day(2026, 2, 1), "2026-01", "2025-12"},
		// April start: Q1 = Apr–Jun, Q3 = Oct–Dec, Q4 = Jan–Mar of the next calendar year.
		{PeriodQuarter, at(2026, 11, 24), day(2026, 10, 1), day(2027, 1, 1), "2026-Q3", "2026-Q2"},
		{PeriodQuarter, at(2027, 2, 10), day(2027, 1, 1), day(2027, 4, 1), "2026-Q4", "2026-Q3"},
		{PeriodQuarter, at(2026, 4, 1), day(2026, 4, 1), day(2026, 7, 1), "2026-Q1", "2025-Q4"},
		{PeriodYear, at(2027, 3, 31), day(2026, 4, 1), day(2027, 4, 1), "2026", "2025"},
		{PeriodYear, at(2026, 4, 1), day(2026, 4, 1), day(2027, 4, 1), "2026", "2025"},
	}
	for _, c := range cases {
		p := ja.PeriodOf(c.kind, c.t)
		if !p.Start.Equal(c.start) || !p.End.Equal(c.end) || p.Key() != c.key || p.Prev().Key() != c.prevKey {
			t.Errorf("%s of %s = [%s, %s) %s prev %s; want [%s, %s) %s prev %s", c.kind, c.t.Format("2006-01-02"),
				p.Start, p.End, p.Key(), p.Prev().Key(), c.start, c.end, c.key, c.prevKey)
		}
		back, err := ja.ParsePeriod(c.key)
		if err != nil || !back.Start.Equal(p.Start) || back.Kind != p.Kind {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want start %s", c.key, back, err, p.Start)
		}
		if !p.Contains(c.t) || p.Contains(p.End) || p.Next().Prev().Key() != p.Key() {
			t.Errorf("%s: Contains/Next wrong", c.key)
		}
	}
	// A January fiscal year: quarters are calendar quarters.
	en := Workspace{TimeZone: "UTC", FiscalYearStart: 1}
	if p := en.PeriodOf(PeriodQuarter, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)); p.Key() != "2026-Q4" || p.Start.Month() != 10 {
		t.Errorf("January fiscal year: %s from %s", p.Key(), p.Start)
	}
	for _, bad := range []string{"", "2026-13", "2026-Q5", "26-Q1", "2026-Q1x", "abcd", "2026-1"} {
		if _, err := ja.ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
}

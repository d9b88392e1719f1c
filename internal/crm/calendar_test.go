package crm

import (
	"strings"
	"testing"
	"time"
)

// holidayLines renders holidays as "YYYY-MM-DD 名前" lines for comparison.
func holidayLines(hs []Holiday) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Date.Format("2006-01-02") + " " + h.NameJA
	}
	return out
}

func TestCalendarJapaneseHolidaysFullYears(t *testing.T) {
	// The official lists published by the Cabinet Office (内閣府).
	tests := []struct {
		year int
		want []string
	}{
		{2019, []string{
			"2019-01-01 元日",
			"2019-01-14 成人の日",
			"2019-02-11 建国記念の日",
			"2019-03-21 春分の日",
			"2019-04-29 昭和の日",
			"2019-04-30 国民の休日",
			"2019-05-01 即位の日",
			"2019-05-02 国民の休日",
			"2019-05-03 憲法記念日",
			"2019-05-04 みどりの日",
			"2019-05-05 こどもの日",
			"2019-05-06 振替休日",
			"2019-07-15 海の日",
			"2019-08-11 山の日",
			"2019-08-12 振替休日",
			"2019-09-16 敬老の日",
			"2019-09-23 秋分の日",
			"2019-10-14 体育の日",
			"2019-10-22 即位礼正殿の儀",
			"2019-11-03 文化の日",
			"2019-11-04 振替休日",
			"2019-11-23 勤労感謝の日",
		}},
		{2020, []string{
			"2020-01-01 元日",
			"2020-01-13 成人の日",
			"2020-02-11 建国記念の日",
			"2020-02-23 天皇誕生日",
			"2020-02-24 振替休日",
			"2020-03-20 春分の日",
			"2020-04-29 昭和の日",
			"2020-05-03 憲法記念日",
			"2020-05-04 みどりの日",
			"2020-05-05 こどもの日",
			"2020-05-06 振替休日",
			"2020-07-23 海の日",
			"2020-07-24 スポーツの日",
			"2020-08-10 山の日",
			"2020-09-21 敬老の日",
			"2020-09-22 秋分の日",
			"2020-11-03 文化の日",
			"2020-11-23 勤労感謝の日",
		}},
		{2021, []string{
			"2021-01-01 元日",
			"2021-01-11 成人の日",
			"2021-02-11 建国記念の日",
			"2021-02-23 天皇誕生日",
			"2021-03-20 春分の日",
			"2021-04-29 昭和の日",
			"2021-05-03 憲法記念日",
			"2021-05-04 みどりの日",
			"2021-05-05 こどもの日",
			"2021-07-22 海の日",
			"2021-07-23 スポーツの日",
			"2021-08-08 山の日",
			"2021-08-09 振替休日",
			"2021-09-20 敬老の日",
			"2021-09-23 秋分の日",
			"2021-11-03 文化の日",
			"2021-11-23 勤労感謝の日",
		}},
		{2025, []string{
			"2025-01-01 元日",
			"2025-01-13 成人の日",
			"2025-02-11 建国記念の日",
			"2025-02-23 天皇誕生日",
			"2025-02-24 振替休日",
			"2025-03-20 春分の日",
			"2025-04-29 昭和の日",
			"2025-05-03 憲法記念日",
			"2025-05-04 みどりの日",
			"2025-05-05 こどもの日",
			"2025-05-06 振替休日",
			"2025-07-21 海の日",
			"2025-08-11 山の日",
			"2025-09-15 敬老の日",
			"2025-09-23 秋分の日",
			"2025-10-13 スポーツの日",
			"2025-11-03 文化の日",
			"2025-11-23 勤労感謝の日",
			"2025-11-24 振替休日",
		}},
		{2026, []string{
			"2026-01-01 元日",
			"2026-01-12 成人の日",
			"2026-02-11 建国記念の日",
			"2026-02-23 天皇誕生日",
			"2026-03-20 春分の日",
			"2026-04-29 昭和の日",
			"2026-05-03 憲法記念日",
			"2026-05-04 みどりの日",
			"2026-05-05 こどもの日",
			"2026-05-06 振替休日",
			"2026-07-20 海の日",
			"2026-08-11 山の日",
			"2026-09-21 敬老の日",
			"2026-09-22 国民の休日",
			"2026-09-23 秋分の日",
			"2026-10-12 スポーツの日",
			"2026-11-03 文化の日",
			"2026-11-23 勤労感謝の日",
		}},
	}
	for _, tt := range tests {
		got := holidayLines(JapaneseHolidays(tt.year))
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("JapaneseHolidays(%d):\n got:\n  %s\nwant:\n  %s",
				tt.year, strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
		}
	}
}

func TestCalendarJapaneseHolidaysSpotChecks(t *testing.T) {
	tests := []struct {
		date string
		want string // "" means not a holiday
	}{
		{"2000-01-10", "成人の日"},  // first Happy Monday 成人の日
		{"2000-05-04", "国民の休日"}, // old Golden Week 国民の休日
		{"2001-09-24", "振替休日"},  // old rule: the Monday after a Sunday holiday
		{"2002-05-06", "振替休日"},  // old rule
		{"2002-07-20", "海の日"},   // fixed date before 2003
		{"2002-09-15", "敬老の日"},  // fixed date before 2003
		{"2003-05-04", ""},      // old rule: a sandwiched Sunday is just a Sunday
		{"2003-07-21", "海の日"},   // Happy Monday from 2003
		{"2003-09-15", "敬老の日"},  // Happy Monday from 2003
		{"2006-04-29", "みどりの日"}, // before 昭和の日 existed
		{"2007-04-29", "昭和の日"},  // first 昭和の日
		{"2008-05-06", "振替休日"},  // new rule: substitute skips named holidays
		{"2009-09-22", "国民の休日"}, // the first Silver Week
		{"2010-03-22", "振替休日"},  // 春分の日 on a Sunday
		{"2012-12-24", "振替休日"},  // 天皇誕生日 on a Sunday
		{"2014-05-06", "振替休日"},  // みどりの日 on a Sunday
		{"2015-08-11", ""},      // before 山の日 existed
		{"2015-09-22", "国民の休日"}, // Silver Week
		{"2016-08-11", "山の日"},   // first 山の日
		{"2017-01-02", "振替休日"},  // 元日 on a Sunday
		{"2018-09-24", "振替休日"},  // 秋分の日 on a Sunday
		{"2018-12-23", "天皇誕生日"}, // last December birthday
		{"2019-12-23", ""},      // no 天皇誕生日 in 2019
		{"2020-10-12", ""},      // スポーツの日 moved to July
		{"2021-08-11", ""},      // 山の日 moved to Aug 8
		{"2022-10-10", "スポーツの日"},
		{"2023-03-21", "春分の日"}, // equinox on the 21st
		{"2024-02-12", "振替休日"}, // 建国記念の日 on a Sunday
		{"2024-09-22", "秋分の日"}, // equinox on the 22nd
		{"2027-03-22", "振替休日"}, // 春分の日 Mar 21 on a Sunday
		{"2032-09-21", "国民の休日"},
		{"2037-09-22", "国民の休日"},
		{"2043-09-22", "国民の休日"},
		{"2092-03-19", "春分の日"}, // equinox on the 19th
	}
	names := make(map[string]string)
	for y := 2000; y <= 2099; y++ {
		for _, h := range JapaneseHolidays(y) {
			names[h.Date.Format("2006-01-02")] = h.NameJA
		}
	}
	for _, tt := range tests {
		if got := names[tt.date]; got != tt.want {
			t.Errorf("holiday on %s = %q, want %q", tt.date, got, tt.want)
		}
	}
}

func TestCalendarJapaneseHolidaysShape(t *testing.T) {
	for y := 2000; y <= 2099; y++ {
		hs := JapaneseHolidays(y)
		if len(hs) < 15 || len(hs) > 24 {
			t.Errorf("%d: %d holidays, want 15..24", y, len(hs))
		}
		for i, h := range hs {
			if h.Date.Location() != time.UTC || h.Date.Hour() != 0 || h.Date.Minute() != 0 || h.Date.Year() != y {
				t.Errorf("%d: holiday date %v is not midnight UTC in the year", y, h.Date)
			}
			if h.NameJA == "" || h.NameEN == "" {
				t.Errorf("%d: holiday on %v lacks a name", y, h.Date)
			}
			if i > 0 && !hs[i-1].Date.Before(h.Date) {
				t.Errorf("%d: holidays not strictly sorted at %v", y, h.Date)
			}
		}
	}
	for _, y := range []int{1999, 2100} {
		if got := JapaneseHolidays(y); got != nil {
			t.Errorf("JapaneseHolidays(%d) = %v, want nil (unsupported year)", y, got)
		}
	}
}

var jst = time.FixedZone("JST", 9*60*60)

// testCalendar is a Tokyo 9:00–18:00 Monday–Friday calendar with Japanese
// holidays and a company year-end break.
func testCalendar() BusinessCalendar {
	return BusinessCalendar{
		Location:         jst,
		Weekdays:         [7]bool{false, true, true, true, true, true, false},
		DayStart:         9 * time.Hour,
		DayEnd:           18 * time.Hour,
		JapaneseHolidays: true,
		ExtraHolidays: []time.Time{
			time.Date(2026, 12, 29, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		},
	}
}

// at parses "2006-01-02 15:04" in JST.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, jst)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCalendarIsBusinessDay(t *testing.T) {
	c := testCalendar()
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"plain Tuesday", at(t, "2026-02-10 12:00"), true},
		{"Saturday", at(t, "2026-02-07 12:00"), false},
		{"Sunday", at(t, "2026-02-08 12:00"), false},
		{"建国記念の日", at(t, "2026-02-11 12:00"), false},
		{"国民の休日", at(t, "2026-09-22 12:00"), false},
		{"extra holiday", at(t, "2026-12-30 12:00"), false},
		{"day before extra holidays", at(t, "2026-12-28 12:00"), true},
		{"UTC evening that is the holiday in Tokyo", time.Date(2026, 2, 10, 16, 0, 0, 0, time.UTC), false},
		{"UTC afternoon that is Tuesday night in Tokyo", time.Date(2026, 2, 10, 14, 0, 0, 0, time.UTC), true},
	}
	for _, tt := range tests {
		if got := c.IsBusinessDay(tt.t); got != tt.want {
			t.Errorf("%s: IsBusinessDay(%v) = %v, want %v", tt.name, tt.t, got, tt.want)
		}
	}

	noJP := c
	noJP.JapaneseHolidays = false
	if !noJP.IsBusinessDay(at(t, "2026-02-11 12:00")) {
		t.Error("with JapaneseHolidays off, 2026-02-11 (Wednesday) should be a business day")
	}
}

func TestCalendarAddBusinessHours(t *testing.T) {
	c := testCalendar()
	tests := []struct {
		name  string
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"within one day", at(t, "2026-02-10 10:00"), 3 * time.Hour, at(t, "2026-02-10 13:00")},
		{"ends exactly at closing", at(t, "2026-02-10 10:00"), 8 * time.Hour, at(t, "2026-02-10 18:00")},
		{"rolls to next morning", at(t, "2026-02-09 10:00"), 9 * time.Hour, at(t, "2026-02-10 10:00")},
		{"across a weekend", at(t, "2026-02-06 17:00"), 4 * time.Hour, at(t, "2026-02-09 12:00")},
		{"across a weekend and a Monday holiday", at(t, "2026-01-09 17:00"), 4 * time.Hour, at(t, "2026-01-13 12:00")},
		{"across Golden Week", at(t, "2026-05-01 17:00"), 4 * time.Hour, at(t, "2026-05-07 12:00")},
		{"across the year-end break", at(t, "2026-12-28 17:30"), time.Hour, at(t, "2027-01-04 09:30")},
		{"before opening", at(t, "2026-02-10 07:30"), 2 * time.Hour, at(t, "2026-02-10 11:00")},
		{"after closing, next day a holiday", at(t, "2026-02-10 19:00"), 2 * time.Hour, at(t, "2026-02-12 11:00")},
		{"exactly at closing", at(t, "2026-02-10 18:00"), 30 * time.Minute, at(t, "2026-02-12 09:30")},
		{"on a Saturday", at(t, "2026-02-07 11:00"), 90 * time.Minute, at(t, "2026-02-09 10:30")},
		{"three full days end at closing", at(t, "2026-02-09 09:00"), 27 * time.Hour, at(t, "2026-02-12 18:00")}, // skips Wed 11th
		{"zero inside hours", at(t, "2026-02-10 10:15"), 0, at(t, "2026-02-10 10:15")},
		{"zero after closing", at(t, "2026-02-10 19:00"), 0, at(t, "2026-02-12 09:00")},
		{"negative counts as zero", at(t, "2026-02-10 10:15"), -time.Hour, at(t, "2026-02-10 10:15")},
		{"start given in UTC", time.Date(2026, 2, 6, 8, 0, 0, 0, time.UTC), 4 * time.Hour, at(t, "2026-02-09 12:00")},
	}
	for _, tt := range tests {
		got := c.AddBusinessHours(tt.start, tt.d)
		if !got.Equal(tt.want) {
			t.Errorf("%s: AddBusinessHours(%v, %v) = %v, want %v", tt.name, tt.start, tt.d, got, tt.want)
		}
		if got.Location() != jst {
			t.Errorf("%s: result location %v, want the calendar's", tt.name, got.Location())
		}
	}
}

func TestCalendarBusinessHoursBetween(t *testing.T) {
	c := testCalendar()
	tests := []struct {
		name string
		a, b time.Time
		want time.Duration
	}{
		{"same day", at(t, "2026-02-10 10:00"), at(t, "2026-02-10 15:00"), 5 * time.Hour},
		{"equal instants", at(t, "2026-02-10 10:00"), at(t, "2026-02-10 10:00"), 0},
		{"clipped to hours", at(t, "2026-02-10 07:00"), at(t, "2026-02-10 20:00"), 9 * time.Hour},
		{"over a weekend", at(t, "2026-02-06 17:00"), at(t, "2026-02-09 10:00"), 2 * time.Hour},
		{"over a weekend and a holiday", at(t, "2026-01-09 17:00"), at(t, "2026-01-13 12:00"), 4 * time.Hour},
		{"entirely closed", at(t, "2026-02-06 18:30"), at(t, "2026-02-09 08:59"), 0},
		{"a full week without holidays", at(t, "2026-02-16 00:00"), at(t, "2026-02-23 00:00"), 45 * time.Hour},
		{"a week with a holiday", at(t, "2026-02-09 00:00"), at(t, "2026-02-16 00:00"), 36 * time.Hour},
		{"reversed is negative", at(t, "2026-02-10 15:00"), at(t, "2026-02-10 10:00"), -5 * time.Hour},
		{"mixed zones", time.Date(2026, 2, 10, 1, 0, 0, 0, time.UTC), at(t, "2026-02-10 12:30"), 2*time.Hour + 30*time.Minute},
	}
	for _, tt := range tests {
		if got := c.BusinessHoursBetween(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: BusinessHoursBetween(%v, %v) = %v, want %v", tt.name, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCalendarAddThenMeasureRoundTrip(t *testing.T) {
	c := testCalendar()
	starts := []time.Time{
		at(t, "2026-01-09 17:00"), at(t, "2026-04-28 08:00"), at(t, "2026-09-18 17:59"),
		at(t, "2026-12-25 12:00"), at(t, "2026-05-02 10:00"),
	}
	durations := []time.Duration{time.Minute, time.Hour, 4 * time.Hour, 9 * time.Hour, 50 * time.Hour, 400 * time.Hour}
	for _, s := range starts {
		for _, d := range durations {
			end := c.AddBusinessHours(s, d)
			if got := c.BusinessHoursBetween(s, end); got != d {
				t.Errorf("start %v + %v = %v, but BusinessHoursBetween = %v", s, d, end, got)
			}
		}
	}
}

func TestCalendarAddBusinessDays(t *testing.T) {
	c := testCalendar()
	tests := []struct {
		name string
		date time.Time
		n    int
		want time.Time
	}{
		{"zero", at(t, "2026-02-07 10:00"), 0, at(t, "2026-02-07 10:00")},
		{"next day", at(t, "2026-02-09 10:00"), 1, at(t, "2026-02-10 10:00")},
		{"over a holiday", at(t, "2026-02-10 10:00"), 1, at(t, "2026-02-12 10:00")},
		{"Friday plus one over a holiday Monday", at(t, "2026-01-09 15:30"), 1, at(t, "2026-01-13 15:30")},
		{"from Saturday", at(t, "2026-02-07 08:00"), 1, at(t, "2026-02-09 08:00")},
		{"across Golden Week", at(t, "2026-04-30 09:00"), 2, at(t, "2026-05-07 09:00")},
		{"a week", at(t, "2026-02-16 09:00"), 5, at(t, "2026-02-24 09:00")}, // skips Mon 23rd
		{"backward over a holiday Monday", at(t, "2026-01-13 12:00"), -1, at(t, "2026-01-09 12:00")},
		{"backward from Saturday", at(t, "2026-02-07 12:00"), -1, at(t, "2026-02-06 12:00")},
		{"over the year-end break", at(t, "2026-12-28 12:00"), 1, at(t, "2027-01-04 12:00")},
	}
	for _, tt := range tests {
		if got := c.AddBusinessDays(tt.date, tt.n); !got.Equal(tt.want) {
			t.Errorf("%s: AddBusinessDays(%v, %d) = %v, want %v", tt.name, tt.date, tt.n, got, tt.want)
		}
	}
}

func TestCalendarValidate(t *testing.T) {
	ok := testCalendar()
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid calendar: %v", err)
	}

	noDays := ok
	noDays.Weekdays = [7]bool{}
	backwards := ok
	backwards.DayStart, backwards.DayEnd = 18*time.Hour, 9*time.Hour
	empty := ok
	empty.DayEnd = empty.DayStart
	late := ok
	late.DayEnd = 25 * time.Hour

	tests := []struct {
		name  string
		cal   BusinessCalendar
		field string
	}{
		{"no working weekday", noDays, "working_days"},
		{"end before start", backwards, "day_end"},
		{"empty day", empty, "day_end"},
		{"end after midnight", late, "day_end"},
	}
	for _, tt := range tests {
		err := tt.cal.Validate()
		v, isValidation := AsValidation(err)
		if !isValidation || v.Fields[tt.field] == "" {
			t.Errorf("%s: Validate() = %v, want a message for %s", tt.name, err, tt.field)
		}
		// Invalid calendars must not loop forever.
		start := at(t, "2026-02-10 10:00")
		if got := tt.cal.AddBusinessHours(start, time.Hour); !got.Equal(start) {
			t.Errorf("%s: AddBusinessHours on an invalid calendar = %v, want the start", tt.name, got)
		}
		if got := tt.cal.AddBusinessDays(start, 3); !got.Equal(start) {
			t.Errorf("%s: AddBusinessDays on an invalid calendar = %v, want the date", tt.name, got)
		}
		if got := tt.cal.BusinessHoursBetween(start, start.Add(48*time.Hour)); got != 0 {
			t.Errorf("%s: BusinessHoursBetween on an invalid calendar = %v, want 0", tt.name, got)
		}
	}
}

func TestCalendarZeroLocationIsUTC(t *testing.T) {
	c := BusinessCalendar{
		Weekdays: [7]bool{false, true, true, true, true, true, false},
		DayStart: 9 * time.Hour,
		DayEnd:   17 * time.Hour,
	}
	start := time.Date(2026, 2, 6, 16, 0, 0, 0, time.UTC) // Friday
	want := time.Date(2026, 2, 9, 10, 0, 0, 0, time.UTC)
	if got := c.AddBusinessHours(start, 2*time.Hour); !got.Equal(want) {
		t.Errorf("AddBusinessHours = %v, want %v", got, want)
	}
}

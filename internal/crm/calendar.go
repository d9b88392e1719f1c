package crm

import (
	"sort"
	"sync"
	"time"
)

// Holiday is one public holiday.
type Holiday struct {
	Date   time.Time // midnight UTC of the civil date
	NameJA string
	NameEN string
}

// The years for which JapaneseHolidays knows the rules. The lower bound is
// where the Happy Monday system starts; the upper bound is the end of the
// range in which the equinox approximation is valid.
const (
	firstHolidayYear = 2000
	lastHolidayYear  = 2099
)

// JapaneseHolidays returns the public holidays of Japan in the given year,
// sorted by date, following the 国民の祝日に関する法律 as in force in that
// year (including the one-off 2019 enthronement days and the 2020/2021
// Olympic moves). 振替休日 (substitute holidays) and 国民の休日 (days
// sandwiched between two holidays) are included. Equinox days use the
// standard astronomical approximation, so they match the official dates,
// which the Cabinet Office announces each February for the following year,
// in every year of the supported range.
//
// Only years 2000 to 2099 are supported; for other years the result is nil.
func JapaneseHolidays(year int) []Holiday {
	if year < firstHolidayYear || year > lastHolidayYear {
		return nil
	}
	named := namedHolidays(year)

	isNamed := make(map[civilDate]bool, len(named))
	taken := make(map[civilDate]bool, len(named)+4)
	for _, h := range named {
		d := civilOf(h.Date)
		isNamed[d] = true
		taken[d] = true
	}
	all := append([]Holiday(nil), named...)

	// 振替休日: a named holiday falling on a Sunday moves to the next day.
	// Until 2006 that was only the Monday; from 2007 it is the first
	// following day that is not itself a named holiday.
	for _, h := range named {
		d := civilOf(h.Date)
		if d.weekday() != time.Sunday {
			continue
		}
		sub := d.addDays(1)
		if year >= 2007 {
			for isNamed[sub] {
				sub = sub.addDays(1)
			}
		} else if isNamed[sub] {
			continue
		}
		if !taken[sub] {
			taken[sub] = true
			all = append(all, Holiday{Date: sub.utc(), NameJA: "振替休日", NameEN: "Substitute Holiday"})
		}
	}

	// 国民の休日: a day whose previous and next days are both named
	// holidays. Until 2006 Sundays and substitute holidays were excluded.
	for d := (civilDate{year, time.January, 2}); d.Year == year; d = d.addDays(1) {
		if taken[d] || !isNamed[d.addDays(-1)] || !isNamed[d.addDays(1)] {
			continue
		}
		if year < 2007 && d.weekday() == time.Sunday {
			continue
		}
		taken[d] = true
		all = append(all, Holiday{Date: d.utc(), NameJA: "国民の休日", NameEN: "Citizens' Holiday"})
	}

	sort.Slice(all, func(i, j int) bool { return all[i].Date.Before(all[j].Date) })
	return all
}

// namedHolidays returns the 国民の祝日 of a year (the holidays the law names,
// without substitute and sandwiched days), unsorted.
func namedHolidays(year int) []Holiday {
	var hs []Holiday
	add := func(month time.Month, day int, ja, en string) {
		hs = append(hs, Holiday{Date: time.Date(year, month, day, 0, 0, 0, 0, time.UTC), NameJA: ja, NameEN: en})
	}

	add(time.January, 1, "元日", "New Year's Day")
	add(time.January, nthMonday(year, time.January, 2), "成人の日", "Coming of Age Day")
	add(time.February, 11, "建国記念の日", "National Foundation Day")
	if year >= 2020 {
		add(time.February, 23, "天皇誕生日", "The Emperor's Birthday")
	}
	add(time.March, vernalEquinoxDay(year), "春分の日", "Vernal Equinox Day")
	if year >= 2007 {
		add(time.April, 29, "昭和の日", "Showa Day")
		add(time.May, 4, "みどりの日", "Greenery Day")
	} else {
		add(time.April, 29, "みどりの日", "Greenery Day")
	}
	add(time.May, 3, "憲法記念日", "Constitution Memorial Day")
	add(time.May, 5, "こどもの日", "Children's Day")

	switch {
	case year == 2020:
		add(time.July, 23, "海の日", "Marine Day")
	case year == 2021:
		add(time.July, 22, "海の日", "Marine Day")
	case year >= 2003:
		add(time.July, nthMonday(year, time.July, 3), "海の日", "Marine Day")
	default:
		add(time.July, 20, "海の日", "Marine Day")
	}

	switch {
	case year == 2020:
		add(time.August, 10, "山の日", "Mountain Day")
	case year == 2021:
		add(time.August, 8, "山の日", "Mountain Day")
	case year >= 2016:
		add(time.August, 11, "山の日", "Mountain Day")
	}

	if year >= 2003 {
		add(time.September, nthMonday(year, time.September, 3), "敬老の日", "Respect for the Aged Day")
	} else {
		add(time.September, 15, "敬老の日", "Respect for the Aged Day")
	}
	add(time.September, autumnalEquinoxDay(year), "秋分の日", "Autumnal Equinox Day")

	switch {
	case year == 2020:
		add(time.July, 24, "スポーツの日", "Sports Day")
	case year == 2021:
		add(time.July, 23, "スポーツの日", "Sports Day")
	case year >= 2020:
		add(time.October, nthMonday(year, time.October, 2), "スポーツの日", "Sports Day")
	default:
		add(time.October, nthMonday(year, time.October, 2), "体育の日", "Health and Sports Day")
	}

	add(time.November, 3, "文化の日", "Culture Day")
	add(time.November, 23, "勤労感謝の日", "Labour Thanksgiving Day")
	if year <= 2018 {
		add(time.December, 23, "天皇誕生日", "The Emperor's Birthday")
	}

	if year == 2019 {
		// One-off holidays of the 2019 enthronement law, treated as 国民の祝日.
		add(time.May, 1, "即位の日", "Enthronement Day")
		add(time.October, 22, "即位礼正殿の儀", "Enthronement Ceremony Day")
	}
	return hs
}

// nthMonday returns the day of the month of the n-th Monday (n >= 1).
func nthMonday(year int, month time.Month, n int) int {
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC).Weekday()
	offset := (int(time.Monday) - int(first) + 7) % 7
	return 1 + offset + 7*(n-1)
}

// vernalEquinoxDay returns the March day of 春分の日 by the approximation
// int(20.8431 + 0.242194*(Y-1980) - int((Y-1980)/4)), valid 1980–2099.
// It is computed in millionths to avoid floating-point rounding.
func vernalEquinoxDay(year int) int {
	y := year - 1980
	return (20843100+242194*y)/1000000 - y/4
}

// autumnalEquinoxDay returns the September day of 秋分の日 by the
// approximation int(23.2488 + 0.242194*(Y-1980) - int((Y-1980)/4)), valid
// 1980–2099.
func autumnalEquinoxDay(year int) int {
	y := year - 1980
	return (23248800+242194*y)/1000000 - y/4
}

// civilDate is a calendar date without a time or zone.
type civilDate struct {
	Year  int
	Month time.Month
	Day   int
}

// civilOf returns the date of t in t's own location.
func civilOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

// utc returns midnight UTC of the date.
func (d civilDate) utc() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

func (d civilDate) addDays(n int) civilDate {
	return civilOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

func (d civilDate) weekday() time.Weekday {
	return d.utc().Weekday()
}

// at returns the instant at wall-clock time-of-day offset on the date in loc.
// offset may be 24h, meaning the following midnight.
func (d civilDate) at(loc *time.Location, offset time.Duration) time.Time {
	h := int(offset / time.Hour)
	offset -= time.Duration(h) * time.Hour
	m := int(offset / time.Minute)
	offset -= time.Duration(m) * time.Minute
	s := int(offset / time.Second)
	offset -= time.Duration(s) * time.Second
	return time.Date(d.Year, d.Month, d.Day, h, m, s, int(offset), loc)
}

// BusinessCalendar says when the business is open: on which weekdays,
// between which hours, and which days are holidays. It is used for SLA
// clocks and due dates. It is a plain value: it may be copied freely and
// is safe for concurrent use as long as nobody modifies it (or the
// ExtraHolidays slice) meanwhile.
//
// Callers should check Validate once when the calendar is configured. On an
// invalid calendar the methods do not loop forever: AddBusinessHours and
// AddBusinessDays return their input unchanged and BusinessHoursBetween
// returns zero.
type BusinessCalendar struct {
	// Location is the time zone of the business; nil means UTC.
	Location *time.Location
	// Weekdays is indexed by time.Weekday; true means a working day.
	Weekdays [7]bool
	// DayStart and DayEnd are the opening and closing times as offsets from
	// local midnight, e.g. 9h and 18h. They are read as wall-clock times,
	// so 9h means 09:00 local time even on a daylight-saving change day.
	DayStart, DayEnd time.Duration
	// JapaneseHolidays closes the business on the days JapaneseHolidays
	// returns.
	JapaneseHolidays bool
	// ExtraHolidays are additional closed days, as civil dates at midnight
	// UTC (only their UTC year, month and day are used).
	ExtraHolidays []time.Time
}

// Validate reports whether the calendar can be used: at least one weekday
// must be a working day and the business hours must lie within one day and
// end after they start.
func (c BusinessCalendar) Validate() error {
	v := &ValidationError{}
	anyDay := false
	for _, w := range c.Weekdays {
		anyDay = anyDay || w
	}
	if !anyDay {
		v.Add("working_days", "choose at least one working day")
	}
	switch {
	case c.DayStart < 0 || c.DayStart >= 24*time.Hour:
		v.Add("day_start", "business hours must start between 00:00 and 24:00")
	case c.DayEnd > 24*time.Hour:
		v.Add("day_end", "business hours must end by 24:00")
	case c.DayEnd <= c.DayStart:
		v.Add("day_end", "business hours must end after they start")
	}
	return v.Err()
}

// IsBusinessDay reports whether the date of t, in the calendar's location,
// is a working weekday that is not a holiday.
func (c BusinessCalendar) IsBusinessDay(t time.Time) bool {
	return c.newDayChecker().isBusinessDay(civilOf(t.In(c.loc())))
}

// AddBusinessHours returns the instant at which d of business time has
// elapsed after start, counting only the hours between DayStart and DayEnd
// on business days. A start outside business hours (before opening, after
// closing, or on a closed day) begins counting at the next opening; for
// example Friday 17:00 plus 4 business hours on a 9–18 weekday calendar is
// 12:00 the next business day. A result that lands exactly on closing time
// stays at closing time. With d zero the result is start moved forward to
// the next business instant; negative d is treated as zero.
//
// The result is expressed in the calendar's location.
func (c BusinessCalendar) AddBusinessHours(start time.Time, d time.Duration) time.Time {
	if c.Validate() != nil {
		return start
	}
	if d < 0 {
		d = 0
	}
	loc := c.loc()
	t := start.In(loc)
	day := civilOf(t)
	days := c.newDayChecker()
	for {
		if days.isBusinessDay(day) {
			open, closing := day.at(loc, c.DayStart), day.at(loc, c.DayEnd)
			if t.Before(open) {
				t = open
			}
			if t.Before(closing) {
				left := closing.Sub(t)
				if d <= left {
					return t.Add(d)
				}
				d -= left
			}
		}
		day = day.addDays(1)
		t = day.at(loc, 0)
	}
}

// BusinessHoursBetween returns the business time between a and b: the sum,
// over business days, of the part of [a, b] that falls between DayStart and
// DayEnd. It is the inverse of AddBusinessHours. If b is before a the
// result is negative.
func (c BusinessCalendar) BusinessHoursBetween(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.BusinessHoursBetween(b, a)
	}
	if c.Validate() != nil {
		return 0
	}
	loc := c.loc()
	last := civilOf(b.In(loc))
	days := c.newDayChecker()
	var total time.Duration
	for day := civilOf(a.In(loc)); !last.before(day); day = day.addDays(1) {
		if !days.isBusinessDay(day) {
			continue
		}
		from, to := day.at(loc, c.DayStart), day.at(loc, c.DayEnd)
		if a.After(from) {
			from = a
		}
		if b.Before(to) {
			to = b
		}
		if to.After(from) {
			total += to.Sub(from)
		}
	}
	return total
}

// AddBusinessDays moves date by n business days, forward for positive n and
// backward for negative n, skipping closed days; the wall-clock time of day
// is kept. Dates are taken in the calendar's location, and so is the result.
// A closed start day counts as lying just before the next business day, so
// Saturday plus one business day is Monday and Saturday minus one is
// Friday (like a spreadsheet's WORKDAY). With n zero, date is returned
// unchanged (in the calendar's location).
func (c BusinessCalendar) AddBusinessDays(date time.Time, n int) time.Time {
	if c.Validate() != nil {
		return date
	}
	loc := c.loc()
	t := date.In(loc)
	day := civilOf(t)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	days := c.newDayChecker()
	for n > 0 {
		day = day.addDays(step)
		if days.isBusinessDay(day) {
			n--
		}
	}
	return time.Date(day.Year, day.Month, day.Day, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}

func (c BusinessCalendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

func (d civilDate) before(e civilDate) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// dayChecker answers whether dates are business days for one calendar. It
// remembers holiday lists for the duration of a single method call only, so
// the calendar itself holds no cache.
type dayChecker struct {
	cal      BusinessCalendar
	extra    map[civilDate]bool
	holidays map[int]map[civilDate]bool // by year
}

func (c BusinessCalendar) newDayChecker() *dayChecker {
	dc := &dayChecker{cal: c, extra: make(map[civilDate]bool, len(c.ExtraHolidays))}
	for _, h := range c.ExtraHolidays {
		dc.extra[civilOf(h.UTC())] = true
	}
	return dc
}

func (dc *dayChecker) isBusinessDay(d civilDate) bool {
	if !dc.cal.Weekdays[d.weekday()] || dc.extra[d] {
		return false
	}
	if !dc.cal.JapaneseHolidays {
		return true
	}
	year, ok := dc.holidays[d.Year]
	if !ok {
		year = holidaySet(d.Year)
		if dc.holidays == nil {
			dc.holidays = make(map[int]map[civilDate]bool)
		}
		dc.holidays[d.Year] = year
	}
	return !year[d]
}

// holidaySets memoises holidaySet: the holidays of a year never change,
// and reports ask the calendar about thousands of hand-offs, each with
// its own dayChecker. The maps are read-only once stored.
var holidaySets sync.Map // year → map[civilDate]bool

// holidaySet returns the Japanese national holidays of a year as a set.
func holidaySet(y int) map[civilDate]bool {
	if m, ok := holidaySets.Load(y); ok {
		return m.(map[civilDate]bool)
	}
	set := make(map[civilDate]bool)
	for _, h := range JapaneseHolidays(y) {
		set[civilOf(h.Date)] = true
	}
	m, _ := holidaySets.LoadOrStore(y, set)
	return m.(map[civilDate]bool)
}

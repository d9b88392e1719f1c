package crm

import (
	"fmt"
	"time"
)

// PeriodKind is the length of a reporting period (DESIGN.md §7):
// calendar months; quarters and years follow the fiscal year.
type PeriodKind string

const (
	PeriodMonth   PeriodKind = "month"
	PeriodQuarter PeriodKind = "quarter"
	PeriodYear    PeriodKind = "year"
)

// ParsePeriodKind accepts "month", "quarter" or "year".
func ParsePeriodKind(s string) (PeriodKind, bool) {
	switch k := PeriodKind(s); k {
	case PeriodMonth, PeriodQuarter, PeriodYear:
		return k, true
	}
	return "", false
}

// Period is one month, fiscal quarter or fiscal year in the workspace's
// time zone: [Start, End).
type Period struct {
	Kind       PeriodKind
	Start, End time.Time
	// FiscalStart is the fiscal year's first month (1..12); quarters and
	// years are counted from it.
	FiscalStart int
}

// PeriodOf returns the period of the given kind that t falls in.
func (w Workspace) PeriodOf(kind PeriodKind, t time.Time) Period {
	return periodOf(kind, t.In(w.Location()), w.FiscalYearStart)
}

// PeriodStarting returns the period of the given kind that contains the
// first day of month m of year y (for a quarter or year, the one that
// month falls in).
func (w Workspace) PeriodStarting(kind PeriodKind, y int, m time.Month) Period {
	return periodOf(kind, time.Date(y, m, 1, 0, 0, 0, 0, w.Location()), w.FiscalYearStart)
}

func periodOf(kind PeriodKind, t time.Time, fiscalStart int) Period {
	if fiscalStart < 1 || fiscalStart > 12 {
		fiscalStart = 1
	}
	loc := t.Location()
	y, m := t.Year(), int(t.Month())
	p := Period{Kind: kind, FiscalStart: fiscalStart}
	switch kind {
	case PeriodQuarter, PeriodYear:
		months := 3
		if kind == PeriodYear {
			months = 12
		}
		offset := ((m-fiscalStart)%12 + 12) % 12 // months since the fiscal year began
		first := m - offset%months
		p.Start = time.Date(y, time.Month(first), 1, 0, 0, 0, 0, loc) // Date normalises month ≤ 0
		p.End = p.Start.AddDate(0, months, 0)
	default:
		p.Kind = PeriodMonth
		p.Start = time.Date(y, time.Month(m), 1, 0, 0, 0, 0, loc)
		p.End = p.Start.AddDate(0, 1, 0)
	}
	return p
}

// Prev is the period of the same length immediately before.
func (p Period) Prev() Period { return periodOf(p.Kind, p.Start.AddDate(0, 0, -1), p.FiscalStart) }

// Next is the period of the same length immediately after.
func (p Period) Next() Period { return periodOf(p.Kind, p.End, p.FiscalStart) }

// Contains reports whether t is in [Start, End).
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// FiscalYear is the fiscal year label (the calendar year it starts in) and
// the quarter (1..4) of the period's start.
func (p Period) FiscalYear() (year, quarter int) {
	m := int(p.Start.Month())
	year = p.Start.Year()
	if m < p.FiscalStart {
		year--
	}
	return year, (m-p.FiscalStart+12)%12/3 + 1
}

// Key names the period in URLs and storage: "2026-04" for a month,
// "2026-Q1" for a fiscal quarter, "2026" for a fiscal year (fiscal year
// labels are the calendar year the fiscal year starts in).
func (p Period) Key() string {
	switch p.Kind {
	case PeriodQuarter:
		y, q := p.FiscalYear()
		return fmt.Sprintf("%d-Q%d", y, q)
	case PeriodYear:
		y, _ := p.FiscalYear()
		return fmt.Sprintf("%d", y)
	}
	return p.Start.Format("2006-01")
}

// ParsePeriod reads a Key back into a period of the workspace.
func (w Workspace) ParsePeriod(key string) (Period, error) {
	var y, q int
	if n, _ := fmt.Sscanf(key, "%d-Q%d", &y, &q); n == 2 && len(key) == 7 && q >= 1 && q <= 4 && y >= 1900 && y <= 9999 {
		start := w.FiscalYearStart + 3*(q-1)
		return periodOf(PeriodQuarter, time.Date(y, time.Month(start), 1, 0, 0, 0, 0, w.Location()), w.FiscalYearStart), nil
	}
	if t, err := time.ParseInLocation("2006-01", key, w.Location()); err == nil && len(key) == 7 {
		return periodOf(PeriodMonth, t, w.FiscalYearStart), nil
	}
	if n, _ := fmt.Sscanf(key, "%d", &y); n == 1 && len(key) == 4 && y >= 1900 {
		return periodOf(PeriodYear, time.Date(y, time.Month(w.FiscalYearStart), 1, 0, 0, 0, 0, w.Location()), w.FiscalYearStart), nil
	}
	return Period{}, Invalid("period", "use a month such as 2026-04, a fiscal quarter such as 2026-Q1 or a fiscal year such as 2026")
}

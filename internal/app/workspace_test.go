package app

import (
	"fmt"
	"testing"
	"time"

	"renkei/internal/crm"
)

func TestFiscalYearQuarters(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	type check struct {
		t             time.Time
		year, quarter int
	}
	tests := []struct {
		name   string
		tz     string
		start  int
		checks []check
	}{
		{"April start in Tokyo", "Asia/Tokyo", 4, []check{
			{at(tokyo, 2026, 3, 31, 23, 59), 2025, 4},
			{at(tokyo, 2026, 4, 1, 0, 0), 2026, 1},
			{time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC), 2026, 1}, // already April 1 in Tokyo
			{time.Date(2026, 3, 31, 14, 59, 0, 0, time.UTC), 2025, 4},
			{at(tokyo, 2026, 6, 30, 23, 59), 2026, 1},
			{at(tokyo, 2026, 7, 1, 0, 0), 2026, 2},
			{at(tokyo, 2026, 9, 30, 23, 59), 2026, 2},
			{at(tokyo, 2026, 10, 1, 0, 0), 2026, 3},
			{at(tokyo, 2026, 12, 31, 23, 59), 2026, 3},
			{at(tokyo, 2027, 1, 1, 0, 0), 2026, 4},
			{at(tokyo, 2027, 3, 31, 23, 59), 2026, 4},
			{at(tokyo, 2027, 4, 1, 0, 0), 2027, 1},
		}},
		{"January start in UTC", "UTC", 1, []check{
			{time.Date(2025, 12, 31, 23, 59, 0, 0, time.UTC), 2025, 4},
			{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 2026, 1},
			{time.Date(2026, 3, 31, 23, 59, 0, 0, time.UTC), 2026, 1},
			{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), 2026, 2},
			{time.Date(2026, 6, 30, 23, 59, 0, 0, time.UTC), 2026, 2},
			{time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), 2026, 3},
			{time.Date(2026, 9, 30, 23, 59, 0, 0, time.UTC), 2026, 3},
			{time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), 2026, 4},
			{at(tokyo, 2026, 1, 1, 8, 0), 2025, 4}, // still Dec 31 in UTC
		}},
		{"January start in Tokyo", "Asia/Tokyo", 1, []check{
			{time.Date(2025, 12, 31, 15, 0, 0, 0, time.UTC), 2026, 1},
			{time.Date(2025, 12, 31, 14, 59, 0, 0, time.UTC), 2025, 4},
		}},
		{"October start", "UTC", 10, []check{
			{time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC), 2025, 4},
			{time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), 2026, 1},
			{time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), 2026, 2},
		}},
		{"bad start month counts as January", "UTC", 0, []check{
			{time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), 2026, 1},
			{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 2026, 4},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := crm.Workspace{TimeZone: tt.tz, FiscalYearStart: tt.start}
			for _, c := range tt.checks {
				y, q := ws.FiscalYear(c.t)
				if got, want := fmt.Sprintf("FY%d Q%d", y, q), fmt.Sprintf("FY%d Q%d", c.year, c.quarter); got != want {
					t.Errorf("%s: %s, want %s", c.t.Format(time.RFC3339), got, want)
				}
			}
		})
	}
}

// The workspace created by Setup drives fiscal years and the business
// calendar in its own zone.
func TestWorkspaceCalendar(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	ws, _, err := f.app.Workspace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if y, q := ws.FiscalYear(f.clock.Now()); y != 2026 || q != 1 { // 2026-04-01 09:30 JST
		t.Errorf("FiscalYear(%v) = %d Q%d, want 2026 Q1", f.clock.Now(), y, q)
	}
	cal := ws.Calendar()
	if cal.Location.String() != "Asia/Tokyo" {
		t.Errorf("calendar zone = %v", cal.Location)
	}
	tokyo := cal.Location
	tests := []struct {
		day  time.Time
		want bool
	}{
		{time.Date(2026, 4, 28, 12, 0, 0, 0, tokyo), true},  // Tuesday
		{time.Date(2026, 4, 29, 12, 0, 0, 0, tokyo), false}, // 昭和の日
		{time.Date(2026, 5, 2, 12, 0, 0, 0, tokyo), false},  // Saturday
		{time.Date(2026, 5, 6, 12, 0, 0, 0, tokyo), false},  // 振替休日
		{time.Date(2026, 5, 7, 12, 0, 0, 0, tokyo), true},
	}
	for _, tt := range tests {
		if got := cal.IsBusinessDay(tt.day); got != tt.want {
			t.Errorf("IsBusinessDay(%s) = %t, want %t", tt.day.Format("2006-01-02"), got, tt.want)
		}
	}
	// Turning Japanese holidays off and adding a company holiday.
	ws.JapaneseHolidays = false
	ws.Holidays = []time.Time{time.Date(2026, 4, 28, 0, 0, 0, 0, time.UTC)}
	ws, err = f.app.UpdateWorkspace(ctx, f.owner, ws, ws.Version)
	if err != nil {
		t.Fatal(err)
	}
	stored, _, _ := f.app.Workspace(ctx)
	cal = stored.Calendar()
	if cal.IsBusinessDay(time.Date(2026, 4, 28, 12, 0, 0, 0, tokyo)) || !cal.IsBusinessDay(time.Date(2026, 4, 29, 12, 0, 0, 0, tokyo)) {
		t.Errorf("after the change: Apr 28 business %t, Apr 29 business %t",
			cal.IsBusinessDay(time.Date(2026, 4, 28, 12, 0, 0, 0, tokyo)), cal.IsBusinessDay(time.Date(2026, 4, 29, 12, 0, 0, 0, tokyo)))
	}
}

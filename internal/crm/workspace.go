package crm

import (
	"regexp"
	"strings"
	"time"
)

// Workspace holds the settings of DESIGN.md §9.
type Workspace struct {
	Name            string
	Language        Language // default UI language for new users
	TimeZone        string   // IANA name, e.g. Asia/Tokyo
	FiscalYearStart int      // 1..12
	BaseCurrency    string   // ISO 4217, e.g. JPY

	// Company details printed on documents.
	CompanyName       string
	CompanyPostalCode string
	CompanyAddress    string
	CompanyPhone      string
	InvoiceRegNumber  string // T + 13 digits (適格請求書発行事業者登録番号)
	WorkingDays       [7]bool
	DayStartMinutes   int // minutes after local midnight
	DayEndMinutes     int
	JapaneseHolidays  bool
	Holidays          []time.Time // extra closed days, civil dates at midnight UTC
	RecordVisibility  map[string]Visibility
	Version           int64
	UpdatedAt         time.Time
}

// DefaultWorkspace returns sensible settings for a new workspace in the
// given language: Japanese workspaces get Asia/Tokyo, April fiscal year and
// JPY; others the server's zone, January and JPY.
func DefaultWorkspace(name string, lang Language, serverTZ string) Workspace {
	w := Workspace{
		Name:             name,
		Language:         lang,
		TimeZone:         serverTZ,
		FiscalYearStart:  1,
		BaseCurrency:     "JPY",
		WorkingDays:      [7]bool{false, true, true, true, true, true, false},
		DayStartMinutes:  9 * 60,
		DayEndMinutes:    18 * 60,
		JapaneseHolidays: true,
	}
	if lang == LangJA {
		w.TimeZone = "Asia/Tokyo"
		w.FiscalYearStart = 4
	}
	if w.TimeZone == "" || w.TimeZone == "Local" {
		w.TimeZone = "UTC"
	}
	return w
}

var (
	currencyRe   = regexp.MustCompile(`^[A-Z]{3}$`)
	invoiceRegRe = regexp.MustCompile(`^T[0-9]{13}$`)
)

// Validate checks the settings and returns per-field messages.
func (w *Workspace) Validate() error {
	v := &ValidationError{}
	w.Name = CleanName(v, "name", w.Name, 200)
	if _, ok := ParseLanguage(string(w.Language)); !ok {
		v.Add("language", "choose ja or en")
	}
	if w.TimeZone == "" {
		v.Add("time_zone", "is required")
	} else if _, err := time.LoadLocation(w.TimeZone); err != nil {
		v.Add("time_zone", "is not a known time zone (e.g. Asia/Tokyo)")
	}
	if w.FiscalYearStart < 1 || w.FiscalYearStart > 12 {
		v.Add("fiscal_year_start", "must be a month from 1 to 12")
	}
	w.BaseCurrency = strings.ToUpper(strings.TrimSpace(w.BaseCurrency))
	if !currencyRe.MatchString(w.BaseCurrency) {
		v.Add("base_currency", "must be a three-letter currency code such as JPY")
	}
	w.InvoiceRegNumber = strings.ToUpper(strings.TrimSpace(w.InvoiceRegNumber))
	if w.InvoiceRegNumber != "" && !invoiceRegRe.MatchString(w.InvoiceRegNumber) {
		v.Add("invoice_reg_number", "must be T followed by 13 digits")
	}
	anyDay := false
	for _, d := range w.WorkingDays {
		anyDay = anyDay || d
	}
	if !anyDay {
		v.Add("working_days", "choose at least one working day")
	}
	if w.DayStartMinutes < 0 || w.DayEndMinutes > 24*60 || w.DayEndMinutes <= w.DayStartMinutes {
		v.Add("day_end", "business hours must end after they start")
	}
	for k, m := range w.RecordVisibility {
		if m != VisibleWorkspace && m != VisibleTeam {
			v.Add("visibility_"+k, "choose workspace or team")
		}
	}
	return v.Err()
}

// Location returns the workspace's time zone, UTC if it cannot be loaded.
func (w Workspace) Location() *time.Location {
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Calendar returns the business calendar used for SLA clocks and due dates.
func (w Workspace) Calendar() BusinessCalendar {
	return BusinessCalendar{
		Location:         w.Location(),
		Weekdays:         w.WorkingDays,
		DayStart:         time.Duration(w.DayStartMinutes) * time.Minute,
		DayEnd:           time.Duration(w.DayEndMinutes) * time.Minute,
		JapaneseHolidays: w.JapaneseHolidays,
		ExtraHolidays:    w.Holidays,
	}
}

// FiscalYear returns the fiscal year label (the calendar year in which it
// starts) and the quarter (1..4) that t falls in.
func (w Workspace) FiscalYear(t time.Time) (year, quarter int) {
	t = t.In(w.Location())
	m := int(t.Month())
	start := w.FiscalYearStart
	if start < 1 || start > 12 {
		start = 1
	}
	year = t.Year()
	if m < start {
		year--
	}
	offset := (m - start + 12) % 12
	return year, offset/3 + 1
}

// ExchangeRate is the value of one unit of Currency in the base currency
// from ValidFrom on.
type ExchangeRate struct {
	ID        int64
	Currency  string
	Rate      float64
	ValidFrom time.Time
}

// Validate checks an exchange rate.
func (r *ExchangeRate) Validate(base string) error {
	v := &ValidationError{}
	r.Currency = strings.ToUpper(strings.TrimSpace(r.Currency))
	if !currencyRe.MatchString(r.Currency) {
		v.Add("currency", "must be a three-letter currency code such as USD")
	} else if r.Currency == base {
		v.Add("currency", "is the base currency already")
	}
	if !(r.Rate > 0) || r.Rate > 1e9 {
		v.Add("rate", "must be a positive number")
	}
	if r.ValidFrom.IsZero() {
		v.Add("valid_from", "is required")
	}
	return v.Err()
}

package api

import (
	"encoding/json"
	"fmt"
	"time"

	"renkei/internal/crm"
	"renkei/internal/mail"
	"renkei/internal/store"
)

// The JSON shapes of the API. Field names are snake_case; times are RFC 3339
// in UTC; a time that has not happened is null. The schemas in openapi.go
// describe exactly these types (a test checks responses against them).

// optTime is null for the zero time.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// optID is null for 0.
func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

type userJSON struct {
	ID          int64            `json:"id"`
	Email       string           `json:"email"`
	Name        string           `json:"name"`
	Role        crm.Role         `json:"role"`
	Status      crm.UserStatus   `json:"status"`
	Language    crm.Language     `json:"language"`
	TOTPEnabled bool             `json:"totp_enabled"`
	Teams       []membershipJSON `json:"teams"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	LastLoginAt *time.Time       `json:"last_login_at"`
	Version     int64            `json:"version"`
}

func (u userJSON) etag() int64 { return u.Version }

type membershipJSON struct {
	TeamID    int64  `json:"team_id"`
	TeamName  string `json:"team_name"`
	IsManager bool   `json:"is_manager"`
}

func toUser(u crm.User) userJSON {
	out := userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Status: u.Status, Language: u.Language,
		TOTPEnabled: u.TOTPEnabled, Teams: []membershipJSON{}, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
		LastLoginAt: optTime(u.LastLoginAt), Version: u.Version}
	for _, m := range u.Teams {
		out.Teams = append(out.Teams, membershipJSON{TeamID: m.TeamID, TeamName: m.TeamName, IsManager: m.IsManager})
	}
	return out
}

// invitedUserJSON is the answer to an invitation: the new user and the
// link that was e-mailed to them, for an admin who passes it on by hand.
type invitedUserJSON struct {
	userJSON
	InviteURL string `json:"invite_url"`
}

type inviteInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Language string `json:"language"`
	TeamID   int64  `json:"team_id"`
}

// userPatch is PATCH /users/{id}; absent (or null) fields stay unchanged.
type userPatch struct {
	Name     *string `json:"name"`
	Role     *string `json:"role"`
	Status   *string `json:"status"`
	Language *string `json:"language"`
}

// selfPatch is PATCH /users/me: what every user may change about themselves.
type selfPatch struct {
	Name     *string `json:"name"`
	Language *string `json:"language"`
}

type teamJSON struct {
	ID        int64            `json:"id"`
	Name      string           `json:"name"`
	Members   []teamMemberJSON `json:"members"`
	CreatedAt time.Time        `json:"created_at"`
	Version   int64            `json:"version"`
}

func (t teamJSON) etag() int64 { return t.Version }

type teamMemberJSON struct {
	UserID    int64  `json:"user_id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	IsManager bool   `json:"is_manager"`
}

func toTeam(t crm.Team) teamJSON {
	out := teamJSON{ID: t.ID, Name: t.Name, Members: []teamMemberJSON{}, CreatedAt: t.CreatedAt, Version: t.Version}
	for _, m := range t.Members {
		out.Members = append(out.Members, teamMemberJSON{UserID: m.UserID, Name: m.Name, Email: m.Email, IsManager: m.IsManager})
	}
	return out
}

type teamInput struct {
	Name string `json:"name"`
}

type teamMemberInput struct {
	IsManager bool `json:"is_manager"`
}

type tokenJSON struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	UserEmail  string     `json:"user_email"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func toToken(t store.APIToken) tokenJSON {
	return tokenJSON{ID: t.ID, UserID: t.UserID, UserEmail: t.UserEmail, Name: t.Name, Prefix: t.Prefix,
		CreatedAt: t.CreatedAt, LastUsedAt: optTime(t.LastUsedAt), RevokedAt: optTime(t.RevokedAt)}
}

// createdTokenJSON carries the secret, which is shown this once only.
type createdTokenJSON struct {
	tokenJSON
	Secret string `json:"secret"`
}

type tokenInput struct {
	Name string `json:"name"`
}

// workspaceJSON is the workspace settings. Field names are those of the
// domain's validation messages, so a 422 names the field that was sent.
type workspaceJSON struct {
	Name              string                    `json:"name"`
	Language          crm.Language              `json:"language"`
	TimeZone          string                    `json:"time_zone"`
	FiscalYearStart   int                       `json:"fiscal_year_start"`
	BaseCurrency      string                    `json:"base_currency"`
	CompanyName       string                    `json:"company_name"`
	CompanyPostalCode string                    `json:"company_postal_code"`
	CompanyAddress    string                    `json:"company_address"`
	CompanyPhone      string                    `json:"company_phone"`
	InvoiceRegNumber  string                    `json:"invoice_reg_number"`
	WorkingDays       []string                  `json:"working_days"`
	DayStart          string                    `json:"day_start"`
	DayEnd            string                    `json:"day_end"`
	JapaneseHolidays  bool                      `json:"japanese_holidays"`
	Holidays          []string                  `json:"holidays"`
	RecordVisibility  map[string]crm.Visibility `json:"record_visibility"`
	Version           int64                     `json:"version"`
}

func (w workspaceJSON) etag() int64 { return w.Version }

// workspacePatch is PATCH /settings; absent (or null) fields stay unchanged,
// and holidays and record_visibility are replaced as a whole.
type workspacePatch struct {
	Name              *string                    `json:"name"`
	Language          *string                    `json:"language"`
	TimeZone          *string                    `json:"time_zone"`
	FiscalYearStart   *int                       `json:"fiscal_year_start"`
	BaseCurrency      *string                    `json:"base_currency"`
	CompanyName       *string                    `json:"company_name"`
	CompanyPostalCode *string                    `json:"company_postal_code"`
	CompanyAddress    *string                    `json:"company_address"`
	CompanyPhone      *string                    `json:"company_phone"`
	InvoiceRegNumber  *string                    `json:"invoice_reg_number"`
	WorkingDays       *[]string                  `json:"working_days"`
	DayStart          *string                    `json:"day_start"`
	DayEnd            *string                    `json:"day_end"`
	JapaneseHolidays  *bool                      `json:"japanese_holidays"`
	Holidays          *[]string                  `json:"holidays"`
	RecordVisibility  *map[string]crm.Visibility `json:"record_visibility"`
}

// weekdays are the names of working_days, indexed by time.Weekday.
var weekdays = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func toWorkspace(w crm.Workspace) workspaceJSON {
	out := workspaceJSON{Name: w.Name, Language: w.Language, TimeZone: w.TimeZone, FiscalYearStart: w.FiscalYearStart,
		BaseCurrency: w.BaseCurrency, CompanyName: w.CompanyName, CompanyPostalCode: w.CompanyPostalCode,
		CompanyAddress: w.CompanyAddress, CompanyPhone: w.CompanyPhone, InvoiceRegNumber: w.InvoiceRegNumber,
		WorkingDays: []string{}, DayStart: clock(w.DayStartMinutes), DayEnd: clock(w.DayEndMinutes),
		JapaneseHolidays: w.JapaneseHolidays, Holidays: []string{}, RecordVisibility: map[string]crm.Visibility{},
		Version: w.Version}
	for i := 1; i <= 7; i++ { // Monday first
		if d := i % 7; w.WorkingDays[d] {
			out.WorkingDays = append(out.WorkingDays, weekdays[d])
		}
	}
	for _, h := range w.Holidays {
		out.Holidays = append(out.Holidays, h.Format(time.DateOnly))
	}
	for k, v := range w.RecordVisibility {
		out.RecordVisibility[k] = v
	}
	return out
}

// clock formats minutes after midnight as HH:MM (the end of the day is 24:00).
func clock(min int) string {
	return fmt.Sprintf("%02d:%02d", min/60, min%60)
}

// mailJSON is the SMTP settings without the password, which is write-only.
type mailJSON struct {
	Host               string        `json:"host"`
	Port               int           `json:"port"`
	Security           mail.Security `json:"security"`
	Username           string        `json:"username"`
	PasswordSet        bool          `json:"password_set"`
	FromAddress        string        `json:"from_address"`
	FromName           string        `json:"from_name"`
	InsecureSkipVerify bool          `json:"insecure_skip_verify"`
	Version            int64         `json:"version"`
}

func (m mailJSON) etag() int64 { return m.Version }

func toMail(s mail.Server, version int64) mailJSON {
	return mailJSON{Host: s.Host, Port: s.Port, Security: s.Security, Username: s.Username, PasswordSet: s.Password != "",
		FromAddress: s.FromAddress, FromName: s.FromName, InsecureSkipVerify: s.InsecureSkipVerify, Version: version}
}

// mailInput is PUT /settings/mail. An empty password keeps the stored one
// (while a username is set), so clients need not know it.
type mailInput struct {
	Host               string        `json:"host"`
	Port               int           `json:"port"`
	Security           mail.Security `json:"security"`
	Username           string        `json:"username"`
	Password           string        `json:"password"`
	FromAddress        string        `json:"from_address"`
	FromName           string        `json:"from_name"`
	InsecureSkipVerify bool          `json:"insecure_skip_verify"`
}

type testMailInput struct {
	To string `json:"to"`
}

type jobRefJSON struct {
	JobID int64 `json:"job_id"`
}

type rateJSON struct {
	ID        int64   `json:"id"`
	Currency  string  `json:"currency"`
	Rate      float64 `json:"rate"`
	ValidFrom string  `json:"valid_from"`
}

func toRate(r crm.ExchangeRate) rateJSON {
	return rateJSON{ID: r.ID, Currency: r.Currency, Rate: r.Rate, ValidFrom: r.ValidFrom.Format(time.DateOnly)}
}

type rateInput struct {
	Currency  string  `json:"currency"`
	Rate      float64 `json:"rate"`
	ValidFrom string  `json:"valid_from"`
}

type auditJSON struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	UserID  *int64    `json:"user_id"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Target  string    `json:"target"`
	Details string    `json:"details"`
	IP      string    `json:"ip"`
}

func toAudit(e store.AuditEntry) auditJSON {
	return auditJSON{ID: e.ID, At: e.At, UserID: optID(e.UserID), Actor: e.Actor, Action: e.Action,
		Target: e.Target, Details: e.Details, IP: e.IP}
}

// jobJSON is a background job's progress; its payload stays private (a
// mail job holds the message, which may carry a sign-in link).
type jobJSON struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	MaxAttempts int        `json:"max_attempts"`
	Progress    int        `json:"progress"`
	Total       int        `json:"total"`
	LastError   string     `json:"last_error"`
	RunAt       time.Time  `json:"run_at"`
	CreatedAt   time.Time  `json:"created_at"`
	FinishedAt  *time.Time `json:"finished_at"`
}

func toJob(j store.Job) jobJSON {
	return jobJSON{ID: j.ID, Kind: j.Kind, Status: j.Status, Attempts: j.Attempts, MaxAttempts: j.MaxAttempts,
		Progress: j.Progress, Total: j.Total, LastError: j.LastError, RunAt: j.RunAt, CreatedAt: j.CreatedAt,
		FinishedAt: optTime(j.FinishedAt)}
}

// optional is a request field that tells "absent" from null: Set says the
// field was sent, Null that it was null. It is used where null means
// "none" (company_id, owner_id, team_id, employees), as in JSON Merge Patch.
type optional[T any] struct {
	Set, Null bool
	V         T
}

// UnmarshalJSON records that the field was present.
func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.V)
}

// or returns the value sent (the zero value for null), or def when the
// field is absent.
func (o optional[T]) or(def T) T {
	if !o.Set {
		return def
	}
	if o.Null {
		var zero T
		return zero
	}
	return o.V
}

// companyRefJSON names a contact's company.
type companyRefJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type contactJSON struct {
	ID             int64           `json:"id"`
	Email          string          `json:"email"`
	FamilyName     string          `json:"family_name"`
	GivenName      string          `json:"given_name"`
	FamilyReading  string          `json:"family_reading"`
	GivenReading   string          `json:"given_reading"`
	DisplayName    string          `json:"display_name"`
	Honorific      string          `json:"honorific"`
	Phone          string          `json:"phone"`
	JobTitle       string          `json:"job_title"`
	Department     string          `json:"department"`
	Company        *companyRefJSON `json:"company"`
	OwnerID        *int64          `json:"owner_id"`
	TeamID         *int64          `json:"team_id"`
	Tags           []string        `json:"tags"`
	LifecycleStage crm.Lifecycle   `json:"lifecycle_stage"`
	LeadStatus     crm.LeadStatus  `json:"lead_status"`
	OriginalSource crm.Source      `json:"original_source"`
	SourceGroup    string          `json:"source_group"`
	Consent        crm.Consent     `json:"consent"`
	Properties     map[string]any  `json:"properties"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	Version        int64           `json:"version"`
}

func (c contactJSON) etag() int64 { return c.Version }

// toContact renders a contact; the display name follows lang's order.
func toContact(c crm.Contact, lang crm.Language) contactJSON {
	out := contactJSON{ID: c.ID, Email: c.Email, FamilyName: c.Family, GivenName: c.Given,
		FamilyReading: c.FamilyReading, GivenReading: c.GivenReading, DisplayName: c.Name(lang), Honorific: c.Honorific,
		Phone: c.Phone, JobTitle: c.JobTitle, Department: c.Department, OwnerID: optID(c.OwnerID), TeamID: optID(c.TeamID),
		Tags: c.Tags, LifecycleStage: c.Lifecycle, LeadStatus: c.LeadStatus, OriginalSource: c.OriginalSource,
		SourceGroup: crm.DefaultSourceGroups[c.OriginalSource], Consent: c.Consent, Properties: c.Props,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version}
	if c.CompanyID != 0 {
		out.Company = &companyRefJSON{ID: c.CompanyID, Name: c.CompanyName}
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if out.Properties == nil {
		out.Properties = map[string]any{}
	}
	return out
}

// contactFields are the writable fields of a contact: the body of POST
// (absent fields take their defaults) and of PATCH (absent fields keep
// their stored values). Null leaves a text field alone and clears
// company_id, owner_id and team_id; properties are merged by key, a null
// value removing the property.
type contactFields struct {
	Email          *string         `json:"email"`
	FamilyName     *string         `json:"family_name"`
	GivenName      *string         `json:"given_name"`
	FamilyReading  *string         `json:"family_reading"`
	GivenReading   *string         `json:"given_reading"`
	Honorific      *string         `json:"honorific"`
	Phone          *string         `json:"phone"`
	JobTitle       *string         `json:"job_title"`
	Department     *string         `json:"department"`
	CompanyID      optional[int64] `json:"company_id"`
	CompanyName    *string         `json:"company_name"`
	OwnerID        optional[int64] `json:"owner_id"`
	TeamID         optional[int64] `json:"team_id"`
	Tags           *[]string       `json:"tags"`
	LifecycleStage *string         `json:"lifecycle_stage"`
	LeadStatus     *string         `json:"lead_status"`
	OriginalSource *string         `json:"original_source"`
	Consent        *string         `json:"consent"`
	Properties     map[string]any  `json:"properties"`
}

type companyJSON struct {
	ID         int64          `json:"id"`
	Name       string         `json:"name"`
	LegalForm  string         `json:"legal_form"`
	Reading    string         `json:"reading"`
	Domain     string         `json:"domain"`
	Industry   string         `json:"industry"`
	Employees  *int           `json:"employees"`
	PostalCode string         `json:"postal_code"`
	Prefecture string         `json:"prefecture"`
	City       string         `json:"city"`
	Street     string         `json:"street"`
	Country    string         `json:"country"`
	Address    string         `json:"address"`
	Phone      string         `json:"phone"`
	OwnerID    *int64         `json:"owner_id"`
	TeamID     *int64         `json:"team_id"`
	Properties map[string]any `json:"properties"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
	Version    int64          `json:"version"`
}

func (c companyJSON) etag() int64 { return c.Version }

// toCompany renders a company; the address follows lang's order.
func toCompany(c crm.Company, lang crm.Language) companyJSON {
	out := companyJSON{ID: c.ID, Name: c.Name, LegalForm: c.LegalForm, Reading: c.Reading, Domain: c.Domain,
		Industry: c.Industry, PostalCode: c.PostalCode, Prefecture: c.Prefecture, City: c.City, Street: c.Street,
		Country: c.Country, Address: c.Address(lang), Phone: c.Phone, OwnerID: optID(c.OwnerID), TeamID: optID(c.TeamID),
		Properties: c.Props, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version}
	if c.Employees > 0 {
		n := c.Employees
		out.Employees = &n
	}
	if out.Properties == nil {
		out.Properties = map[string]any{}
	}
	return out
}

// companyFields are the writable fields of a company, for POST and PATCH
// as contactFields.
type companyFields struct {
	Name       *string         `json:"name"`
	Reading    *string         `json:"reading"`
	Domain     *string         `json:"domain"`
	Industry   *string         `json:"industry"`
	Employees  optional[int]   `json:"employees"`
	PostalCode *string         `json:"postal_code"`
	Prefecture *string         `json:"prefecture"`
	City       *string         `json:"city"`
	Street     *string         `json:"street"`
	Country    *string         `json:"country"`
	Phone      *string         `json:"phone"`
	OwnerID    optional[int64] `json:"owner_id"`
	TeamID     optional[int64] `json:"team_id"`
	Properties map[string]any  `json:"properties"`
}

type timelineJSON struct {
	ID        int64          `json:"id"`
	At        time.Time      `json:"at"`
	Kind      string         `json:"kind"`
	ContactID *int64         `json:"contact_id"`
	CompanyID *int64         `json:"company_id"`
	ActorID   *int64         `json:"actor_id"`
	ActorName string         `json:"actor_name"`
	Data      map[string]any `json:"data"`
	RefType   string         `json:"ref_type"`
	RefID     *int64         `json:"ref_id"`
}

func toTimeline(e store.TimelineEntry) timelineJSON {
	out := timelineJSON{ID: e.ID, At: e.At, Kind: e.Kind, ContactID: optID(e.ContactID), CompanyID: optID(e.CompanyID),
		ActorID: optID(e.ActorID), ActorName: e.ActorName, Data: e.Data, RefType: e.RefType, RefID: optID(e.RefID)}
	if out.Data == nil {
		out.Data = map[string]any{}
	}
	return out
}

type mergeInput struct {
	MergeID int64 `json:"merge_id"`
}

type consentInput struct {
	Status  string `json:"status"`
	Source  string `json:"source"`
	Wording string `json:"wording"`
}

type consentEventJSON struct {
	ID      int64       `json:"id"`
	At      time.Time   `json:"at"`
	Status  crm.Consent `json:"status"`
	Source  string      `json:"source"`
	Wording string      `json:"wording"`
	PageURL string      `json:"page_url"`
	IP      string      `json:"ip"`
	ActorID *int64      `json:"actor_id"`
}

func toConsentEvent(e store.ConsentEvent) consentEventJSON {
	return consentEventJSON{ID: e.ID, At: e.At, Status: e.Status, Source: e.Source, Wording: e.Wording,
		PageURL: e.PageURL, IP: e.IP, ActorID: optID(e.ActorID)}
}

// personExportJSON is everything held about one person.
type personExportJSON struct {
	Contact    contactJSON        `json:"contact"`
	Company    *companyJSON       `json:"company"`
	Timeline   []timelineJSON     `json:"timeline"`
	Consent    []consentEventJSON `json:"consent"`
	Visits     []personVisitJSON  `json:"visits"`
	Events     []personEventJSON  `json:"events"`
	Deals      []dealJSON         `json:"deals"`     // sales
	Contracts  []contractJSON     `json:"contracts"` // contracts
	ExportedAt time.Time          `json:"exported_at"`
}

type propertyJSON struct {
	ID        int64            `json:"id"`
	Object    string           `json:"object"`
	Key       string           `json:"key"`
	LabelJA   string           `json:"label_ja"`
	LabelEN   string           `json:"label_en"`
	Type      crm.PropertyType `json:"type"`
	Options   []string         `json:"options"`
	Position  int              `json:"position"`
	CreatedAt time.Time        `json:"created_at"`
	Version   int64            `json:"version"`
}

func (p propertyJSON) etag() int64 { return p.Version }

func toProperty(p crm.Property) propertyJSON {
	out := propertyJSON{ID: p.ID, Object: p.Object, Key: p.Key, LabelJA: p.LabelJA, LabelEN: p.LabelEN, Type: p.Type,
		Options: p.Options, Position: p.Position, CreatedAt: p.CreatedAt, Version: p.Version}
	if out.Options == nil {
		out.Options = []string{}
	}
	return out
}

type propertyInput struct {
	Object   string   `json:"object"`
	Key      string   `json:"key"`
	LabelJA  string   `json:"label_ja"`
	LabelEN  string   `json:"label_en"`
	Type     string   `json:"type"`
	Options  []string `json:"options"`
	Position int      `json:"position"`
}

// propertyPatch changes what may change of a definition; its object, key
// and type are fixed.
type propertyPatch struct {
	LabelJA  *string   `json:"label_ja"`
	LabelEN  *string   `json:"label_en"`
	Options  *[]string `json:"options"`
	Position *int      `json:"position"`
}

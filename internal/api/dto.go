package api

import (
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

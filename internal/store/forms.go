package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"renkei/internal/crm"
)

// ---- forms ----

const formCols = `id, name, form_key, title_ja, title_en, fields, thanks_ja, thanks_en, redirect_url,
	notify_users, notify_emails, double_optin, created_at, updated_at, version`

func scanForm(sc interface{ Scan(...any) error }) (crm.Form, error) {
	var f crm.Form
	var fields, users, emails string
	var optin int
	var created, updated int64
	err := sc.Scan(&f.ID, &f.Name, &f.Key, &f.TitleJA, &f.TitleEN, &fields, &f.ThanksJA, &f.ThanksEN, &f.RedirectURL,
		&users, &emails, &optin, &created, &updated, &f.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return f, crm.ErrNotFound
	}
	if err != nil {
		return f, err
	}
	f.DoubleOptIn = optin != 0
	f.CreatedAt, f.UpdatedAt = fromMS(created), fromMS(updated)
	if err := json.Unmarshal([]byte(fields), &f.Fields); err != nil {
		return f, fmt.Errorf("form %d fields: %w", f.ID, err)
	}
	if err := json.Unmarshal([]byte(users), &f.NotifyUsers); err != nil {
		return f, fmt.Errorf("form %d notify_users: %w", f.ID, err)
	}
	if err := json.Unmarshal([]byte(emails), &f.NotifyEmails); err != nil {
		return f, fmt.Errorf("form %d notify_emails: %w", f.ID, err)
	}
	return f, nil
}

func formJSON(f *crm.Form) (fields, users, emails string, err error) {
	b1, err := json.Marshal(nonNilSlice(f.Fields))
	if err != nil {
		return
	}
	b2, err := json.Marshal(nonNilSlice(f.NotifyUsers))
	if err != nil {
		return
	}
	b3, err := json.Marshal(nonNil(f.NotifyEmails))
	return string(b1), string(b2), string(b3), err
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// CreateForm inserts a form; a taken key returns crm.ErrConflict.
func (tx *Tx) CreateForm(ctx context.Context, f *crm.Form, now time.Time) error {
	fields, users, emails, err := formJSON(f)
	if err != nil {
		return err
	}
	err = tx.q().QueryRowContext(ctx, `INSERT INTO forms (name, form_key, title_ja, title_en, fields, thanks_ja, thanks_en,
		redirect_url, notify_users, notify_emails, double_optin, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id, version`,
		f.Name, f.Key, f.TitleJA, f.TitleEN, fields, f.ThanksJA, f.ThanksEN, f.RedirectURL, users, emails,
		boolInt(f.DoubleOptIn), ms(now)).Scan(&f.ID, &f.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	f.CreatedAt, f.UpdatedAt = now, now
	return nil
}

// UpdateForm writes every field but the key when the version matches.
func (tx *Tx) UpdateForm(ctx context.Context, f *crm.Form, now time.Time) error {
	fields, users, emails, err := formJSON(f)
	if err != nil {
		return err
	}
	res, err := tx.q().ExecContext(ctx, `UPDATE forms SET name = $1, title_ja = $2, title_en = $3, fields = $4,
		thanks_ja = $5, thanks_en = $6, redirect_url = $7, notify_users = $8, notify_emails = $9, double_optin = $10,
		updated_at = $11, version = version + 1 WHERE id = $12 AND version = $13`,
		f.Name, f.TitleJA, f.TitleEN, fields, f.ThanksJA, f.ThanksEN, f.RedirectURL, users, emails,
		boolInt(f.DoubleOptIn), ms(now), f.ID, f.Version)
	if err != nil {
		return err
	}
	if err := staleOrMissing(ctx, tx, res, "forms", f.ID); err != nil {
		return err
	}
	f.Version++
	f.UpdatedAt = now
	return nil
}

// DeleteForm removes a form with its submissions and counts.
func (tx *Tx) DeleteForm(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM forms WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// Form reads one form.
func (s *Store) Form(ctx context.Context, id int64) (crm.Form, error) {
	return scanForm(s.r().QueryRowContext(ctx, "SELECT "+formCols+" FROM forms WHERE id = $1", id))
}

// Form reads one form inside a write transaction.
func (tx *Tx) Form(ctx context.Context, id int64) (crm.Form, error) {
	return scanForm(tx.q().QueryRowContext(ctx, "SELECT "+formCols+" FROM forms WHERE id = $1", id))
}

// FormByKey finds a form by its public key.
func (s *Store) FormByKey(ctx context.Context, key string) (crm.Form, error) {
	return scanForm(s.r().QueryRowContext(ctx, "SELECT "+formCols+" FROM forms WHERE form_key = $1", key))
}

// FormSummary is a form with its counts, for the list of forms.
type FormSummary struct {
	crm.Form
	Submissions int64 // all time
	Views       int64 // all time
	Spam        int64 // all time
	Last        time.Time
}

// Forms lists every form by name with its counts.
func (s *Store) Forms(ctx context.Context) ([]FormSummary, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT `+formCols+`,
		(SELECT COUNT(*) FROM form_submissions fs WHERE fs.form_id = forms.id),
		(SELECT COALESCE(MAX(fs.at), 0) FROM form_submissions fs WHERE fs.form_id = forms.id),
		(SELECT COALESCE(SUM(st.views), 0) FROM form_stats st WHERE st.form_id = forms.id),
		(SELECT COALESCE(SUM(st.spam), 0) FROM form_stats st WHERE st.form_id = forms.id)
		FROM forms ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FormSummary
	for rows.Next() {
		var fs FormSummary
		var last int64
		f, err := scanForm(scanFunc(func(dst ...any) error {
			return rows.Scan(append(dst, &fs.Submissions, &last, &fs.Views, &fs.Spam)...)
		}))
		if err != nil {
			return nil, err
		}
		fs.Form = f
		if last > 0 {
			fs.Last = fromMS(last)
		}
		out = append(out, fs)
	}
	return out, rows.Err()
}

// scanFunc adapts a function to the Scan interface.
type scanFunc func(dst ...any) error

func (f scanFunc) Scan(dst ...any) error { return f(dst...) }

// ---- submissions ----

// FormSubmission is one accepted submission of a form.
type FormSubmission struct {
	ID               int64
	FormID           int64
	FormName         string // read only
	FormKey          string // read only
	ContactID        int64
	ContactEmail     string // read only
	ContactName      string // read only (family + given)
	At               time.Time
	NewContact       bool
	Values           map[string]string
	PageURL          string
	Referrer         string
	UTMSource        string
	UTMMedium        string
	UTMCampaign      string
	UTMTerm          string
	UTMContent       string
	FirstReferrer    string
	FirstUTMSource   string
	FirstUTMMedium   string
	FirstUTMCampaign string
	SiteID           int64
	VisitorID        string
	IP               string
	UserAgent        string
}

// AddFormSubmission stores a submission.
func (tx *Tx) AddFormSubmission(ctx context.Context, s *FormSubmission) error {
	vals, err := json.Marshal(s.Values)
	if err != nil {
		return err
	}
	return tx.q().QueryRowContext(ctx, `INSERT INTO form_submissions (form_id, contact_id, at, new_contact, vals,
		page_url, referrer, utm_source, utm_medium, utm_campaign, utm_term, utm_content,
		first_referrer, first_utm_source, first_utm_medium, first_utm_campaign, site_id, visitor_id, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id`,
		s.FormID, nullID(s.ContactID), ms(s.At), boolInt(s.NewContact), string(vals), s.PageURL, s.Referrer,
		s.UTMSource, s.UTMMedium, s.UTMCampaign, s.UTMTerm, s.UTMContent, s.FirstReferrer, s.FirstUTMSource,
		s.FirstUTMMedium, s.FirstUTMCampaign, nullID(s.SiteID), s.VisitorID, s.IP, s.UserAgent).Scan(&s.ID)
}

// SubmissionFilter selects submissions, newest first: of one form or of
// one contact, before the cursor (the id of the last one seen).
type SubmissionFilter struct {
	FormID    int64
	ContactID int64
	BeforeID  int64
	Limit     int
}

// FormSubmissions lists submissions newest first.
func (s *Store) FormSubmissions(ctx context.Context, f SubmissionFilter) ([]FormSubmission, error) {
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	before := f.BeforeID
	if before <= 0 {
		before = 1 << 62
	}
	where, arg := "fs.form_id = $1", f.FormID
	if f.ContactID != 0 {
		where, arg = "fs.contact_id = $1", f.ContactID
	}
	rows, err := s.r().QueryContext(ctx, `SELECT fs.id, fs.form_id, fm.name, fm.form_key, COALESCE(fs.contact_id, 0),
		COALESCE(c.email, ''), COALESCE(c.family_name, ''), COALESCE(c.given_name, ''), fs.at, fs.new_contact, fs.vals,
		fs.page_url, fs.referrer, fs.utm_source, fs.utm_medium, fs.utm_campaign, fs.utm_term, fs.utm_content,
		fs.first_referrer, fs.first_utm_source, fs.first_utm_medium, fs.first_utm_campaign, COALESCE(fs.site_id, 0),
		fs.visitor_id, fs.ip, fs.user_agent
		FROM form_submissions fs JOIN forms fm ON fm.id = fs.form_id LEFT JOIN contacts c ON c.id = fs.contact_id
		WHERE `+where+` AND fs.id < $2 ORDER BY fs.id DESC LIMIT `+fmt.Sprint(limit), arg, before)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FormSubmission
	for rows.Next() {
		var x FormSubmission
		var family, given, vals string
		var at int64
		var isNew int
		if err := rows.Scan(&x.ID, &x.FormID, &x.FormName, &x.FormKey, &x.ContactID, &x.ContactEmail, &family, &given,
			&at, &isNew, &vals, &x.PageURL, &x.Referrer, &x.UTMSource, &x.UTMMedium, &x.UTMCampaign, &x.UTMTerm,
			&x.UTMContent, &x.FirstReferrer, &x.FirstUTMSource, &x.FirstUTMMedium, &x.FirstUTMCampaign, &x.SiteID,
			&x.VisitorID, &x.IP, &x.UserAgent); err != nil {
			return nil, err
		}
		x.At, x.NewContact = fromMS(at), isNew != 0
		x.ContactName = family + " " + given
		if family == "" || given == "" {
			x.ContactName = family + given
		}
		if err := json.Unmarshal([]byte(vals), &x.Values); err != nil {
			return nil, fmt.Errorf("submission %d values: %w", x.ID, err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// ---- daily counts ----

// FormDay is one day's counts of a form.
type FormDay struct {
	Day         time.Time
	Views       int64
	Spam        int64
	Submissions int64
}

// BumpFormStats adds views and spam to a form's count of a day.
func (s *Store) BumpFormStats(ctx context.Context, formID int64, day time.Time, views, spam int64) error {
	_, err := s.w().ExecContext(ctx, `INSERT INTO form_stats (form_id, day, views, spam) VALUES ($1, $2, $3, $4)
		ON CONFLICT (form_id, day) DO UPDATE SET views = form_stats.views + excluded.views, spam = form_stats.spam + excluded.spam`,
		formID, ms(day), views, spam)
	return err
}

// FormDays returns a form's counts per day from `from` on (days are the
// starts given by dayOf, in order); days without anything are left out.
// Submissions are counted into the day dayOf puts them in.
func (s *Store) FormDays(ctx context.Context, formID int64, from time.Time, dayOf func(time.Time) time.Time) ([]FormDay, error) {
	byDay := map[int64]*FormDay{}
	get := func(d time.Time) *FormDay {
		k := ms(d)
		if byDay[k] == nil {
			byDay[k] = &FormDay{Day: d}
		}
		return byDay[k]
	}
	rows, err := s.r().QueryContext(ctx, "SELECT day, views, spam FROM form_stats WHERE form_id = $1 AND day >= $2", formID, ms(from))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var day, views, spam int64
		if err := rows.Scan(&day, &views, &spam); err != nil {
			rows.Close()
			return nil, err
		}
		d := get(fromMS(day))
		d.Views, d.Spam = views, spam
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.r().QueryContext(ctx, "SELECT at FROM form_submissions WHERE form_id = $1 AND at >= $2", formID, ms(from))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		get(dayOf(fromMS(at))).Submissions++
	}
	out := make([]FormDay, 0, len(byDay))
	for _, d := range byDay {
		out = append(out, *d)
	}
	sortDays(out)
	return out, rows.Err()
}

func sortDays(d []FormDay) {
	for i := 1; i < len(d); i++ {
		for j := i; j > 0 && d[j].Day.Before(d[j-1].Day); j-- {
			d[j], d[j-1] = d[j-1], d[j]
		}
	}
}

// ---- double opt-in ----

// FormOptIn is a pending double opt-in.
type FormOptIn struct {
	TokenHash   string
	ContactID   int64
	FormID      int64
	Wording     string
	PageURL     string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	ConfirmedAt time.Time
}

// AddFormOptIn stores an opt-in token (hashed).
func (tx *Tx) AddFormOptIn(ctx context.Context, o FormOptIn) error {
	_, err := tx.q().ExecContext(ctx, `INSERT INTO form_optins (token_hash, contact_id, form_id, wording, page_url, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, o.TokenHash, o.ContactID, nullID(o.FormID), o.Wording, o.PageURL,
		ms(o.CreatedAt), ms(o.ExpiresAt))
	return err
}

// FormOptIn reads an opt-in by its token hash.
func (tx *Tx) FormOptIn(ctx context.Context, hash string) (FormOptIn, error) {
	var o FormOptIn
	var created, expires int64
	var confirmed sql.NullInt64
	err := tx.q().QueryRowContext(ctx, `SELECT token_hash, contact_id, COALESCE(form_id, 0), wording, page_url, created_at,
		expires_at, confirmed_at FROM form_optins WHERE token_hash = $1`, hash).
		Scan(&o.TokenHash, &o.ContactID, &o.FormID, &o.Wording, &o.PageURL, &created, &expires, &confirmed)
	if errors.Is(err, sql.ErrNoRows) {
		return o, crm.ErrNotFound
	}
	o.CreatedAt, o.ExpiresAt, o.ConfirmedAt = fromMS(created), fromMS(expires), fromNullMS(confirmed)
	return o, err
}

// ConfirmFormOptIn marks an opt-in confirmed.
func (tx *Tx) ConfirmFormOptIn(ctx context.Context, hash string, now time.Time) error {
	_, err := tx.q().ExecContext(ctx, "UPDATE form_optins SET confirmed_at = $1 WHERE token_hash = $2", ms(now), hash)
	return err
}

// ---- what forms need from tracking ----

// SiteOrigins is a registered site's domain and allowed origins.
type SiteOrigins struct {
	ID      int64
	Domain  string
	Origins []string
}

// AllSiteOrigins lists the registered sites' domains and origins.
func (s *Store) AllSiteOrigins(ctx context.Context) ([]SiteOrigins, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT id, domain, origins FROM sites ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SiteOrigins
	for rows.Next() {
		var so SiteOrigins
		var origins string
		if err := rows.Scan(&so.ID, &so.Domain, &origins); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(origins), &so.Origins); err != nil {
			return nil, fmt.Errorf("site %d origins: %w", so.ID, err)
		}
		out = append(out, so)
	}
	return out, rows.Err()
}

// FirstTouch is where a visitor first came from.
type FirstTouch struct {
	Referrer, UTMSource, UTMMedium, UTMCampaign string
}

// VisitorFirstTouch returns a visitor's first touch; ok is false for an
// unknown visitor.
func (tx *Tx) VisitorFirstTouch(ctx context.Context, siteID int64, visitorID string) (ft FirstTouch, ok bool, err error) {
	err = tx.q().QueryRowContext(ctx, `SELECT first_referrer, first_utm_source, first_utm_medium, first_utm_campaign
		FROM visitors WHERE site_id = $1 AND visitor_id = $2`, siteID, visitorID).
		Scan(&ft.Referrer, &ft.UTMSource, &ft.UTMMedium, &ft.UTMCampaign)
	if errors.Is(err, sql.ErrNoRows) {
		return ft, false, nil
	}
	return ft, err == nil, err
}

// FormEvent is the events row of a form submission, which scoring reads.
type FormEvent struct {
	SiteID      int64
	VisitorID   string
	ContactID   int64
	At          time.Time
	FormKey     string
	Host, Path  string
	Referrer    string
	UTMSource   string
	UTMMedium   string
	UTMCampaign string
	UTMTerm     string
	UTMContent  string
	Props       map[string]any
}

// AddFormEvent appends the event of a form submission (kind form, name =
// the form key).
func (tx *Tx) AddFormEvent(ctx context.Context, e FormEvent) error {
	props, err := propsJSON(e.Props)
	if err != nil {
		return err
	}
	refHost := ""
	if e.Referrer != "" {
		refHost = formHostOf(e.Referrer)
	}
	_, err = tx.q().ExecContext(ctx, `INSERT INTO events (site_id, visitor_id, contact_id, at, kind, name, host, path,
		referrer, referrer_host, utm_source, utm_medium, utm_campaign, utm_term, utm_content, props)
		VALUES ($1, $2, $3, $4, 'form', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		nullID(e.SiteID), e.VisitorID, nullID(e.ContactID), ms(e.At), e.FormKey, e.Host, e.Path, e.Referrer, refHost,
		e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent, props)
	return err
}

// formHostOf returns the lower-case host of a URL, "" when it has none.
func formHostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

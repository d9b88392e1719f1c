package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// KindForm is the timeline kind of a form submission ({"form": name,
// "form_id", "key", "values": {field: value}, "page_url", …}).
const KindForm = "form"

// OptInValidity is how long a double opt-in link stays valid.
const OptInValidity = 7 * 24 * time.Hour

// OptInResendAfter is the least time between two confirmation mails to
// one contact; posts in between use the link already sent.
const OptInResendAfter = 15 * time.Minute

// ---- the form builder (staff) ----

// Forms lists the forms with their counts.
func (a *App) Forms(ctx context.Context, ac Actor) ([]store.FormSummary, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.Forms(ctx)
}

// Form returns one form.
func (a *App) Form(ctx context.Context, ac Actor, id int64) (crm.Form, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Form{}, err
	}
	return a.Store.Form(ctx, id)
}

// newFormKey returns a public form key: 128 random bits, URL-safe.
func newFormKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// checkForm validates a form definition, including that the redirect goes
// to an allowed domain and that notified users exist.
func (a *App) checkForm(ctx context.Context, tx *store.Tx, f *crm.Form) error {
	defs, err := a.Store.Properties(ctx, "contact")
	if err != nil {
		return err
	}
	keys := map[string]bool{}
	for _, d := range defs {
		keys[d.Key] = true
	}
	err = f.Validate(keys)
	v, _ := crm.AsValidation(err)
	if err != nil && v == nil {
		return err
	}
	if v == nil {
		v = &crm.ValidationError{}
	}
	if f.RedirectURL != "" && v.Fields["redirect_url"] == "" {
		ok, err := a.AllowedRedirect(ctx, f.RedirectURL)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("redirect_url", "redirects may only go to a registered site's domain or to this workspace; register the site first")
		}
	}
	slices.Sort(f.NotifyUsers)
	f.NotifyUsers = slices.Compact(f.NotifyUsers)
	for _, id := range f.NotifyUsers {
		if u, err := tx.User(ctx, id); err != nil || u.Status == crm.UserDeactivated {
			v.Add("notify_users", "choose active users to notify")
			break
		}
	}
	return v.Err()
}

// AllowedRedirect reports whether a URL points to an allowed host: the
// domain of a registered site (or a subdomain of it), the host of one of
// its origins, or this workspace's own host.
func (a *App) AllowedRedirect(ctx context.Context, raw string) (bool, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return false, nil
	}
	host := strings.ToLower(u.Hostname())
	if own, err := url.Parse(a.BaseURL); err == nil && strings.EqualFold(own.Hostname(), host) {
		return true, nil
	}
	sites, err := a.Store.AllSiteOrigins(ctx)
	if err != nil {
		return false, err
	}
	for _, s := range sites {
		d := strings.ToLower(strings.TrimPrefix(s.Domain, "."))
		if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			return true, nil
		}
		for _, o := range s.Origins {
			if ou, err := url.Parse(o); err == nil && strings.EqualFold(ou.Hostname(), host) {
				return true, nil
			}
		}
	}
	return false, nil
}

// CreateForm adds a form with a new public key.
func (a *App) CreateForm(ctx context.Context, ac Actor, f crm.Form) (crm.Form, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return f, err
	}
	f.Key = newFormKey()
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := a.checkForm(ctx, tx, &f); err != nil {
			return err
		}
		if err := tx.CreateForm(ctx, &f, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "form.create", fmt.Sprintf("form %d", f.ID), f.Name))
	})
	return f, err
}

// UpdateForm replaces a form's definition (not its key) when version
// matches.
func (a *App) UpdateForm(ctx context.Context, ac Actor, id, version int64, f crm.Form) (crm.Form, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return f, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.Form(ctx, id)
		if err != nil {
			return err
		}
		if version != old.Version {
			return crm.ErrStale
		}
		f.ID, f.Key, f.Version, f.CreatedAt = old.ID, old.Key, old.Version, old.CreatedAt
		if err := a.checkForm(ctx, tx, &f); err != nil {
			return err
		}
		if err := tx.UpdateForm(ctx, &f, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "form.update", fmt.Sprintf("form %d", f.ID), f.Name))
	})
	return f, err
}

// DeleteForm removes a form with its submissions (the contacts, their
// timelines and consent ledgers stay).
func (a *App) DeleteForm(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteForm(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "form.delete", fmt.Sprintf("form %d", id), ""))
	})
}

// FormSubmissions lists submissions of a form or of a contact, newest
// first. Submissions of a contact the actor may not see are left out.
func (a *App) FormSubmissions(ctx context.Context, ac Actor, f store.SubmissionFilter) ([]store.FormSubmission, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	if f.ContactID != 0 {
		if _, err := a.Contact(ctx, ac, f.ContactID); err != nil {
			return nil, err
		}
	} else if _, err := a.Store.Form(ctx, f.FormID); err != nil {
		return nil, err
	}
	subs, err := a.Store.FormSubmissions(ctx, f)
	if err != nil || f.ContactID != 0 {
		return subs, err
	}
	mode, err := a.visibility(ctx, "contacts")
	if err != nil || mode != crm.VisibleTeam || ac.User.Role == crm.RoleAdmin {
		return subs, err
	}
	out := subs[:0]
	for _, s := range subs {
		if c, err := a.Store.Contact(ctx, s.ContactID); err == nil && ac.User.Viewer().CanSee(mode, c.OwnerID, c.TeamID) {
			out = append(out, s)
		}
	}
	return out, nil
}

// FormDays returns a form's views, spam and submissions per day over the
// last n days (days in the workspace time zone), oldest first, every day
// present.
func (a *App) FormDays(ctx context.Context, ac Actor, id int64, n int) ([]store.FormDay, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	loc := a.location(ctx)
	dayOf := func(t time.Time) time.Time {
		t = t.In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	first := dayOf(a.now()).AddDate(0, 0, -(n - 1))
	got, err := a.Store.FormDays(ctx, id, first, dayOf)
	if err != nil {
		return nil, err
	}
	byDay := map[int64]store.FormDay{}
	for _, d := range got {
		byDay[d.Day.UnixMilli()] = d
	}
	out := make([]store.FormDay, 0, n)
	for d := first; len(out) < n; d = d.AddDate(0, 0, 1) {
		x, ok := byDay[d.UnixMilli()]
		if !ok {
			x = store.FormDay{Day: d}
		}
		out = append(out, x)
	}
	return out, nil
}

func (a *App) location(ctx context.Context) *time.Location {
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return time.UTC
	}
	return ws.Location()
}

// ---- the public side ----

// PublicForm returns a form by its public key, for the hosted page, the
// embed and posts. Anyone may read it: it holds nothing secret.
func (a *App) PublicForm(ctx context.Context, key string) (crm.Form, error) {
	if key == "" || len(key) > 64 {
		return crm.Form{}, crm.ErrNotFound
	}
	return a.Store.FormByKey(ctx, key)
}

// CountFormView counts one view of a form (hosted page or embed).
func (a *App) CountFormView(ctx context.Context, formID int64) error {
	return a.Store.BumpFormStats(ctx, formID, a.today(ctx), 1, 0)
}

// CountFormSpam counts one refused post (honeypot, too fast, bad token).
func (a *App) CountFormSpam(ctx context.Context, formID int64) error {
	return a.Store.BumpFormStats(ctx, formID, a.today(ctx), 0, 1)
}

func (a *App) today(ctx context.Context) time.Time {
	t := a.now().In(a.location(ctx))
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// SiteForOrigin returns the registered site whose allowed origins include
// origin (scheme://host[:port]); ok is false for any other origin.
func (a *App) SiteForOrigin(ctx context.Context, origin string) (siteID int64, ok bool, err error) {
	sites, err := a.Store.AllSiteOrigins(ctx)
	if err != nil {
		return 0, false, err
	}
	origin = strings.TrimRight(strings.ToLower(origin), "/")
	for _, s := range sites {
		for _, o := range s.Origins {
			if strings.TrimRight(strings.ToLower(o), "/") == origin {
				return s.ID, true, nil
			}
		}
	}
	return 0, false, nil
}

// FormPost is one submission as the public surface received it.
type FormPost struct {
	Form      crm.Form
	Values    map[string]string // by field key; a consent checkbox is checked when non-empty
	Lang      crm.Language      // the language the visitor saw
	PageURL   string            // the page the form was on
	Referrer  string            // that page's referrer
	SiteID    int64             // the registered site the post came from, 0 if none
	VisitorID string            // the tracker's visitor id on that site
	IP        string
	UserAgent string
}

// FormOutcome is what a submission did.
type FormOutcome struct {
	SubmissionID int64
	ContactID    int64
	Created      bool // a new contact
	OptInSent    bool // a double opt-in e-mail is on its way
	Dropped      bool // the address is on the suppression list: nothing was stored
}

// checkPost validates the values against the form's fields and returns
// the cleaned values (only the form's fields, trimmed).
func checkPost(p FormPost) (map[string]string, error) {
	v := &crm.ValidationError{}
	out := make(map[string]string, len(p.Form.Fields))
	for _, f := range p.Form.Fields {
		val := strings.TrimSpace(p.Values[f.Key])
		if f.Key == crm.FieldConsent && val != "" {
			val = "yes"
		}
		if msg := f.CheckValue(val); msg != "" {
			v.Add(f.Key, msg)
			continue
		}
		if val != "" {
			out[f.Key] = val
		}
	}
	return out, v.Err()
}

// utmOf reads the UTM parameters of a page URL.
func utmOf(pageURL string) (source, medium, campaign, term, content string) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return
	}
	q := u.Query()
	get := func(k string) string { return clip(q.Get(k), 200) }
	return get("utm_source"), get("utm_medium"), get("utm_campaign"), get("utm_term"), get("utm_content")
}

// sourceDetail describes a first touch for the contact's source detail,
// as a query string: utm_source=…&utm_medium=…&utm_campaign=…&referrer=…&form=…
func sourceDetail(ft store.FirstTouch, formKey string) string {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("utm_source", ft.UTMSource)
	set("utm_medium", ft.UTMMedium)
	set("utm_campaign", ft.UTMCampaign)
	set("referrer", ft.Referrer)
	set("form", formKey)
	return clip(q.Encode(), 1000)
}

// SubmitForm takes a public submission: it upserts the contact by e-mail,
// writes the consent ledger, the submission, a timeline entry, an event
// for scoring, ties the visitor to the contact, queues webhooks,
// notifications and the double opt-in e-mail, all in one transaction, and
// rescores the contact after the commit. Bad values return a
// ValidationError keyed by field and write nothing.
func (a *App) SubmitForm(ctx context.Context, p FormPost) (FormOutcome, error) {
	var out FormOutcome
	vals, err := checkPost(p)
	if err != nil {
		return out, err
	}
	fm := p.Form
	p.PageURL, p.Referrer = clip(p.PageURL, 2000), clip(p.Referrer, 2000)
	p.UserAgent, p.VisitorID = clip(p.UserAgent, 500), clip(p.VisitorID, 100)
	var props map[string]any
	for _, f := range fm.Fields {
		if k, ok := f.PropKey(); ok && vals[f.Key] != "" {
			if props == nil {
				props = map[string]any{}
			}
			props[k] = vals[f.Key]
		}
	}
	if props != nil {
		// Errors come back as props.<key>, the field's own key.
		if props, err = a.checkProps(ctx, "contact", nil, props); err != nil {
			return out, err
		}
	}
	var wording string
	if fl, ok := fm.Field(crm.FieldConsent); ok && vals[crm.FieldConsent] != "" {
		wording = fl.Label(p.Lang)
	}
	src, med, camp, term, cont := utmOf(p.PageURL)
	now := a.now()
	var optToken string
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		out = FormOutcome{}
		email := crm.NormalizeEmail(vals[crm.FieldEmail])
		c, err := tx.ContactByEmail(ctx, email)
		switch {
		case errors.Is(err, crm.ErrNotFound):
			if _, sup, err := tx.IsSuppressed(ctx, EmailHash(email)); err != nil {
				return err
			} else if sup {
				out.Dropped = true
				return nil
			}
			out.Created = true
			c = crm.Contact{Email: email, OriginalSource: crm.SourceWebForm, Lifecycle: crm.StageLead}
		case err != nil:
			return err
		}
		before := c
		applyFormValues(&c, vals, props, !out.Created)
		if err := validateFormContact(&c); err != nil {
			return err
		}
		if company := vals[crm.FieldCompany]; company != "" && c.CompanyID == 0 {
			co, err := a.findOrCreateCompany(ctx, tx, Actor{}, company, c.OwnerID, c.TeamID)
			if err != nil {
				return err
			}
			c.CompanyID, c.CompanyName = co.ID, co.Name
		}
		// First touch: the visitor's first visit, else this submission.
		ft := store.FirstTouch{Referrer: p.Referrer, UTMSource: src, UTMMedium: med, UTMCampaign: camp}
		if p.SiteID != 0 && p.VisitorID != "" {
			if v, ok, err := tx.VisitorFirstTouch(ctx, p.SiteID, p.VisitorID); err != nil {
				return err
			} else if ok {
				ft = v
			}
		}
		if out.Created || c.SourceDetail == "" && c.OriginalSource == crm.SourceWebForm {
			c.SourceDetail = sourceDetail(ft, fm.Key)
		}
		// Consent: granted, or pending until the opt-in link is confirmed.
		consent := crm.Consent("")
		if wording != "" {
			consent = crm.ConsentGranted
			if fm.DoubleOptIn && c.Consent != crm.ConsentGranted {
				consent = crm.ConsentPending
			}
			c.Consent = consent
		}
		if out.Created {
			if err := tx.CreateContact(ctx, &c, now); err != nil {
				return err
			}
			if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: c.ID, Kind: KindCreated,
				Data: map[string]any{"source": string(c.OriginalSource), "form": fm.Name}}); err != nil {
				return err
			}
		} else if changes := contactChanges(before, c); len(changes) > 0 || c.SourceDetail != before.SourceDetail {
			if err := tx.UpdateContact(ctx, &c, now); err != nil {
				return err
			}
		}
		out.ContactID = c.ID
		if consent != "" {
			if err := tx.AddConsentEvent(ctx, &store.ConsentEvent{ContactID: c.ID, At: now, Status: consent, Source: "form",
				Wording: wording, PageURL: p.PageURL, IP: p.IP}); err != nil {
				return err
			}
		}
		sub := store.FormSubmission{FormID: fm.ID, ContactID: c.ID, At: now, NewContact: out.Created, Values: vals,
			PageURL: p.PageURL, Referrer: p.Referrer, UTMSource: src, UTMMedium: med, UTMCampaign: camp, UTMTerm: term,
			UTMContent: cont, FirstReferrer: ft.Referrer, FirstUTMSource: ft.UTMSource, FirstUTMMedium: ft.UTMMedium,
			FirstUTMCampaign: ft.UTMCampaign, SiteID: p.SiteID, VisitorID: p.VisitorID, IP: p.IP, UserAgent: p.UserAgent}
		if err := tx.AddFormSubmission(ctx, &sub); err != nil {
			return err
		}
		out.SubmissionID = sub.ID
		data := map[string]any{"form": fm.Name, "form_id": fm.ID, "values": vals, "page_url": p.PageURL}
		if src != "" {
			data["utm_source"], data["utm_medium"], data["utm_campaign"] = src, med, camp
		}
		if changes := contactChanges(before, c); !out.Created && len(changes) > 0 {
			data["changes"] = changes
		}
		if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: c.ID, Kind: KindForm, Data: data,
			RefType: "form_submission", RefID: sub.ID}); err != nil {
			return err
		}
		host, path := "", ""
		if u, err := url.Parse(p.PageURL); err == nil {
			host, path = strings.ToLower(u.Hostname()), clip(u.Path, 1000)
		}
		if err := tx.AddFormEvent(ctx, store.FormEvent{SiteID: p.SiteID, VisitorID: p.VisitorID, ContactID: c.ID, At: now,
			FormKey: fm.Key, Host: host, Path: path, Referrer: p.Referrer, UTMSource: src, UTMMedium: med,
			UTMCampaign: camp, UTMTerm: term, UTMContent: cont,
			Props: map[string]any{"form_id": fm.ID, "submission_id": sub.ID}}); err != nil {
			return err
		}
		if err := a.identifyVisitor(ctx, tx, p.SiteID, p.VisitorID, c.ID); err != nil {
			return err
		}
		if out.Created {
			if err := a.emitWebhook(ctx, tx, "contact.created", map[string]any{"contact": contactHook(c), "via": "form"}); err != nil {
				return err
			}
		}
		if err := a.emitWebhook(ctx, tx, "form.submitted", map[string]any{"form_id": fm.ID, "form_key": fm.Key,
			"form_name": fm.Name, "submission_id": sub.ID, "contact": contactHook(c), "new_contact": out.Created,
			"values": vals, "page_url": p.PageURL, "referrer": p.Referrer, "utm_source": src, "utm_medium": med,
			"utm_campaign": camp, "submitted_at": now}); err != nil {
			return err
		}
		resend := consent == crm.ConsentPending
		if resend && !out.Created {
			// Anyone may post anyone's address: one link per
			// OptInResendAfter, or a script could mail-bomb a person.
			recent, err := tx.RecentFormOptIn(ctx, c.ID, now.Add(-OptInResendAfter))
			if err != nil {
				return err
			}
			resend = !recent
		}
		if resend {
			var hash string
			optToken, hash = newToken("oi_")
			if err := tx.AddFormOptIn(ctx, store.FormOptIn{TokenHash: hash, ContactID: c.ID, FormID: fm.ID,
				Wording: wording, PageURL: p.PageURL, CreatedAt: now, ExpiresAt: now.Add(OptInValidity)}); err != nil {
				return err
			}
			if err := a.queueMail(ctx, tx, optInMail(p.Lang, fm, c.Email, a.BaseURL+"/f/confirm/"+optToken)); err != nil {
				return err
			}
			out.OptInSent = true
		}
		return a.notifyForm(ctx, tx, fm, c, vals, out.Created)
	})
	if err != nil || out.Dropped {
		return out, err
	}
	if err := a.rescoreContacts(ctx, []int64{out.ContactID}); err != nil {
		a.Log.Error("forms: rescore after a submission", "contact", out.ContactID, "err", err)
	}
	a.enrolFromForm(ctx, fm.ID, out.ContactID) // sequences that take this form's submitters
	return out, nil
}

// applyFormValues copies the submitted values onto the contact. A public
// form proves nothing about who typed an e-mail address, so on a contact
// that already exists a value only fills an empty field: an anonymous
// post cannot rewrite a known person's name, phone or title (the values
// as submitted are kept on the submission and its timeline entry, for a
// person to review). A new contact takes every value given.
func applyFormValues(c *crm.Contact, vals map[string]string, props map[string]any, existing bool) {
	set := func(dst *string, key string) {
		if v := vals[key]; v != "" && (!existing || *dst == "") {
			*dst = v
		}
	}
	set(&c.Family, crm.FieldFamilyName)
	set(&c.Given, crm.FieldGivenName)
	set(&c.FamilyReading, crm.FieldFamilyReading)
	set(&c.GivenReading, crm.FieldGivenReading)
	set(&c.Phone, crm.FieldPhone)
	set(&c.JobTitle, crm.FieldJobTitle)
	set(&c.Department, crm.FieldDepartment)
	if len(props) > 0 {
		merged := make(map[string]any, len(c.Props)+len(props))
		for k, v := range c.Props {
			merged[k] = v
		}
		for k, v := range props {
			if _, had := merged[k]; !existing || !had {
				merged[k] = v
			}
		}
		c.Props = merged
	}
}

// validateFormContact normalises the contact and maps its validation
// messages to the form's field keys.
func validateFormContact(c *crm.Contact) error {
	c.Normalize()
	if err := c.Validate(true); err != nil {
		return err
	}
	return nil
}

// contactHook is a contact as webhooks carry it (the same shape in every
// event: ContactPayload, webhooks.go).
func contactHook(c crm.Contact) map[string]any { return ContactPayload(c) }

// notifyForm queues the notification e-mails of a submission.
func (a *App) notifyForm(ctx context.Context, tx *store.Tx, fm crm.Form, c crm.Contact, vals map[string]string, created bool) error {
	if len(fm.NotifyUsers) == 0 && len(fm.NotifyEmails) == 0 {
		return nil
	}
	link := fmt.Sprintf("%s/contacts/%d", a.BaseURL, c.ID)
	for _, id := range fm.NotifyUsers {
		u, err := tx.User(ctx, id)
		if err != nil || u.Status == crm.UserDeactivated {
			continue
		}
		m := notifyMail(u.Language, fm, c, vals, created, link)
		m.To, m.ToName = u.Email, u.Name
		if err := a.queueMail(ctx, tx, m); err != nil {
			return err
		}
	}
	lang := crm.LangJA
	if ws, _, err := a.Workspace(ctx); err == nil && ws.Language != "" {
		lang = ws.Language
	}
	for _, to := range fm.NotifyEmails {
		m := notifyMail(lang, fm, c, vals, created, link)
		m.To = to
		if err := a.queueMail(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

// ConfirmOptIn confirms a double opt-in: the contact's consent becomes
// granted and the ledger records it. A used link confirms again without
// harm; an unknown or expired one is crm.ErrNotFound.
func (a *App) ConfirmOptIn(ctx context.Context, token, ip string) error {
	hash := hashToken(token)
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		o, err := tx.FormOptIn(ctx, hash)
		if err != nil {
			return err
		}
		now := a.now()
		if !o.ConfirmedAt.IsZero() {
			return nil
		}
		if now.After(o.ExpiresAt) {
			return crm.ErrNotFound
		}
		c, err := tx.Contact(ctx, o.ContactID)
		if err != nil {
			return err
		}
		old := c.Consent
		c.Consent = crm.ConsentGranted
		if err := tx.UpdateContact(ctx, &c, now); err != nil {
			return err
		}
		if err := tx.AddConsentEvent(ctx, &store.ConsentEvent{ContactID: c.ID, At: now, Status: crm.ConsentGranted,
			Source: "double_opt_in", Wording: o.Wording, PageURL: o.PageURL, IP: ip}); err != nil {
			return err
		}
		if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: c.ID, Kind: KindConsent,
			Data: map[string]any{"from": string(old), "to": string(crm.ConsentGranted), "source": "double_opt_in"}}); err != nil {
			return err
		}
		return tx.ConfirmFormOptIn(ctx, hash, now)
	})
}

// CheckOptIn reports whether an opt-in link is valid (for the page that
// asks to confirm).
func (a *App) CheckOptIn(ctx context.Context, token string) error {
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		o, err := tx.FormOptIn(ctx, hashToken(token))
		if err != nil {
			return err
		}
		if o.ConfirmedAt.IsZero() && a.now().After(o.ExpiresAt) {
			return crm.ErrNotFound
		}
		return nil
	})
}

// formSecretKey is the settings key of the secret that signs form tokens.
const formSecretKey = "forms_secret"

// FormSecret returns the server secret that signs the timestamped tokens
// of rendered forms (the minimum fill time), creating it on first use.
func (a *App) FormSecret(ctx context.Context) ([]byte, error) {
	return a.secret(ctx, formSecretKey)
}

// mailSecretKey is the settings key of the secret that signs the links in
// marketing e-mail (unsubscribe, open pixel, clicks).
const mailSecretKey = "mail_link_secret"

// MailSecret returns the server secret that signs the links in marketing
// e-mail (package mailtoken), creating it on first use.
func (a *App) MailSecret(ctx context.Context) ([]byte, error) {
	return a.secret(ctx, mailSecretKey)
}

// secret returns a 256-bit server secret kept in the settings table,
// creating it on first use. It lives in the database, so every process
// behind a load balancer shares it.
func (a *App) secret(ctx context.Context, key string) ([]byte, error) {
	var doc struct {
		Key string `json:"key"`
	}
	for range 3 {
		if _, err := a.Store.Setting(ctx, key, &doc); err == nil {
			return base64.RawURLEncoding.DecodeString(doc.Key)
		} else if !errors.Is(err, crm.ErrNotFound) {
			return nil, err
		}
		b := make([]byte, 32)
		rand.Read(b)
		doc.Key = base64.RawURLEncoding.EncodeToString(b)
		err := a.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.PutSetting(ctx, key, doc, 0, a.now())
			return err
		})
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, crm.ErrStale) {
			return nil, err
		}
		// Another process created it first: read theirs.
	}
	return nil, fmt.Errorf("cannot create the secret %s", key)
}

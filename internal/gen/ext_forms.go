package gen

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// streamForms is the forms extension's random stream.
const streamForms = 105

// formsExtension adds lead-capture forms to the generated world: four
// forms (資料請求, お問い合わせ, ウェビナー申込, ニュースレター登録), a submission for
// every person who came in through a web form in the last 90 days, more
// submissions from marketing-sourced and warmer people, their timeline
// entries and events, and daily views and refused spam.
func formsExtension(w *World) Extension { return &formsExt{w: w} }

type formsExt struct {
	w                          *World
	forms, subs, tl, ev, stats *store.BulkTable
	defs                       []crm.Form
	perDay                     map[[2]int64]int64 // (form, day) → submissions
}

type formDef struct {
	ja, en, path string
	fields       []string
}

var genForms = []formDef{
	{"資料請求", "Download the guide", "/download", []string{"email", "family_name", "given_name", "company", "job_title", "consent"}},
	{"お問い合わせ", "Contact us", "/contact", []string{"email", "family_name", "given_name", "company", "phone", "consent"}},
	{"ウェビナー申込", "Webinar sign-up", "/webinar", []string{"email", "family_name", "given_name", "company", "department", "consent"}},
	{"ニュースレター登録", "Newsletter", "/newsletter", []string{"email", "consent"}},
}

var genLabels = map[string]labelPair{
	"email": {JA: "メールアドレス", EN: "E-mail"}, "family_name": {JA: "姓", EN: "Last name"}, "given_name": {JA: "名", EN: "First name"},
	"company": {JA: "会社名", EN: "Company"}, "job_title": {JA: "役職", EN: "Job title"}, "phone": {JA: "電話番号", EN: "Phone"},
	"department": {JA: "部署", EN: "Department"},
	"consent":    {JA: "プライバシーポリシーに同意し、メールでの情報提供を希望します。", EN: "I agree to the privacy policy and would like to receive e-mails."},
}

func (x *formsExt) Tables(ctx context.Context, b *store.Bulk) (err error) {
	if x.forms, err = b.Table(ctx, "forms", "id", "name", "form_key", "title_ja", "title_en", "fields", "thanks_ja", "thanks_en",
		"double_optin", "created_at", "updated_at"); err != nil {
		return err
	}
	if x.subs, err = b.Table(ctx, "form_submissions", "form_id", "contact_id", "at", "new_contact", "vals", "page_url",
		"referrer", "utm_source", "utm_medium", "utm_campaign", "first_referrer", "first_utm_source", "first_utm_medium",
		"first_utm_campaign", "ip", "user_agent"); err != nil {
		return err
	}
	if x.tl, err = b.Table(ctx, "timeline", "at", "contact_id", "kind", "data"); err != nil {
		return err
	}
	if x.ev, err = b.Table(ctx, "events", "visitor_id", "contact_id", "at", "kind", "name", "host", "path", "referrer",
		"referrer_host", "utm_source", "utm_medium", "utm_campaign"); err != nil {
		return err
	}
	if x.stats, err = b.Table(ctx, "form_stats", "form_id", "day", "views", "spam"); err != nil {
		return err
	}
	r := x.w.Rand(streamForms, -1)
	created := x.w.start.Add(-120 * 24 * time.Hour).UnixMilli()
	x.perDay = map[[2]int64]int64{}
	for i, d := range genForms {
		key := fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64())
		fm := crm.Form{ID: int64(i + 1), Name: x.w.pick(labelPair{JA: d.ja, EN: d.en}), Key: key, TitleJA: d.ja, TitleEN: d.en}
		for _, k := range d.fields {
			l := genLabels[k]
			fm.Fields = append(fm.Fields, crm.FormField{Key: k, LabelJA: l.JA, LabelEN: l.EN, Required: k == "email" || k == "family_name"})
		}
		fields, _ := json.Marshal(fm.Fields)
		if err := x.forms.Add(ctx, fm.ID, fm.Name, key, d.ja, d.en, string(fields), "", "", boolInt(i == 3), created, created); err != nil {
			return err
		}
		x.defs = append(x.defs, fm)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The campaigns are those of the tracked visits (genCampaigns) and of the
// demo's campaigns (ext_campaigns.go).
var genUTM = [][3]string{{"google", "cpc", "brand_search"}, {"google", "organic", ""}, {"newsletter", "email", "monthly_news"},
	{"facebook", "social", "spring_webinar"}, {"linkedin", "social", "spring_webinar"}, {"", "", ""}}

func (x *formsExt) Company(ctx context.Context, co *Company, people []Person) error {
	w := x.w
	from := w.now.Add(-90 * 24 * time.Hour)
	for i := range people {
		p := &people[i]
		r := w.Rand(streamForms, p.Index)
		var times []time.Time
		var first bool
		if p.OriginalSource == crm.SourceWebForm && p.CreatedAt.After(from) {
			times, first = append(times, p.CreatedAt), true
		}
		// Warm marketing-sourced people come back for more material.
		if p.Group == crm.GroupMarketing && chance(r, 0.15+0.5*p.Temperature) {
			at := from.Add(time.Duration(r.Int64N(int64(w.now.Sub(from)))))
			if at.After(p.CreatedAt) {
				times = append(times, at)
			}
		}
		for j, at := range times {
			fm := x.defs[r.IntN(len(x.defs))]
			if err := x.submit(ctx, r, co, p, fm, at, first && j == 0); err != nil {
				return err
			}
		}
	}
	return nil
}

func (x *formsExt) submit(ctx context.Context, r *rand.Rand, co *Company, p *Person, fm crm.Form, at time.Time, isNew bool) error {
	w := x.w
	vals := map[string]string{}
	for _, f := range fm.Fields {
		switch f.Key {
		case "email":
			vals["email"] = p.Email
		case "family_name":
			vals["family_name"] = p.Family
		case "given_name":
			vals["given_name"] = p.Given
		case "company":
			vals["company"] = co.Name
		case "job_title":
			vals["job_title"] = p.JobTitle
		case "department":
			vals["department"] = p.Department
		case "phone":
			vals["phone"] = p.Phone
		case "consent":
			if p.Consent == crm.ConsentGranted || p.Consent == crm.ConsentPending {
				vals["consent"] = "yes"
			}
		}
		if vals[f.Key] == "" {
			delete(vals, f.Key)
		}
	}
	raw, _ := json.Marshal(vals)
	utm := genUTM[r.IntN(len(genUTM))]
	path := genForms[fm.ID-1].path
	page := "https://www." + w.Domain + path
	if utm[0] != "" {
		page += "?utm_source=" + utm[0] + "&utm_medium=" + utm[1] + "&utm_campaign=" + utm[2]
	}
	ref := ""
	if utm[1] == "organic" {
		ref = "https://www.google.com/"
	}
	ms := at.UnixMilli()
	if err := x.subs.Add(ctx, fm.ID, p.ID, ms, boolInt(isNew), string(raw), page, ref, utm[0], utm[1], utm[2],
		ref, utm[0], utm[1], utm[2], testIP(r), "Mozilla/5.0 (demo)"); err != nil {
		return err
	}
	data, _ := json.Marshal(map[string]any{"form": fm.Name, "form_id": fm.ID, "values": vals, "page_url": page})
	if err := x.tl.Add(ctx, ms, p.ID, "form", string(data)); err != nil {
		return err
	}
	refHost := ""
	if ref != "" {
		refHost = "www.google.com"
	}
	if err := x.ev.Add(ctx, "", p.ID, ms, "form", fm.Key, "www."+w.Domain, path, ref, refHost, utm[0], utm[1], utm[2]); err != nil {
		return err
	}
	day := time.Date(at.In(w.jst).Year(), at.In(w.jst).Month(), at.In(w.jst).Day(), 0, 0, 0, 0, w.jst).UnixMilli()
	x.perDay[[2]int64{fm.ID, day}]++
	return nil
}

// Done writes the daily views (submissions are 2–8% of views) and the
// spam the forms refused.
func (x *formsExt) Done(ctx context.Context) error {
	w := x.w
	r := w.Rand(streamForms, -2)
	end := w.now.In(w.jst)
	first := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, w.jst).AddDate(0, 0, -89)
	for _, fm := range x.defs {
		for d := first; !d.After(end); d = d.AddDate(0, 0, 1) {
			n := x.perDay[[2]int64{fm.ID, d.UnixMilli()}]
			views := n*int64(12+r.IntN(38)) + int64(r.IntN(15))
			spam := int64(0)
			if chance(r, 0.3) {
				spam = int64(1 + r.IntN(6))
			}
			if err := x.stats.Add(ctx, fm.ID, d.UnixMilli(), views, spam); err != nil {
				return err
			}
		}
	}
	return nil
}

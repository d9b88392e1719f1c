package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// Shared pieces of the contact and company pages: choices, names, custom
// property inputs and values, and the timeline.

// directory holds the names of users and teams, to show owners and teams
// by name and to offer them in selects.
type directory struct {
	Users     []crm.User // active users, for owner selects
	Teams     []crm.Team
	userNames map[int64]string
	teamNames map[int64]string
}

// UserName returns a user's name, "" for 0 or an unknown id.
func (d *directory) UserName(id int64) string { return d.userNames[id] }

// TeamName returns a team's name, "" for 0 or an unknown id.
func (d *directory) TeamName(id int64) string { return d.teamNames[id] }

// loadDirectory reads the users and teams.
func (s *server) loadDirectory(ctx context.Context, rq *req) (*directory, error) {
	d := &directory{userNames: map[int64]string{}, teamNames: map[int64]string{}}
	var after int64
	for {
		users, err := s.app.ListUsers(ctx, rq.actor, store.UserFilter{AfterID: after, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			d.userNames[u.ID] = u.Name
			if u.Status == crm.UserActive {
				d.Users = append(d.Users, u)
			}
		}
		if len(users) < 500 {
			break
		}
		after = users[len(users)-1].ID
	}
	teams, err := s.app.Teams(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	d.Teams = teams
	for _, t := range teams {
		d.teamNames[t.ID] = t.Name
	}
	return d, nil
}

// ownerOptions lists the users to choose as owner, after a first choice
// labelled by noneKey ("" value).
func (d *directory) ownerOptions(lang crm.Language, noneKey string) []option {
	out := []option{{"", i18n.T(lang, noneKey)}}
	for _, u := range d.Users {
		out = append(out, option{strconv.FormatInt(u.ID, 10), u.Name})
	}
	return out
}

// teamOptions lists the teams, after "no team".
func (d *directory) teamOptions(lang crm.Language) []option {
	out := []option{{"", i18n.T(lang, "users.no_team")}}
	for _, t := range d.Teams {
		out = append(out, option{strconv.FormatInt(t.ID, 10), t.Name})
	}
	return out
}

// labelled returns options for values whose labels are the catalogue keys
// prefix+value, after an optional first choice (first != "" is a key).
func labelled[T ~string](lang crm.Language, prefix, first string, values []T) []option {
	var out []option
	if first != "" {
		out = append(out, option{"", i18n.T(lang, first)})
	}
	for _, v := range values {
		out = append(out, option{string(v), i18n.T(lang, prefix+string(v))})
	}
	return out
}

// The values of the contact fields with fixed choices.
var (
	leadStatuses = []crm.LeadStatus{crm.LeadNew, crm.LeadWorking, crm.LeadAccepted, crm.LeadRejected, crm.LeadRecycled}
	consents     = []crm.Consent{crm.ConsentUnknown, crm.ConsentGranted, crm.ConsentPending, crm.ConsentWithdrawn}
	sources      = []crm.Source{crm.SourceManual, crm.SourceImportSales, crm.SourceBusinessCard, crm.SourceAPI,
		crm.SourceWebForm, crm.SourceTrackedVisit, crm.SourceEmail, crm.SourceCampaign, crm.SourceEvent,
		crm.SourceSurvey, crm.SourceImportMkt}
)

// displayName is a contact's name as a list or heading shows it: 山田 太郎 様
// in Japanese, Taro Yamada in English; the e-mail address when there is no
// name.
func displayName(lang crm.Language, c crm.Contact) string {
	name := c.Name(lang)
	if name == "" {
		if c.Email != "" {
			return c.Email
		}
		return i18n.T(lang, "contacts.no_name")
	}
	if lang == crm.LangJA && c.Honorific != "" {
		return name + " " + c.Honorific
	}
	return name
}

// stageBadge is the colour of a lifecycle stage's badge.
func stageBadge(l crm.Lifecycle) string {
	switch l {
	case crm.StageSubscriber:
		return "bg-secondary-lt"
	case crm.StageLead:
		return "bg-azure-lt"
	case crm.StageMQL:
		return "bg-indigo-lt"
	case crm.StageSQL:
		return "bg-purple-lt"
	case crm.StageOpportunity:
		return "bg-orange-lt"
	case crm.StageCustomer:
		return "bg-green-lt"
	case crm.StageDisqualified:
		return "bg-red-lt"
	}
	return "bg-secondary-lt"
}

// consentBadge is the colour of a consent status's badge.
func consentBadge(c crm.Consent) string {
	switch c {
	case crm.ConsentGranted:
		return "bg-green-lt"
	case crm.ConsentWithdrawn:
		return "bg-red-lt"
	case crm.ConsentPending:
		return "bg-yellow-lt"
	}
	return "bg-secondary-lt"
}

// formatNumber shows a number without a needless ".0" and with thousands
// separators for whole numbers.
func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return i18n.Number(int64(f))
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// propText formats a stored custom property value for display.
func propText(lang crm.Language, p crm.Property, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return i18n.T(lang, "common.yes")
		}
		return i18n.T(lang, "common.no")
	case float64:
		return formatNumber(x)
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return formatNumber(f)
		}
		return x.String()
	case string:
		if p.Type == crm.PropDate {
			if d, err := time.Parse(time.DateOnly, x); err == nil {
				return i18n.Date(lang, d)
			}
		}
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, listSep(lang))
	case []string:
		return strings.Join(x, listSep(lang))
	}
	return fmt.Sprint(v)
}

func listSep(lang crm.Language) string {
	if lang == crm.LangJA {
		return "、"
	}
	return ", "
}

// propFormValue is a stored value as a form input holds it.
func propFormValue(p crm.Property, v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		return []string{strconv.FormatBool(x)}
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = fmt.Sprint(e)
		}
		return out
	case []string:
		return x
	}
	return []string{fmt.Sprint(v)}
}

// propField is the form field name of a custom property; it is also the
// field the domain names in its validation messages.
func propField(key string) string { return "props." + key }

// propRow is one custom property with its value, for detail pages.
type propRow struct {
	Label, Value string
	URL          bool // the value is a web address to link
}

// propRows lists the properties that have a value.
func propRows(lang crm.Language, defs []crm.Property, values map[string]any) []propRow {
	var out []propRow
	for _, p := range defs {
		v, ok := values[p.Key]
		if !ok || v == nil {
			continue
		}
		text := propText(lang, p, v)
		if text == "" {
			continue
		}
		out = append(out, propRow{Label: p.Label(lang), Value: text, URL: p.Type == crm.PropURL && safeURL(text)})
	}
	return out
}

// safeURL reports whether s is an http(s) address, safe to link.
func safeURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// propInput is the data of one custom property control in a form.
type propInput struct {
	ID, Name, Label, Type, Value, Error string
	Values                              []string // multi_choice: the chosen values
	Options                             []option // choice, multi_choice, bool
}

// Checked reports whether a multiple-choice value is chosen.
func (in propInput) Checked(v string) bool { return slices.Contains(in.Values, v) }

// propInputs builds the controls of the custom properties from a form.
func propInputs(lang crm.Language, f *form, defs []crm.Property) []propInput {
	out := make([]propInput, 0, len(defs))
	for _, p := range defs {
		name := propField(p.Key)
		in := propInput{ID: "f-prop-" + p.Key, Name: name, Label: p.Label(lang), Type: string(p.Type),
			Value: f.Get(name), Values: f.Values[name], Error: f.Error(name)}
		switch p.Type {
		case crm.PropChoice:
			in.Options = append(in.Options, option{"", "—"})
			fallthrough
		case crm.PropMultiChoice:
			for _, o := range p.Options {
				in.Options = append(in.Options, option{o, o})
			}
		case crm.PropBool:
			in.Options = []option{{"", "—"}, {"true", i18n.T(lang, "common.yes")}, {"false", i18n.T(lang, "common.no")}}
		}
		out = append(out, in)
	}
	return out
}

// setPropValues puts stored property values into a form.
func setPropValues(f *form, defs []crm.Property, values map[string]any) {
	for _, p := range defs {
		if vs := propFormValue(p, values[p.Key]); len(vs) > 0 {
			f.Values[propField(p.Key)] = vs
		}
	}
}

// propsFromForm reads the custom property values of a form: every defined
// property is sent, so an emptied field clears its value.
func propsFromForm(f *form, defs []crm.Property) map[string]any {
	out := make(map[string]any, len(defs))
	for _, p := range defs {
		name := propField(p.Key)
		if p.Type == crm.PropMultiChoice {
			out[p.Key] = append([]string{}, f.Values[name]...)
			continue
		}
		out[p.Key] = f.Get(name)
	}
	return out
}

// splitTags reads a comma-separated list of tags (、 and ， count as commas).
func splitTags(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '、' || r == '，' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// renameFields moves validation messages from one field name to another
// (company_id → company), so they show under the control that has them.
func renameFields(err error, renames map[string]string) error {
	v, ok := crm.AsValidation(err)
	if !ok {
		return err
	}
	out := &crm.ValidationError{}
	for f, m := range v.Fields {
		if to, ok := renames[f]; ok {
			f = to
		}
		out.Add(f, m)
	}
	return out.Err()
}

// ---- timeline ----

// timelinePageSize is how many entries one page of a timeline shows.
const timelinePageSize = 25

// timelineItem is one timeline entry as the page shows it.
type timelineItem struct {
	At      time.Time
	Icon    string
	Color   string
	Title   string
	Actor   string
	Detail  string // one line of extra text
	Changes []changeRow
	Values  []valueRow // what was submitted (forms)
	// ContactID links an entry of a company's timeline to its contact;
	// ContactName names it when known.
	ContactID   int64
	ContactName string
}

// changeRow is one changed field of an edit.
type changeRow struct{ Field, Old, New string }

// timelineView is one page of a timeline.
type timelineView struct {
	Items []timelineItem
	// Older is the query of the next (older) page, "" on the last;
	// Newer is set when this is not the first page.
	Older string
	Newer bool
}

// timelineCursor reads the before=AT_ID parameter of a timeline page.
func timelineCursor(v url.Values, f *store.TimelineFilter) {
	at, id, ok := strings.Cut(v.Get("before"), "_")
	if !ok {
		return
	}
	ms, err1 := strconv.ParseInt(at, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || n <= 0 {
		return
	}
	f.BeforeAt, f.BeforeID = time.UnixMilli(ms).UTC(), n
}

// timelineView reads one page of a record's timeline and turns it into
// items.
func (s *server) timelineView(ctx context.Context, rq *req, f store.TimelineFilter, v url.Values, defs []crm.Property, dir *directory) (timelineView, error) {
	var tv timelineView
	timelineCursor(v, &f)
	tv.Newer = f.BeforeID != 0
	f.Limit = timelinePageSize + 1
	entries, err := s.app.Timeline(ctx, rq.actor, f)
	if err != nil {
		return tv, err
	}
	if len(entries) > timelinePageSize {
		entries = entries[:timelinePageSize]
		last := entries[len(entries)-1]
		tv.Older = fmt.Sprintf("%d_%d", last.At.UnixMilli(), last.ID)
	}
	for _, e := range entries {
		tv.Items = append(tv.Items, timelineEntry(rq.lang, e, defs, dir, f.CompanyID != 0))
	}
	return tv, nil
}

// timelineEntry describes one entry.
func timelineEntry(lang crm.Language, e store.TimelineEntry, defs []crm.Property, dir *directory, company bool) timelineItem {
	it := timelineItem{At: e.At, Actor: e.ActorName, Icon: "ti-point", Color: "bg-secondary-lt"}
	if company && e.ContactID != 0 {
		it.ContactID = e.ContactID
	}
	str := func(k string) string {
		if v, ok := e.Data[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	key := "timeline.kind." + e.Kind
	if i18n.Has(lang, key) {
		it.Title = i18n.T(lang, key)
	} else {
		it.Title = e.Kind
	}
	switch e.Kind {
	case app.KindCreated:
		it.Icon, it.Color = "ti-plus", "bg-green-lt"
		if src := str("source"); src != "" && i18n.Has(lang, "source."+src) {
			it.Detail = i18n.T(lang, "timeline.source", i18n.T(lang, "source."+src))
		}
	case app.KindUpdated:
		it.Icon, it.Color = "ti-pencil", "bg-azure-lt"
		if b, _ := e.Data["bulk"].(bool); b {
			it.Detail = i18n.T(lang, "timeline.bulk")
		}
	case app.KindImported:
		it.Icon, it.Color = "ti-file-import", "bg-indigo-lt"
		if name := str("file"); name != "" {
			if str("action") == "updated" {
				it.Detail = i18n.T(lang, "timeline.import_updated", name)
			} else {
				it.Detail = i18n.T(lang, "timeline.import_created", name)
			}
		}
	case app.KindMerged:
		it.Icon, it.Color = "ti-git-merge", "bg-purple-lt"
		name := str("merged_name")
		if name == "" {
			name = str("merged_email")
		} else if em := str("merged_email"); em != "" {
			name += " <" + em + ">"
		}
		if name != "" {
			it.Detail = i18n.T(lang, "timeline.merged_with", name)
		}
	case app.KindConsent:
		it.Icon, it.Color = "ti-shield-check", "bg-yellow-lt"
		from, to := str("from"), str("to")
		if to != "" {
			it.Detail = i18n.T(lang, "timeline.consent_change", consentLabel(lang, from), consentLabel(lang, to))
		}
	case "emailed":
		it.Icon, it.Color = "ti-mail", "bg-cyan-lt"
		it.Detail = str("subject")
	case app.KindNote:
		it.Icon, it.Color = "ti-notes", "bg-secondary-lt"
		it.Detail = str("text")
	case app.KindVisit, app.KindWebEvent: // web tracking (routes_tracking.go)
		visitItem(lang, e, &it)
	case app.KindStage:
		stageTimeline(lang, e, &it) // scoring: a lifecycle stage move and why
	case app.KindForm: // forms: routes_forms.go
		formTimelineEntry(lang, e, &it)
	case app.KindSurvey: // surveys: routes_surveys.go
		surveyTimelineEntry(lang, e, &it)
	}
	if strings.HasPrefix(e.Kind, "email_") { // marketing e-mail recipients (routes_email_recipients.go)
		emailTimeline(lang, e, &it)
	}
	handoffTimelineDetail(lang, e, &it) // hand-off entries
	if e.Kind == app.KindActivity {     // activities (routes_activities.go)
		activityTimeline(lang, e, &it)
	}
	if strings.HasPrefix(e.Kind, "deal_") { // sales: deal events (sales.go)
		dealTimeline(lang, &it, e)
	}
	if ch, ok := e.Data["changes"].(map[string]any); ok {
		it.Changes = changeRows(lang, ch, defs, dir)
	}
	return it
}

func consentLabel(lang crm.Language, c string) string {
	if c == "" {
		c = string(crm.ConsentUnknown)
	}
	if k := "consent." + c; i18n.Has(lang, k) {
		return i18n.T(lang, k)
	}
	return c
}

// changeRows lists the changed fields of an edit, with translated field
// names and values, in a stable order.
func changeRows(lang crm.Language, ch map[string]any, defs []crm.Property, dir *directory) []changeRow {
	byKey := map[string]crm.Property{}
	for _, p := range defs {
		byKey[p.Key] = p
	}
	fields := make([]string, 0, len(ch))
	for f := range ch {
		fields = append(fields, f)
	}
	order := func(f string) int {
		i := slices.Index(changeOrder, f)
		if i < 0 {
			return len(changeOrder)
		}
		return i
	}
	slices.SortFunc(fields, func(a, b string) int {
		if d := order(a) - order(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	var out []changeRow
	for _, f := range fields {
		pair, _ := ch[f].([]any)
		var oldV, newV any
		if len(pair) == 2 {
			oldV, newV = pair[0], pair[1]
		}
		row := changeRow{Field: f}
		value := func(v any) string { return fmt.Sprint(v) }
		switch {
		case strings.HasPrefix(f, "props."):
			p, ok := byKey[strings.TrimPrefix(f, "props.")]
			if ok {
				row.Field = p.Label(lang)
				value = func(v any) string { return propText(lang, p, v) }
			} else {
				row.Field = strings.TrimPrefix(f, "props.")
			}
		case i18n.Has(lang, "field."+f):
			row.Field = i18n.T(lang, "field."+f)
		}
		switch f {
		case "owner_id":
			value = func(v any) string { return dir.UserName(idOf(v)) }
		case "team_id":
			value = func(v any) string { return dir.TeamName(idOf(v)) }
		case "lifecycle_stage":
			value = func(v any) string { return choiceLabel(lang, "lifecycle.", v) }
		case "lead_status":
			value = func(v any) string { return choiceLabel(lang, "lead_status.", v) }
		case "consent":
			value = func(v any) string { return choiceLabel(lang, "consent.", v) }
		}
		if oldV != nil {
			row.Old = value(oldV)
		}
		if newV != nil {
			row.New = value(newV)
		}
		out = append(out, row)
	}
	return out
}

// changeOrder is the order in which an edit's changes are listed.
var changeOrder = []string{"email", "family_name", "given_name", "family_reading", "given_reading", "honorific",
	"name", "reading", "company", "job_title", "department", "phone", "domain", "industry", "employees",
	"postal_code", "prefecture", "city", "street", "owner_id", "team_id", "lifecycle_stage", "lead_status",
	"consent", "tags"}

func idOf(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case int64:
		return x
	case json.Number:
		n, _ := x.Int64()
		return n
	}
	return 0
}

func choiceLabel(lang crm.Language, prefix string, v any) string {
	s := fmt.Sprint(v)
	if s == "" {
		return ""
	}
	if i18n.Has(lang, prefix+s) {
		return i18n.T(lang, prefix+s)
	}
	return s
}

// peopleFuncs are the template functions of the people pages.
func peopleFuncs(lang crm.Language) template.FuncMap {
	return template.FuncMap{
		"personName": func(c crm.Contact) string { return displayName(lang, c) },
		"reading":    func(c crm.Contact) string { return c.PersonName.Reading() },
		"stage": func(l crm.Lifecycle) string {
			return choiceLabel(lang, "lifecycle.", string(l))
		},
		"stageBadge": stageBadge,
		"leadStatus": func(l crm.LeadStatus) string { return choiceLabel(lang, "lead_status.", string(l)) },
		"consent":    func(c crm.Consent) string { return consentLabel(lang, string(c)) },
		"consentSource": func(src string) string {
			return choiceLabel(lang, "consent_source.", src)
		},
		"consentBadge": func(c crm.Consent) string {
			return consentBadge(c)
		},
		"source":   func(s crm.Source) string { return choiceLabel(lang, "source.", string(s)) },
		"address":  func(c crm.Company) string { return c.Address(lang) },
		"number":   func(n int) string { return i18n.Number(int64(n)) },
		"propType": func(t crm.PropertyType) string { return i18n.T(lang, "properties.type."+string(t)) },
		"propLabel": func(p crm.Property) string {
			return p.Label(lang)
		},
		"reasons": func(rs []store.DuplicateReason) string {
			parts := make([]string, len(rs))
			for i, r := range rs {
				parts[i] = i18n.T(lang, "duplicates.reason."+string(r))
			}
			return strings.Join(parts, listSep(lang))
		},
		"join": func(list []string) string { return strings.Join(list, listSep(lang)) },
		// Choices for selects; first is the catalogue key of an empty first
		// choice ("" = none).
		"stageChoices": func(first string) []option { return labelled(lang, "lifecycle.", first, crm.Lifecycles) },
		"leadChoices": func(first string, withNone bool) []option {
			out := labelled(lang, "lead_status.", first, leadStatuses)
			if withNone {
				out = slices.Insert(out, 1, option{"none", i18n.T(lang, "lead_status.none")})
			}
			return out
		},
		"consentChoices": func(first string) []option { return labelled(lang, "consent.", first, consents) },
		"sourceChoices":  func(first string) []option { return labelled(lang, "source.", first, sources) },
		"ownerChoices":   func(d *directory) []option { return d.ownerOptions(lang, "contacts.no_owner") },
		"teamChoices":    func(d *directory) []option { return d.teamOptions(lang) },
		"objectChoices":  func() []option { return objectOptions(lang) },
		"typeChoices":    func() []option { return typeOptions(lang) },
		"encodingChoices": func() []option {
			return []option{{"auto", i18n.T(lang, "imports.encoding.auto")}, {"utf-8", "UTF-8"}, {"shift_jis", "Shift_JIS"}}
		},
		"optionsAttr": func(p crm.Property) string {
			if p.Type == crm.PropBool {
				return "true|false"
			}
			return strings.Join(p.Options, "|")
		},
		"plus": func(a, b int) int { return a + b },
		"encodingName": func(enc string) string {
			switch enc {
			case "utf-8":
				return "UTF-8"
			case "shift_jis":
				return "Shift_JIS"
			}
			return enc
		},
		"errorText": func(msg string) string { return i18n.Error(lang, msg) },
		"countText": func(n int) string {
			if n == 0 {
				return ""
			}
			return i18n.Number(int64(n))
		},
		"timelineArgs": func(tv timelineView, loc *time.Location, base string) timelineArgs {
			return timelineArgs{TL: tv, Loc: loc, Base: base}
		},
		"kv": func(label, value string) kvPair { return kvPair{Label: label, Value: value} },
		// telURL is a tel: link to a phone number; the number is escaped,
		// so the link cannot become anything but a tel: URL.
		"telURL": func(phone string) template.URL {
			return template.URL("tel:" + url.PathEscape(strings.ReplaceAll(phone, " ", "")))
		},
	}
}

// timelineArgs is the argument of the "timeline" template.
type timelineArgs struct {
	TL   timelineView
	Loc  *time.Location
	Base string // the record's page, for the paging links
}

// kvPair is the argument of the "detailrow" template.
type kvPair struct{ Label, Value string }

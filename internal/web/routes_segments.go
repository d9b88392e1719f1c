package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// segmentsRoutes are the UI routes of segments and static lists. Reading
// is open to every role; building segments is marketing's work.
func (s *server) segmentsRoutes() []route {
	return []route{
		{"GET", "/marketing/segments", crm.PermReadAll, s.segmentsPage, false},
		{"POST", "/marketing/segments", crm.PermWriteMarketing, s.segmentCreate, false},
		{"GET", "/marketing/segments/new", crm.PermWriteMarketing, s.segmentNew, false},
		{"POST", "/marketing/segments/preview", crm.PermReadAll, s.segmentPreview, false},
		{"GET", "/marketing/segments/{id}", crm.PermReadAll, s.segmentPage, false},
		{"POST", "/marketing/segments/{id}", crm.PermWriteMarketing, s.segmentUpdate, false},
		{"GET", "/marketing/segments/{id}/edit", crm.PermWriteMarketing, s.segmentEdit, false},
		{"POST", "/marketing/segments/{id}/delete", crm.PermWriteMarketing, s.segmentDelete, false},
		{"POST", "/marketing/segments/{id}/static", crm.PermWriteMarketing, s.segmentSaveStatic, false},
		{"POST", "/marketing/segments/{id}/members", crm.PermWriteMarketing, s.segmentAddMembers, false},
		{"POST", "/marketing/segments/{id}/members/remove", crm.PermWriteMarketing, s.segmentRemoveMember, false},
	}
}

// segmentRow is one segment of the list page.
type segmentRow struct {
	crm.Segment
	Count   int
	Summary string
}

type segmentsListData struct {
	Segments []segmentRow
}

func (s *server) segmentsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	gs, err := s.app.Segments(ctx, rq.actor)
	if err != nil {
		return err
	}
	lx, err := s.segmentLexicon(r, rq)
	if err != nil {
		return err
	}
	d := segmentsListData{}
	for _, g := range gs {
		n, err := s.app.SegmentCount(ctx, rq.actor, g.ID)
		if err != nil {
			return err
		}
		d.Segments = append(d.Segments, segmentRow{Segment: g, Count: n, Summary: lx.describe(g)})
	}
	p := s.newPage(w, r, rq, "segments.title")
	p.Section = "marketing"
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "segments_list", p)
	return nil
}

// ---- the builder ----

// builderField is a field of the allow-list as the builder's script needs it.
type builderField struct {
	Name    string         `json:"name"`
	Label   string         `json:"label"`
	Group   string         `json:"group"`
	Type    string         `json:"type"`
	Ops     []builderLabel `json:"ops"`
	Options []builderLabel `json:"options,omitempty"`
}

type builderLabel struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// segmentBuilderData is the content of the builder page.
type segmentBuilderData struct {
	Segment crm.Segment
	Action  string
	// Setup is the JSON the script reads (from a data attribute): fields,
	// texts, the filter and the messages of a refused save.
	Setup string
}

// segmentLexicon names fields, operators and values for people.
type segmentLexicon struct {
	lang   crm.Language
	fields map[string]builderField
	order  []string
}

func (s *server) segmentLexicon(r *http.Request, rq *req) (*segmentLexicon, error) {
	ctx := r.Context()
	lang := rq.lang
	fs, err := s.app.SegmentFields(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	defs, err := s.app.Properties(ctx, rq.actor, "contact")
	if err != nil {
		return nil, err
	}
	propLabel := map[string]string{}
	for _, d := range defs {
		l := d.LabelEN
		if lang == crm.LangJA && d.LabelJA != "" || l == "" {
			l = d.LabelJA
		}
		propLabel["props."+d.Key] = l
	}
	users, err := s.app.ListUsers(ctx, rq.actor, store.UserFilter{Status: crm.UserActive, Limit: 200})
	if err != nil {
		return nil, err
	}
	forms, err := s.app.Forms(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	segs, err := s.app.Segments(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	surveys, err := s.app.Surveys(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	lx := &segmentLexicon{lang: lang, fields: map[string]builderField{}}
	for _, f := range fs {
		bf := builderField{Name: f.Name, Type: string(f.Type), Group: i18n.T(lang, "segments.group."+fieldGroup(f.Name))}
		if l, ok := propLabel[f.Name]; ok {
			bf.Label = l
		} else {
			bf.Label = i18n.T(lang, "segments.field."+f.Name)
		}
		for _, op := range f.Ops {
			bf.Ops = append(bf.Ops, builderLabel{string(op), i18n.T(lang, "segments.op."+string(op))})
		}
		for _, o := range f.Options {
			bf.Options = append(bf.Options, builderLabel{o, optionLabel(lang, f.Name, o)})
		}
		switch f.Type {
		case crm.FieldUser:
			for _, u := range users {
				bf.Options = append(bf.Options, builderLabel{strconv.FormatInt(u.ID, 10), u.Name})
			}
		case crm.FieldForm:
			for _, fm := range forms {
				bf.Options = append(bf.Options, builderLabel{strconv.FormatInt(fm.ID, 10), fm.Name})
			}
		case crm.FieldSurvey:
			for _, sv := range surveys {
				bf.Options = append(bf.Options, builderLabel{strconv.FormatInt(sv.ID, 10), sv.Name})
			}
		case crm.FieldList:
			for _, g := range segs {
				if g.Kind == crm.SegmentStatic {
					bf.Options = append(bf.Options, builderLabel{strconv.FormatInt(g.ID, 10), g.Name})
				}
			}
		case crm.FieldBool:
			bf.Options = []builderLabel{{"true", i18n.T(lang, "segments.bool.true")}, {"false", i18n.T(lang, "segments.bool.false")}}
		}
		lx.fields[f.Name] = bf
		lx.order = append(lx.order, f.Name)
	}
	return lx, nil
}

// fieldGroup is the heading a field is listed under in the field picker.
func fieldGroup(name string) string {
	switch {
	case strings.HasPrefix(name, "company."):
		return "company"
	case strings.HasPrefix(name, "props."):
		return "props"
	}
	switch name {
	case "lifecycle_stage", "lead_status", "fit_score", "engagement_score", "tag", "owner", "list":
		return "status"
	case "visited_path", "submitted_form", "deal_status", "email_engagement", "answered_survey", "nps_score":
		return "behaviour"
	}
	return "contact"
}

// optionLabel names an enum value.
func optionLabel(lang crm.Language, field, v string) string {
	switch field {
	case "lifecycle_stage":
		return i18n.T(lang, "lifecycle."+v)
	case "lead_status":
		return i18n.T(lang, "lead_status."+v)
	case "consent":
		return i18n.T(lang, "consent."+v)
	case "original_source":
		return i18n.T(lang, "source."+v)
	case "deal_status":
		return i18n.T(lang, "segments.deal."+v)
	case "email_engagement":
		return i18n.T(lang, "segments.email."+v)
	}
	return v
}

// describe writes a segment's filter as a sentence: "Lifecycle stage is
// any of Lead, MQL and Engagement score ≥ 20 and …".
func (lx *segmentLexicon) describe(g crm.Segment) string {
	if g.Kind == crm.SegmentStatic {
		return i18n.T(lx.lang, "segments.static_summary")
	}
	if len(g.Filter.Conditions)+len(g.Filter.Groups) == 0 {
		return i18n.T(lx.lang, "segments.everyone")
	}
	return lx.group(g.Filter, true)
}

func (lx *segmentLexicon) group(g crm.SegmentGroup, top bool) string {
	var parts []string
	for _, c := range g.Conditions {
		parts = append(parts, lx.condition(c))
	}
	for _, sub := range g.Groups {
		parts = append(parts, "("+lx.group(sub, false)+")")
	}
	return strings.Join(parts, " "+i18n.T(lx.lang, "segments.join."+g.Match)+" ")
}

func (lx *segmentLexicon) condition(c crm.SegmentCondition) string {
	f, ok := lx.fields[c.Field]
	label := c.Field
	if ok {
		label = f.Label
	}
	val := func(v string) string {
		for _, o := range f.Options {
			if o.Value == v {
				return o.Label
			}
		}
		return v
	}
	var vals []string
	for _, v := range c.Values {
		vals = append(vals, val(v))
	}
	text := label + " " + i18n.T(lx.lang, "segments.op."+string(c.Op))
	switch c.Op {
	case crm.SegOpIsSet, crm.SegOpIsEmpty:
	case crm.SegOpIn:
		text += " " + strings.Join(vals, ", ")
	case crm.SegOpBetween:
		if len(vals) == 2 {
			text += " " + i18n.T(lx.lang, "segments.between_text", vals[0], vals[1])
		}
	case crm.SegOpWithinDays:
		text += " " + i18n.T(lx.lang, "segments.days_text", c.Days)
		return text
	default:
		text += " " + val(c.Value)
	}
	if c.Days > 0 {
		text += " " + i18n.T(lx.lang, "segments.in_last_days", c.Days)
	}
	return text
}

// builderSetup is the JSON of the builder page.
func (lx *segmentLexicon) builderSetup(filter crm.SegmentGroup, errs map[string]string) string {
	var fields []builderField
	for _, name := range lx.order {
		fields = append(fields, lx.fields[name])
	}
	texts := map[string]string{}
	for _, k := range []string{"match.all", "match.any", "add_condition", "add_group", "remove", "remove_group",
		"value", "values_help", "days", "days_optional", "from", "to", "count", "counting", "none_match", "invalid",
		"first", "group_title", "choose", "more"} {
		texts[k] = i18n.T(lx.lang, "segments.b."+k)
	}
	if errs == nil {
		errs = map[string]string{}
	}
	b, _ := json.Marshal(map[string]any{"fields": fields, "texts": texts, "filter": filter, "errors": errs})
	return string(b)
}

func (s *server) segmentBuilderPage(w http.ResponseWriter, r *http.Request, rq *req, g crm.Segment, f *form) (*page, error) {
	title := "segments.new"
	action := "/marketing/segments"
	if g.ID > 0 {
		title, action = "segments.edit", fmt.Sprintf("/marketing/segments/%d", g.ID)
	}
	lx, err := s.segmentLexicon(r, rq)
	if err != nil {
		return nil, err
	}
	p := s.newPage(w, r, rq, title)
	p.Section = "marketing"
	p.Form = f
	d := &segmentBuilderData{Segment: g, Action: action}
	d.Setup = lx.builderSetup(g.Filter, nil)
	p.Data = d
	return p, nil
}

// builderAgain shows a refused save with its messages; the script marks
// the conditions they are about.
func (s *server) builderAgain(w http.ResponseWriter, r *http.Request, rq *req, g crm.Segment, f *form, err error) error {
	p, perr := s.segmentBuilderPage(w, r, rq, g, f)
	if perr != nil {
		return perr
	}
	if v, ok := crm.AsValidation(err); ok {
		lx, lerr := s.segmentLexicon(r, rq)
		if lerr != nil {
			return lerr
		}
		msgs := map[string]string{}
		for k, m := range v.Fields {
			msgs[k] = i18n.Error(rq.lang, m)
		}
		p.Data.(*segmentBuilderData).Setup = lx.builderSetup(g.Filter, msgs)
	}
	return again(err, "segments_builder", p)
}

func (s *server) segmentNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	g := crm.Segment{Kind: crm.SegmentDynamic, Filter: crm.SegmentGroup{Match: crm.MatchAll}}
	if r.URL.Query().Get("kind") == string(crm.SegmentStatic) {
		g.Kind = crm.SegmentStatic
	}
	f := newForm()
	f.Set("kind", string(g.Kind))
	p, err := s.segmentBuilderPage(w, r, rq, g, f)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "segments_builder", p)
	return nil
}

func (s *server) segmentEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.app.Segment(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	f := newForm()
	f.Version = g.Version
	f.Set("name", g.Name)
	f.Set("description", g.Description)
	f.Set("kind", string(g.Kind))
	p, err := s.segmentBuilderPage(w, r, rq, g, f)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "segments_builder", p)
	return nil
}

// postedFilter reads the builder's filter (JSON in the filter field).
func postedFilter(f *form) (crm.SegmentGroup, error) {
	return crm.ParseSegmentFilter([]byte(f.Get("filter")))
}

func (s *server) segmentCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	g := crm.Segment{Name: f.Get("name"), Description: f.Get("description"), Kind: crm.SegmentKind(f.Get("kind"))}
	filter, err := postedFilter(f)
	if err == nil {
		g.Filter = filter
		if g.Kind == crm.SegmentStatic && f.Get("from_filter") != "" {
			g, _, err = s.app.SaveAsStaticList(r.Context(), rq.actor, g.Name, g.Description, filter)
		} else {
			if g.Kind == crm.SegmentStatic {
				g.Filter = crm.SegmentGroup{Match: crm.MatchAll}
			}
			g, err = s.app.CreateSegment(r.Context(), rq.actor, g)
		}
	}
	if err != nil {
		if _, ok := crm.AsValidation(err); ok {
			g.Filter = filter
			return s.builderAgain(w, r, rq, g, f, err)
		}
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/segments/%d", g.ID), "flash.segment_saved")
}

func (s *server) segmentUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := submitted(r)
	g, err := s.app.Segment(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	filter := g.Filter
	if g.Kind == crm.SegmentDynamic {
		if filter, err = postedFilter(f); err != nil {
			return s.builderAgain(w, r, rq, g, f, err)
		}
	}
	_, err = s.app.UpdateSegment(r.Context(), rq.actor, id, f.Version, f.Get("name"), f.Get("description"), filter)
	if err != nil {
		if _, ok := crm.AsValidation(err); ok || errors.Is(err, crm.ErrStale) {
			g.Filter = filter
			return s.builderAgain(w, r, rq, g, f, err)
		}
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/segments/%d", id), "flash.segment_saved")
}

func (s *server) segmentDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteSegment(r.Context(), rq.actor, id); err != nil {
		if v, ok := crm.AsValidation(err); ok {
			return s.segmentRefused(w, r, rq, id, v)
		}
		return err
	}
	return s.redirect(w, r, rq, "/marketing/segments", "flash.segment_deleted")
}

// ---- the live count ----

type previewContact struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Stage string `json:"stage"`
}

type previewJSON struct {
	Count     int               `json:"count"`
	CountText string            `json:"count_text"`
	Contacts  []previewContact  `json:"contacts"`
	Errors    map[string]string `json:"errors,omitempty"`
}

// segmentPreview answers the builder's debounced requests: the count of an
// unsaved filter and its newest contacts, or the messages of what is wrong.
func (s *server) segmentPreview(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	out := previewJSON{Contacts: []previewContact{}}
	status := http.StatusOK
	filter, err := crm.ParseSegmentFilter([]byte(r.PostFormValue("filter")))
	var cs []crm.Contact
	if err == nil {
		out.Count, cs, err = s.app.SegmentPreview(r.Context(), rq.actor, filter, 10)
	}
	if v, ok := crm.AsValidation(err); ok {
		status, out.Errors = http.StatusUnprocessableEntity, map[string]string{}
		for k, m := range v.Fields {
			out.Errors[k] = i18n.Error(rq.lang, m)
		}
	} else if err != nil {
		return err
	}
	out.CountText = i18n.T(rq.lang, "segments.count_n", i18n.Number(int64(out.Count)))
	if out.Count == 1 {
		out.CountText = i18n.T(rq.lang, "segments.count_one")
	}
	for _, c := range cs {
		out.Contacts = append(out.Contacts, previewContact{ID: c.ID, Name: c.Name(rq.lang), Email: c.Email,
			Stage: i18n.T(rq.lang, "lifecycle."+string(c.Lifecycle))})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// ---- one segment ----

type segmentPageData struct {
	Segment  crm.Segment
	Summary  string
	Count    int
	Contacts []crm.Contact
	Next     string // the next page's URL, "" on the last
	First    bool
}

const segmentPageSize = 50

func (s *server) segmentPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderSegment(w, r, rq, id, http.StatusOK, nil)
}

// renderSegment shows a segment's page; f, when given, is a refused form
// of the page (save as a list, add members) with its alert.
func (s *server) renderSegment(w http.ResponseWriter, r *http.Request, rq *req, id int64, status int, f *form) error {
	ctx := r.Context()
	g, err := s.app.Segment(ctx, rq.actor, id)
	if err != nil {
		return err
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	cs, next, err := s.app.SegmentContacts(ctx, rq.actor, id, max(before, 0), segmentPageSize)
	if err != nil {
		return err
	}
	n, err := s.app.SegmentCount(ctx, rq.actor, id)
	if err != nil {
		return err
	}
	lx, err := s.segmentLexicon(r, rq)
	if err != nil {
		return err
	}
	d := &segmentPageData{Segment: g, Summary: lx.describe(g), Count: n, Contacts: cs, First: before <= 0}
	if next > 0 {
		d.Next = fmt.Sprintf("/marketing/segments/%d?%s", id, url.Values{"before": {strconv.FormatInt(next, 10)}}.Encode())
	}
	p := s.newPage(w, r, rq, "segments.title")
	p.Title = g.Name
	p.Section = "marketing"
	if f == nil {
		f = newForm()
		f.Set("static_name", i18n.T(rq.lang, "segments.static_name", g.Name))
	}
	p.Form = f
	p.Data = d
	s.render(w, r, rq, status, "segments_segment", p)
	return nil
}

// segmentRefused shows the segment's page again with the messages of a
// refused form.
func (s *server) segmentRefused(w http.ResponseWriter, r *http.Request, rq *req, id int64, v *crm.ValidationError) error {
	f := submitted(r)
	f.Alert = i18n.Error(rq.lang, firstMessage(v))
	if list, ok := strings.CutPrefix(v.Fields["emails"], app.UnknownEmailsPrefix); ok {
		f.Alert = i18n.T(rq.lang, "segments.unknown_emails", list)
	}
	return s.renderSegment(w, r, rq, id, http.StatusUnprocessableEntity, f)
}

// segmentSaveStatic stores a dynamic segment's contacts now as a new
// static list.
func (s *server) segmentSaveStatic(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.app.Segment(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	list, _, err := s.app.SaveAsStaticList(r.Context(), rq.actor, r.PostFormValue("static_name"), "", g.Filter)
	if err != nil {
		if v, ok := crm.AsValidation(err); ok {
			return s.segmentRefused(w, r, rq, id, v)
		}
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/segments/%d", list.ID), "flash.segment_static_saved")
}

func firstMessage(v *crm.ValidationError) string {
	for _, k := range []string{"name", "segment", "contact_ids"} {
		if m := v.Fields[k]; m != "" {
			return m
		}
	}
	for _, m := range v.Fields {
		return m
	}
	return ""
}

// segmentAddMembers adds the contacts with the e-mail addresses given (one
// per line) to a static list.
func (s *server) segmentAddMembers(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = s.app.AddToListByEmail(r.Context(), rq.actor, id, splitLines(strings.ReplaceAll(r.PostFormValue("emails"), ",", "\n")))
	if v, ok := crm.AsValidation(err); ok {
		return s.segmentRefused(w, r, rq, id, v)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/segments/%d", id), "flash.segment_members_added")
}

func (s *server) segmentRemoveMember(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := strconv.ParseInt(r.PostFormValue("contact_id"), 10, 64)
	if err != nil || cid <= 0 {
		return crm.ErrNotFound
	}
	if _, err := s.app.RemoveFromList(r.Context(), rq.actor, id, []int64{cid}); err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/segments/%d", id), "flash.segment_member_removed")
}

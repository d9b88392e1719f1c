package api

import (
	"fmt"
	"net/http"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// formsRoutes are the API endpoints of lead-capture forms.
func (s *server) formsRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/forms", perm: crm.PermReadAll, id: "listForms", tag: "forms",
			summary: "Lead-capture forms by name, with their counts (one page)", status: 200, resp: "FormList", handle: s.listForms},
		{method: http.MethodPost, path: "/forms", perm: crm.PermWriteMarketing, id: "createForm", tag: "forms",
			summary: "Create a form; its public key is made by the server. A redirect must go to a registered site's domain or this workspace",
			body:    "FormInput", status: 201, resp: "Form", location: true, handle: s.createForm},
		{method: http.MethodGet, path: "/forms/{id}", perm: crm.PermReadAll, id: "getForm", tag: "forms",
			summary: "One form", status: 200, resp: "Form", handle: s.getForm},
		{method: http.MethodPatch, path: "/forms/{id}", perm: crm.PermWriteMarketing, id: "updateForm", tag: "forms",
			summary: "Change the members sent (fields replace the whole list); the key stays", body: "FormPatch", ifMatch: true,
			status: 200, resp: "Form", handle: s.updateForm},
		{method: http.MethodDelete, path: "/forms/{id}", perm: crm.PermWriteMarketing, id: "deleteForm", tag: "forms",
			summary: "Delete a form with its submissions (contacts, timelines and consent history stay)", status: 204, handle: s.deleteForm},
		{method: http.MethodGet, path: "/forms/{id}/submissions", perm: crm.PermReadAll, id: "listFormSubmissions", tag: "forms",
			summary: "A form's submissions, newest first, with the values as submitted and where they came from",
			query:   pageParams(), status: 200, resp: "FormSubmissionList", handle: s.listFormSubmissions},
	}
}

// formsSchemas are the OpenAPI schemas those endpoints use.
func formsSchemas() js {
	format := withDesc(enumOf("", "email", "phone", "url"), "Format rule; the e-mail field is always email.")
	field := js{
		"key": pattern(`^(email|family_name|given_name|family_reading|given_reading|company|phone|job_title|department|consent|props\.[a-z][a-z0-9_]*)$`,
			"The contact property the field fills; props.<key> for a custom property; consent is a checkbox whose label is the exact wording stored."),
		"label_ja":   str("Label in Japanese."),
		"label_en":   str("Label in English."),
		"required":   boolean(""),
		"format":     format,
		"max_length": described(js{"type": "integer", "minimum": 0, "maximum": crm.MaxFieldLength}, "0 = no limit beyond 2,000."),
		"pattern":    str("A regular expression the whole value must match; empty for none."),
	}
	fieldIn := js{}
	for k, v := range field {
		fieldIn[k] = v
	}
	formIn := js{
		"name":            str("Internal name."),
		"title_ja":        str(""),
		"title_en":        str(""),
		"fields":          withDesc(arrayOf(ref("FormFieldInput")), "In display order; must include email."),
		"thanks_ja":       str("Thank-you message in Japanese."),
		"thanks_en":       str("Thank-you message in English."),
		"redirect_url":    str("After submitting, go here instead of the thank-you message; a registered site's domain or this workspace only."),
		"notify_user_ids": arrayOf(idSchema("")),
		"notify_emails":   arrayOf(js{"type": "string", "format": "email"}),
		"double_opt_in":   boolean("Consent stays pending until the person confirms by e-mail; needs a consent field."),
	}
	form := js{
		"id":         idSchema(""),
		"key":        str("The public key in /f/{key} and the snippets."),
		"hosted_url": str("The hosted page."),
		"fields":     arrayOf(ref("FormField")),
		"created_at": dateTime(""),
		"updated_at": dateTime(""),
		"version":    integer("Send as If-Match to change the form."),
	}
	for k, v := range formIn {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	sub := record(js{
		"id":           idSchema(""),
		"form_id":      idSchema(""),
		"contact_id":   nullable(integer("Null once the contact was deleted.")),
		"submitted_at": dateTime(""),
		"new_contact":  boolean("The submission created the contact."),
		"values":       withDesc(js{"type": "object", "additionalProperties": js{"type": "string"}}, "The values as submitted, by field key."),
		"page_url":     str(""),
		"referrer":     str(""),
		"utm":          record(js{"source": str(""), "medium": str(""), "campaign": str(""), "term": str(""), "content": str("")}),
		"first_touch": withDesc(record(js{"referrer": str(""), "utm_source": str(""), "utm_medium": str(""), "utm_campaign": str("")}),
			"The visitor's first visit, or this submission when the visitor is unknown."),
		"ip":         str(""),
		"user_agent": str(""),
	})
	return js{
		"FormField":          record(field),
		"FormFieldInput":     input([]string{"key"}, fieldIn),
		"Form":               record(form),
		"FormInput":          input([]string{"name", "fields"}, formIn),
		"FormPatch":          input(nil, formIn),
		"FormList":           listOf("Form"),
		"FormSubmission":     sub,
		"FormSubmissionList": listOf("FormSubmission"),
	}
}

type formFieldJSON struct {
	Key       string `json:"key"`
	LabelJA   string `json:"label_ja"`
	LabelEN   string `json:"label_en"`
	Required  bool   `json:"required"`
	Format    string `json:"format"`
	MaxLength int    `json:"max_length"`
	Pattern   string `json:"pattern"`
}

type formJSON struct {
	ID           int64           `json:"id"`
	Key          string          `json:"key"`
	HostedURL    string          `json:"hosted_url"`
	Name         string          `json:"name"`
	TitleJA      string          `json:"title_ja"`
	TitleEN      string          `json:"title_en"`
	Fields       []formFieldJSON `json:"fields"`
	ThanksJA     string          `json:"thanks_ja"`
	ThanksEN     string          `json:"thanks_en"`
	RedirectURL  string          `json:"redirect_url"`
	NotifyUsers  []int64         `json:"notify_user_ids"`
	NotifyEmails []string        `json:"notify_emails"`
	DoubleOptIn  bool            `json:"double_opt_in"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
	Version      int64           `json:"version"`
}

func (f formJSON) etag() int64 { return f.Version }

func (s *server) toForm(f crm.Form) formJSON {
	out := formJSON{ID: f.ID, Key: f.Key, HostedURL: s.app.BaseURL + "/f/" + f.Key, Name: f.Name, TitleJA: f.TitleJA,
		TitleEN: f.TitleEN, Fields: []formFieldJSON{}, ThanksJA: f.ThanksJA, ThanksEN: f.ThanksEN, RedirectURL: f.RedirectURL,
		NotifyUsers: f.NotifyUsers, NotifyEmails: f.NotifyEmails, DoubleOptIn: f.DoubleOptIn, CreatedAt: f.CreatedAt,
		UpdatedAt: f.UpdatedAt, Version: f.Version}
	for _, x := range f.Fields {
		out.Fields = append(out.Fields, formFieldJSON(x))
	}
	if out.NotifyUsers == nil {
		out.NotifyUsers = []int64{}
	}
	if out.NotifyEmails == nil {
		out.NotifyEmails = []string{}
	}
	return out
}

// formPatchJSON is a form's members to change; FormInput is the same with
// name and fields required.
type formPatchJSON struct {
	Name         *string          `json:"name"`
	TitleJA      *string          `json:"title_ja"`
	TitleEN      *string          `json:"title_en"`
	Fields       *[]formFieldJSON `json:"fields"`
	ThanksJA     *string          `json:"thanks_ja"`
	ThanksEN     *string          `json:"thanks_en"`
	RedirectURL  *string          `json:"redirect_url"`
	NotifyUsers  *[]int64         `json:"notify_user_ids"`
	NotifyEmails *[]string        `json:"notify_emails"`
	DoubleOptIn  *bool            `json:"double_opt_in"`
}

func (p formPatchJSON) apply(f *crm.Form) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&f.Name, p.Name)
	set(&f.TitleJA, p.TitleJA)
	set(&f.TitleEN, p.TitleEN)
	set(&f.ThanksJA, p.ThanksJA)
	set(&f.ThanksEN, p.ThanksEN)
	set(&f.RedirectURL, p.RedirectURL)
	if p.Fields != nil {
		f.Fields = nil
		for _, x := range *p.Fields {
			f.Fields = append(f.Fields, crm.FormField(x))
		}
	}
	if p.NotifyUsers != nil {
		f.NotifyUsers = *p.NotifyUsers
	}
	if p.NotifyEmails != nil {
		f.NotifyEmails = *p.NotifyEmails
	}
	if p.DoubleOptIn != nil {
		f.DoubleOptIn = *p.DoubleOptIn
	}
}

func (s *server) listForms(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	forms, err := s.app.Forms(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[formJSON]{Data: []formJSON{}}
	for _, f := range forms {
		out.Data = append(out.Data, s.toForm(f.Form))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) getForm(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.app.Form(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toForm(f))
}

func (s *server) createForm(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in formPatchJSON
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	var f crm.Form
	in.apply(&f)
	f, err := s.app.CreateForm(r.Context(), ac, f)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/forms/%d", Prefix, f.ID))
	return writeJSON(w, http.StatusCreated, s.toForm(f))
}

func (s *server) updateForm(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in formPatchJSON
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	f, err := s.app.Form(r.Context(), ac, id)
	if err != nil {
		return err
	}
	in.apply(&f)
	if f, err = s.app.UpdateForm(r.Context(), ac, id, version, f); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toForm(f))
}

func (s *server) deleteForm(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteForm(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type utmJSON struct {
	Source   string `json:"source"`
	Medium   string `json:"medium"`
	Campaign string `json:"campaign"`
	Term     string `json:"term"`
	Content  string `json:"content"`
}

type firstTouchJSON struct {
	Referrer    string `json:"referrer"`
	UTMSource   string `json:"utm_source"`
	UTMMedium   string `json:"utm_medium"`
	UTMCampaign string `json:"utm_campaign"`
}

type submissionJSON struct {
	ID         int64             `json:"id"`
	FormID     int64             `json:"form_id"`
	ContactID  *int64            `json:"contact_id"`
	At         time.Time         `json:"submitted_at"`
	NewContact bool              `json:"new_contact"`
	Values     map[string]string `json:"values"`
	PageURL    string            `json:"page_url"`
	Referrer   string            `json:"referrer"`
	UTM        utmJSON           `json:"utm"`
	FirstTouch firstTouchJSON    `json:"first_touch"`
	IP         string            `json:"ip"`
	UserAgent  string            `json:"user_agent"`
}

func toSubmission(x store.FormSubmission) submissionJSON {
	out := submissionJSON{ID: x.ID, FormID: x.FormID, ContactID: optID(x.ContactID), At: x.At, NewContact: x.NewContact,
		Values: x.Values, PageURL: x.PageURL, Referrer: x.Referrer,
		UTM:        utmJSON{x.UTMSource, x.UTMMedium, x.UTMCampaign, x.UTMTerm, x.UTMContent},
		FirstTouch: firstTouchJSON{x.FirstReferrer, x.FirstUTMSource, x.FirstUTMMedium, x.FirstUTMCampaign},
		IP:         x.IP, UserAgent: x.UserAgent}
	if out.Values == nil {
		out.Values = map[string]string{}
	}
	return out
}

func (s *server) listFormSubmissions(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pq, err := parsePage(r)
	if err != nil {
		return err
	}
	subs, err := s.app.FormSubmissions(r.Context(), ac, store.SubmissionFilter{FormID: id, BeforeID: pq.after, Limit: pq.limit + 1})
	if err != nil {
		return err
	}
	out := make([]submissionJSON, len(subs))
	for i, x := range subs {
		out[i] = toSubmission(x)
	}
	return writeJSON(w, http.StatusOK, newList(out, pq.limit, func(x submissionJSON) int64 { return x.ID }))
}

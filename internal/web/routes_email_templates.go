package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// emailTemplatesRoutes are the pages of e-mail templates (Marketing →
// E-mail → Templates). Everyone may read and preview; writing templates is
// marketing's work.
func (s *server) emailTemplatesRoutes() []route {
	return []route{
		{"GET", "/marketing/email/templates", crm.PermReadAll, s.emailTemplatesPage, false},
		{"POST", "/marketing/email/templates", crm.PermWriteMarketing, s.emailTemplateCreate, false},
		{"GET", "/marketing/email/templates/new", crm.PermWriteMarketing, s.emailTemplateNew, false},
		{"POST", "/marketing/email/templates/preview", crm.PermReadAll, s.emailTemplatePreview, false},
		{"GET", "/marketing/email/templates/suggest", crm.PermReadAll, s.emailTemplateContacts, false},
		{"GET", "/marketing/email/templates/{id}", crm.PermReadAll, s.emailTemplateEdit, false},
		{"POST", "/marketing/email/templates/{id}", crm.PermWriteMarketing, s.emailTemplateUpdate, false},
		{"POST", "/marketing/email/templates/{id}/duplicate", crm.PermWriteMarketing, s.emailTemplateDuplicate, false},
		{"POST", "/marketing/email/templates/{id}/delete", crm.PermWriteMarketing, s.emailTemplateDelete, false},
		{"POST", "/profile/signature", crm.PermSignedIn, s.profileSignature, false},
	}
}

// previewCSP is the policy of the editor page. The preview is a srcdoc
// frame, which inherits the page's policy; an e-mail is styled inline and
// shows images from anywhere, so this page alone allows inline styles and
// remote images. Scripts stay 'self' only, and the frame is sandboxed
// without allow-scripts as well.
var previewCSP = strings.NewReplacer("img-src 'self' data:", "img-src 'self' data: https: http:",
	"style-src 'self'", "style-src 'self' 'unsafe-inline'").Replace(contentSecurityPolicy)

type emailTemplatesListData struct {
	Templates []crm.EmailTemplate
}

func (s *server) emailTemplatesPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ts, err := s.app.EmailTemplates(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "etpl.title")
	p.Section = "marketing"
	p.Data = emailTemplatesListData{Templates: ts}
	s.render(w, r, rq, http.StatusOK, "email_templates_list", p)
	return nil
}

// emailEditorData is the content of the editor page.
type emailEditorData struct {
	Template crm.EmailTemplate
	Action   string
	Locales  []option
	// Setup is the JSON the script reads (from a data attribute): the
	// blocks, the merge fields, the palette, the texts and the messages
	// of a refused save.
	Setup string
}

// mergeFieldJSON is a merge field as the editor lists it.
type mergeFieldJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// editorTexts are the catalogue keys the script shows (etpl.b.*).
var editorTexts = []string{"add", "heading", "text", "image", "button", "divider", "columns", "up", "down", "remove",
	"column", "level", "level1", "level2", "text_help", "src", "alt", "width", "link", "label", "url", "color",
	"columns_n", "insert_field", "empty", "updating", "sample", "no_contact", "search"}

func (s *server) editorSetup(lang crm.Language, t crm.EmailTemplate, errs map[string]string) string {
	var fields []mergeFieldJSON
	for _, f := range crm.MergeFields {
		l := f.LabelEN
		if lang == crm.LangJA {
			l = f.LabelJA
		}
		fields = append(fields, mergeFieldJSON{Key: f.Key, Label: l})
	}
	var colors []option
	for _, c := range crm.ButtonColors {
		colors = append(colors, option{Value: c.Key, Label: i18n.T(lang, "etpl.color."+c.Key)})
	}
	texts := map[string]string{}
	for _, k := range editorTexts {
		texts[k] = i18n.T(lang, "etpl.b."+k)
	}
	if errs == nil {
		errs = map[string]string{}
	}
	blocks := t.Blocks
	if blocks == nil {
		blocks = []crm.EmailBlock{}
	}
	b, _ := json.Marshal(map[string]any{"blocks": blocks, "fields": fields, "colors": colors, "texts": texts, "errors": errs})
	return string(b)
}

func (s *server) emailEditorPage(w http.ResponseWriter, r *http.Request, rq *req, t crm.EmailTemplate, f *form, errs map[string]string) *page {
	title, action := "etpl.new", "/marketing/email/templates"
	if t.ID > 0 {
		title, action = "etpl.edit", fmt.Sprintf("/marketing/email/templates/%d", t.ID)
	}
	w.Header().Set("Content-Security-Policy", previewCSP)
	p := s.newPage(w, r, rq, title)
	if t.ID > 0 && t.Name != "" {
		p.Title = t.Name
	}
	p.Section = "marketing"
	p.Form = f
	p.Data = &emailEditorData{Template: t, Action: action, Setup: s.editorSetup(rq.lang, t, errs),
		Locales: []option{{"ja", i18n.Name(crm.LangJA)}, {"en", i18n.Name(crm.LangEN)}}}
	return p
}

// templateForm fills a form from a template.
func templateForm(t crm.EmailTemplate) *form {
	f := newForm()
	f.Version = t.Version
	f.Set("name", t.Name)
	f.Set("locale", string(t.Locale))
	f.Set("subject", t.Subject)
	f.Set("preheader", t.Preheader)
	f.Set("editor", string(t.Editor))
	f.Set("html", t.HTML)
	return f
}

func (s *server) emailTemplateNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	t := crm.EmailTemplate{Locale: rq.lang, Editor: crm.EditorBlocks, Blocks: []crm.EmailBlock{
		{Type: crm.BlockHeading, Text: i18n.T(rq.lang, "etpl.starter.heading"), Level: 1},
		{Type: crm.BlockText, Text: i18n.T(rq.lang, "etpl.starter.text")},
	}}
	p := s.emailEditorPage(w, r, rq, t, templateForm(t), nil)
	s.render(w, r, rq, http.StatusOK, "email_template_editor", p)
	return nil
}

func (s *server) emailTemplateEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.app.EmailTemplate(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p := s.emailEditorPage(w, r, rq, t, templateForm(t), nil)
	s.render(w, r, rq, http.StatusOK, "email_template_editor", p)
	return nil
}

// postedTemplate reads the editor's fields; the blocks come as JSON.
func postedTemplate(get func(string) string) (crm.EmailTemplate, error) {
	t := crm.EmailTemplate{Name: get("name"), Locale: crm.Language(get("locale")), Subject: get("subject"),
		Preheader: get("preheader"), Editor: crm.EmailEditor(get("editor")), HTML: get("html")}
	blocks, err := crm.ParseEmailBlocks([]byte(get("blocks")))
	t.Blocks = blocks
	return t, err
}

// editorAgain shows a refused save with its messages; the script marks
// the blocks they are about.
func (s *server) editorAgain(w http.ResponseWriter, r *http.Request, rq *req, t crm.EmailTemplate, f *form, err error) error {
	msgs := map[string]string{}
	if v, ok := crm.AsValidation(err); ok {
		for k, m := range v.Fields {
			msgs[k] = i18n.Error(rq.lang, m)
		}
	}
	p := s.emailEditorPage(w, r, rq, t, f, msgs)
	return again(err, "email_template_editor", p)
}

func (s *server) emailTemplateCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	t, err := postedTemplate(f.Get)
	if err == nil {
		var saved crm.EmailTemplate
		if saved, err = s.app.CreateEmailTemplate(r.Context(), rq.actor, t); err == nil {
			return s.redirect(w, r, rq, fmt.Sprintf("/marketing/email/templates/%d", saved.ID), "flash.etpl_saved")
		}
	}
	if _, ok := crm.AsValidation(err); ok {
		return s.editorAgain(w, r, rq, t, f, err)
	}
	return err
}

func (s *server) emailTemplateUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := submitted(r)
	t, err := postedTemplate(f.Get)
	t.ID = id
	if err == nil {
		if _, err = s.app.UpdateEmailTemplate(r.Context(), rq.actor, id, f.Version, t); err == nil {
			return s.redirect(w, r, rq, fmt.Sprintf("/marketing/email/templates/%d", id), "flash.etpl_saved")
		}
	}
	if _, ok := crm.AsValidation(err); ok || errors.Is(err, crm.ErrStale) {
		return s.editorAgain(w, r, rq, t, f, err)
	}
	return err
}

func (s *server) emailTemplateDuplicate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.app.DuplicateEmailTemplate(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/email/templates/%d", t.ID), "flash.etpl_duplicated")
}

func (s *server) emailTemplateDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteEmailTemplate(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/marketing/email/templates", "flash.etpl_deleted")
}

// emailPreviewJSON answers the editor's live preview.
type emailPreviewJSON struct {
	Subject string            `json:"subject"`
	HTML    string            `json:"html"`
	Text    string            `json:"text"`
	Errors  map[string]string `json:"errors,omitempty"`
}

// emailTemplatePreview renders the editor's unsaved content as the chosen
// contact (or with sample values), or says what is wrong.
func (s *server) emailTemplatePreview(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	out := emailPreviewJSON{}
	status := http.StatusOK
	t, err := postedTemplate(r.PostFormValue)
	if t.Name == "" {
		t.Name = "preview" // an unsaved template may not have its name yet
	}
	cid, _ := strconv.ParseInt(r.PostFormValue("contact_id"), 10, 64)
	if err == nil {
		var p app.EmailPreview
		if p, err = s.app.PreviewTemplate(r.Context(), rq.actor, 0, t, max(cid, 0)); err == nil {
			out.Subject, out.HTML, out.Text = p.Subject, p.HTML, p.Text
		}
	}
	if v, ok := crm.AsValidation(err); ok {
		status, out.Errors = http.StatusUnprocessableEntity, map[string]string{}
		for k, m := range v.Fields {
			out.Errors[k] = i18n.Error(rq.lang, m)
		}
	} else if errors.Is(err, crm.ErrNotFound) {
		status, out.Errors = http.StatusUnprocessableEntity, map[string]string{"contact_id": i18n.T(rq.lang, "etpl.b.no_contact")}
	} else if err != nil {
		return err
	}
	return writeJSONPage(w, status, out)
}

// contactChoice is one contact of the "preview as" picker.
type contactChoice struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// emailTemplateContacts lists contacts the user may see for the picker:
// the newest ten, or those matching ?q.
func (s *server) emailTemplateContacts(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len([]rune(q)) > 100 {
		q = string([]rune(q)[:100])
	}
	page, err := s.app.ListContacts(r.Context(), rq.actor, store.ContactQuery{Text: q, Limit: 10, NoTotal: true})
	if err != nil {
		return err
	}
	out := []contactChoice{}
	for _, c := range page.Contacts {
		label := c.Name(rq.lang)
		if c.CompanyName != "" {
			label += " · " + c.CompanyName
		}
		if c.Email != "" {
			label += " <" + c.Email + ">"
		}
		out = append(out, contactChoice{ID: c.ID, Label: label})
	}
	return writeJSONPage(w, http.StatusOK, out)
}

// writeJSONPage answers a page script's request with JSON.
func writeJSONPage(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
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

// profileSignature saves the user's e-mail signature (the profile page).
func (s *server) profileSignature(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := s.profileForm(w, r, rq)
	p.Data = profileData{Posted: "signature"}
	p.Form.Set("signature", r.PostFormValue("signature"))
	if err := s.app.SetSignature(r.Context(), rq.actor, r.PostFormValue("signature")); err != nil {
		return again(err, "profile", p)
	}
	return s.redirect(w, r, rq, "/profile", "flash.signature_saved")
}

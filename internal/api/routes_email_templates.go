package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// emailTemplatesRoutes are the API endpoints of e-mail templates (issue 8 §2).
func (s *server) emailTemplatesRoutes() []route {
	contact := param{name: "contact_id", desc: "Render as this contact (one you may see); without it, the merge fields' sample values.",
		schema: js{"type": "integer", "minimum": 1}}
	return []route{
		{method: http.MethodGet, path: "/email-templates", perm: crm.PermReadAll, id: "listEmailTemplates", tag: "email-templates",
			summary: "Every e-mail template, by name", status: 200, resp: "EmailTemplateList", handle: s.listEmailTemplates},
		{method: http.MethodPost, path: "/email-templates", perm: crm.PermWriteMarketing, id: "createEmailTemplate", tag: "email-templates",
			summary: "Create a template (blocks or HTML source); every merge field and URL is checked",
			body:    "EmailTemplateInput", status: 201, resp: "EmailTemplate", location: true, handle: s.createEmailTemplate},
		{method: http.MethodPost, path: "/email-template-preview", perm: crm.PermReadAll, id: "previewEmailTemplateDraft", tag: "email-templates",
			summary: "Render unsaved template content, as a contact or with sample values",
			body:    "EmailTemplatePreviewInput", status: 200, resp: "EmailPreview", handle: s.previewDraft},
		{method: http.MethodGet, path: "/email-templates/{id}", perm: crm.PermReadAll, id: "getEmailTemplate", tag: "email-templates",
			summary: "One template", status: 200, resp: "EmailTemplate", handle: s.getEmailTemplate},
		{method: http.MethodPut, path: "/email-templates/{id}", perm: crm.PermWriteMarketing, id: "updateEmailTemplate", tag: "email-templates",
			summary: "Replace a template's content (send the version you read as If-Match)",
			body:    "EmailTemplateInput", ifMatch: true, status: 200, resp: "EmailTemplate", handle: s.updateEmailTemplate},
		{method: http.MethodDelete, path: "/email-templates/{id}", perm: crm.PermWriteMarketing, id: "deleteEmailTemplate", tag: "email-templates",
			summary: "Delete a template", status: 204, handle: s.deleteEmailTemplate},
		{method: http.MethodPost, path: "/email-templates/{id}/duplicate", perm: crm.PermWriteMarketing, id: "duplicateEmailTemplate",
			tag: "email-templates", summary: "Copy a template under the name \"… (copy)\"",
			status: 201, resp: "EmailTemplate", location: true, handle: s.duplicateEmailTemplate},
		{method: http.MethodGet, path: "/email-templates/{id}/preview", perm: crm.PermReadAll, id: "previewEmailTemplate", tag: "email-templates",
			summary: "The subject, HTML and plain text of a template as a contact would receive it",
			query:   []param{contact}, status: 200, resp: "EmailPreview", handle: s.previewEmailTemplate},
	}
}

type emailTemplateJSON struct {
	ID        int64            `json:"id"`
	Name      string           `json:"name"`
	Locale    string           `json:"locale"`
	Subject   string           `json:"subject"`
	Preheader string           `json:"preheader"`
	Editor    string           `json:"editor"`
	Blocks    []crm.EmailBlock `json:"blocks"`
	HTML      string           `json:"html"`
	CreatedBy *int64           `json:"created_by"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
	Version   int64            `json:"version"`
}

func (t emailTemplateJSON) etag() int64 { return t.Version }

func toEmailTemplate(t crm.EmailTemplate) emailTemplateJSON {
	blocks := t.Blocks
	if blocks == nil {
		blocks = []crm.EmailBlock{}
	}
	return emailTemplateJSON{ID: t.ID, Name: t.Name, Locale: string(t.Locale), Subject: t.Subject, Preheader: t.Preheader,
		Editor: string(t.Editor), Blocks: blocks, HTML: t.HTML, CreatedBy: optID(t.CreatedBy), CreatedAt: t.CreatedAt,
		UpdatedAt: t.UpdatedAt, Version: t.Version}
}

type emailTemplateInput struct {
	Name      string           `json:"name"`
	Locale    string           `json:"locale"`
	Subject   string           `json:"subject"`
	Preheader string           `json:"preheader"`
	Editor    string           `json:"editor"`
	Blocks    []crm.EmailBlock `json:"blocks"`
	HTML      string           `json:"html"`
}

func (in emailTemplateInput) template() crm.EmailTemplate {
	return crm.EmailTemplate{Name: in.Name, Locale: crm.Language(in.Locale), Subject: in.Subject, Preheader: in.Preheader,
		Editor: crm.EmailEditor(in.Editor), Blocks: in.Blocks, HTML: in.HTML}
}

type emailPreviewJSON struct {
	Subject string `json:"subject"`
	HTML    string `json:"html"`
	Text    string `json:"text"`
}

func (s *server) listEmailTemplates(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	ts, err := s.app.EmailTemplates(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[emailTemplateJSON]{Data: []emailTemplateJSON{}}
	for _, t := range ts {
		out.Data = append(out.Data, toEmailTemplate(t))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) createEmailTemplate(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in emailTemplateInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	t, err := s.app.CreateEmailTemplate(r.Context(), ac, in.template())
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/email-templates/%d", Prefix, t.ID))
	return writeJSON(w, http.StatusCreated, toEmailTemplate(t))
}

func (s *server) getEmailTemplate(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.app.EmailTemplate(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toEmailTemplate(t))
}

func (s *server) updateEmailTemplate(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in emailTemplateInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	t, err := s.app.UpdateEmailTemplate(r.Context(), ac, id, version, in.template())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toEmailTemplate(t))
}

func (s *server) deleteEmailTemplate(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteEmailTemplate(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) duplicateEmailTemplate(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.app.DuplicateEmailTemplate(r.Context(), ac, id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/email-templates/%d", Prefix, t.ID))
	return writeJSON(w, http.StatusCreated, toEmailTemplate(t))
}

// contactParam reads the optional ?contact_id.
func contactParam(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("contact_id")
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, badField("contact_id", "must be a contact id")
	}
	return id, nil
}

func (s *server) previewEmailTemplate(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := contactParam(r)
	if err != nil {
		return err
	}
	p, err := s.app.PreviewTemplate(r.Context(), ac, id, crm.EmailTemplate{}, cid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, emailPreviewJSON{Subject: p.Subject, HTML: p.HTML, Text: p.Text})
}

func (s *server) previewDraft(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in struct {
		Template  emailTemplateInput `json:"template"`
		ContactID int64              `json:"contact_id"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	p, err := s.app.PreviewTemplate(r.Context(), ac, 0, in.Template.template(), in.ContactID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, emailPreviewJSON{Subject: p.Subject, HTML: p.HTML, Text: p.Text})
}

// emailTemplatesSchemas are the OpenAPI components of e-mail templates.
func emailTemplatesSchemas() js {
	var fields []string
	for _, f := range crm.MergeFields {
		fields = append(fields, "{{"+f.Key+"}}")
	}
	var colors []string
	for _, c := range crm.ButtonColors {
		colors = append(colors, c.Key)
	}
	mergeDesc := fmt.Sprintf(` May hold merge fields: %v, with a fallback ({{company | "御社"}}) or a condition ({{#if owner_name}}…{{else}}…{{/if}}); nothing else.`, fields)
	block := js{"type": "object", "additionalProperties": false, "required": []string{"type"},
		"description": "One block. heading: text, level (1 or 2). text: text (paragraphs split by blank lines; **bold**; [label](https://…) links). " +
			"image: src (http/https), alt, width (1–600 px), link. button: label, url (http, https or mailto), color. divider. " +
			"columns: columns (2 or 3 lists of blocks other than columns)." + mergeDesc + " In URLs merge fields are allowed only after ?.",
		"properties": js{
			"type":    enumOf(crm.BlockHeading, crm.BlockText, crm.BlockImage, crm.BlockButton, crm.BlockDivider, crm.BlockColumns),
			"text":    str(""),
			"level":   js{"type": "integer", "enum": []int{1, 2}},
			"src":     str(""),
			"alt":     str(""),
			"width":   js{"type": "integer", "minimum": 0, "maximum": crm.EmailWidth},
			"link":    str(""),
			"label":   str(""),
			"url":     str(""),
			"color":   enumOf(colors...),
			"columns": arrayOf(arrayOf(ref("EmailBlock"))),
		}}
	props := js{
		"name":      str("Up to 100 characters."),
		"locale":    withDesc(enumOf("ja", "en"), "The language of the message (and of the recipient's name order)."),
		"subject":   str("One line, up to 200 characters." + mergeDesc),
		"preheader": str("The line inboxes show after the subject (hidden in the message); up to 200 characters."),
		"editor":    withDesc(enumOf(string(crm.EditorBlocks), string(crm.EditorHTML)), "blocks (default) or html source."),
		"blocks":    withDesc(arrayOf(ref("EmailBlock")), fmt.Sprintf("editor blocks: up to %d blocks in all.", crm.MaxEmailBlocks)),
		"html":      str("editor html: the message's HTML as written, up to 200 KB." + mergeDesc),
	}
	full := js{}
	for k, v := range props {
		full[k] = v
	}
	full["id"] = idSchema("")
	full["created_by"] = nullable(idSchema("The user who made it."))
	full["created_at"] = dateTime("")
	full["updated_at"] = dateTime("")
	full["version"] = integer("Increases with every change; send it back as If-Match.")
	return js{
		"EmailBlock":         block,
		"EmailTemplate":      record(full),
		"EmailTemplateList":  listOf("EmailTemplate"),
		"EmailTemplateInput": input([]string{"name", "subject"}, props),
		"EmailTemplatePreviewInput": input([]string{"template"}, js{
			"template":   ref("EmailTemplateInput"),
			"contact_id": idSchema("Render as this contact (one you may see); leave out for the sample values."),
		}),
		"EmailPreview": record(js{
			"subject": str("One line whatever the contact's data holds."),
			"html":    str("The HTML part."),
			"text":    str("The plain-text part, made from the HTML."),
		}),
	}
}

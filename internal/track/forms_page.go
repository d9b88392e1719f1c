package track

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"

	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// The hosted form page, the thank-you page and the opt-in pages: small,
// self-contained, styled by Tabler from the UI's static files.
var publicTmpl = template.Must(template.New("public").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
<link rel="stylesheet" href="/static/vendor/tabler.min.css">
<style>body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI","Hiragino Sans","Noto Sans JP","Yu Gothic",Meiryo,sans-serif}.rk-hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}</style>
</head>
<body class="bg-light">
<main class="page page-center"><div class="container container-tight py-4">
<div class="card card-md">
<div class="card-body">
<h1 class="h2 mb-3">{{.Title}}</h1>
{{if .Form}}
{{with .Alert}}<div class="alert alert-danger" role="alert">{{.}}</div>{{end}}
<form method="post" action="{{.Action}}" novalidate>
<input type="hidden" name="_t" value="{{.Token}}">
<input type="hidden" name="page_url" value="{{.Values.Get "page_url"}}">
<input type="hidden" name="referrer" value="{{.Values.Get "referrer"}}">
<input type="hidden" name="lang" value="{{.Lang}}">
<div class="rk-hp" aria-hidden="true"><label for="f-website_url">Website</label><input id="f-website_url" type="text" name="website_url" tabindex="-1" autocomplete="off"></div>
{{range $f := .Fields}}
<div class="mb-3">
{{if eq .Type "checkbox"}}
<label class="form-check">
<input class="form-check-input{{if .Error}} is-invalid{{end}}" type="checkbox" id="f-{{.Key}}" name="{{.Key}}" value="yes"{{if .Value}} checked{{end}}{{if .Required}} required{{end}}{{if .Error}} aria-invalid="true" aria-describedby="f-{{.Key}}-error"{{end}}>
<span class="form-check-label{{if .Required}} required{{end}}">{{.Label}}</span>
</label>
{{else}}
<label class="form-label{{if .Required}} required{{end}}" for="f-{{.Key}}">{{.Label}}</label>
<input class="form-control{{if .Error}} is-invalid{{end}}" type="{{.Type}}" id="f-{{.Key}}" name="{{.Key}}" value="{{.Value}}"{{if .Required}} required{{end}}{{if .MaxLength}} maxlength="{{.MaxLength}}"{{end}}{{with .Autocomplete}} autocomplete="{{.}}"{{end}}{{if .Error}} aria-invalid="true" aria-describedby="f-{{.Key}}-error"{{end}}>
{{end}}
{{with $f.Error}}<div class="invalid-feedback d-block" id="f-{{$f.Key}}-error">{{.}}</div>{{end}}
</div>
{{end}}
<button type="submit" class="btn btn-primary w-100">{{.Submit}}</button>
</form>
{{else if .Confirm}}
<p>{{.Text}}</p>
<form method="post" action=""><button type="submit" class="btn btn-primary w-100">{{.Confirm}}</button></form>
{{else}}
<p class="mb-0" style="white-space:pre-line">{{.Text}}</p>
{{end}}
</div>
</div>
<p class="text-center text-secondary small mt-3">{{.Footer}}</p>
</div></main>
</body>
</html>
`))

// publicField is one field of the hosted page.
type publicField struct {
	Key, Label, Type, Value, Error, Autocomplete string
	Required                                     bool
	MaxLength                                    int
}

type publicPage struct {
	Lang, Title, Text, Alert, Action, Token, Submit, Confirm, Footer string
	Form                                                             bool
	Fields                                                           []publicField
	Values                                                           url.Values
}

var autocomplete = map[string]string{
	crm.FieldEmail: "email", crm.FieldFamilyName: "family-name", crm.FieldGivenName: "given-name",
	crm.FieldCompany: "organization", crm.FieldPhone: "tel", crm.FieldJobTitle: "organization-title",
}

func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, code int, fm crm.Form, lang crm.Language, vals url.Values, errs map[string]string, alert string) {
	tok, err := s.formToken(r.Context(), fm.Key)
	if err != nil {
		s.serverError(w, "token", err)
		return
	}
	p := publicPage{Lang: string(lang), Title: fm.Title(lang), Alert: alert, Action: "/f/" + fm.Key, Token: tok,
		Submit: i18n.T(lang, "forms.public.submit"), Form: true, Values: vals, Footer: i18n.T(lang, "forms.public.footer")}
	for _, f := range fm.Fields {
		p.Fields = append(p.Fields, publicField{Key: f.Key, Label: f.Label(lang), Type: inputType(f), Value: vals.Get(f.Key),
			Error: errs[f.Key], Required: f.Required, MaxLength: f.MaxLength, Autocomplete: autocomplete[f.Key]})
	}
	s.writePage(w, code, p, fm.RedirectURL)
}

func (s *Server) renderMessage(w http.ResponseWriter, code int, lang crm.Language, title, text string) {
	s.writePage(w, code, publicPage{Lang: string(lang), Title: title, Text: text, Footer: i18n.T(lang, "forms.public.footer")}, "")
}

func (s *Server) renderConfirm(w http.ResponseWriter, lang crm.Language) {
	s.writePage(w, http.StatusOK, publicPage{Lang: string(lang), Title: i18n.T(lang, "forms.optin.title"),
		Text: i18n.T(lang, "forms.optin.text"), Confirm: i18n.T(lang, "forms.optin.confirm"),
		Footer: i18n.T(lang, "forms.public.footer")}, "")
}

// writePage renders a public page with a strict Content-Security-Policy:
// only our own styles, posts only to ourselves (and the redirect after
// one), no scripts.
func (s *Server) writePage(w http.ResponseWriter, code int, p publicPage, redirect string) {
	var buf bytes.Buffer
	if err := publicTmpl.Execute(&buf, p); err != nil {
		s.serverError(w, "render", err)
		return
	}
	formAction := "'self'"
	if u, err := url.Parse(redirect); err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http") {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; form-action "+formAction+"; base-uri 'none'; frame-ancestors 'self'")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

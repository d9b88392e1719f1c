package track

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// maxSurveyBody caps a survey post: free-text answers may be long.
const maxSurveyBody = 256 << 10

// surveyRoutes are the public survey endpoints: the hosted page (also the
// embed, in an iframe on a registered site) and its posts. A personal link
// carries ?c=<contact>&t=<token>; the token binds the survey and the
// contact.
func (s *Server) surveyRoutes() []route {
	return []route{
		{"GET /s/{key}", s.surveyPage},
		{"POST /s/{key}", s.surveyPost},
	}
}

// surveyField names: answers are "q.<question>" (a matrix row
// "q.<question>.<row>"); the others are the page's own.
const surveyPrefix = "q."

func (s *Server) surveyPage(w http.ResponseWriter, r *http.Request) {
	if s.limited(w, s.ip(r), "") {
		return
	}
	ctx := r.Context()
	lang := s.lang(r)
	sv, err := s.app.PublicSurvey(ctx, r.PathValue("key"))
	if errors.Is(err, crm.ErrNotFound) {
		s.renderMessage(w, http.StatusNotFound, lang, i18n.T(lang, "surveys.public.not_found"), i18n.T(lang, "surveys.public.not_found_text"))
		return
	}
	if err != nil {
		s.serverError(w, "survey", err)
		return
	}
	if sv.Status != crm.SurveyOpen {
		s.renderMessage(w, http.StatusOK, lang, sv.Title(lang), i18n.T(lang, "surveys.public.closed"))
		return
	}
	q := r.URL.Query()
	c, t := q.Get("c"), q.Get("t")
	if _, err := s.app.SurveyContact(ctx, sv, c, t); err != nil {
		if _, ok := crm.AsValidation(err); ok {
			s.renderMessage(w, http.StatusForbidden, lang, sv.Title(lang), i18n.T(lang, "surveys.public.bad_link"))
			return
		}
		s.serverError(w, "survey link", err)
		return
	}
	s.renderSurvey(w, r, http.StatusOK, sv, lang, nil, c, t, nil, "")
}

func (s *Server) surveyPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ip := s.ip(r)
	if s.limitedPost(w, ip) {
		return
	}
	lang := s.lang(r)
	if kind, _, err := s.origin(r); err != nil {
		s.serverError(w, "origin", err)
		return
	} else if kind == originForeign {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	sv, err := s.app.PublicSurvey(ctx, r.PathValue("key"))
	if errors.Is(err, crm.ErrNotFound) {
		http.Error(w, "no such survey", http.StatusNotFound)
		return
	}
	if err != nil {
		s.serverError(w, "survey", err)
		return
	}
	if !s.allow("", "s:"+sv.Key) {
		w.Header().Set("Retry-After", "60")
		http.Error(w, "too many answers; try again in a minute", http.StatusTooManyRequests)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSurveyBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "the answers could not be read (too large?)", http.StatusBadRequest)
		return
	}
	pf := r.PostForm
	if l, ok := i18n.Parse(pf.Get("lang")); ok {
		lang = l
	}
	c, t := pf.Get("c"), pf.Get("t")
	vals := map[string][]string{}
	for k, vs := range pf {
		switch k {
		case tokenField, honeypotField, "lang", "c", "t":
			continue
		}
		qk, ok := strings.CutPrefix(k, surveyPrefix)
		if !ok {
			qk = k // not an answer: refused below as an unknown question
		}
		vals[qk] = vs
	}
	if pf.Get(honeypotField) != "" {
		s.renderMessage(w, http.StatusOK, lang, sv.Title(lang), sv.Thanks(lang))
		return
	}
	if sv.Status != crm.SurveyOpen {
		s.renderMessage(w, http.StatusConflict, lang, sv.Title(lang), i18n.T(lang, "surveys.public.closed"))
		return
	}
	verdict, err := s.checkToken(ctx, "s:"+sv.Key, pf.Get(tokenField))
	if err != nil {
		s.serverError(w, "token", err)
		return
	}
	if verdict != tokenOK {
		s.renderSurvey(w, r, http.StatusUnprocessableEntity, sv, lang, vals, c, t, nil, i18n.T(lang, "forms.public.too_fast"))
		return
	}
	contactID, err := s.app.SurveyContact(ctx, sv, c, t)
	if err != nil {
		if _, ok := crm.AsValidation(err); ok {
			s.renderMessage(w, http.StatusForbidden, lang, sv.Title(lang), i18n.T(lang, "surveys.public.bad_link"))
			return
		}
		s.serverError(w, "survey link", err)
		return
	}
	_, err = s.app.SubmitSurvey(ctx, app.SurveyPost{Survey: sv, Values: vals, ContactID: contactID, Lang: lang, IP: ip,
		UserAgent: r.UserAgent()})
	if v, ok := crm.AsValidation(err); ok {
		errs := map[string]string{}
		for f, m := range v.Fields {
			errs[f] = i18n.Error(lang, m)
		}
		s.renderSurvey(w, r, http.StatusUnprocessableEntity, sv, lang, vals, c, t, errs, i18n.T(lang, "surveys.public.invalid"))
		return
	}
	if errors.Is(err, app.ErrSurveyClosed) {
		s.renderMessage(w, http.StatusConflict, lang, sv.Title(lang), i18n.T(lang, "surveys.public.closed"))
		return
	}
	if err != nil {
		s.serverError(w, "survey submit", err)
		return
	}
	s.renderMessage(w, http.StatusOK, lang, sv.Title(lang), sv.Thanks(lang))
}

// ---- the page ----

var surveyTmpl = template.Must(template.New("survey").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
<link rel="stylesheet" href="/static/vendor/tabler.min.css">
<style>body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI","Hiragino Sans","Noto Sans JP","Yu Gothic",Meiryo,sans-serif}.rk-hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}.rk-scale .form-selectgroup-label{min-width:2.6rem}</style>
</head>
<body class="bg-light">
<main class="page page-center"><div class="container container-narrow py-4">
<div class="card card-md">
<div class="card-body">
<h1 class="h2 mb-2">{{.Title}}</h1>
{{with .Intro}}<p class="text-secondary" style="white-space:pre-line">{{.}}</p>{{end}}
{{with .Alert}}<div class="alert alert-danger" role="alert">{{.}}</div>{{end}}
<form method="post" action="{{.Action}}" novalidate>
<input type="hidden" name="_t" value="{{.Token}}">
<input type="hidden" name="lang" value="{{.Lang}}">
{{with .C}}<input type="hidden" name="c" value="{{.}}">{{end}}
{{with .T}}<input type="hidden" name="t" value="{{.}}">{{end}}
<div class="rk-hp" aria-hidden="true"><label for="s-website_url">Website</label><input id="s-website_url" type="text" name="website_url" tabindex="-1" autocomplete="off"></div>
{{range $q := .Questions}}
<fieldset class="mb-4" id="q-{{.ID}}"{{if .Error}} aria-describedby="q-{{.ID}}-error"{{end}}>
<legend class="form-label fs-3{{if .Required}} required{{end}}">{{.N}}. {{.Text}}</legend>
{{if eq .Kind "single" "multiple"}}
{{range .Choices}}
<label class="form-check">
<input class="form-check-input" type="{{if eq .Type "radio"}}radio{{else}}checkbox{{end}}" name="{{.Name}}" value="{{.Value}}"{{if .Checked}} checked{{end}}>
<span class="form-check-label">{{.Label}}{{with .Hint}} <span class="text-secondary small">{{.}}</span>{{end}}</span>
</label>
{{end}}
{{else if eq .Kind "scale" "nps"}}
<div class="form-selectgroup rk-scale">
{{range .Choices}}<label class="form-selectgroup-item"><input type="radio" name="{{.Name}}" value="{{.Value}}" class="form-selectgroup-input"{{if .Checked}} checked{{end}}><span class="form-selectgroup-label">{{.Label}}</span></label>{{end}}
</div>
{{if or .Low .High}}<div class="d-flex justify-content-between small text-secondary mt-1"><span>{{.Low}}</span><span>{{.High}}</span></div>{{end}}
{{else if eq .Kind "text"}}
<textarea class="form-control{{if .Error}} is-invalid{{end}}" name="{{.Name}}" rows="4" maxlength="{{.MaxLen}}" aria-label="{{.Text}}">{{.Value}}</textarea>
{{else if eq .Kind "matrix"}}
<div class="table-responsive"><table class="table table-sm table-vcenter">
<thead><tr><th></th>{{range .Scale}}<th class="text-center">{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr><th scope="row" class="fw-normal">{{.Label}}</th>{{range .Cells}}<td class="text-center"><input class="form-check-input" type="radio" name="{{.Name}}" value="{{.Value}}" aria-label="{{.Label}}"{{if .Checked}} checked{{end}}></td>{{end}}</tr>{{end}}</tbody>
</table></div>
{{if or .Low .High}}<div class="d-flex justify-content-between small text-secondary"><span>1 = {{.Low}}</span><span>{{.Max}} = {{.High}}</span></div>{{end}}
{{end}}
{{with .Error}}<div class="invalid-feedback d-block" id="q-{{$q.ID}}-error">{{.}}</div>{{end}}
</fieldset>
{{end}}
<button type="submit" class="btn btn-primary w-100">{{.Submit}}</button>
</form>
</div>
</div>
<p class="text-center text-secondary small mt-3">{{.Footer}}</p>
</div></main>
</body>
</html>
`))

type surveyOption struct {
	Type, Name, Value, Label, Hint string
	Checked                        bool
}

type surveyRow struct {
	Label string
	Cells []surveyOption
}

type surveyQuestionView struct {
	ID, Kind, Text, Error, Name, Value, Low, High string
	N, MaxLen, Max                                int
	Required                                      bool
	Choices                                       []surveyOption
	Scale                                         []int
	Rows                                          []surveyRow
}

type surveyPageView struct {
	Lang, Title, Intro, Alert, Action, Token, Submit, Footer, C, T string
	Questions                                                      []surveyQuestionView
}

func has(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) renderSurvey(w http.ResponseWriter, r *http.Request, code int, sv crm.Survey, lang crm.Language,
	vals map[string][]string, c, t string, errs map[string]string, alert string) {
	tok, err := s.formToken(r.Context(), "s:"+sv.Key)
	if err != nil {
		s.serverError(w, "token", err)
		return
	}
	p := surveyPageView{Lang: string(lang), Title: sv.Title(lang), Intro: sv.Intro(lang), Alert: alert,
		Action: "/s/" + sv.Key, Token: tok, Submit: i18n.T(lang, "surveys.public.submit"), Footer: i18n.T(lang, "forms.public.footer"),
		C: c, T: t}
	if msg := errs["answers"]; msg != "" && alert != "" {
		p.Alert = alert + " " + msg
	}
	for i, q := range sv.Questions {
		qv := surveyQuestionView{ID: q.ID, Kind: string(q.Kind), Text: q.Text(lang), Error: errs[q.ID], Name: surveyPrefix + q.ID,
			N: i + 1, Required: q.Required, Low: q.Low(lang), High: q.High(lang), MaxLen: crm.MaxSurveyText, Max: q.ScaleMax}
		cur := vals[q.ID]
		switch q.Kind {
		case crm.QSingle, crm.QMultiple:
			typ := "radio"
			if q.Kind == crm.QMultiple {
				typ = "checkbox"
			}
			for _, ch := range q.Choices {
				o := surveyOption{Type: typ, Name: qv.Name, Value: ch.ID, Label: ch.Label(lang), Checked: has(cur, ch.ID)}
				switch {
				case ch.Goto == crm.GotoEnd:
					o.Hint = i18n.T(lang, "surveys.public.goto_end")
				case ch.Goto != "":
					if _, k, ok := sv.Question(ch.Goto); ok {
						o.Hint = i18n.T(lang, "surveys.public.goto", k+1)
					}
				}
				qv.Choices = append(qv.Choices, o)
			}
		case crm.QScale, crm.QNPS:
			for _, v := range q.Scale() {
				x := strconv.Itoa(v)
				qv.Choices = append(qv.Choices, surveyOption{Type: "radio", Name: qv.Name, Value: x, Label: x, Checked: has(cur, x)})
			}
		case crm.QText:
			if len(cur) > 0 {
				qv.Value = cur[0]
			}
		case crm.QMatrix:
			qv.Scale = q.Scale()
			for _, row := range q.Rows {
				rv := surveyRow{Label: row.Label(lang)}
				got := vals[q.ID+"."+row.ID]
				for _, v := range q.Scale() {
					x := strconv.Itoa(v)
					rv.Cells = append(rv.Cells, surveyOption{Name: qv.Name + "." + row.ID, Value: x, Label: row.Label(lang) + " " + x,
						Checked: has(got, x)})
				}
				qv.Rows = append(qv.Rows, rv)
			}
		}
		p.Questions = append(p.Questions, qv)
	}
	var buf bytes.Buffer
	if err := surveyTmpl.Execute(&buf, p); err != nil {
		s.serverError(w, "render survey", err)
		return
	}
	// The page may be framed by a registered site (the embed snippet).
	ancestors := "'self'"
	if sites, err := s.app.Store.AllSiteOrigins(r.Context()); err == nil {
		for _, site := range sites {
			for _, o := range site.Origins {
				if u, err := url.Parse(o); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
					!strings.ContainsAny(u.Host, " ;'\"") {
					ancestors += " " + u.Scheme + "://" + u.Host
				}
			}
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // the personal token never leaves in a Referer; same-origin posts keep their Origin
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors "+ancestors)
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

package track

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strings"

	"renkei/internal/app"
	"renkei/internal/bounce"
	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// The links of marketing e-mail (issue 8 §6, §7): unsubscribe (a page that
// asks to confirm, and the RFC 8058 one-click POST), the preference
// centre, the open pixel, click redirects, and the bounce webhook of the
// e-mail service. Tokens are checked by the app; a bad one is a 404 page,
// never a redirect.

// Limits of the e-mail endpoints.
const (
	maxEmailForm   = 16 << 10 // the unsubscribe and preference forms
	maxBounceBody  = 1 << 20  // one webhook post
	bounceKeyLimit = 600      // posts per minute per webhook key
)

func (s *Server) emailRoutes() []route {
	return []route{
		{"GET /e/u/{tok}", s.unsubscribePage},
		{"POST /e/u/{tok}", s.unsubscribePost},
		{"GET /e/p/{tok}", s.preferencesPage},
		{"POST /e/p/{tok}", s.preferencesPost},
		{"GET /e/o/{file}", s.openPixel},
		{"GET /e/c/{tok}", s.clickRedirect},
		{"POST /e/bounces/{key}", s.bounceWebhook},
	}
}

// ---- unsubscribe ----

func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	if s.limited(w, s.ip(r), "") {
		return
	}
	tok := r.PathValue("tok")
	rc, err := s.app.UnsubscribeRecipient(r.Context(), tok)
	if err != nil {
		s.emailLinkFailed(w, r, err)
		return
	}
	lang := rc.Language
	p := emailPage{Lang: string(lang), Title: i18n.T(lang, "email.unsub.title"), Prefs: "/e/p/" + tok,
		PrefsLabel: i18n.T(lang, "email.unsub.preferences"), Footer: i18n.T(lang, "email.public.footer")}
	if rc.Unsubscribed {
		p.Text = i18n.T(lang, "email.unsub.already", maskEmail(rc.Message.Email))
	} else {
		p.Text = i18n.T(lang, "email.unsub.ask", maskEmail(rc.Message.Email))
		p.Action, p.Submit = "/e/u/"+tok, i18n.T(lang, "email.unsub.confirm")
	}
	s.writeEmailPage(w, http.StatusOK, p)
}

// unsubscribePost is both the confirm button of the page and the RFC 8058
// one-click POST a mail client sends (body List-Unsubscribe=One-Click, no
// cookie, no token of ours besides the link's): it answers 200 and never
// redirects.
func (s *Server) unsubscribePost(w http.ResponseWriter, r *http.Request) {
	ip := s.ip(r)
	if s.limitedPost(w, ip) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxEmailForm)
	// RFC 8058 clients post multipart/form-data (its example) or
	// urlencoded.
	parse := r.ParseForm
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		parse = func() error { return r.ParseMultipartForm(maxEmailForm) }
	}
	if err := parse(); err != nil {
		http.Error(w, "bad request body", http.StatusBadRequest)
		return
	}
	oneClick := r.PostFormValue("List-Unsubscribe") == "One-Click"
	via := app.UnsubscribeLink
	if oneClick {
		via = app.UnsubscribeOneClick
	}
	tok := r.PathValue("tok")
	rc, err := s.app.Unsubscribe(r.Context(), tok, ip, via)
	if oneClick {
		w.Header().Set("Cache-Control", "no-store")
		switch {
		case errors.Is(err, crm.ErrNotFound):
			http.Error(w, "unknown or invalid link", http.StatusNotFound)
		case err != nil:
			s.serverError(w, "unsubscribe", err)
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, "unsubscribed\n")
		}
		return
	}
	if err != nil {
		s.emailLinkFailed(w, r, err)
		return
	}
	lang := rc.Language
	s.writeEmailPage(w, http.StatusOK, emailPage{Lang: string(lang), Title: i18n.T(lang, "email.unsub.done"),
		Text: i18n.T(lang, "email.unsub.done_text", maskEmail(rc.Message.Email)), Prefs: "/e/p/" + tok,
		PrefsLabel: i18n.T(lang, "email.unsub.preferences"), Footer: i18n.T(lang, "email.public.footer")})
}

// ---- preference centre ----

func (s *Server) preferencesPage(w http.ResponseWriter, r *http.Request) {
	if s.limited(w, s.ip(r), "") {
		return
	}
	s.renderPreferences(w, r, r.PathValue("tok"), "")
}

func (s *Server) renderPreferences(w http.ResponseWriter, r *http.Request, tok, notice string) {
	pr, err := s.app.RecipientPreferences(r.Context(), tok)
	if err != nil {
		s.emailLinkFailed(w, r, err)
		return
	}
	lang := pr.Language
	p := emailPage{Lang: string(lang), Title: i18n.T(lang, "email.prefs.title"), Notice: notice,
		Text: i18n.T(lang, "email.prefs.text", maskEmail(pr.Message.Email)), Footer: i18n.T(lang, "email.public.footer"),
		Action: "/e/p/" + tok, Submit: i18n.T(lang, "email.prefs.save"), PrefsForm: true,
		AllLabel: i18n.T(lang, "email.prefs.everything"), Unsubscribed: pr.Unsubscribed}
	if pr.Unsubscribed {
		p.Text, p.Action = i18n.T(lang, "email.prefs.unsubscribed", maskEmail(pr.Message.Email)), ""
	}
	for _, c := range pr.Topics {
		p.Topics = append(p.Topics, emailTopic{Key: c.Topic.Key, Name: c.Topic.Name(lang), Description: c.Topic.Description(lang),
			Checked: c.Subscribed})
	}
	if len(p.Topics) == 0 && !pr.Unsubscribed {
		p.NoTopics = i18n.T(lang, "email.prefs.no_topics")
	}
	s.writeEmailPage(w, http.StatusOK, p)
}

func (s *Server) preferencesPost(w http.ResponseWriter, r *http.Request) {
	ip := s.ip(r)
	if s.limitedPost(w, ip) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxEmailForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request body", http.StatusBadRequest)
		return
	}
	tok := r.PathValue("tok")
	everything := r.PostForm.Get("everything") == "yes"
	keep := r.PostForm["topic"]
	if len(keep) > 200 {
		http.Error(w, "too many topics", http.StatusBadRequest)
		return
	}
	pr, err := s.app.SavePreferences(r.Context(), tok, keep, everything, ip)
	if err != nil {
		s.emailLinkFailed(w, r, err)
		return
	}
	s.renderPreferences(w, r, tok, i18n.T(pr.Language, "email.prefs.saved"))
}

// ---- opens and clicks ----

// pixel is a transparent 1×1 GIF.
var pixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// openPixel answers the GIF whatever happens (a broken image in a mail
// helps nobody) and records the open when the token is good.
func (s *Server) openPixel(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "image/gif")
	h.Set("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "0")
	h.Set("X-Content-Type-Options", "nosniff")
	tok, isGIF := strings.CutSuffix(r.PathValue("file"), ".gif")
	if ip := s.ip(r); isGIF && s.allow(ip, "") {
		if err := s.app.RecordOpen(r.Context(), tok, r.UserAgent(), ip); err != nil && !errors.Is(err, crm.ErrNotFound) {
			s.log.Error("email: open", "err", err)
		}
	}
	w.Write(pixel)
}

// clickRedirect sends the reader on to the link's address only when the
// token was signed for exactly that address; anything else is a 404 page.
func (s *Server) clickRedirect(w http.ResponseWriter, r *http.Request) {
	ip := s.ip(r)
	if s.limited(w, ip, "") {
		return
	}
	q := r.URL.Query()
	if len(q["u"]) != 1 {
		s.emailLinkFailed(w, r, crm.ErrNotFound)
		return
	}
	dest, err := s.app.RecordClick(r.Context(), r.PathValue("tok"), q.Get("u"), r.UserAgent(), ip)
	if err != nil {
		s.emailLinkFailed(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Location", dest)
	w.WriteHeader(http.StatusFound)
}

// ---- bounce webhook ----

// bounceWebhook takes the bounce and complaint notices of an e-mail service
// (bounce.Parse lists the formats) at a secret per-workspace URL.
func (s *Server) bounceWebhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ip := s.ip(r)
	key := r.PathValue("key")
	if s.limited(w, ip, "") {
		return
	}
	if len(key) > 64 {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown webhook"})
		return
	}
	ok, err := s.app.CheckBounceKey(ctx, key)
	if err != nil {
		s.serverError(w, "bounce key", err)
		return
	}
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown webhook"})
		return
	}
	if allowed, wait := s.lim.bounce.take(key, s.now()); !allowed {
		tooMany(w, wait)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBounceBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "the body is larger than 1 MiB"})
		return
	}
	notices, subscribe, err := bounce.Parse(body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if subscribe != "" {
		// We do not fetch URLs named by a request; an admin confirms the
		// subscription by opening it (see docs/email-recipients.md).
		s.log.Warn("email: SNS subscription confirmation received; open SubscribeURL to confirm", "url", subscribe)
		writeJSON(w, http.StatusOK, map[string]any{"subscription": "logged; confirm it by opening SubscribeURL"})
		return
	}
	res, err := s.app.RecordBounces(ctx, notices)
	if v, ok := crm.AsValidation(err); ok {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid notices", "fields": v.Fields})
		return
	}
	if err != nil {
		s.serverError(w, "bounces", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"hard": res.Hard, "soft": res.Soft, "complaints": res.Complaints, "unknown": res.Unknown})
}

// ---- pages ----

// emailLinkFailed answers a bad or stale link with a 404 page in the
// visitor's language (never a redirect).
func (s *Server) emailLinkFailed(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, crm.ErrNotFound) {
		s.serverError(w, "email link", err)
		return
	}
	lang := s.lang(r)
	s.writeEmailPage(w, http.StatusNotFound, emailPage{Lang: string(lang), Title: i18n.T(lang, "email.link.invalid"),
		Text: i18n.T(lang, "email.link.invalid_text"), Footer: i18n.T(lang, "email.public.footer")})
}

// maskEmail shows enough of an address for its owner to recognise it:
// ha***@example.jp.
func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok {
		return ""
	}
	r := []rune(local)
	if len(r) > 2 {
		r = r[:2]
	}
	return string(r) + "***@" + domain
}

type emailTopic struct {
	Key, Name, Description string
	Checked                bool
}

type emailPage struct {
	Lang, Title, Text, Notice, Action, Submit, Prefs, PrefsLabel, Footer, AllLabel, NoTopics string
	PrefsForm, Unsubscribed                                                                  bool
	Topics                                                                                   []emailTopic
}

var emailTmpl = template.Must(template.New("email").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
<link rel="stylesheet" href="/static/vendor/tabler.min.css">
<style>body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI","Hiragino Sans","Noto Sans JP","Yu Gothic",Meiryo,sans-serif}</style>
</head>
<body class="bg-light">
<main class="page page-center"><div class="container container-tight py-4">
<div class="card card-md"><div class="card-body">
<h1 class="h2 mb-3">{{.Title}}</h1>
{{with .Notice}}<div class="alert alert-success" role="status">{{.}}</div>{{end}}
<p>{{.Text}}</p>
{{if .PrefsForm}}{{if .Action}}
<form method="post" action="{{.Action}}">
{{range .Topics}}
<label class="form-check mb-2">
<input class="form-check-input" type="checkbox" name="topic" value="{{.Key}}"{{if .Checked}} checked{{end}}>
<span class="form-check-label fw-bold">{{.Name}}</span>
{{with .Description}}<span class="form-hint d-block">{{.}}</span>{{end}}
</label>
{{end}}
{{with .NoTopics}}<p class="text-secondary">{{.}}</p>{{end}}
<hr>
<label class="form-check mb-3">
<input class="form-check-input" type="checkbox" name="everything" value="yes">
<span class="form-check-label">{{.AllLabel}}</span>
</label>
<button type="submit" class="btn btn-primary w-100">{{.Submit}}</button>
</form>
{{end}}{{else if .Action}}
<form method="post" action="{{.Action}}"><button type="submit" class="btn btn-danger w-100">{{.Submit}}</button></form>
{{end}}
{{with .Prefs}}<p class="mt-3 mb-0 text-center"><a href="{{.}}">{{$.PrefsLabel}}</a></p>{{end}}
</div></div>
<p class="text-center text-secondary small mt-3">{{.Footer}}</p>
</div></main>
</body>
</html>
`))

// writeEmailPage renders a page with the same strict policy as the form
// pages: our styles only, posts only to ourselves, no scripts.
func (s *Server) writeEmailPage(w http.ResponseWriter, code int, p emailPage) {
	var buf bytes.Buffer
	if err := emailTmpl.Execute(&buf, p); err != nil {
		s.serverError(w, "render", err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

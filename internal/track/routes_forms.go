package track

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/httpx"
	"renkei/internal/i18n"
)

// Form spam defence.
const (
	// MinFillTime is the least time between rendering a form and posting it;
	// faster posts are bots.
	MinFillTime = 3 * time.Second
	// maxTokenAge is how long a rendered form's token stays valid.
	maxTokenAge = 24 * time.Hour
	// honeypotField is a hidden input people never fill.
	honeypotField = "website_url"
	// tokenField carries the signed render time.
	tokenField = "_t"
	// maxFormBody caps a submission's body.
	maxFormBody = 64 << 10
)

// formState is what the form endpoints keep: the signing secret, loaded
// once from the database.
type formState struct {
	mu     sync.Mutex
	secret []byte
}

//go:embed embed.js
var embedJS []byte

// formRoutes are the public form endpoints: the hosted page and its posts
// (also used by plain HTML forms on other sites), the embed script with
// its form definitions, and the double opt-in link.
func (s *Server) formRoutes() []route {
	return []route{
		{"GET /f/embed.js", s.formEmbedJS},
		{"GET /f/embed/{key}", s.formDefinition},
		{"OPTIONS /f/embed/{key}", s.formPreflight},
		{"GET /f/{key}", s.formPage},
		{"POST /f/{key}", s.formPost},
		{"OPTIONS /f/{key}", s.formPreflight},
		{"GET /f/confirm/{token}", s.optInPage},
		{"POST /f/confirm/{token}", s.optInPost},
	}
}

// secret returns the token signing secret.
func (s *Server) secret(ctx context.Context) ([]byte, error) {
	s.forms.mu.Lock()
	defer s.forms.mu.Unlock()
	if s.forms.secret == nil {
		b, err := s.app.FormSecret(ctx)
		if err != nil {
			return nil, err
		}
		s.forms.secret = b
	}
	return s.forms.secret, nil
}

// formToken signs the time a form was rendered: "ms.signature".
func (s *Server) formToken(ctx context.Context, key string) (string, error) {
	sec, err := s.secret(ctx)
	if err != nil {
		return "", err
	}
	at := strconv.FormatInt(s.app.Clock().UnixMilli(), 10)
	return at + "." + sign(sec, key, at), nil
}

func sign(secret []byte, key, at string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(key + "|" + at))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// tokenVerdict says whether a post's token shows a human's pace.
type tokenVerdict int

const (
	tokenOK tokenVerdict = iota
	tokenMissing
	tokenBad     // forged, expired or for another form
	tokenTooFast // signed, but posted sooner than MinFillTime
)

func (s *Server) checkToken(ctx context.Context, key, tok string) (tokenVerdict, error) {
	if tok == "" {
		return tokenMissing, nil
	}
	at, sig, ok := strings.Cut(tok, ".")
	ms, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil {
		return tokenBad, nil
	}
	sec, err := s.secret(ctx)
	if err != nil {
		return tokenBad, err
	}
	if !hmac.Equal([]byte(sig), []byte(sign(sec, key, at))) {
		return tokenBad, nil
	}
	age := s.app.Clock().Sub(time.UnixMilli(ms))
	switch {
	case age > maxTokenAge:
		return tokenBad, nil
	case age < MinFillTime:
		return tokenTooFast, nil
	}
	return tokenOK, nil
}

// origin classifies a request's Origin header: none (a same-origin or
// non-browser request), our own host, a registered site (with its id), or
// foreign.
type originKind int

const (
	originNone originKind = iota
	originOwn
	originSite
	originForeign
)

func (s *Server) origin(r *http.Request) (originKind, int64, error) {
	o := r.Header.Get("Origin")
	if o == "" {
		return originNone, 0, nil
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return originForeign, 0, nil
	}
	if strings.EqualFold(u.Host, r.Host) {
		return originOwn, 0, nil
	}
	if own, err := url.Parse(s.app.BaseURL); err == nil && strings.EqualFold(own.Host, u.Host) {
		return originOwn, 0, nil
	}
	id, ok, err := s.app.SiteForOrigin(r.Context(), o)
	if err != nil {
		return originForeign, 0, err
	}
	if ok {
		return originSite, id, nil
	}
	return originForeign, 0, nil
}

// allowCORS lets a registered site's page read the answer.
func allowCORS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	h.Add("Vary", "Origin")
}

// lang picks the visitor's language: ?lang=, then Accept-Language, then
// the workspace's.
func (s *Server) lang(r *http.Request) crm.Language {
	if l, ok := i18n.Parse(r.URL.Query().Get("lang")); ok {
		return l
	}
	if l, ok := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")); ok {
		return l
	}
	if ws, _, err := s.app.Workspace(r.Context()); err == nil && ws.Language != "" {
		return ws.Language
	}
	return crm.LangJA
}

func (s *Server) ip(r *http.Request) string { return httpx.ClientIP(r, s.proxies) }

func (s *Server) serverError(w http.ResponseWriter, what string, err error) {
	s.log.Error("forms: "+what, "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// ---- embed ----

func (s *Server) formEmbedJS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Access-Control-Allow-Origin", "*")
	w.Write(embedJS)
}

func (s *Server) formPreflight(w http.ResponseWriter, r *http.Request) {
	if s.limited(w, s.ip(r), "") {
		return
	}
	kind, _, err := s.origin(r)
	if err != nil {
		s.serverError(w, "origin", err)
		return
	}
	if kind != originSite && kind != originOwn {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	allowCORS(w, r)
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// embedField is one field as the embed script renders it.
type embedField struct {
	Key       string `json:"key"`
	Label     string `json:"label"`
	Type      string `json:"type"` // email, tel, url, text, checkbox
	Required  bool   `json:"required"`
	MaxLength int    `json:"max_length,omitempty"`
}

// embedDef is a form as the embed script renders it, in one language.
type embedDef struct {
	Title    string       `json:"title"`
	Fields   []embedField `json:"fields"`
	Submit   string       `json:"submit"`
	Token    string       `json:"token"`
	Honeypot string       `json:"honeypot"`
	Action   string       `json:"action"`
	Lang     string       `json:"lang"`
	Required string       `json:"required_text"`
	Error    string       `json:"error_text"`
}

func inputType(f crm.FormField) string {
	switch {
	case f.Key == crm.FieldConsent:
		return "checkbox"
	case f.Format == crm.FormatEmail:
		return "email"
	case f.Format == crm.FormatPhone:
		return "tel"
	case f.Format == crm.FormatURL:
		return "url"
	}
	return "text"
}

func (s *Server) formDefinition(w http.ResponseWriter, r *http.Request) {
	if s.limited(w, s.ip(r), "") {
		return
	}
	kind, _, err := s.origin(r)
	if err != nil {
		s.serverError(w, "origin", err)
		return
	}
	if kind == originForeign {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	if kind == originSite {
		allowCORS(w, r)
	}
	fm, err := s.app.PublicForm(r.Context(), r.PathValue("key"))
	if errors.Is(err, crm.ErrNotFound) {
		http.Error(w, "no such form", http.StatusNotFound)
		return
	}
	if err != nil {
		s.serverError(w, "form", err)
		return
	}
	lang := s.lang(r)
	tok, err := s.formToken(r.Context(), fm.Key)
	if err != nil {
		s.serverError(w, "token", err)
		return
	}
	if err := s.app.CountFormView(r.Context(), fm.ID); err != nil {
		s.log.Warn("forms: count a view", "err", err)
	}
	d := embedDef{Title: fm.Title(lang), Submit: i18n.T(lang, "forms.public.submit"), Token: tok, Honeypot: honeypotField,
		Action: s.app.BaseURL + "/f/" + fm.Key, Lang: string(lang), Required: i18n.T(lang, "forms.public.required"),
		Error: i18n.T(lang, "forms.public.failed")}
	for _, f := range fm.Fields {
		d.Fields = append(d.Fields, embedField{Key: f.Key, Label: f.Label(lang), Type: inputType(f), Required: f.Required, MaxLength: f.MaxLength})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, d)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// ---- hosted page and posts ----

func (s *Server) formPage(w http.ResponseWriter, r *http.Request) {
	if s.limited(w, s.ip(r), "") {
		return
	}
	fm, err := s.app.PublicForm(r.Context(), r.PathValue("key"))
	lang := s.lang(r)
	if errors.Is(err, crm.ErrNotFound) {
		s.renderMessage(w, http.StatusNotFound, lang, i18n.T(lang, "forms.public.not_found"), i18n.T(lang, "forms.public.not_found_text"))
		return
	}
	if err != nil {
		s.serverError(w, "form", err)
		return
	}
	if err := s.app.CountFormView(r.Context(), fm.ID); err != nil {
		s.log.Warn("forms: count a view", "err", err)
	}
	page := "https://" + r.Host + r.URL.RequestURI()
	if !httpx.IsTLS(r, s.proxies) {
		page = "http://" + r.Host + r.URL.RequestURI()
	}
	s.renderForm(w, r, http.StatusOK, fm, lang, url.Values{"page_url": {page}, "referrer": {r.Referer()}}, nil, "")
}

// post is a submission as read from either encoding.
type post struct {
	values    map[string]string
	token     string
	honeypot  string
	pageURL   string
	referrer  string
	visitorID string
	lang      string
	json      bool
}

func readPost(w http.ResponseWriter, r *http.Request) (post, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	var p post
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var in struct {
			Values    map[string]string `json:"values"`
			Token     string            `json:"_t"`
			Honeypot  string            `json:"website_url"`
			PageURL   string            `json:"page_url"`
			Referrer  string            `json:"referrer"`
			VisitorID string            `json:"visitor_id"`
			Lang      string            `json:"lang"`
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return p, err
		}
		if dec.More() {
			return p, errors.New("data after the JSON object")
		}
		return post{values: in.Values, token: in.Token, honeypot: in.Honeypot, pageURL: in.PageURL, referrer: in.Referrer,
			visitorID: in.VisitorID, lang: in.Lang, json: true}, nil
	}
	if err := r.ParseForm(); err != nil {
		return p, err
	}
	p.values = map[string]string{}
	for k, vs := range r.PostForm {
		if len(vs) > 0 {
			p.values[k] = vs[0]
		}
	}
	p.token, p.honeypot = r.PostForm.Get(tokenField), r.PostForm.Get(honeypotField)
	p.pageURL, p.referrer, p.visitorID = r.PostForm.Get("page_url"), r.PostForm.Get("referrer"), r.PostForm.Get("visitor_id")
	if p.pageURL == "" {
		// A plain HTML form on a site: the browser's Referer is the page.
		p.pageURL = r.Referer()
	}
	return p, nil
}

func (s *Server) formPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ip := s.ip(r)
	if s.limitedPost(w, ip) {
		return
	}
	lang := s.lang(r)
	kind, siteID, err := s.origin(r)
	if err != nil {
		s.serverError(w, "origin", err)
		return
	}
	if kind == originForeign {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	if kind == originSite {
		allowCORS(w, r)
	}
	fm, err := s.app.PublicForm(ctx, r.PathValue("key"))
	if errors.Is(err, crm.ErrNotFound) {
		http.Error(w, "no such form", http.StatusNotFound)
		return
	}
	if err != nil {
		s.serverError(w, "form", err)
		return
	}
	if !s.allow("", fm.Key) {
		s.countSpam(ctx, fm)
		w.Header().Set("Retry-After", "60")
		http.Error(w, "too many submissions; try again in a minute", http.StatusTooManyRequests)
		return
	}
	p, err := readPost(w, r)
	if err != nil {
		http.Error(w, "the submission could not be read", http.StatusBadRequest)
		return
	}
	if l, ok := i18n.Parse(p.lang); ok {
		lang = l
	}
	if p.honeypot != "" {
		// A bot: count it and answer as if it had worked.
		s.countSpam(ctx, fm)
		s.answerDone(w, r, fm, lang, p, "")
		return
	}
	verdict, err := s.checkToken(ctx, fm.Key, p.token)
	if err != nil {
		s.serverError(w, "token", err)
		return
	}
	// Plain HTML forms on a registered site have no token; anything else
	// must carry one that shows a human's pace.
	if verdict != tokenOK && !(verdict == tokenMissing && kind == originSite) {
		s.countSpam(ctx, fm)
		msg := i18n.T(lang, "forms.public.too_fast")
		if p.json {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"ok": false, "message": msg, "errors": map[string]string{}})
			return
		}
		s.renderForm(w, r, http.StatusUnprocessableEntity, fm, lang, postedValues(p), nil, msg)
		return
	}
	_, err = s.app.SubmitForm(ctx, app.FormPost{Form: fm, Values: p.values, Lang: lang, PageURL: p.pageURL,
		Referrer: p.referrer, SiteID: siteID, VisitorID: p.visitorID, IP: ip, UserAgent: r.UserAgent()})
	if v, ok := crm.AsValidation(err); ok {
		errs := map[string]string{}
		for f, m := range v.Fields {
			errs[f] = i18n.Error(lang, m)
		}
		msg := i18n.T(lang, "forms.public.invalid")
		if p.json {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"ok": false, "message": msg, "errors": errs})
			return
		}
		s.renderForm(w, r, http.StatusUnprocessableEntity, fm, lang, postedValues(p), errs, msg)
		return
	}
	if err != nil {
		s.serverError(w, "submit", err)
		return
	}
	redirect := ""
	if fm.RedirectURL != "" {
		// Checked when the form was saved; checked again in case the site
		// was removed since.
		if ok, err := s.app.AllowedRedirect(ctx, fm.RedirectURL); err == nil && ok {
			redirect = fm.RedirectURL
		}
	}
	s.answerDone(w, r, fm, lang, p, redirect)
}

func (s *Server) countSpam(ctx context.Context, fm crm.Form) {
	if err := s.app.CountFormSpam(ctx, fm.ID); err != nil {
		s.log.Warn("forms: count spam", "err", err)
	}
}

// postedValues turns a post back into form values to show again.
func postedValues(p post) url.Values {
	v := url.Values{}
	for k, x := range p.values {
		v.Set(k, x)
	}
	v.Set("page_url", p.pageURL)
	v.Set("referrer", p.referrer)
	v.Set("visitor_id", p.visitorID)
	return v
}

// answerDone answers a successful post: JSON for the embed, a 303 to the
// redirect, or the thank-you page.
func (s *Server) answerDone(w http.ResponseWriter, r *http.Request, fm crm.Form, lang crm.Language, p post, redirect string) {
	if p.json {
		out := map[string]any{"ok": true, "message": fm.Thanks(lang)}
		if redirect != "" {
			out["redirect"] = redirect
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	if redirect != "" {
		http.Redirect(w, r, redirect, http.StatusSeeOther)
		return
	}
	s.renderMessage(w, http.StatusOK, lang, fm.Title(lang), fm.Thanks(lang))
}

// ---- double opt-in ----

func (s *Server) optInPage(w http.ResponseWriter, r *http.Request) {
	if s.limited(w, s.ip(r), "") {
		return
	}
	lang := s.lang(r)
	if err := s.app.CheckOptIn(r.Context(), r.PathValue("token")); err != nil {
		s.optInFailed(w, lang, err)
		return
	}
	s.renderConfirm(w, lang)
}

func (s *Server) optInPost(w http.ResponseWriter, r *http.Request) {
	if s.limitedPost(w, s.ip(r)) {
		return
	}
	lang := s.lang(r)
	if kind, _, err := s.origin(r); err != nil || kind == originForeign || kind == originSite {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	if err := s.app.ConfirmOptIn(r.Context(), r.PathValue("token"), s.ip(r)); err != nil {
		s.optInFailed(w, lang, err)
		return
	}
	s.renderMessage(w, http.StatusOK, lang, i18n.T(lang, "forms.optin.done"), i18n.T(lang, "forms.optin.done_text"))
}

func (s *Server) optInFailed(w http.ResponseWriter, lang crm.Language, err error) {
	if errors.Is(err, crm.ErrNotFound) {
		s.renderMessage(w, http.StatusNotFound, lang, i18n.T(lang, "forms.optin.invalid"), i18n.T(lang, "forms.optin.invalid_text"))
		return
	}
	s.serverError(w, "opt-in", err)
}

package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/httpx"
	"renkei/internal/i18n"
)

// Cookie names.
const (
	sessionCookie = "renkei_session" // the signed-in session
	mfaCookie     = "renkei_mfa"     // a session waiting for its second factor
	langCookie    = "renkei_lang"    // the language chosen before signing in
	flashCookie   = "renkei_flash"   // a catalogue key shown once after a redirect
)

// sessionCookieAge is how long the browser keeps the session cookie; the
// server expires idle sessions sooner (app.SessionIdle).
const sessionCookieAge = 30 * 24 * time.Hour

// contentSecurityPolicy allows our own origin only: no inline scripts or
// styles, no framing, forms post to us only. Tabler's CSS draws a few
// controls (select arrows, check marks) with data: images.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// req is what the middleware learns about a request before the handler
// runs.
type req struct {
	actor app.Actor // zero User.ID when nobody is signed in
	lang  crm.Language
	ip    string
	tls   bool
	// ws caches the workspace settings for this request.
	ws *crm.Workspace
}

// signedIn reports whether a user is signed in.
func (rq *req) signedIn() bool { return rq.actor.User.ID != 0 }

// workspace returns the workspace settings, read once per request.
func (s *server) workspace(ctx context.Context, rq *req) (crm.Workspace, error) {
	if rq.ws != nil {
		return *rq.ws, nil
	}
	ws, _, err := s.app.Workspace(ctx)
	if err != nil {
		return ws, err
	}
	rq.ws = &ws
	return ws, nil
}

// secure adds the security headers to every response and refuses
// cross-origin unsafe requests (CSRF) before any handler runs.
func (s *server) secure(next http.Handler) (http.Handler, error) {
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(s.app.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		if err := cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, err
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := &req{ip: httpx.ClientIP(r, s.trusted)}
		rq.lang = s.anonymousLanguage(r, rq)
		s.log.Warn("web: cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "ip", rq.ip)
		s.fail(w, r, rq, crm.ErrForbidden)
	}))
	protected := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if httpx.IsTLS(r, s.trusted) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		protected.ServeHTTP(w, r)
	}), nil
}

// wrap runs the per-route middleware: first-run redirect, session,
// language and the permission check of the table.
func (s *server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := &req{ip: httpx.ClientIP(r, s.trusted), tls: httpx.IsTLS(r, s.trusted), lang: crm.LangEN}
		if rt.bare {
			if err := rt.h(w, r, rq); err != nil {
				s.fail(w, r, rq, err)
			}
			return
		}
		ctx := r.Context()
		if err := s.authenticate(w, r, rq); err != nil {
			s.fail(w, r, rq, err)
			return
		}
		rq.lang = s.language(w, r, rq, rt.perm == public)
		if !s.setupDone.Load() {
			need, err := s.app.NeedsSetup(ctx)
			if err != nil {
				s.fail(w, r, rq, err)
				return
			}
			if !need {
				s.setupDone.Store(true)
			} else if rt.pattern != "/setup" {
				http.Redirect(w, r, "/setup", http.StatusSeeOther)
				return
			}
		}
		if rt.perm != public {
			if !rq.signedIn() {
				s.fail(w, r, rq, crm.ErrUnauthorized)
				return
			}
			if !rq.actor.Can(rt.perm) {
				s.fail(w, r, rq, crm.ErrForbidden)
				return
			}
		}
		if err := rt.h(w, r, rq); err != nil {
			s.fail(w, r, rq, err)
		}
	})
}

// authenticate resolves the session cookie. A cookie that no longer names
// a live session is removed; the request goes on anonymously.
func (s *server) authenticate(w http.ResponseWriter, r *http.Request, rq *req) error {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	ac, err := s.app.Authenticate(r.Context(), c.Value, rq.ip)
	if errors.Is(err, crm.ErrUnauthorized) {
		s.clearCookie(w, rq, sessionCookie)
		return nil
	}
	if err != nil {
		return err
	}
	rq.actor = ac
	return nil
}

// language picks the UI language: the signed-in user's setting; otherwise
// a ?lang= switch on a public page (remembered in a cookie), that cookie,
// the browser's Accept-Language, and last the workspace default.
func (s *server) language(w http.ResponseWriter, r *http.Request, rq *req, publicPage bool) crm.Language {
	if rq.signedIn() {
		if l, ok := crm.ParseLanguage(string(rq.actor.User.Language)); ok {
			return l
		}
	}
	if publicPage {
		if q := r.URL.Query().Get("lang"); q != "" {
			if l, ok := i18n.Parse(q); ok {
				http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/",
					MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: rq.tls, SameSite: http.SameSiteLaxMode})
				return l
			}
		}
	}
	return s.anonymousLanguage(r, rq)
}

// anonymousLanguage is the language for someone not signed in.
func (s *server) anonymousLanguage(r *http.Request, rq *req) crm.Language {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := i18n.Parse(c.Value); ok {
			return l
		}
	}
	if l, ok := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")); ok {
		return l
	}
	if ws, err := s.workspace(r.Context(), rq); err == nil {
		if l, ok := crm.ParseLanguage(string(ws.Language)); ok {
			return l
		}
	}
	return crm.LangEN
}

// setSession sets the session cookie after a sign-in.
func (s *server) setSession(w http.ResponseWriter, rq *req, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/",
		MaxAge: int(sessionCookieAge.Seconds()), HttpOnly: true, Secure: rq.tls, SameSite: http.SameSiteLaxMode})
	s.clearCookie(w, rq, mfaCookie)
}

// clearCookie removes a cookie.
func (s *server) clearCookie(w http.ResponseWriter, rq *req, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: rq.tls, SameSite: http.SameSiteLaxMode})
}

// setFlash remembers a catalogue key to show once on the next page.
func (s *server) setFlash(w http.ResponseWriter, rq *req, key string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: key, Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: rq.tls, SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the flash message (translated) and removes it. Only
// catalogue keys starting with "flash." are shown, so the cookie cannot
// put arbitrary text on the page.
func (s *server) takeFlash(w http.ResponseWriter, r *http.Request, rq *req) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	s.clearCookie(w, rq, flashCookie)
	if !strings.HasPrefix(c.Value, "flash.") || !i18n.Has(rq.lang, c.Value) {
		return ""
	}
	return i18n.T(rq.lang, c.Value)
}

// redirect answers a form post with 303 See Other, optionally with a flash
// message for the next page.
func (s *server) redirect(w http.ResponseWriter, r *http.Request, rq *req, to, flash string) error {
	if flash != "" {
		s.setFlash(w, rq, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// localPath returns p when it is a path on this site ("/settings"), and
// fallback otherwise, so ?next= and similar cannot send users elsewhere.
func localPath(p, fallback string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.ContainsAny(p, "\r\n\\") {
		return fallback
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return fallback
	}
	return p
}

package web

import (
	"errors"
	"net/http"
	"net/url"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// mfaCookieAge is how long (seconds) the browser keeps a session that
// waits for its second factor; the server allows 10 minutes as well.
const mfaCookieAge = 10 * 60

// checkConfirm returns a validation error when the password and its
// confirmation differ.
func checkConfirm(r *http.Request) error {
	if r.PostFormValue("password") != r.PostFormValue("password_confirm") {
		return crm.Invalid("password_confirm", "the two passwords are not the same")
	}
	return nil
}

// setupPage shows the first-run form; once a user exists it is gone.
func (s *server) setupPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	if s.setupDone.Load() {
		return crm.ErrNotFound
	}
	p := s.newPage(w, r, rq, "setup.title")
	p.Wide = true
	p.Form = newForm()
	p.Form.Set("language", string(rq.lang))
	tz := s.app.ServerTZ
	if rq.lang == crm.LangJA || tz == "" || tz == "Local" {
		tz = "Asia/Tokyo"
	}
	p.Form.Set("time_zone", tz)
	s.render(w, r, rq, http.StatusOK, "setup", p)
	return nil
}

func (s *server) setupPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if s.setupDone.Load() {
		return crm.ErrNotFound
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "setup.title")
	p.Wide = true
	p.Form = submitted(r)
	if err := checkConfirm(r); err != nil {
		return again(err, "setup", p)
	}
	f := p.Form
	token, _, err := s.app.Setup(r.Context(), app.SetupInput{
		WorkspaceName: f.Get("workspace_name"), Language: f.Get("language"), TimeZone: f.Get("time_zone"),
		Name: f.Get("name"), Email: f.Get("email"), Password: r.PostFormValue("password"),
	}, rq.ip, r.UserAgent())
	if err != nil {
		return again(err, "setup", p)
	}
	s.setupDone.Store(true)
	s.setSession(w, rq, token)
	return s.redirect(w, r, rq, "/", "flash.setup_done")
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	next := localPath(r.URL.Query().Get("next"), "/")
	if rq.signedIn() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	p := s.newPage(w, r, rq, "login.title")
	p.Form = newForm()
	p.Form.Set("next", next)
	s.render(w, r, rq, http.StatusOK, "login", p)
	return nil
}

func (s *server) loginPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "login.title")
	p.Form = submitted(r)
	res, err := s.app.Login(r.Context(), p.Form.Get("email"), r.PostFormValue("password"), rq.ip, r.UserAgent())
	if err != nil {
		return again(err, "login", p)
	}
	next := localPath(p.Form.Get("next"), "/")
	if res.NeedsTOTP {
		http.SetCookie(w, &http.Cookie{Name: mfaCookie, Value: res.SessionToken, Path: "/", MaxAge: mfaCookieAge,
			HttpOnly: true, Secure: rq.tls, SameSite: http.SameSiteLaxMode})
		return s.redirect(w, r, rq, "/login/totp?next="+url.QueryEscape(next), "")
	}
	s.setSession(w, rq, res.SessionToken)
	return s.redirect(w, r, rq, next, "")
}

func (s *server) totpPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	if c, err := r.Cookie(mfaCookie); err != nil || c.Value == "" {
		return s.redirect(w, r, rq, "/login", "")
	}
	p := s.newPage(w, r, rq, "totp.title")
	p.Form = newForm()
	p.Form.Set("next", localPath(r.URL.Query().Get("next"), "/"))
	s.render(w, r, rq, http.StatusOK, "totp", p)
	return nil
}

func (s *server) totpPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	c, err := r.Cookie(mfaCookie)
	if err != nil || c.Value == "" {
		return s.redirect(w, r, rq, "/login", "")
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "totp.title")
	p.Form = submitted(r)
	p.Form.Values.Del("code")
	if _, err := s.app.VerifyTOTP(r.Context(), c.Value, r.PostFormValue("code"), rq.ip); err != nil {
		if errors.Is(err, crm.ErrUnauthorized) {
			s.clearCookie(w, rq, mfaCookie)
			return s.redirect(w, r, rq, "/login", "flash.totp_expired")
		}
		return again(err, "totp", p)
	}
	s.setSession(w, rq, c.Value)
	return s.redirect(w, r, rq, localPath(p.Form.Get("next"), "/"), "")
}

func (s *server) logoutPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := s.app.Logout(r.Context(), rq.actor); err != nil {
		return err
	}
	s.clearCookie(w, rq, sessionCookie)
	return s.redirect(w, r, rq, "/login", "flash.signed_out")
}

// forgotData says whether the reset link was requested.
type forgotData struct{ Sent bool }

func (s *server) forgotPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := s.newPage(w, r, rq, "forgot.title")
	p.Form = newForm()
	p.Data = forgotData{}
	s.render(w, r, rq, http.StatusOK, "forgot", p)
	return nil
}

func (s *server) forgotPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "forgot.title")
	p.Form = submitted(r)
	p.Data = forgotData{}
	if err := s.app.RequestPasswordReset(r.Context(), p.Form.Get("email"), rq.ip); err != nil {
		return again(err, "forgot", p)
	}
	s.wake()
	p.Data = forgotData{Sent: true}
	s.render(w, r, rq, http.StatusOK, "forgot", p)
	return nil
}

// linkData is the content of the set-password page reached from an
// invitation or a reset link.
type linkData struct {
	Invite  bool     // invitation (else password reset)
	User    crm.User // whose link it is
	Invalid bool     // the link is unknown, used or expired
}

func (s *server) resetPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.linkPage(w, r, rq, false)
}

func (s *server) invitePage(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.linkPage(w, r, rq, true)
}

func (s *server) linkPage(w http.ResponseWriter, r *http.Request, rq *req, invite bool) error {
	token := r.PathValue("token")
	check, title := s.app.CheckReset, "reset.title"
	if invite {
		check, title = s.app.CheckInvite, "invite.title"
	}
	u, err := check(r.Context(), token)
	if err != nil && !errors.Is(err, crm.ErrNotFound) {
		return err
	}
	s.linkLanguage(r, rq, u)
	p := s.newPage(w, r, rq, title)
	p.Form = newForm()
	p.Data = linkData{Invite: invite, User: u, Invalid: err != nil}
	code := http.StatusOK
	if err != nil {
		code = statusOf(err)
	}
	s.render(w, r, rq, code, "setpassword", p)
	return nil
}

// linkLanguage shows an invitation or reset page in the language of the
// user the link is for, unless the visitor chose one with the switch.
func (s *server) linkLanguage(r *http.Request, rq *req, u crm.User) {
	if rq.signedIn() || u.ID == 0 || r.URL.Query().Get("lang") != "" {
		return
	}
	if _, err := r.Cookie(langCookie); err == nil {
		return
	}
	if l, ok := crm.ParseLanguage(string(u.Language)); ok {
		rq.lang = l
	}
}

func (s *server) resetPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.linkPost(w, r, rq, false)
}

func (s *server) invitePost(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.linkPost(w, r, rq, true)
}

func (s *server) linkPost(w http.ResponseWriter, r *http.Request, rq *req, invite bool) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	token := r.PathValue("token")
	check, use, title, flash := s.app.CheckReset, s.app.ResetPassword, "reset.title", "flash.password_reset"
	if invite {
		check, use, title, flash = s.app.CheckInvite, s.app.AcceptInvite, "invite.title", "flash.invite_accepted"
	}
	u, err := check(r.Context(), token)
	s.linkLanguage(r, rq, u)
	p := s.newPage(w, r, rq, title)
	p.Form = submitted(r)
	if errors.Is(err, crm.ErrNotFound) {
		p.Data = linkData{Invite: invite, Invalid: true}
		s.render(w, r, rq, statusOf(err), "setpassword", p)
		return nil
	}
	if err != nil {
		return err
	}
	p.Data = linkData{Invite: invite, User: u}
	if err := checkConfirm(r); err != nil {
		return again(err, "setpassword", p)
	}
	session, u, err := use(r.Context(), token, r.PostFormValue("password"), rq.ip, r.UserAgent())
	if errors.Is(err, crm.ErrNotFound) {
		p.Data = linkData{Invite: invite, Invalid: true}
		s.render(w, r, rq, statusOf(err), "setpassword", p)
		return nil
	}
	if err != nil {
		return again(err, "setpassword", p)
	}
	if u.TOTPEnabled {
		http.SetCookie(w, &http.Cookie{Name: mfaCookie, Value: session, Path: "/", MaxAge: mfaCookieAge,
			HttpOnly: true, Secure: rq.tls, SameSite: http.SameSiteLaxMode})
		return s.redirect(w, r, rq, "/login/totp", flash)
	}
	s.setSession(w, rq, session)
	return s.redirect(w, r, rq, "/", flash)
}

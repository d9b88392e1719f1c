package web

import (
	"net/http"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// profileData is the content of the profile page.
type profileData struct {
	// Posted names the form that was sent ("name", "password", "totp"),
	// so its messages show in the right card.
	Posted string
	// TOTPSecret and TOTPURL are set while two-factor sign-in is being
	// set up.
	TOTPSecret, TOTPURL string
}

func (s *server) profileForm(w http.ResponseWriter, r *http.Request, rq *req) *page {
	p := s.newPage(w, r, rq, "profile.title")
	p.Section = "profile"
	p.Form = newForm()
	p.Form.Set("name", rq.actor.User.Name)
	if sig, err := s.app.Signature(r.Context(), rq.actor); err == nil {
		p.Form.Set("signature", sig)
	}
	p.Form.Version = rq.actor.User.Version
	p.Data = profileData{}
	return p
}

func (s *server) profilePage(w http.ResponseWriter, r *http.Request, rq *req) error {
	s.render(w, r, rq, http.StatusOK, "profile", s.profileForm(w, r, rq))
	return nil
}

func (s *server) profilePost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := s.profileForm(w, r, rq)
	p.Form = submitted(r)
	p.Data = profileData{Posted: "name"}
	name := p.Form.Get("name")
	if _, err := s.app.UpdateUser(r.Context(), rq.actor, rq.actor.User.ID, p.Form.Version, app.UserPatch{Name: &name}); err != nil {
		return again(err, "profile", p)
	}
	return s.redirect(w, r, rq, "/profile", "flash.saved")
}

// profileLanguage switches the user's language (the user menu) and goes
// back to the page the switch was used on.
func (s *server) profileLanguage(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	lang := r.PostFormValue("language")
	if _, err := s.app.UpdateUser(r.Context(), rq.actor, rq.actor.User.ID, 0, app.UserPatch{Language: &lang}); err != nil {
		p := s.profileForm(w, r, rq)
		return again(err, "profile", p)
	}
	return s.redirect(w, r, rq, localPath(r.PostFormValue("back"), "/"), "")
}

func (s *server) profilePassword(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := s.profileForm(w, r, rq)
	p.Data = profileData{Posted: "password"}
	if r.PostFormValue("new_password") != r.PostFormValue("new_password_confirm") {
		return again(crm.Invalid("new_password_confirm", "the two passwords are not the same"), "profile", p)
	}
	err := s.app.ChangePassword(r.Context(), rq.actor, r.PostFormValue("current_password"), r.PostFormValue("new_password"))
	if err != nil {
		return again(err, "profile", p)
	}
	return s.redirect(w, r, rq, "/profile", "flash.password_changed")
}

func (s *server) totpBegin(w http.ResponseWriter, r *http.Request, rq *req) error {
	if rq.actor.User.TOTPEnabled {
		return s.redirect(w, r, rq, "/profile", "")
	}
	secret, otpURL, err := s.app.BeginTOTP(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	p := s.profileForm(w, r, rq)
	p.Data = profileData{Posted: "totp", TOTPSecret: secret, TOTPURL: otpURL}
	s.render(w, r, rq, http.StatusOK, "profile", p)
	return nil
}

func (s *server) totpEnable(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := s.profileForm(w, r, rq)
	// The secret was shown on this page; it comes back only to be shown
	// again if the code is wrong. The server checks against its own copy.
	p.Data = profileData{Posted: "totp", TOTPSecret: r.PostFormValue("secret"), TOTPURL: r.PostFormValue("otpauth")}
	if err := s.app.EnableTOTP(r.Context(), rq.actor, r.PostFormValue("code")); err != nil {
		return again(err, "profile", p)
	}
	return s.redirect(w, r, rq, "/profile", "flash.totp_enabled")
}

func (s *server) totpDisable(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := s.app.DisableTOTP(r.Context(), rq.actor, rq.actor.User.ID); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/profile", "flash.totp_disabled")
}

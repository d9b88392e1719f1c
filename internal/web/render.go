package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/mail"
)

// templateFS holds the layouts, partials and pages.
//
//go:embed templates
var templateFS embed.FS

// page is the data every template gets.
type page struct {
	Lang      crm.Language
	OtherLang crm.Language // the language the public switch offers
	Title     string       // translated page title
	Pretitle  string       // small text above the title (a name's reading)
	Section   string       // active navigation entry: home, marketing, sales, reports, settings, profile
	Sub       string       // active settings entry
	User      crm.User
	SignedIn  bool
	Workspace string // workspace name
	Loc       *time.Location
	Path      string // the request path, for "back" links of language switches
	Flash     string // translated message shown once
	Form      *form
	Data      any
	Wide      bool // public pages: a wider column (first-run setup)
	// HideHeader leaves out the page header with the title (error pages
	// say it in their own card).
	HideHeader bool
	actor      app.Actor
	pagePerm   func(path string) (crm.Perm, bool) // see Links
	unread     func() int                         // hand-off: the bell's count, see Unread
}

// navLink is one entry of a navigation menu.
type navLink struct {
	Active            bool
	Href, Icon, Label string
}

// Can reports whether the signed-in user holds a permission, so templates
// show only what the user may use (the routes check it again).
func (p *page) Can(perm string) bool { return p.actor.Can(crm.Perm(perm)) }

// newPage starts the data of a page titled by the catalogue key titleKey.
func (s *server) newPage(w http.ResponseWriter, r *http.Request, rq *req, titleKey string) *page {
	p := &page{Lang: rq.lang, OtherLang: crm.LangEN, User: rq.actor.User, SignedIn: rq.signedIn(),
		Path: r.URL.Path, Loc: time.UTC, actor: rq.actor, pagePerm: s.pagePerm,
		unread: func() int { n, _ := s.app.UnreadNotifications(r.Context(), rq.actor); return n }}
	if rq.lang == crm.LangEN {
		p.OtherLang = crm.LangJA
	}
	if titleKey != "" {
		p.Title = i18n.T(rq.lang, titleKey)
	}
	if ws, err := s.workspace(r.Context(), rq); err == nil {
		if ws.Version > 0 { // before the first-run setup there is none
			p.Workspace = ws.Name
		}
		p.Loc = ws.Location()
	}
	if w != nil {
		p.Flash = s.takeFlash(w, r, rq)
	}
	return p
}

// parseTemplates parses every page once per language, each page in its
// own set with the layouts and partials, and with the language bound into
// the functions (t, date, …).
func (s *server) parseTemplates() error {
	pages, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return err
	}
	s.tmpl = &templates{base: map[crm.Language]*template.Template{}, files: map[string]string{}}
	for _, lang := range i18n.Languages() {
		base, err := template.New("base").Funcs(s.funcs(lang)).ParseFS(templateFS, "templates/*.html")
		if err != nil {
			return fmt.Errorf("web: templates: %w", err)
		}
		s.tmpl.base[lang] = base
	}
	// Every page is parsed once now, so that a broken template stops the
	// start, and then dropped: the sets are built again on first use (see
	// templates). A page's set holds a deep copy of the layouts and
	// partials, and all of them in both languages would keep ~35 MB that a
	// small server never needs.
	for _, file := range pages {
		name := strings.TrimSuffix(path.Base(file), ".html")
		s.tmpl.files[name] = file
		if _, err := s.tmpl.build(crm.LangEN, name); err != nil {
			return err
		}
	}
	return nil
}

// templates are the page template sets, one per language and page, built
// from the parsed layouts on a page's first use and kept.
type templates struct {
	base  map[crm.Language]*template.Template // layouts and partials
	files map[string]string                   // page name → file
	mu    sync.Mutex
	sets  map[string]*template.Template // "lang/page"
}

// get returns the set of one page in one language, building it once.
func (ts *templates) get(lang crm.Language, name string) (*template.Template, bool) {
	if _, ok := ts.files[name]; !ok {
		return nil, false
	}
	if _, ok := ts.base[lang]; !ok {
		lang = crm.LangEN
	}
	key := string(lang) + "/" + name
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t, ok := ts.sets[key]; ok {
		return t, true
	}
	t, err := ts.build(lang, name)
	if err != nil { // parsed at start, so this does not happen
		return nil, false
	}
	if ts.sets == nil {
		ts.sets = map[string]*template.Template{}
	}
	ts.sets[key] = t
	return t, true
}

// build parses one page into a copy of the layouts of one language.
func (ts *templates) build(lang crm.Language, name string) (*template.Template, error) {
	t, err := template.Must(ts.base[lang].Clone()).ParseFS(templateFS, ts.files[name])
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	return t, nil
}

// funcs are the template functions for one language.
func (s *server) funcs(lang crm.Language) template.FuncMap {
	m := s.baseFuncs(lang)
	for k, f := range peopleFuncs(lang) {
		m[k] = f
	}
	for k, f := range scoringFuncs(lang) {
		m[k] = f
	}
	for k, f := range salesFuncs(lang) {
		m[k] = f
	}
	for k, f := range targetsFuncs(lang) {
		m[k] = f
	}
	for k, f := range catalogueFuncs(lang) {
		m[k] = f
	}
	for k, f := range quoteFuncs(lang) {
		m[k] = f
	}
	for k, f := range sequencesFuncs() {
		m[k] = f
	}
	return m
}

// baseFuncs are the template functions of the shell pages.
func (s *server) baseFuncs(lang crm.Language) template.FuncMap {
	return template.FuncMap{
		"t":     func(key string, args ...any) string { return i18n.T(lang, key, args...) },
		"asset": s.assets.URL,
		"day":   func(t time.Time) string { return i18n.Date(lang, t) },
		"dayWeekday": func(t time.Time) string {
			return i18n.DateWeekday(lang, t)
		},
		"datetime": func(loc *time.Location, t time.Time) string { return i18n.DateTime(lang, t, loc) },
		"money":    func(minor int64, currency string) string { return i18n.Money(lang, minor, currency) },
		"month":    func(m int) string { return i18n.Month(lang, m) },
		"langName": func(l crm.Language) string { return i18n.Name(l) },
		"role":     func(r crm.Role) string { return i18n.T(lang, "role."+string(r)) },
		"status":   func(st crm.UserStatus) string { return i18n.T(lang, "user_status."+string(st)) },
		"input": func(f *form, name, labelKey, typ string, opts ...string) inputData {
			return makeInput(lang, f, name, labelKey, typ, opts...)
		},
		"choice": func(f *form, name, labelKey string, options []option, opts ...string) inputData {
			in := makeInput(lang, f, name, labelKey, "select", opts...)
			in.Options = options
			return in
		},
		"roleOptions": func() []option {
			out := make([]option, len(crm.Roles))
			for i, r := range crm.Roles {
				out[i] = option{string(r), i18n.T(lang, "role."+string(r))}
			}
			return out
		},
		"langOptions": func() []option {
			out := make([]option, len(i18n.Languages()))
			for i, l := range i18n.Languages() {
				out[i] = option{string(l), i18n.Name(l)}
			}
			return out
		},
		"monthOptions": func() []option {
			out := make([]option, 12)
			for m := 1; m <= 12; m++ {
				out[m-1] = option{fmt.Sprint(m), i18n.Month(lang, m)}
			}
			return out
		},
		"weekdays": func() []option {
			// Monday first, as Japanese and most business calendars show it.
			out := make([]option, 0, 7)
			for _, d := range []time.Weekday{1, 2, 3, 4, 5, 6, 0} {
				out = append(out, option{fmt.Sprint(int(d)), i18n.Weekday(lang, d)})
			}
			return out
		},
		"tzOptions": func(current string) []option { return timeZoneOptions(current) },
		"navItem": func(p *page, name, href, icon, label string) navLink {
			return navLink{Active: p.Section == name || p.Sub == name, Href: href, Icon: icon, Label: label}
		},
		"initials": initials,
		"list":     func(n ...int) []int { return n },
		"visibilityOptions": func() []option {
			return []option{
				{string(crm.VisibleWorkspace), i18n.T(lang, "visibility.workspace")},
				{string(crm.VisibleTeam), i18n.T(lang, "visibility.team")},
			}
		},
		"statusOptions": func() []option {
			return []option{
				{string(crm.UserActive), i18n.T(lang, "user_status.active")},
				{string(crm.UserDeactivated), i18n.T(lang, "user_status.deactivated")},
			}
		},
		"securityOptions": func() []option {
			return []option{
				{string(mail.SecurityStartTLS), i18n.T(lang, "mail.security.starttls")},
				{string(mail.SecurityTLS), i18n.T(lang, "mail.security.tls")},
				{string(mail.SecurityNone), i18n.T(lang, "mail.security.none")},
			}
		},
		"teamOptions": func(teams []crm.Team) []option {
			out := []option{{"", i18n.T(lang, "users.no_team")}}
			for _, t := range teams {
				out = append(out, option{fmt.Sprint(t.ID), t.Name})
			}
			return out
		},
		"auditAction": func(action string) string {
			if key := "audit.action." + action; i18n.Has(lang, key) {
				return i18n.T(lang, key)
			}
			return action
		},
	}
}

// render writes a page with status code. The page is rendered into a
// buffer first, so a template error becomes a clean 500.
func (s *server) render(w http.ResponseWriter, r *http.Request, rq *req, code int, name string, p *page) {
	s.renderTemplate(w, rq, code, name, name, p)
}

// renderTemplate writes the template block of page name: the whole page
// when block is name, or one part of it (an htmx fragment).
func (s *server) renderTemplate(w http.ResponseWriter, rq *req, code int, name, block string, p *page) {
	t, ok := s.tmpl.get(rq.lang, name)
	var buf bytes.Buffer
	var err error
	if !ok {
		err = fmt.Errorf("no template %q", name)
	} else {
		if block == name {
			block = name + ".html"
		}
		err = t.ExecuteTemplate(&buf, block, p)
	}
	if err != nil {
		s.log.Error("web: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", string(rq.lang))
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// initials returns the first letter of a name for an avatar: "山" for
// 山田太郎, "T" for Taro Yamada.
func initials(name string) string {
	for _, r := range strings.TrimSpace(name) {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// timeZoneOptions lists the time zones offered in settings: the common
// ones for a Japanese or international business, plus the current value
// when it is another valid zone.
func timeZoneOptions(current string) []option {
	zones := []string{"Asia/Tokyo", "UTC", "Asia/Seoul", "Asia/Shanghai", "Asia/Taipei", "Asia/Hong_Kong",
		"Asia/Singapore", "Asia/Bangkok", "Asia/Ho_Chi_Minh", "Asia/Jakarta", "Asia/Manila", "Asia/Kolkata",
		"Asia/Dubai", "Australia/Sydney", "Australia/Perth", "Pacific/Auckland", "Pacific/Honolulu",
		"America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "America/Toronto",
		"America/Sao_Paulo", "America/Mexico_City", "Europe/London", "Europe/Dublin", "Europe/Paris",
		"Europe/Berlin", "Europe/Amsterdam", "Europe/Madrid", "Europe/Rome", "Europe/Stockholm",
		"Europe/Zurich", "Europe/Warsaw", "Europe/Istanbul", "Africa/Johannesburg"}
	label := func(z string) string {
		loc, err := time.LoadLocation(z)
		if err != nil {
			return z
		}
		_, off := time.Now().In(loc).Zone()
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		return fmt.Sprintf("%s (UTC%s%02d:%02d)", z, sign, off/3600, off%3600/60)
	}
	out := make([]option, 0, len(zones)+1)
	found := false
	for _, z := range zones {
		found = found || z == current
		out = append(out, option{z, label(z)})
	}
	if !found && current != "" {
		if _, err := time.LoadLocation(current); err == nil {
			out = append([]option{{current, label(current)}}, out...)
		}
	}
	return out
}

package web

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// catalogPrefixes returns the first segments of the catalogue keys
// ("nav", "field", …).
func catalogPrefixes() []string {
	seen := map[string]bool{}
	for _, k := range i18n.Keys(crm.LangEN) {
		seen[strings.SplitN(k, ".", 2)[0]] = true
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestTemplateKeysExist: every message key written literally in a
// template or in this package's Go code is in both catalogues, and so
// is every key the code builds from a family (role.admin, stage.won, …).
func TestTemplateKeysExist(t *testing.T) {
	keys := map[string]string{} // key → where it is used
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`\bt "([^"]+)"`),                              // {{t "key"}} and (t "key")
		regexp.MustCompile(`\((?:input|choice) [^ ]+ "[^"]+" "([^"]+)"`), // label of a control
		regexp.MustCompile(`"help=([^"]+)"`),                             // help text of a control
	}
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		for _, re := range patterns {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				keys[m[1]] = path
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d keys in the templates; is the pattern broken?", len(keys))
	}

	// Keys in Go code: string literals that look like keys of a known
	// family ("flash.saved", "settings.users").
	prefixes := strings.Join(catalogPrefixes(), "|")
	goKey := regexp.MustCompile(`"((?:` + prefixes + `)\.[a-z0-9_.]*[a-z0-9_])"(\s*\+)?`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			// A literal followed by + is the stem of a built key (listed
			// below); file names are not keys.
			if m[2] == "" && !strings.HasSuffix(m[1], ".css") && !strings.HasSuffix(m[1], ".js") {
				keys[m[1]] = f
			}
		}
	}

	// Keys the code builds from a family.
	dynamic := []string{"error.forbidden", "error.not_found", "error.conflict", "error.throttled", "error.invalid", "error.internal"}
	for i, k := range dynamic {
		dynamic[i] = k + ".title"
		dynamic = append(dynamic, k+".text")
	}
	for _, r := range crm.Roles {
		dynamic = append(dynamic, "role."+string(r))
	}
	for _, s := range []crm.UserStatus{crm.UserInvited, crm.UserActive, crm.UserDeactivated} {
		dynamic = append(dynamic, "user_status."+string(s))
	}
	for _, r := range recordTypes() {
		dynamic = append(dynamic, "record."+r)
	}
	for _, s := range []string{"approach", "discovery", "proposal", "negotiation", "won", "after_follow"} {
		dynamic = append(dynamic, "stage."+s)
	}
	for _, s := range []string{"marketing", "sales", "reports"} {
		dynamic = append(dynamic, "nav."+s, "section."+s+".title", "section."+s+".text")
		for _, n := range []string{"1", "2", "3"} {
			dynamic = append(dynamic, "section."+s+".point"+n+".title", "section."+s+".point"+n+".text")
		}
	}
	for _, s := range []string{"home", "settings", "profile"} {
		dynamic = append(dynamic, "nav."+s)
	}
	for _, s := range []string{"workspace", "mail", "invite", "teams", "totp"} {
		dynamic = append(dynamic, "home.step."+s+".title", "home.step."+s+".text", "home.step."+s+".action")
	}
	for _, a := range auditActions() {
		dynamic = append(dynamic, "audit.group."+a)
	}
	for _, k := range dynamic {
		keys[k] = "(built in code)"
	}

	for k, where := range keys {
		for _, lang := range i18n.Languages() {
			if !i18n.Has(lang, k) {
				t.Errorf("key %q (used in %s) is missing from the %s catalogue", k, where, lang)
			}
		}
	}
}

// TestPagesRender renders every page in both languages and checks that
// no message key is missing (a missing key shows as the key itself), that
// no script or style is inline (the CSP would block it), and that the
// page is in the right language.
func TestPagesRender(t *testing.T) {
	e := newEnv(t)
	setupPage := e.do(http.MethodGet, "/setup", "", nil, "Accept-Language", "ja").Body.String()
	admin := e.setup()
	if _, _, err := e.app.InviteUser(t.Context(), actorOf(t, e, "admin@example.com"),
		app.InviteInput{Email: "new@example.com", Name: "New Person", Role: "sales"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.CreateTeam(t.Context(), actorOf(t, e, "admin@example.com"), "Sales East"); err != nil {
		t.Fatal(err)
	}

	check := pageChecker(t)
	check("setup", setupPage)
	if !strings.Contains(setupPage, `lang="ja"`) {
		t.Error("setup page is not in Japanese for a Japanese browser")
	}

	var paths []string
	for _, rt := range e.srv.routes() {
		if rt.method != http.MethodGet || rt.pattern == "/static/" || strings.HasPrefix(rt.pattern, "/settings/mail/test/") ||
			strings.HasSuffix(rt.pattern, "/export") || strings.HasSuffix(rt.pattern, "/suggest") ||
			strings.HasSuffix(rt.pattern, "/progress") || strings.HasPrefix(rt.pattern, "/q/") ||
			strings.HasPrefix(rt.pattern, "/i/") {
			continue // downloads and htmx fragments, not pages; /q/, /i/: a wrong share token is a plain 404
		}
		p := strings.ReplaceAll(samplePath(rt.pattern), "999999", "1")
		paths = append(paths, p)
	}
	paths = append(paths, "/settings/users/2", "/no-such-page")
	for _, lang := range i18n.Languages() {
		l := string(lang)
		if _, err := e.app.UpdateUser(t.Context(), actorOf(t, e, "admin@example.com"), 1, 0, userPatchLang(l)); err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			session := admin
			if strings.HasPrefix(p, "/reset/") || strings.HasPrefix(p, "/invite/") || p == "/forgot" || p == "/login" {
				session = ""
			}
			w := e.do(http.MethodGet, p+"?lang="+l, session, nil, "Accept-Language", l)
			if w.Code >= 300 && w.Code < 400 {
				continue // /settings, /login/totp: redirects
			}
			body := w.Body.String()
			check(l+" "+p, body)
			if !strings.Contains(body, `<html lang="`+l+`">`) {
				t.Errorf("%s %s: page not in %s", l, p, l)
			}
		}
	}
}

// pageChecker returns a check of a rendered page: no message key shows
// raw (a missing key shows as the key itself), no script, style or event
// handler is inline (the CSP would block it).
func pageChecker(t *testing.T) func(name, body string) {
	prefixes := catalogPrefixes()
	rawKey := regexp.MustCompile(`[>"\s]((?:` + strings.Join(prefixes, "|") + `)\.[a-z][a-z0-9_.]*[a-z0-9_])[<"\s]`)
	scriptTag := regexp.MustCompile(`<script[^>]*>`)
	inlineHandler := regexp.MustCompile(`\son[a-z]+\s*=`)
	return func(name, body string) {
		t.Helper()
		for _, m := range rawKey.FindAllStringSubmatch(body, -1) {
			if slices.Contains(app.WebhookEvents(), m[1]) {
				continue // webhook event names (contact.created) look like keys
			}
			if i18n.Has(crm.LangEN, m[1]) || !strings.HasSuffix(m[1], ".css") && !strings.HasSuffix(m[1], ".js") {
				t.Errorf("%s shows the raw key %q", name, m[1])
			}
		}
		for _, tag := range scriptTag.FindAllString(body, -1) {
			if !strings.Contains(tag, " src=") {
				t.Errorf("%s has an inline script: %s", name, tag)
			}
		}
		if strings.Contains(body, " style=") || strings.Contains(body, "<style") {
			t.Errorf("%s has an inline style", name)
		}
		if m := inlineHandler.FindString(body); m != "" {
			t.Errorf("%s has an inline event handler: %q", name, m)
		}
	}
}

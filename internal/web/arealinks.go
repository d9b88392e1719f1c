package web

import (
	"strings"
	"sync"

	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// areaLink leads from a section page (Marketing, Sales, Reports) or the
// settings menu to one area's page. A link shows only once its page exists
// (a GET route for its path is in the route table) and to users who may
// open it, so the areas can land one by one without dead links.
type areaLink struct {
	Section string // home, marketing, sales, reports or settings
	Name    string // the page's active-entry name (settings menu)
	Path    string
	Icon    string   // Tabler icon class
	Key     string   // catalogue keys link.<Key>.title and link.<Key>.text
	Perm    crm.Perm // the permission the page needs (the route table's is checked)
}

// areaLinks lists the links, in the order they are shown.
var areaLinks = []areaLink{
	{"home", "today", "/today", "ti-calendar-check", "today", crm.PermSignedIn},
	{"home", "leads", "/sales/leads", "ti-inbox", "leads", crm.PermReadAll},
	{"home", "deals", "/sales/deals", "ti-layout-kanban", "deals", crm.PermReadAll},
	{"home", "owner", "/reports/owner", "ti-building-store", "owner", crm.PermReadAll},
	{"sales", "today", "/today", "ti-calendar-check", "today", crm.PermSignedIn},
	{"sales", "tasks", "/tasks", "ti-checklist", "tasks", crm.PermReadAll},
	{"marketing", "mdash", "/reports/marketing", "ti-speakerphone", "marketing", crm.PermReadAll},
	{"marketing", "awareness", "/marketing/awareness", "ti-chart-line", "awareness", crm.PermReadAll},
	{"marketing", "campaigns", "/marketing/campaigns", "ti-speakerphone", "campaigns", crm.PermReadAll},
	{"marketing", "utm", "/marketing/utm", "ti-link", "utm", crm.PermReadAll},
	{"marketing", "forms", "/marketing/forms", "ti-forms", "forms", crm.PermWriteContacts},
	{"marketing", "segments", "/marketing/segments", "ti-filter", "segments", crm.PermReadAll},
	{"marketing", "surveys", "/marketing/surveys", "ti-clipboard-list", "surveys", crm.PermReadAll},
	{"marketing", "email-templates", "/marketing/email/templates", "ti-mail", "email_templates", crm.PermReadAll},
	{"marketing", "broadcasts", "/marketing/broadcasts", "ti-mail-forward", "broadcasts", crm.PermReadAll},
	{"marketing", "sequences", "/marketing/sequences", "ti-route", "sequences", crm.PermReadAll},
	{"marketing", "scoring", "/settings/scoring", "ti-target-arrow", "scoring", crm.PermSettings},
	{"marketing", "products", "/products", "ti-package", "products", crm.PermReadAll},
	{"marketing", "competitors", "/competitors", "ti-swords", "competitors", crm.PermReadAll},
	{"marketing", "social", "/marketing/social", "ti-brand-twitter", "social", crm.PermReadAll},
	{"marketing", "market-share", "/marketing/market-share", "ti-chart-pie-2", "market", crm.PermReadAll},
	{"sales", "leads", "/sales/leads", "ti-inbox", "leads", crm.PermReadAll},
	{"sales", "deals", "/sales/deals", "ti-layout-kanban", "deals", crm.PermReadAll},
	{"sales", "dashboard", "/sales/dashboard", "ti-chart-pie", "dashboard", crm.PermReadAll},
	{"sales", "targets", "/sales/targets", "ti-target", "targets", crm.PermReadAll},
	{"sales", "products", "/products", "ti-package", "products", crm.PermReadAll},
	{"sales", "pricebooks", "/price-books", "ti-receipt", "pricebooks", crm.PermReadAll},
	{"sales", "competitors", "/competitors", "ti-swords", "competitors", crm.PermReadAll},
	{"reports", "awareness", "/marketing/awareness", "ti-chart-line", "awareness", crm.PermReadAll},
	{"reports", "dashboard", "/sales/dashboard", "ti-chart-pie", "dashboard", crm.PermReadAll},
	{"reports", "mdash", "/reports/marketing", "ti-speakerphone", "marketing", crm.PermReadAll},
	{"reports", "owner", "/reports/owner", "ti-building-store", "owner", crm.PermReadAll},
	{"reports", "closedloop", "/reports/closed-loop", "ti-refresh-dot", "closedloop", crm.PermReadAll},
	{"reports", "leadsreport", "/reports/leads", "ti-chart-funnel", "leadsreport", crm.PermReadAll},
	{"reports", "week", "/activities/week", "ti-chart-bar", "week", crm.PermReadAll},
	{"reports", "targets", "/sales/targets", "ti-target", "targets", crm.PermReadAll},
	{"reports", "quotereport", "/reports/quotes", "ti-discount", "quotereport", crm.PermReadAll},
	{"reports", "attribution", "/reports/attribution", "ti-chart-bar", "attribution", crm.PermReadAll},
	{"reports", "social", "/marketing/social", "ti-brand-twitter", "social", crm.PermReadAll},
	{"settings", "sending", "/settings/sending", "ti-send", "sending", crm.PermSettings},
	{"settings", "sites", "/settings/sites", "ti-world", "sites", crm.PermSettings},
	{"settings", "scoring", "/settings/scoring", "ti-target-arrow", "scoring", crm.PermSettings},
	{"settings", "assignment", "/settings/assignment", "ti-arrows-split", "assignment", crm.PermSettings},
	{"settings", "pipelines", "/settings/pipelines", "ti-layout-kanban", "pipelines", crm.PermSettings},
	{"settings", "activities", "/settings/activities", "ti-activity", "activities", crm.PermSettings},
	{"settings", "playbook", "/settings/playbook", "ti-list-check", "playbook", crm.PermSettings},
	{"settings", "quotes", "/settings/quotes", "ti-file-invoice", "quotes", crm.PermSettings},
	{"settings", "webhooks", "/settings/webhooks", "ti-webhook", "webhooks", crm.PermSettings},
	{"settings", "privacy", "/settings/privacy", "ti-shield-lock", "privacy", crm.PermSettings},
	{"settings", "emaildelivery", "/settings/email-delivery", "ti-mail-check", "emaildelivery", crm.PermSettings},
}

// shownLink is an areaLink ready for a template.
type shownLink struct {
	Active            bool
	Href, Icon, Label string
	Text              string
}

var (
	getPathsOnce sync.Once
	getPaths     map[string]crm.Perm
)

// pagePerm returns the permission of the route that serves GET path, and
// whether there is one.
func (s *server) pagePerm(path string) (crm.Perm, bool) {
	getPathsOnce.Do(func() {
		getPaths = map[string]crm.Perm{}
		for _, rt := range s.routes() {
			if (rt.method == "GET" || rt.method == "") && rt.pattern != "/" && !strings.Contains(rt.pattern, "{") {
				getPaths[rt.pattern] = rt.perm
			}
		}
	})
	p, ok := getPaths[path]
	return p, ok
}

// Links are the area links of a section the user may open.
func (p *page) Links(section string) []shownLink {
	var out []shownLink
	for _, l := range areaLinks {
		if l.Section != section || p.pagePerm == nil {
			continue
		}
		// The page's own permission decides (the table's is the fallback
		// for documentation only).
		if perm, ok := p.pagePerm(l.Path); !ok || !p.actor.Can(perm) {
			continue
		}
		out = append(out, shownLink{Active: p.Sub == l.Name || p.Path == l.Path, Href: l.Path, Icon: l.Icon,
			Label: i18n.T(p.Lang, "link."+l.Key+".title"), Text: i18n.T(p.Lang, "link."+l.Key+".text")})
	}
	return out
}

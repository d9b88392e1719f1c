package web

import (
	"fmt"
	"net/http"

	"renkei/internal/crm"
)

// public marks a route that anyone may use, signed in or not. It is not a
// permission any role holds, so a route that ends up checking it by
// mistake is denied.
const public crm.Perm = "public"

// handlerFunc handles one request. A returned error is rendered by fail,
// the one place where errors become statuses.
type handlerFunc func(w http.ResponseWriter, r *http.Request, rq *req) error

// route is one line of the permission table.
type route struct {
	method  string   // "" = any method
	pattern string   // http.ServeMux pattern without the method
	perm    crm.Perm // the permission needed, or public
	h       handlerFunc
	// bare routes skip sessions, language and the first-run redirect
	// (static files).
	bare bool
}

// routes is THE permission table: every route of the UI with the
// permission it needs. The mux is built from this table only, so a path
// that is not here does not exist; a route without a permission does not
// build. routes_test.go walks the table for every role.
func (s *server) routes() []route {
	rs := []route{
		// Static files and the catch-all 404 page.
		{"GET", "/static/", public, s.static, true},
		{"", "/", public, s.notFound, false},

		// First run and signing in.
		{"GET", "/setup", public, s.setupPage, false},
		{"POST", "/setup", public, s.setupPost, false},
		{"GET", "/login", public, s.loginPage, false},
		{"POST", "/login", public, s.loginPost, false},
		{"GET", "/login/totp", public, s.totpPage, false},
		{"POST", "/login/totp", public, s.totpPost, false},
		{"GET", "/forgot", public, s.forgotPage, false},
		{"POST", "/forgot", public, s.forgotPost, false},
		{"GET", "/reset/{token}", public, s.resetPage, false},
		{"POST", "/reset/{token}", public, s.resetPost, false},
		{"GET", "/invite/{token}", public, s.invitePage, false},
		{"POST", "/invite/{token}", public, s.invitePost, false},
		{"POST", "/logout", crm.PermSignedIn, s.logoutPost, false},

		// Home and the sections.
		{"GET", "/{$}", crm.PermSignedIn, s.homePage, false},
		{"GET", "/marketing", crm.PermReadAll, s.marketingPage, false},
		{"GET", "/sales", crm.PermReadAll, s.salesPage, false},
		{"GET", "/reports", crm.PermReadAll, s.reportsPage, false},

		// Contacts. Reading is open to every role; writing needs
		// write_contacts (marketing and sales both work on people); erasing
		// a person is for admins.
		{"GET", "/contacts", crm.PermReadAll, s.contactsPage, false},
		{"POST", "/contacts", crm.PermWriteContacts, s.contactCreate, false},
		{"GET", "/contacts/new", crm.PermWriteContacts, s.contactNew, false},
		{"GET", "/contacts/export", crm.PermReadAll, s.contactsExport, false},
		{"POST", "/contacts/bulk", crm.PermWriteContacts, s.contactsBulk, false},
		{"POST", "/contacts/views", crm.PermReadAll, s.viewSave, false},
		{"POST", "/contacts/views/{id}/delete", crm.PermReadAll, s.viewDelete, false},
		{"GET", "/contacts/{id}", crm.PermReadAll, s.contactPage, false},
		{"POST", "/contacts/{id}", crm.PermWriteContacts, s.contactUpdate, false},
		{"GET", "/contacts/{id}/edit", crm.PermWriteContacts, s.contactEdit, false},
		{"POST", "/contacts/{id}/delete", crm.PermWriteContacts, s.contactDelete, false},
		{"POST", "/contacts/{id}/consent", crm.PermWriteContacts, s.contactConsent, false},
		{"GET", "/contacts/{id}/merge", crm.PermWriteContacts, s.contactMergePage, false},
		{"POST", "/contacts/{id}/merge", crm.PermWriteContacts, s.contactMerge, false},
		{"GET", "/contacts/{id}/export", crm.PermReadAll, s.contactExportPerson, false},
		{"POST", "/contacts/{id}/erase", crm.PermSettings, s.contactErase, false},

		// Companies.
		{"GET", "/companies", crm.PermReadAll, s.companiesPage, false},
		{"POST", "/companies", crm.PermWriteContacts, s.companyCreate, false},
		{"GET", "/companies/new", crm.PermWriteContacts, s.companyNew, false},
		{"GET", "/companies/export", crm.PermReadAll, s.companiesExport, false},
		{"GET", "/companies/suggest", crm.PermReadAll, s.companySuggest, false},
		{"GET", "/companies/{id}", crm.PermReadAll, s.companyPage, false},
		{"POST", "/companies/{id}", crm.PermWriteContacts, s.companyUpdate, false},
		{"GET", "/companies/{id}/edit", crm.PermWriteContacts, s.companyEdit, false},
		{"POST", "/companies/{id}/delete", crm.PermWriteContacts, s.companyDelete, false},
		{"GET", "/companies/{id}/merge", crm.PermWriteContacts, s.companyMergePage, false},
		{"POST", "/companies/{id}/merge", crm.PermWriteContacts, s.companyMerge, false},

		// CSV imports.
		{"GET", "/imports", crm.PermWriteContacts, s.importsPage, false},
		{"POST", "/imports", crm.PermWriteContacts, s.importStart, false},
		{"POST", "/imports/preview", crm.PermWriteContacts, s.importPreview, false},
		{"GET", "/imports/{id}", crm.PermWriteContacts, s.importPage, false},
		{"GET", "/imports/{id}/progress", crm.PermWriteContacts, s.importProgress, false},

		// The user's own profile.
		{"GET", "/profile", crm.PermSignedIn, s.profilePage, false},
		{"POST", "/profile", crm.PermSignedIn, s.profilePost, false},
		{"POST", "/profile/language", crm.PermSignedIn, s.profileLanguage, false},
		{"POST", "/profile/password", crm.PermSignedIn, s.profilePassword, false},
		{"POST", "/profile/totp/begin", crm.PermSignedIn, s.totpBegin, false},
		{"POST", "/profile/totp/enable", crm.PermSignedIn, s.totpEnable, false},
		{"POST", "/profile/totp/disable", crm.PermSignedIn, s.totpDisable, false},

		// Settings.
		{"GET", "/settings", crm.PermSignedIn, s.settingsIndex, false},
		{"GET", "/settings/workspace", crm.PermSettings, s.workspacePage, false},
		{"POST", "/settings/workspace", crm.PermSettings, s.workspacePost, false},
		{"POST", "/settings/rates", crm.PermSettings, s.ratePost, false},
		{"POST", "/settings/rates/{id}/delete", crm.PermSettings, s.rateDelete, false},
		{"GET", "/settings/users", crm.PermManageUsers, s.usersPage, false},
		{"POST", "/settings/users", crm.PermManageUsers, s.userInvite, false},
		{"GET", "/settings/users/{id}", crm.PermManageUsers, s.userPage, false},
		{"POST", "/settings/users/{id}", crm.PermManageUsers, s.userPost, false},
		{"POST", "/settings/users/{id}/totp/disable", crm.PermManageUsers, s.userTOTPDisable, false},
		{"GET", "/settings/teams", crm.PermManageUsers, s.teamsPage, false},
		{"POST", "/settings/teams", crm.PermManageUsers, s.teamCreate, false},
		{"POST", "/settings/teams/{id}/rename", crm.PermManageUsers, s.teamRename, false},
		{"POST", "/settings/teams/{id}/delete", crm.PermManageUsers, s.teamDelete, false},
		{"POST", "/settings/teams/{id}/members", crm.PermManageUsers, s.teamMemberAdd, false},
		{"POST", "/settings/teams/{id}/members/{user}/manager", crm.PermManageUsers, s.teamMemberManager, false},
		{"POST", "/settings/teams/{id}/members/{user}/remove", crm.PermManageUsers, s.teamMemberRemove, false},
		{"GET", "/settings/tokens", crm.PermSignedIn, s.tokensPage, false},
		{"POST", "/settings/tokens", crm.PermSignedIn, s.tokenCreate, false},
		{"POST", "/settings/tokens/{id}/revoke", crm.PermSignedIn, s.tokenRevoke, false},
		{"GET", "/settings/mail", crm.PermSettings, s.mailPage, false},
		{"POST", "/settings/mail", crm.PermSettings, s.mailPost, false},
		{"POST", "/settings/mail/test", crm.PermSettings, s.mailTest, false},
		{"GET", "/settings/mail/test/{id}", crm.PermSettings, s.mailTestStatus, false},
		{"GET", "/settings/audit", crm.PermAudit, s.auditPage, false},
		{"GET", "/settings/properties", crm.PermSettings, s.propertiesPage, false},
		{"POST", "/settings/properties", crm.PermSettings, s.propertyCreate, false},
		{"GET", "/settings/properties/{id}", crm.PermSettings, s.propertyPage, false},
		{"POST", "/settings/properties/{id}", crm.PermSettings, s.propertyUpdate, false},
		{"POST", "/settings/properties/{id}/delete", crm.PermSettings, s.propertyDelete, false},
	}
	// Each area keeps its part of the table in its own file (routes_*.go).
	rs = append(rs, s.dashboardRoutes()...)
	rs = append(rs, s.trackingRoutes()...)
	rs = append(rs, s.formsRoutes()...)
	rs = append(rs, s.surveysRoutes()...)
	rs = append(rs, s.scoringRoutes()...)
	rs = append(rs, s.handoffRoutes()...)
	rs = append(rs, s.webhooksRoutes()...)
	rs = append(rs, s.salesRoutes()...)
	rs = append(rs, s.activitiesRoutes()...)
	rs = append(rs, s.contractsRoutes()...)
	rs = append(rs, s.targetsRoutes()...)
	rs = append(rs, s.catalogueRoutes()...)
	rs = append(rs, s.competitorsRoutes()...)
	rs = append(rs, s.quoteAndInvoiceRoutes()...)
	rs = append(rs, s.segmentsRoutes()...)
	rs = append(rs, s.emailTemplatesRoutes()...)
	rs = append(rs, s.broadcastsRoutes()...)
	rs = append(rs, s.sequencesRoutes()...)
	rs = append(rs, s.emailRecipientsRoutes()...)
	rs = append(rs, s.campaignsRoutes()...)
	rs = append(rs, s.socialRoutes()...)
	rs = append(rs, s.closedLoopRoutes()...)
	rs = append(rs, s.ownerRoutes()...)
	rs = append(rs, s.marketRoutes()...)
	rs = append(rs, s.marketingDashRoutes()...)
	return rs
}

// handler builds the mux from the table and wraps it in the middleware
// that applies to every response.
func (s *server) handler() (http.Handler, error) {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		if rt.perm == "" || rt.h == nil {
			return nil, fmt.Errorf("web: route %s %s has no permission or handler", rt.method, rt.pattern)
		}
		pattern := rt.pattern
		if rt.method != "" {
			pattern = rt.method + " " + pattern
		}
		mux.Handle(pattern, s.wrap(rt))
	}
	return s.secure(mux)
}

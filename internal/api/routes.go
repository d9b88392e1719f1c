package api

import (
	"net/http"

	"renkei/internal/crm"
)

// route is one endpoint: what it needs to be served and what the OpenAPI
// document says about it.
type route struct {
	method string
	path   string   // under Prefix, with {name} for path parameters
	perm   crm.Perm // required permission; "" or unknown is denied to everyone
	public bool     // served without authentication (perm is then ignored)

	id      string // OpenAPI operationId
	tag     string
	summary string
	query   []param // query parameters

	body         string // component schema of the request body; "" = none
	bodyOptional bool   // the body may be left out
	ifMatch      bool   // If-Match is required (428 without it)

	status   int    // success status
	resp     string // component schema of the success body; "" = no body
	location bool   // the success response has a Location header

	handle handlerFunc
}

// param is a query parameter.
type param struct {
	name   string
	desc   string
	schema js
}

// pageParams are the query parameters of every paged list.
func pageParams(more ...param) []param {
	return append([]param{
		{"limit", "Page size, 1 to 200 (default 50).", js{"type": "integer", "minimum": 1, "maximum": maxLimit, "default": defaultLimit}},
		{"cursor", "next_cursor of the previous page.", js{"type": "string"}},
	}, more...)
}

// routeTable lists every endpoint. It builds the mux and the OpenAPI
// document, and the permission test walks it for every role.
func (s *server) routeTable() []route {
	return []route{
		{method: http.MethodGet, path: "/openapi.json", public: true, id: "getOpenAPI", tag: "meta",
			summary: "This OpenAPI 3.1 document", status: 200, resp: "OpenAPIDocument", handle: s.getOpenAPI},

		{method: http.MethodGet, path: "/users", perm: crm.PermSignedIn, id: "listUsers", tag: "users",
			summary: "List users by id",
			query: pageParams(
				param{"role", "Only users with this role.", enumOf("admin", "marketing", "sales", "viewer")},
				param{"status", "Only users in this state.", enumOf("invited", "active", "deactivated")}),
			status: 200, resp: "UserList", handle: s.listUsers},
		{method: http.MethodPost, path: "/users", perm: crm.PermManageUsers, id: "inviteUser", tag: "users",
			summary: "Invite a user (an e-mail with a set-password link is queued)",
			body:    "InviteUser", status: 201, resp: "InvitedUser", location: true, handle: s.inviteUser},
		{method: http.MethodGet, path: "/users/me", perm: crm.PermSignedIn, id: "getMe", tag: "users",
			summary: "The signed-in user", status: 200, resp: "User", handle: s.getMe},
		{method: http.MethodPatch, path: "/users/me", perm: crm.PermSignedIn, id: "updateMe", tag: "users",
			summary: "Change your own name or language", body: "SelfPatch", ifMatch: true,
			status: 200, resp: "User", handle: s.updateMe},
		{method: http.MethodGet, path: "/users/{id}", perm: crm.PermSignedIn, id: "getUser", tag: "users",
			summary: "One user", status: 200, resp: "User", handle: s.getUser},
		{method: http.MethodPatch, path: "/users/{id}", perm: crm.PermManageUsers, id: "updateUser", tag: "users",
			summary: "Change a user's name, role, status or language (deactivation signs them out)",
			body:    "UserPatch", ifMatch: true, status: 200, resp: "User", handle: s.updateUser},

		{method: http.MethodGet, path: "/teams", perm: crm.PermSignedIn, id: "listTeams", tag: "teams",
			summary: "List teams with their members, by id", query: pageParams(),
			status: 200, resp: "TeamList", handle: s.listTeams},
		{method: http.MethodPost, path: "/teams", perm: crm.PermManageUsers, id: "createTeam", tag: "teams",
			summary: "Create a team", body: "TeamInput", status: 201, resp: "Team", location: true, handle: s.createTeam},
		{method: http.MethodGet, path: "/teams/{id}", perm: crm.PermSignedIn, id: "getTeam", tag: "teams",
			summary: "One team with its members", status: 200, resp: "Team", handle: s.getTeam},
		{method: http.MethodPatch, path: "/teams/{id}", perm: crm.PermManageUsers, id: "renameTeam", tag: "teams",
			summary: "Rename a team", body: "TeamInput", ifMatch: true, status: 200, resp: "Team", handle: s.renameTeam},
		{method: http.MethodDelete, path: "/teams/{id}", perm: crm.PermManageUsers, id: "deleteTeam", tag: "teams",
			summary: "Delete a team (its members stay as users)", status: 204, handle: s.deleteTeam},
		{method: http.MethodPut, path: "/teams/{id}/members/{user_id}", perm: crm.PermManageUsers, id: "putTeamMember",
			tag: "teams", summary: "Add a user to a team, or set whether they manage it",
			body: "TeamMemberInput", bodyOptional: true, status: 200, resp: "Team", handle: s.putTeamMember},
		{method: http.MethodDelete, path: "/teams/{id}/members/{user_id}", perm: crm.PermManageUsers, id: "deleteTeamMember",
			tag: "teams", summary: "Take a user out of a team", status: 204, handle: s.deleteTeamMember},

		{method: http.MethodGet, path: "/tokens", perm: crm.PermSignedIn, id: "listTokens", tag: "tokens",
			summary: "Your API tokens, newest first (admins: everyone's with all=true)",
			query:   pageParams(param{"all", "Everyone's tokens (needs the admin role).", js{"type": "boolean", "default": false}}),
			status:  200, resp: "TokenList", handle: s.listTokens},
		{method: http.MethodPost, path: "/tokens", perm: crm.PermSignedIn, id: "createToken", tag: "tokens",
			summary: "Create an API token for yourself; the secret is shown only in this response",
			body:    "TokenInput", status: 201, resp: "CreatedToken", handle: s.createToken},
		{method: http.MethodDelete, path: "/tokens/{id}", perm: crm.PermSignedIn, id: "revokeToken", tag: "tokens",
			summary: "Revoke one of your tokens (admins: anyone's)", status: 204, handle: s.revokeToken},

		{method: http.MethodGet, path: "/settings", perm: crm.PermReadAll, id: "getSettings", tag: "settings",
			summary: "Workspace settings: time zone, fiscal year, currency, business calendar, company details",
			status:  200, resp: "Workspace", handle: s.getSettings},
		{method: http.MethodPatch, path: "/settings", perm: crm.PermSettings, id: "updateSettings", tag: "settings",
			summary: "Change workspace settings", body: "WorkspacePatch", ifMatch: true,
			status: 200, resp: "Workspace", handle: s.updateSettings},
		{method: http.MethodGet, path: "/settings/mail", perm: crm.PermSettings, id: "getMailSettings", tag: "settings",
			summary: "SMTP settings (the password is never returned)", status: 200, resp: "MailSettings", handle: s.getMail},
		{method: http.MethodPut, path: "/settings/mail", perm: crm.PermSettings, id: "putMailSettings", tag: "settings",
			summary: "Replace the SMTP settings (If-Match: \"0\" before the first save)", body: "MailSettingsInput",
			ifMatch: true, status: 200, resp: "MailSettings", handle: s.putMail},
		{method: http.MethodPost, path: "/settings/mail/test", perm: crm.PermSettings, id: "sendTestMail", tag: "settings",
			summary: "Queue a test e-mail (to yourself unless to is given); follow the job for the outcome",
			body:    "TestMailInput", bodyOptional: true, status: 202, resp: "JobRef", location: true, handle: s.sendTestMail},
		{method: http.MethodGet, path: "/exchange-rates", perm: crm.PermReadAll, id: "listExchangeRates", tag: "settings",
			summary: "Exchange rates into the base currency, by currency, newest first (one page)",
			status:  200, resp: "ExchangeRateList", handle: s.listRates},
		{method: http.MethodPost, path: "/exchange-rates", perm: crm.PermSettings, id: "putExchangeRate", tag: "settings",
			summary: "Add a rate, or replace the rate of the same currency and date", body: "ExchangeRateInput",
			status: 201, resp: "ExchangeRate", handle: s.putRate},
		{method: http.MethodDelete, path: "/exchange-rates/{id}", perm: crm.PermSettings, id: "deleteExchangeRate",
			tag: "settings", summary: "Delete a rate", status: 204, handle: s.deleteRate},

		{method: http.MethodGet, path: "/audit-log", perm: crm.PermAudit, id: "listAuditLog", tag: "audit",
			summary: "Sign-ins and admin actions, newest first",
			query: pageParams(
				param{"action", "Only actions starting with this, e.g. login or user.", js{"type": "string"}},
				param{"user_id", "Only entries by this user.", js{"type": "integer", "minimum": 1}}),
			status: 200, resp: "AuditList", handle: s.listAudit},

		{method: http.MethodGet, path: "/jobs/{id}", perm: crm.PermSignedIn, id: "getJob", tag: "jobs",
			summary: "A background job's status and progress", status: 200, resp: "Job", handle: s.getJob},
	}
}

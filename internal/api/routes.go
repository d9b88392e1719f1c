package api

import (
	"net/http"
	"slices"

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
	csv      bool   // the success response may also be text/csv (?format=csv)
	pdf      bool   // the success response is application/pdf
	refused  bool   // may answer 422 when the record's state does not allow the action

	handle handlerFunc
}

// param is a query parameter.
type param struct {
	name   string
	desc   string
	schema js
	deep   bool // an object sent as name[key]=value (OpenAPI's deepObject style)
}

// pageParams are the query parameters of every paged list.
func pageParams(more ...param) []param {
	return append([]param{
		{name: "limit", desc: "Page size, 1 to 200 (default 50).", schema: js{"type": "integer", "minimum": 1, "maximum": maxLimit, "default": defaultLimit}},
		{name: "cursor", desc: "next_cursor of the previous page.", schema: js{"type": "string"}},
	}, more...)
}

// contactListQuery are the filters of GET /contacts. Lists of values are
// comma-separated or given by repeating the parameter.
func contactListQuery() []param {
	list := func(item js) js { return js{"type": "array", "items": item} }
	idOr := js{"type": "string", "pattern": "^([1-9][0-9]*|me|none)$"}
	return pageParams(
		param{name: "sort", desc: "Order: newest first (default), oldest first, last changed, name, reading (五十音) or e-mail; contacts without the sort key come last.",
			schema: enumOf("created_desc", "created_asc", "updated_desc", "name", "reading", "email")},
		param{name: "q", desc: "Search: name, reading, e-mail or phone prefix, company name (legal form ignored) or a tag.", schema: js{"type": "string"}},
		param{name: "lifecycle_stage", desc: "Any of these stages.", schema: list(enumOf(stageNames()...))},
		param{name: "lead_status", desc: "Any of these lead statuses; none for contacts without one.",
			schema: list(enumOf("none", "new", "working", "accepted", "rejected", "recycled"))},
		param{name: "owner_id", desc: "Owned by any of these users; me for yourself, none for no owner.", schema: list(idOr)},
		param{name: "team_id", desc: "Of this team.", schema: js{"type": "integer", "minimum": 1}},
		param{name: "company_id", desc: "Working for this company.", schema: js{"type": "integer", "minimum": 1}},
		param{name: "tag", desc: "Has this tag; repeat for several (all must match).", schema: list(js{"type": "string"})},
		param{name: "tag_any", desc: "Has at least one of these tags (repeat the parameter).", schema: list(js{"type": "string"})},
		param{name: "original_source", desc: "Came from any of these sources.", schema: list(enumOf(sourceNames()...))},
		param{name: "source_group", desc: "Came from a source of this group (not together with original_source).",
			schema: enumOf(crm.GroupMarketing, crm.GroupOutbound)},
		param{name: "consent", desc: "Any of these consent states.", schema: list(enumOf("unknown", "granted", "withdrawn", "pending"))},
		param{name: "created_from", desc: "Created at or after: a date (start of the day in the workspace time zone) or an RFC 3339 time.", schema: js{"type": "string"}},
		param{name: "created_before", desc: "Created before (date or time, as created_from).", schema: js{"type": "string"}},
		param{name: "updated_from", desc: "Changed at or after (date or time).", schema: js{"type": "string"}},
		param{name: "updated_before", desc: "Changed before (date or time).", schema: js{"type": "string"}},
		param{name: "properties", deep: true,
			desc: "Custom property conditions, properties[key]=op:value (or properties.key=op:value). Operators: eq (the default when op: is left out), ne, " +
				"contains (text, URL, multiple choice), gt, lt, gte, lte (number, date), in (values separated by commas), is_set, not_set (alone). " +
				"Example: properties[budget]=gte:1000000&properties[region]=in:関東,関西.",
			schema: js{"type": "object", "additionalProperties": js{"type": "string"}}},
	)
}

func stageNames() []string {
	out := make([]string, len(crm.Lifecycles))
	for i, l := range crm.Lifecycles {
		out[i] = string(l)
	}
	return out
}

func sourceNames() []string {
	out := make([]string, 0, len(crm.DefaultSourceGroups))
	for s := range crm.DefaultSourceGroups {
		out = append(out, string(s))
	}
	slices.Sort(out)
	return out
}

// routeTable lists every endpoint. It builds the mux and the OpenAPI
// document, and the permission test walks it for every role.
func (s *server) routeTable() []route {
	rs := []route{
		{method: http.MethodGet, path: "/openapi.json", public: true, id: "getOpenAPI", tag: "meta",
			summary: "This OpenAPI 3.1 document", status: 200, resp: "OpenAPIDocument", handle: s.getOpenAPI},

		{method: http.MethodGet, path: "/users", perm: crm.PermSignedIn, id: "listUsers", tag: "users",
			summary: "List users by id",
			query: pageParams(
				param{name: "role", desc: "Only users with this role.", schema: enumOf("admin", "marketing", "sales", "viewer")},
				param{name: "status", desc: "Only users in this state.", schema: enumOf("invited", "active", "deactivated")}),
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
			query:   pageParams(param{name: "all", desc: "Everyone's tokens (needs the admin role).", schema: js{"type": "boolean", "default": false}}),
			status:  200, resp: "TokenList", handle: s.listTokens},
		{method: http.MethodPost, path: "/tokens", perm: crm.PermSignedIn, id: "createToken", tag: "tokens",
			summary: "Create an API token for yourself; the secret is shown only in this response",
			body:    "TokenInput", status: 201, resp: "CreatedToken", handle: s.createToken},
		{method: http.MethodDelete, path: "/tokens/{id}", perm: crm.PermSignedIn, id: "revokeToken", tag: "tokens",
			summary: "Revoke one of your tokens (admins: anyone's)", status: 204, handle: s.revokeToken},

		{method: http.MethodGet, path: "/contacts", perm: crm.PermReadAll, id: "listContacts", tag: "contacts",
			summary: "List contacts with filters and a sort; total counts the matches (up to 10,000 exactly)",
			query:   contactListQuery(), status: 200, resp: "ContactList", handle: s.listContacts},
		{method: http.MethodPost, path: "/contacts", perm: crm.PermWriteContacts, id: "createContact", tag: "contacts",
			summary: "Create a contact (company_name links the company with the same name, or creates it)",
			body:    "ContactInput", status: 201, resp: "Contact", location: true, handle: s.createContact},
		{method: http.MethodGet, path: "/contacts/{id}", perm: crm.PermReadAll, id: "getContact", tag: "contacts",
			summary: "One contact", status: 200, resp: "Contact", handle: s.getContact},
		{method: http.MethodPatch, path: "/contacts/{id}", perm: crm.PermWriteContacts, id: "updateContact", tag: "contacts",
			summary: "Change the fields sent; the change goes on the timeline", body: "ContactPatch", ifMatch: true,
			status: 200, resp: "Contact", handle: s.updateContact},
		{method: http.MethodDelete, path: "/contacts/{id}", perm: crm.PermWriteContacts, id: "deleteContact", tag: "contacts",
			summary: "Delete a contact with its timeline (to forget a person for good, use erase)", status: 204, handle: s.deleteContact},
		{method: http.MethodGet, path: "/contacts/{id}/timeline", perm: crm.PermReadAll, id: "contactTimeline", tag: "contacts",
			summary: "What happened to the contact, newest first", query: pageParams(),
			status: 200, resp: "TimelineList", handle: s.contactTimeline},
		{method: http.MethodPost, path: "/contacts/{id}/merge", perm: crm.PermWriteContacts, id: "mergeContact", tag: "contacts",
			summary: "Merge contact merge_id into this one: its timeline, consent history and tags move here, empty fields are filled, and it is deleted",
			body:    "MergeInput", status: 200, resp: "Contact", handle: s.mergeContact},
		{method: http.MethodPut, path: "/contacts/{id}/consent", perm: crm.PermWriteContacts, id: "putConsent", tag: "privacy",
			summary: "Record a consent change with its source and the wording agreed to (kept in the consent history)",
			body:    "ConsentInput", status: 200, resp: "Contact", handle: s.putConsent},
		{method: http.MethodGet, path: "/contacts/{id}/export", perm: crm.PermReadAll, id: "exportPerson", tag: "privacy",
			summary: "Everything held about the person (access request), as JSON or with format=csv as CSV",
			query:   []param{{name: "format", desc: "json (default) or csv (UTF-8 with BOM, one section per kind, formulas neutralised).", schema: enumOf("json", "csv")}},
			status:  200, resp: "PersonExport", csv: true, handle: s.exportPerson},
		{method: http.MethodPost, path: "/contacts/{id}/erase", perm: crm.PermSettings, id: "erasePerson", tag: "privacy",
			summary: "Erase the person: the contact, its timeline and consent history go; a hash of the e-mail stays on the suppression list",
			status:  204, handle: s.erasePerson},

		{method: http.MethodGet, path: "/companies", perm: crm.PermReadAll, id: "listCompanies", tag: "companies",
			summary: "List companies by id; total counts the matches (up to 10,000 exactly)",
			query: pageParams(
				param{name: "q", desc: "Name starts with this (legal forms ignored: サンプル finds 株式会社サンプル and サンプル Co., Ltd.), or reading starts with it.", schema: js{"type": "string"}},
				param{name: "owner_id", desc: "Owned by this user.", schema: js{"type": "integer", "minimum": 1}},
				param{name: "team_id", desc: "Of this team.", schema: js{"type": "integer", "minimum": 1}}),
			status: 200, resp: "CompanyList", handle: s.listCompanies},
		{method: http.MethodPost, path: "/companies", perm: crm.PermWriteContacts, id: "createCompany", tag: "companies",
			summary: "Create a company; a name like an existing company's (株式会社○○ = ○○ Co., Ltd.) is a 422 naming it unless force=true",
			query:   []param{{name: "force", desc: "Create it even if a company with the same name exists.", schema: js{"type": "boolean", "default": false}}},
			body:    "CompanyInput", status: 201, resp: "Company", location: true, handle: s.createCompany},
		{method: http.MethodGet, path: "/companies/{id}", perm: crm.PermReadAll, id: "getCompany", tag: "companies",
			summary: "One company", status: 200, resp: "Company", handle: s.getCompany},
		{method: http.MethodPatch, path: "/companies/{id}", perm: crm.PermWriteContacts, id: "updateCompany", tag: "companies",
			summary: "Change the fields sent; the change goes on the timeline", body: "CompanyPatch", ifMatch: true,
			status: 200, resp: "Company", handle: s.updateCompany},
		{method: http.MethodDelete, path: "/companies/{id}", perm: crm.PermWriteContacts, id: "deleteCompany", tag: "companies",
			summary: "Delete a company; its contacts stay, without a company", status: 204, handle: s.deleteCompany},
		{method: http.MethodGet, path: "/companies/{id}/timeline", perm: crm.PermReadAll, id: "companyTimeline", tag: "companies",
			summary: "What happened to the company and its contacts, newest first", query: pageParams(),
			status: 200, resp: "TimelineList", handle: s.companyTimeline},
		{method: http.MethodPost, path: "/companies/{id}/merge", perm: crm.PermWriteContacts, id: "mergeCompany", tag: "companies",
			summary: "Merge company merge_id into this one: its contacts and timeline move here, empty fields are filled, and it is deleted",
			body:    "MergeInput", status: 200, resp: "Company", handle: s.mergeCompany},

		{method: http.MethodGet, path: "/properties", perm: crm.PermReadAll, id: "listProperties", tag: "properties",
			summary: "Custom property definitions in display order (one page)",
			query:   []param{{name: "object", desc: "Only the properties of contacts or of companies.", schema: enumOf("contact", "company")}},
			status:  200, resp: "PropertyList", handle: s.listProperties},
		{method: http.MethodPost, path: "/properties", perm: crm.PermSettings, id: "createProperty", tag: "properties",
			summary: "Define a custom property", body: "PropertyInput", status: 201, resp: "Property", location: true,
			handle: s.createProperty},
		{method: http.MethodGet, path: "/properties/{id}", perm: crm.PermReadAll, id: "getProperty", tag: "properties",
			summary: "One custom property definition", status: 200, resp: "Property", handle: s.getProperty},
		{method: http.MethodPatch, path: "/properties/{id}", perm: crm.PermSettings, id: "updateProperty", tag: "properties",
			summary: "Change a definition's labels, choices or position (object, key and type are fixed)",
			body:    "PropertyPatch", ifMatch: true, status: 200, resp: "Property", handle: s.updateProperty},
		{method: http.MethodDelete, path: "/properties/{id}", perm: crm.PermSettings, id: "deleteProperty", tag: "properties",
			summary: "Delete a definition (values stored on records are kept)", status: 204, handle: s.deleteProperty},

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
				param{name: "action", desc: "Only actions starting with this, e.g. login or user.", schema: js{"type": "string"}},
				param{name: "user_id", desc: "Only entries by this user.", schema: js{"type": "integer", "minimum": 1}}),
			status: 200, resp: "AuditList", handle: s.listAudit},

		{method: http.MethodGet, path: "/jobs/{id}", perm: crm.PermSignedIn, id: "getJob", tag: "jobs",
			summary: "A background job's status and progress", status: 200, resp: "Job", handle: s.getJob},
	}
	// Each area keeps its part of the table in its own file (routes_*.go).
	rs = append(rs, s.dashboardRoutes()...)
	rs = append(rs, s.closedLoopRoutes()...)
	rs = append(rs, s.ownerRoutes()...)
	rs = append(rs, s.marketingRoutes()...)
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
	rs = append(rs, s.campaignsRoutes()...)
	rs = append(rs, s.catalogueRoutes()...)
	rs = append(rs, s.quotesRoutes()...)
	rs = append(rs, s.invoicesRoutes()...)
	rs = append(rs, s.segmentsRoutes()...)
	rs = append(rs, s.emailTemplatesRoutes()...)
	rs = append(rs, s.broadcastsRoutes()...)
	rs = append(rs, s.sequencesRoutes()...)
	rs = append(rs, s.emailRecipientsRoutes()...)
	rs = append(rs, s.socialRoutes()...)
	return rs
}

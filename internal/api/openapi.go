package api

import (
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// js is a piece of the OpenAPI document (a JSON object).
type js = map[string]any

// Schema helpers. Each call returns a new map, so schemas can be reused and
// changed without touching each other.

// record is a response object: every property is always present.
func record(props js) js {
	req := make([]string, 0, len(props))
	for k := range props {
		req = append(req, k)
	}
	return js{"type": "object", "properties": props, "required": sortStrings(req), "additionalProperties": false}
}

// input is a request object with the given required properties; unknown
// properties are refused (400).
func input(required []string, props js) js {
	o := js{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func str(desc string) js       { return described(js{"type": "string"}, desc) }
func integer(desc string) js   { return described(js{"type": "integer"}, desc) }
func boolean(desc string) js   { return described(js{"type": "boolean"}, desc) }
func idSchema(desc string) js  { return described(js{"type": "integer", "minimum": 1}, desc) }
func dateTime(desc string) js  { return described(js{"type": "string", "format": "date-time"}, desc) }
func date(desc string) js      { return described(js{"type": "string", "format": "date"}, desc) }
func enumOf(vals ...string) js { return js{"type": "string", "enum": vals} }
func arrayOf(items js) js      { return js{"type": "array", "items": items} }
func ref(name string) js       { return js{"$ref": "#/components/schemas/" + name} }
func pattern(p, desc string) js {
	return described(js{"type": "string", "pattern": p}, desc)
}
func listOf(item string) js {
	return record(js{"data": arrayOf(ref(item)), "next_cursor": nullable(str(cursorDesc))})
}

// described adds a description unless it is empty.
func described(s js, desc string) js {
	if desc != "" {
		s["description"] = desc
	}
	return s
}

func withDesc(s js, desc string) js { s["description"] = desc; return s }

const cursorDesc = "Pass as ?cursor= to get the next page; null on the last page."

// nullable allows null besides the schema's type.
func nullable(s js) js {
	s["type"] = []string{s["type"].(string), "null"}
	return s
}

// merge returns a copy of an object schema with more properties.
func merge(base js, extra js, required ...string) js {
	props := js{}
	for k, v := range base["properties"].(js) {
		props[k] = v
	}
	for k, v := range extra {
		props[k] = v
	}
	out := js{"type": "object", "properties": props, "additionalProperties": false}
	if req, ok := base["required"].([]string); ok {
		out["required"] = sortStrings(append(append([]string{}, req...), required...))
	}
	return out
}

func sortStrings(s []string) []string {
	slices.Sort(s)
	return s
}

func roleSchema() js {
	return withDesc(enumOf("admin", "marketing", "sales", "viewer"),
		"admin: everything; marketing and sales: their own objects, read the rest; viewer: read only.")
}

func languageSchema() js { return withDesc(enumOf("ja", "en"), "UI language.") }

// schemas are the components/schemas of the document: the JSON shapes of
// dto.go, by hand.
func schemas() js {
	user := record(js{
		"id":            idSchema("User id."),
		"email":         str("Sign-in address, normalised (NFKC, lower case)."),
		"name":          str("Display name."),
		"role":          roleSchema(),
		"status":        withDesc(enumOf("invited", "active", "deactivated"), "invited: has not set a password yet; deactivated: may not sign in."),
		"language":      languageSchema(),
		"totp_enabled":  boolean("Two-factor sign-in is on."),
		"teams":         arrayOf(ref("Membership")),
		"created_at":    dateTime(""),
		"updated_at":    dateTime(""),
		"last_login_at": nullable(dateTime("null if never signed in.")),
		"version":       idSchema("Version for If-Match; also the ETag."),
	})
	token := record(js{
		"id":           idSchema("Token id."),
		"user_id":      idSchema("The user the token acts as."),
		"user_email":   str(""),
		"name":         str("Label, e.g. the script that uses it."),
		"prefix":       str("First characters of the secret, to recognise it."),
		"created_at":   dateTime(""),
		"last_used_at": nullable(dateTime("")),
		"revoked_at":   nullable(dateTime("null while the token works.")),
	})
	weekday := enumOf("mon", "tue", "wed", "thu", "fri", "sat", "sun")
	clockPattern := "^([01][0-9]|2[0-4]):[0-5][0-9]$"
	workspace := js{
		"name":                str("Workspace name."),
		"language":            withDesc(enumOf("ja", "en"), "Default language of new users."),
		"time_zone":           str("IANA time zone, e.g. Asia/Tokyo."),
		"fiscal_year_start":   js{"type": "integer", "minimum": 1, "maximum": 12, "description": "Month the fiscal year starts (4 = April)."},
		"base_currency":       pattern("^[A-Z]{3}$", "ISO 4217 code, e.g. JPY."),
		"company_name":        str("Printed on documents."),
		"company_postal_code": str(""),
		"company_address":     str(""),
		"company_phone":       str(""),
		"invoice_reg_number":  pattern("^(T[0-9]{13})?$", "Qualified invoice issuer number (T + 13 digits), or empty."),
		"working_days":        withDesc(arrayOf(weekday), "Business days of the calendar."),
		"day_start":           pattern(clockPattern, "Business hours start, HH:MM."),
		"day_end":             pattern(clockPattern, "Business hours end, HH:MM (24:00 at the latest)."),
		"japanese_holidays":   boolean("Japanese national holidays are closed days."),
		"holidays":            withDesc(arrayOf(date("")), "Extra closed days."),
		"record_visibility": js{"type": "object", "description": "Per record type: who sees records (team = the owning team, its managers and admins).",
			"additionalProperties": enumOf("workspace", "team")},
	}
	workspaceOut := js{"version": idSchema("Version for If-Match; also the ETag.")}
	for k, v := range workspace {
		workspaceOut[k] = v
	}
	mailProps := js{
		"host":                 str("SMTP server host name."),
		"port":                 js{"type": "integer", "minimum": 1, "maximum": 65535, "description": "587 for STARTTLS, 465 for TLS."},
		"security":             enumOf("starttls", "tls", "none"),
		"username":             str("Empty for no authentication."),
		"from_address":         str("Sender address."),
		"from_name":            str("Sender name."),
		"insecure_skip_verify": boolean("Accept any certificate (self-signed test relays only)."),
	}
	mailOut := merge(record(mailProps), js{
		"password_set": boolean("A password is stored (it is never returned)."),
		"version":      integer("Version for If-Match (0 before the first save); also the ETag."),
	}, "password_set", "version")
	mailIn := merge(input([]string{"host", "port", "security", "from_address"}, mailProps), js{
		"password": js{"type": "string", "writeOnly": true, "description": "Empty keeps the stored password (while a username is set)."},
	})
	rate := record(js{
		"id":         idSchema(""),
		"currency":   pattern("^[A-Z]{3}$", "ISO 4217 code."),
		"rate":       js{"type": "number", "description": "Value of one unit in the base currency."},
		"valid_from": date("The rate applies from this day on."),
	})
	out := js{
		"Problem": js{"type": "object", "description": "RFC 9457 problem details.", "required": []string{"type", "title", "status", "detail"},
			"additionalProperties": false, "properties": js{
				"type":   str("Always about:blank: the status says what kind of problem it is."),
				"title":  str("The HTTP status text."),
				"status": integer("The HTTP status."),
				"detail": str("What went wrong and what to do."),
				"errors": withDesc(arrayOf(ref("FieldError")), "Per field (422) or per malformed part of the request (400)."),
			}},
		"FieldError":      record(js{"field": str("snake_case field name, query parameter or header."), "message": str("")}),
		"OpenAPIDocument": js{"type": "object", "required": []string{"openapi", "info", "paths"}},

		"User":        user,
		"InvitedUser": merge(user, js{"invite_url": str("The link e-mailed to the user, for passing on by hand; valid 7 days.")}, "invite_url"),
		"Membership":  record(js{"team_id": idSchema(""), "team_name": str(""), "is_manager": boolean("")}),
		"UserList":    listOf("User"),
		"InviteUser": input([]string{"email", "name", "role"}, js{
			"email":    str("Address to send the invitation to."),
			"name":     str(""),
			"role":     roleSchema(),
			"language": withDesc(enumOf("ja", "en"), "Defaults to the workspace language."),
			"team_id":  integer("Add to this team (0 or absent: none)."),
		}),
		"UserPatch": input(nil, js{"name": str(""), "role": roleSchema(),
			"status":   withDesc(enumOf("active", "deactivated"), "Deactivating signs the user out everywhere."),
			"language": languageSchema()}),
		"SelfPatch": input(nil, js{"name": str(""), "language": languageSchema()}),

		"Team": record(js{"id": idSchema(""), "name": str(""), "members": arrayOf(ref("TeamMember")), "created_at": dateTime(""),
			"version": idSchema("Version for If-Match; also the ETag.")}),
		"TeamMember":      record(js{"user_id": idSchema(""), "name": str(""), "email": str(""), "is_manager": boolean("")}),
		"TeamList":        listOf("Team"),
		"TeamInput":       input([]string{"name"}, js{"name": str("Unique team name.")}),
		"TeamMemberInput": input(nil, js{"is_manager": boolean("Managers approve discounts and see their team's records (default false).")}),

		"Token":        token,
		"TokenList":    listOf("Token"),
		"CreatedToken": merge(token, js{"secret": str("The token (rk_…). Shown only here: store it now.")}, "secret"),
		"TokenInput":   input([]string{"name"}, js{"name": str("Label, e.g. the script that uses it.")}),

		"Workspace":         record(workspaceOut),
		"WorkspacePatch":    input(nil, workspace),
		"MailSettings":      mailOut,
		"MailSettingsInput": mailIn,
		"TestMailInput":     input(nil, js{"to": str("Recipient (default: you).")}),
		"JobRef":            record(js{"job_id": idSchema("Follow it at /api/v1/jobs/{job_id}.")}),
		"ExchangeRate":      rate,
		"ExchangeRateList":  listOf("ExchangeRate"),
		"ExchangeRateInput": input([]string{"currency", "rate", "valid_from"}, js{
			"currency":   pattern("^[A-Za-z]{3}$", "ISO 4217 code, not the base currency."),
			"rate":       js{"type": "number", "description": "Value of one unit in the base currency, > 0."},
			"valid_from": date("First day the rate applies."),
		}),

		"AuditEntry": record(js{"id": idSchema(""), "at": dateTime(""), "user_id": nullable(integer("null for the system or an unknown user.")),
			"actor": str("E-mail of who acted, or cli/system."), "action": str("e.g. login.ok, user.invite, settings.workspace."),
			"target": str(""), "details": str(""), "ip": str("Client address.")}),
		"AuditList": listOf("AuditEntry"),

		"Job": record(js{"id": idSchema(""), "kind": str("e.g. mail.send."), "status": enumOf("queued", "running", "done", "failed"),
			"attempts": integer(""), "max_attempts": integer(""), "progress": integer(""), "total": integer("0 when unknown."),
			"last_error": str("Why the last attempt failed."), "run_at": dateTime("Next or last run."),
			"created_at": dateTime(""), "finished_at": nullable(dateTime(""))}),
	}
	maps.Copy(out, dashboardSchemas())
	maps.Copy(out, closedLoopSchemas())
	maps.Copy(out, ownerSchemas())
	maps.Copy(out, marketingSchemas())
	maps.Copy(out, peopleSchemas())
	maps.Copy(out, personTrackingSchemas())
	for _, part := range []js{trackingSchemas(), formsSchemas(), scoringSchemas(), handoffSchemas(), webhooksSchemas(), salesSchemas(), activitiesSchemas(), contractsSchemas(), targetsSchemas(), catalogueSchemas(), quotesSchemas(), invoicesSchemas(), segmentsSchemas(), emailTemplatesSchemas(), broadcastsSchemas(), emailRecipientsSchemas(), sequencesSchemas(), campaignsSchemas(), surveysSchemas(), socialSchemas()} {
		maps.Copy(out, part)
	}
	return out
}

// problemResponses names the problem responses of the document.
var problemResponses = map[int]struct{ name, desc string }{
	http.StatusBadRequest:            {"BadRequest", "The request is malformed: not JSON, an unknown field, a wrong type, or a bad query parameter or header."},
	http.StatusUnauthorized:          {"Unauthorized", "No valid API token or session."},
	http.StatusForbidden:             {"Forbidden", "The role does not allow this, or a cookie-authenticated write came from another site."},
	http.StatusNotFound:              {"NotFound", "No such record (or not visible to you)."},
	http.StatusPreconditionFailed:    {"PreconditionFailed", "If-Match is stale: the record changed since it was read."},
	http.StatusRequestEntityTooLarge: {"ContentTooLarge", "The body is larger than 1 MiB."},
	http.StatusUnsupportedMediaType:  {"UnsupportedMediaType", "The body is not sent as application/json."},
	http.StatusUnprocessableEntity:   {"ValidationFailed", "Some fields are not valid; errors lists them."},
	http.StatusPreconditionRequired:  {"PreconditionRequired", "If-Match is missing."},
	http.StatusInternalServerError:   {"InternalError", "A server error (logged; no details are given)."},
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// errorStatuses derives the problem statuses a route can answer with.
func (rt route) errorStatuses() []int {
	set := map[int]bool{http.StatusInternalServerError: true}
	if !rt.public {
		set[http.StatusUnauthorized], set[http.StatusForbidden] = true, true
	}
	if strings.Contains(rt.path, "{") {
		set[http.StatusNotFound] = true
	}
	if len(rt.query) > 0 {
		set[http.StatusBadRequest] = true
	}
	if rt.body != "" {
		set[http.StatusBadRequest], set[http.StatusRequestEntityTooLarge] = true, true
		set[http.StatusUnsupportedMediaType], set[http.StatusUnprocessableEntity] = true, true
	}
	if rt.refused {
		set[http.StatusUnprocessableEntity] = true
	}
	if rt.ifMatch {
		set[http.StatusBadRequest], set[http.StatusPreconditionFailed], set[http.StatusPreconditionRequired] = true, true, true
	}
	return slices.Sorted(maps.Keys(set))
}

// operation is the OpenAPI operation object of a route.
func (rt route) operation(schemas js) js {
	perm := string(rt.perm)
	if rt.public {
		perm = "public"
	}
	op := js{"operationId": rt.id, "summary": rt.summary, "tags": []string{rt.tag}, "x-permission": perm}
	if rt.public {
		op["security"] = []any{}
	}
	params := []any{}
	for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
		params = append(params, js{"name": m[1], "in": "path", "required": true, "schema": idSchema("")})
	}
	for _, q := range rt.query {
		p := js{"name": q.name, "in": "query", "description": q.desc, "schema": q.schema}
		if q.deep {
			p["style"], p["explode"] = "deepObject", true
		}
		params = append(params, p)
	}
	if rt.ifMatch {
		params = append(params, js{"$ref": "#/components/parameters/IfMatch"})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if rt.body != "" {
		op["requestBody"] = js{"required": !rt.bodyOptional,
			"content": js{"application/json": js{"schema": ref(rt.body)}}}
	}
	ok := js{"description": http.StatusText(rt.status)}
	headers := js{}
	if rt.resp != "" {
		ok["content"] = js{"application/json": js{"schema": ref(rt.resp)}}
		if rt.csv {
			ok["content"].(js)["text/csv"] = js{"schema": js{"type": "string", "description": "UTF-8 with a byte-order mark."}}
		}
		if props, _ := schemas[rt.resp].(js)["properties"].(js); props["version"] != nil {
			headers["ETag"] = js{"$ref": "#/components/headers/ETag"}
		}
	}
	if rt.pdf {
		ok["content"] = js{"application/pdf": js{"schema": js{"type": "string", "format": "binary"}}}
	}
	if rt.location {
		headers["Location"] = js{"description": "URL of the new resource.", "schema": js{"type": "string"}}
	}
	if len(headers) > 0 {
		ok["headers"] = headers
	}
	responses := js{strconv.Itoa(rt.status): ok}
	for _, s := range rt.errorStatuses() {
		responses[strconv.Itoa(s)] = js{"$ref": "#/components/responses/" + problemResponses[s].name}
	}
	op["responses"] = responses
	return op
}

// openAPIDocument builds the OpenAPI 3.1 document from the route table.
func openAPIDocument(routes []route, baseURL string) js {
	sch := schemas()
	paths := js{}
	for _, rt := range routes {
		p := Prefix + rt.path
		item, ok := paths[p].(js)
		if !ok {
			item = js{}
			paths[p] = item
		}
		item[strings.ToLower(rt.method)] = rt.operation(sch)
	}
	responses := js{}
	for status, r := range problemResponses {
		resp := js{"description": r.desc, "content": js{"application/problem+json": js{"schema": ref("Problem")}}}
		if status == http.StatusUnauthorized {
			resp["headers"] = js{"WWW-Authenticate": js{"description": `Bearer realm="renkei"`, "schema": js{"type": "string"}}}
		}
		responses[r.name] = resp
	}
	return js{
		"openapi": "3.1.0",
		"info": js{
			"title":   "Renkei API",
			"version": "1",
			"description": "REST API of Renkei. JSON with snake_case fields; cursor pagination (limit, cursor → next_cursor); " +
				"PATCH and PUT need If-Match with the ETag (the record's version); errors are RFC 9457 problem documents. " +
				"Each operation's x-permission names the permission it needs. See docs/api.md.",
		},
		"servers":  []any{js{"url": baseURL}},
		"security": []any{js{"bearerAuth": []string{}}, js{"sessionCookie": []string{}}},
		"tags": []any{
			js{"name": "leads", "description": "The hand-off to sales: assignment rules, the Leads inbox (accept / reject), notifications."},
			js{"name": "contacts"}, js{"name": "companies"}, js{"name": "properties", "description": "Custom property definitions."},
			js{"name": "privacy", "description": "Consent, a person's data export and erasure (APPI, GDPR)."},
			js{"name": "users"}, js{"name": "teams"}, js{"name": "tokens"}, js{"name": "settings"},
			js{"name": "audit"}, js{"name": "jobs"}, js{"name": "meta"},
			js{"name": "webhooks", "description": "Outgoing webhooks (HMAC-signed, retried) and their delivery log. See docs/webhooks.md."},
			js{"name": "tracking", "description": "Web tracking: sites, server-side events, identify."},
			js{"name": "reports"},
			js{"name": "scoring", "description": "Lead scoring rules, scoring settings and score explanations."},
			js{"name": "forms", "description": "Lead-capture forms and their submissions."},
			js{"name": "pipelines", "description": "Sales pipelines and their stages."},
			js{"name": "deals", "description": "Deals (案件), their moves between stages, and competitors."},
			js{"name": "activities", "description": "Calls, visits, meetings, e-mails and notes on contacts, companies and deals, each marketing or sales."},
			js{"name": "tasks", "description": "Tasks with a due time, an owner, a reminder and one linked record."},
			js{"name": "contracts", "description": "Contracts made from won deals, with their renewal deals."},
			js{"name": "invoices", "description": "Invoices (請求書) made from accepted quotes: number, due date, bank details, PDF, paid or unpaid."},
			js{"name": "quotes", "description": "Quotes (見積書) on deals: lines, per-rate tax, revisions, the discount guardrail, share links, PDF."},
			js{"name": "targets", "description": "Sales targets (目標) per workspace, team and person; attainment and the forecast. See docs/sales-targets.md."},
			js{"name": "catalogue", "description": "Products and services, price books and the price of a product on a day. See docs/products.md."},
			js{"name": "competitors", "description": "Battlecards, competitors' products mapped to ours, and observed prices kept as history."},
			js{"name": "segments", "description": "Segments (filters over contacts, evaluated when read) and static lists. See docs/segments.md."},
			js{"name": "email-templates", "description": "E-mail templates: blocks or HTML source with merge fields, previewed as a contact. See docs/email-templates.md."},
			js{"name": "broadcasts", "description": "Broadcasts (一斉配信) and the sending settings of marketing mail. See docs/broadcasts.md and docs/email-sending.md."},
			js{"name": "campaigns", "description": "Campaigns (広告宣伝): UTM tag, budget, costs, event attendees, UTM links and their numbers. See docs/campaigns.md."},
			js{"name": "email", "description": "The recipient side of marketing e-mail: preference topics, the suppression list, the bounce webhook and the sending-domain check. See docs/email-recipients.md."},
			js{"name": "sequences", "description": "Sequences (drip, 育成シナリオ): steps each enrolled contact walks through, exit rules, a holdout and the lift report. See docs/sequences.md."},
			js{"name": "surveys", "description": "Surveys (アンケート): questions, results with NPS and cross-tabs, personal links, responses. See docs/surveys.md."},
			js{"name": "social", "description": "SNS and market listening: social posts, keyword and hashtag trends, share of voice, sentiment. See docs/social-listening.md."},
		},
		"paths": paths,
		"components": js{
			"schemas":   sch,
			"responses": responses,
			"parameters": js{"IfMatch": js{"name": "If-Match", "in": "header", "required": true,
				"description": `The ETag of the record as last read, e.g. "3".`, "schema": js{"type": "string"}}},
			"headers": js{"ETag": js{"description": `The record's version, quoted, e.g. "3".`, "schema": js{"type": "string"}}},
			"securitySchemes": js{
				"bearerAuth": js{"type": "http", "scheme": "bearer", "bearerFormat": "rk_…",
					"description": "An API token, from Settings → API tokens or `renkei token create`."},
				"sessionCookie": js{"type": "apiKey", "in": "cookie", "name": SessionCookie,
					"description": "The web UI's session. Writes must come from Renkei's own pages (cross-origin protection)."},
			},
		},
	}
}

// peopleSchemas are the schemas of contacts, companies, custom properties,
// timelines and privacy.
func peopleSchemas() js {
	version := idSchema("Version for If-Match; also the ETag.")
	stages, sources := stageNames(), sourceNames()
	stage := func() js {
		return withDesc(enumOf(stages...), "Lifecycle stage: where the person is in the funnel.")
	}
	leadStatus := func() js {
		return withDesc(enumOf("", "new", "working", "accepted", "rejected", "recycled"),
			"What sales did with the lead; empty until it is handed over.")
	}
	source := func() js { return withDesc(enumOf(sources...), "Where the contact came from.") }
	consent := func() js {
		return withDesc(enumOf("unknown", "granted", "withdrawn", "pending"),
			"Whether the person may receive marketing e-mail (pending: double opt-in not yet confirmed).")
	}
	propValue := func(in bool) js {
		types := []string{"string", "number", "boolean", "array"}
		desc := "By the property's type: text, URL and choice are strings, number a number, date YYYY-MM-DD, yes/no a boolean, multiple choice an array of strings."
		if in {
			types = append(types, "null")
			desc += " Strings are accepted for every type (\"1,200\", \"2026/4/1\", \"yes\"); null removes the value."
		}
		return js{"type": types, "items": js{"type": "string"}, "description": desc}
	}
	properties := func(in bool) js {
		desc := "Custom properties by key (see /properties)."
		if in {
			desc = "Custom properties by key, merged into the stored ones (see /properties)."
		}
		return js{"type": "object", "additionalProperties": propValue(in), "description": desc}
	}
	optRef := func(desc string) js { return nullable(idSchema(desc)) }

	contactText := js{
		"email":          str("Unique when present (compared after NFKC and case folding)."),
		"family_name":    str("姓 / last name."),
		"given_name":     str("名 / first name."),
		"family_reading": str("Reading of the family name in katakana (セイ); hiragana and half-width kana are converted."),
		"given_reading":  str("Reading of the given name (メイ)."),
		"honorific":      str("様 by default."),
		"phone":          str(""),
		"job_title":      str(""),
		"department":     str(""),
	}
	contact := js{
		"id":              idSchema("Contact id."),
		"display_name":    str("The name in the order of the response's language (Content-Language): 山田 太郎 in Japanese, Taro Yamada in English."),
		"company":         nullable(record(js{"id": idSchema(""), "name": str("")})),
		"owner_id":        optRef("Owning user; null for none."),
		"team_id":         optRef("Owning team; null for none."),
		"tags":            withDesc(arrayOf(str("")), "Sorted by name."),
		"lifecycle_stage": stage(),
		"lead_status":     leadStatus(),
		"original_source": source(),
		"source_group":    withDesc(enumOf("marketing", "outbound"), "The source's group: marketing-sourced or outbound."),
		"consent":         consent(),
		"properties":      properties(false),
		"created_at":      dateTime(""),
		"updated_at":      dateTime(""),
		"version":         version,
	}
	maps.Copy(contact, contactText)
	contactIn := js{
		"company_id":      optRef("Link this company; null unlinks."),
		"company_name":    str("Link the company with this name, recognising legal forms (株式会社○○ = ○○ Co., Ltd.), or create it; empty unlinks. Not together with company_id."),
		"owner_id":        optRef("Owning user (active); null for none."),
		"team_id":         optRef("Owning team; null for none."),
		"tags":            withDesc(arrayOf(str("")), "Replaces the tags."),
		"lifecycle_stage": withDesc(stage(), "Default lead."),
		"lead_status":     leadStatus(),
		"original_source": withDesc(source(), "Default api."),
		"consent":         withDesc(consent(), "Changes are recorded in the consent history with source manual; PUT /contacts/{id}/consent records the wording too."),
		"properties":      properties(true),
	}
	maps.Copy(contactIn, contactText)

	companyText := js{
		"name":        str("As written, with its legal form (株式会社サンプル, Sample Co., Ltd.)."),
		"reading":     str("Reading in katakana, for 五十音 order."),
		"domain":      str("Web domain, e.g. example.co.jp (a URL is reduced to it)."),
		"industry":    str(""),
		"postal_code": str("e.g. 100-0001."),
		"prefecture":  str("e.g. 東京都."),
		"city":        str(""),
		"street":      str(""),
		"country":     str(""),
		"phone":       str(""),
	}
	company := js{
		"id":         idSchema("Company id."),
		"legal_form": str("Recognised from the name: 株式会社, 合同会社, Inc., …"),
		"employees":  nullable(integer("Number of employees; null when unknown.")),
		"address":    str("The address in the order of the response's language: 〒100-0001 東京都千代田区… in Japanese, street first in English."),
		"owner_id":   optRef("Owning user; null for none."),
		"team_id":    optRef("Owning team; null for none."),
		"properties": properties(false),
		"created_at": dateTime(""),
		"updated_at": dateTime(""),
		"version":    version,
	}
	maps.Copy(company, companyText)
	companyIn := js{
		"employees":  nullable(integer("Number of employees; null when unknown.")),
		"owner_id":   optRef("Owning user (active); null for none."),
		"team_id":    optRef("Owning team; null for none."),
		"properties": properties(true),
	}
	maps.Copy(companyIn, companyText)

	propertyText := js{
		"label_ja": str("Label in Japanese (a label in one language at least)."),
		"label_en": str("Label in English."),
		"options":  withDesc(arrayOf(str("")), "The choices of choice and multi_choice properties."),
		"position": integer("Display order."),
	}
	propertyType := withDesc(enumOf("text", "number", "date", "choice", "multi_choice", "bool", "url"), "Type of the values.")
	property := js{
		"id":         idSchema(""),
		"object":     enumOf("contact", "company"),
		"key":        pattern("^[a-z][a-z0-9_]{0,62}$", "Name in properties objects, filters and CSV columns."),
		"type":       propertyType,
		"created_at": dateTime(""),
		"version":    version,
	}
	maps.Copy(property, propertyText)
	propertyIn := js{
		"object": enumOf("contact", "company"),
		"key":    pattern("^[a-z][a-z0-9_]{0,62}$", "Lower-case letters, digits and _, starting with a letter; not a standard field's name."),
		"type":   propertyType,
	}
	maps.Copy(propertyIn, propertyText)

	timeline := record(js{
		"id":         idSchema(""),
		"at":         dateTime("When it happened."),
		"kind":       str("created, updated, imported, merged, consent, … (more kinds come with later features)."),
		"contact_id": optRef("The contact it happened to."),
		"company_id": optRef("The company it happened to."),
		"actor_id":   optRef("The user who did it; null for the system."),
		"actor_name": str(""),
		"data":       js{"type": "object", "description": "Details by kind, e.g. changes: {field: [old, new]} for updated."},
		"ref_type":   str("Kind of the record behind the entry, if any."),
		"ref_id":     optRef("Id of the record behind the entry."),
	})
	consentEvent := record(js{
		"id":       idSchema(""),
		"at":       dateTime(""),
		"status":   consent(),
		"source":   str("form, import, api, manual, unsubscribe, …"),
		"wording":  str("The exact text the person agreed to."),
		"page_url": str(""),
		"ip":       str(""),
		"actor_id": optRef("The user who recorded it; null for the person themselves."),
	})
	return js{
		"Contact":      record(contact),
		"ContactInput": input(nil, contactIn),
		"ContactPatch": input(nil, contactIn),
		"ContactList": record(js{"data": arrayOf(ref("Contact")), "next_cursor": nullable(str(cursorDesc)),
			"total":             integer("Number of matching contacts; with total_is_estimate, a lower bound (10,000)."),
			"total_is_estimate": boolean("There are more matches than total.")}),
		"CompanyList": record(js{"data": arrayOf(ref("Company")), "next_cursor": nullable(str(cursorDesc)),
			"total":             integer("Number of matching companies; with total_is_estimate, a lower bound (10,000)."),
			"total_is_estimate": boolean("There are more matches than total.")}),
		"Company":       record(company),
		"CompanyInput":  input([]string{"name"}, companyIn),
		"CompanyPatch":  input(nil, companyIn),
		"TimelineEntry": timeline,
		"TimelineList":  listOf("TimelineEntry"),
		"MergeInput":    input([]string{"merge_id"}, js{"merge_id": idSchema("The record that is merged into this one and then deleted.")}),
		"ConsentInput": input([]string{"status"}, js{
			"status":  consent(),
			"source":  str("Where the consent was given (default api)."),
			"wording": str("The exact text the person agreed to."),
		}),
		"ConsentEvent": consentEvent,
		"PersonExport": record(js{
			"contact":     ref("Contact"),
			"company":     nullable(record(company)),
			"timeline":    arrayOf(ref("TimelineEntry")),
			"consent":     withDesc(arrayOf(ref("ConsentEvent")), "The consent history, newest first."),
			"visits":      withDesc(arrayOf(ref("PersonVisit")), "Web visitor ids that identified as the person, with their first touch."),
			"events":      withDesc(arrayOf(ref("PersonEvent")), "Their tracked events (page views, custom events, forms), oldest first."),
			"deals":       withDesc(arrayOf(ref("Deal")), "The deals the person is on (as lead or with a role)."),
			"contracts":   withDesc(arrayOf(ref("Contract")), "The contracts the person is the contact of."),
			"exported_at": dateTime(""),
		}),
		"Property":      record(property),
		"PropertyList":  listOf("Property"),
		"PropertyInput": input([]string{"object", "key", "type"}, propertyIn),
		"PropertyPatch": input(nil, propertyText),
	}
}

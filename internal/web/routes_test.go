package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"renkei/internal/crm"
)

// samplePath turns a route pattern into a path to request: path values
// name records that do not exist, so allowed requests change nothing.
func samplePath(pattern string) string {
	switch pattern {
	case "/":
		return "/no-such-page"
	case "/static/":
		return "/static/app.css"
	}
	p := strings.ReplaceAll(pattern, "{$}", "")
	p = strings.ReplaceAll(p, "{token}", "not-a-token")
	return regexp.MustCompile(`\{[a-z]+\}`).ReplaceAllString(p, "999999")
}

// TestPermissionTable walks the route table: for every route and every
// role, and for someone not signed in, the request is refused exactly when
// the table says so — 403 for a signed-in role without the permission, a
// redirect to the sign-in page for an anonymous visitor.
func TestPermissionTable(t *testing.T) {
	e := newEnv(t)
	sessions := map[string]string{"admin": e.setup()}
	emails := map[string]string{"admin": "admin@example.com"}
	for _, r := range []crm.Role{crm.RoleMarketing, crm.RoleSales, crm.RoleViewer} {
		sessions[string(r)] = e.user(r, "Test "+string(r))
		emails[string(r)] = string(r) + "@example.com"
	}
	roles := []string{"admin", "marketing", "sales", "viewer", "anonymous"}

	seen := map[string]bool{}
	for _, rt := range e.srv.routes() {
		key := rt.method + " " + rt.pattern
		if seen[key] {
			t.Errorf("route %s is in the table twice", key)
		}
		seen[key] = true
		if rt.perm == "" {
			t.Errorf("route %s has no permission", key)
		}
		method := rt.method
		if method == "" {
			method = http.MethodGet
		}
		path := samplePath(rt.pattern)
		for _, role := range roles {
			wantRefused := rt.perm != public && (role == "anonymous" || !crm.Role(role).Can(rt.perm))
			var form url.Values
			if method == http.MethodPost {
				form = url.Values{}
			}
			w := e.do(method, path, sessions[role], form)
			var refused bool
			if role == "anonymous" {
				refused = w.Code == http.StatusUnauthorized ||
					(w.Code == http.StatusSeeOther && strings.HasPrefix(w.Header().Get("Location"), "/login?next="))
			} else {
				refused = w.Code == http.StatusForbidden
				if w.Code == http.StatusUnauthorized || strings.HasPrefix(w.Header().Get("Location"), "/login?next=") {
					t.Errorf("%s %s as %s: sent to sign in (status %d) although signed in", method, path, role, w.Code)
				}
			}
			if refused != wantRefused {
				t.Errorf("%s %s as %s: status %d (Location %q), refused = %v, table says %v (perm %s)",
					method, path, role, w.Code, w.Header().Get("Location"), refused, wantRefused, rt.perm)
			}
			if w.Code >= 500 {
				t.Errorf("%s %s as %s: status %d:\n%.1000s", method, path, role, w.Code, w.Body.String())
			}
			// A request may end the session (POST /logout): sign in again.
			if s := sessions[role]; s != "" {
				if _, err := e.app.Authenticate(context.Background(), s, ""); err != nil {
					sessions[role] = e.login(emails[role])
				}
			}
		}
	}
}

// TestRoutesCoverAllPermissions makes sure the table exercises every
// permission that a route can need, so a new permission is not forgotten
// in the walk above.
func TestRoutesCoverAllPermissions(t *testing.T) {
	e := newEnv(t)
	used := map[crm.Perm]bool{}
	for _, rt := range e.srv.routes() {
		used[rt.perm] = true
	}
	for _, p := range []crm.Perm{public, crm.PermSignedIn, crm.PermReadAll, crm.PermManageUsers, crm.PermSettings, crm.PermAudit} {
		if !used[p] {
			t.Errorf("no route uses %s", p)
		}
	}
	for p := range used {
		if p == public {
			continue
		}
		known := false
		for _, q := range crm.Perms() {
			known = known || p == q
		}
		if !known {
			t.Errorf("route permission %q is not a crm.Perm", p)
		}
	}
}

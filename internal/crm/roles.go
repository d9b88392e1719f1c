package crm

import "fmt"

// Role is what a user may do in the workspace (DESIGN.md §8).
type Role string

// The four roles.
const (
	RoleAdmin     Role = "admin"
	RoleMarketing Role = "marketing"
	RoleSales     Role = "sales"
	RoleViewer    Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleMarketing, RoleSales, RoleViewer}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (use admin, marketing, sales or viewer)", s)
}

// Perm names one kind of action. Every route and every application verb
// needs exactly one Perm; the table below says which roles hold it.
type Perm string

// Permissions. "read" perms are held by every signed-in role; write perms
// follow the split of DESIGN.md §8: marketing writes marketing objects,
// sales writes sales objects, admin everything, viewer nothing.
const (
	PermSignedIn       Perm = "signed_in"       // any active user: own profile, own sessions, dashboards
	PermReadAll        Perm = "read"            // read records of any kind
	PermWriteMarketing Perm = "write_marketing" // sites, forms, campaigns, e-mails, scoring
	PermWriteSales     Perm = "write_sales"     // deals, activities, quotes
	PermWriteContacts  Perm = "write_contacts"  // contacts and companies: both sides work on people
	PermManageUsers    Perm = "manage_users"    // users, teams, invitations, other users' tokens
	PermSettings       Perm = "settings"        // workspace, mail, calendar, currencies
	PermAudit          Perm = "audit"           // read the audit log
)

var permRoles = map[Perm][]Role{
	PermSignedIn:       {RoleAdmin, RoleMarketing, RoleSales, RoleViewer},
	PermReadAll:        {RoleAdmin, RoleMarketing, RoleSales, RoleViewer},
	PermWriteMarketing: {RoleAdmin, RoleMarketing},
	PermWriteSales:     {RoleAdmin, RoleSales},
	PermWriteContacts:  {RoleAdmin, RoleMarketing, RoleSales},
	PermManageUsers:    {RoleAdmin},
	PermSettings:       {RoleAdmin},
	PermAudit:          {RoleAdmin},
}

// Perms lists every permission, for tests that walk the table.
func Perms() []Perm {
	return []Perm{PermSignedIn, PermReadAll, PermWriteMarketing, PermWriteSales,
		PermWriteContacts, PermManageUsers, PermSettings, PermAudit}
}

// Can reports whether a role holds a permission. Unknown permissions are
// denied.
func (r Role) Can(p Perm) bool {
	for _, x := range permRoles[p] {
		if x == r {
			return true
		}
	}
	return false
}

// Visibility says who may see records of one type (DESIGN.md §8).
type Visibility string

// Visibility modes.
const (
	VisibleWorkspace Visibility = "workspace" // everyone in the workspace
	VisibleTeam      Visibility = "team"      // the owning team, its managers and admins
)

// Viewer is what visibility rules need to know about the acting user.
type Viewer struct {
	UserID  int64
	Role    Role
	TeamIDs []int64 // teams the user belongs to (as member or manager)
}

// CanSee reports whether the viewer may see a record owned by ownerID in
// team teamID (0 = no team) under the given visibility mode.
func (v Viewer) CanSee(mode Visibility, ownerID, teamID int64) bool {
	if mode != VisibleTeam || v.Role == RoleAdmin {
		return true
	}
	if ownerID != 0 && ownerID == v.UserID {
		return true
	}
	for _, t := range v.TeamIDs {
		if teamID != 0 && t == teamID {
			return true
		}
	}
	return false
}

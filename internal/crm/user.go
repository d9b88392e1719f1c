package crm

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// UserStatus is the state of an account.
type UserStatus string

// Account states.
const (
	UserInvited     UserStatus = "invited"     // invitation sent, no password yet
	UserActive      UserStatus = "active"      // may sign in
	UserDeactivated UserStatus = "deactivated" // may not sign in; records keep the owner
)

// Language is a UI language.
type Language string

// Supported languages.
const (
	LangJA Language = "ja"
	LangEN Language = "en"
)

// ParseLanguage validates a language code.
func ParseLanguage(s string) (Language, bool) {
	switch Language(s) {
	case LangJA, LangEN:
		return Language(s), true
	}
	return "", false
}

// User is a staff account.
type User struct {
	ID          int64
	Email       string
	Name        string
	Role        Role
	Status      UserStatus
	Language    Language
	TOTPEnabled bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
	LastLoginAt time.Time // zero if never
	Version     int64
	Teams       []TeamMembership
}

// TeamMembership is a user's place in a team.
type TeamMembership struct {
	TeamID    int64
	TeamName  string
	IsManager bool
}

// Viewer returns the visibility identity of the user.
func (u User) Viewer() Viewer {
	v := Viewer{UserID: u.ID, Role: u.Role}
	for _, m := range u.Teams {
		v.TeamIDs = append(v.TeamIDs, m.TeamID)
	}
	return v
}

// ManagesTeam reports whether the user manages the given team.
func (u User) ManagesTeam(teamID int64) bool {
	for _, m := range u.Teams {
		if m.TeamID == teamID && m.IsManager {
			return true
		}
	}
	return false
}

// Team groups users; managers approve and see their team's records.
type Team struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	Version   int64
	Members   []TeamMember
}

// TeamMember is one user in a team.
type TeamMember struct {
	UserID    int64
	Name      string
	Email     string
	IsManager bool
}

// NormalizeEmail trims, applies NFKC (so full-width letters become ASCII)
// and lower-cases an address. It does not validate.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(norm.NFKC.String(s)))
}

// ValidEmail reports whether s (already normalised) is a plain address
// such as taro@example.jp, without display name or angle brackets.
func ValidEmail(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " <>\r\n\t\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// ValidatePassword checks a new password.
func ValidatePassword(field, p string) error {
	if utf8.RuneCountInString(p) < MinPasswordLength {
		return Invalid(field, "use at least 10 characters")
	}
	if len(p) > 1024 {
		return Invalid(field, "use at most 1024 bytes")
	}
	return nil
}

// CleanName trims a display name and checks it is present and not absurd.
func CleanName(v *ValidationError, field, s string, max int) string {
	s = strings.TrimSpace(norm.NFC.String(s))
	switch {
	case s == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "is too long")
	case strings.ContainsAny(s, "\r\n\x00"):
		v.Add(field, "must be on one line")
	}
	return s
}

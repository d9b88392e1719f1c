// Package app holds the verbs of Renkei: each exported method is one thing a
// user or a system does (sign in, invite a user, change settings). It checks
// authorization before any side effect, runs the change in one transaction,
// writes the audit log and queues side effects as jobs. Handlers in web, api
// and track parse input, call one method here and render the result.
package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// App is the application: the store plus the settings and clock that every
// verb needs. It is safe for concurrent use.
type App struct {
	Store   *store.Store
	Clock   func() time.Time
	BaseURL string // public URL without trailing slash, for links in e-mails
	Log     *slog.Logger
	// ServerTZ is the zone used for new non-Japanese workspaces.
	ServerTZ string
	// Getenv reads RENKEI_PDF_FONT for quote PDFs; nil is os.Getenv.
	Getenv func(string) string
	// Wake starts the job runner at once (set by the server; nil in tests
	// without one).
	Wake func()
	// DNSResolver is the DNS server (host:port) of the sending-domain
	// check (RENKEI_DNS_RESOLVER); "" uses the system's.
	DNSResolver string

	outbound    outboundClients // HTTP clients of webhook deliveries (webhooks.go)
	tracking    tracking        // web tracking's writer and caches (tracker.go)
	scoringHist latencyHist     // renkei_scoring_rescore_seconds
	pdf         pdfRenderer     // quote and invoice PDFs (quotes.go)
	engine      *Engine         // the outbox sender of this process (outbox_engine.go)
}

// Config are the dependencies of New.
type Config struct {
	Store    *store.Store
	Clock    func() time.Time // nil = time.Now
	BaseURL  string
	Log      *slog.Logger
	ServerTZ string
	Getenv   func(string) string // nil: os.Getenv
}

// New builds an App.
func New(c Config) *App {
	a := &App{Store: c.Store, Clock: c.Clock, BaseURL: strings.TrimRight(c.BaseURL, "/"), Log: c.Log, ServerTZ: c.ServerTZ, Getenv: c.Getenv}
	if a.Clock == nil {
		a.Clock = time.Now
	}
	if a.Log == nil {
		a.Log = slog.Default()
	}
	if a.BaseURL == "" {
		a.BaseURL = "http://127.0.0.1:8080"
	}
	return a
}

func (a *App) now() time.Time { return a.Clock().UTC().Truncate(time.Millisecond) }

// Actor is who performs an action: a signed-in user (through a session or
// an API token) with the client's address.
type Actor struct {
	User      crm.User
	SessionID int64 // 0 for API tokens
	TokenID   int64 // 0 for sessions
	IP        string
}

// Can reports whether the actor holds a permission.
func (ac Actor) Can(p crm.Perm) bool {
	return ac.User.ID != 0 && ac.User.Status == crm.UserActive && ac.User.Role.Can(p)
}

// require returns crm.ErrForbidden unless the actor holds p.
func (ac Actor) require(p crm.Perm) error {
	if ac.User.ID == 0 {
		return crm.ErrUnauthorized
	}
	if !ac.Can(p) {
		return crm.ErrForbidden
	}
	return nil
}

func (ac Actor) label() string {
	if ac.User.ID == 0 {
		return "system"
	}
	return ac.User.Email
}

// audit builds an audit entry for the actor.
func (a *App) audit(ac Actor, action, target, details string) store.AuditEntry {
	return store.AuditEntry{At: a.now(), UserID: ac.User.ID, Actor: ac.label(), Action: action, Target: target, Details: details, IP: ac.IP}
}

// newToken returns a random secret of 256 bits, URL-safe, and its hash.
func newToken(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashToken(secret)
}

// hashToken is how every secret token is stored: SHA-256, hex. Tokens carry
// 256 bits of randomness, so a fast hash is enough.
func hashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// background returns a context for work that must finish even when the
// request that started it goes away.
func background(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/gen"
	"renkei/internal/store"
)

// `renkei demo` fills an empty workspace with a small, realistic business
// (gen.World of size demo) in one transaction; `renkei gen` makes the
// benchmark datasets (S, M, N=<contacts>) the same way, fast: secondary
// indexes are dropped during the load and built afterwards, and SQLite
// runs with synchronous=OFF while it loads (store.BulkOptions.Unsafe).

// generateOptions are what demo and gen share.
type generateOptions struct {
	command  string // demo or gen
	size     gen.Size
	seed     uint64
	lang     crm.Language
	password string // empty: make one up
	fast     bool   // drop and rebuild indexes, unsafe durability, periodic commits
	now      time.Time
}

func demo(ctx context.Context, args []string, env Env) error {
	return generateCommand(ctx, "demo", args, env)
}

func genCommand(ctx context.Context, args []string, env Env) error {
	return generateCommand(ctx, "gen", args, env)
}

func generateCommand(ctx context.Context, name string, args []string, env Env) error {
	var lang, size string
	var seed uint64
	var passwordStdin, fast bool
	use := usageError("renkei demo [--lang ja|en] [--seed N] [--password-stdin] [--data DIR | --database-url URL]")
	if name == "gen" {
		use = usageError("renkei gen --size S|M|N=<contacts> [--seed N] [--lang ja|en] [--fast=false] [--password-stdin] [--data DIR | --database-url URL]")
	}
	c, fs, err := parseWith(name, args, env.Getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&lang, "lang", "ja", "language of the workspace and its data: ja or en")
		fs.Uint64Var(&seed, "seed", 1, "random seed: the same seed and size give the same data")
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the owner's password from standard input instead of making one up")
		if name == "gen" {
			fs.StringVar(&size, "size", "", "S (10,000 contacts), M (1,000,000 contacts), or N=<contacts>")
			fs.BoolVar(&fast, "fast", true, "drop secondary indexes while loading and relax durability (SQLite synchronous=OFF) until done")
		}
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 || (name == "gen" && size == "") {
		return use
	}
	o := generateOptions{command: name, seed: seed, fast: fast}
	l, ok := crm.ParseLanguage(lang)
	if !ok {
		return crm.Invalid("lang", "choose ja or en")
	}
	o.lang = l
	if name == "demo" {
		size = "demo"
	}
	if o.size, err = gen.ParseSize(size); err != nil {
		return crm.Invalid("size", err.Error())
	}
	if passwordStdin {
		if o.password, err = readLine(env.Stdin); err != nil {
			return fmt.Errorf("read password from standard input: %w", err)
		}
		if err := crm.ValidatePassword("password", o.password); err != nil {
			return err
		}
	}
	if c.DatabaseURL == "" && name == "gen" {
		// The fast load must not share the database with a running server.
		release, err := store.LockDataDir(c.DataDir)
		if err != nil {
			if errors.Is(err, store.ErrDataDirInUse) {
				return fmt.Errorf("%s: a renkei server is running on %s: stop it first (nothing was changed)", name, c.DataDir)
			}
			return err
		}
		defer release()
	}
	s, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	a := newApp(s, c, newLogger(c.LogFormat, env.Stderr))
	return generate(ctx, s, a, o, c.BaseURL, env.Stdout)
}

// generate fills an empty workspace with a world and reports as it goes.
func generate(ctx context.Context, s *store.Store, a *app.App, o generateOptions, baseURL string, out io.Writer) error {
	began := time.Now()
	if n, err := s.RestoreBulkIndexes(ctx); err != nil {
		return fmt.Errorf("rebuild indexes left by an interrupted load: %w", err)
	} else if n > 0 {
		fmt.Fprintf(out, "rebuilt %d indexes that an interrupted load had dropped\n", n)
	}
	counts, err := s.CountRows(ctx, "users", "companies", "contacts")
	if err != nil {
		return err
	}
	if counts["users"]+counts["companies"]+counts["contacts"] > 0 {
		return fmt.Errorf("%s: the workspace is not empty (%d users, %d companies, %d contacts): it only fills a new, empty one — "+
			"use another --data directory or an empty database (nothing was changed)", o.command, counts["users"], counts["companies"], counts["contacts"])
	}
	w, err := gen.New(gen.Config{Seed: o.seed, Size: o.size, Lang: o.lang, Now: o.now})
	if err != nil {
		return err
	}
	password := o.password
	if password == "" {
		password = newPassword()
	}
	owner := w.Users[0]
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: w.Workspace, Language: string(o.lang), Name: owner.Name,
		Email: owner.Email, Password: password}, "", "renkei "+o.command)
	if err != nil {
		return fmt.Errorf("create the workspace: %w", err)
	}
	hash, _, err := s.PasswordHash(ctx, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %s — %s companies, %s contacts (size %s, seed %d, %s)\n", o.command, w.Workspace,
		thousands(int64(w.Companies())), thousands(int64(w.Contacts())), o.size.Name, o.seed, o.lang)
	fmt.Fprintf(out, "  workspace and owner    %s <%s>\n", owner.Name, owner.Email)
	if o.password == "" {
		fmt.Fprintf(out, "  password               %s   (shown once; every demo user has it)\n", password)
	}
	fmt.Fprintf(out, "  users and teams        %d users in %d teams, %d tags, %d custom properties\n",
		len(w.Users), len(w.Teams), len(w.Tags), len(w.Properties))

	lo := gen.LoadOptions{OwnerID: u.ID, PasswordHash: hash, Extensions: gen.Extensions(w)}
	if o.fast {
		lo.Bulk = store.BulkOptions{DropIndexes: true, Unsafe: true, CommitEvery: 500_000}
	}
	lastPct := -1
	lo.Progress = func(p gen.Progress) {
		switch p.Phase {
		case "companies":
			pct := int(100 * p.Done / max(1, p.Total))
			if pct/10 == lastPct/10 && pct != 100 || pct == lastPct {
				return
			}
			lastPct = pct
			fmt.Fprintf(out, "  companies and contacts %3d%%  %s / %s contacts  %s rows  %.1f s\n", pct,
				thousands(p.Done), thousands(p.Total), thousands(p.Rows), p.Elapsed.Seconds())
		case "indexes":
			fmt.Fprintf(out, "  indexes                building the indexes dropped for the load…\n")
		}
	}
	st, err := gen.Load(ctx, s, w, lo)
	if err != nil {
		return fmt.Errorf("%w\nthe workspace has its owner only now (%s, password above); to start again, use an empty data directory or database", err, owner.Email)
	}
	if err := s.Audit(ctx, store.AuditEntry{At: time.Now(), UserID: u.ID, Actor: "renkei " + o.command, Action: o.command,
		Target: w.Workspace, Details: fmt.Sprintf("size %s, seed %d: %d rows", o.size.Name, o.seed, st.Total)}); err != nil {
		return err
	}
	scoreStart := time.Now()
	if err := scoreGenerated(ctx, s, a, 2, out); err != nil { // scoring: scores follow from the generated events
		return err
	}
	scoring := time.Since(scoreStart)
	elapsed := time.Since(began)
	fmt.Fprintf(out, "done in %.1f s: %s rows, %s rows/s (load %.1f s", elapsed.Seconds(), thousands(st.Total),
		thousands(int64(st.RowsPerSecond())), st.Load.Seconds())
	if st.IndexesN > 0 {
		fmt.Fprintf(out, ", %d indexes %.1f s", st.IndexesN, st.Indexes.Seconds())
	}
	fmt.Fprintf(out, ", scores %.1f s)", scoring.Seconds())
	if peak := peakRSS(); peak > 0 {
		fmt.Fprintf(out, ", peak memory %d MB", peak>>20)
	}
	fmt.Fprintln(out)
	var parts []string
	for _, t := range []string{"companies", "contacts", "timeline", "contact_tags", "consent_events"} {
		parts = append(parts, fmt.Sprintf("%s %s", t, thousands(st.Rows[t])))
	}
	fmt.Fprintf(out, "  %s\n", strings.Join(parts, ", "))
	fmt.Fprintf(out, "sign in at %s as %s", baseURL, owner.Email)
	if o.password == "" {
		fmt.Fprintf(out, " with the password above")
	}
	fmt.Fprintln(out, "; the other users (same password):")
	for _, u := range w.Users[1:] {
		team := ""
		if u.Team >= 0 {
			team = ", " + w.Teams[u.Team].Name
			if u.Manager {
				team += " (manager)"
			}
		}
		fmt.Fprintf(out, "  %-38s %s — %s%s\n", u.Email, u.Name, u.Role, team)
	}
	return nil
}

// newPassword makes a 16-letter password that is easy to type:
// xxxx-xxxx-xxxx-xxxx from letters and digits that cannot be confused.
func newPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	var b strings.Builder
	buf := make([]byte, 16)
	rand.Read(buf)
	for i, x := range buf {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[int(x)%len(alphabet)])
	}
	return b.String()
}

// thousands writes 1234567 as 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// peakRSS is the process's peak resident memory in bytes (Linux), or 0.
func peakRSS() int64 {
	if runtime.GOOS != "linux" {
		return 0
	}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/jobs"
	"renkei/internal/store"
)

const importUsage = "renkei import contacts|companies FILE [--encoding auto|utf-8|shift_jis] [--marketing] [--owner EMAIL] [--tag T]… [--as EMAIL]"

// tagList collects a repeated --tag flag.
type tagList []string

func (t *tagList) String() string     { return strings.Join(*t, ", ") }
func (t *tagList) Set(v string) error { *t = append(*t, v); return nil }

// importCommand imports a CSV file as the first admin (or --as EMAIL): it
// stores the file, then runs the import job in this process with a job
// runner until the import ends, printing its progress. Killed midway, it
// loses at most the batch being written; run again, it imports the file
// again without creating anything twice (rows are matched by e-mail).
func importCommand(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		return usageError(importUsage)
	}
	var object string
	switch args[0] {
	case "contacts", "contact":
		object = "contact"
	case "companies", "company":
		object = "company"
	default:
		return usageError(importUsage)
	}
	var encoding, owner, as string
	var marketing bool
	var tags tagList
	flags, files := splitArgs(args[1:], map[string]bool{"marketing": true, "demo": true})
	c, _, err := parseWith("import", flags, env.Getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&encoding, "encoding", "auto", "encoding of the file: auto, utf-8 or shift_jis")
		fs.BoolVar(&marketing, "marketing", false, "the people came in through marketing (source import_marketing; default import_sales)")
		fs.StringVar(&owner, "owner", "", "e-mail address of the owner of rows that name none")
		fs.Var(&tags, "tag", "tag added to every imported contact (repeatable)")
		fs.StringVar(&as, "as", "", "e-mail address of the user who imports (default: the first admin)")
	})
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usageError(importUsage)
	}
	f, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer f.Close()

	s, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	log := newLogger(c.LogFormat, env.Stderr)
	a := newApp(s, c, log)
	u, err := importUser(ctx, s, as)
	if err != nil {
		return err
	}
	req := app.ImportRequest{Object: object, Filename: filepath.Base(files[0]), Encoding: encoding, MarketingSource: marketing, Tags: tags}
	if owner != "" {
		o, err := s.UserByEmail(ctx, crm.NormalizeEmail(owner))
		if err != nil {
			return crm.Invalid("owner", "is not a user's e-mail address")
		}
		req.OwnerID = o.ID
	}
	began := time.Now()
	im, err := a.StartImportFrom(ctx, app.Actor{User: u, IP: "cli"}, req, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "import %d: %s stored (about %d rows), importing as %s\n", im.ID, req.Filename, im.TotalRows, u.Email)

	handler := a.JobHandlers()[app.JobImportRun]
	r := jobs.NewRunner(s, map[string]jobs.Handler{app.JobImportRun: handler}, nil, log)
	r.Poll, r.Concurrency = 200*time.Millisecond, 1
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { r.Run(runCtx); close(stopped) }()
	r.Wake()

	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastDone := -1
	for {
		select {
		case <-ctx.Done():
			// The batch being written is lost, as with a crash; the job
			// goes on where it stopped when a runner claims it again.
			stop()
			return errors.New("interrupted; run the command again (nothing is imported twice)")
		case <-tick.C:
		}
		cur, err := s.Import(ctx, im.ID)
		if err != nil {
			continue
		}
		if cur.DoneRows != lastDone && cur.Status != store.ImportDone && cur.Status != store.ImportFailed {
			lastDone = cur.DoneRows
			fmt.Fprintf(env.Stdout, "progress: %d/%d rows (%d%%): %s\n", cur.DoneRows, cur.TotalRows,
				percent(cur.DoneRows, cur.TotalRows), importCounts(cur))
		}
		switch cur.Status {
		case store.ImportDone:
			stop()
			<-stopped
			secs := time.Since(began).Seconds()
			fmt.Fprintf(env.Stdout, "import %d done in %.1fs: %d rows (%.0f rows/s): %s\n", cur.ID, secs, cur.DoneRows,
				float64(cur.DoneRows)/secs, importCounts(cur))
			return printImportErrors(ctx, s, cur, env)
		case store.ImportFailed:
			stop()
			<-stopped
			printImportErrors(ctx, s, cur, env)
			return fmt.Errorf("import %d failed: %s", cur.ID, cur.Message)
		}
	}
}

// importUser is the user named by --as, or the first active admin.
func importUser(ctx context.Context, s *store.Store, email string) (crm.User, error) {
	if email != "" {
		u, err := s.UserByEmail(ctx, crm.NormalizeEmail(email))
		if err != nil || u.Status != crm.UserActive {
			return u, crm.Invalid("as", "is not an active user's e-mail address")
		}
		return u, nil
	}
	admins, err := s.ListUsers(ctx, store.UserFilter{Status: crm.UserActive, Role: crm.RoleAdmin, Limit: 1})
	if err != nil {
		return crm.User{}, err
	}
	if len(admins) == 0 {
		return crm.User{}, errors.New("there is no active admin to import as: create one with renkei user add, or name a user with --as")
	}
	return admins[0], nil
}

func percent(done, total int) int {
	if total <= 0 {
		return 0
	}
	return min(100, done*100/total)
}

func importCounts(im store.Import) string {
	return fmt.Sprintf("%d created, %d updated, %d skipped, %d errors", im.Created, im.Updated, im.Skipped, im.Errors)
}

// printImportErrors lists the first row errors of an import.
func printImportErrors(ctx context.Context, s *store.Store, im store.Import, env Env) error {
	if im.Errors+im.Skipped == 0 {
		return nil
	}
	const show = 20
	errs, err := s.ImportErrors(ctx, im.ID, show)
	if err != nil {
		return err
	}
	for _, e := range errs {
		col := ""
		if e.Column != "" {
			col = " " + e.Column
		}
		fmt.Fprintf(env.Stdout, "  row %d%s: %s\n", e.Row, col, e.Reason)
	}
	if n := im.Errors + im.Skipped; n > len(errs) {
		fmt.Fprintf(env.Stdout, "  … and more (%d rows with problems in all)\n", n)
	}
	return nil
}

// splitArgs separates flags (with their values) from positional
// arguments, so that flags may follow the file name. boolFlags names the
// flags that take no value.
func splitArgs(args []string, boolFlags map[string]bool) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(positional, args[i+1:]...)
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") || boolFlags[name] || name == "h" || name == "help" {
			continue
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return flags, positional
}

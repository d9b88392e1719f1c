// Package cli is the renkei command: it parses arguments and wires the
// packages together. main.go only hands it the process's context, arguments,
// environment and output streams.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/config"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// Version is set at build time with -ldflags "-X renkei/internal/cli.Version=…".
var Version = "dev"

// Env is what a command may touch of the outside world.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

const usage = `Renkei (連携) — marketing and sales in one binary.

Usage:
  renkei serve [flags]                 start the server (default: SQLite in ./renkei-data on 127.0.0.1:8080)
  renkei migrate [flags]               apply database migrations and exit
  renkei user add --email E --name N --role admin|marketing|sales|viewer
                                       create a user; the password is read from standard input
  renkei token create --email E --name LABEL
                                       print a new API token for a user (shown once)
  renkei backup FILE                   write a consistent copy of the SQLite database (server may run)
  renkei restore FILE                  put a backup in place (server stopped)
  renkei demo [--lang ja|en]           fill an empty workspace with a demo business (prints the password)
  renkei gen --size S|M|N=<contacts>   generate a benchmark dataset into an empty database (prints rows/s)
  renkei import contacts|companies FILE [--encoding auto|utf-8|shift_jis] [--marketing] [--owner EMAIL] [--tag T] [--as EMAIL]
                                       import a CSV file (as the first admin unless --as) and wait until it is done
  renkei version                       print the version

Every command takes --data DIR or --database-url postgres://… (or RENKEI_DATA_DIR, RENKEI_DATABASE_URL).
Run "renkei serve -h" for all server settings.
`

// Run runs one command and returns the process exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], env)
	case "migrate":
		err = migrate(ctx, args[1:], env)
	case "user":
		if len(args) < 2 || args[1] != "add" {
			err = usageError("renkei user add --email E --name N --role ROLE")
		} else {
			err = userAdd(ctx, args[2:], env)
		}
	case "token":
		if len(args) < 2 || args[1] != "create" {
			err = usageError("renkei token create --email E --name LABEL")
		} else {
			err = tokenCreate(ctx, args[2:], env)
		}
	case "backup":
		err = backup(ctx, args[1:], env)
	case "restore":
		err = restore(ctx, args[1:], env)
	case "demo":
		err = demo(ctx, args[1:], env)
	case "gen":
		err = genCommand(ctx, args[1:], env)
	case "import":
		err = importCommand(ctx, args[1:], env)
	case "version", "--version", "-v":
		fmt.Fprintln(env.Stdout, "renkei", Version)
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
	default:
		fmt.Fprintf(env.Stderr, "renkei: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(env.Stderr, "usage: %s\n", string(ue))
		return 2
	}
	if v, ok := crm.AsValidation(err); ok {
		for f, m := range v.Fields {
			fmt.Fprintf(env.Stderr, "renkei: %s %s\n", strings.ReplaceAll(f, "_", " "), m)
		}
		return 1
	}
	fmt.Fprintln(env.Stderr, "renkei:", err)
	return 1
}

type usageError string

func (u usageError) Error() string { return string(u) }

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// openStore opens and migrates the database named by the configuration.
func openStore(ctx context.Context, c config.Config) (*store.Store, error) {
	s, err := store.Open(ctx, store.Options{DatabaseURL: c.DatabaseURL, DataDir: c.DataDir, Synchronous: c.Synchronous})
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func newApp(s *store.Store, c config.Config, log *slog.Logger) *app.App {
	a := app.New(app.Config{Store: s, BaseURL: c.BaseURL, Log: log, ServerTZ: serverTZ()})
	a.DNSResolver = c.DNSResolver
	return a
}

// serverTZ names the server's zone for new non-Japanese workspaces.
func serverTZ() string {
	if tz := os.Getenv("TZ"); tz != "" {
		if _, err := time.LoadLocation(tz); err == nil {
			return tz
		}
	}
	if name := time.Local.String(); name != "Local" && name != "" {
		return name
	}
	return "UTC"
}

func migrate(ctx context.Context, args []string, env Env) error {
	c, _, err := config.Parse("migrate", args, env.Getenv)
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, store.Options{DatabaseURL: c.DatabaseURL, DataDir: c.DataDir, Synchronous: c.Synchronous})
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "applied %d migration(s); schema version %d\n", n, s.SchemaVersion())
	return nil
}

func userAdd(ctx context.Context, args []string, env Env) error {
	var email, name, role string
	c, fs, err := parseWith("user add", args, env.Getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "e-mail address")
		fs.StringVar(&name, "name", "", "display name")
		fs.StringVar(&role, "role", "", "admin, marketing, sales or viewer")
	})
	if err != nil {
		return err
	}
	if email == "" || name == "" || role == "" || fs.NArg() > 0 {
		return usageError("renkei user add --email E --name N --role admin|marketing|sales|viewer  (password on stdin)")
	}
	password, err := readLine(env.Stdin)
	if err != nil {
		return fmt.Errorf("read password from standard input: %w", err)
	}
	s, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := newApp(s, c, newLogger(c.LogFormat, env.Stderr)).CreateUserCLI(ctx, email, name, role, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "created user %d <%s> (%s)\n", u.ID, u.Email, u.Role)
	return nil
}

func tokenCreate(ctx context.Context, args []string, env Env) error {
	var email, name string
	c, fs, err := parseWith("token create", args, env.Getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "e-mail address of the token's user")
		fs.StringVar(&name, "name", "", "label, e.g. the script that uses it")
	})
	if err != nil {
		return err
	}
	if email == "" || name == "" || fs.NArg() > 0 {
		return usageError("renkei token create --email E --name LABEL")
	}
	s, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	_, secret, err := newApp(s, c, newLogger(c.LogFormat, env.Stderr)).CreateAPITokenCLI(ctx, email, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, secret)
	return nil
}

// parseWith parses the common settings plus command-specific flags.
func parseWith(name string, args []string, getenv func(string) string, extra func(*flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	return config.ParseWith(name, args, getenv, extra)
}

func readLine(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("no input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

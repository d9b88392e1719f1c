package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"renkei/internal/api"
	"renkei/internal/app"
	"renkei/internal/config"
	"renkei/internal/crm"
	"renkei/internal/gen"
	"renkei/internal/inbound"
	"renkei/internal/jobs"
	"renkei/internal/store"
	"renkei/internal/track"
	"renkei/internal/web"
)

// Server is one running Renkei: the HTTP surfaces and the job runner over
// one store.
type Server struct {
	Config  config.Config
	Store   *store.Store
	App     *app.App
	Runner  *jobs.Runner
	Sender  *app.Engine // the outbox sender of marketing mail
	Log     *slog.Logger
	handler http.Handler
	started time.Time
	metrics *metrics
}

// NewServer opens and migrates the database and builds the handlers.
func NewServer(ctx context.Context, c config.Config, log *slog.Logger) (*Server, error) {
	s, err := openStore(ctx, c)
	if err != nil {
		return nil, err
	}
	a := newApp(s, c, log)
	srv := &Server{Config: c, Store: s, App: a, Log: log, started: time.Now(), metrics: newMetrics()}
	srv.Runner = jobs.NewRunner(s, a.JobHandlers(), nil, log)
	a.Wake = srv.Runner.Wake
	srv.Sender = a.NewEngine()
	if err := a.ScheduleDailyJobs(ctx); err != nil { // the retention run (privacy)
		log.Warn("schedule daily jobs", "err", err)
	}
	assets, err := web.NewAssets()
	if err != nil {
		s.Close()
		return nil, err
	}
	webH, err := web.New(web.Config{App: a, Assets: assets, TrustedProxies: c.TrustedProxies, Wake: srv.Runner.Wake})
	if err != nil {
		s.Close()
		return nil, err
	}
	apiH := api.New(api.Config{App: a, TrustedProxies: c.TrustedProxies, Wake: srv.Runner.Wake})
	trackH := track.New(track.Config{App: a, TrustedProxies: c.TrustedProxies, Log: log,
		Limits: track.Limits{PerIP: c.TrackRateIP, PerSite: c.TrackRateSite}})
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", apiH)
	for _, p := range track.Prefixes {
		mux.Handle(p, trackH)
	}
	mux.HandleFunc("GET /healthz", srv.healthz)
	mux.HandleFunc("GET /metrics", srv.serveMetrics)
	mux.Handle("/", webH)
	srv.handler = srv.metrics.wrap(mux)
	// Parsing every page's templates in both languages leaves tens of MB of
	// garbage; give it back to the system now rather than when the runtime
	// gets round to it, so an idle server stays small (BENCHMARKS F5).
	debug.FreeOSMemory()
	return srv, nil
}

// Handler is the whole HTTP surface.
func (srv *Server) Handler() http.Handler { return srv.handler }

// Close closes the database.
func (srv *Server) Close() error { return srv.Store.Close() }

func (srv *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	if err := srv.Store.Ping(ctx); err != nil {
		srv.Log.Error("health check", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}

// Serve runs the HTTP server and the job runner on ln until ctx is
// cancelled, then stops accepting, lets requests and jobs in flight finish
// (up to 30 seconds for requests) and returns.
func (srv *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           srv.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(srv.Log.Handler(), slog.LevelWarn),
	}
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	jobsDone := make(chan struct{})
	sendDone := make(chan struct{})
	go func() { srv.Runner.Run(jobsCtx); close(jobsDone) }()
	go func() { srv.Sender.Run(jobsCtx); close(sendDone) }()
	if srv.Config.InboundSMTPAddr != "" {
		in, err := inbound.Listen(srv.Config.InboundSMTPAddr, inbound.Config{App: srv.App, Domains: srv.Config.InboundDomains, Log: srv.Log})
		if err != nil {
			stopJobs()
			<-jobsDone
			<-sendDone
			return fmt.Errorf("inbound SMTP: %w", err)
		}
		srv.Log.Info("inbound SMTP listening", "addr", in.Addr(), "domains", srv.Config.InboundDomains)
		defer in.Close()
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		srv.Log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = hs.Shutdown(sctx)
		cancel()
	}
	stopJobs()
	<-jobsDone
	<-sendDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func serve(ctx context.Context, args []string, env Env) error {
	c, fs, err := config.Parse("serve", args, env.Getenv)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("renkei serve [flags]; see renkei serve -h")
	}
	log := newLogger(c.LogFormat, env.Stderr)
	if c.DatabaseURL == "" {
		// Keeps `renkei restore` (and a second server) off a running data dir.
		release, err := store.LockDataDir(c.DataDir)
		if err != nil {
			return err
		}
		defer release()
	}
	srv, err := NewServer(ctx, c, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	if c.Demo {
		if err := serveDemo(ctx, srv, env); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	db := "SQLite " + srv.Store.SQLitePath()
	if srv.Store.IsPostgres() {
		db = "PostgreSQL"
	}
	log.Info("renkei is listening", "url", "http://"+ln.Addr().String(), "database", db, "version", Version)
	return srv.Serve(ctx, ln)
}

// serveDemo fills an empty workspace with the demo business before the
// server starts (`renkei serve --demo`, `make demo`); a workspace that is
// already set up is left alone.
func serveDemo(ctx context.Context, srv *Server, env Env) error {
	empty, err := srv.App.NeedsSetup(ctx)
	if err != nil {
		return err
	}
	if !empty {
		srv.Log.Info("--demo: the workspace is already set up; starting without demo data")
		return nil
	}
	size, err := gen.ParseSize("demo")
	if err != nil {
		return err
	}
	o := generateOptions{command: "demo", size: size, seed: 1, lang: crm.LangJA}
	return generate(ctx, srv.Store, srv.App, o, srv.Config.BaseURL, env.Stdout)
}

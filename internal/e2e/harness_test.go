package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"renkei/internal/cli"
	"renkei/internal/config"
	"renkei/internal/mail/mailtest"
	"renkei/internal/store/storetest"
)

// chromiumPath is where the Debian package installs Chromium.
const chromiumPath = "/usr/bin/chromium"

// harness is one Renkei server with a mail sink and a browser.
type harness struct {
	t       *testing.T
	base    string // the server's URL, also its RENKEI_BASE_URL
	srv     *cli.Server
	mail    *mailtest.Server
	browser context.Context // the browser; tabs are made from it
	shots   string          // RENKEI_SCREENSHOTS, "" = do not save
}

// start runs a server on 127.0.0.1:0 and starts Chromium. Without
// Chromium the test is skipped, or fails under CI=true.
func start(t *testing.T) *harness {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests need %s (CI=true, so not skipping): %v", chromiumPath, err)
		}
		t.Skipf("browser tests need %s: %v", chromiumPath, err)
	}
	h := &harness{t: t, mail: mailtest.Start(t), shots: os.Getenv("RENKEI_SCREENSHOTS")}
	if h.shots != "" {
		if err := os.MkdirAll(h.shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	o := storetest.Options(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.base = "http://" + ln.Addr().String()
	cfg := config.Config{Addr: ln.Addr().String(), DataDir: o.DataDir, DatabaseURL: o.DatabaseURL,
		BaseURL: h.base, Synchronous: "NORMAL", LogFormat: "text"}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := context.WithCancel(context.Background())
	h.srv, err = cli.NewServer(ctx, cfg, log)
	if err != nil {
		stop()
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- h.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		h.srv.Close()
	})

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("accept-lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(browser); err != nil { // starts the browser
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	h.browser = browser
	return h
}

// testWriter sends server logs to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// tab is one browser tab with its own cookies (a separate browser
// context, like a separate person), which records script errors and
// Content-Security-Policy violations.
type tab struct {
	h   *harness
	t   *testing.T
	ctx context.Context

	mu     sync.Mutex
	errors []string
}

// newTab opens a tab in a fresh browser context; it closes when the test
// ends, and the test fails if a page logged an error.
func (h *harness) newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(h.browser, chromedp.WithNewBrowserContext())
	tb := &tab{h: h, t: t, ctx: ctx}
	if err := chromedp.Listen(ctx, tb.listen); err != nil {
		cancel()
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, e := range tb.errors {
			t.Errorf("browser console: %s", e)
		}
	})
	return tb
}

func (tb *tab) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level != cdplog.EntryLevelError {
			return
		}
		// A 4xx page is expected where a test provokes one (422 for a
		// wrong password); Chromium logs it as a failed resource.
		if ev.Entry.Source == cdplog.EntrySourceNetwork && strings.Contains(ev.Entry.Text, "status of 4") {
			return
		}
		msg = string(ev.Entry.Source) + ": " + ev.Entry.Text + " " + ev.Entry.URL
	default:
		return
	}
	tb.mu.Lock()
	tb.errors = append(tb.errors, msg)
	tb.mu.Unlock()
}

// run runs actions with a time limit, failing the test on error.
func (tb *tab) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// open loads a path of the server and returns the HTTP status.
func (tb *tab) open(path string) int64 {
	tb.t.Helper()
	return tb.navigate(chromedp.NavigateResponse(tb.h.base + path))
}

// submit clicks a submit button (CSS selector) and waits for the page
// that the form post leads to; it returns that page's HTTP status.
//
// The click is the button's own click() rather than a mouse event at its
// coordinates: on a loaded machine web fonts can finish loading between
// measuring the button and pressing it, the layout shifts, and a mouse
// click then lands beside the button and nothing is submitted. (Dragging
// on the board keeps real mouse events.)
func (tb *tab) submit(button string) int64 {
	tb.t.Helper()
	tb.run("wait for "+button, chromedp.WaitVisible(chromedp.CSS(button)))
	click := chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).click()`, button))
	return tb.navigate(func(ctx context.Context, t *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, click)
	})
}

func (tb *tab) navigate(a chromedp.Action[*network.Response]) int64 {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, a)
	if err != nil {
		var buf bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&buf, 1)
		tb.t.Logf("goroutines:\n%s", buf.String())
		tb.h.logDB()
		tb.t.Fatalf("navigate: %v", err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// fill sets form fields by element id.
func (tb *tab) fill(fields ...string) {
	tb.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		steps = append(steps, chromedp.SetValue(chromedp.ID(fields[i]), fields[i+1]))
	}
	tb.run("fill "+strings.Join(fields, " "), steps...)
}

// text returns the visible text of the element matching the CSS selector.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// path returns the path (and query) of the current page.
func (tb *tab) path() string {
	tb.t.Helper()
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, tb.h.base)
}

// wantPage checks the current path and that the page shows text.
func (tb *tab) wantPage(path, text string) {
	tb.t.Helper()
	if got := tb.path(); got != path {
		tb.t.Fatalf("path = %q, want %q (page: %.300s)", got, path, tb.text("body"))
	}
	if body := tb.text("body"); !strings.Contains(body, text) {
		tb.t.Fatalf("page %s does not show %q; it shows:\n%.1500s", path, text, body)
	}
}

// shot saves a full-page screenshot as name.png when RENKEI_SCREENSHOTS is
// set.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	if tb.h.shots == "" {
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	// Let web fonts and icons finish loading before the picture.
	// Scroll to the top: the side navigation is fixed, and a full-page
	// picture of a scrolled page shows it moved down.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
		chromedp.Evaluate[chromedp.Void](`document.fonts.ready`, chromedp.EvalAwaitPromise)); err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(tb.h.shots, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// viewport sets the size of the page, e.g. a phone's.
func (tb *tab) viewport(w, h int64, mobile bool) {
	tb.t.Helper()
	if mobile {
		tb.run("viewport", chromedp.EmulateViewport(w, h, chromedp.EmulateMobile, chromedp.EmulateTouch))
		return
	}
	tb.run("viewport", chromedp.EmulateViewport(w, h))
}

// noSidewaysScroll fails the test when the page is wider than the window
// (something overflows on a phone).
func (tb *tab) noSidewaysScroll() {
	tb.t.Helper()
	over, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if err != nil {
		tb.t.Fatal(err)
	}
	if over > 0 {
		tb.t.Errorf("%s is %dpx wider than the window", tb.path(), over)
	}
}

// waitLink waits for an e-mail to `to` that contains a link starting with
// prefix, and returns the link.
func (h *harness) waitLink(t *testing.T, to, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		for _, m := range h.mail.Messages() {
			for _, rcpt := range m.To {
				if strings.EqualFold(rcpt, to) {
					if link := mailtest.FindLink(m.Text, prefix); link != "" {
						return link
					}
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no e-mail to %s with a link %s… within 15s (%d messages)", to, prefix, len(h.mail.Messages()))
	return ""
}

// stepTimeout bounds one browser step (a navigation, a fill, a wait). It
// is generous: on a loaded 2-core machine a first page with an argon2
// password hash behind it can take many seconds, and a step only takes
// this long when it fails anyway.
const stepTimeout = 45 * time.Second

// logDB logs what PostgreSQL's sessions are doing (a diagnostic for a
// step that timed out).
func (h *harness) logDB() {
	if !h.srv.Store.IsPostgres() {
		return
	}
	rows, err := h.srv.Store.DB().Query(`SELECT pid, coalesce(state, ''), coalesce(wait_event_type, ''), coalesce(wait_event, ''),
		left(query, 200) FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		h.t.Logf("pg_stat_activity: %v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		var state, wt, we, q string
		if rows.Scan(&pid, &state, &wt, &we, &q) == nil {
			h.t.Logf("pg %d %s %s/%s: %s", pid, state, wt, we, q)
		}
	}
}

package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// runSocialJobs runs the queued social import jobs as the job runner would.
func runSocialJobs(t *testing.T, e *testEnv) {
	t.Helper()
	ctx := context.Background()
	js, err := e.store.ClaimJobs(ctx, "test", []string{app.JobSocialImport}, 10, time.Now().Add(time.Hour), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	h := e.app.JobHandlers()[app.JobSocialImport]
	for _, j := range js {
		if err := h(ctx, j, func(done, total int) error { return nil }); err != nil {
			t.Fatalf("social import: %v", err)
		}
	}
}

// TestSocialListeningFlow: marketing uploads an export, follows the
// progress to the end, sees the report with the trend, share of voice and
// sentiment, opens the posts behind a term, and corrects a sentiment;
// a viewer reads but cannot import or correct.
func TestSocialListeningFlow(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	mkt := e.user(crm.RoleMarketing, "Mia Marketing")
	viewer := e.user(crm.RoleViewer, "Vic Viewer")
	ctx := context.Background()
	if _, err := e.app.CreateCompetitor(ctx, actorOf(t, e, "admin@example.com"), crm.Competitor{Name: "Competia"}); err != nil {
		t.Fatal(err)
	}

	// The empty state says what to do.
	w := e.do(http.MethodGet, "/marketing/social", mkt, nil)
	wantStatus(t, "empty report", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), `href="/marketing/social/import"`) {
		t.Error("the empty report does not lead to the import")
	}

	now := time.Now().UTC()
	day := func(d int) string { return now.AddDate(0, 0, -d).Format(time.RFC3339) }
	csv := "id,full_text,created_at,username\n" +
		"1,Sample Inc.の案件管理が便利 #営業DX," + day(1) + ",taro\n" +
		"2,Competia is slow and buggy," + day(1) + ",jane\n" +
		"3,\"=HYPERLINK(\"\"http://evil\"\") <script>alert(1)</script>\"," + day(2) + ",mallory\n" +
		"4,no time,,bob\n"
	ct, body := multipartForm(t, map[string][]string{"network": {"x"}, "format": {"auto"}, "encoding": {"auto"}}, "tweets.csv", []byte(csv))
	w = e.upload("/marketing/social/import", viewer, ct, body)
	wantStatus(t, "viewer import", w, http.StatusForbidden)
	ct, body = multipartForm(t, map[string][]string{"network": {"x"}, "format": {"auto"}, "encoding": {"auto"}}, "tweets.csv", []byte(csv))
	w = e.upload("/marketing/social/import", mkt, ct, body)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("import: %d %s", w.Code, w.Body.String())
	}
	status := w.Header().Get("Location")
	if !strings.HasPrefix(status, "/marketing/social/imports/") {
		t.Fatalf("redirect to %q", status)
	}
	runSocialJobs(t, e)
	w = e.do(http.MethodGet, status+"/progress", mkt, nil)
	wantStatus(t, "progress", w, http.StatusOK)
	page := w.Body.String()
	if strings.Contains(page, "hx-trigger") || !strings.Contains(page, `id="count-created">3<`) || !strings.Contains(page, `id="count-errors">1<`) {
		t.Errorf("progress after the job:\n%s", page)
	}

	// The report.
	w = e.do(http.MethodGet, "/marketing/social?bucket=week", viewer, nil)
	wantStatus(t, "report", w, http.StatusOK)
	page = w.Body.String()
	for _, want := range []string{`id="social-trend"`, `id="social-voice"`, `id="voice-table"`, "Competia", "#営業dx"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}

	// The posts behind a term; hostile text is escaped.
	w = e.do(http.MethodGet, "/marketing/social/posts?term="+url.QueryEscape("#営業DX"), viewer, nil)
	wantStatus(t, "posts", w, http.StatusOK)
	if page = w.Body.String(); !strings.Contains(page, "案件管理が便利") || strings.Contains(page, "Competia is slow") {
		t.Errorf("term filter:\n%s", page)
	}
	if strings.Contains(page, "/sentiment") {
		t.Error("a viewer sees the correction form")
	}
	w = e.do(http.MethodGet, "/marketing/social/posts", mkt, nil)
	if page = w.Body.String(); strings.Contains(page, "<script>alert") || !strings.Contains(page, "&lt;script&gt;alert(1)") {
		t.Error("the post's text is not escaped")
	}

	// Correct a sentiment.
	var id int64
	if err := e.store.DB().QueryRowContext(ctx, "SELECT id FROM social_posts WHERE external_id = '2'").Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := "/marketing/social/posts/" + strconvI(id) + "/sentiment"
	w = e.do(http.MethodPost, path, viewer, url.Values{"sentiment": {"positive"}})
	wantStatus(t, "viewer correction", w, http.StatusForbidden)
	w = e.do(http.MethodPost, path, mkt, url.Values{"sentiment": {"positive"}, "back": {"/marketing/social/posts?sentiment=positive"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/marketing/social/posts?sentiment=positive" {
		t.Fatalf("correction: %d → %q", w.Code, w.Header().Get("Location"))
	}
	w = e.do(http.MethodGet, "/marketing/social/posts?sentiment=positive", mkt, nil)
	if page = w.Body.String(); !strings.Contains(page, "Competia is slow") || !strings.Contains(page, "Corrected") {
		t.Errorf("after the correction:\n%s", page)
	}
	// A correction may not send the user off the site.
	w = e.do(http.MethodPost, path, mkt, url.Values{"sentiment": {"negative"}, "back": {"https://evil.example/"}})
	if loc := w.Header().Get("Location"); loc != "/marketing/social/posts" {
		t.Errorf("back to %q", loc)
	}

	// Settings: brand names and competitor aliases.
	w = e.do(http.MethodGet, "/marketing/social/settings", admin, nil)
	wantStatus(t, "settings", w, http.StatusOK)
	w = e.do(http.MethodPost, "/marketing/social/settings", mkt, url.Values{"version": {"0"}, "brand_terms": {"Sample, サンプル"},
		"positive": {"神対応"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("settings: %d %s", w.Code, w.Body.String())
	}
	st, err := e.app.SocialSettings(ctx, actorOf(t, e, "admin@example.com"))
	if err != nil || len(st.BrandTerms) != 2 || st.Positive[0] != "神対応" {
		t.Errorf("settings %+v %v", st, err)
	}
	w = e.do(http.MethodPost, "/marketing/social/settings", mkt, url.Values{"version": {"0"}, "brand_terms": {"X"}})
	if w.Code == http.StatusSeeOther {
		t.Error("a stale settings form was saved")
	}
}

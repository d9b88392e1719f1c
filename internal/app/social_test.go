package app

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/jobs"
	"renkei/internal/store"
)

// runSocialImport claims the import's job and runs it to the end, as the
// job runner would, and returns the import and its row errors.
func runSocialImport(t *testing.T, f *fixture, im store.Import) (store.Import, []store.ImportError) {
	t.Helper()
	js, err := f.app.Store.ClaimJobs(ctx, "test", []string{JobSocialImport}, 10, f.clock.Now().Add(time.Hour), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var job *store.Job
	for i := range js {
		if js[i].ID == im.JobID {
			job = &js[i]
		}
	}
	if job == nil {
		t.Fatalf("job %d of import %d is not due", im.JobID, im.ID)
	}
	if err := f.app.handleSocialImport(ctx, *job, func(done, total int) error { return nil }); err != nil {
		if !errors.As(err, new(jobs.Permanent)) {
			t.Fatalf("social import job: %v", err)
		}
		t.Logf("social import job: %v", err)
	}
	got, errs, err := f.app.SocialImport(ctx, f.owner, im.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got, errs
}

func importSocial(t *testing.T, f *fixture, name, network, body string) (store.Import, []store.ImportError) {
	t.Helper()
	im, err := f.app.StartSocialImport(ctx, f.owner, SocialImportRequest{Filename: name, Network: network}, strings.NewReader(body))
	if err != nil {
		t.Fatalf("StartSocialImport: %v", err)
	}
	return runSocialImport(t, f, im)
}

func postByExt(t *testing.T, f *fixture, network, ext string) crm.SocialPost {
	t.Helper()
	var id int64
	if err := f.app.Store.DB().QueryRowContext(ctx, "SELECT id FROM social_posts WHERE network = $1 AND external_id = $2",
		network, ext).Scan(&id); err != nil {
		t.Fatalf("post %s/%s: %v", network, ext, err)
	}
	p, err := f.app.Store.SocialPost(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const socialCSV = "id,full_text,created_at,username,url,favorite_count,retweet_count\n" +
	"1001,東京都の展示会でマーケティング担当と営業が名刺交換。とても便利なツール！ #展示会,2026-03-20T10:00:00Z,taro,https://x.com/taro/status/1001,12,3\n" +
	"1002,The new pipeline board is great #CRM,2026-03-21 09:00,jane,,5,1\n" +
	"1003,no time here,,bob,,0,0\n" +
	"1004,,2026-03-22T10:00:00Z,bob,,0,0\n" +
	"1005,bad counts,2026-03-22T10:00:00Z,bob,,many,0\n" +
	"1006,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",2026-03-23T10:00:00Z,mallory,javascript:alert(1),0,0\n" +
	"1007,\"=1+2 looks like a formula\",2026-03-23T11:00:00Z,mallory,,0,0\n" +
	"1002,The new pipeline board is great and fast #CRM,2026-03-21 09:00,jane,,6,1\n"

func TestSocialImportCSV(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	im, errs := importSocial(t, f, "tweets.csv", "twitter", socialCSV)
	if im.Status != store.ImportDone {
		t.Fatalf("status %s (%s)", im.Status, im.Message)
	}
	// 8 records: 1001, 1007 and 1002 (its last record) created; the first
	// 1002 skipped as a repeat; 1003 (no time), 1004 (no text), 1005 (bad
	// count) and 1006 (javascript: URL) are errors.
	if im.DoneRows != 8 || im.Created != 3 || im.Updated != 0 || im.Skipped != 1 || im.Errors != 4 {
		t.Errorf("counts rows %d created %d updated %d skipped %d errors %d", im.DoneRows, im.Created, im.Updated, im.Skipped, im.Errors)
	}
	wantErr := map[int]string{4: "created_at", 5: "text", 6: "likes", 7: "url"}
	for _, e := range errs {
		if wantErr[e.Row] != e.Column {
			t.Errorf("row error %+v not expected", e)
		}
		delete(wantErr, e.Row)
	}
	if len(wantErr) > 0 {
		t.Errorf("row errors missing: %v (got %+v)", wantErr, errs)
	}
	p := postByExt(t, f, "x", "1001")
	if p.Author != "taro" || p.Likes != 12 || p.Shares != 3 || p.URL != "https://x.com/taro/status/1001" ||
		!p.PostedAt.Equal(time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)) || p.Source != "import" {
		t.Errorf("post 1001 = %+v", p)
	}
	for _, w := range []string{"東京都", "展示", "マーケティング", "営業", "#展示会"} {
		if !slices.Contains(p.Terms, w) {
			t.Errorf("post 1001 terms %q lack %q", p.Terms, w)
		}
	}
	if p.Sentiment != crm.SentimentPositive || p.SentimentAuto != crm.SentimentPositive {
		t.Errorf("post 1001 sentiment %s/%s, want positive", p.Sentiment, p.SentimentAuto)
	}
	// The later record of 1002 won; a time without zone is the workspace's (Tokyo).
	p = postByExt(t, f, "x", "1002")
	if p.Likes != 6 || !strings.Contains(p.Text, "fast") || !p.PostedAt.Equal(time.Date(2026, 3, 21, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("post 1002 = %+v", p)
	}
	// Formula-looking text is kept as text, exactly.
	p = postByExt(t, f, "x", "1007")
	if p.Text != "=1+2 looks like a formula" {
		t.Errorf("post 1007 text %q", p.Text)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM social_posts"); n != 3 {
		t.Errorf("%d posts stored, want 3", n)
	}
	// Importing the same file again creates nothing.
	im, _ = importSocial(t, f, "tweets.csv", "x", socialCSV)
	if im.Created != 0 || im.Updated != 3 {
		t.Errorf("second import: created %d updated %d, want 0 and 3", im.Created, im.Updated)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM social_posts"); n != 3 {
		t.Errorf("%d posts after the second import, want 3", n)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM social_post_terms t JOIN social_posts p ON p.id = t.post_id WHERE p.external_id = '1001' AND t.term = '営業'"); n != 1 {
		t.Errorf("term rows of 1001 after re-import: %d, want 1", n)
	}
}

func TestSocialImportJSONShapes(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	archive := `window.YTD.tweets.part0 = [
  {"tweet": {"id_str": "9001", "full_text": "Renkeiの営業支援が最高 #営業DX", "created_at": "Fri Mar 20 01:02:03 +0000 2026", "favorite_count": "4", "retweet_count": "2"}},
  {"tweet": {"id_str": "9002", "full_text": "", "created_at": "Fri Mar 20 01:02:03 +0000 2026"}},
  "not an object"
]`
	im, errs := importSocial(t, f, "tweets.js", "x", archive)
	if im.Status != store.ImportDone || im.Created != 1 || im.Errors != 2 || len(errs) != 2 {
		t.Fatalf("archive: %+v errors %+v", im, errs)
	}
	p := postByExt(t, f, "x", "9001")
	if p.Likes != 4 || p.Shares != 2 || !p.PostedAt.Equal(time.Date(2026, 3, 20, 1, 2, 3, 0, time.UTC)) || !slices.Contains(p.Terms, "#営業dx") {
		t.Errorf("archive post = %+v", p)
	}
	v2 := `{"data": [{"id": "7001", "text": "Trying HubSpot and Renkei side by side", "created_at": "2026-03-25T08:00:00.000Z",
		"author_id": "42", "public_metrics": {"like_count": 7, "retweet_count": 1}}]}`
	im, _ = importSocial(t, f, "search.json", "x", v2)
	if im.Created != 1 {
		t.Fatalf("v2: %+v", im)
	}
	if p = postByExt(t, f, "x", "7001"); p.Likes != 7 || p.Shares != 1 {
		t.Errorf("v2 post = %+v", p)
	}
	ndjson := `{"id": "ig1", "caption": "新商品のサンプルが届いた #おすすめ", "timestamp": 1774224000, "username": "hanako", "like_count": 30, "network": "instagram"}
{"id": "ig2", "caption": "使いにくい", "timestamp": "2026-03-24T12:00:00+09:00", "username": "jiro"}
`
	im, _ = importSocial(t, f, "ig.ndjson", "instagram", ndjson)
	if im.Created != 2 || im.Errors != 0 {
		t.Fatalf("ndjson: %+v", im)
	}
	if p = postByExt(t, f, "instagram", "ig1"); p.Author != "hanako" || p.Likes != 30 || !p.PostedAt.Equal(time.Unix(1774224000, 0)) {
		t.Errorf("ig1 = %+v", p)
	}
	if p = postByExt(t, f, "instagram", "ig2"); p.Sentiment != crm.SentimentNegative {
		t.Errorf("ig2 sentiment %s, want negative", p.Sentiment)
	}
	// A broken file fails with a reason a person understands.
	im, _ = importSocial(t, f, "broken.json", "x", `[{"id": "b1", "text": "ok post", "created_at": "2026-03-01T00:00:00Z"}, {"id": `)
	if im.Status != store.ImportFailed || !strings.Contains(im.Message, "JSON") {
		t.Errorf("broken file: %s %q", im.Status, im.Message)
	}
}

func TestSocialSentimentCorrectionSticks(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	body := "id,text,created_at\n1,このサービスは最悪,2026-03-10T00:00:00Z\n"
	importSocial(t, f, "a.csv", "x", body)
	p := postByExt(t, f, "x", "1")
	if p.Sentiment != crm.SentimentNegative {
		t.Fatalf("sentiment %s, want negative", p.Sentiment)
	}
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	if _, err := f.app.CorrectSentiment(ctx, viewer, p.ID, "positive"); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("viewer corrects: %v, want forbidden", err)
	}
	if _, err := f.app.CorrectSentiment(ctx, f.owner, p.ID, "great"); err == nil {
		t.Error("an unknown sentiment was accepted")
	}
	got, err := f.app.CorrectSentiment(ctx, f.owner, p.ID, "neutral")
	if err != nil {
		t.Fatal(err)
	}
	if got.Sentiment != crm.SentimentNeutral || !got.Corrected || got.CorrectedBy != f.owner.User.ID {
		t.Errorf("after correction %+v", got)
	}
	// Re-import with other text: the automatic verdict changes, the correction stays.
	importSocial(t, f, "a.csv", "x", "id,text,created_at\n1,このサービスは最高,2026-03-10T00:00:00Z\n")
	p = postByExt(t, f, "x", "1")
	if p.Sentiment != crm.SentimentNeutral || p.SentimentAuto != crm.SentimentPositive || !p.Corrected {
		t.Errorf("after re-import: sentiment %s auto %s corrected %v", p.Sentiment, p.SentimentAuto, p.Corrected)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM audit_log WHERE action = 'social_post.sentiment'"); n != 1 {
		t.Errorf("%d audit entries, want 1", n)
	}
}

func TestSocialTrendBucketsByDay(t *testing.T) {
	f := newFixture(t, crm.LangJA) // Asia/Tokyo
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	posts := []crm.SocialPost{
		{Network: "x", ExternalID: "a", Text: "#launch day one", PostedAt: at("2026-03-01T00:00:00+09:00")},         // Mar 1 JST, first instant
		{Network: "x", ExternalID: "b", Text: "#launch still day one", PostedAt: at("2026-03-01T23:59:59+09:00")},   // Mar 1 JST, last second
		{Network: "x", ExternalID: "c", Text: "#launch day two", PostedAt: at("2026-03-01T15:00:00Z")},              // Mar 2 00:00 JST
		{Network: "x", ExternalID: "d", Text: "#launch the last day", PostedAt: at("2026-03-31T14:59:59Z")},         // Mar 31 23:59:59 JST
		{Network: "x", ExternalID: "e", Text: "#launch next month", PostedAt: at("2026-03-31T15:00:00Z")},           // Apr 1 JST: outside
		{Network: "x", ExternalID: "f", Text: "#launch last month", PostedAt: at("2026-02-28T14:59:59Z")},           // Feb 28 JST: outside
		{Network: "x", ExternalID: "g", Text: "something else entirely", PostedAt: at("2026-03-02T12:00:00+09:00")}, // Mar 2, other term
	}
	if _, n, err := f.app.CreateSocialPosts(ctx, f.owner, posts); err != nil || n != 7 {
		t.Fatalf("CreateSocialPosts: %d, %v", n, err)
	}
	sp, err := f.app.SocialPeriodOf(ctx, "2026-03", "day")
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Buckets) != 31 || sp.Buckets[0].From != "2026-03-01" || sp.Buckets[30].To != "2026-03-31" {
		t.Fatalf("buckets: %d, %+v … %+v", len(sp.Buckets), sp.Buckets[0], sp.Buckets[len(sp.Buckets)-1])
	}
	tr, err := f.app.SocialTrends(ctx, f.owner, sp, []string{"#Launch"})
	if err != nil {
		t.Fatal(err)
	}
	got := tr.Terms[0].Counts
	want := make([]int, 31)
	want[0], want[1], want[30] = 2, 1, 1
	if !slices.Equal(got, want) || tr.Terms[0].Total != 4 || tr.Terms[0].Name != "#launch" {
		t.Errorf("#launch by day = %v (total %d), want %v", got, tr.Terms[0].Total, want)
	}
	if tr.Posts != 5 || tr.Volume.Counts[1] != 2 {
		t.Errorf("posts %d, volume %v", tr.Posts, tr.Volume.Counts)
	}
	// Weeks start on Monday: 2026-03-01 is a Sunday, so the first week is one day.
	sp, _ = f.app.SocialPeriodOf(ctx, "2026-03", "week")
	tr, _ = f.app.SocialTrends(ctx, f.owner, sp, []string{"#launch"})
	if sp.Buckets[0].To != "2026-03-01" || sp.Buckets[1].From != "2026-03-02" || tr.Terms[0].Counts[0] != 2 || tr.Terms[0].Counts[1] != 1 {
		t.Errorf("weeks %+v counts %v", sp.Buckets[:2], tr.Terms[0].Counts)
	}
	// The posts behind a point.
	ps, err := f.app.SocialPosts(ctx, f.owner, SocialPostFilter{Term: "#launch", From: "2026-03-01", To: "2026-03-01"})
	if err != nil || len(ps) != 2 || ps[0].ExternalID != "b" || ps[1].ExternalID != "a" {
		t.Errorf("posts behind Mar 1: %v %+v", err, ps)
	}
	// Top terms of the period.
	if len(tr.TopTerms) == 0 || tr.TopTerms[0].Term != "#launch" || tr.TopTerms[0].Count != 4 {
		t.Errorf("top terms %+v", tr.TopTerms)
	}
	if _, err := f.app.SocialPeriodOf(ctx, "2026-03", "hour"); err == nil {
		t.Error("bucket hour accepted")
	}
}

func TestShareOfVoiceFixture(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	sf, err := f.app.CreateCompetitor(ctx, f.owner, crm.Competitor{Name: "Salesforce"})
	if err != nil {
		t.Fatal(err)
	}
	hs, err := f.app.CreateCompetitor(ctx, f.owner, crm.Competitor{Name: "HubSpot"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.UpdateSocialSettings(ctx, f.owner, crm.SocialSettings{BrandTerms: []string{"Renkei, 連携くん"},
		Aliases: map[int64][]string{sf.ID: {"セールスフォース"}}}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)
	texts := []string{
		"Renkei is great",             // brand (positive)
		"RenkeiとHubSpotを比較中",          // brand, HubSpot
		"セールスフォースの導入事例",               // Salesforce (alias)
		"salesforce pricing is awful", // Salesforce (negative)
		"HUBSPOT ＨｕｂＳｐｏｔ",             // HubSpot once (full-width folds)
		"nothing to see",              // none
		"連携くん最高",                      // brand (positive)
	}
	var posts []crm.SocialPost
	for i, s := range texts {
		posts = append(posts, crm.SocialPost{Network: "x", ExternalID: string(rune('a' + i)), Text: s, PostedAt: at.Add(time.Duration(i) * 24 * time.Hour)})
	}
	if _, _, err := f.app.CreateSocialPosts(ctx, f.owner, posts); err != nil {
		t.Fatal(err)
	}
	sp, err := f.app.SocialPeriodOf(ctx, "2026-03", "week")
	if err != nil {
		t.Fatal(err)
	}
	sv, err := f.app.ShareOfVoice(ctx, f.owner, sp)
	if err != nil {
		t.Fatal(err)
	}
	// By hand: brand 3, Salesforce 2, HubSpot 2 → 7 mentions.
	want := map[string]struct {
		n        int
		share    float64
		pos, neg int
	}{"brand": {3, 3.0 / 7, 2, 0}, "Salesforce": {2, 2.0 / 7, 0, 1}, "HubSpot": {2, 2.0 / 7, 0, 0}}
	if sv.Total != 7 || len(sv.Entities) != 3 {
		t.Fatalf("total %d entities %d", sv.Total, len(sv.Entities))
	}
	for _, e := range sv.Entities {
		k := e.Name
		if e.Key == "brand" {
			k = "brand"
		}
		w := want[k]
		if e.Mentions != w.n || e.Share < w.share-1e-9 || e.Share > w.share+1e-9 || e.Positive != w.pos || e.Negative != w.neg {
			t.Errorf("%s: mentions %d share %.4f pos %d neg %d; want %+v", k, e.Mentions, e.Share, e.Positive, e.Negative, w)
		}
	}
	// The posts behind HubSpot's number.
	ps, err := f.app.SocialPosts(ctx, f.owner, SocialPostFilter{Entity: "competitor:" + strconv.FormatInt(hs.ID, 10)})
	if err != nil || len(ps) != 2 {
		t.Errorf("HubSpot posts: %v %d", err, len(ps))
	}
	if _, err := f.app.SocialPosts(ctx, f.owner, SocialPostFilter{Entity: "competitor:999"}); err == nil {
		t.Error("unknown entity accepted")
	}
	// Sentiment share of the period.
	ss, err := f.app.SentimentShare(ctx, f.owner, sp)
	if err != nil {
		t.Fatal(err)
	}
	if ss.Total != 7 || ss.Series[0].Total != 2 || ss.Series[2].Total != 1 || ss.Series[1].Total != 4 {
		t.Errorf("sentiment share %+v", ss.Series)
	}
}

func TestCreateSocialPostsValidation(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	now := f.clock.Now()
	_, _, err := f.app.CreateSocialPosts(ctx, f.owner, []crm.SocialPost{
		{Network: "x", ExternalID: "1", Text: "fine", PostedAt: now},
		{Network: "X!", ExternalID: "2", Text: "", PostedAt: now.Add(72 * time.Hour), URL: "ftp://a"},
	})
	v, ok := crm.AsValidation(err)
	if !ok {
		t.Fatalf("err = %v, want validation", err)
	}
	for _, fld := range []string{"posts[1].network", "posts[1].text", "posts[1].created_at", "posts[1].url"} {
		if v.Fields[fld] == "" {
			t.Errorf("no error for %s: %v", fld, v.Fields)
		}
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM social_posts"); n != 0 {
		t.Errorf("a refused batch wrote %d posts", n)
	}
	viewer := f.addUser(t, "v@example.jp", crm.RoleViewer)
	if _, _, err := f.app.CreateSocialPosts(ctx, viewer, []crm.SocialPost{{Network: "x", ExternalID: "1", Text: "x", PostedAt: now}}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("viewer: %v", err)
	}
	if _, err := f.app.StartSocialImport(ctx, viewer, SocialImportRequest{Filename: "a.csv"}, strings.NewReader("id,text\n")); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("viewer import: %v", err)
	}
	if _, err := f.app.StartSocialImport(ctx, f.owner, SocialImportRequest{Filename: "a.csv"}, strings.NewReader("")); err == nil {
		t.Error("empty file accepted")
	}
	// A post without an id gets one from its content: sending it twice is one post.
	p := crm.SocialPost{Network: "x", Text: "no id here", Author: "a", PostedAt: now}
	if _, n, err := f.app.CreateSocialPosts(ctx, f.owner, []crm.SocialPost{p}); err != nil || n != 1 {
		t.Fatalf("first: %d %v", n, err)
	}
	if _, n, err := f.app.CreateSocialPosts(ctx, f.owner, []crm.SocialPost{p}); err != nil || n != 0 {
		t.Errorf("second: created %d %v, want 0", n, err)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"renkei/internal/app"
	"renkei/internal/store"
	"renkei/internal/textseg"
)

// Row R2: social post import with Japanese word segmentation. A JSON file
// of generated posts (two in three Japanese, the rest English, with
// hashtags, mentions and URLs; fixed seed) is imported into a fresh
// database through the real path, in this process: StartSocialImport
// stores the file, then the social.import job reads, segments, scores and
// writes it batch by batch. The time runs from storing the file to the
// job's end. The dictionary is loaded before the clock starts (a server
// loads it once, on its first Japanese post); its load time is logged (only
// the first run of a suite loads it).

const (
	r2Posts      = 100_000
	r2PostsQuick = 20_000
)

func rowR2(quick bool) Row {
	n := r2Posts
	if quick {
		n = r2PostsQuick
	}
	same := map[string]float64{"sqlite": 5000, "postgres": 5000}
	return Row{
		ID:       "R2",
		Workload: "social post import with Japanese word segmentation",
		Data:     fmt.Sprintf("%d generated posts (JSON, 2/3 Japanese), empty migrated database", n),
		Note: "R2 runs in the bench process: the file is stored by StartSocialImport and imported by the social.import job " +
			"(kagome IPA segmentation on every core, one transaction per 1,000 posts); the dictionary is loaded before the clock starts",
		Metrics: []Metric{
			{Name: "import rate", Unit: "posts/s", Better: Higher, Target: same},
		},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) { return measureR2(ctx, env, n) },
	}
}

var (
	r2JA = []string{
		"%sの新機能で営業チームの案件管理がとても楽になった！ #営業DX #%d",
		"東京都内のセミナーでマーケティングオートメーションの事例を聞いた。%sの話が参考になった",
		"%sから乗り換えを検討中。価格が高いのが気になるけど、サポートは丁寧で安心できる @support_jp",
		"展示会の名刺をその日のうちに%sへ取り込めた。インサイドセールスがすぐ電話できるのは便利 https://example.jp/p/%d",
		"%sのレポート画面、データが多いと動作が遅い。改善してほしい #要望",
	}
	r2EN = []string{
		"Just switched our sales team to %s. The pipeline board is fast and the reports are great #CRM #%d",
		"Comparing %s and Competia for marketing automation, any advice? @renkei_jp",
		"The import in %s keeps failing with an error, support has been slow. Disappointed https://example.com/t/%d",
	}
	r2Brands = []string{"Renkei", "レンケイ", "ライバルシステムズ", "マーケットワン"}
)

// r2File writes n posts as a JSON array.
func r2File(n int) ([]byte, error) {
	r := rand.New(rand.NewPCG(2, 2))
	type post struct {
		ID        string `json:"id"`
		Text      string `json:"text"`
		CreatedAt string `json:"created_at"`
		Username  string `json:"username"`
		Likes     int    `json:"like_count"`
	}
	start := time.Now().UTC().AddDate(0, -6, 0)
	posts := make([]post, n)
	for i := range posts {
		brand := r2Brands[r.IntN(len(r2Brands))]
		var text string
		if i%3 == 2 {
			text = fmt.Sprintf(r2EN[r.IntN(len(r2EN))], brand, i)
		} else {
			text = fmt.Sprintf(r2JA[r.IntN(len(r2JA))], brand, i)
		}
		posts[i] = post{ID: fmt.Sprintf("r2-%d", i), Text: text, Username: fmt.Sprintf("user%d", r.IntN(5000)), Likes: r.IntN(100),
			CreatedAt: start.Add(time.Duration(r.Int64N(int64(180 * 24 * time.Hour)))).Format(time.RFC3339)}
	}
	return json.Marshal(posts)
}

func measureR2(ctx context.Context, env *Env, n int) (map[string]float64, error) {
	file, err := r2File(n)
	if err != nil {
		return nil, err
	}
	db, err := env.FreshDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	st, err := openInProcess(ctx, db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	a := app.New(app.Config{Store: st})
	if _, _, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "R2", Language: "ja", Name: "Bench", Email: "bench-r2@example.jp",
		Password: "bench password 1234"}, "127.0.0.1", "bench"); err != nil {
		return nil, err
	}
	u, err := st.UserByEmail(ctx, "bench-r2@example.jp")
	if err != nil {
		return nil, err
	}
	ac := app.Actor{User: u, IP: "bench"}

	loadStart := time.Now()
	if err := textseg.Preload(); err != nil {
		return nil, err
	}
	load := time.Since(loadStart)

	began := time.Now()
	im, err := a.StartSocialImport(ctx, ac, app.SocialImportRequest{Filename: "r2.json", Network: "x"}, bytes.NewReader(file))
	if err != nil {
		return nil, err
	}
	js, err := st.ClaimJobs(ctx, "bench", []string{app.JobSocialImport}, 10, time.Now().Add(time.Hour), time.Hour)
	if err != nil {
		return nil, err
	}
	var job *store.Job
	for i := range js {
		if js[i].ID == im.JobID {
			job = &js[i]
		}
	}
	if job == nil {
		return nil, fmt.Errorf("the import's job %d was not claimed", im.JobID)
	}
	handler := a.JobHandlers()[app.JobSocialImport]
	if err := handler(ctx, *job, func(done, total int) error { return nil }); err != nil {
		return nil, fmt.Errorf("social import: %w", err)
	}
	elapsed := time.Since(began)

	done, err := st.Import(ctx, im.ID)
	if err != nil {
		return nil, err
	}
	var posts, terms int
	if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM social_posts").Scan(&posts); err != nil {
		return nil, err
	}
	if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM social_post_terms").Scan(&terms); err != nil {
		return nil, err
	}
	if done.Status != store.ImportDone || posts != n || done.Created != n || terms < 5*n {
		return nil, fmt.Errorf("after the import: status %s (%s), %d posts (%d created), %d terms; want %d posts with terms",
			done.Status, done.Message, posts, done.Created, terms, n)
	}
	fmt.Fprintf(env.Log, "    %d posts, %d terms in %.1f s; dictionary loaded in %d ms\n", posts, terms, elapsed.Seconds(), load.Milliseconds())
	return map[string]float64{
		"import rate": float64(n) / elapsed.Seconds(),
	}, nil
}

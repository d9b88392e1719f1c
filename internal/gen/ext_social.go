package gen

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/textseg"
)

// streamSocial is the random stream of the social listening story.
const streamSocial = 160

// socialDays is how far back the demo's posts go.
const socialDays = 182

// socialExtension adds six months of posts from X and Instagram, in
// Japanese and English, about our brand (more and more of them: the
// trend), the three competitors of the story and the trade (a spike of
// #展示会 around a trade show two months ago), with the listening
// settings: our brand's names and the competitors' other names. Posts are
// segmented and scored by the real analyser, as an import does.
func socialExtension(w *World) Extension { return &socialExt{w: w} }

type socialExt struct {
	w             *World
	posts, terms  *store.BulkTable
	settings      *store.BulkTable
	n             int
	brandMentions int
}

// Competitor ids 1 to 3 are competitorNames (ext_sales.go).
var socialCompetitors = []struct {
	id       int64
	ja, en   string
	aliases  []string
	negative bool // its posts lean negative
}{
	{1, "ライバルシステムズ", "Rival Systems", []string{"ライバルシステムズ", "Rival Systems"}, false},
	{2, "Competia", "Competia", []string{"Competia"}, true},
	{3, "マーケットワン", "MarketOne", []string{"マーケットワン", "MarketOne"}, false},
}

var socialBrandTerms = []string{"Renkei", "レンケイ"}

var (
	socialBrandJA    = []string{"Renkei", "Renkei CRM", "レンケイ"}
	socialFeaturesJA = []string{"案件管理", "顧客管理", "メール配信", "スコアリング", "フォーム", "レポート", "マーケティングオートメーション", "営業支援", "名刺管理", "予実管理"}
	socialGoodJA     = []string{"便利", "最高", "使いやすい", "わかりやすい", "助かる"}
	socialTagsJA     = []string{"#営業DX", "#マーケティング", "#SaaS", "#CRM", "#インサイドセールス", "#DX"}
	socialFeaturesEN = []string{"pipeline board", "lead scoring", "email builder", "sales dashboard", "form builder", "forecast"}
	socialTagsEN     = []string{"#CRM", "#SaaS", "#sales", "#marketing", "#B2B"}
	socialAuthors    = []string{"taro_sales", "hanako_mkt", "kenji_dx", "yui_is", "naoki_bizdev", "saki_cs", "jp_saas_watch",
		"emily_ops", "revops_dan", "marketing_mia", "b2b_growth", "tokyo_startup", "crm_reviewer", "smb_owner"}
)

func (x *socialExt) Tables(ctx context.Context, b *store.Bulk) (err error) {
	x.posts, err = b.Table(ctx, "social_posts", "id", "network", "external_id", "author", "body", "norm_text", "url", "posted_at",
		"likes", "shares", "sentiment", "sentiment_auto", "source", "created_at", "updated_at")
	if err != nil {
		return err
	}
	if x.terms, err = b.Table(ctx, "social_post_terms", "post_id", "term", "posted_at"); err != nil {
		return err
	}
	x.settings, err = b.Table(ctx, "settings", "key", "value", "version", "updated_at")
	return err
}

func (x *socialExt) Company(ctx context.Context, co *Company, people []Person) error { return nil }

func (x *socialExt) Done(ctx context.Context) error {
	st := crm.SocialSettings{BrandTerms: socialBrandTerms, Aliases: map[int64][]string{}}
	for _, c := range socialCompetitors {
		st.Aliases[c.id] = c.aliases
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	now := x.w.Now()
	if err := x.settings.Add(ctx, "social", string(raw), int64(1), now.UnixMilli()); err != nil {
		return err
	}
	r := x.w.Rand(streamSocial, 0)
	start := now.AddDate(0, 0, -socialDays)
	show := socialDays - 60 // the trade show
	for day := 0; day < socialDays; day++ {
		// 10 posts a day at first, 25 at the end; the week of the show doubles.
		n := 10 + 15*day/socialDays + r.IntN(5)
		if day >= show-3 && day <= show+3 {
			n *= 2
		}
		for range n {
			at := start.AddDate(0, 0, day).Add(time.Duration(r.IntN(86400)) * time.Second)
			if at.After(now) {
				continue
			}
			text := x.text(r, day, show)
			if err := x.add(ctx, r, text, at); err != nil {
				return err
			}
		}
	}
	return nil
}

// text makes one post: about our brand (a growing share), a competitor, or
// the trade; Japanese two times in three.
func (x *socialExt) text(r *rand.Rand, day, show int) string {
	ja := r.IntN(3) > 0
	brandShare := 25 + 30*day/socialDays // % of posts about us
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	tag := func() string {
		if ja {
			return pick(socialTagsJA)
		}
		return pick(socialTagsEN)
	}
	nearShow := day >= show-3 && day <= show+3
	switch k := r.IntN(100); {
	case nearShow && k < 40:
		if ja {
			return fmt.Sprintf("東京ビッグサイトの展示会で%sのブースに行った。%sのデモが%s #展示会 %s", pick(socialBrandJA), pick(socialFeaturesJA), pick(socialGoodJA), tag())
		}
		return fmt.Sprintf("Visited the Renkei booth at the trade show in Tokyo, the %s demo was great #展示会 %s", pick(socialFeaturesEN), tag())
	case k < brandShare:
		x.brandMentions++
		if r.IntN(100) < 75 {
			if ja {
				return fmt.Sprintf("%sの%sが%s！営業とマーケティングが同じデータで動けるようになった %s", pick(socialBrandJA), pick(socialFeaturesJA), pick(socialGoodJA), tag())
			}
			return fmt.Sprintf("Our team moved to Renkei last month. The %s is fast and easy to use %s", pick(socialFeaturesEN), tag())
		}
		if ja {
			return fmt.Sprintf("%sの%s、データが多いと動作が遅い。改善してほしい", pick(socialBrandJA), pick(socialFeaturesJA))
		}
		return fmt.Sprintf("Renkei %s keeps failing with an error on big imports, frustrating %s", pick(socialFeaturesEN), tag())
	case k < brandShare+45:
		c := socialCompetitors[r.IntN(len(socialCompetitors))]
		negative := r.IntN(100) < 30 || c.negative && r.IntN(100) < 50
		switch {
		case negative && ja:
			return fmt.Sprintf("%sの価格改定、正直高すぎる。乗り換えを検討中 %s", c.ja, tag())
		case negative:
			return fmt.Sprintf("%s support has been slow to answer again. Disappointed %s", c.en, tag())
		case r.IntN(4) == 0 && ja:
			return fmt.Sprintf("%sと%sを比較中。%sはどちらが使いやすい？", c.ja, pick(socialBrandJA), pick(socialFeaturesJA))
		case ja:
			return fmt.Sprintf("%sの導入事例セミナーに参加。%sの話が参考になった %s", c.ja, pick(socialFeaturesJA), tag())
		case r.IntN(4) == 0:
			x.brandMentions++
			return fmt.Sprintf("Comparing %s and Renkei for our %s, any advice? %s", c.en, pick(socialFeaturesEN), tag())
		default:
			return fmt.Sprintf("Webinar by %s on %s today, some useful ideas %s", c.en, pick(socialFeaturesEN), tag())
		}
	default:
		if ja {
			return fmt.Sprintf("インサイドセールスの立ち上げで%sの運用を見直し中。%s", pick(socialFeaturesJA), tag())
		}
		return fmt.Sprintf("How do you measure marketing sourced pipeline? Looking at %s options %s", pick(socialFeaturesEN), tag())
	}
}

func (x *socialExt) add(ctx context.Context, r *rand.Rand, text string, at time.Time) error {
	res, err := textseg.Analyze(text, nil)
	if err != nil {
		return err
	}
	x.n++
	id := int64(x.n)
	network, url := "x", ""
	author := socialAuthors[r.IntN(len(socialAuthors))]
	if r.IntN(5) == 0 {
		network = "instagram"
	} else {
		url = fmt.Sprintf("https://x.com/%s/status/%d", author, 1900000000000000000+int64(x.n))
	}
	if !strings.Contains(text, "#") && network == "instagram" {
		network = "x"
	}
	sent := string(crm.SentimentOf(res.Score))
	ms := at.UnixMilli()
	if err := x.posts.Add(ctx, id, network, fmt.Sprintf("demo-%d", x.n), author, text, res.Norm, url, ms,
		int64(r.IntN(40)), int64(r.IntN(8)), sent, sent, "import", ms, ms); err != nil {
		return err
	}
	for _, t := range res.Terms {
		if err := x.terms.Add(ctx, id, t, ms); err != nil {
			return err
		}
	}
	return nil
}

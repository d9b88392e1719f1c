package gen

import (
	"context"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store/storetest"
)

// TestSocialExtension: six months of posts in both languages, with more
// about our brand in the last three months than in the first three, the
// trade show's hashtag, the competitors named, terms for every post, and
// the listening settings.
func TestSocialExtension(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	w := newWorld(t, 7, "N=200", crm.LangJA)
	loadWorld(t, s, w, LoadOptions{Extensions: []Extension{socialExtension(w)}})
	var posts, withoutTerms, show, competia int
	db := s.DB()
	db.QueryRowContext(ctx, "SELECT COUNT(*) FROM social_posts").Scan(&posts)
	db.QueryRowContext(ctx, "SELECT COUNT(*) FROM social_posts p WHERE NOT EXISTS (SELECT 1 FROM social_post_terms t WHERE t.post_id = p.id)").Scan(&withoutTerms)
	db.QueryRowContext(ctx, "SELECT COUNT(*) FROM social_post_terms WHERE term = '#展示会'").Scan(&show)
	db.QueryRowContext(ctx, "SELECT COUNT(*) FROM social_posts WHERE norm_text LIKE '%competia%'").Scan(&competia)
	if posts < 2000 || withoutTerms != 0 || show < 20 || competia < 50 {
		t.Errorf("%d posts (%d without terms), %d #展示会, %d about Competia", posts, withoutTerms, show, competia)
	}
	mid := w.Now().AddDate(0, 0, -socialDays/2).UnixMilli()
	var early, late int
	db.QueryRowContext(ctx, "SELECT COUNT(*) FROM social_posts WHERE norm_text LIKE '%renkei%' AND posted_at < $1", mid).Scan(&early)
	db.QueryRowContext(ctx, "SELECT COUNT(*) FROM social_posts WHERE norm_text LIKE '%renkei%' AND posted_at >= $1", mid).Scan(&late)
	if late <= early*5/4 {
		t.Errorf("brand posts: %d in the first half, %d in the second: no visible trend", early, late)
	}
	var langs [2]int
	db.QueryRowContext(ctx, "SELECT COUNT(*) FROM social_post_terms WHERE term = '営業'").Scan(&langs[0])
	db.QueryRowContext(ctx, "SELECT COUNT(*) FROM social_post_terms WHERE term = 'renkei'").Scan(&langs[1])
	if langs[0] == 0 || langs[1] == 0 {
		t.Errorf("terms 営業 %d, renkei %d: want both languages", langs[0], langs[1])
	}
	var raw string
	if err := db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'social'").Scan(&raw); err != nil || raw == "" {
		t.Errorf("listening settings: %v", err)
	}
}

package api

import (
	"context"
	"fmt"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// socialSamples are the permission walk's requests of social listening.
func (e *env) socialSamples(role string) map[string]sample {
	ctx := context.Background()
	posts, _, err := e.app.CreateSocialPosts(ctx, e.admin(), []crm.SocialPost{{Network: "x", ExternalID: "walk",
		Text: "walking the table", PostedAt: time.Now().Add(-time.Hour)}})
	if err != nil {
		e.t.Fatal(err)
	}
	return map[string]sample{
		"GET /social-posts": {path: "/social-posts?sentiment=neutral"},
		"POST /social-posts": {path: "/social-posts", body: map[string]any{"posts": []any{map[string]any{
			"id": "walk-" + role, "text": "from " + role, "created_at": time.Now().Add(-time.Hour).Format(time.RFC3339)}}}},
		"GET /social-posts/{id}":      {path: fmt.Sprintf("/social-posts/%d", posts[0].ID)},
		"PATCH /social-posts/{id}":    {path: fmt.Sprintf("/social-posts/%d", posts[0].ID), body: map[string]any{"sentiment": "positive"}},
		"GET /reports/social-trends":  {path: "/reports/social-trends?bucket=month"},
		"GET /reports/share-of-voice": {path: "/reports/share-of-voice"},
	}
}

// happySocial sends a batch as a webhook would, lists and filters it,
// corrects a sentiment and reads both reports.
func (e *env) happySocial() {
	t := e.t
	ctx := context.Background()
	if _, err := e.app.CreateCompetitor(ctx, e.admin(), crm.Competitor{Name: "Rival Social"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.UpdateSocialSettings(ctx, e.admin(), crm.SocialSettings{BrandTerms: []string{"Renkei"}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	at := now.Add(-2 * time.Hour).Format(time.RFC3339)
	batch := map[string]any{"posts": []any{
		map[string]any{"network": "twitter", "id": "s1", "author": "@taro", "text": "Renkeiのマーケティング機能が最高 #CRM", "created_at": at, "likes": 3},
		map[string]any{"network": "x", "id": "s2", "text": "Rival Social is slow today", "created_at": at},
		map[string]any{"network": "x", "id": "s3", "text": "Renkei vs Rival Social", "created_at": at, "url": "https://x.com/a/status/3"},
	}}
	res := e.do("marketing", "POST", "/api/v1/social-posts", batch).want(t, 200).obj(t)
	if res["created"] != float64(3) || res["updated"] != float64(0) {
		t.Fatalf("batch: %v", res)
	}
	first := res["posts"].([]any)[0].(map[string]any)
	if first["network"] != "x" || first["author"] != "taro" || first["sentiment"] != "positive" {
		t.Errorf("first post %v", first)
	}
	// Sending it again updates.
	res = e.do("marketing", "POST", "/api/v1/social-posts", batch).want(t, 200).obj(t)
	if res["created"] != float64(0) || res["updated"] != float64(3) {
		t.Errorf("again: %v", res)
	}
	// Validation: the bad post is named, nothing is written.
	bad := map[string]any{"posts": []any{
		map[string]any{"id": "ok", "text": "fine", "created_at": at},
		map[string]any{"id": "b", "text": "", "created_at": "yesterday", "url": "javascript:alert(1)"},
	}}
	fe := e.do("marketing", "POST", "/api/v1/social-posts", bad).want(t, 422).fieldErrors(t)
	if fe["posts[1].created_at"] == "" {
		t.Errorf("field errors %v", fe)
	}
	bad["posts"].([]any)[1].(map[string]any)["created_at"] = at
	fe = e.do("marketing", "POST", "/api/v1/social-posts", bad).want(t, 422).fieldErrors(t)
	if fe["posts[1].text"] == "" || fe["posts[1].url"] == "" {
		t.Errorf("field errors %v", fe)
	}
	e.do("marketing", "POST", "/api/v1/social-posts", map[string]any{"posts": []any{}}).want(t, 422)
	e.do("marketing", "POST", "/api/v1/social-posts", map[string]any{"posts": []any{map[string]any{"text": "x", "extra": 1}}}).want(t, 400)
	if n := 0; e.st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM social_posts WHERE external_id = 'ok'").Scan(&n) != nil || n != 0 {
		t.Errorf("a refused batch wrote posts (%d)", n)
	}

	// List with filters and pages.
	list := e.do("viewer", "GET", "/api/v1/social-posts?term=%23crm", nil).want(t, 200).obj(t)
	if d := list["data"].([]any); len(d) != 1 || d[0].(map[string]any)["external_id"] != "s1" {
		t.Errorf("term filter: %v", list)
	}
	list = e.do("viewer", "GET", "/api/v1/social-posts?limit=2", nil).want(t, 200).obj(t)
	cur, _ := list["next_cursor"].(string)
	if len(list["data"].([]any)) != 2 || cur == "" {
		t.Fatalf("page 1: %v", list)
	}
	list = e.do("viewer", "GET", "/api/v1/social-posts?limit=2&cursor="+cur, nil).want(t, 200).obj(t)
	if len(list["data"].([]any)) < 1 {
		t.Errorf("page 2: %v", list)
	}
	e.do("viewer", "GET", "/api/v1/social-posts?sentiment=angry", nil).want(t, 400)
	e.do("viewer", "GET", "/api/v1/social-posts?from=2026-13-01", nil).want(t, 400)
	e.do("viewer", "GET", "/api/v1/social-posts?cursor=zzz", nil).want(t, 400)

	// Correct a sentiment.
	id := int64(first["id"].(float64))
	e.do("viewer", "PATCH", fmt.Sprintf("/api/v1/social-posts/%d", id), map[string]any{"sentiment": "negative"}).want(t, 403)
	e.do("marketing", "PATCH", fmt.Sprintf("/api/v1/social-posts/%d", id), map[string]any{"sentiment": "meh"}).want(t, 422)
	p := e.do("marketing", "PATCH", fmt.Sprintf("/api/v1/social-posts/%d", id), map[string]any{"sentiment": "negative"}).want(t, 200).obj(t)
	if p["sentiment"] != "negative" || p["sentiment_auto"] != "positive" || p["sentiment_corrected"] != true {
		t.Errorf("corrected: %v", p)
	}
	e.do("viewer", "GET", "/api/v1/social-posts/999999", nil).want(t, 404)
	one := e.do("viewer", "GET", fmt.Sprintf("/api/v1/social-posts/%d", id), nil).want(t, 200).obj(t)
	if terms, _ := one["terms"].([]any); len(terms) == 0 || one["sentiment_corrected_by"] == nil {
		t.Errorf("one post: %v", one)
	}

	// Reports: this month by day.
	period := now.In(time.UTC).Format("2006-01")
	tr := e.do("viewer", "GET", "/api/v1/reports/social-trends?period="+period+"&bucket=day&terms=%23crm,renkei", nil).want(t, 200).obj(t)
	terms := tr["terms"].([]any)
	if len(terms) != 2 || terms[0].(map[string]any)["total"] != float64(1) || tr["posts"].(map[string]any)["total"] != float64(3) {
		t.Errorf("trends: %v", tr)
	}
	sv := e.do("viewer", "GET", "/api/v1/reports/share-of-voice?period="+period, nil).want(t, 200).obj(t)
	if sv["total"] != float64(4) {
		t.Errorf("share of voice total %v, want 4 (Renkei 2, Rival Social 2)", sv["total"])
	}
	for _, x := range sv["entities"].([]any) {
		ent := x.(map[string]any)
		if ent["key"] != "brand" && ent["name"] != "Rival Social" {
			continue // competitors of the other happy paths
		}
		if ent["mentions"] != float64(2) || ent["share"] != 0.5 {
			t.Errorf("entity %v", ent)
		}
		if strings.HasPrefix(ent["key"].(string), "competitor:") && ent["negative"] != float64(1) {
			t.Errorf("competitor's negative mentions %v, want 1", ent["negative"])
		}
	}
	e.do("viewer", "GET", "/api/v1/reports/share-of-voice?period=2026-13", nil).want(t, 400)
	e.do("viewer", "GET", "/api/v1/reports/social-trends?bucket=hour", nil).want(t, 400)
	_ = app.BucketDay
}

package gen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// catalogueStream is the random stream of the observed prices.
const catalogueStream = 800

// demoProduct is one product of the demo catalogue.
type demoProduct struct {
	sku, ja, en, unitJA, unitEN string
	price, cost                 int64
	tax                         crm.TaxCategory
	active                      bool
	descJA, descEN              string
}

// demoProducts are the workspace's own line-up: a B2B SaaS with its
// services, a reduced-rate item for seminars and an exempt pass-through.
var demoProducts = []demoProduct{
	{"RK-CRM-STD", "Renkei CRM スタンダード", "Renkei CRM Standard", "ユーザー/月", "user/month", 3_000, 600, crm.TaxStandard, true,
		"顧客・案件管理の基本機能。", "Contacts, companies and deals."},
	{"RK-CRM-PRO", "Renkei CRM プロ", "Renkei CRM Professional", "ユーザー/月", "user/month", 6_000, 1_100, crm.TaxStandard, true,
		"予測・目標管理・承認フロー付き。", "With forecasts, targets and approvals."},
	{"RK-CRM-ENT", "Renkei CRM エンタープライズ", "Renkei CRM Enterprise", "ユーザー/月", "user/month", 12_000, 2_000, crm.TaxStandard, true,
		"SSO・監査ログ・専任サポート付き。", "With SSO, audit log and a named support contact."},
	{"RK-MA-BASIC", "マーケティングオートメーション ベーシック", "Marketing Automation Basic", "月", "month", 50_000, 12_000, crm.TaxStandard, true,
		"フォーム・スコアリング・メール配信（1万件まで）。", "Forms, scoring and e-mail for up to 10,000 contacts."},
	{"RK-MA-PLUS", "マーケティングオートメーション プラス", "Marketing Automation Plus", "月", "month", 120_000, 25_000, crm.TaxStandard, true,
		"Web行動分析とシナリオ配信付き（5万件まで）。", "With web tracking and nurture flows, up to 50,000 contacts."},
	{"SV-ONBOARD", "導入支援パッケージ", "Onboarding package", "式", "package", 500_000, 300_000, crm.TaxStandard, true,
		"初期設定、データ設計、3回の定例会。", "Set-up, data design and three review meetings."},
	{"SV-TRAIN", "操作研修（半日）", "Training (half day)", "回", "session", 150_000, 60_000, crm.TaxStandard, true, "", ""},
	{"SV-CONSULT", "営業プロセス設計コンサルティング", "Sales process consulting", "時間", "hour", 25_000, 12_000, crm.TaxStandard, true, "", ""},
	{"SV-DATA", "データ移行", "Data migration", "式", "package", 300_000, 180_000, crm.TaxStandard, true,
		"既存システムからの顧客・案件データ移行。", "Contacts and deals moved from the old system."},
	{"GD-BENTO", "セミナー用お弁当", "Seminar lunch box", "個", "box", 1_200, 800, crm.TaxReduced, true,
		"軽減税率（8%）の対象。", "Food: the reduced 8% rate."},
	{"FE-STAMP", "収入印紙代（立替）", "Revenue stamp (advanced)", "式", "item", 200, 200, crm.TaxExempt, true, "", ""},
	{"RK-CRM-OLD", "Renkei CRM 旧ライトプラン（販売終了）", "Renkei CRM Lite (discontinued)", "ユーザー/月", "user/month", 2_500, 600, crm.TaxStandard, false, "", ""},
}

// demoRival is a product of one of the story's competitors (ids 1 to 3,
// ext_sales.go), mapped to ours by SKU ("" for none), with its price when
// the story starts.
type demoRival struct {
	competitor int64
	name, sku  string
	price      int64
}

var demoRivals = []demoRival{
	{1, "Rival SFA スタンダード", "RK-CRM-STD", 2_800},
	{1, "Rival SFA エンタープライズ", "RK-CRM-ENT", 13_000},
	{1, "Rival 導入サービス", "SV-ONBOARD", 450_000},
	{2, "Competia Sales Cloud", "RK-CRM-PRO", 6_500},
	{2, "Competia Marketing", "RK-MA-PLUS", 135_000},
	{3, "MarketOne MA ライト", "RK-MA-BASIC", 38_000},
	{3, "MarketOne MA", "RK-MA-PLUS", 98_000},
	{3, "MarketOne 分析オプション", "", 20_000},
}

// catalogue adds the product catalogue, a partner and a campaign price
// book, the competitors' products mapped to ours and a monthly price
// history of each. It is all made in Tables: it does not depend on the
// companies.
type catalogue struct{ w *World }

func catalogueExtension(w *World) Extension { return &catalogue{w: w} }

func (c *catalogue) Tables(ctx context.Context, b *store.Bulk) error {
	at := ms(c.w.start)
	skuID := map[string]int64{}
	products, err := b.Table(ctx, "products", "id", "sku", "name_ja", "name_en", "unit", "list_price", "cost", "currency",
		"tax_category", "active", "description", "created_at", "updated_at", "version")
	if err != nil {
		return err
	}
	ja := c.w.Lang() == crm.LangJA
	for i, p := range demoProducts {
		id := int64(i + 1)
		skuID[p.sku] = id
		unit, desc := p.unitEN, p.descEN
		if ja {
			unit, desc = p.unitJA, p.descJA
		}
		if err := products.Add(ctx, id, p.sku, p.ja, p.en, unit, p.price, p.cost, "JPY", string(p.tax), boolInt(p.active),
			desc, at, at, 1); err != nil {
			return err
		}
	}
	if err := c.priceBooks(ctx, b, skuID); err != nil {
		return err
	}
	return c.rivals(ctx, b, skuID)
}

// priceBooks: partners get 20% off the licences, always; the campaign of
// the current quarter takes 30% off onboarding and training.
func (c *catalogue) priceBooks(ctx context.Context, b *store.Bulk, skuID map[string]int64) error {
	books, err := b.Table(ctx, "price_books", "id", "name", "kind", "valid_from", "valid_to", "active", "created_at", "updated_at")
	if err != nil {
		return err
	}
	entries, err := b.Table(ctx, "price_book_entries", "price_book_id", "product_id", "price")
	if err != nil {
		return err
	}
	now := c.w.Now().In(c.w.jst)
	qStart := time.Date(now.Year(), now.Month()-(now.Month()-1)%3, 1, 0, 0, 0, 0, c.w.jst)
	qEnd := qStart.AddDate(0, 3, -1)
	at := ms(c.w.start)
	partner, campaign := "パートナー価格", "期間限定 導入キャンペーン"
	if c.w.Lang() != crm.LangJA {
		partner, campaign = "Partner prices", "Onboarding campaign"
	}
	if err := books.Add(ctx, int64(1), partner, string(crm.PriceBookPartner), "", "", 1, at, at); err != nil {
		return err
	}
	if err := books.Add(ctx, int64(2), campaign, string(crm.PriceBookCampaign), qStart.Format(time.DateOnly),
		qEnd.Format(time.DateOnly), 1, at, at); err != nil {
		return err
	}
	for _, p := range demoProducts {
		switch p.sku {
		case "RK-CRM-STD", "RK-CRM-PRO", "RK-CRM-ENT", "RK-MA-BASIC", "RK-MA-PLUS":
			if err := entries.Add(ctx, int64(1), skuID[p.sku], p.price*80/100); err != nil {
				return err
			}
		case "SV-ONBOARD", "SV-TRAIN":
			if err := entries.Add(ctx, int64(2), skuID[p.sku], p.price*70/100); err != nil {
				return err
			}
		}
	}
	return nil
}

// rivals adds the competitors' products and one observed price a month
// each, from the story's start to now: the price moves now and then by
// 3–10%, as list prices do.
func (c *catalogue) rivals(ctx context.Context, b *store.Bulk, skuID map[string]int64) error {
	cps, err := b.Table(ctx, "competitor_products", "id", "competitor_id", "name", "product_id", "notes", "created_at")
	if err != nil {
		return err
	}
	prices, err := b.Table(ctx, "competitor_prices", "id", "competitor_product_id", "observed_on", "price", "currency",
		"source_url", "note", "created_by", "created_at")
	if err != nil {
		return err
	}
	r := c.w.Rand(catalogueStream, 0)
	var next int64
	for i, rv := range demoRivals {
		id := int64(i + 1)
		var mapped any
		if rv.sku != "" {
			mapped = skuID[rv.sku]
		}
		if err := cps.Add(ctx, id, rv.competitor, rv.name, mapped, "", ms(c.w.start)); err != nil {
			return err
		}
		price := rv.price
		for day := c.w.start.In(c.w.jst); day.Before(c.w.Now()); day = day.AddDate(0, 1, 0) {
			seen := day.AddDate(0, 0, r.IntN(20))
			if !seen.Before(c.w.Now()) {
				break
			}
			price = movePrice(r, price)
			next++
			url, note := "", ""
			if r.IntN(3) == 0 {
				note = demoSourceNotes[r.IntN(len(demoSourceNotes))]
			} else {
				url = fmt.Sprintf("https://competitor%d.example.com/pricing", rv.competitor)
			}
			if err := prices.Add(ctx, next, id, seen.Format(time.DateOnly), price, "JPY", url, note, nil, ms(seen)); err != nil {
				return err
			}
		}
	}
	return nil
}

var demoSourceNotes = []string{"展示会のブースで確認", "顧客から見積書を見せてもらった", "営業担当からのヒアリング", "Webセミナーでの案内"}

// movePrice changes a price one month in four by 3–10% (up twice as
// often as down), rounded to 100 yen.
func movePrice(r *rand.Rand, price int64) int64 {
	if r.IntN(4) != 0 {
		return price
	}
	pct := int64(3 + r.IntN(8))
	if r.IntN(3) == 0 {
		pct = -pct
	}
	p := price * (100 + pct) / 100
	return max(100, (p+50)/100*100)
}

func (c *catalogue) Company(ctx context.Context, co *Company, people []Person) error { return nil }

func (c *catalogue) Done(ctx context.Context) error { return nil }

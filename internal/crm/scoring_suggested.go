package crm

// SuggestedScoringRules is a starting rule set for a B2B workspace, named in
// the given language: fit on seniority, company size and region; engagement
// on pricing and product pages, forms, downloads and e-mail clicks.
func SuggestedScoringRules(lang Language) []ScoringRule {
	ja := lang == LangJA
	name := func(j, e string) string {
		if ja {
			return j
		}
		return e
	}
	fit := func(n string, pts int, field, op string, vals ...string) ScoringRule {
		return ScoringRule{Kind: RuleFit, Name: n, Points: pts, Active: true, Condition: Condition{Field: field, Op: op, Values: vals}}
	}
	eng := func(n string, pts, cap int, field, op string, vals ...string) ScoringRule {
		return ScoringRule{Kind: RuleEngagement, Name: n, Points: pts, Cap: cap, Active: true,
			Condition: Condition{Field: field, Op: op, Values: vals}}
	}
	return []ScoringRule{
		fit(name("役職: 部長・役員クラス", "Title: manager or above"), 20, "job_title", OpContains,
			"部長", "本部長", "取締役", "社長", "役員", "manager", "director", "head of", "vp", "chief", "ceo", "cto", "cmo"),
		fit(name("役職: 課長・リーダー", "Title: team lead"), 10, "job_title", OpContains, "課長", "主任", "リーダー", "lead"),
		fit(name("従業員 100 名以上", "100 or more employees"), 10, "company_size", OpGTE, "100"),
		fit(name("従業員 1,000 名以上", "1,000 or more employees"), 5, "company_size", OpGTE, "1000"),
		fit(name("重点エリア（首都圏・関西）", "Focus region (Kanto, Kansai)"), 5, "prefecture", OpEquals,
			"東京都", "神奈川県", "埼玉県", "千葉県", "大阪府", "京都府", "兵庫県"),
		fit(name("フリーメール", "Free mail address"), -10, "email_domain", OpEquals,
			"gmail.com", "yahoo.co.jp", "hotmail.com", "outlook.com", "icloud.com"),
		eng(name("料金ページの閲覧", "Pricing page view"), 10, 30, "pageview", OpPrefix, "/pricing", "/price", "/料金"),
		eng(name("製品・事例ページの閲覧", "Product or case study page"), 3, 15, "pageview", OpPrefix, "/product", "/features", "/cases"),
		eng(name("フォーム送信", "Form submitted"), 20, 40, "form", OpAny),
		eng(name("資料ダウンロード", "Download"), 10, 20, "event", OpContains, "download"),
		eng(name("メールのリンクをクリック", "E-mail link clicked"), 5, 15, "email_click", OpAny),
		eng(name("採用ページの閲覧（求職者）", "Careers page (job seeker)"), -10, 20, "pageview", OpPrefix, "/careers", "/recruit"),
	}
}

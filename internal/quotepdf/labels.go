package quotepdf

import "renkei/internal/crm"

// The documents' own words. They live here and not in the UI catalogue:
// a document is printed in the customer's language, and its vocabulary
// (御中, 適格請求書) is that of paper documents.
var labelsJA = map[string]string{
	"title_quote": "御見積書", "title_invoice": "請求書",
	"number": "番号", "issued": "発行日", "revision": "改訂", "page": "%d ページ",
	"onchu": " 御中", "sama": " 様",
	"intro_quote": "下記の通りお見積り申し上げます。", "intro_invoice": "下記の通りご請求申し上げます。",
	"subject": "件名", "valid_quote": "有効期限", "valid_invoice": "お支払期限",
	"delivery": "納期", "terms": "支払条件",
	"amount_quote": "御見積金額", "amount_invoice": "ご請求金額", "taxin": "(税込)",
	"reg":  "登録番号",
	"item": "品名", "qty": "数量", "unit": "単位", "price": "単価", "disc": "値引", "lineamount": "金額", "rate": "税率",
	"subtotal": "小計", "qdisc": "お値引き",
	"base_standard": "10%対象 (税抜)", "base_reduced": "8%対象 (税抜)", "base_exempt": "非課税対象",
	"taxof": "消費税 (%d%%)", "total": "合計 (税込)",
	"reduced":            "※は軽減税率 (8%) 対象",
	"modenote_exclusive": "単価は税抜。消費税は税率ごとの合計から計算。",
	"modenote_inclusive": "単価は税込。消費税は税率ごとの合計から計算。",
	"bank":               "お振込先", "notes": "備考",
}

var labelsEN = map[string]string{
	"title_quote": "QUOTATION", "title_invoice": "INVOICE",
	"number": "No.", "issued": "Issue date", "revision": "revision", "page": "Page %d",
	"onchu": "", "sama": "",
	"intro_quote": "We are pleased to quote as follows.", "intro_invoice": "Please find our invoice below.",
	"subject": "Subject", "valid_quote": "Valid until", "valid_invoice": "Due date",
	"delivery": "Delivery", "terms": "Payment terms",
	"amount_quote": "Quoted amount", "amount_invoice": "Amount due", "taxin": "(tax incl.)",
	"reg":  "Registration No.",
	"item": "Item", "qty": "Qty", "unit": "Unit", "price": "Unit price", "disc": "Discount", "lineamount": "Amount", "rate": "Tax",
	"subtotal": "Subtotal", "qdisc": "Discount",
	"base_standard": "Taxable at 10% (excl.)", "base_reduced": "Taxable at 8% (excl.)", "base_exempt": "Tax exempt",
	"taxof": "Consumption tax (%d%%)", "total": "Total (tax incl.)",
	"reduced":            "※ reduced rate (8%)",
	"modenote_exclusive": "Prices exclude tax; tax is computed once per rate.",
	"modenote_inclusive": "Prices include tax; tax is computed once per rate.",
	"bank":               "Bank transfer to", "notes": "Notes",
}

// labels returns the words of a document in its language, with the
// kind-specific ones (title, intro, valid, amount) under their short key.
func labels(d Doc) map[string]string {
	src := labelsEN
	if d.Lang == crm.LangJA {
		src = labelsJA
	}
	out := make(map[string]string, len(src))
	for k, v := range src {
		out[k] = v
	}
	kind := string(d.Kind)
	if kind == "" {
		kind = string(KindQuote)
	}
	for _, k := range []string{"title", "intro", "valid", "amount"} {
		out[k] = src[k+"_"+kind]
	}
	return out
}

func label(d Doc, key string) string { return labels(d)[key] }

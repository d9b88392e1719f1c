package app

import (
	"fmt"
	"strings"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/emailtpl"
)

// benchTemplate renders to a message of about 4.5 KB of HTML with a
// dozen merge fields.
func benchTemplate() crm.EmailTemplate {
	return crm.EmailTemplate{Name: "bench", Locale: crm.LangJA, Subject: "{{family_name}} 様：{{company | \"御社\"}}向けセミナーのご案内",
		Preheader: "{{given_name}}さん、11月の無料セミナーのお知らせです",
		Blocks: []crm.EmailBlock{
			{Type: crm.BlockHeading, Text: "{{company}} {{family_name}} 様", Level: 1},
			{Type: crm.BlockText, Text: "いつもお世話になっております。{{workspace_name}}の{{owner_name}}です。\n\n" +
				"このたび、**営業とマーケティングの連携**をテーマにしたセミナーを開催いたします。" +
				"{{department | \"ご担当部署\"}}の皆様にもお役立ていただける内容です。\n\n" +
				"詳しくは[セミナーのページ](https://example.jp/seminar?c={{company}}&e={{email}})をご覧ください。"},
			{Type: crm.BlockImage, Src: "https://example.jp/banner.png", Alt: "セミナーのご案内", Link: "https://example.jp/seminar"},
			{Type: crm.BlockButton, Label: "{{family_name}} 様の席を予約する", URL: "https://example.jp/apply?e={{email}}", Color: "blue"},
			{Type: crm.BlockDivider},
			{Type: crm.BlockColumns, Columns: [][]crm.EmailBlock{
				{{Type: crm.BlockHeading, Text: "東京会場", Level: 2}, {Type: crm.BlockText, Text: "11月5日（水）14:00〜\n丸の内"}},
				{{Type: crm.BlockHeading, Text: "大阪会場", Level: 2}, {Type: crm.BlockText, Text: "11月12日（水）14:00〜\n梅田"}},
			}},
			{Type: crm.BlockText, Text: "{{#if owner_signature}}{{owner_signature}}{{else}}{{workspace_name}}{{/if}}"},
		}}
}

func benchData(i int) emailtpl.Data {
	return emailtpl.Data{"family_name": fmt.Sprintf("山田%d", i), "given_name": "太郎", "company": "山田商事株式会社",
		"email": fmt.Sprintf("taro%d@example.jp", i), "department": "営業部", "owner_name": "佐藤 花子",
		"owner_signature": "佐藤 花子\n連携株式会社 営業部\nTEL 03-1234-5678", "workspace_name": "連携株式会社"}
}

// BenchmarkRenderEmail renders one personalised message per iteration
// through RenderEmail (which compiles the template each time).
func BenchmarkRenderEmail(b *testing.B) {
	t := benchTemplate()
	_, h, _, err := RenderEmail(t, benchData(0))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(h)), "html-bytes")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, _, _, err := RenderEmail(t, benchData(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderEmailCompiled renders with a template compiled once, as
// a sender does for a whole broadcast.
func BenchmarkRenderEmailCompiled(b *testing.B) {
	r, err := CompileEmail(benchTemplate())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		r.Render(benchData(i))
	}
}

// The cache of compiled templates never serves another template's content.
func TestRenderEmailFollowsTheContent(t *testing.T) {
	tpl := benchTemplate()
	d := benchData(1)
	s1, h1, _, err := RenderEmail(tpl, d)
	if err != nil {
		t.Fatal(err)
	}
	tpl.Subject = "別の件名 {{family_name}}"
	tpl.Blocks[5].Columns[1][1].Text = "11月19日"
	s2, h2, text, err := RenderEmail(tpl, d)
	if err != nil || s2 != "別の件名 山田1" || s1 == s2 || h1 == h2 || !strings.Contains(text, "11月19日") {
		t.Errorf("after a change: %q, %v", s2, err)
	}
	tpl.Blocks[3].URL = "javascript:alert(1)"
	if _, _, _, err := RenderEmail(tpl, d); err == nil {
		t.Error("an invalid template rendered")
	}
}

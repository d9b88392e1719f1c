package crm

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"renkei/internal/emailtpl"
)

// fixtureTemplate has one block of every kind.
func fixtureTemplate() EmailTemplate {
	return EmailTemplate{
		Name: "ニュースレター", Locale: LangJA, Editor: EditorBlocks,
		Subject:   "{{family_name}} 様、10月のお知らせ",
		Preheader: "新機能とセミナーのご案内",
		Blocks: []EmailBlock{
			{Type: BlockHeading, Text: "{{company | \"御社\"}}の皆様へ", Level: 1},
			{Type: BlockText, Text: "{{family_name}} 様\n\nいつもお世話になっております。\n**新機能**のご案内です。\n\n詳しくは[こちら](https://example.jp/news?c={{company}})をご覧ください。"},
			{Type: BlockImage, Src: "https://example.jp/banner.png", Alt: "秋のセミナー", Width: 300, Link: "https://example.jp/seminar"},
			{Type: BlockButton, Label: "申し込む", URL: "https://example.jp/apply?email={{email}}", Color: "green"},
			{Type: BlockDivider},
			{Type: BlockColumns, Columns: [][]EmailBlock{
				{{Type: BlockHeading, Text: "東京会場", Level: 2}, {Type: BlockText, Text: "11月5日"}},
				{{Type: BlockHeading, Text: "大阪会場", Level: 2}, {Type: BlockText, Text: "11月12日"}},
			}},
			{Type: BlockText, Text: "{{owner_signature}}"},
		},
	}
}

func fixtureData() emailtpl.Data {
	return emailtpl.Data{
		"family_name": "山田", "company": "山田商事 & Co", "email": "taro+x@example.jp",
		"owner_signature": "佐藤 花子\n営業部",
	}
}

func TestRenderEmailPlainTextFixture(t *testing.T) {
	r, err := CompileEmail(fixtureTemplate())
	if err != nil {
		t.Fatal(err)
	}
	subj, _, text := r.Render(fixtureData())
	if subj != "山田 様、10月のお知らせ" {
		t.Errorf("subject = %q", subj)
	}
	want := `山田商事 & Coの皆様へ

山田 様

いつもお世話になっております。
新機能のご案内です。

詳しくはこちら (https://example.jp/news?c=%E5%B1%B1%E7%94%B0%E5%95%86%E4%BA%8B+%26+Co)をご覧ください。

秋のセミナー (https://example.jp/seminar)

申し込む (https://example.jp/apply?email=taro%2Bx%40example.jp)

----

東京会場

11月5日

大阪会場

11月12日

佐藤 花子
営業部`
	if text != want {
		t.Errorf("plain text:\n%s\n--- want:\n%s", text, want)
	}
}

func TestRenderEmailHTMLIsEmailSafe(t *testing.T) {
	r, err := CompileEmail(fixtureTemplate())
	if err != nil {
		t.Fatal(err)
	}
	d := fixtureData()
	d["family_name"] = `<script>alert(1)</script>`
	_, out, _ := r.Render(d)
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var tags = map[string]int{}
	var hrefs, styles []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			tags[n.Data]++
			for _, a := range n.Attr {
				switch a.Key {
				case "href", "src":
					hrefs = append(hrefs, a.Val)
				case "style":
					styles = append(styles, a.Val)
				}
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("event attribute %s", a.Key)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, bad := range []string{"script", "style", "link", "iframe", "form"} {
		if tags[bad] > 0 {
			t.Errorf("<%s> in the message", bad)
		}
	}
	if tags["h1"] != 1 || tags["h2"] != 2 || tags["img"] != 1 || tags["hr"] != 1 || tags["strong"] != 1 {
		t.Errorf("elements = %v", tags)
	}
	if !strings.Contains(out, `width="600"`) || !strings.Contains(out, "display:none") {
		t.Error("no 600-pixel table or hidden preheader")
	}
	wantLinks := []string{
		"https://example.jp/news?c=%E5%B1%B1%E7%94%B0%E5%95%86%E4%BA%8B+%26+Co",
		"https://example.jp/seminar", "https://example.jp/banner.png",
		"https://example.jp/apply?email=taro%2Bx%40example.jp",
	}
	if strings.Join(hrefs, " ") != strings.Join(wantLinks, " ") {
		t.Errorf("links = %q", hrefs)
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt; 様") {
		t.Error("a value was not escaped")
	}
	if len(styles) < 10 {
		t.Errorf("only %d inline styles", len(styles))
	}
}

func TestEmailTemplateValidation(t *testing.T) {
	base := func() EmailTemplate {
		return EmailTemplate{Name: "n", Subject: "s", Blocks: []EmailBlock{{Type: BlockText, Text: "x"}}}
	}
	cases := []struct {
		name  string
		edit  func(*EmailTemplate)
		field string
	}{
		{"no name", func(t *EmailTemplate) { t.Name = " " }, "name"},
		{"bad locale", func(t *EmailTemplate) { t.Locale = "fr" }, "locale"},
		{"no subject", func(t *EmailTemplate) { t.Subject = "" }, "subject"},
		{"env in subject", func(t *EmailTemplate) { t.Subject = "{{.Env}}" }, "subject"},
		{"unknown field", func(t *EmailTemplate) { t.Preheader = "{{password}}" }, "preheader"},
		{"no blocks", func(t *EmailTemplate) { t.Blocks = nil }, "blocks"},
		{"unknown type", func(t *EmailTemplate) { t.Blocks[0].Type = "video" }, "blocks[0].type"},
		{"readFile", func(t *EmailTemplate) { t.Blocks[0].Text = `{{ readFile "/etc/passwd" }}` }, "blocks[0].text"},
		{"javascript link in text", func(t *EmailTemplate) { t.Blocks[0].Text = "[x](javascript:void)" }, "blocks[0].text"},
		{"javascript button", func(t *EmailTemplate) {
			t.Blocks = append(t.Blocks, EmailBlock{Type: BlockButton, Label: "go", URL: "javascript:alert(1)"})
		}, "blocks[1].url"},
		{"data image", func(t *EmailTemplate) {
			t.Blocks = append(t.Blocks, EmailBlock{Type: BlockImage, Src: "data:image/png;base64,AAAA"})
		}, "blocks[1].src"},
		{"mailto image", func(t *EmailTemplate) {
			t.Blocks = append(t.Blocks, EmailBlock{Type: BlockImage, Src: "mailto:a@b.jp"})
		}, "blocks[1].src"},
		{"javascript image link", func(t *EmailTemplate) {
			t.Blocks = append(t.Blocks, EmailBlock{Type: BlockImage, Src: "https://x.jp/a.png", Link: "JavaScript:alert(1)"})
		}, "blocks[1].link"},
		{"field in host", func(t *EmailTemplate) {
			t.Blocks = append(t.Blocks, EmailBlock{Type: BlockButton, Label: "go", URL: "https://{{company}}.jp/"})
		}, "blocks[1].url"},
		{"bad colour", func(t *EmailTemplate) {
			t.Blocks = append(t.Blocks, EmailBlock{Type: BlockButton, Label: "go", URL: "https://x.jp", Color: "#fff"})
		}, "blocks[1].color"},
		{"nested columns", func(t *EmailTemplate) {
			t.Blocks = []EmailBlock{{Type: BlockColumns, Columns: [][]EmailBlock{{{Type: BlockColumns}}, {}}}}
		}, "blocks[0].columns[0][0].type"},
		{"one column", func(t *EmailTemplate) { t.Blocks = []EmailBlock{{Type: BlockColumns, Columns: [][]EmailBlock{{}}}} }, "blocks[0].columns"},
		{"bad block in column", func(t *EmailTemplate) {
			t.Blocks = []EmailBlock{{Type: BlockColumns, Columns: [][]EmailBlock{{}, {{Type: BlockText, Text: "{{x}}"}}}}}
		}, "blocks[0].columns[1][0].text"},
		{"too many blocks", func(t *EmailTemplate) {
			for range MaxEmailBlocks {
				t.Blocks = append(t.Blocks, EmailBlock{Type: BlockDivider})
			}
		}, "blocks"},
		{"long text", func(t *EmailTemplate) { t.Blocks[0].Text = strings.Repeat("あ", MaxEmailText+1) }, "blocks[0].text"},
		{"empty html", func(t *EmailTemplate) { t.Editor = EditorHTML }, "html"},
		{"bad editor", func(t *EmailTemplate) { t.Editor = "mjml" }, "editor"},
	}
	for _, c := range cases {
		tpl := base()
		c.edit(&tpl)
		tpl.Normalize()
		err := tpl.Validate()
		v, ok := AsValidation(err)
		if !ok || v.Fields[c.field] == "" {
			t.Errorf("%s: %v, want a message at %s", c.name, err, c.field)
		}
	}
	ok := base()
	ok.Blocks = append(ok.Blocks, EmailBlock{Type: BlockButton, Label: "{{given_name}}さん、申込", URL: "mailto:info@example.jp?subject={{company}}"})
	ok.Normalize()
	if err := ok.Validate(); err != nil {
		t.Errorf("a valid template: %v", err)
	}
}

func TestMergeProblemNamesThePlace(t *testing.T) {
	_, err := ParseMerge("a\nb {{passwd}}")
	if err == nil || err.Error() != "{{passwd}} is not a merge field; use one from the list (line 2)" {
		t.Errorf("err = %v", err)
	}
}

func TestSubjectCannotBreakHeaders(t *testing.T) {
	tpl := fixtureTemplate()
	r, err := CompileEmail(tpl)
	if err != nil {
		t.Fatal(err)
	}
	d := fixtureData()
	d["family_name"] = "山田\r\nBcc: victim@example.com\r\n"
	subj, _, _ := r.Render(d)
	if strings.ContainsAny(subj, "\r\n") || subj != "山田 Bcc: victim@example.com 様、10月のお知らせ" {
		t.Errorf("subject = %q", subj)
	}
}

func TestHTMLSourceModeKeepsTheSource(t *testing.T) {
	src := `<html><body style="x"><p>{{family_name}} 様</p><a href="https://x.jp/?n={{company | "御社"}}">x</a><script>bad()</script></body></html>`
	r, err := CompileEmail(EmailTemplate{Name: "h", Subject: "s", Preheader: "pre", Editor: EditorHTML, HTML: src})
	if err != nil {
		t.Fatal(err)
	}
	_, out, text := r.Render(emailtpl.Data{"family_name": "A&B"})
	want := `<html><body style="x"><div style="display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all;">pre</div>
<p>A&amp;B 様</p><a href="https://x.jp/?n=御社">x</a><script>bad()</script></body></html>`
	if out != want {
		t.Errorf("html:\n%s\nwant:\n%s", out, want)
	}
	if text != "A&B 様\n\nx (https://x.jp/?n=御社)" {
		t.Errorf("text = %q", text)
	}
}

// The plain text made once from the template equals the plain text of
// each recipient's HTML.
func TestPlainTextOnceEqualsPlainTextOfHTML(t *testing.T) {
	for _, tpl := range []EmailTemplate{fixtureTemplate(), {Name: "c", Subject: "s", Blocks: []EmailBlock{
		{Type: BlockText, Text: "{{#if owner_name}}担当：{{owner_name}}{{else}}担当未定{{/if}}\n\n[メール {{email}}](mailto:info@x.jp?subject={{email}})"}}}} {
		r, err := CompileEmail(tpl)
		if err != nil {
			t.Fatal(err)
		}
		if r.text == nil {
			t.Fatal("no text template")
		}
		for _, d := range []emailtpl.Data{fixtureData(), {}, {"owner_name": "佐藤", "email": "a&b@x.jp", "company": "<b>"}} {
			_, h, text := r.Render(d)
			if want := emailtpl.PlainText(h); text != want {
				t.Errorf("text:\n%s\nwant:\n%s", text, want)
			}
		}
	}
}

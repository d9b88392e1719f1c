package gen

import (
	"context"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// emailTemplatesExtension adds the marketing team's e-mail templates to
// the story (issue 8 §2): a newsletter, a seminar invitation, a nurture
// step and a follow-up signed by the contact's owner, in the workspace's
// language. The staff's e-mail signatures are written with the users
// (demoSignature). It draws no random numbers.
func emailTemplatesExtension(w *World) Extension { return &emailTemplates{w: w} }

type emailTemplates struct {
	w *World
	t *store.BulkTable
}

func (x *emailTemplates) Tables(ctx context.Context, b *store.Bulk) (err error) {
	x.t, err = b.Table(ctx, "email_templates", "id", "name", "locale", "subject", "preheader", "editor", "blocks", "html",
		"created_by", "created_at", "updated_at", "version")
	return err
}

func (x *emailTemplates) Company(context.Context, *Company, []Person) error { return nil }

// Done writes the templates.
func (x *emailTemplates) Done(ctx context.Context) error {
	w := x.w
	owner := w.Users[0].ID
	for _, u := range w.Users {
		if u.Role == crm.RoleMarketing {
			owner = u.ID
			break
		}
	}
	lang := crm.LangEN
	if w.ja() {
		lang = crm.LangJA
	}
	at := w.Now().AddDate(0, 0, -30).UnixMilli()
	for i, t := range demoEmailTemplates(lang) {
		if err := x.t.Add(ctx, int64(i+1), t.Name, string(t.Locale), t.Subject, t.Preheader, string(t.Editor),
			crm.BlocksJSON(t.Blocks), t.HTML, owner, at, at, 1); err != nil {
			return err
		}
	}
	return nil
}

// demoSignature is a staff member's e-mail signature.
func demoSignature(w *World, u User) string {
	if w.ja() {
		return u.Name + "\n" + w.Workspace + "\nTEL 03-6555-0100"
	}
	return u.Name + "\n" + w.Workspace + "\nPhone +81 3-6555-0100"
}

// demoEmailTemplates are the story's templates in one language.
func demoEmailTemplates(lang crm.Language) []crm.EmailTemplate {
	h := func(text string, level int) crm.EmailBlock {
		return crm.EmailBlock{Type: crm.BlockHeading, Text: text, Level: level}
	}
	p := func(lines ...string) crm.EmailBlock {
		return crm.EmailBlock{Type: crm.BlockText, Text: strings.Join(lines, "\n")}
	}
	btn := func(label, url, color string) crm.EmailBlock {
		return crm.EmailBlock{Type: crm.BlockButton, Label: label, URL: url, Color: color}
	}
	img := crm.EmailBlock{Type: crm.BlockImage, Src: "https://renkei.example/img/newsletter.png", Width: 552}
	hr := crm.EmailBlock{Type: crm.BlockDivider}
	cols := func(a, b []crm.EmailBlock) crm.EmailBlock {
		return crm.EmailBlock{Type: crm.BlockColumns, Columns: [][]crm.EmailBlock{a, b}}
	}
	t := func(name, subject, pre string, blocks ...crm.EmailBlock) crm.EmailTemplate {
		return crm.EmailTemplate{Name: name, Locale: lang, Subject: subject, Preheader: pre, Editor: crm.EditorBlocks, Blocks: blocks}
	}
	if lang == crm.LangJA {
		img.Alt = "連携ニュース 11月号"
		return []crm.EmailTemplate{
			t("ニュースレター（月刊）", "【連携ニュース】{{family_name}} 様、11月号をお届けします", "営業とマーケティングをつなぐ最新事例",
				img, h("{{company | \"御社\"}}の皆様へ、今月のトピック", 1),
				p("{{family_name}} 様", "", "いつもお世話になっております。{{workspace_name}}です。", "今月は**展示会での名刺を商談につなげる方法**をご紹介します。"),
				cols([]crm.EmailBlock{h("事例", 2), p("製造業A社：問い合わせから受注までの期間を30%短縮。")},
					[]crm.EmailBlock{h("新機能", 2), p("セグメント配信で、温度感の高いリードだけに届けられます。")}),
				btn("記事を読む", "https://renkei.example/news/2026-11?utm_source=newsletter", "blue"), hr,
				p("配信停止をご希望の方は、メール下部のリンクからお手続きください。")),
			t("セミナーのご案内", "{{family_name}} 様：無料セミナー「マーケと営業の連携」のご案内", "12月10日（水）オンライン開催",
				h("マーケと営業の連携で成約率を上げる", 1),
				p("{{company | \"御社\"}}", "{{family_name}} 様", "", "来月、オンラインセミナーを開催いたします。", "{{department | \"ご担当部署\"}}の皆様にもお役立ていただける内容です。"),
				cols([]crm.EmailBlock{h("日時", 2), p("12月10日（水）", "14:00〜15:00")},
					[]crm.EmailBlock{h("会場", 2), p("オンライン（Zoom）", "参加費：無料")}),
				btn("参加を申し込む", "https://renkei.example/seminar/2026-12?email={{email}}", "green")),
			t("育成メール：導入事例のご紹介", "{{family_name}} 様、同じ業界の導入事例をまとめました", "資料ダウンロードのお礼",
				h("資料をご覧いただきありがとうございます", 1),
				p("{{family_name}} 様", "", "先日は資料をダウンロードいただき、ありがとうございました。", "同じ業界の事例を3つまとめましたので、ぜひご覧ください。"),
				btn("事例を見る", "https://renkei.example/cases", "blue"),
				p("ご不明な点があれば、[担当者に連絡する](mailto:sales@renkei.example?subject=事例について)こともできます。")),
			t("商談後のフォローアップ", "{{company | \"御社\"}} {{family_name}} 様：本日はありがとうございました", "",
				p("{{company}}", "{{family_name}} 様", "", "本日はお時間をいただき、誠にありがとうございました。{{owner_name}}です。",
					"お打ち合わせでお話しした資料をお送りいたします。", "", "引き続きよろしくお願いいたします。"),
				btn("資料を開く", "https://renkei.example/docs/proposal", "black"), hr,
				p("{{#if owner_signature}}{{owner_signature}}{{else}}{{workspace_name}}{{/if}}")),
		}
	}
	img.Alt = "Renkei News, November"
	return []crm.EmailTemplate{
		t("Monthly newsletter", "{{given_name | \"Hello\"}}, your November news from {{workspace_name}}", "Stories of marketing and sales working together",
			img, h("This month for {{company | \"your team\"}}", 1),
			p("Hi {{given_name | \"there\"}},", "", "This month: **turning trade-show contacts into deals**."),
			cols([]crm.EmailBlock{h("Case study", 2), p("A manufacturer cut its lead-to-deal time by 30%.")},
				[]crm.EmailBlock{h("New", 2), p("Segment sends reach only your warmest leads.")}),
			btn("Read the article", "https://renkei.example/news/2026-11?utm_source=newsletter", "blue"), hr,
			p("To stop receiving these e-mails, use the link at the bottom.")),
		t("Seminar invitation", "{{given_name | \"Hello\"}}, join our free seminar on December 10", "Online, 14:00–15:00 JST",
			h("Close more deals when marketing and sales work together", 1),
			p("Dear {{full_name | \"customer\"}},", "", "We are holding an online seminar next month."),
			cols([]crm.EmailBlock{h("When", 2), p("Wednesday, December 10", "14:00–15:00 JST")},
				[]crm.EmailBlock{h("Where", 2), p("Online (Zoom)", "Free of charge")}),
			btn("Save my seat", "https://renkei.example/seminar/2026-12?email={{email}}", "green")),
		t("Nurture: customer stories", "{{given_name | \"Hello\"}}, stories from teams like yours", "Thanks for downloading our guide",
			h("Thanks for reading our guide", 1),
			p("Hi {{given_name | \"there\"}},", "", "We collected three stories from companies in your industry."),
			btn("See the stories", "https://renkei.example/cases", "blue"),
			p("Questions? [Write to us](mailto:sales@renkei.example?subject=Customer%20stories).")),
		t("Follow-up after a meeting", "Thank you for your time today, {{given_name | \"\"}}", "",
			p("Dear {{full_name}},", "", "Thank you for meeting with me today. As promised, here are the documents we discussed.", "", "Best regards,"),
			btn("Open the documents", "https://renkei.example/docs/proposal", "black"), hr,
			p("{{#if owner_signature}}{{owner_signature}}{{else}}{{workspace_name}}{{/if}}")),
	}
}

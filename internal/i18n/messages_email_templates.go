package i18n

import "strings"

// Messages of e-mail templates (issue 8 §2). Keep both maps in the same order.
var emailTemplatesEN = map[string]string{
	"etpl.title":                 "E-mail templates",
	"link.email_templates.title": "E-mail templates",
	"link.email_templates.text":  "Build newsletters and nurture mail from blocks or HTML, with merge fields, and preview them as a contact.",
	"etpl.intro":                 "A template is the message a broadcast or a sequence sends: blocks or HTML source, with merge fields such as {{family_name}} filled in for each recipient.",
	"etpl.new":                   "New template",
	"etpl.edit":                  "Edit template",
	"etpl.name":                  "Name",
	"etpl.subject":               "Subject",
	"etpl.subject_help":          "One line. Merge fields such as {{family_name}} are filled in for each recipient.",
	"etpl.preheader":             "Preheader",
	"etpl.preheader_help":        "The line most inboxes show after the subject; hidden in the message itself.",
	"etpl.locale":                "Language",
	"etpl.editor":                "Editor",
	"etpl.editor.blocks":         "Blocks",
	"etpl.editor.html":           "HTML source",
	"etpl.updated":               "Changed",
	"etpl.actions":               "Actions",
	"etpl.duplicate":             "Duplicate",
	"etpl.delete_confirm":        "Delete this template?",
	"etpl.none":                  "No templates yet",
	"etpl.none_text":             "Create a template: add a heading, a text with {{family_name}} 様, a button, and preview it as one of your contacts before you send.",
	"etpl.blocks":                "Blocks",
	"etpl.blocks_help":           "Add blocks, move them up or down, and fill in each one. Merge fields work in texts, labels, and after ? in addresses.",
	"etpl.needs_js":              "The block editor needs JavaScript; the HTML source mode works without it.",
	"etpl.html_help":             "Your HTML is sent as written. Use inline styles and tables: mail programs ignore scripts and most <style> rules.",
	"etpl.fields":                "Merge fields",
	"etpl.fields_help":           "Click a field to insert it where the cursor is. Add a fallback for empty values: {{company | \"御社\"}}.",
	"etpl.preview":               "Preview",
	"etpl.preview_as":            "Preview as",
	"etpl.contact":               "Contact",
	"etpl.plain_text":            "Plain-text part",
	"etpl.starter.heading":       "Hello {{given_name | \"there\"}}",
	"etpl.starter.text":          "Write your message here.\n\nBest regards,\n{{owner_signature}}",
	"etpl.color.blue":            "Blue",
	"etpl.color.green":           "Green",
	"etpl.color.orange":          "Orange",
	"etpl.color.red":             "Red",
	"etpl.color.black":           "Black",
	"etpl.b.add":                 "Add a block",
	"etpl.b.heading":             "Heading",
	"etpl.b.text":                "Text",
	"etpl.b.image":               "Image",
	"etpl.b.button":              "Button",
	"etpl.b.divider":             "Divider",
	"etpl.b.columns":             "Columns",
	"etpl.b.up":                  "Move up",
	"etpl.b.down":                "Move down",
	"etpl.b.remove":              "Remove block",
	"etpl.b.column":              "Column",
	"etpl.b.level":               "Size",
	"etpl.b.level1":              "Large",
	"etpl.b.level2":              "Small",
	"etpl.b.text_help":           "A blank line starts a new paragraph. **bold**, [link text](https://example.com).",
	"etpl.b.src":                 "Image address (https://…)",
	"etpl.b.alt":                 "Alternative text",
	"etpl.b.width":               "Width in pixels (up to 600; empty = full width)",
	"etpl.b.link":                "Link (optional)",
	"etpl.b.label":               "Label",
	"etpl.b.url":                 "Address (https://… or mailto:…)",
	"etpl.b.color":               "Colour",
	"etpl.b.columns_n":           "%s columns",
	"etpl.b.insert_field":        "Insert at the cursor",
	"etpl.b.empty":               "No blocks here yet.",
	"etpl.b.updating":            "Updating…",
	"etpl.b.sample":              "Sample values",
	"etpl.b.no_contact":          "That contact does not exist or you may not see it.",
	"etpl.b.search":              "Search by name, e-mail or company",
	"flash.etpl_saved":           "Template saved.",
	"flash.etpl_deleted":         "Template deleted.",
	"flash.etpl_duplicated":      "Template copied. You are editing the copy.",
	"flash.signature_saved":      "Signature saved.",
	"profile.signature":          "E-mail signature",
	"profile.signature.label":    "Signature",
	"profile.signature.help":     "Plain text, up to 1,000 characters. Templates show it to the contacts you own with {{owner_signature}}.",
}

var emailTemplatesJA = map[string]string{
	"etpl.title":                 "メールテンプレート",
	"link.email_templates.title": "メールテンプレート",
	"link.email_templates.text":  "ブロックまたは HTML で、差し込み項目入りのニュースレターや育成メールを作り、コンタクトとしてプレビューします。",
	"etpl.intro":                 "テンプレートは一斉配信や育成シナリオで送るメールです。ブロックまたは HTML ソースで作り、{{family_name}} などの差し込み項目は受信者ごとに置き換わります。",
	"etpl.new":                   "新しいテンプレート",
	"etpl.edit":                  "テンプレートを編集",
	"etpl.name":                  "名前",
	"etpl.subject":               "件名",
	"etpl.subject_help":          "1行で入力します。{{family_name}} などの差し込み項目は受信者ごとに置き換わります。",
	"etpl.preheader":             "プリヘッダー",
	"etpl.preheader_help":        "多くの受信箱で件名の後に表示される1行です。本文には表示されません。",
	"etpl.locale":                "言語",
	"etpl.editor":                "編集方法",
	"etpl.editor.blocks":         "ブロック",
	"etpl.editor.html":           "HTML ソース",
	"etpl.updated":               "更新日時",
	"etpl.actions":               "操作",
	"etpl.duplicate":             "複製",
	"etpl.delete_confirm":        "このテンプレートを削除しますか？",
	"etpl.none":                  "テンプレートはまだありません",
	"etpl.none_text":             "見出し、{{family_name}} 様 を含む本文、ボタンを追加してテンプレートを作り、送る前にコンタクトとしてプレビューしましょう。",
	"etpl.blocks":                "ブロック",
	"etpl.blocks_help":           "ブロックを追加し、上下に並べ替えて、それぞれの内容を入力します。差し込み項目は本文、ボタンの文言、アドレスの ? の後で使えます。",
	"etpl.needs_js":              "ブロックエディターには JavaScript が必要です。HTML ソースモードは JavaScript なしで使えます。",
	"etpl.html_help":             "HTML はそのまま送られます。インラインスタイルとテーブルを使ってください。メールソフトはスクリプトやほとんどの <style> を無視します。",
	"etpl.fields":                "差し込み項目",
	"etpl.fields_help":           "項目をクリックするとカーソル位置に挿入されます。空のときの代わりの文字も指定できます：{{company | \"御社\"}}。",
	"etpl.preview":               "プレビュー",
	"etpl.preview_as":            "プレビューするコンタクト",
	"etpl.contact":               "コンタクト",
	"etpl.plain_text":            "テキストパート",
	"etpl.starter.heading":       "{{company | \"御社\"}} {{family_name}} 様",
	"etpl.starter.text":          "いつもお世話になっております。\n\nここに本文を書きます。\n\n{{owner_signature}}",
	"etpl.color.blue":            "青",
	"etpl.color.green":           "緑",
	"etpl.color.orange":          "オレンジ",
	"etpl.color.red":             "赤",
	"etpl.color.black":           "黒",
	"etpl.b.add":                 "ブロックを追加",
	"etpl.b.heading":             "見出し",
	"etpl.b.text":                "本文",
	"etpl.b.image":               "画像",
	"etpl.b.button":              "ボタン",
	"etpl.b.divider":             "区切り線",
	"etpl.b.columns":             "段組み",
	"etpl.b.up":                  "上へ",
	"etpl.b.down":                "下へ",
	"etpl.b.remove":              "ブロックを削除",
	"etpl.b.column":              "列",
	"etpl.b.level":               "大きさ",
	"etpl.b.level1":              "大",
	"etpl.b.level2":              "小",
	"etpl.b.text_help":           "空行で段落が分かれます。**太字**、[リンク文字](https://example.jp)。",
	"etpl.b.src":                 "画像のアドレス（https://…）",
	"etpl.b.alt":                 "代替テキスト",
	"etpl.b.width":               "幅（ピクセル、600まで。空欄＝全幅）",
	"etpl.b.link":                "リンク（任意）",
	"etpl.b.label":               "文言",
	"etpl.b.url":                 "アドレス（https://… または mailto:…）",
	"etpl.b.color":               "色",
	"etpl.b.columns_n":           "%s 列",
	"etpl.b.insert_field":        "カーソル位置に挿入",
	"etpl.b.empty":               "まだブロックはありません。",
	"etpl.b.updating":            "更新中…",
	"etpl.b.sample":              "サンプルの値",
	"etpl.b.no_contact":          "そのコンタクトは存在しないか、閲覧できません。",
	"etpl.b.search":              "名前・メール・会社名で検索",
	"flash.etpl_saved":           "テンプレートを保存しました。",
	"flash.etpl_deleted":         "テンプレートを削除しました。",
	"flash.etpl_duplicated":      "テンプレートを複製しました。複製を編集しています。",
	"flash.signature_saved":      "署名を保存しました。",
	"profile.signature":          "メール署名",
	"profile.signature.label":    "署名",
	"profile.signature.help":     "テキストで1,000文字まで。担当するコンタクトへのメールで {{owner_signature}} として表示されます。",
}

// emailTemplatesErrorsJA translates the field messages of templates; they
// join errorsJA (errors_ja.go) when the package starts.
var emailTemplatesErrorsJA = map[string]string{
	"enter a subject":                                           "件名を入力してください。",
	"use at most 200 characters":                                "200文字以内にしてください。",
	"use at most 60 characters":                                 "60文字以内にしてください。",
	"use at most 10,000 characters":                             "10,000文字以内にしてください。",
	"use at most 2,000 characters":                              "2,000文字以内にしてください。",
	"enter the HTML of the message":                             "メールの HTML を入力してください。",
	"the HTML is larger than 200 KB":                            "HTML が200KBを超えています。",
	"choose blocks or html":                                     "ブロックか HTML ソースを選んでください。",
	"add at least one block":                                    "ブロックを1つ以上追加してください。",
	"use at most 60 blocks":                                     "ブロックは60個までです。",
	"enter the heading":                                         "見出しを入力してください。",
	"choose a large or a small heading":                         "見出しの大きさを選んでください。",
	"enter the text":                                            "本文を入力してください。",
	"enter a width from 1 to 600 pixels, or leave it empty":     "幅は1〜600ピクセルで入力するか、空欄にしてください。",
	"enter the button's label":                                  "ボタンの文言を入力してください。",
	"choose one of the colours":                                 "色を選んでください。",
	"columns cannot hold columns":                               "段組みの中に段組みは入れられません。",
	"use 2 or 3 columns":                                        "2列か3列にしてください。",
	"choose a heading, text, image, button, divider or columns": "見出し・本文・画像・ボタン・区切り線・段組みから選んでください。",
	"enter the image's address (https://…)":                     "画像のアドレス（https://…）を入力してください。",
	"enter the address the link opens (https://…)":              "リンク先のアドレス（https://…）を入力してください。",
	"an address cannot hold spaces, quotes or < >":              "アドレスに空白・引用符・< > は使えません。",
	"merge fields may only be used after ? in an address":       "アドレスの差し込み項目は ? の後でだけ使えます。",
	"is not a valid address":                                    "正しいアドレスではありません。",
	"use an http:// or https:// address":                        "http:// または https:// のアドレスを使ってください。",
	"use an http://, https:// or mailto: address":               "http://、https://、mailto: のいずれかのアドレスを使ってください。",
	"the blocks are not valid JSON":                             "ブロックの形式が正しくありません。",
	"use at most 1,000 characters":                              "1,000文字以内にしてください。",
	"must be a contact id":                                      "コンタクトの ID を指定してください。",
}

// mergeErrorJA translates the messages about merge tags, which carry the
// tag and the line: "{{x}} is not a merge field; use one from the list
// (line 2)". It reports false for other messages.
func mergeErrorJA(msg string) (string, bool) {
	line := ""
	if i := strings.LastIndex(msg, " (line "); i >= 0 && strings.HasSuffix(msg, ")") {
		line = "（" + msg[i+len(" (line "):len(msg)-1] + "行目）"
		msg = msg[:i]
	}
	var out string
	switch {
	case strings.HasSuffix(msg, "}} is not a merge field; use one from the list"):
		out = strings.TrimSuffix(msg, " is not a merge field; use one from the list") + " は差し込み項目ではありません。一覧の項目を使ってください。"
	case msg == "{{ is not closed with }}":
		out = "{{ が }} で閉じられていません。"
	case msg == "a {{…}} tag must stay on one line":
		out = "{{…}} は1行に収めてください。"
	case strings.HasSuffix(msg, " without {{#if …}}"):
		out = "{{#if …}} のない " + strings.TrimSuffix(msg, " without {{#if …}}") + " があります。"
	case strings.HasPrefix(msg, "{{#if ") && strings.HasSuffix(msg, " is not closed with {{/if}}"):
		out = strings.TrimSuffix(msg, " is not closed with {{/if}}") + " が {{/if}} で閉じられていません。"
	case msg == "conditionals are nested too deeply":
		out = "{{#if}} の入れ子が深すぎます。"
	case strings.HasPrefix(msg, "the fallback of {{"):
		name, _, _ := strings.Cut(strings.TrimPrefix(msg, "the fallback of {{"), "}}")
		out = "{{" + name + "}} の代わりの文字は {{" + name + ` | "お客様"}} のように二重引用符で囲んでください。`
	case strings.HasPrefix(msg, "empty {{ }}"):
		out = "空の {{ }} があります。{{family_name}} のように項目名を書いてください。"
	case strings.HasPrefix(msg, "the template is larger than"):
		out = "テンプレートが大きすぎます（512KBまで）。"
	default:
		return "", false
	}
	return out + line, true
}

func init() {
	for k, v := range emailTemplatesErrorsJA {
		if _, ok := errorsJA[k]; !ok {
			errorsJA[k] = v
		}
	}
}

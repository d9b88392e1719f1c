package i18n

// Messages of the recipient side of marketing e-mail: the unsubscribe and
// preference pages, timeline entries, and the settings pages of topics,
// suppressions, the bounce webhook and the domain check. Keep both maps in
// the same order.
var emailRecipientsEN = map[string]string{
	"email.public.footer":              "Sent by Renkei on behalf of the sender.",
	"email.unsub.title":                "Unsubscribe",
	"email.unsub.ask":                  "Stop marketing e-mail to %s? Press the button to confirm.",
	"email.unsub.already":              "%s is unsubscribed: no more marketing e-mail is sent to it.",
	"email.unsub.confirm":              "Unsubscribe",
	"email.unsub.done":                 "You are unsubscribed",
	"email.unsub.done_text":            "No more marketing e-mail will be sent to %s. Messages already on their way may still arrive within a minute.",
	"email.unsub.preferences":          "Choose which e-mails you receive instead",
	"email.prefs.title":                "E-mail preferences",
	"email.prefs.text":                 "Choose the e-mails %s receives. Untick a topic to stop it.",
	"email.prefs.unsubscribed":         "%s is unsubscribed from all marketing e-mail. To receive it again, sign up once more through one of our forms.",
	"email.prefs.everything":           "Unsubscribe from all marketing e-mail",
	"email.prefs.save":                 "Save",
	"email.prefs.saved":                "Your choices are saved.",
	"email.prefs.no_topics":            "There are no topics to choose from.",
	"email.link.invalid":               "This link is not valid",
	"email.link.invalid_text":          "The link may be incomplete or out of date. Copy the whole link from the e-mail, or reply to the e-mail to ask to be removed.",
	"timeline.kind.email_unsubscribed": "Unsubscribed from marketing e-mail",
	"timeline.kind.email_preferences":  "Changed e-mail preferences",
	"timeline.kind.email_opened":       "Opened a marketing e-mail",
	"timeline.kind.email_clicked":      "Clicked a link in a marketing e-mail",
	"timeline.kind.email_bounced":      "Marketing e-mail bounced",
	"timeline.kind.email_complained":   "Marked a marketing e-mail as spam",
	"timeline.kind.email_replied":      "Replied to an e-mail",
	"timeline.email.via":               "via %s",
	"timeline.email.opted_out":         "Opted out of: %s",
	"segments.field.email_engagement":  "Marketing e-mail",
	"segments.email.opened":            "opened",
	"segments.email.clicked":           "clicked",
	"segments.email.opened_or_clicked": "opened or clicked",
}

var emailRecipientsJA = map[string]string{
	"email.public.footer":              "送信者に代わり Renkei から送信しています。",
	"email.unsub.title":                "配信停止",
	"email.unsub.ask":                  "%s へのマーケティングメールを停止しますか？ボタンを押すと確定します。",
	"email.unsub.already":              "%s は配信停止済みです。マーケティングメールはもう送信されません。",
	"email.unsub.confirm":              "配信を停止する",
	"email.unsub.done":                 "配信を停止しました",
	"email.unsub.done_text":            "%s へのマーケティングメールは今後送信されません。送信処理中のメールが1分以内に届くことがあります。",
	"email.unsub.preferences":          "受け取るメールを選ぶ",
	"email.prefs.title":                "メール配信の設定",
	"email.prefs.text":                 "%s が受け取るメールを選んでください。チェックを外したトピックは届かなくなります。",
	"email.prefs.unsubscribed":         "%s はすべてのマーケティングメールを配信停止しています。再び受け取るには、フォームから改めてお申し込みください。",
	"email.prefs.everything":           "すべてのマーケティングメールを停止する",
	"email.prefs.save":                 "保存",
	"email.prefs.saved":                "設定を保存しました。",
	"email.prefs.no_topics":            "選べるトピックはありません。",
	"email.link.invalid":               "このリンクは無効です",
	"email.link.invalid_text":          "リンクが途中で切れているか、古くなっている可能性があります。メール内のリンクをすべてコピーするか、メールに返信して配信停止をご依頼ください。",
	"timeline.kind.email_unsubscribed": "マーケティングメールの配信停止",
	"timeline.kind.email_preferences":  "メール配信設定の変更",
	"timeline.kind.email_opened":       "マーケティングメールを開封",
	"timeline.kind.email_clicked":      "マーケティングメールのリンクをクリック",
	"timeline.kind.email_bounced":      "マーケティングメールの不達（バウンス）",
	"timeline.kind.email_complained":   "マーケティングメールを迷惑メールとして報告",
	"timeline.kind.email_replied":      "メールに返信",
	"timeline.email.via":               "経路：%s",
	"timeline.email.opted_out":         "停止したトピック：%s",
	"segments.field.email_engagement":  "マーケティングメール",
	"segments.email.opened":            "開封した",
	"segments.email.clicked":           "クリックした",
	"segments.email.opened_or_clicked": "開封またはクリックした",
}

// emailRecipientsErrorsJA translates the field messages of topics,
// bounces and the suppression list.
var emailRecipientsErrorsJA = map[string]string{
	"use lower-case letters, digits and _, starting with a letter (at most 40)": "英小文字で始め、英小文字・数字・_ で入力してください（40文字まで）。",
	"enter a name in Japanese or English":                                       "日本語名か英語名を入力してください。",
	"use at most 100 characters":                                                "100文字以内にしてください。",
	"use at most 500 characters":                                                "500文字以内にしてください。",
	"this key is taken; choose another":                                         "このキーは使われています。別のキーにしてください。",
	"enter a valid e-mail address":                                              "正しいメールアドレスを入力してください。",
	"choose hard, soft or complaint":                                            "hard・soft・complaint のいずれかにしてください。",
	"paste at least one address":                                                "メールアドレスを1件以上貼り付けてください。",
	"enter a domain such as example.jp":                                         "example.jp のようにドメインを入力してください。",
	"enter a selector such as renkei (letters, digits, - and .)":                "renkei のようにセレクタを入力してください（英数字・-・.）。",
}

func init() {
	for k, v := range emailRecipientsErrorsJA {
		if _, ok := errorsJA[k]; !ok {
			errorsJA[k] = v
		}
	}
}

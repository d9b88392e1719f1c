package i18n

// errorsJA translates the field messages of the domain (crm, app, mail)
// and of the web forms, which are written in English, into Japanese.
// A message missing here is shown in English.
var errorsJA = map[string]string{
	// crm: names, e-mail, passwords.
	"is required":                "入力してください。",
	"is too long":                "長すぎます。",
	"must be on one line":        "改行を含めないでください。",
	"use at least 10 characters": "10文字以上にしてください。",
	"use at most 1024 bytes":     "長すぎます（1024バイトまで）。",
	"enter an e-mail address such as taro@example.jp": "taro@example.jp のような形式でメールアドレスを入力してください。",
	"enter an e-mail address such as you@example.com": "you@example.com のような形式でメールアドレスを入力してください。",
	"enter the e-mail address you sign in with":       "ログインに使うメールアドレスを入力してください。",
	"enter an e-mail address":                         "メールアドレスを入力してください。",
	"a user with this e-mail address exists already":  "このメールアドレスのユーザーはすでに登録されています。",
	"no user has this e-mail address":                 "このメールアドレスのユーザーはいません。",
	"this user is not active":                         "このユーザーは有効ではありません。",

	// crm: workspace.
	"choose ja or en": "日本語または English を選んでください。",
	"is not a known time zone (e.g. Asia/Tokyo)":        "不明なタイムゾーンです（例：Asia/Tokyo）。",
	"must be a month from 1 to 12":                      "1〜12月から選んでください。",
	"must be a three-letter currency code such as JPY":  "JPY のような3文字の通貨コードを入力してください。",
	"must be a three-letter currency code such as USD":  "USD のような3文字の通貨コードを入力してください。",
	"must be T followed by 13 digits":                   "T に続けて13桁の数字を入力してください。",
	"choose at least one working day":                   "営業日を1日以上選んでください。",
	"business hours must end after they start":          "終了時刻は開始時刻より後にしてください。",
	"business hours must end by 24:00":                  "終了時刻は24:00までにしてください。",
	"business hours must start between 00:00 and 24:00": "開始時刻は00:00〜24:00の間にしてください。",
	"choose workspace or team":                          "「ワークスペース全員」か「自チームのみ」を選んでください。",
	"is the base currency already":                      "基準通貨と同じです。",
	"must be a positive number":                         "正の数を入力してください。",

	// app: accounts, teams.
	"the current password is not right":                                         "現在のパスワードが正しくありません。",
	"the code is not right; use the current 6-digit code from your app":         "コードが正しくありません。アプリに表示されている最新の6桁のコードを入力してください。",
	"the code is not right; check your device's clock and try the current code": "コードが正しくありません。端末の時刻を確認し、最新のコードを入力してください。",
	"start the set-up first":                                                    "先に設定を開始してください。",
	"choose admin, marketing, sales or viewer":                                  "管理者、マーケティング、セールス、閲覧のみ のいずれかを選んでください。",
	"this is the last active admin; make someone else admin first":              "最後の管理者です。先にほかの人を管理者にしてください。",
	"an invited user becomes active by accepting the invitation":                "招待中のユーザーは、招待を承諾すると有効になります。",
	"choose active or deactivated":                                              "「有効」か「無効」を選んでください。",
	"this team does not exist":                                                  "このチームは存在しません。",
	"this user does not exist":                                                  "このユーザーは存在しません。",
	"a team with this name exists already":                                      "同じ名前のチームがすでにあります。",
	"save the SMTP settings first":                                              "先にSMTPの設定を保存してください。",

	// mail: SMTP settings.
	"must be a host name or address":                      "ホスト名またはIPアドレスを入力してください。",
	"must be a port number such as 587":                   "587 のようなポート番号を入力してください。",
	"choose starttls, tls or none":                        "暗号化の方式を選んでください。",
	"enter the sender's address, such as info@example.jp": "info@example.jp のような送信元アドレスを入力してください。",

	// web: form parsing.
	"the two passwords are not the same":                        "2つのパスワードが一致しません。",
	"enter a time such as 09:00":                                "09:00 のような形式で時刻を入力してください。",
	"enter a time such as 18:00":                                "18:00 のような形式で時刻を入力してください。",
	"write one date per line as YYYY-MM-DD":                     "1行に1日ずつ、YYYY-MM-DD の形式で入力してください。",
	"enter a date such as 2026-04-01":                           "2026-04-01 のような形式で日付を入力してください。",
	"choose a user":                                             "ユーザーを選んでください。",
	"the form could not be read; reload the page and try again": "フォームを読み取れませんでした。ページを再読み込みしてもう一度お試しください。",
}

// errorsEN rewrites the domain's English fragments that do not read as a
// sentence on their own under a field.
var errorsEN = map[string]string{
	"is required":                                      "Please fill this in.",
	"is too long":                                      "This is too long.",
	"must be on one line":                              "Keep this on one line.",
	"is the base currency already":                     "This is the base currency already.",
	"is not a known time zone (e.g. Asia/Tokyo)":       "This is not a known time zone (e.g. Asia/Tokyo).",
	"must be a month from 1 to 12":                     "Choose a month from 1 to 12.",
	"must be a three-letter currency code such as JPY": "Use a three-letter currency code such as JPY.",
	"must be a three-letter currency code such as USD": "Use a three-letter currency code such as USD.",
	"must be T followed by 13 digits":                  "Enter T followed by 13 digits.",
	"must be a positive number":                        "Enter a positive number.",
	"must be a host name or address":                   "Enter a host name or an IP address.",
	"must be a port number such as 587":                "Enter a port number such as 587.",
	"business hours must end after they start":         "Business hours must end after they start.",
}

package app

import (
	"fmt"
	"sort"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/mail"
)

// optInMail asks a person to confirm their consent (double opt-in), in the
// language they saw the form in.
func optInMail(lang crm.Language, fm crm.Form, to, link string) mail.Message {
	m := mail.Message{To: to}
	title := fm.Title(lang)
	if lang == crm.LangJA {
		m.Subject = "【確認】" + title + "：メール配信の登録を完了してください"
		m.Text = "「" + title + "」からのお申し込みありがとうございます。\n" +
			"次のリンクを開いて、メールでのご案内の受け取りを確認してください（7日間有効）。\n\n" + link +
			"\n\nお心当たりがない場合は、このメールを破棄してください。確認するまで配信はいたしません。\n"
		return m
	}
	m.Subject = "Please confirm: " + title
	m.Text = "Thank you for your submission of \"" + title + "\".\n" +
		"Open this link to confirm that you want to receive our e-mails (valid for 7 days):\n\n" + link +
		"\n\nIf it wasn't you, ignore this e-mail: we send nothing until you confirm.\n"
	return m
}

// notifyMail tells staff about a submission.
func notifyMail(lang crm.Language, fm crm.Form, c crm.Contact, vals map[string]string, created bool, link string) mail.Message {
	var b strings.Builder
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	labels := map[string]string{}
	for _, f := range fm.Fields {
		labels[f.Key] = f.Label(lang)
	}
	for _, f := range fm.Fields {
		if v, ok := vals[f.Key]; ok {
			label := labels[f.Key]
			if f.Key == crm.FieldConsent {
				label = map[crm.Language]string{crm.LangJA: "同意", crm.LangEN: "Consent"}[lang]
			}
			fmt.Fprintf(&b, "%s: %s\n", oneLine(label), v)
		}
	}
	who := c.Email
	if n := c.Name(lang); n != "" {
		who = n + " <" + c.Email + ">"
	}
	m := mail.Message{}
	if lang == crm.LangJA {
		m.Subject = "【Renkei】フォーム「" + fm.Name + "」に送信がありました：" + who
		state := "既存のコンタクトを更新しました。"
		if created {
			state = "新しいコンタクトを作成しました。"
		}
		m.Text = "フォーム「" + fm.Name + "」に送信がありました。" + state + "\n\n" + b.String() + "\nコンタクト: " + link + "\n"
		return m
	}
	m.Subject = "[Renkei] New submission of " + fm.Name + ": " + who
	state := "An existing contact was updated."
	if created {
		state = "A new contact was created."
	}
	m.Text = "The form \"" + fm.Name + "\" was submitted. " + state + "\n\n" + b.String() + "\nContact: " + link + "\n"
	return m
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

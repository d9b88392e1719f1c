package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/mailtoken"
	"renkei/internal/store"
)

// TestUnsubscribeBrowser opens an unsubscribe link in Chromium: the page
// asks first (in the contact's language), the button unsubscribes, and
// the contact's page shows consent withdrawn and the timeline entry. Then
// the preference centre of an English-speaking contact: one topic off,
// saved.
func TestUnsubscribeBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}
	if _, err := a.CreateProperty(ctx, ac, crm.Property{Object: "contact", Key: "language", LabelJA: "言語", LabelEN: "Language", Type: crm.PropText}); err != nil {
		t.Fatal(err)
	}
	for _, tp := range []store.EmailTopic{
		{Key: "newsletter", NameJA: "ニュースレター", NameEN: "Newsletter", DescriptionJA: "月に一度の製品情報", DescriptionEN: "Product news once a month"},
		{Key: "seminars", NameJA: "セミナー案内", NameEN: "Seminar invitations", DescriptionJA: "オンラインセミナーのご案内", DescriptionEN: "Our online seminars"},
	} {
		if _, err := a.CreateEmailTopic(ctx, ac, tp); err != nil {
			t.Fatal(err)
		}
	}
	secret, err := a.MailSecret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recipient := func(email, family string, props map[string]any) (crm.Contact, string) {
		c, err := a.CreateContact(ctx, ac, app.ContactInput{Contact: crm.Contact{Email: email, Consent: crm.ConsentGranted,
			PersonName: crm.PersonName{Family: family, Given: "花子"}}, Props: props})
		if err != nil {
			t.Fatal(err)
		}
		m := store.RecipientMessage{SourceType: "broadcast", SourceID: 1, ContactID: c.ID, Email: c.Email, Status: "sent",
			MessageID: "<" + email + "@mail.example.jp>"}
		if err := a.Store.InTx(ctx, func(tx *store.Tx) error { return tx.QueueTestMessage(ctx, &m, a.Clock()) }); err != nil {
			t.Fatal(err)
		}
		return c, mailtoken.Sign(secret, mailtoken.Unsubscribe, m.ID, c.ID, "")
	}
	ja, jaTok := recipient("yamada@example.jp", "山田", nil)
	en, enTok := recipient("smith@example.com", "Smith", map[string]any{"language": "en"})

	tb := h.newTab(t)
	if st := tb.open(mailtoken.UnsubscribePath(jaTok)); st != 200 {
		t.Fatalf("unsubscribe page: %d", st)
	}
	tb.wantPage(mailtoken.UnsubscribePath(jaTok), "ya***@example.jp へのマーケティングメールを停止しますか")
	tb.shot("email-unsubscribe-ja")
	if c, _ := a.Store.Contact(ctx, ja.ID); c.Consent != crm.ConsentGranted {
		t.Fatalf("opening the page changed consent to %s", c.Consent)
	}
	if st := tb.submit("form button[type=submit]"); st != 200 {
		t.Fatalf("confirm: %d", st)
	}
	tb.wantPage(mailtoken.UnsubscribePath(jaTok), "配信を停止しました")
	tb.shot("email-unsubscribed-ja")
	if c, _ := a.Store.Contact(ctx, ja.ID); c.Consent != crm.ConsentWithdrawn {
		t.Fatalf("consent after confirming = %s", c.Consent)
	}

	// Staff see it on the contact.
	tb.signIn(adminEmail, adminPassword)
	tb.open(fmt.Sprintf("/contacts/%d", ja.ID))
	body := tb.text("body")
	for _, want := range []string{"撤回", "マーケティングメールの配信停止"} {
		if !strings.Contains(body, want) {
			t.Errorf("the contact page does not show %q:\n%.2000s", want, body)
		}
	}
	tb.shot("email-unsubscribe-timeline-ja")

	// The preference centre, in English for an English-speaking contact.
	tb.open(mailtoken.UnsubscribePath(enTok))
	tb.wantPage(mailtoken.UnsubscribePath(enTok), "Stop marketing e-mail to sm***@example.com?")
	tb.shot("email-unsubscribe-en")
	tb.open("/e/p/" + enTok)
	tb.wantPage("/e/p/"+enTok, "Product news once a month")
	tb.shot("email-preferences-en")
	tb.click(`input[name=topic][value=newsletter]`)
	if st := tb.submit("form button[type=submit]"); st != 200 {
		t.Fatalf("save preferences: %d", st)
	}
	tb.wantPage("/e/p/"+enTok, "Your choices are saved.")
	tb.shot("email-preferences-saved-en")
	got, err := a.Marketable(ctx, []int64{en.ID}, "newsletter")
	if err != nil || got[en.ID] != app.NotMarketableTopic {
		t.Errorf("newsletter after opting out: %v %v", got, err)
	}
	if got, _ := a.Marketable(ctx, []int64{en.ID}, "seminars"); got[en.ID] != "" {
		t.Errorf("seminars: %v", got)
	}
	tb.open("/e/p/" + jaTok)
	tb.wantPage("/e/p/"+jaTok, "すべてのマーケティングメールを配信停止しています")
	tb.shot("email-preferences-unsubscribed-ja")

	// The settings page.
	tb.open("/settings/email-delivery")
	tb.wantPage("/settings/email-delivery", "配信停止リスト")
	tb.shot("email-delivery-settings-ja")
}

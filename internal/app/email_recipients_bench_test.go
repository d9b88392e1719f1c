package app

import (
	"fmt"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/mailtoken"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// BenchmarkRecordOpen: one open pixel fetch (verify, record, first-open
// timeline and score event on the first) on the configured database.
func BenchmarkRecordOpen(b *testing.B) {
	f := newRecipientFixtureB(b)
	m := f.sent[f.hanako.ID]
	tok := mailtoken.Sign(f.secret, mailtoken.Open, m.ID, f.hanako.ID, "")
	b.ResetTimer()
	for range b.N {
		if err := f.app.RecordOpen(ctx, tok, "Mozilla/5.0 (Windows NT 10.0) Chrome/126.0", "192.0.2.1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarketable1000: the sender's check of a claimed batch of 1,000
// contacts (consent, suppression, one topic).
func BenchmarkMarketable1000(b *testing.B) {
	f := newRecipientFixtureB(b)
	if _, err := f.app.CreateEmailTopic(ctx, f.owner, store.EmailTopic{Key: "newsletter", NameEN: "News"}); err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, 0, 1000)
	for i := range 1000 {
		c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: fmt.Sprintf("bench%d@example.jp", i),
			Consent: crm.ConsentGranted}})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	b.ResetTimer()
	for range b.N {
		got, err := f.app.Marketable(ctx, ids, "newsletter")
		if err != nil || len(got) != 1000 || got[ids[0]] != "" {
			b.Fatal(err, len(got))
		}
	}
}

// newRecipientFixtureB is newRecipientFixture for a benchmark.
func newRecipientFixtureB(b *testing.B) *recipientFixture {
	b.Helper()
	c := newClock()
	a := New(Config{Store: storetest.Open(b), Clock: c.Now, BaseURL: testBaseURL})
	tok, _, err := a.Setup(ctx, SetupInput{WorkspaceName: "ベンチ", Language: "ja", Name: "Owner", Email: "owner@example.jp",
		Password: testPassword}, "192.0.2.1", "test")
	if err != nil {
		b.Fatal(err)
	}
	ac, err := a.Authenticate(ctx, tok, "192.0.2.1")
	if err != nil {
		b.Fatal(err)
	}
	return withRecipients(b, &fixture{app: a, clock: c, owner: ac, ownerToken: tok})
}

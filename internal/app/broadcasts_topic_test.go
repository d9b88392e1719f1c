package app

import (
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// TestBroadcastTopic: a broadcast's topic must be a topic of the
// preference centre (another key is refused per field, on create and on
// update, and nothing is saved); queueing leaves out the contacts who
// opted out of it, and one who opts out after queueing is dropped when a
// sender claims the message.
func TestBroadcastTopic(t *testing.T) {
	f := newSendFixture(t, 4, nil)
	a := f.app
	bad := crm.Broadcast{Name: "セミナー", Subject: "ご案内", HTML: "<p>x</p>", IncludeIDs: []int64{f.list.ID}, Topic: "seminars"}
	if _, err := a.CreateBroadcast(ctx, f.owner, bad); err == nil {
		t.Fatal("a broadcast with an unknown topic was saved")
	} else if v, ok := crm.AsValidation(err); !ok || v.Fields["topic"] != "is not a topic of the preference centre" {
		t.Fatalf("unknown topic: %v", err)
	}
	if n := count(t, a.Store, "SELECT COUNT(*) FROM broadcasts"); n != 0 {
		t.Fatalf("%d broadcasts saved", n)
	}
	topic, err := a.CreateEmailTopic(ctx, f.owner, store.EmailTopic{Key: "seminars", NameJA: "セミナー案内"})
	if err != nil {
		t.Fatal(err)
	}
	optOut := func(contactID int64) {
		t.Helper()
		if err := a.Store.InTx(ctx, func(tx *store.Tx) error {
			return tx.SetTopicOptOuts(ctx, contactID, []int64{topic.ID}, f.clock.Now())
		}); err != nil {
			t.Fatal(err)
		}
	}
	optOut(f.ids[0])
	b := f.broadcast(t, func(b *crm.Broadcast) { b.Topic = "seminars" })
	if b.Topic != "seminars" {
		t.Fatalf("topic saved as %q", b.Topic)
	}
	changed := b
	changed.Topic = "webinars"
	if _, err := a.UpdateBroadcast(ctx, f.owner, changed); err == nil {
		t.Fatal("changed to an unknown topic")
	} else if v, ok := crm.AsValidation(err); !ok || v.Fields["topic"] == "" {
		t.Fatalf("update to an unknown topic: %v", err)
	}
	if got, _ := a.Store.Broadcast(ctx, b.ID); got.Topic != "seminars" {
		t.Errorf("topic after a refused update: %q", got.Topic)
	}

	n, err := a.QueueBroadcast(ctx, b, nil)
	if err != nil || n != 3 {
		t.Fatalf("queued %d, %v; want 3 (the one who opted out is left out)", n, err)
	}
	optOut(f.ids[1]) // after queueing, before sending
	if err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetBroadcastStatus(ctx, b.ID, []crm.BroadcastStatus{crm.BroadcastDraft}, crm.BroadcastSending, f.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	f.run(t, nil)
	f.waitStatus(t, b.ID, crm.BroadcastSent, 30*time.Second)
	for i, want := range []int{0, 0, 1, 1} {
		if got := f.smtp.Count(f.emails[i]); got != want {
			t.Errorf("%s got %d messages, want %d", f.emails[i], got, want)
		}
	}
	if st, _ := msgStatus(t, a.Store, b.ID, f.emails[1]); st != store.MsgSuppressed {
		t.Errorf("the message to the one who opted out after queueing is %s, want suppressed", st)
	}
}

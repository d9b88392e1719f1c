package gen

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// streamWebhooks is the random stream of the webhook story.
const streamWebhooks = 150

// webhookLogDays is how far back the delivery log goes: the retention run
// keeps 30 days of it.
const webhookLogDays = 29

// webhooksExtension adds two webhooks, a chat tool told about every new MQL
// and a data warehouse that receives every event, with the last month of
// their delivery log: most deliveries went through at once, some after a
// retry, a few failed. Both webhooks are turned off, so a running demo calls
// nobody (their URLs are under example.com anyway).
func webhooksExtension(w *World) Extension { return &webhooksExt{w: w} }

type webhooksExt struct {
	w          *World
	hooks, log *store.BulkTable
	next       int64 // next delivery id
}

const (
	demoChatHook      = 1
	demoWarehouseHook = 2
)

func (x *webhooksExt) Tables(ctx context.Context, b *store.Bulk) (err error) {
	x.hooks, err = b.Table(ctx, "webhooks", "id", "name", "url", "events", "secret", "active", "created_by", "created_at", "updated_at")
	if err != nil {
		return err
	}
	x.log, err = b.Table(ctx, "webhook_deliveries", "id", "webhook_id", "uid", "event", "event_id", "contact_id", "payload", "status",
		"attempts", "next_attempt_at", "last_attempt_at", "response_code", "response_body", "duration_ms", "error", "created_at")
	if err != nil {
		return err
	}
	created := x.w.Now().AddDate(0, 0, -60).UnixMilli()
	owner := x.w.Users[0].ID
	chat, warehouse := "Slack #sales", "Data warehouse"
	if x.w.Lang() == crm.LangJA {
		chat, warehouse = "Slack #営業", "データウェアハウス"
	}
	// Demo secrets: fixed, and useless (the webhooks are off).
	if err := x.hooks.Add(ctx, int64(demoChatHook), chat, "https://hooks.example.com/services/renkei-demo", `["lead.mql","lead.accepted"]`,
		"whsec_demo_chat_not_a_real_secret", 0, owner, created, created); err != nil {
		return err
	}
	return x.hooks.Add(ctx, int64(demoWarehouseHook), warehouse, "https://dwh.example.com/ingest/renkei", `["*"]`,
		"whsec_demo_dwh_not_a_real_secret", 0, owner, created, created)
}

func (x *webhooksExt) Company(ctx context.Context, co *Company, people []Person) error {
	r := x.w.Rand(streamWebhooks, co.Index)
	from := x.w.Now().AddDate(0, 0, -webhookLogDays)
	for i := range people {
		p := &people[i]
		if p.CreatedAt.After(from) {
			if err := x.deliver(ctx, r, demoWarehouseHook, "contact.created", p, p.CreatedAt); err != nil {
				return err
			}
		}
		if at := p.Stages[2]; !at.IsZero() && at.After(from) { // crm.Lifecycles[2] is mql
			for _, hook := range []int64{demoChatHook, demoWarehouseHook} {
				if err := x.deliver(ctx, r, hook, "lead.mql", p, at); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (x *webhooksExt) Done(ctx context.Context) error { return nil }

// deliver adds one delivery of an event about a person, with an outcome:
// 90% delivered at once, 7% after one or two 503s, 3% failed for good.
func (x *webhooksExt) deliver(ctx context.Context, r *rand.Rand, hook int64, event string, p *Person, at time.Time) error {
	x.next++
	id := x.next
	eventID := fmt.Sprintf("evt_demo_%d_%s", p.ID, event)
	body, err := json.Marshal(map[string]any{"id": eventID, "event": event, "created_at": at.UTC().Format(time.RFC3339Nano),
		"data": map[string]any{"contact": map[string]any{"id": p.ID, "email": p.Email, "family_name": p.Family, "given_name": p.Given,
			"company_id": p.CompanyID, "lifecycle_stage": string(p.Lifecycle), "original_source": string(p.OriginalSource)}}})
	if err != nil {
		return err
	}
	status, attempts, code, resp, errText := "delivered", 1, 200, `{"ok":true}`, ""
	last := at.Add(time.Duration(200+r.IntN(800)) * time.Millisecond)
	switch n := r.IntN(100); {
	case n >= 97:
		status, attempts, code, resp = "failed", 6, 500, "Internal Server Error"
		errText = "the receiver answered 500 Internal Server Error"
		last = at.Add((1 + 4 + 16 + 64 + 256) * time.Minute)
	case n >= 90:
		attempts = 2 + r.IntN(2)
		last = at.Add(time.Minute)
		if attempts == 3 {
			last = at.Add(5 * time.Minute)
		}
	}
	return x.log.Add(ctx, id, hook, fmt.Sprintf("dlv_demo_%d", id), event, eventID, p.ID, string(body), status,
		attempts, int64(0), last.UnixMilli(), code, resp, int64(40+r.IntN(400)), errText, at.UnixMilli())
}

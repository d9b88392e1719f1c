package gen

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// broadcastsExtension adds three sent broadcasts to the story (issue 8 §3):
// a newsletter, a seminar invitation and a subject A/B test, each with its
// outbox rows and the opens and clicks of its recipients. It draws no
// random numbers: who opens and clicks follows each person's hidden
// temperature and index, so hotter people react more.
func broadcastsExtension(w *World) Extension { return &broadcasts{w: w} }

type broadcasts struct {
	w         *World
	t, m, ev  *store.BulkTable
	people    []bcPerson
	msgID, id int64
}

// bcPerson is what the extension keeps of a consented recipient.
type bcPerson struct {
	id    int64
	email string
	temp  float64
	index int
}

// maxBroadcastRecipients keeps the demo's outbox small.
const maxBroadcastRecipients = 400

func (x *broadcasts) Tables(ctx context.Context, b *store.Bulk) (err error) {
	if x.t, err = b.Table(ctx, "broadcasts", "id", "name", "status", "include_ids", "exclude_ids", "subject", "subject_b",
		"preheader", "html", "from_name", "ab_share", "ab_wait_min", "ab_metric", "winner", "recipients", "created_at",
		"updated_at", "started_at", "finished_at"); err != nil {
		return err
	}
	if x.m, err = b.Table(ctx, "email_messages", "id", "source_type", "source_id", "variant", "contact_id", "email", "status",
		"attempts", "next_at", "message_id", "queued_at", "sent_at"); err != nil {
		return err
	}
	x.ev, err = b.Table(ctx, "email_events", "id", "message_id", "contact_id", "source_type", "source_id", "kind", "url", "at")
	return err
}

func (x *broadcasts) Company(ctx context.Context, co *Company, people []Person) error {
	for _, p := range people {
		if len(x.people) >= maxBroadcastRecipients {
			return nil
		}
		if p.Email != "" && p.Consent == crm.ConsentGranted && !p.CreatedAt.After(x.w.Now().AddDate(0, 0, -30)) {
			x.people = append(x.people, bcPerson{id: p.ID, email: p.Email, temp: p.Temperature, index: p.Index})
		}
	}
	return nil
}

// demoBroadcast is one broadcast of the story.
type demoBroadcast struct {
	ja, en         string
	subjJA, subjEN string
	subjB          [2]string // ja, en ("" = no A/B test)
	daysAgo        int
	link           string
}

func demoBroadcasts() []demoBroadcast {
	return []demoBroadcast{
		{"4月のニュースレター", "April newsletter", "{{family_name}}様、4月の新機能のご案内", "What's new in April, {{given_name}}", [2]string{}, 25, "https://example.jp/news/2026-04"},
		{"営業×マーケ連携セミナーのご案内", "Sales and marketing seminar invitation", "【無料セミナー】営業とマーケティングをつなぐ3つの方法",
			"[Free seminar] 3 ways to connect sales and marketing", [2]string{}, 14, "https://example.jp/seminar"},
		{"料金改定のお知らせ（件名テスト）", "Pricing update (subject test)", "料金プラン改定のお知らせ", "Our pricing is changing",
			[2]string{"{{company | \"御社\"}}向けの新しい料金プランのご案内", "A new plan for {{company | \"your team\"}}"}, 5, "https://example.jp/pricing"},
	}
}

// Done writes the broadcasts, their messages and the recipients' events.
func (x *broadcasts) Done(ctx context.Context) error {
	if len(x.people) == 0 {
		return nil
	}
	for i, d := range demoBroadcasts() {
		if err := x.write(ctx, int64(i+1), d); err != nil {
			return err
		}
	}
	return nil
}

func (x *broadcasts) write(ctx context.Context, id int64, d demoBroadcast) error {
	w := x.w
	name, subj, subjB := d.en, d.subjEN, d.subjB[1]
	if w.ja() {
		name, subj, subjB = d.ja, d.subjJA, d.subjB[0]
	}
	start := w.Now().AddDate(0, 0, -d.daysAgo).Truncate(time.Hour)
	html := fmt.Sprintf(`<p>{{company | "%s"}}<br>{{family_name}} {{honorific}}</p><p>%s</p><p><a href="%s">%s</a></p>`,
		map[bool]string{true: "御社", false: "your company"}[w.ja()], name, d.link, d.link)
	inc, _ := json.Marshal([]int64{segmentListID + 4}) // the opted-in subscribers and leads
	share, wait, winner := 0, 0, ""
	if subjB != "" {
		share, wait, winner = 30, 240, "b"
	}
	end := start.Add(20 * time.Minute)
	if err := x.t.Add(ctx, id, name, string(crm.BroadcastSent), string(inc), "[]", subj, subjB, "", html, "", share, wait, "opens",
		winner, len(x.people), start.UnixMilli(), end.UnixMilli(), start.UnixMilli(), end.UnixMilli()); err != nil {
		return err
	}
	for i, p := range x.people {
		x.msgID++
		variant := ""
		if subjB != "" {
			switch h := (p.index*7 + int(id)) % 100; {
			case h < share/2:
				variant = "a"
			case h < share:
				variant = "b"
			default:
				variant = winner
			}
		}
		sent := start.Add(time.Duration(i) * 2 * time.Second)
		mid := fmt.Sprintf("%d.demo@example.jp", x.msgID)
		if err := x.m.Add(ctx, x.msgID, "broadcast", id, variant, p.id, p.email, store.MsgSent, 1, sent.UnixMilli(), mid,
			start.UnixMilli(), sent.UnixMilli()); err != nil {
			return err
		}
		// Warmer people open more; B's subject does better than A's.
		score := p.temp + float64((p.index*13)%10)/20
		if variant == "b" {
			score += 0.15
		}
		if score > 0.75 {
			if err := x.event(ctx, x.msgID, p.id, id, "open", "", sent.Add(37*time.Minute)); err != nil {
				return err
			}
			if p.index%3 == 0 {
				if err := x.event(ctx, x.msgID, p.id, id, "open", "", sent.Add(26*time.Hour)); err != nil {
					return err
				}
			}
			if score > 1.0 {
				if err := x.event(ctx, x.msgID, p.id, id, "click", d.link, sent.Add(39*time.Minute)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (x *broadcasts) event(ctx context.Context, msg, contact, source int64, kind, url string, at time.Time) error {
	if at.After(x.w.Now()) {
		return nil
	}
	x.id++
	return x.ev.Add(ctx, x.id, msg, contact, "broadcast", source, kind, url, at.UnixMilli())
}

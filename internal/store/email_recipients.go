package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"renkei/internal/crm"
)

// The recipient side of marketing e-mail (issue 8 §6, §7): the outbox rows
// a recipient's actions refer to, their events, the preference centre's
// topics and opt-outs, and the suppression list's admin view.

// RecipientMessage is what the recipient side reads of an email_messages
// row (the sender owns the rest).
type RecipientMessage struct {
	ID         int64
	SourceType string
	SourceID   int64
	ContactID  int64
	Email      string
	Status     string
	MessageID  string // the Message-ID header
	SentAt     time.Time
}

const recipientMessageCols = `id, source_type, source_id, COALESCE(contact_id, 0), email, status, message_id, COALESCE(sent_at, 0)`

func scanRecipientMessage(sc interface{ Scan(...any) error }) (RecipientMessage, error) {
	var m RecipientMessage
	var sent int64
	err := sc.Scan(&m.ID, &m.SourceType, &m.SourceID, &m.ContactID, &m.Email, &m.Status, &m.MessageID, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return m, crm.ErrNotFound
	}
	if sent != 0 {
		m.SentAt = fromMS(sent)
	}
	return m, err
}

// QueueTestMessage inserts an outbox row as a sender would have (tests and
// the demo; the sender has its own queueing). Status "" means queued.
func (tx *Tx) QueueTestMessage(ctx context.Context, m *RecipientMessage, now time.Time) error {
	if m.Status == "" {
		m.Status = "queued"
	}
	if m.SourceType == "" {
		m.SourceType = "test"
	}
	var sent any
	if !m.SentAt.IsZero() {
		sent = ms(m.SentAt)
	}
	return tx.q().QueryRowContext(ctx, `INSERT INTO email_messages (source_type, source_id, contact_id, email, status,
		next_at, message_id, queued_at, sent_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		m.SourceType, m.SourceID, nullID(m.ContactID), m.Email, m.Status, ms(now), m.MessageID, ms(now), sent).Scan(&m.ID)
}

// RecipientMessage returns one outbox row.
func (tx *Tx) RecipientMessage(ctx context.Context, id int64) (RecipientMessage, error) {
	return scanRecipientMessage(tx.q().QueryRowContext(ctx, "SELECT "+recipientMessageCols+" FROM email_messages WHERE id = $1", id))
}

// MessageByHeaderID finds the message whose Message-ID header is id (with
// or without angle brackets).
func (tx *Tx) MessageByHeaderID(ctx context.Context, id string) (RecipientMessage, error) {
	id = strings.Trim(strings.TrimSpace(id), "<>")
	if id == "" {
		return RecipientMessage{}, crm.ErrNotFound
	}
	return scanRecipientMessage(tx.q().QueryRowContext(ctx, "SELECT "+recipientMessageCols+
		" FROM email_messages WHERE message_id IN ($1, $2) ORDER BY id DESC LIMIT 1", id, "<"+id+">"))
}

// LatestMessageTo finds the newest message sent (or being sent) to an
// address: a bounce that names only the address belongs to it.
func (tx *Tx) LatestMessageTo(ctx context.Context, email string) (RecipientMessage, error) {
	return scanRecipientMessage(tx.q().QueryRowContext(ctx, "SELECT "+recipientMessageCols+
		" FROM email_messages WHERE email = $1 AND status IN ('sent', 'sending', 'bounced') ORDER BY id DESC LIMIT 1", email))
}

// CancelQueued cancels a contact's messages that no sender has claimed yet
// and returns how many. A sender's claim moves a row out of queued, so a
// cancelled row is never sent.
func (tx *Tx) CancelQueued(ctx context.Context, contactID int64) (int64, error) {
	res, err := tx.q().ExecContext(ctx, `UPDATE email_messages SET status = 'cancelled', error = 'unsubscribed'
		WHERE contact_id = $1 AND status = 'queued'`, contactID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// MarkBounced sets a message's status to bounced with the reason.
func (tx *Tx) MarkBounced(ctx context.Context, id int64, reason string) error {
	_, err := tx.q().ExecContext(ctx, "UPDATE email_messages SET status = 'bounced', error = $2 WHERE id = $1", id, reason)
	return err
}

// SetContactConsent changes only a contact's consent column (the ledger
// row is written by the caller).
func (tx *Tx) SetContactConsent(ctx context.Context, id int64, c crm.Consent, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, "UPDATE contacts SET consent = $2, updated_at = $3, version = version + 1 WHERE id = $1",
		id, string(c), ms(now))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// ---- events ----

// EmailEvent is one thing a recipient did with a message.
type EmailEvent struct {
	ID         int64
	MessageID  int64
	ContactID  int64
	SourceType string
	SourceID   int64
	Kind       string // open | click | bounce | complaint | unsubscribe | reply
	URL        string
	Detail     string
	At         time.Time
}

// AddEmailEvent appends an event.
func (tx *Tx) AddEmailEvent(ctx context.Context, e *EmailEvent) error {
	return tx.q().QueryRowContext(ctx, `INSERT INTO email_events (message_id, contact_id, source_type, source_id, kind, url, detail, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		nullID(e.MessageID), nullID(e.ContactID), e.SourceType, e.SourceID, e.Kind, e.URL, e.Detail, ms(e.At)).Scan(&e.ID)
}

// HasEmailEvent reports whether a message already has an event of a kind.
func (tx *Tx) HasEmailEvent(ctx context.Context, messageID int64, kind string) (bool, error) {
	var n int
	err := tx.q().QueryRowContext(ctx, "SELECT COUNT(*) FROM email_events WHERE message_id = $1 AND kind = $2", messageID, kind).Scan(&n)
	return n > 0, err
}

// EmailEvents lists a contact's e-mail events, oldest first (tests, the
// person export).
func (s *Store) EmailEvents(ctx context.Context, contactID int64) ([]EmailEvent, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT id, COALESCE(message_id, 0), COALESCE(contact_id, 0), source_type, source_id, kind, url, detail, at
		FROM email_events WHERE contact_id = $1 ORDER BY at, id`, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EmailEvent
	for rows.Next() {
		var e EmailEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.MessageID, &e.ContactID, &e.SourceType, &e.SourceID, &e.Kind, &e.URL, &e.Detail, &at); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AddEmailScoreEvent records an open or a click (kind email_open or
// email_click) in the tracking events that engagement scoring reads.
func (tx *Tx) AddEmailScoreEvent(ctx context.Context, contactID int64, kind, name, url string, at time.Time) error {
	_, err := tx.q().ExecContext(ctx, `INSERT INTO events (contact_id, at, kind, name, path) VALUES ($1, $2, $3, $4, $5)`,
		contactID, ms(at), kind, name, url)
	return err
}

// ---- topics ----

// EmailTopic is a subject of marketing mail a contact can opt out of.
type EmailTopic struct {
	ID            int64
	Key           string
	NameJA        string
	NameEN        string
	DescriptionJA string
	DescriptionEN string
	Position      int
	CreatedAt     time.Time
}

// Name is the topic's name in a language.
func (t EmailTopic) Name(lang crm.Language) string {
	if lang == crm.LangJA && t.NameJA != "" {
		return t.NameJA
	}
	return t.NameEN
}

// Description is the topic's description in a language.
func (t EmailTopic) Description(lang crm.Language) string {
	if lang == crm.LangJA && t.DescriptionJA != "" {
		return t.DescriptionJA
	}
	return t.DescriptionEN
}

const topicCols = "id, key, name_ja, name_en, description_ja, description_en, position, created_at"

func scanTopic(sc interface{ Scan(...any) error }) (EmailTopic, error) {
	var t EmailTopic
	var at int64
	err := sc.Scan(&t.ID, &t.Key, &t.NameJA, &t.NameEN, &t.DescriptionJA, &t.DescriptionEN, &t.Position, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return t, crm.ErrNotFound
	}
	t.CreatedAt = fromMS(at)
	return t, err
}

// EmailTopics lists the topics in display order.
func (s *Store) EmailTopics(ctx context.Context) ([]EmailTopic, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT "+topicCols+" FROM email_topics ORDER BY position, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EmailTopic
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// EmailTopicByKey returns one topic.
func (s *Store) EmailTopicByKey(ctx context.Context, key string) (EmailTopic, error) {
	return scanTopic(s.r().QueryRowContext(ctx, "SELECT "+topicCols+" FROM email_topics WHERE key = $1", key))
}

// CreateEmailTopic inserts a topic; a taken key is crm.ErrConflict.
func (tx *Tx) CreateEmailTopic(ctx context.Context, t *EmailTopic, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO email_topics (key, name_ja, name_en, description_ja, description_en, position, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		t.Key, t.NameJA, t.NameEN, t.DescriptionJA, t.DescriptionEN, t.Position, ms(now)).Scan(&t.ID)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	t.CreatedAt = now
	return nil
}

// UpdateEmailTopic changes a topic's names, descriptions and position (the
// key is fixed: broadcasts name it).
func (tx *Tx) UpdateEmailTopic(ctx context.Context, t EmailTopic) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE email_topics SET name_ja = $2, name_en = $3, description_ja = $4,
		description_en = $5, position = $6 WHERE id = $1`, t.ID, t.NameJA, t.NameEN, t.DescriptionJA, t.DescriptionEN, t.Position)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// DeleteEmailTopic removes a topic and its opt-outs.
func (tx *Tx) DeleteEmailTopic(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM email_topics WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// TopicOptOuts returns the topic ids a contact opted out of.
func (tx *Tx) TopicOptOuts(ctx context.Context, contactID int64) (map[int64]bool, error) {
	rows, err := tx.q().QueryContext(ctx, "SELECT topic_id FROM email_topic_optouts WHERE contact_id = $1", contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// SetTopicOptOuts replaces a contact's opt-outs with topicIDs.
func (tx *Tx) SetTopicOptOuts(ctx context.Context, contactID int64, topicIDs []int64, now time.Time) error {
	if _, err := tx.q().ExecContext(ctx, "DELETE FROM email_topic_optouts WHERE contact_id = $1", contactID); err != nil {
		return err
	}
	for _, id := range topicIDs {
		if _, err := tx.q().ExecContext(ctx, `INSERT INTO email_topic_optouts (contact_id, topic_id, at) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, contactID, id, ms(now)); err != nil {
			return err
		}
	}
	return nil
}

// MarketableRow is what Marketable decides on for one contact.
type MarketableRow struct {
	ContactID int64
	Email     string
	Consent   crm.Consent
	OptedOut  bool // of the topic asked about
}

// MarketableRows reads consent, address and the topic opt-out (topicID 0:
// none) of contacts from the read pool; missing contacts are absent from
// the map.
func (s *Store) MarketableRows(ctx context.Context, ids []int64, topicID int64) (map[int64]MarketableRow, error) {
	out := map[int64]MarketableRow{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		rows, err := s.r().QueryContext(ctx, `SELECT c.id, c.email, c.consent,
			CASE WHEN EXISTS (SELECT 1 FROM email_topic_optouts o WHERE o.contact_id = c.id AND o.topic_id = $1) THEN 1 ELSE 0 END
			FROM contacts c WHERE c.id IN (`+idList(chunk)+`)`, topicID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var r MarketableRow
			var consent string
			var opted int
			if err := rows.Scan(&r.ContactID, &r.Email, &consent, &opted); err != nil {
				rows.Close()
				return nil, err
			}
			r.Consent, r.OptedOut = crm.Consent(consent), opted == 1
			out[r.ContactID] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ---- suppression list (admin view) ----

// SuppressionCounts counts the suppression list by reason.
func (s *Store) SuppressionCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT reason, COUNT(*) FROM suppressions GROUP BY reason")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var r string
		var n int64
		if err := rows.Scan(&r, &n); err != nil {
			return nil, err
		}
		out[r] = n
	}
	return out, rows.Err()
}

// Suppression is one entry of the list: only the hash of the address is kept.
type Suppression struct {
	Reason    string
	CreatedAt time.Time
}

// SuppressionOf returns the entry of an e-mail hash.
func (tx *Tx) SuppressionOf(ctx context.Context, emailHash string) (Suppression, error) {
	var sp Suppression
	var at int64
	err := tx.q().QueryRowContext(ctx, "SELECT reason, created_at FROM suppressions WHERE email_hash = $1", emailHash).Scan(&sp.Reason, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return sp, crm.ErrNotFound
	}
	sp.CreatedAt = fromMS(at)
	return sp, err
}

// Unsuppress removes an e-mail hash from the list.
func (tx *Tx) Unsuppress(ctx context.Context, emailHash string) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM suppressions WHERE email_hash = $1", emailHash)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// emailMoveStmts move a merged-away contact's marketing e-mail records to
// the contact kept (MoveContactRecords): outbox rows (unless the kept
// contact has one of the same source: that copy goes with the merged
// contact, and its events move to the kept copy), events and topic
// opt-outs.
var emailMoveStmts = []string{
	// Events of a message that stays behind point at the kept contact's
	// copy of the same send, so deleting the merged contact keeps them.
	`UPDATE email_events SET message_id = (SELECT k.id FROM email_messages m JOIN email_messages k
		ON k.source_type = m.source_type AND k.source_id = m.source_id AND k.contact_id = $2
		WHERE m.id = email_events.message_id)
		WHERE contact_id = $1 AND message_id IN (SELECT m.id FROM email_messages m JOIN email_messages k
		ON k.source_type = m.source_type AND k.source_id = m.source_id AND k.contact_id = $2 WHERE m.contact_id = $1)`,
	`UPDATE email_messages SET contact_id = $2 WHERE contact_id = $1 AND NOT EXISTS
		(SELECT 1 FROM email_messages k WHERE k.contact_id = $2 AND k.source_type = email_messages.source_type
		AND k.source_id = email_messages.source_id)`,
	"UPDATE email_events SET contact_id = $2 WHERE contact_id = $1",
	`INSERT INTO email_topic_optouts (contact_id, topic_id, at) SELECT $2, topic_id, at FROM email_topic_optouts
		WHERE contact_id = $1 ON CONFLICT DO NOTHING`,
	"DELETE FROM email_topic_optouts WHERE contact_id = $1 AND contact_id <> $2",
}

// TopicOptedOut returns which of the contacts opted out of a topic (by
// key) in the preference centre; an unknown topic has no opt-outs.
func (s *Store) TopicOptedOut(ctx context.Context, topicKey string, contactIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for chunk := range slices.Chunk(contactIDs, 500) {
		rows, err := s.r().QueryContext(ctx, `SELECT o.contact_id FROM email_topic_optouts o
			JOIN email_topics t ON t.id = o.topic_id
			WHERE t.key = $1 AND o.contact_id IN (`+idList(chunk)+`)`, topicKey)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

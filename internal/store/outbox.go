package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"renkei/internal/crm"
)

// The outbox (email_messages, migration 0019): one row per message to one
// recipient. Queueing inserts rows; senders claim due rows in batches with
// a lease, send them and record the outcomes in batches.

// Outbox message states beyond those of 0019: held (the rest of an A/B
// test, waiting for the winner) and paused (the broadcast is paused).
const (
	MsgQueued     = "queued"
	MsgSending    = "sending"
	MsgSent       = "sent"
	MsgFailed     = "failed"
	MsgBounced    = "bounced"
	MsgSuppressed = "suppressed"
	MsgCancelled  = "cancelled"
	MsgHeld       = "held"
	MsgPaused     = "paused"
)

// OutboxRow is a message to queue.
type OutboxRow struct {
	SourceType string
	SourceID   int64
	Variant    string
	ContactID  int64
	Email      string
	Status     string // queued or held
	NextAt     time.Time
}

// OutboxMessage is a claimed message.
type OutboxMessage struct {
	ID         int64
	SourceType string
	SourceID   int64
	Variant    string
	ContactID  int64
	Email      string
	Attempts   int
}

// QueueMessages inserts rows, skipping recipients already queued for the
// same source (the unique key), and returns how many were new. The rows go
// in multi-row INSERTs of up to maxStmtRows rows (dialect.values: anonymous
// parameters on SQLite, so a statement of thousands of parameters prepares
// in linear time).
func (s *Store) QueueMessages(ctx context.Context, rows []OutboxRow, now time.Time) (int, error) {
	const cols = 8
	total := 0
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), maxStmtRows)]
		rows = rows[len(chunk):]
		args := make([]any, 0, len(chunk)*cols)
		for _, r := range chunk {
			st := r.Status
			if st == "" {
				st = MsgQueued
			}
			args = append(args, r.SourceType, r.SourceID, r.Variant, r.ContactID, r.Email, st, ms(r.NextAt), ms(now))
		}
		res, err := s.w().ExecContext(ctx, `INSERT INTO email_messages (source_type, source_id, variant, contact_id, email, status, next_at, queued_at) VALUES `+
			s.d.values(len(chunk), cols)+` ON CONFLICT (source_type, source_id, contact_id) DO NOTHING`, args...)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		total += int(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// ClaimMessages leases up to n due messages to worker until now+lease and
// returns them: queued rows whose time has come and rows whose lease ran
// out (their sender died). PostgreSQL skips rows other senders hold;
// SQLite's single writer serialises claims.
func (s *Store) ClaimMessages(ctx context.Context, worker string, sourceTypes []string, n int, now time.Time, lease time.Duration) ([]OutboxMessage, error) {
	if len(sourceTypes) == 0 || n <= 0 {
		return nil, nil
	}
	args := []any{worker, ms(now.Add(lease)), ms(now)}
	ph := make([]string, len(sourceTypes))
	for i, t := range sourceTypes {
		args = append(args, t)
		ph[i] = "$" + strconv.Itoa(len(args))
	}
	q := `UPDATE email_messages SET status = 'sending', attempts = attempts + 1, claimed_by = $1, claimed_until = $2
		WHERE id IN (
			SELECT id FROM email_messages
			WHERE ((status = 'queued' AND next_at <= $3) OR (status = 'sending' AND claimed_until < $3))
				AND source_type IN (` + strings.Join(ph, ", ") + `)
			ORDER BY next_at, id LIMIT ` + strconv.Itoa(n) + s.d.skipLocked() + `)
		RETURNING id, source_type, source_id, variant, COALESCE(contact_id, 0), email, attempts`
	rows, err := s.w().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxMessage
	for rows.Next() {
		var m OutboxMessage
		if err := rows.Scan(&m.ID, &m.SourceType, &m.SourceID, &m.Variant, &m.ContactID, &m.Email, &m.Attempts); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SendContact is what rendering needs of a recipient: the contact, its
// owner and whether it may receive marketing mail now.
type SendContact struct {
	Contact        crm.Contact
	OwnerName      string
	OwnerEmail     string
	OwnerSignature string // {{owner_signature}}
}

// SendContacts reads the recipients of a claimed batch.
func (s *Store) SendContacts(ctx context.Context, ids []int64) (map[int64]SendContact, error) {
	out := make(map[int64]SendContact, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q := "SELECT " + contactCols + ", COALESCE(u.name, ''), COALESCE(u.email, ''), COALESCE(u.signature, '')" + contactFrom +
		" LEFT JOIN users u ON u.id = c.owner_id WHERE c.id IN (" + idList(ids) + ")"
	rows, err := s.r().QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var sc SendContact
		var ownerName, ownerEmail, signature string
		c, err := scanContact(withExtra{rows, []any{&ownerName, &ownerEmail, &signature}})
		if err != nil {
			return nil, err
		}
		sc.Contact, sc.OwnerName, sc.OwnerEmail, sc.OwnerSignature = c, ownerName, ownerEmail, signature
		out[c.ID] = sc
	}
	return out, rows.Err()
}

// RecipientInfo is what queueing needs of a contact.
type RecipientInfo struct {
	ID      int64
	Email   string
	Consent crm.Consent
}

// Recipients reads the e-mail and consent of contacts (those without an
// e-mail are left out).
func (s *Store) Recipients(ctx context.Context, ids []int64) ([]RecipientInfo, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.r().QueryContext(ctx, "SELECT id, email, consent FROM contacts WHERE email IS NOT NULL AND email <> '' AND id IN ("+idList(ids)+") ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RecipientInfo
	for rows.Next() {
		var r RecipientInfo
		var consent string
		if err := rows.Scan(&r.ID, &r.Email, &consent); err != nil {
			return nil, err
		}
		r.Consent = crm.Consent(consent)
		out = append(out, r)
	}
	return out, rows.Err()
}

// idList writes ids as a comma-separated list of integers (safe to splice:
// they are int64 values, never user text).
func idList(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// Delivery is the outcome of one claimed message, recorded by RecordDeliveries.
type Delivery struct {
	ID        int64
	Status    string // sent, queued (retry), failed, bounced, suppressed
	Server    string
	MessageID string
	Error     string
	NextAt    time.Time // retries
	// A bounce also suppresses the address and writes an email_events row.
	ContactID  int64
	SourceType string
	SourceID   int64
	EmailHash  string
}

// RecordDeliveries writes a batch of outcomes in one transaction. Only rows
// still leased to worker change, so a sender whose lease ran out cannot
// overwrite the outcome of the sender that took over.
func (s *Store) RecordDeliveries(ctx context.Context, worker string, ds []Delivery, now time.Time) error {
	if len(ds) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Tx) error {
		var sent []Delivery
		for _, d := range ds {
			if d.Status == MsgSent {
				sent = append(sent, d)
				continue
			}
			if err := tx.recordOther(ctx, worker, d, now); err != nil {
				return err
			}
		}
		return tx.recordSent(ctx, worker, sent, now)
	})
}

// recordSent marks sent messages in statements of up to 500 rows; the
// Message-ID and server come from a CASE over the ids.
func (tx *Tx) recordSent(ctx context.Context, worker string, ds []Delivery, now time.Time) error {
	for len(ds) > 0 {
		chunk := ds[:min(500, len(ds))]
		ds = ds[len(chunk):]
		args := []any{ms(now), worker}
		var mid, srv strings.Builder
		ids := make([]int64, len(chunk))
		for i, d := range chunk {
			ids[i] = d.ID
			args = append(args, d.MessageID, d.Server)
			fmt.Fprintf(&mid, " WHEN %d THEN $%d", d.ID, len(args)-1)
			fmt.Fprintf(&srv, " WHEN %d THEN $%d", d.ID, len(args))
		}
		q := `UPDATE email_messages SET status = 'sent', sent_at = $1, error = '', claimed_until = 0,
			message_id = CASE id` + mid.String() + ` END, server = CASE id` + srv.String() + ` END
			WHERE claimed_by = $2 AND status = 'sending' AND id IN (` + idList(ids) + `)`
		if _, err := tx.q().ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) recordOther(ctx context.Context, worker string, d Delivery, now time.Time) error {
	if len(d.Error) > 1000 {
		d.Error = d.Error[:1000]
	}
	res, err := tx.q().ExecContext(ctx, `UPDATE email_messages SET status = $1, error = $2, next_at = $3, server = $4,
		message_id = $5, claimed_until = 0
		WHERE id = $6 AND claimed_by = $7 AND status = 'sending'`,
		d.Status, d.Error, ms(d.NextAt), d.Server, d.MessageID, d.ID, worker)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 || d.Status != MsgBounced {
		return nil
	}
	if err := tx.Suppress(ctx, d.EmailHash, "bounced", now); err != nil {
		return err
	}
	_, err = tx.q().ExecContext(ctx, `INSERT INTO email_events (message_id, contact_id, source_type, source_id, kind, detail, at)
		VALUES ($1, $2, $3, $4, 'bounce', $5, $6)`, d.ID, nullID(d.ContactID), d.SourceType, d.SourceID, "hard: "+d.Error, ms(now))
	return err
}

// MoveSourceMessages changes the state of a source's messages from one
// state to another (pause, resume, cancel, release the held rest of an A/B
// test) and returns how many moved. variant, when not nil, is written too.
func (s *Store) MoveSourceMessages(ctx context.Context, sourceType string, sourceID int64, from, to string, variant *string, now time.Time) (int, error) {
	q := "UPDATE email_messages SET status = $1, next_at = $2 WHERE source_type = $3 AND source_id = $4 AND status = $5"
	args := []any{to, ms(now), sourceType, sourceID, from}
	if variant != nil {
		q = "UPDATE email_messages SET status = $1, next_at = $2, variant = $6 WHERE source_type = $3 AND source_id = $4 AND status = $5"
		args = append(args, *variant)
	}
	res, err := s.w().ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// SourceCounts counts a source's messages by state.
func (s *Store) SourceCounts(ctx context.Context, sourceType string, sourceID int64) (map[string]int, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT status, COUNT(*) FROM email_messages
		WHERE source_type = $1 AND source_id = $2 GROUP BY status`, sourceType, sourceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// EmailEventStats are the recipients' reactions to one source.
type EmailEventStats struct {
	UniqueOpens, TotalOpens   int
	UniqueClicks, TotalClicks int
	Unsubscribes, Complaints  int
	Bounces                   int
	Links                     []LinkClicks
	// Per A/B variant: unique openers and clickers.
	VariantOpens, VariantClicks map[string]int
}

// LinkClicks counts the clicks of one link.
type LinkClicks struct {
	URL           string
	Unique, Total int
}

// SourceEventStats counts the email_events of one source.
func (s *Store) SourceEventStats(ctx context.Context, sourceType string, sourceID int64) (EmailEventStats, error) {
	st := EmailEventStats{VariantOpens: map[string]int{}, VariantClicks: map[string]int{}}
	// Opens and clicks by link scanners (detail 'scanner', app.AgentScanner)
	// are kept as events but not counted, as they are kept off the timeline
	// and out of scoring: a security gateway that follows every link would
	// otherwise make every message look clicked (and pick A/B winners).
	rows, err := s.r().QueryContext(ctx, `SELECT kind, COUNT(DISTINCT message_id), COUNT(*) FROM email_events
		WHERE source_type = $1 AND source_id = $2 AND NOT (kind IN ('open', 'click') AND detail = 'scanner') GROUP BY kind`, sourceType, sourceID)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var kind string
		var u, t int
		if err := rows.Scan(&kind, &u, &t); err != nil {
			rows.Close()
			return st, err
		}
		switch kind {
		case "open":
			st.UniqueOpens, st.TotalOpens = u, t
		case "click":
			st.UniqueClicks, st.TotalClicks = u, t
		case "unsubscribe":
			st.Unsubscribes = u
		case "complaint":
			st.Complaints = u
		case "bounce":
			st.Bounces = u
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	rows, err = s.r().QueryContext(ctx, `SELECT url, COUNT(DISTINCT message_id), COUNT(*) FROM email_events
		WHERE source_type = $1 AND source_id = $2 AND kind = 'click' AND detail <> 'scanner' GROUP BY url ORDER BY COUNT(*) DESC, url LIMIT 100`, sourceType, sourceID)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var l LinkClicks
		if err := rows.Scan(&l.URL, &l.Unique, &l.Total); err != nil {
			rows.Close()
			return st, err
		}
		st.Links = append(st.Links, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	rows, err = s.r().QueryContext(ctx, `SELECT m.variant, e.kind, COUNT(DISTINCT e.message_id) FROM email_events e
		JOIN email_messages m ON m.id = e.message_id
		WHERE e.source_type = $1 AND e.source_id = $2 AND e.kind IN ('open', 'click') AND e.detail <> 'scanner' AND m.variant IN ('a', 'b')
		GROUP BY m.variant, e.kind`, sourceType, sourceID)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var v, kind string
		var n int
		if err := rows.Scan(&v, &kind, &n); err != nil {
			return st, err
		}
		if kind == "open" {
			st.VariantOpens[v] = n
		} else {
			st.VariantClicks[v] = n
		}
	}
	return st, rows.Err()
}

// MessageByID reads one outbox row (tests and reports).
func (s *Store) MessageStatus(ctx context.Context, id int64) (status string, attempts int, err error) {
	err = s.r().QueryRowContext(ctx, "SELECT status, attempts FROM email_messages WHERE id = $1", id).Scan(&status, &attempts)
	if err == sql.ErrNoRows {
		err = crm.ErrNotFound
	}
	return
}

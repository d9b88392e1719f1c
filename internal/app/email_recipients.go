package app

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/mailtoken"
	"renkei/internal/store"
)

// The recipient side of marketing e-mail (issue 8 §6, §7): unsubscribing,
// the preference centre, opens and clicks. Every entry point here is
// reached from a public link, so it takes a signed token (package
// mailtoken) instead of an Actor, and a token that does not verify, or
// names a message of another recipient, is crm.ErrNotFound.

// Timeline kinds of the recipient side.
const (
	KindEmailUnsubscribed = "email_unsubscribed"
	KindEmailPreferences  = "email_preferences"
	KindEmailOpened       = "email_opened"
	KindEmailClicked      = "email_clicked"
	KindEmailBounced      = "email_bounced"
	KindEmailComplained   = "email_complained"
	KindEmailReplied      = "email_replied"
)

// Recipient is the person and message a token names.
type Recipient struct {
	Message  store.RecipientMessage
	Contact  crm.Contact
	Language crm.Language // the contact's language: props.language, else the workspace's
	// Unsubscribed is true once the contact withdrew consent (or the
	// address is suppressed).
	Unsubscribed bool
}

// recipient verifies a token of kind k (extra: the click URL) and loads the
// message and contact it names.
func (a *App) recipient(ctx context.Context, tx *store.Tx, k mailtoken.Kind, token, extra string) (Recipient, error) {
	var r Recipient
	secret, err := a.MailSecret(ctx)
	if err != nil {
		return r, err
	}
	msgID, contactID, ok := mailtoken.Verify(secret, k, token, extra)
	if !ok {
		return r, crm.ErrNotFound
	}
	if r.Message, err = tx.RecipientMessage(ctx, msgID); err != nil {
		return r, err
	}
	if r.Message.ContactID != contactID || contactID == 0 {
		return r, crm.ErrNotFound // the contact was erased (or merged away)
	}
	if r.Contact, err = tx.Contact(ctx, contactID); err != nil {
		return r, err
	}
	r.Language = contactLanguage(r.Contact)
	if r.Language == "" {
		ws, _, err := a.Workspace(ctx)
		if err != nil {
			return r, err
		}
		r.Language = ws.Language
	}
	_, suppressed, err := tx.IsSuppressed(ctx, EmailHash(r.Message.Email))
	if err != nil {
		return r, err
	}
	r.Unsubscribed = suppressed || r.Contact.Consent == crm.ConsentWithdrawn
	return r, nil
}

// contactLanguage is the language a contact reads: the custom property
// "language" when it is ja or en, else "" (the caller falls back).
func contactLanguage(c crm.Contact) crm.Language {
	if v, ok := c.Props["language"].(string); ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "ja", "japanese", "日本語":
			return crm.LangJA
		case "en", "english", "英語":
			return crm.LangEN
		}
	}
	return ""
}

// UnsubscribeRecipient checks an unsubscribe token and returns who it names,
// without changing anything (the GET page that asks to confirm).
func (a *App) UnsubscribeRecipient(ctx context.Context, token string) (Recipient, error) {
	var r Recipient
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		r, err = a.recipient(ctx, tx, mailtoken.Unsubscribe, token, "")
		return err
	})
	return r, err
}

// How an unsubscribe arrived (the detail of its email_events row).
const (
	UnsubscribeLink     = "link"      // the confirm button of the page
	UnsubscribeOneClick = "one-click" // RFC 8058 POST from the mail client
	UnsubscribeMailto   = "mailto"    // a mail to unsubscribe@ (inbound listener)
	UnsubscribePrefs    = "preferences"
)

// Unsubscribe withdraws a recipient's consent, suppresses the address,
// records the event and cancels every message still queued for them, all
// in one transaction, so a sender claiming rows a moment later skips them.
// A second call changes nothing.
func (a *App) Unsubscribe(ctx context.Context, token, ip, via string) (Recipient, error) {
	var r Recipient
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = a.recipient(ctx, tx, mailtoken.Unsubscribe, token, ""); err != nil {
			return err
		}
		return a.unsubscribe(ctx, tx, &r, ip, via)
	})
	return r, err
}

func (a *App) unsubscribe(ctx context.Context, tx *store.Tx, r *Recipient, ip, via string) error {
	now := a.now()
	m, c := r.Message, r.Contact
	done, err := tx.HasEmailEvent(ctx, m.ID, "unsubscribe")
	if err != nil {
		return err
	}
	if done && r.Unsubscribed {
		return nil // idempotent: a repeated click or POST changes nothing
	}
	if c.Consent != crm.ConsentWithdrawn {
		if err := tx.SetContactConsent(ctx, c.ID, crm.ConsentWithdrawn, now); err != nil {
			return err
		}
		if err := tx.AddConsentEvent(ctx, &store.ConsentEvent{ContactID: c.ID, At: now, Status: crm.ConsentWithdrawn,
			Source: "unsubscribe", Wording: "message " + strconv.FormatInt(m.ID, 10) + " (" + via + ")", IP: ip}); err != nil {
			return err
		}
	}
	for _, addr := range uniqueAddrs(m.Email, c.Email) {
		if err := tx.Suppress(ctx, EmailHash(addr), "unsubscribed", now); err != nil {
			return err
		}
	}
	if !done {
		if err := tx.AddEmailEvent(ctx, &store.EmailEvent{MessageID: m.ID, ContactID: c.ID, SourceType: m.SourceType,
			SourceID: m.SourceID, Kind: "unsubscribe", Detail: via, At: now}); err != nil {
			return err
		}
	}
	cancelled, err := tx.CancelQueued(ctx, c.ID)
	if err != nil {
		return err
	}
	if err := a.exitSequences(ctx, tx, c.ID, store.ExitRuleUnsub, crm.ExitUnsubscribed); err != nil {
		return err
	}
	r.Unsubscribed = true
	r.Contact.Consent = crm.ConsentWithdrawn
	return tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: c.ID, Kind: KindEmailUnsubscribed,
		Data: map[string]any{"via": via, "from": string(c.Consent), "cancelled": cancelled, "source_type": m.SourceType,
			"source_id": m.SourceID}, RefType: "email_message", RefID: m.ID})
}

func uniqueAddrs(addrs ...string) []string {
	var out []string
	for _, s := range addrs {
		s = crm.NormalizeEmail(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// ---- preference centre ----

// TopicChoice is one topic of the preference centre with the contact's choice.
type TopicChoice struct {
	Topic      store.EmailTopic
	Subscribed bool
}

// Preferences is the preference centre of one recipient.
type Preferences struct {
	Recipient
	Topics []TopicChoice
}

// RecipientPreferences returns the topics and the recipient's choices.
func (a *App) RecipientPreferences(ctx context.Context, token string) (Preferences, error) {
	var p Preferences
	topics, err := a.Store.EmailTopics(ctx)
	if err != nil {
		return p, err
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if p.Recipient, err = a.recipient(ctx, tx, mailtoken.Unsubscribe, token, ""); err != nil {
			return err
		}
		out, err := tx.TopicOptOuts(ctx, p.Contact.ID)
		if err != nil {
			return err
		}
		for _, t := range topics {
			p.Topics = append(p.Topics, TopicChoice{Topic: t, Subscribed: !out[t.ID]})
		}
		return nil
	})
	return p, err
}

// SavePreferences keeps the topics the recipient still wants (by key;
// unknown keys are ignored) and opts them out of the others; everything
// unsubscribes them altogether.
func (a *App) SavePreferences(ctx context.Context, token string, keep []string, everything bool, ip string) (Preferences, error) {
	topics, err := a.Store.EmailTopics(ctx)
	if err != nil {
		return Preferences{}, err
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := a.recipient(ctx, tx, mailtoken.Unsubscribe, token, "")
		if err != nil {
			return err
		}
		if everything {
			return a.unsubscribe(ctx, tx, &r, ip, UnsubscribePrefs)
		}
		var out, outKeys []string
		var outIDs []int64
		for _, t := range topics {
			if !slices.Contains(keep, t.Key) {
				outIDs, outKeys = append(outIDs, t.ID), append(outKeys, t.Key)
			}
		}
		out = outKeys
		now := a.now()
		if err := tx.SetTopicOptOuts(ctx, r.Contact.ID, outIDs, now); err != nil {
			return err
		}
		return tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: r.Contact.ID, Kind: KindEmailPreferences,
			Data: map[string]any{"opted_out": out}, RefType: "email_message", RefID: r.Message.ID})
	})
	if err != nil {
		return Preferences{}, err
	}
	return a.RecipientPreferences(ctx, token)
}

// ---- topics (Settings → E-mail → Topics) ----

var topicKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func validTopic(t *store.EmailTopic) error {
	t.Key, t.NameJA, t.NameEN = strings.TrimSpace(t.Key), strings.TrimSpace(t.NameJA), strings.TrimSpace(t.NameEN)
	t.DescriptionJA, t.DescriptionEN = strings.TrimSpace(t.DescriptionJA), strings.TrimSpace(t.DescriptionEN)
	v := &crm.ValidationError{}
	if !topicKeyRE.MatchString(t.Key) {
		v.Add("key", "use lower-case letters, digits and _, starting with a letter (at most 40)")
	}
	if t.NameJA == "" && t.NameEN == "" {
		v.Add("name_ja", "enter a name in Japanese or English")
	}
	for f, s := range map[string]string{"name_ja": t.NameJA, "name_en": t.NameEN} {
		if len([]rune(s)) > 100 {
			v.Add(f, "use at most 100 characters")
		}
	}
	for f, s := range map[string]string{"description_ja": t.DescriptionJA, "description_en": t.DescriptionEN} {
		if len([]rune(s)) > 500 {
			v.Add(f, "use at most 500 characters")
		}
	}
	return v.Err()
}

// EmailTopics lists the topics of the preference centre.
func (a *App) EmailTopics(ctx context.Context, ac Actor) ([]store.EmailTopic, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.EmailTopics(ctx)
}

// CreateEmailTopic adds a topic.
func (a *App) CreateEmailTopic(ctx context.Context, ac Actor, t store.EmailTopic) (store.EmailTopic, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return t, err
	}
	if err := validTopic(&t); err != nil {
		return t, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateEmailTopic(ctx, &t, a.now()); err != nil {
			if errors.Is(err, crm.ErrConflict) {
				return crm.Invalid("key", "this key is taken; choose another")
			}
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "email_topic.create", "email_topic:"+strconv.FormatInt(t.ID, 10), t.Key))
	})
	return t, err
}

// UpdateEmailTopic changes a topic's names, descriptions and position.
func (a *App) UpdateEmailTopic(ctx context.Context, ac Actor, t store.EmailTopic) (store.EmailTopic, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return t, err
	}
	t.Key = "kept" // the key does not change; validate the rest
	if err := validTopic(&t); err != nil {
		return t, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateEmailTopic(ctx, t); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "email_topic.update", "email_topic:"+strconv.FormatInt(t.ID, 10), ""))
	})
	return t, err
}

// DeleteEmailTopic removes a topic and everyone's choice about it.
func (a *App) DeleteEmailTopic(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteEmailTopic(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "email_topic.delete", "email_topic:"+strconv.FormatInt(id, 10), ""))
	})
}

// ---- who may be mailed ----

// Reasons a contact is not marketable ("" = marketable).
const (
	NotMarketableMissing    = "missing"     // no such contact
	NotMarketableNoEmail    = "no_email"    // the contact has no address
	NotMarketableNoConsent  = "no_consent"  // consent is not granted
	NotMarketableSuppressed = "suppressed"  // the address is on the suppression list
	NotMarketableTopic      = "topic_opted" // the contact opted out of the topic
)

// Marketable says, for each contact, why it may not receive marketing mail
// on a topic ("" = it may): consent granted, address not suppressed, not
// opted out of the topic (topicKey "" = no topic; an unknown key is
// invalid). It only reads, from the read pool: no write transaction is
// held (on SQLite that would stop every writer meanwhile).
func (a *App) Marketable(ctx context.Context, contactIDs []int64, topicKey string) (map[int64]string, error) {
	var topicID int64
	if topicKey != "" {
		t, err := a.Store.EmailTopicByKey(ctx, topicKey)
		if errors.Is(err, crm.ErrNotFound) {
			return nil, crm.Invalid("topic", "no such topic: "+topicKey)
		}
		if err != nil {
			return nil, err
		}
		topicID = t.ID
	}
	rows, err := a.Store.MarketableRows(ctx, contactIDs, topicID)
	if err != nil {
		return nil, err
	}
	var hashes []string
	for _, r := range rows {
		if r.Email != "" {
			hashes = append(hashes, EmailHash(r.Email))
		}
	}
	suppressed, err := a.Store.SuppressedHashes(ctx, hashes)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(contactIDs))
	for _, id := range contactIDs {
		out[id] = marketableReason(rows, suppressed, id)
	}
	return out, nil
}

func marketableReason(rows map[int64]store.MarketableRow, suppressed map[string]string, id int64) string {
	r, ok := rows[id]
	switch {
	case !ok:
		return NotMarketableMissing
	case r.Email == "":
		return NotMarketableNoEmail
	case r.Consent != crm.ConsentGranted:
		return NotMarketableNoConsent
	case suppressed[EmailHash(r.Email)] != "":
		return NotMarketableSuppressed
	case r.OptedOut:
		return NotMarketableTopic
	}
	return ""
}

// ---- opens and clicks ----

// Agent classes of the detail of an open or a click.
const (
	AgentPerson      = ""
	AgentAppleProxy  = "proxy:apple"  // Apple Mail Privacy Protection prefetch
	AgentGoogleProxy = "proxy:google" // Gmail's image proxy
	AgentYahooProxy  = "proxy:yahoo"
	AgentOtherProxy  = "proxy:other"
	AgentScanner     = "scanner" // a link checker or bot: not counted on the timeline or in scoring
)

var (
	scannerRE = regexp.MustCompile(`(?i)bot|crawl|spider|scan|preview|python|curl|wget|go-http-client|java/|barracuda|proofpoint|mimecast|safelinks|symantec|trendmicro|headless`)
	appleNet  = netip.MustParsePrefix("17.0.0.0/8") // Apple's network, where MPP fetches come from
)

// ClassifyAgent says who fetched a pixel or followed a link, from the
// User-Agent and the client address.
func ClassifyAgent(ua, ip string) string {
	switch {
	case strings.Contains(ua, "GoogleImageProxy"):
		return AgentGoogleProxy
	case strings.Contains(ua, "YahooMailProxy"):
		return AgentYahooProxy
	case strings.TrimSpace(ua) == "" || scannerRE.MatchString(ua):
		return AgentScanner
	}
	if a, err := netip.ParseAddr(ip); err == nil && appleNet.Contains(a.Unmap()) {
		return AgentAppleProxy
	}
	if ua == "Mozilla/5.0" || strings.Contains(ua, "ImageProxy") || strings.Contains(ua, "via ggpht.com") {
		return AgentOtherProxy
	}
	return AgentPerson
}

// RecordOpen records that the open pixel of a message was fetched. A bad
// token is crm.ErrNotFound (the caller still answers with the pixel).
// Every fetch is an event; the first one of a message (not by a scanner)
// goes on the timeline and into engagement scoring.
func (a *App) RecordOpen(ctx context.Context, token, ua, ip string) error {
	var contactID int64
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := a.recipient(ctx, tx, mailtoken.Open, token, "")
		if err != nil {
			return err
		}
		m, now, agent := r.Message, a.now(), ClassifyAgent(ua, ip)
		seen, err := tx.HasEmailEvent(ctx, m.ID, "open")
		if err != nil {
			return err
		}
		if err := tx.AddEmailEvent(ctx, &store.EmailEvent{MessageID: m.ID, ContactID: r.Contact.ID, SourceType: m.SourceType,
			SourceID: m.SourceID, Kind: "open", Detail: agent, At: now}); err != nil {
			return err
		}
		if seen || agent == AgentScanner {
			return nil
		}
		contactID = r.Contact.ID
		return a.engaged(ctx, tx, r, KindEmailOpened, "email_open", "", agent)
	})
	if err == nil && contactID != 0 {
		a.rescoreAfter(ctx, contactID)
	}
	return err
}

// ClickTarget checks that a click link's URL is one the token was signed
// for and is a web address; only then may the caller redirect to it.
func ClickTarget(target string) (string, bool) {
	if len(target) > 2048 || strings.ContainsAny(target, "\r\n\t\\") {
		return "", false
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "", false
	}
	return u.String(), true
}

// RecordClick verifies a click token for exactly that target URL and
// records the click; it returns the URL to redirect to. Anything else is
// crm.ErrNotFound, and the caller must not redirect.
func (a *App) RecordClick(ctx context.Context, token, target, ua, ip string) (string, error) {
	dest, ok := ClickTarget(target)
	if !ok {
		return "", crm.ErrNotFound
	}
	var contactID int64
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := a.recipient(ctx, tx, mailtoken.Click, token, target)
		if err != nil {
			return err
		}
		m, now, agent := r.Message, a.now(), ClassifyAgent(ua, ip)
		if err := tx.AddEmailEvent(ctx, &store.EmailEvent{MessageID: m.ID, ContactID: r.Contact.ID, SourceType: m.SourceType,
			SourceID: m.SourceID, Kind: "click", URL: target, Detail: agent, At: now}); err != nil {
			return err
		}
		if agent == AgentScanner {
			return nil
		}
		contactID = r.Contact.ID
		return a.engaged(ctx, tx, r, KindEmailClicked, "email_click", target, agent)
	})
	if err != nil {
		return "", err
	}
	if contactID != 0 {
		a.rescoreAfter(ctx, contactID)
	}
	return dest, nil
}

// engaged puts an open or a click on the timeline and into the events
// engagement scoring reads (kind email_open / email_click, name
// "<source_type>:<source_id>", path the URL).
func (a *App) engaged(ctx context.Context, tx *store.Tx, r Recipient, kind, scoreKind, target, agent string) error {
	m, now := r.Message, a.now()
	if err := tx.AddEmailScoreEvent(ctx, r.Contact.ID, scoreKind, m.SourceType+":"+strconv.FormatInt(m.SourceID, 10), target, now); err != nil {
		return err
	}
	data := map[string]any{"source_type": m.SourceType, "source_id": m.SourceID}
	if target != "" {
		data["url"] = target
	}
	if agent != "" {
		data["agent"] = agent
	}
	return tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: r.Contact.ID, Kind: kind, Data: data,
		RefType: "email_message", RefID: m.ID})
}

package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"renkei/internal/crm"
	"renkei/internal/emailtpl"
	"renkei/internal/jobs"
	"renkei/internal/mailtoken"
	"renkei/internal/sender"
	"renkei/internal/store"
)

// Engine sends the outbox (email_messages): it claims due messages in
// batches under a lease, checks that each recipient is still marketable,
// renders, signs and sends them over persistent SMTP connections within
// the throttle, and records the outcomes in batches. Every process runs
// one; they share the work through the claims.
type Engine struct {
	a        *App
	worker   string
	Batch    int           // messages per claim
	Lease    time.Duration // how long a claim is held before another sender may take it
	Poll     time.Duration // idle wait between claims
	Timeouts sender.Timeouts
	// MaxAttempts is the number of tries before a message is failed.
	MaxAttempts int
	// BeforeRecord, when set, runs before each batch of outcomes is
	// written (fault tests stop here).
	BeforeRecord func(n int)

	mu       sync.Mutex
	throttle *sender.Throttle
	rates    [2]int
	srcThr   map[int64]*sender.Throttle
	sources  map[string]*preparedSource
	wake     chan struct{}
	sentN    int64
	pools    map[string]*relayPool
	results  chan store.Delivery
	workers  sync.WaitGroup
	inflight atomic.Int64
	segTick  time.Time // the last walk of the sequences' enrolment segments
}

// NewEngine returns the sending engine of the app.
func (a *App) NewEngine() *Engine {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	e := &Engine{a: a, worker: "send-" + host + "-" + hex.EncodeToString(b), Batch: 500, Lease: 10 * time.Minute,
		Poll: time.Second, Timeouts: sender.DefaultTimeouts, MaxAttempts: 8,
		srcThr: map[int64]*sender.Throttle{}, sources: map[string]*preparedSource{}, wake: make(chan struct{}, 1)}
	a.engine = e
	return e
}

// wakeSender wakes this process's engine, if it runs one.
func (a *App) wakeSender() {
	if a.engine != nil {
		a.engine.Wake()
	}
}

// Wake makes an idle engine claim now (after a broadcast is queued).
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// senderReload is called when the sending settings change; the engine
// reads them at every claim, so there is nothing to drop.
func (a *App) senderReload() {}

// sendConfig is what one claim round needs, read from the settings.
type sendConfig struct {
	s      crm.SendingSettings
	signer *sender.Signer
	secret []byte
	ws     crm.Workspace
	midKey string // per-installation part of Message-IDs
}

func (e *Engine) config(ctx context.Context) (*sendConfig, error) {
	s, _, err := e.a.sending(ctx)
	if err != nil {
		return nil, err
	}
	ws, _, err := e.a.Workspace(ctx)
	if err != nil {
		return nil, err
	}
	secret, err := e.a.MailSecret(ctx)
	if err != nil {
		return nil, err
	}
	c := &sendConfig{s: s, secret: secret, ws: ws}
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("message-id"))
	c.midKey = hex.EncodeToString(h.Sum(nil)[:4])
	if s.DKIMKey != "" {
		if c.signer, err = e.cachedSigner(s); err != nil {
			return nil, fmt.Errorf("DKIM key: %w", err)
		}
	}
	e.mu.Lock()
	if e.throttle == nil || e.rates != [2]int{s.PerSecond, s.PerHour} {
		e.throttle, e.rates = sender.NewThrottle(s.PerSecond, s.PerHour), [2]int{s.PerSecond, s.PerHour}
	}
	e.mu.Unlock()
	return c, nil
}

var signerCache struct {
	sync.Mutex
	key    string
	signer *sender.Signer
}

func (e *Engine) cachedSigner(s crm.SendingSettings) (*sender.Signer, error) {
	signerCache.Lock()
	defer signerCache.Unlock()
	k := s.Domain + "\x00" + s.DKIMSelector + "\x00" + s.DKIMKey
	if signerCache.key == k {
		return signerCache.signer, nil
	}
	sg, err := sender.NewSigner(s.Domain, s.DKIMSelector, s.DKIMKey)
	if err != nil {
		return nil, err
	}
	signerCache.key, signerCache.signer = k, sg
	return sg, nil
}

// ready reports why the engine cannot send now ("" when it can).
func (c *sendConfig) ready() string {
	switch {
	case len(c.s.Relays) == 0:
		return "no SMTP server"
	case c.s.FromAddress == "" || c.s.Domain == "":
		return "no sending domain or address"
	case !c.s.Compliance.Complete():
		return "the compliance block is incomplete"
	}
	return ""
}

// item is one claimed message ready for a worker.
type item struct {
	msg   store.OutboxMessage
	rc    store.SendContact
	cfg   *sendConfig
	src   *preparedSource
	relay crm.SMTPRelay
}

// Run sends until ctx ends. Each relay has a pool of workers, one per
// connection (its MaxConns), each keeping its connection open; one
// goroutine claims, one records.
func (e *Engine) Run(ctx context.Context) {
	e.results = make(chan store.Delivery, e.Batch)
	e.pools = map[string]*relayPool{}
	recDone := make(chan struct{})
	go func() { e.record(e.results); close(recDone) }()
	e.claimLoop(ctx)
	e.mu.Lock()
	for _, p := range e.pools {
		close(p.ch)
	}
	e.mu.Unlock()
	e.workers.Wait()
	close(e.results)
	<-recDone
}

// relayPool is the workers of one relay and the queue they take from.
type relayPool struct {
	ch      chan item
	workers int
}

func relayKey(r crm.SMTPRelay) string { return fmt.Sprintf("%s:%d:%s", r.Host, r.Port, r.Username) }

// pool returns the queue of a relay, starting workers up to its MaxConns.
func (e *Engine) pool(ctx context.Context, r crm.SMTPRelay) chan item {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := relayKey(r)
	p := e.pools[k]
	if p == nil {
		p = &relayPool{ch: make(chan item, e.Batch)}
		e.pools[k] = p
	}
	for p.workers < min(r.MaxConns, crm.MaxConns) {
		p.workers++
		e.workers.Add(1)
		go func() { defer e.workers.Done(); e.work(ctx, p.ch) }()
	}
	return p.ch
}

// pickRelay chooses a message's relay in proportion to the weights (the
// same relay for the same message, so retries spread like first tries).
func pickRelay(rs []crm.SMTPRelay, id int64) crm.SMTPRelay {
	total := 0
	for _, r := range rs {
		total += max(1, r.Weight)
	}
	n := int((uint64(id) * 2654435761) % uint64(total))
	for _, r := range rs {
		if n < max(1, r.Weight) {
			return r
		}
		n -= max(1, r.Weight)
	}
	return rs[0]
}

func (e *Engine) claimLoop(ctx context.Context) {
	lastTick := time.Time{}
	for ctx.Err() == nil {
		if time.Since(lastTick) > 2*time.Second {
			lastTick = time.Now()
			if err := e.a.tickBroadcasts(ctx, e); err != nil && ctx.Err() == nil {
				e.a.Log.Warn("broadcasts tick", "err", err)
			}
			withSegments := time.Since(e.segTick) > segmentEnrolEvery
			if withSegments {
				e.segTick = time.Now()
			}
			if _, err := e.a.TickSequences(ctx, e.worker, withSegments); err != nil && ctx.Err() == nil {
				e.a.Log.Warn("sequences tick", "err", err)
			}
		}
		n, err := e.claimOnce(ctx)
		if err != nil && ctx.Err() == nil {
			e.a.Log.Warn("outbox claim", "err", err)
		}
		if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
		case <-e.wake:
		case <-time.After(e.Poll):
		}
	}
}

// claimOnce claims one batch, drops recipients who may no longer get
// marketing mail, and hands the rest to the relays' workers.
func (e *Engine) claimOnce(ctx context.Context) (int, error) {
	cfg, err := e.config(ctx)
	if err != nil {
		return 0, err
	}
	if cfg.ready() != "" {
		return 0, nil
	}
	n := e.Batch
	if ps := cfg.s.PerSecond; ps > 0 {
		n = min(n, max(10, ps*5)) // a claim lasts about five seconds at the throttle
	}
	// Wait until the last claim is mostly sent, so claimed messages do not
	// sit leased in memory (and a crash duplicates at most about a batch).
	for e.inflight.Load() > int64(n/2) && ctx.Err() == nil {
		time.Sleep(2 * time.Millisecond)
	}
	if ctx.Err() != nil {
		return 0, nil
	}
	now := e.a.now()
	msgs, err := e.a.Store.ClaimMessages(ctx, e.worker, []string{SourceBroadcast, SourceSequence}, n, now, e.Lease)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	ids := make([]int64, 0, len(msgs))
	hashes := make([]string, 0, len(msgs))
	for _, m := range msgs {
		ids = append(ids, m.ContactID)
		hashes = append(hashes, EmailHash(m.Email))
	}
	rcs, err := e.a.Store.SendContacts(ctx, ids)
	if err != nil {
		return 0, err
	}
	sup, err := e.a.Store.SuppressedHashes(ctx, hashes)
	if err != nil {
		return 0, err
	}
	var dropped []store.Delivery
	optedOut := map[string]map[int64]bool{} // by topic: opted out in the preference centre since queueing
	for i, m := range msgs {
		rc, ok := rcs[m.ContactID]
		if !ok || sup[hashes[i]] != "" || rc.Contact.Consent != crm.ConsentGranted {
			dropped = append(dropped, store.Delivery{ID: m.ID, Status: store.MsgSuppressed, Error: "no longer marketable"})
			continue
		}
		src, err := e.source(ctx, m.SourceType, m.SourceID)
		if err != nil {
			dropped = append(dropped, store.Delivery{ID: m.ID, Status: store.MsgFailed, Error: err.Error()})
			continue
		}
		if topic := src.b.Topic; topic != "" {
			out, ok := optedOut[topic]
			if !ok {
				if out, err = e.a.Store.TopicOptedOut(ctx, topic, ids); err != nil {
					return 0, err
				}
				optedOut[topic] = out
			}
			if out[m.ContactID] {
				dropped = append(dropped, store.Delivery{ID: m.ID, Status: store.MsgSuppressed, Error: "opted out of the topic " + topic})
				continue
			}
		}
		relay := pickRelay(cfg.s.Relays, m.ID)
		e.inflight.Add(1)
		e.pool(ctx, relay) <- item{msg: m, rc: rc, cfg: cfg, src: src, relay: relay}
	}
	if len(dropped) > 0 {
		if err := e.a.Store.RecordDeliveries(ctx, e.worker, dropped, e.a.now()); err != nil {
			return 0, err
		}
	}
	return len(msgs), nil
}

// work is one connection's worker: it sends the items of its relay's
// queue over one persistent connection, dialling again when needed.
func (e *Engine) work(ctx context.Context, items <-chan item) {
	var conn *sender.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for it := range items {
		if ctx.Err() != nil {
			// Shutting down: give the message back at once rather than
			// leave it leased until the lease runs out.
			e.results <- store.Delivery{ID: it.msg.ID, Status: store.MsgQueued, NextAt: e.a.now(), Error: "sender stopped"}
		} else {
			e.results <- e.deliver(ctx, it, &conn, it.relay)
		}
		e.inflight.Add(-1)
	}
}

// deliver renders and sends one message and returns its outcome.
func (e *Engine) deliver(ctx context.Context, it item, conn **sender.Conn, relay crm.SMTPRelay) store.Delivery {
	m := it.msg
	d := store.Delivery{ID: m.ID, ContactID: m.ContactID, SourceType: m.SourceType, SourceID: m.SourceID,
		EmailHash: EmailHash(m.Email), Server: relay.Host}
	raw, mid, err := e.render(it)
	d.MessageID = mid
	if err != nil {
		d.Status, d.Error = store.MsgFailed, err.Error()
		return d
	}
	e.mu.Lock()
	thr := e.throttle
	e.mu.Unlock()
	if err := thr.Wait(ctx); err != nil {
		return e.retry(d, m, err)
	}
	if t := it.src.throttle; t != nil {
		if err := t.Wait(ctx); err != nil {
			return e.retry(d, m, err)
		}
	}
	if *conn != nil && (!(*conn).Usable() || (*conn).Relay.Host != relay.Host || (*conn).Relay.Port != relay.Port) {
		(*conn).Close()
		*conn = nil
	}
	if *conn == nil {
		c, err := sender.Dial(ctx, relay, it.cfg.s.Domain, e.Timeouts)
		if err != nil {
			return e.retry(d, m, err)
		}
		*conn = c
	}
	o := (*conn).Send(it.cfg.s.FromAddress, m.Email, raw)
	switch o.Result {
	case sender.Sent:
		d.Status = store.MsgSent
	case sender.Bounced:
		d.Status, d.Error = store.MsgBounced, o.Err.Error()
	case sender.Failed:
		d.Status, d.Error = store.MsgFailed, o.Err.Error()
	default:
		return e.retry(d, m, o.Err)
	}
	return d
}

// retry schedules another attempt with backoff, or fails the message when
// it has used its attempts.
func (e *Engine) retry(d store.Delivery, m store.OutboxMessage, err error) store.Delivery {
	d.Error = err.Error()
	if m.Attempts >= e.MaxAttempts {
		d.Status = store.MsgFailed
		return d
	}
	d.Status, d.NextAt = store.MsgQueued, e.a.now().Add(jobs.Backoff(m.Attempts))
	return d
}

// record writes outcomes in batches: every 500 or every 100 ms.
func (e *Engine) record(results <-chan store.Delivery) {
	buf := make([]store.Delivery, 0, 500)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	flush := func() {
		if len(buf) == 0 {
			return
		}
		if e.BeforeRecord != nil {
			e.BeforeRecord(len(buf))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for try := 0; try < 5; try++ {
			err := e.a.Store.RecordDeliveries(ctx, e.worker, buf, e.a.now())
			if err == nil {
				break
			}
			e.a.Log.Warn("outbox record", "err", err, "n", len(buf))
			time.Sleep(time.Duration(try+1) * 200 * time.Millisecond)
		}
		e.mu.Lock()
		e.sentN += int64(len(buf))
		e.mu.Unlock()
		buf = buf[:0]
	}
	for {
		select {
		case d, ok := <-results:
			if !ok {
				flush()
				return
			}
			buf = append(buf, d)
			if len(buf) >= 500 {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// Recorded returns how many outcomes the engine has written (tests).
func (e *Engine) Recorded() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sentN
}

// ---- sources and rendering ----

// preparedSource is a broadcast's parsed templates and throttle, shared by
// all its messages.
type preparedSource struct {
	b        crm.Broadcast
	subject  [2]*emailtpl.Template // a, b
	html     *emailtpl.Template
	text     *emailtpl.Template // nil: made from each rendered HTML
	tpl      *crm.EmailRenderer // the e-mail template the content comes from (b.TemplateID), or nil
	throttle *sender.Throttle
	loaded   time.Time
}

func (e *Engine) source(ctx context.Context, typ string, id int64) (*preparedSource, error) {
	key := typ + ":" + fmt.Sprint(id)
	e.mu.Lock()
	p := e.sources[key]
	e.mu.Unlock()
	if p != nil && time.Since(p.loaded) < 30*time.Second {
		return p, nil
	}
	var b crm.Broadcast
	var err error
	switch typ {
	case SourceBroadcast:
		b, err = e.a.Store.Broadcast(ctx, id)
	case SourceSequence: // a sequence's e-mail step (sequences.go)
		b, err = e.a.sequenceSource(ctx, id)
	default:
		return nil, fmt.Errorf("unknown message source %q", typ)
	}
	if err != nil {
		return nil, err
	}
	p, err = prepareBroadcast(b)
	if err != nil {
		return nil, err
	}
	if b.TemplateID != 0 {
		// The template as it is now: an edit to it reaches the messages
		// not yet sent (within the 30 s this source is kept).
		if p.tpl, err = e.a.broadcastTemplate(ctx, b.TemplateID); err != nil {
			return nil, fmt.Errorf("template %d: %w", b.TemplateID, err)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	// A broadcast may have a throttle of its own (sequence steps have none).
	if old := e.srcThr[id]; typ == SourceBroadcast && old != nil {
		p.throttle = old
	} else if typ == SourceBroadcast && (b.PerSecond > 0 || b.PerHour > 0) {
		p.throttle = sender.NewThrottle(b.PerSecond, b.PerHour)
		e.srcThr[id] = p.throttle
	}
	e.sources[key] = p
	return p, nil
}

func prepareBroadcast(b crm.Broadcast) (*preparedSource, error) {
	p := &preparedSource{b: b, loaded: time.Now()}
	var err error
	if p.subject[0], err = emailtpl.Parse(b.Subject, crm.IsMergeField); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	p.subject[1] = p.subject[0]
	if b.SubjectB != "" {
		if p.subject[1], err = emailtpl.Parse(b.SubjectB, crm.IsMergeField); err != nil {
			return nil, fmt.Errorf("subject B: %w", err)
		}
	}
	if p.html, err = emailtpl.Parse(b.HTML, crm.IsMergeField); err != nil {
		return nil, fmt.Errorf("HTML: %w", err)
	}
	// The text part: the HTML's text, with the merge tags kept, parsed once.
	if t, err := emailtpl.Parse(emailtpl.PlainText(b.HTML), crm.IsMergeField); err == nil {
		p.text = t
	}
	return p, nil
}

// render builds one recipient's signed message and its Message-ID.
func (e *Engine) render(it item) ([]byte, string, error) {
	cfg, b, m, c := it.cfg, it.src.b, it.msg, it.rc.Contact
	mid := fmt.Sprintf("%d.%s@%s", m.ID, cfg.midKey, cfg.s.Domain)
	lang := cfg.ws.Language
	owner := crm.User{Name: it.rc.OwnerName, Email: it.rc.OwnerEmail}
	data := crm.MergeData(c, c.CompanyName, owner, it.rc.OwnerSignature, cfg.ws, lang)
	subj := it.src.subject[0]
	if m.Variant == "b" {
		subj = it.src.subject[1]
	}
	base := e.a.BaseURL
	unsubTok := mailtoken.Sign(cfg.secret, mailtoken.Unsubscribe, m.ID, m.ContactID, "")
	unsubURL := base + mailtoken.UnsubscribePath(unsubTok)
	var body, text, tplSubject string
	if it.src.tpl != nil {
		tplSubject, body, text = it.src.tpl.Render(data)
	} else {
		body = it.src.html.Execute(data, true)
	}
	body = sender.RewriteLinks(body, func(u string) bool { return strings.HasPrefix(u, base+"/e/u/") }, func(u string) string {
		tok := mailtoken.Sign(cfg.secret, mailtoken.Click, m.ID, m.ContactID, u)
		return base + mailtoken.ClickPath(tok) + "?u=" + url.QueryEscape(u)
	})
	switch {
	case it.src.tpl != nil: // the template made it
	case it.src.text != nil:
		text = it.src.text.Execute(data, false)
	default:
		text = emailtpl.PlainText(body)
	}
	subject := subj.Subject(data)
	if subject == "" {
		subject = tplSubject
	}
	openTok := mailtoken.Sign(cfg.secret, mailtoken.Open, m.ID, m.ContactID, "")
	htmlFooter, textFooter := footers(cfg.s.Compliance, unsubURL, lang)
	body = preheader(body, b.Preheader)
	body = sender.InsertBeforeBodyEnd(body, htmlFooter+`<img src="`+base+mailtoken.OpenPath(openTok)+`" width="1" height="1" alt="" style="display:block;border:0">`)
	msg := sender.Message{
		FromName: b.FromName, FromAddress: cfg.s.FromAddress, To: m.Email, ToName: data["full_name"],
		Subject: subject, MessageID: mid, Date: e.a.now(),
		UnsubscribeURL:    unsubURL,
		UnsubscribeMailto: "mailto:unsubscribe@" + cfg.s.Domain + "?subject=unsubscribe%20" + unsubTok,
		Text:              text + textFooter, HTML: body,
	}
	if msg.FromName == "" {
		msg.FromName = cfg.s.FromName
	}
	if b.AsOwner && owner.Email != "" && !strings.EqualFold(owner.Email, cfg.s.FromAddress) {
		msg.FromName, msg.FromAddress, msg.Sender = owner.Name, owner.Email, cfg.s.FromAddress
	}
	raw, err := sender.Build(msg, "rk-"+mid[:strings.IndexByte(mid, '@')])
	if err != nil {
		return nil, mid, err
	}
	if cfg.signer != nil {
		if raw, err = cfg.signer.Sign(raw); err != nil {
			return nil, mid, err
		}
	}
	return raw, mid, nil
}

// footers returns the compliance footer (特定電子メール法 / CAN-SPAM): the
// sender, the postal address, the contact address and the opt-out link.
func footers(c crm.Compliance, unsubURL string, lang crm.Language) (htmlPart, textPart string) {
	optOut, contact := "Unsubscribe", "Contact"
	if lang == crm.LangJA {
		optOut, contact = "配信停止", "お問い合わせ"
	}
	esc := html.EscapeString
	htmlPart = `<div style="margin-top:24px;padding-top:12px;border-top:1px solid #ddd;font-size:12px;color:#666">` +
		esc(c.SenderName) + `<br>` + strings.ReplaceAll(esc(c.PostalAddress), "\n", "<br>") + `<br>` +
		contact + `: <a href="mailto:` + esc(c.ContactEmail) + `">` + esc(c.ContactEmail) + `</a><br>` +
		`<a href="` + esc(unsubURL) + `">` + optOut + `</a></div>`
	textPart = "\n--\n" + c.SenderName + "\n" + c.PostalAddress + "\n" + contact + ": " + c.ContactEmail + "\n" +
		optOut + ": " + unsubURL + "\n"
	return htmlPart, textPart
}

// preheader puts the hidden preview text first in the body.
func preheader(body, text string) string {
	if text == "" {
		return body
	}
	span := `<div style="display:none;max-height:0;overflow:hidden">` + html.EscapeString(text) + `</div>`
	low := strings.ToLower(body)
	if i := strings.Index(low, "<body"); i >= 0 {
		if j := strings.IndexByte(low[i:], '>'); j >= 0 {
			return body[:i+j+1] + span + body[i+j+1:]
		}
	}
	return span + body
}

// errNotReady is returned when a broadcast starts before sending is set up.
var errNotReady = errors.New("sending is not set up")

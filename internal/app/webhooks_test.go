package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// receiver is a local webhook endpoint that records what it gets and
// answers with the statuses it is told, in turn (200 when they run out).
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	got      []receivedHook
	statuses []int
}

type receivedHook struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, receivedHook{header: r.Header.Clone(), body: body})
		status := http.StatusOK
		if len(rc.statuses) > 0 {
			status, rc.statuses = rc.statuses[0], rc.statuses[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, "answer "+http.StatusText(status))
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) received() []receivedHook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]receivedHook(nil), rc.got...)
}

// runDeliveries runs the due delivery jobs at the fixture's clock, as the
// job runner would, until none is due.
func runDeliveries(t *testing.T, f *fixture) int {
	t.Helper()
	n := 0
	for {
		js, err := f.app.Store.ClaimJobs(ctx, "test", []string{JobWebhookDeliver}, 10, f.clock.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(js) == 0 {
			return n
		}
		for _, j := range js {
			if err := f.app.handleWebhookDeliver(ctx, j, nil); err != nil {
				t.Fatalf("deliver job %d: %v", j.ID, err)
			}
			if err := f.app.Store.FinishJob(ctx, j.ID, "test", f.clock.Now()); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
}

func allowPrivate(t *testing.T, f *fixture, on bool) {
	t.Helper()
	s, err := f.app.WebhookSettings(ctx, f.owner)
	if err != nil {
		t.Fatal(err)
	}
	s.AllowPrivate = on
	if _, err := f.app.UpdateWebhookSettings(ctx, f.owner, s); err != nil {
		t.Fatal(err)
	}
}

func deliveries(t *testing.T, f *fixture, hookID int64) []store.WebhookDelivery {
	t.Helper()
	ds, err := f.app.WebhookDeliveries(ctx, f.owner, hookID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// verifySignature checks X-Renkei-Signature the way a receiver would.
func verifySignature(t *testing.T, secret string, h receivedHook) {
	t.Helper()
	sig := h.header.Get("X-Renkei-Signature")
	var ts string
	for _, part := range strings.Split(sig, ",") {
		if v, ok := strings.CutPrefix(part, "t="); ok {
			ts = v
		}
	}
	if ts == "" || !strings.Contains(sig, ",v1=") {
		t.Fatalf("signature %q is not t=…,v1=…", sig)
	}
	// Computed here as a receiver would, not with Sign.
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(h.body)))
	want := "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		t.Errorf("signature %q, want %q", sig, want)
	}
}

func TestWebhookDeliveredAndSigned(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	rc := newReceiver(t)
	allowPrivate(t, f, true)
	h, err := f.app.CreateWebhook(ctx, f.owner, WebhookInput{URL: rc.srv.URL + "/hook", Events: []string{EventContactCreated}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h.Secret, "whsec_") || len(h.Secret) < 40 {
		t.Fatalf("secret %q", h.Secret)
	}
	if listed, _ := f.app.Webhook(ctx, f.owner, h.ID); listed.Secret != "" {
		t.Error("the secret is shown again after creation")
	}
	c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "hook@example.com", PersonName: crm.PersonName{Family: "山田", Given: "太郎"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rc.received(); len(got) != 0 {
		t.Fatalf("sent before the job ran: %d", len(got))
	}
	if n := runDeliveries(t, f); n != 1 {
		t.Fatalf("ran %d delivery jobs, want 1", n)
	}
	got := rc.received()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	r := got[0]
	verifySignature(t, h.Secret, r)
	if ev := r.header.Get("X-Renkei-Event"); ev != EventContactCreated {
		t.Errorf("X-Renkei-Event %q", ev)
	}
	var p struct {
		Data struct {
			Contact map[string]any `json:"contact"`
			Via     string         `json:"via"`
		} `json:"data"`
	}
	var top map[string]any
	if err := json.Unmarshal(r.body, &top); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(r.body, &p)
	if top["event"] != EventContactCreated || !strings.HasPrefix(top["id"].(string), "evt_") || top["created_at"] != "2026-04-01T00:30:00Z" {
		t.Errorf("payload %s", r.body)
	}
	if p.Data.Contact["email"] != "hook@example.com" || p.Data.Contact["id"] != float64(c.ID) || p.Data.Via != "ui" {
		t.Errorf("payload data %s", r.body)
	}
	ds := deliveries(t, f, h.ID)
	if len(ds) != 1 {
		t.Fatalf("%d deliveries", len(ds))
	}
	d := ds[0]
	if d.Status != store.DeliveryDelivered || d.Attempts != 1 || d.ResponseCode != 200 || d.ResponseBody != "answer OK" ||
		d.UID != r.header.Get("X-Renkei-Delivery") || d.ContactID != c.ID || !d.NextAttemptAt.IsZero() {
		t.Errorf("delivery %+v", d)
	}
	// A job run twice (its process died after sending) sends nothing more.
	j := deliveryJob(d.ID, f.clock.Now())
	if err := f.app.Store.Enqueue(ctx, j); err != nil {
		t.Fatal(err)
	}
	runDeliveries(t, f)
	if n := len(rc.received()); n != 1 {
		t.Errorf("a finished delivery was sent again: %d requests", n)
	}
}

func TestWebhookRetryThenSuccess(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	rc := newReceiver(t, 500, 503)
	allowPrivate(t, f, true)
	h, err := f.app.CreateWebhook(ctx, f.owner, WebhookInput{URL: rc.srv.URL, Events: []string{EventAll}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "retry@example.com"}}); err != nil {
		t.Fatal(err)
	}
	runDeliveries(t, f)
	d := deliveries(t, f, h.ID)[0]
	if d.Status != store.DeliveryRetrying || d.Attempts != 1 || d.ResponseCode != 500 ||
		!d.NextAttemptAt.Equal(f.clock.Now().Add(time.Minute)) || !strings.Contains(d.Error, "500") {
		t.Fatalf("after a 500: %+v", d)
	}
	f.clock.Add(59 * time.Second)
	if n := runDeliveries(t, f); n != 0 {
		t.Errorf("retried %d before the backoff ran out", n)
	}
	f.clock.Add(time.Second)
	runDeliveries(t, f)
	d = deliveries(t, f, h.ID)[0]
	if d.Status != store.DeliveryRetrying || d.Attempts != 2 || !d.NextAttemptAt.Equal(f.clock.Now().Add(4*time.Minute)) {
		t.Fatalf("after a 503: %+v", d)
	}
	f.clock.Add(4 * time.Minute)
	runDeliveries(t, f)
	d = deliveries(t, f, h.ID)[0]
	if d.Status != store.DeliveryDelivered || d.Attempts != 3 || d.ResponseCode != 200 || d.Error != "" {
		t.Fatalf("after success: %+v", d)
	}
	got := rc.received()
	if len(got) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(got))
	}
	for _, r := range got {
		if r.header.Get("X-Renkei-Delivery") != d.UID || string(r.body) != string(got[0].body) {
			t.Error("a retry changed the delivery id or the body")
		}
		verifySignature(t, h.Secret, r)
	}
}

func TestWebhookGivesUp(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	rc := newReceiver(t, 500, 500, 500, 500, 500, 500, 500)
	allowPrivate(t, f, true)
	h, err := f.app.CreateWebhook(ctx, f.owner, WebhookInput{URL: rc.srv.URL, Events: []string{EventContactCreated}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "gives-up@example.com"}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		runDeliveries(t, f)
		f.clock.Add(5 * time.Hour)
	}
	d := deliveries(t, f, h.ID)[0]
	if d.Status != store.DeliveryFailed || d.Attempts != MaxDeliveryAttempts || len(rc.received()) != MaxDeliveryAttempts {
		t.Errorf("after %d failures: %+v, %d requests", MaxDeliveryAttempts, d, len(rc.received()))
	}
	want := []time.Duration{time.Minute, 4 * time.Minute, 16 * time.Minute, 64 * time.Minute, 256 * time.Minute}
	for i, w := range want {
		if got := DeliveryBackoff(i + 1); got != w {
			t.Errorf("DeliveryBackoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestWebhookRefusedTarget(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	rc := newReceiver(t)
	allowPrivate(t, f, true)
	target := strings.Replace(rc.srv.URL, "http://", "https://", 1)
	h, err := f.app.CreateWebhook(ctx, f.owner, WebhookInput{URL: target, Events: []string{EventContactCreated}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	// The admin turns private targets off again: the stored webhook now
	// points at loopback and must be refused when it is dialled.
	allowPrivate(t, f, false)
	if _, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "refused@example.com"}}); err != nil {
		t.Fatal(err)
	}
	runDeliveries(t, f)
	d := deliveries(t, f, h.ID)[0]
	if d.Status != store.DeliveryFailed || d.Attempts != 1 || !strings.Contains(d.Error, "loopback") || !d.NextAttemptAt.IsZero() {
		t.Errorf("delivery to loopback: %+v", d)
	}
	if n := len(rc.received()); n != 0 {
		t.Errorf("receiver got %d requests", n)
	}
	f.clock.Add(time.Hour)
	if n := runDeliveries(t, f); n != 0 {
		t.Errorf("a refused delivery was retried (%d jobs)", n)
	}
}

func TestWebhookNotSentOnRollback(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	rc := newReceiver(t)
	allowPrivate(t, f, true)
	h, err := f.app.CreateWebhook(ctx, f.owner, WebhookInput{URL: rc.srv.URL, Events: []string{EventLeadMQL}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = f.app.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := f.app.emitWebhook(ctx, tx, EventLeadMQL, map[string]any{"contact_id": 1}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM webhook_deliveries"); n != 0 {
		t.Errorf("%d deliveries after a rollback", n)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM jobs WHERE kind = $1", JobWebhookDeliver); n != 0 {
		t.Errorf("%d jobs after a rollback", n)
	}
	runDeliveries(t, f)
	if n := len(rc.received()); n != 0 {
		t.Errorf("receiver got %d requests", n)
	}
	// Committed, it goes out; an event nobody subscribed to does not.
	err = f.app.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := f.app.emitWebhook(ctx, tx, EventLeadMQL, map[string]any{"contact_id": 7}); err != nil {
			return err
		}
		return f.app.emitWebhook(ctx, tx, EventLeadRejected, map[string]any{"contact_id": 7})
	})
	if err != nil {
		t.Fatal(err)
	}
	runDeliveries(t, f)
	if got := rc.received(); len(got) != 1 || got[0].header.Get("X-Renkei-Event") != EventLeadMQL {
		t.Errorf("receiver got %d requests, want the lead.mql one", len(got))
	}
	if d := deliveries(t, f, h.ID); len(d) != 1 || d[0].ContactID != 7 {
		t.Errorf("deliveries %+v", d)
	}
}

func TestWebhookInactiveTestAndResend(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	rc := newReceiver(t, 500)
	allowPrivate(t, f, true)
	h, err := f.app.CreateWebhook(ctx, f.owner, WebhookInput{Name: "Chat", URL: rc.srv.URL, Events: []string{EventContactCreated}, Active: false})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "inactive@example.com"}}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM webhook_deliveries"); n != 0 {
		t.Errorf("an inactive webhook got %d deliveries", n)
	}
	// The test event goes even to an inactive webhook.
	ping, err := f.app.SendTestWebhook(ctx, f.owner, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	runDeliveries(t, f)
	ping, _ = f.app.WebhookDelivery(ctx, f.owner, h.ID, ping.ID)
	if ping.Event != EventPing || ping.Status != store.DeliveryRetrying || ping.ResponseCode != 500 {
		t.Errorf("ping %+v", ping)
	}
	again, err := f.app.RedeliverWebhook(ctx, f.owner, h.ID, ping.ID)
	if err != nil {
		t.Fatal(err)
	}
	runDeliveries(t, f)
	again, _ = f.app.WebhookDelivery(ctx, f.owner, h.ID, again.ID)
	if again.Status != store.DeliveryDelivered || again.EventID != ping.EventID || again.UID == ping.UID {
		t.Errorf("resent %+v (original %+v)", again, ping)
	}
	// A new secret signs what follows; the old one no longer verifies.
	h2, err := f.app.RegenerateWebhookSecret(ctx, f.owner, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if h2.Secret == h.Secret || h2.Secret == "" {
		t.Fatal("the secret did not change")
	}
	if _, err := f.app.SendTestWebhook(ctx, f.owner, h.ID); err != nil {
		t.Fatal(err)
	}
	runDeliveries(t, f)
	got := rc.received()
	verifySignature(t, h2.Secret, got[len(got)-1])
	if _, err := f.app.RedeliverWebhook(ctx, f.owner, h.ID+1, ping.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("resend through another webhook: %v", err)
	}
}

func TestWebhookValidationAndAccess(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	cases := []struct {
		in    WebhookInput
		field string
	}{
		{WebhookInput{URL: "", Events: []string{EventLeadMQL}}, "url"},
		{WebhookInput{URL: "http://hooks.example.com/x", Events: []string{EventLeadMQL}}, "url"},
		{WebhookInput{URL: "https://127.0.0.1/x", Events: []string{EventLeadMQL}}, "url"},
		{WebhookInput{URL: "https://0x7f000001/x", Events: []string{EventLeadMQL}}, "url"},
		{WebhookInput{URL: "https://169.254.169.254/", Events: []string{EventLeadMQL}}, "url"},
		{WebhookInput{URL: "javascript:alert(1)", Events: []string{EventLeadMQL}}, "url"},
		{WebhookInput{URL: "https://hooks.example.com/x"}, "events"},
		{WebhookInput{URL: "https://hooks.example.com/x", Events: []string{"contact.deleted"}}, "events"},
		{WebhookInput{Name: strings.Repeat("n", 101), URL: "https://hooks.example.com/x", Events: []string{EventLeadMQL}}, "name"},
	}
	for _, tc := range cases {
		_, err := f.app.CreateWebhook(ctx, f.owner, tc.in)
		v, ok := crm.AsValidation(err)
		if !ok || v.Fields[tc.field] == "" {
			t.Errorf("%+v: got %v, want a message for %s", tc.in, err, tc.field)
		}
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM webhooks"); n != 0 {
		t.Errorf("%d webhooks stored from bad input", n)
	}
	h, err := f.app.CreateWebhook(ctx, f.owner, WebhookInput{URL: "https://hooks.example.com/x", Events: []string{EventLeadMQL, EventLeadMQL, EventAll}})
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != "hooks.example.com" || len(h.Events) != 1 || h.Events[0] != EventAll {
		t.Errorf("created %+v", h)
	}
	for _, role := range []crm.Role{crm.RoleMarketing, crm.RoleSales, crm.RoleViewer} {
		ac := f.addUser(t, string(role)+"@example.com", role)
		if _, err := f.app.Webhooks(ctx, ac); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("%s lists webhooks: %v", role, err)
		}
		if _, err := f.app.CreateWebhook(ctx, ac, WebhookInput{URL: "https://a.example.com", Events: []string{EventAll}}); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("%s creates a webhook: %v", role, err)
		}
		if _, err := f.app.SendTestWebhook(ctx, ac, h.ID); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("%s sends a test: %v", role, err)
		}
	}
	// Stale versions are refused.
	if _, err := f.app.UpdateWebhook(ctx, f.owner, h.ID, h.Version+1, WebhookInput{URL: "https://hooks.example.com/y", Events: []string{EventAll}}); !errors.Is(err, crm.ErrStale) {
		t.Errorf("stale update: %v", err)
	}
	if err := f.app.DeleteWebhook(ctx, f.owner, h.ID); err != nil {
		t.Fatal(err)
	}
}

// TestWebhookImportSendsOneEvent: an import sends one import.completed with
// its counts, not one contact.created per row.
func TestWebhookImportSendsOneEvent(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	rc := newReceiver(t)
	allowPrivate(t, f, true)
	h, err := f.app.CreateWebhook(ctx, f.owner, WebhookInput{URL: rc.srv.URL, Events: []string{EventAll}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	importCSV(t, f, ImportRequest{}, "Email,Last Name\na@example.jp,山田\nb@example.jp,佐藤\nc@example.jp,鈴木\n")
	runDeliveries(t, f)
	got := rc.received()
	if len(got) != 1 || got[0].header.Get("X-Renkei-Event") != EventImportCompleted {
		t.Fatalf("receiver got %d requests, want one import.completed", len(got))
	}
	var p struct {
		Data struct {
			Created  int    `json:"created"`
			Rows     int    `json:"rows"`
			Filename string `json:"filename"`
		} `json:"data"`
	}
	if err := json.Unmarshal(got[0].body, &p); err != nil || p.Data.Created != 3 || p.Data.Rows != 3 || p.Data.Filename != "test.csv" {
		t.Errorf("payload %s", got[0].body)
	}
	verifySignature(t, h.Secret, got[0])
}

// BenchmarkCreateContactWebhooks measures what emitWebhook adds to creating
// a contact: no webhooks, and two subscribed ones (two deliveries and two
// jobs in the same transaction).
func BenchmarkCreateContactWebhooks(b *testing.B) {
	for _, hooks := range []int{0, 2} {
		b.Run(fmt.Sprintf("webhooks=%d", hooks), func(b *testing.B) {
			a := New(Config{Store: storetest.Open(b), Clock: newClock().Now})
			tok, _, err := a.Setup(ctx, SetupInput{WorkspaceName: "Bench", Language: "en", Name: "Owner", Email: "owner@example.jp", Password: testPassword}, "", "")
			if err != nil {
				b.Fatal(err)
			}
			owner, err := a.Authenticate(ctx, tok, "")
			if err != nil {
				b.Fatal(err)
			}
			f := &fixture{app: a, owner: owner}
			for i := range hooks {
				if _, err := f.app.CreateWebhook(ctx, f.owner, WebhookInput{URL: fmt.Sprintf("https://hooks%d.example.com/", i), Events: []string{EventContactCreated}, Active: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: fmt.Sprintf("b%d@example.com", i)}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestWebhookPausesAfterFailure: after a failed attempt, deliveries queued
// for the same receiver wait for its retry instead of each trying (and
// holding a job slot); a success lifts the pause.
func TestWebhookPausesAfterFailure(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	rc := newReceiver(t, 503)
	allowPrivate(t, f, true)
	h, err := f.app.CreateWebhook(ctx, f.owner, WebhookInput{URL: rc.srv.URL, Events: []string{EventContactCreated}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: fmt.Sprintf("p%d@example.com", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	runDeliveries(t, f)
	if n := len(rc.received()); n != 1 {
		t.Fatalf("receiver got %d requests while it was failing, want 1", n)
	}
	retry := f.clock.Now().Add(time.Minute)
	for _, d := range deliveries(t, f, h.ID) {
		if !d.NextAttemptAt.Equal(retry) {
			t.Errorf("delivery %d: next attempt %v, want %v", d.ID, d.NextAttemptAt, retry)
		}
		if d.Status == store.DeliveryPending && d.Attempts != 0 {
			t.Errorf("a postponed delivery counted %d attempts", d.Attempts)
		}
	}
	f.clock.Add(time.Minute)
	runDeliveries(t, f)
	for _, d := range deliveries(t, f, h.ID) {
		if d.Status != store.DeliveryDelivered {
			t.Errorf("delivery %d: %s after the receiver recovered", d.ID, d.Status)
		}
	}
	if n := len(rc.received()); n != 4 {
		t.Errorf("receiver got %d requests, want 4", n)
	}
	if got, _ := f.app.Store.Webhook(ctx, h.ID); !got.PausedUntil.IsZero() {
		t.Errorf("still paused until %v after a success", got.PausedUntil)
	}
}

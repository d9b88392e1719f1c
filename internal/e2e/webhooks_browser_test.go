package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// TestWebhooksBrowser: an admin allows private targets, adds a webhook for
// a receiver on this machine in the UI, copies the secret, and sees the
// delivery of a new contact in the log; the receiver checks the signature
// with that secret. Screenshots of the webhook and privacy pages.
func TestWebhooksBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}

	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
		io.WriteString(w, `{"ok":true}`)
	}))
	defer rcv.Close()

	admin := h.newTab(t)
	admin.signIn(adminEmail, adminPassword)
	admin.open("/settings/webhooks")
	admin.wantPage("/settings/webhooks", "Webhook はまだありません")
	admin.shot("webhooks-ja-empty")

	admin.run("allow private", chromedp.Click(chromedp.CSS(`input[name=allow_private]`), chromedp.NodeVisible))
	if code := admin.submit(`form[action="/settings/webhooks/network"] button[type=submit]`); code != 200 {
		t.Fatalf("network settings: %d", code)
	}
	admin.fill("f-name", "社内チャット", "f-url", rcv.URL+"/hooks/renkei")
	admin.run("choose events",
		chromedp.Click(chromedp.CSS(`input[name=events][value="contact.created"]`), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(`input[name=events][value="lead.mql"]`), chromedp.NodeVisible))
	if code := admin.submit(`form[action="/settings/webhooks"] button[type=submit]`); code != 200 {
		t.Fatalf("add webhook: %d (%s)", code, admin.text("body"))
	}
	secret := eval[string](admin, `document.getElementById("webhook-secret").value`)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret on the page = %q", secret)
	}
	admin.shot("webhooks-ja-created")
	hookPath := admin.path()
	if !strings.HasPrefix(hookPath, "/settings/webhooks") {
		t.Fatalf("after creating: %s", hookPath)
	}
	hooks, err := a.Webhooks(ctx, ac)
	if err != nil || len(hooks) != 1 {
		t.Fatalf("webhooks %v %v", hooks, err)
	}
	hookPath = fmt.Sprintf("/settings/webhooks/%d", hooks[0].ID)

	if _, err := a.CreateContact(ctx, ac, app.ContactInput{Contact: crm.Contact{Email: "hanako@example.jp",
		PersonName: crm.PersonName{Family: "佐藤", Given: "花子"}}}); err != nil {
		t.Fatal(err)
	}
	// The runner polls every second; the log shows the delivery.
	deadline := time.Now().Add(15 * time.Second)
	for {
		admin.open(hookPath)
		if strings.Contains(admin.text("main table"), "配信済み") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery in the log:\n%s", admin.text("main"))
		}
		time.Sleep(300 * time.Millisecond)
	}
	mu.Lock()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests", len(got))
	}
	r, body := got[0], bodies[0]
	mu.Unlock()
	sig := r.Header.Get("X-Renkei-Signature")
	ts, _, _ := strings.Cut(strings.TrimPrefix(sig, "t="), ",")
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	if want := "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil)); sig != want {
		t.Errorf("signature %q does not verify with the secret shown (want %q)", sig, want)
	}
	if !strings.Contains(string(body), `"hanako@example.jp"`) || r.Header.Get("X-Renkei-Event") != "contact.created" {
		t.Errorf("delivery %s %s", r.Header.Get("X-Renkei-Event"), body)
	}

	// A test event, then screenshots in both languages and on a phone.
	admin.submit(`form[action="` + hookPath + `/test"] button[type=submit]`)
	time.Sleep(1500 * time.Millisecond)
	if h.shots == "" {
		return
	}
	for _, lang := range []string{"ja", "en"} {
		if _, err := a.UpdateUser(ctx, ac, ac.User.ID, 0, app.UserPatch{Language: &lang}); err != nil {
			t.Fatal(err)
		}
		for _, size := range []struct {
			name   string
			w, h   int64
			mobile bool
		}{{"", 1280, 900, false}, {"phone-", 390, 844, true}} {
			admin.viewport(size.w, size.h, size.mobile)
			for _, p := range []struct{ name, path string }{{"list", "/settings/webhooks"}, {"hook", hookPath}, {"privacy", "/settings/privacy"}} {
				admin.open(p.path)
				if size.mobile {
					admin.noSidewaysScroll()
				}
				admin.shot("webhooks-" + size.name + lang + "-" + p.name)
			}
		}
	}
}

package app

import (
	"errors"
	"strings"
	"testing"

	"renkei/internal/crm"
)

func newsletter(name string) crm.EmailTemplate {
	return crm.EmailTemplate{Name: name, Locale: crm.LangJA, Subject: "{{family_name}} 様へのご案内",
		Blocks: []crm.EmailBlock{
			{Type: crm.BlockHeading, Text: "{{company | \"御社\"}}の皆様へ"},
			{Type: crm.BlockText, Text: "{{family_name}} 様\n\nよろしくお願いいたします。"},
			{Type: crm.BlockText, Text: "{{owner_signature}}"},
		}}
}

func TestEmailTemplateLifecycle(t *testing.T) {
	f := newSegmentFixture(t)
	a := f.app
	// Sales may read templates but not write them.
	if _, err := a.CreateEmailTemplate(ctx, f.sales1, newsletter("x")); !errors.Is(err, crm.ErrForbidden) {
		t.Fatalf("sales create: %v, want forbidden", err)
	}
	tpl, err := a.CreateEmailTemplate(ctx, f.mkt, newsletter("ニュース"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.EmailTemplate(ctx, f.sales1, tpl.ID)
	if err != nil || got.Version != 1 || len(got.Blocks) != 3 || got.Blocks[0].Level != 1 || got.CreatedBy != f.mkt.User.ID {
		t.Fatalf("read back = %+v, %v", got, err)
	}
	// An update with an old version is refused; the right one bumps it.
	in := got
	in.Subject = "新しい件名"
	if _, err := a.UpdateEmailTemplate(ctx, f.mkt, tpl.ID, 7, in); !errors.Is(err, crm.ErrStale) {
		t.Fatalf("stale update: %v", err)
	}
	upd, err := a.UpdateEmailTemplate(ctx, f.mkt, tpl.ID, 1, in)
	if err != nil || upd.Version != 2 || upd.Subject != "新しい件名" {
		t.Fatalf("update = %+v, %v", upd, err)
	}
	// A refused update leaves the row as it was.
	bad := upd
	bad.Blocks = append(bad.Blocks, crm.EmailBlock{Type: crm.BlockButton, Label: "x", URL: "javascript:alert(1)"})
	_, err = a.UpdateEmailTemplate(ctx, f.mkt, tpl.ID, 2, bad)
	if v, ok := crm.AsValidation(err); !ok || v.Fields["blocks[3].url"] == "" {
		t.Fatalf("javascript button: %v", err)
	}
	if again, _ := a.EmailTemplate(ctx, f.mkt, tpl.ID); again.Version != 2 || len(again.Blocks) != 3 {
		t.Errorf("after refused update: version %d, %d blocks", again.Version, len(again.Blocks))
	}
	dup, err := a.DuplicateEmailTemplate(ctx, f.mkt, tpl.ID)
	if err != nil || dup.ID == tpl.ID || dup.Name != "ニュース (copy)" || dup.Subject != "新しい件名" {
		t.Fatalf("duplicate = %+v, %v", dup, err)
	}
	if err := a.DeleteEmailTemplate(ctx, f.sales1, tpl.ID); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("sales delete: %v", err)
	}
	if err := a.DeleteEmailTemplate(ctx, f.mkt, tpl.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.EmailTemplate(ctx, f.mkt, tpl.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	list, err := a.EmailTemplates(ctx, f.owner)
	if err != nil || len(list) != 1 || list[0].ID != dup.ID {
		t.Errorf("list = %v, %v", list, err)
	}
	if n := count(t, a.Store, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'email_template.%'"); n != 4 {
		t.Errorf("%d audit entries, want 4", n)
	}
}

func TestEmailTemplateRefusesTemplateCode(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	for _, src := range []string{"{{.Env}}", `{{ readFile "/etc/passwd" }}`, `{{ http "https://evil.example" }}`,
		"{{env.HOME}}", "{{ range . }}", "{{family_name}"} {
		tpl := newsletter("x")
		tpl.Blocks[1].Text = "こんにちは " + src
		_, err := f.app.CreateEmailTemplate(ctx, f.owner, tpl)
		v, ok := crm.AsValidation(err)
		if !ok || v.Fields["blocks[1].text"] == "" {
			t.Errorf("%s in a text block: %v, want a refusal at blocks[1].text", src, err)
		}
		tpl = newsletter("x")
		tpl.Subject = src
		if _, err := f.app.CreateEmailTemplate(ctx, f.owner, tpl); err == nil {
			t.Errorf("%s in the subject was accepted", src)
		}
		tpl = crm.EmailTemplate{Name: "x", Subject: "s", Editor: crm.EditorHTML, HTML: "<p>" + src + "</p>"}
		if _, err := f.app.CreateEmailTemplate(ctx, f.owner, tpl); err == nil {
			t.Errorf("%s in HTML source was accepted", src)
		}
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM email_templates"); n != 0 {
		t.Errorf("%d templates saved, want 0", n)
	}
}

func TestPreviewTemplateAsContact(t *testing.T) {
	f := newSegmentFixture(t)
	a := f.app
	if err := a.SetSignature(ctx, f.sales1, "営業部 鈴木\r\nTEL 03-0000-0000"); err != nil {
		t.Fatal(err)
	}
	c, err := a.Contact(ctx, f.owner, f.ids["D"])
	if err != nil {
		t.Fatal(err)
	}
	c.Family, c.Given = "中村", "一郎"
	if _, err := a.UpdateContact(ctx, f.owner, c.ID, c.Version, ContactInput{Contact: c}); err != nil {
		t.Fatalf("rename: %v", err)
	}
	tpl, err := a.CreateEmailTemplate(ctx, f.mkt, newsletter("n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.PreviewTemplate(ctx, f.owner, tpl.ID, crm.EmailTemplate{}, f.ids["D"])
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "中村 様へのご案内" || !strings.Contains(p.Text, "中村 様") {
		t.Errorf("subject = %q", p.Subject)
	}
	if !strings.Contains(p.Text, "営業部 鈴木\nTEL 03-0000-0000") || !strings.Contains(p.HTML, "営業部 鈴木<br>") {
		t.Errorf("signature missing:\n%s", p.Text)
	}
	// Unsaved content, no contact: the sample values.
	p, err = a.PreviewTemplate(ctx, f.mkt, 0, newsletter("draft"), 0)
	if err != nil || !strings.HasPrefix(p.Subject, "山田 様") {
		t.Errorf("sample preview = %q, %v", p.Subject, err)
	}
	// With team-private contacts, sales1 cannot preview as A (owned by mkt).
	ws, v, err := a.Workspace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ws.RecordVisibility = map[string]crm.Visibility{"contacts": crm.VisibleTeam}
	if _, err := a.UpdateWorkspace(ctx, f.owner, ws, v); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PreviewTemplate(ctx, f.sales1, tpl.ID, crm.EmailTemplate{}, f.ids["A"]); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("sales1 previewing as a hidden contact: %v, want not found", err)
	}
	if _, err := a.PreviewTemplate(ctx, f.sales1, tpl.ID, crm.EmailTemplate{}, f.ids["D"]); err != nil {
		t.Errorf("sales1 previewing as their own contact: %v", err)
	}
}

func TestSignatureLimit(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	if err := f.app.SetSignature(ctx, f.owner, strings.Repeat("x", MaxSignature+1)); err == nil {
		t.Error("a too long signature was accepted")
	}
	if err := f.app.SetSignature(ctx, f.owner, "  Owner\nAcme  "); err != nil {
		t.Fatal(err)
	}
	if s, err := f.app.Signature(ctx, f.owner); err != nil || s != "Owner\nAcme" {
		t.Errorf("signature = %q, %v", s, err)
	}
}

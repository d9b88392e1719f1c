package app

import (
	"context"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"unicode/utf8"

	"renkei/internal/crm"
	"renkei/internal/emailtpl"
	"renkei/internal/store"
)

// E-mail templates (issue 8 §2). Reading needs PermReadAll; writing them
// is marketing work (PermWriteMarketing). Senders (broadcasts, sequences)
// compile a template once with CompileEmail and render each recipient
// with the compiled form, or call RenderEmail; neither reads the database.

// MaxSignature is the longest e-mail signature, in characters.
const MaxSignature = 1000

// CompileEmail validates a template and prepares it for rendering many
// recipients: keep the result for a whole send.
func CompileEmail(t crm.EmailTemplate) (*crm.EmailRenderer, error) {
	return crm.CompileEmail(t)
}

// RenderEmail renders a template for one recipient's merge data: the
// subject (always one line), the HTML part and the plain-text part made
// from it. It is a pure function of its arguments: the compiled form of
// a template is remembered by a fingerprint of its content (a cache
// only), so a sender calling it for each recipient compiles once.
func RenderEmail(t crm.EmailTemplate, data emailtpl.Data) (subject, html, text string, err error) {
	r, err := compiled.get(t)
	if err != nil {
		return "", "", "", err
	}
	subject, html, text = r.Render(data)
	return subject, html, text, nil
}

// compiled remembers compiled templates by content. It is the one
// package-level value here: a cache whose loss costs only time.
var compiled = &renderCache{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, m: map[[2]uint64]*crm.EmailRenderer{}}

// renderCacheSize bounds the cache; when full it starts again.
const renderCacheSize = 256

type renderCache struct {
	seeds [2]maphash.Seed
	mu    sync.Mutex
	m     map[[2]uint64]*crm.EmailRenderer
}

func (c *renderCache) get(t crm.EmailTemplate) (*crm.EmailRenderer, error) {
	key := [2]uint64{fingerprint(c.seeds[0], t), fingerprint(c.seeds[1], t)}
	c.mu.Lock()
	r, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	r, err := crm.CompileEmail(t)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= renderCacheSize {
		clear(c.m)
	}
	c.m[key] = r
	c.mu.Unlock()
	return r, nil
}

// fingerprint hashes everything that shapes the rendered message.
func fingerprint(seed maphash.Seed, t crm.EmailTemplate) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	for _, s := range []string{string(t.Locale), t.Subject, t.Preheader, string(t.Editor), t.HTML} {
		h.WriteString(s)
		h.WriteByte(0)
	}
	hashBlocks(&h, t.Blocks)
	return h.Sum64()
}

func hashBlocks(h *maphash.Hash, blocks []crm.EmailBlock) {
	for _, b := range blocks {
		for _, s := range []string{b.Type, b.Text, b.Src, b.Alt, b.Link, b.Label, b.URL, b.Color} {
			h.WriteString(s)
			h.WriteByte(0)
		}
		maphash.WriteComparable(h, [3]int{b.Level, b.Width, len(b.Columns)})
		for _, col := range b.Columns {
			maphash.WriteComparable(h, len(col))
			hashBlocks(h, col)
		}
		h.WriteByte(1)
	}
}

// EmailTemplates lists the templates by name.
func (a *App) EmailTemplates(ctx context.Context, ac Actor) ([]crm.EmailTemplate, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.EmailTemplates(ctx)
}

// EmailTemplate returns one template.
func (a *App) EmailTemplate(ctx context.Context, ac Actor, id int64) (crm.EmailTemplate, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.EmailTemplate{}, err
	}
	return a.Store.EmailTemplate(ctx, id)
}

// checkEmailTemplate normalises a template and refuses it unless it
// validates and compiles (every merge field known, every URL safe).
func checkEmailTemplate(t *crm.EmailTemplate) error {
	t.Normalize()
	if t.Editor == crm.EditorBlocks {
		t.HTML = ""
	} else {
		t.Blocks = nil
	}
	_, err := crm.CompileEmail(*t)
	return err
}

func emailTemplateLabel(t crm.EmailTemplate) string { return fmt.Sprintf("%d %s", t.ID, t.Name) }

// CreateEmailTemplate saves a new template.
func (a *App) CreateEmailTemplate(ctx context.Context, ac Actor, t crm.EmailTemplate) (crm.EmailTemplate, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return t, err
	}
	t.ID = 0
	if err := checkEmailTemplate(&t); err != nil {
		return t, err
	}
	t.CreatedBy = ac.User.ID
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateEmailTemplate(ctx, &t, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "email_template.create", emailTemplateLabel(t), ""))
	})
	return t, err
}

// UpdateEmailTemplate replaces a template's content when version is the
// stored one (crm.ErrStale otherwise).
func (a *App) UpdateEmailTemplate(ctx context.Context, ac Actor, id, version int64, in crm.EmailTemplate) (crm.EmailTemplate, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return in, err
	}
	if err := checkEmailTemplate(&in); err != nil {
		return in, err
	}
	var t crm.EmailTemplate
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if t, err = tx.EmailTemplate(ctx, id); err != nil {
			return err
		}
		t.Name, t.Locale, t.Subject, t.Preheader = in.Name, in.Locale, in.Subject, in.Preheader
		t.Editor, t.Blocks, t.HTML, t.Version = in.Editor, in.Blocks, in.HTML, version
		if err := tx.UpdateEmailTemplate(ctx, &t, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "email_template.update", emailTemplateLabel(t), ""))
	})
	return t, err
}

// DuplicateEmailTemplate copies a template under the name "… (copy)".
func (a *App) DuplicateEmailTemplate(ctx context.Context, ac Actor, id int64) (crm.EmailTemplate, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return crm.EmailTemplate{}, err
	}
	t, err := a.Store.EmailTemplate(ctx, id)
	if err != nil {
		return t, err
	}
	suffix := " (copy)"
	if ac.User.Language == crm.LangJA {
		suffix = "（コピー）"
	}
	name := []rune(t.Name)
	if len(name) > 100-utf8.RuneCountInString(suffix) {
		name = name[:100-utf8.RuneCountInString(suffix)]
	}
	t.Name = string(name) + suffix
	return a.CreateEmailTemplate(ctx, ac, t)
}

// DeleteEmailTemplate removes a template.
func (a *App) DeleteEmailTemplate(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		t, err := tx.EmailTemplate(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteEmailTemplate(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "email_template.delete", emailTemplateLabel(t), ""))
	})
}

// EmailPreview is a template rendered for one contact (or sample values).
type EmailPreview struct {
	Subject string
	HTML    string
	Text    string
}

// PreviewTemplate renders a template as one contact would receive it:
// the saved template id, or (id 0) the unsaved draft. contactID 0 uses
// the sample values of crm.MergeFields. The actor must be allowed to see
// the contact; a hidden one is reported as not found.
func (a *App) PreviewTemplate(ctx context.Context, ac Actor, id int64, draft crm.EmailTemplate, contactID int64) (EmailPreview, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return EmailPreview{}, err
	}
	t := draft
	if id == 0 && strings.TrimSpace(t.Name) == "" {
		t.Name = "preview" // an unsaved draft need not be named yet
	}
	if id != 0 {
		var err error
		if t, err = a.Store.EmailTemplate(ctx, id); err != nil {
			return EmailPreview{}, err
		}
	}
	r, err := crm.CompileEmail(t)
	if err != nil {
		return EmailPreview{}, err
	}
	data := SampleMergeData()
	if contactID != 0 {
		c, err := a.Contact(ctx, ac, contactID)
		if err != nil {
			return EmailPreview{}, err
		}
		if data, err = a.MergeData(ctx, c, t.Locale); err != nil {
			return EmailPreview{}, err
		}
	}
	var p EmailPreview
	p.Subject, p.HTML, p.Text = r.Render(data)
	return p, nil
}

// SampleMergeData is the editor's stand-in recipient: each field's sample.
func SampleMergeData() emailtpl.Data {
	d := emailtpl.Data{}
	for _, f := range crm.MergeFields {
		d[f.Key] = f.Sample
	}
	return d
}

// MergeData builds one contact's merge fields: the contact, their
// company, their owner with the owner's signature, and the workspace.
// Senders call it once per recipient before RenderEmail.
func (a *App) MergeData(ctx context.Context, c crm.Contact, lang crm.Language) (emailtpl.Data, error) {
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return nil, err
	}
	var owner crm.User
	var sig string
	if c.OwnerID != 0 {
		if owner, err = a.Store.User(ctx, c.OwnerID); err != nil {
			return nil, err
		}
		if sig, err = a.Store.UserSignature(ctx, c.OwnerID); err != nil {
			return nil, err
		}
	}
	return crm.MergeData(c, c.CompanyName, owner, sig, ws, lang), nil
}

// Signature returns the actor's own e-mail signature.
func (a *App) Signature(ctx context.Context, ac Actor) (string, error) {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return "", err
	}
	return a.Store.UserSignature(ctx, ac.User.ID)
}

// SetSignature changes the actor's own e-mail signature (plain text,
// line breaks kept), which {{owner_signature}} shows in mail to the
// contacts they own.
func (a *App) SetSignature(ctx context.Context, ac Actor, sig string) error {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return err
	}
	sig = strings.TrimSpace(strings.ReplaceAll(sig, "\r\n", "\n"))
	if utf8.RuneCountInString(sig) > MaxSignature {
		return crm.Invalid("signature", "use at most 1,000 characters")
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetUserSignature(ctx, ac.User.ID, sig, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "user.signature", ac.User.Email, ""))
	})
}

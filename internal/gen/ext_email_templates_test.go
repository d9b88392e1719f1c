package gen

import (
	"context"
	"strings"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store/storetest"
)

// TestEmailTemplatesExtension: the demo's templates are stored, valid and
// render in both languages; the staff have signatures.
func TestEmailTemplatesExtension(t *testing.T) {
	for _, lang := range []crm.Language{crm.LangJA, crm.LangEN} {
		s := storetest.Open(t)
		ctx := context.Background()
		w := newWorld(t, 7, "N=300", lang)
		loadWorld(t, s, w, LoadOptions{Extensions: []Extension{emailTemplatesExtension(w)}})
		ts, err := s.EmailTemplates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 4 {
			t.Fatalf("%s: %d templates, want 4", lang, len(ts))
		}
		u := w.Users[1]
		sig, err := s.UserSignature(ctx, u.ID)
		if err != nil || !strings.HasPrefix(sig, u.Name+"\n") {
			t.Errorf("%s: signature of %s = %q, %v", lang, u.Name, sig, err)
		}
		c := crm.Contact{PersonName: crm.PersonName{Family: "山田", Given: "太郎"}, Email: "taro@example.jp", CompanyName: "山田商事"}
		data := crm.MergeData(c, "", crm.User{Name: u.Name}, sig, crm.Workspace{Name: w.Workspace}, lang)
		for _, tpl := range ts {
			if tpl.Locale != lang {
				t.Errorf("%s: %s is in %s", lang, tpl.Name, tpl.Locale)
			}
			r, err := crm.CompileEmail(tpl)
			if err != nil {
				t.Errorf("%s: %s: %v", lang, tpl.Name, err)
				continue
			}
			subj, html, text := r.Render(data)
			if subj == "" || !strings.Contains(html, "<table") || text == "" || strings.Contains(text, "{{") {
				t.Errorf("%s: %s renders %q / %q", lang, tpl.Name, subj, text)
			}
			if strings.Contains(tpl.Name, "フォロー") || strings.Contains(tpl.Name, "Follow-up") {
				if !strings.Contains(text, sig) {
					t.Errorf("%s: the follow-up lacks the owner's signature:\n%s", lang, text)
				}
			}
		}
	}
}

package app

import (
	"errors"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// quoteFixture is a deal in Negotiation, a product and a sales manager who
// manages the salesperson's team.
type quoteFixture struct {
	*salesFixture
	manager Actor
	deal    crm.Deal
	contact crm.Contact
	product crm.Product
}

func newQuoteFixture(t *testing.T) *quoteFixture {
	t.Helper()
	f := &quoteFixture{salesFixture: newSalesFixture(t)}
	f.deal, f.contact = f.negotiating(t)
	f.manager = f.addUser(t, "bucho@example.jp", crm.RoleSales)
	team, err := f.app.CreateTeam(ctx, f.owner, "東京営業")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.app.SetTeamMember(ctx, f.owner, team.ID, f.sales.User.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := f.app.SetTeamMember(ctx, f.owner, team.ID, f.manager.User.ID, true); err != nil {
		t.Fatal(err)
	}
	f.manager.User, _ = f.app.Store.User(ctx, f.manager.User.ID)
	f.sales.User, _ = f.app.Store.User(ctx, f.sales.User.ID)
	f.product = crm.Product{SKU: "LIC-1", NameJA: "年間ライセンス", NameEN: "Annual licence", Unit: "式",
		ListPrice: 100_000, Currency: "JPY", TaxCategory: crm.TaxStandard, Active: true}
	err = f.app.Store.InTx(ctx, func(tx *store.Tx) error { return tx.CreateProduct(ctx, &f.product, f.clock.Now()) })
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// input is a quote 16.88% below list (above the default 10% limit):
// 3 licences at 80,000 (list 100,000), 1.5 days of set-up at 50,000 and
// ten lunch boxes at 1,000 (8%), with ¥5,000 off the whole.
func (f *quoteFixture) input(t *testing.T) QuoteInput {
	in, err := f.app.NewQuoteInput(ctx, f.sales, f.deal.ID)
	if err != nil {
		t.Fatal(err)
	}
	in.Discount = crm.Discount{Value: 5000}
	in.Lines = []crm.QuoteLine{
		{ProductID: f.product.ID, Quantity: 300, UnitPrice: 80_000},
		{Name: "導入支援", Unit: "日", Quantity: 150, UnitPrice: 50_000, Category: crm.TaxStandard},
		{Name: "お弁当", Unit: "個", Quantity: 1000, UnitPrice: 1000, Category: crm.TaxReduced},
	}
	return in
}

func TestQuoteFromDraftToWonDeal(t *testing.T) {
	f := newQuoteFixture(t)
	q, err := f.app.CreateQuote(ctx, f.sales, f.deal.ID, f.input(t))
	if err != nil {
		t.Fatalf("CreateQuote: %v", err)
	}
	// Lines: 3 × 80,000 = 240,000; 1.5 × 50,000 = 75,000; 10 × 1,000 = 10,000 (8%).
	// Subtotal 325,000; ¥5,000 off: 10% share 5,000 × 315,000 / 325,000 = 4,846.15 → 4,846,
	// 8% share 153.85 → 153, the yen left → 8% (larger remainder) → 154.
	// 10%: 315,000 − 4,846 = 310,154, tax 31,015.4 → 31,015. 8%: 10,000 − 154 = 9,846, tax 787.68 → 787.
	// Total 310,154 + 31,015 + 9,846 + 787 = 351,802; without tax 320,000.
	// List 3 × 100,000 + 75,000 + 10,000 = 385,000; (385,000 − 320,000) / 385,000 = 16.883% → 1688.
	if q.Number != "Q-2026-0001" || q.Revision != 1 || q.Total != 351_802 || q.TaxTotal != 31_802 ||
		q.Base() != 320_000 || q.ListTotal != 385_000 || q.DiscountBP != 1688 {
		t.Fatalf("quote = %s rev %d total %d tax %d base %d list %d bp %d", q.Number, q.Revision, q.Total,
			q.TaxTotal, q.Base(), q.ListTotal, q.DiscountBP)
	}
	if l := q.Lines[0]; l.Name != "年間ライセンス" || l.Unit != "式" || l.ListPrice != 100_000 || l.Category != crm.TaxStandard {
		t.Fatalf("catalogue line = %+v", l)
	}
	// Above the limit: it cannot be sent before a manager approves.
	_, _, err = f.app.SendQuote(ctx, f.sales, q.ID, q.Version, SendInput{ExpiresDays: 0})
	if v, ok := crm.AsValidation(err); !ok || !strings.Contains(v.Fields["status"], "manager must approve") {
		t.Fatalf("SendQuote above the limit: %v", err)
	}
	q, err = f.app.RequestQuoteApproval(ctx, f.sales, q.ID, q.Version, "競合対抗のため")
	if err != nil || q.Status != crm.QuotePendingApproval {
		t.Fatalf("RequestQuoteApproval = %v, %v", q.Status, err)
	}
	// The salesperson cannot approve; a plain colleague cannot either.
	if _, err := f.app.ApproveQuote(ctx, f.sales, q.ID, q.Version, true, ""); err == nil {
		t.Fatal("the owner approved their own quote")
	}
	other := f.addUser(t, "other@example.jp", crm.RoleSales)
	if _, err := f.app.ApproveQuote(ctx, other, q.ID, q.Version, true, ""); !errors.Is(err, crm.ErrForbidden) {
		t.Fatalf("a non-manager approving: %v, want forbidden", err)
	}
	q, err = f.app.ApproveQuote(ctx, f.manager, q.ID, q.Version, true, "OK")
	if err != nil || q.Status != crm.QuoteApproved || q.ApprovedBy != f.manager.User.ID {
		t.Fatalf("ApproveQuote = %+v, %v", q.Status, err)
	}
	log, err := f.app.QuoteApprovals(ctx, f.sales, q.ID)
	if err != nil || len(log) != 2 || log[0].Action != crm.ApprovalRequested || log[1].Action != crm.ApprovalApproved ||
		log[1].UserID != f.manager.User.ID || log[1].DiscountBP != 1688 || log[1].LimitBP != 1000 {
		t.Fatalf("approvals = %+v, %v", log, err)
	}
	q, link, err := f.app.SendQuote(ctx, f.sales, q.ID, q.Version, SendInput{ExpiresDays: 14})
	if err != nil || q.Status != crm.QuoteSent || !strings.HasPrefix(link, testBaseURL+"/q/q_") {
		t.Fatalf("SendQuote = %v, %q, %v", q.Status, link, err)
	}
	token := strings.TrimPrefix(link, testBaseURL+"/q/")
	for _, bad := range []string{"", "q_", token + "x", strings.ToUpper(token), "../" + token} {
		if _, err := f.app.SharedQuote(ctx, bad); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("SharedQuote(%q) = %v, want not found", bad, err)
		}
	}
	shared, err := f.app.SharedQuote(ctx, token)
	if err != nil || shared.ID != q.ID {
		t.Fatalf("SharedQuote = %v, %v", shared.ID, err)
	}
	if b, name, err := f.app.SharedQuotePDF(ctx, token); err != nil || name != "Q-2026-0001.pdf" || !strings.HasPrefix(string(b), "%PDF") {
		t.Fatalf("SharedQuotePDF = %d bytes, %q, %v", len(b), name, err)
	}
	q, err = f.app.AcceptSharedQuote(ctx, token, "198.51.100.7")
	if err != nil || q.Status != crm.QuoteAccepted {
		t.Fatalf("AcceptSharedQuote = %v, %v", q.Status, err)
	}
	d, err := f.app.Deal(ctx, f.sales, f.deal.ID)
	if err != nil || d.StageID != f.stages["Won"].ID || d.Amount != 320_000 || d.WonAt.IsZero() {
		t.Fatalf("deal after acceptance: stage %d amount %d won %v, %v", d.StageID, d.Amount, d.WonAt, err)
	}
	ks, err := f.app.Contracts(ctx, f.sales, store.ContractQuery{DealID: d.ID})
	if err != nil || len(ks) != 1 || ks[0].Amount != 320_000 {
		t.Fatalf("contract after acceptance = %+v, %v", ks, err)
	}
	tl, err := f.app.Timeline(ctx, f.owner, store.TimelineFilter{ContactID: f.contact.ID})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, e := range tl {
		kinds[e.Kind] = true
	}
	if !kinds[KindQuoteSent] || !kinds[KindQuoteAccepted] || !kinds[KindDealWon] {
		t.Fatalf("timeline kinds = %v", kinds)
	}
	// Accepting again changes nothing; the link still shows the quote.
	if _, err := f.app.AcceptSharedQuote(ctx, token, ""); err != nil {
		t.Fatalf("second acceptance: %v", err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM contracts WHERE deal_id = $1", d.ID); n != 1 {
		t.Fatalf("contracts = %d", n)
	}
}

func TestQuoteRevisionsAndNumbers(t *testing.T) {
	f := newQuoteFixture(t)
	in := f.input(t)
	in.Lines[0].UnitPrice = 100_000 // at list: within the limit
	q, err := f.app.CreateQuote(ctx, f.sales, f.deal.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	q, link, err := f.app.SendQuote(ctx, f.sales, q.ID, q.Version, SendInput{ExpiresDays: 0})
	if err != nil {
		t.Fatalf("SendQuote within the limit: %v", err)
	}
	in.Lines[0].UnitPrice = 95_000
	r2, err := f.app.UpdateQuote(ctx, f.sales, q.ID, q.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	if r2.ID == q.ID || r2.Number != q.Number || r2.Revision != 2 || r2.Status != crm.QuoteDraft {
		t.Fatalf("revision = id %d %s rev %d %s", r2.ID, r2.Number, r2.Revision, r2.Status)
	}
	if old, _ := f.app.Quote(ctx, f.sales, q.ID); old.Status != crm.QuoteSent || old.Lines[0].UnitPrice != 100_000 {
		t.Fatalf("the sent revision changed: %+v", old)
	}
	// Editing the old revision again is refused; its link stops once the new one is sent.
	if _, err := f.app.UpdateQuote(ctx, f.sales, q.ID, q.Version, in); err == nil {
		t.Fatal("a second revision of revision 1 was made")
	}
	if _, _, err := f.app.SendQuote(ctx, f.sales, r2.ID, r2.Version, SendInput{ExpiresDays: 0}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.SharedQuote(ctx, strings.TrimPrefix(link, testBaseURL+"/q/")); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("the old revision's link: %v, want not found", err)
	}
	revs, err := f.app.QuoteRevisions(ctx, f.sales, q.ID)
	if err != nil || len(revs) != 2 || revs[0].Revision != 2 || revs[1].Lines[0].UnitPrice != 100_000 {
		t.Fatalf("revisions = %v, %v", len(revs), err)
	}
	// A refused quote takes no number: the next one is 0002.
	bad := f.input(t)
	bad.Lines[1].Quantity = 0
	_, err = f.app.CreateQuote(ctx, f.sales, f.deal.ID, bad)
	if v, ok := crm.AsValidation(err); !ok || v.Fields["lines.1.quantity"] != "must be more than zero" {
		t.Fatalf("zero quantity: %v", err)
	}
	q3, err := f.app.CreateQuote(ctx, f.sales, f.deal.ID, f.input(t))
	if err != nil || q3.Number != "Q-2026-0002" {
		t.Fatalf("next number = %q, %v", q3.Number, err)
	}
}

func TestQuoteShareLinkExpires(t *testing.T) {
	f := newQuoteFixture(t)
	in := f.input(t)
	in.Lines[0].UnitPrice = 100_000
	q, err := f.app.CreateQuote(ctx, f.sales, f.deal.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	_, link, err := f.app.SendQuote(ctx, f.sales, q.ID, q.Version, SendInput{ExpiresDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(link, testBaseURL+"/q/")
	f.clock.Add(6 * 24 * time.Hour)
	if _, err := f.app.SharedQuote(ctx, token); err != nil {
		t.Fatalf("day 6: %v", err)
	}
	f.clock.Add(24 * time.Hour)
	if _, err := f.app.SharedQuote(ctx, token); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("day 7: %v, want not found", err)
	}
	if _, err := f.app.AcceptSharedQuote(ctx, token, ""); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("accepting an expired link: %v", err)
	}
}

func TestQuoteBadInputWritesNothing(t *testing.T) {
	f := newQuoteFixture(t)
	before := count(t, f.app.Store, "SELECT COUNT(*) FROM quotes")
	for name, mut := range map[string]func(*QuoteInput){
		"negative price":   func(in *QuoteInput) { in.Lines[1].UnitPrice = -1 },
		"unknown product":  func(in *QuoteInput) { in.Lines[0].ProductID = 999999 },
		"discount > total": func(in *QuoteInput) { in.Discount = crm.Discount{Value: 10_000_000} },
		"no recipient":     func(in *QuoteInput) { in.RecipientCompany, in.RecipientPerson = "", "" },
		"bad date":         func(in *QuoteInput) { in.IssueDate = "2026-13-01" },
	} {
		in := f.input(t)
		mut(&in)
		if _, err := f.app.CreateQuote(ctx, f.sales, f.deal.ID, in); err == nil {
			t.Errorf("%s: accepted", name)
		} else if _, ok := crm.AsValidation(err); !ok {
			t.Errorf("%s: %v, want a validation error", name, err)
		}
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM quotes"); n != before {
		t.Fatalf("quotes = %d, want %d", n, before)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM document_numbers"); n != 0 {
		t.Fatalf("numbers taken by refused quotes: %d", n)
	}
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	if _, err := f.app.CreateQuote(ctx, viewer, f.deal.ID, f.input(t)); !errors.Is(err, crm.ErrForbidden) {
		t.Fatalf("viewer creating a quote: %v", err)
	}
}

func TestQuoteEmailCarriesThePDF(t *testing.T) {
	f := newQuoteFixture(t)
	srv := startMail(t, f.fixture)
	in := f.input(t)
	in.Lines[0].UnitPrice = 100_000 // within the limit
	q, err := f.app.CreateQuote(ctx, f.sales, f.deal.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.app.SendQuote(ctx, f.sales, q.ID, q.Version, SendInput{Email: "not an address"})
	if v, ok := crm.AsValidation(err); !ok || v.Fields["email"] == "" {
		t.Fatalf("bad address: %v", err)
	}
	_, link, err := f.app.SendQuote(ctx, f.sales, q.ID, q.Version, SendInput{Email: "buyer@example.jp", Message: "ご検討ください。"})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, "buyer@example.jp", 10*time.Second)
	if !strings.Contains(m.Subject, "御見積書") || !strings.Contains(m.Text, link) || !strings.Contains(m.Text, "ご検討ください。") {
		t.Errorf("mail: %q\n%s", m.Subject, m.Text)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Name != q.Number+".pdf" ||
		m.Attachments[0].ContentType != "application/pdf" || !strings.HasPrefix(string(m.Attachments[0].Data), "%PDF") {
		t.Fatalf("attachments = %d", len(m.Attachments))
	}
	if got := m.Header.Get("Reply-To"); !strings.Contains(got, "eigyo@example.jp") {
		t.Errorf("Reply-To = %q", got)
	}
}

// TestQuoteListFollowsDealVisibility: with team-private deals, a sales
// user who neither owns the deal nor is on its team lists none of its
// quotes; the owner lists them.
func TestQuoteListFollowsDealVisibility(t *testing.T) {
	f := newQuoteFixture(t)
	in := f.input(t)
	if _, err := f.app.CreateQuote(ctx, f.sales, f.deal.ID, in); err != nil {
		t.Fatal(err)
	}
	ws, v, _ := f.app.Workspace(ctx)
	ws.RecordVisibility = map[string]crm.Visibility{"deals": crm.VisibleTeam}
	if _, err := f.app.UpdateWorkspace(ctx, f.owner, ws, v); err != nil {
		t.Fatal(err)
	}
	outsider := f.addUser(t, "outsider@example.jp", crm.RoleSales)
	if qs, err := f.app.Quotes(ctx, outsider, store.QuoteQuery{}); err != nil || len(qs) != 0 {
		t.Errorf("outsider lists %d quotes (%v), want 0", len(qs), err)
	}
	if qs, err := f.app.Quotes(ctx, f.sales, store.QuoteQuery{}); err != nil || len(qs) != 1 {
		t.Errorf("the deal's owner lists %d quotes (%v), want 1", len(qs), err)
	}
}

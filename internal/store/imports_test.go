package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

var importNow = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

func TestImportFileIsStoredInChunksAndReadBack(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	// A little over two chunks, with every byte value.
	file := make([]byte, 2*store.ImportChunkSize+12345)
	for i := range file {
		file[i] = byte(i * 7)
	}
	im := store.Import{Object: "contact", Filename: "a.csv", Encoding: "utf-8", Mapping: map[string]string{"Email": "email"}}
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateImport(ctx, &im, bytes.NewReader(file), importNow); err != nil {
			return err
		}
		return tx.SetImportJob(ctx, im.ID, 42, 1000)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(s.ImportFile(ctx, im.ID))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, file) {
		t.Fatalf("read back %d bytes, want the %d stored", len(got), len(file))
	}
	var chunks int
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM import_chunks WHERE import_id = $1", im.ID).Scan(&chunks); err != nil || chunks != 3 {
		t.Errorf("%d chunks (err %v), want 3", chunks, err)
	}
	stored, err := s.Import(ctx, im.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Import{ID: im.ID, JobID: 42, Object: "contact", Filename: "a.csv", Encoding: "utf-8",
		Mapping: map[string]string{"Email": "email"}, Status: store.ImportQueued, TotalRows: 1000, CreatedAt: importNow, Options: "{}"}
	if !reflect.DeepEqual(stored, want) {
		t.Errorf("stored\n got %+v\nwant %+v", stored, want)
	}

	// A batch: lock, counts, errors (a repeated row and column is dropped).
	err = s.InBatchTx(ctx, nil, func(tx *store.BatchTx) error {
		done, err := tx.LockImport(ctx, im.ID)
		if err != nil || done != 0 {
			return fmt.Errorf("LockImport = %d, %v; want 0", done, err)
		}
		if err := tx.AddImportErrors(ctx, im.ID, []store.ImportError{{Row: 9, Reason: "unreadable"}, {Row: 3, Column: "Email", Reason: "bad"},
			{Row: 3, Column: "Email", Reason: "again"}, {Row: 3, Column: "Phone", Reason: "bad too"}}); err != nil {
			return err
		}
		return tx.AdvanceImport(ctx, im.ID, store.ImportCounts{Rows: 1200, Created: 1000, Updated: 150, Skipped: 20, Errors: 30})
	})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := s.ImportErrors(ctx, im.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantErrs := []store.ImportError{{Row: 3, Column: "Email", Reason: "bad"}, {Row: 3, Column: "Phone", Reason: "bad too"}, {Row: 9, Reason: "unreadable"}}
	if !reflect.DeepEqual(errs, wantErrs) {
		t.Errorf("errors %+v, want %+v", errs, wantErrs)
	}
	stored, _ = s.Import(ctx, im.ID)
	if stored.DoneRows != 1200 || stored.TotalRows != 1200 || stored.Created != 1000 || stored.Updated != 150 || stored.Skipped != 20 || stored.Errors != 30 {
		t.Errorf("after a batch: %+v", stored)
	}

	if err := s.FinishImport(ctx, im.ID, store.ImportDone, "", "shift_jis", importNow.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	stored, _ = s.Import(ctx, im.ID)
	if stored.Status != store.ImportDone || stored.Encoding != "shift_jis" || !stored.FinishedAt.Equal(importNow.Add(time.Minute)) {
		t.Errorf("finished: %+v", stored)
	}
	if got, _ := io.ReadAll(s.ImportFile(ctx, im.ID)); len(got) != 0 {
		t.Errorf("%d bytes of the file left after the import finished", len(got))
	}
	if err := s.FinishImport(ctx, 999, store.ImportDone, "", "", importNow); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("finishing a missing import: %v", err)
	}
	list, err := s.Imports(ctx, 10)
	if err != nil || len(list) != 1 || list[0].ID != im.ID {
		t.Errorf("Imports = %+v, %v", list, err)
	}
}

// TestBatchStatements writes more rows than one statement takes, twice (the
// second time through prepared statements on SQLite), and checks every id
// belongs to its row.
func TestBatchStatements(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	stmts := s.NewBatchStmts(ctx)
	defer stmts.Close()
	const n = 2500 // over two statements of 1,000 rows
	for round := 0; round < 2; round++ {
		cos := make([]*crm.Company, n)
		cs := make([]*crm.Contact, n)
		for i := range cs {
			cos[i] = &crm.Company{Name: fmt.Sprintf("株式会社テスト%d-%d", round, i), Employees: i}
			cos[i].Normalize()
			cs[i] = &crm.Contact{Email: fmt.Sprintf("r%d-%d@example.jp", round, i), PersonName: crm.PersonName{Family: "山田", Given: fmt.Sprint(i)},
				Phone: fmt.Sprintf("03-0000-%04d", i), Props: map[string]any{"n": float64(i)}}
			cs[i].Normalize()
		}
		err := s.InBatchTx(ctx, stmts, func(tx *store.BatchTx) error {
			if err := tx.InsertCompanies(ctx, cos, importNow); err != nil {
				return err
			}
			for i, c := range cs {
				c.CompanyID = cos[i].ID
			}
			if err := tx.InsertContacts(ctx, cs, importNow); err != nil {
				return err
			}
			entries := make([]store.TimelineEntry, n)
			for i, c := range cs {
				entries[i] = store.TimelineEntry{At: importNow, ContactID: c.ID, Kind: "imported", Data: map[string]any{"i": i}}
			}
			return tx.AddTimelineEntries(ctx, entries)
		})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for _, i := range []int{0, 999, 1000, 2499} {
			c, err := s.Contact(ctx, cs[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Email != cs[i].Email || c.Props["n"] != float64(i) || c.CompanyName != cos[i].Name || c.Version != 1 {
				t.Errorf("round %d row %d: stored %+v", round, i, c)
			}
			co, err := s.Company(ctx, cos[i].ID)
			if err != nil || co.Name != cos[i].Name || co.Employees != i {
				t.Errorf("round %d company %d: stored %+v (err %v)", round, i, co, err)
			}
		}
	}

	// Update them all: found by e-mail, changed, written back.
	var emails []string
	for i := 0; i < n; i++ {
		emails = append(emails, fmt.Sprintf("r0-%d@example.jp", i))
	}
	err := s.InBatchTx(ctx, stmts, func(tx *store.BatchTx) error {
		found, err := tx.ContactsByEmails(ctx, append(emails, "nobody@example.jp", "r1-5@example.jp"))
		if err != nil {
			return err
		}
		if len(found) != n+1 {
			return fmt.Errorf("found %d of %d", len(found), n+1)
		}
		var us []store.ContactUpdate
		for i, e := range emails {
			c := found[e]
			c.JobTitle, c.Lifecycle = "部長", crm.StageCustomer
			if i%2 == 0 {
				c.Phone = "" // a second group of changed columns
			}
			us = append(us, store.ContactUpdate{Before: found[e], After: &c})
		}
		// Unchanged: not written, its version stays.
		same := found["r1-5@example.jp"]
		return tx.UpdateContacts(ctx, append(us, store.ContactUpdate{Before: found["r1-5@example.jp"], After: &same}), importNow.Add(time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Contact(ctx, 1800)
	if err != nil {
		t.Fatal(err)
	}
	if c.JobTitle != "部長" || c.Lifecycle != crm.StageCustomer || c.Version != 2 || !c.UpdatedAt.Equal(importNow.Add(time.Hour)) ||
		c.Props["n"] != float64(1799) || c.Email != "r0-1799@example.jp" || c.Phone != "03-0000-1799" {
		t.Errorf("after the update: %+v", c)
	}
	if c, _ := s.Contact(ctx, 1799); c.Phone != "" || c.JobTitle != "部長" {
		t.Errorf("after the update: %+v", c)
	}
	if c, _ := s.Contact(ctx, n+6); c.Email != "r1-5@example.jp" || c.Version != 1 {
		t.Errorf("the unchanged contact: %+v", c)
	}

	// Updating a contact that is gone fails the batch.
	err = s.InBatchTx(ctx, stmts, func(tx *store.BatchTx) error {
		return tx.UpdateContacts(ctx, []store.ContactUpdate{{After: &crm.Contact{ID: 999999, Lifecycle: crm.StageLead}}}, importNow)
	})
	if err == nil {
		t.Error("updating a missing contact did not fail")
	}
}

func TestBatchLookups(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	var coID int64
	err := s.InBatchTx(ctx, nil, func(tx *store.BatchTx) error {
		cos := []*crm.Company{{Name: "株式会社サンプル"}, {Name: "サンプル株式会社"}, {Name: "Other Inc."}}
		for _, c := range cos {
			c.Normalize()
		}
		if err := tx.InsertCompanies(ctx, cos, importNow); err != nil {
			return err
		}
		coID = cos[0].ID
		cs := []*crm.Contact{
			{PersonName: crm.PersonName{Family: "鈴木", Given: "一郎"}, Phone: "03-1111-2222", CompanyID: coID},
			{PersonName: crm.PersonName{Family: "鈴木", Given: "一郎"}, Phone: "090-0000-0000"},
			{Email: "suzuki@example.jp", PersonName: crm.PersonName{Family: "鈴木", Given: "一郎"}},
		}
		for _, c := range cs {
			c.Normalize()
		}
		if err := tx.InsertContacts(ctx, cs, importNow); err != nil {
			return err
		}
		tags, err := tx.EnsureTags(ctx, []string{"VIP", "展示会", "VIP"})
		if err != nil || len(tags) != 2 {
			return fmt.Errorf("EnsureTags = %v, %v", tags, err)
		}
		again, err := tx.EnsureTags(ctx, []string{"VIP"})
		if err != nil || again["VIP"] != tags["VIP"] {
			return fmt.Errorf("EnsureTags again = %v, %v; want VIP = %d", again, err, tags["VIP"])
		}
		if err := tx.AddContactTags(ctx, []store.ContactTag{{ContactID: cs[2].ID, TagID: tags["VIP"]}}); err != nil {
			return err
		}
		// Adding a tag a contact has is no error.
		if err := tx.AddContactTags(ctx, []store.ContactTag{{ContactID: cs[2].ID, TagID: tags["VIP"]}, {ContactID: cs[2].ID, TagID: tags["展示会"]}}); err != nil {
			return err
		}
		if err := tx.AddConsentEvents(ctx, []store.ConsentEvent{{ContactID: cs[2].ID, At: importNow, Status: crm.ConsentGranted, Source: "import"}}); err != nil {
			return err
		}
		return tx.Suppress(ctx, "hash-1", "erased", importNow)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.InBatchTx(ctx, nil, func(tx *store.BatchTx) error {
		ids, err := tx.CompanyIDsByKeys(ctx, []string{"サンプル", "other", "none"})
		if err != nil {
			return err
		}
		if want := map[string]int64{"サンプル": coID, "other": coID + 2}; !reflect.DeepEqual(ids, want) {
			t.Errorf("CompanyIDsByKeys = %v, want %v (the oldest of two with one key)", ids, want)
		}
		full, err := tx.CompaniesByKeys(ctx, []string{"サンプル"})
		if err != nil || full["サンプル"].ID != coID || full["サンプル"].Name != "株式会社サンプル" {
			t.Errorf("CompaniesByKeys = %+v, %v", full, err)
		}
		_, nk := store.ContactKeys(crm.PersonName{Family: "鈴木", Given: "一郎"})
		same, err := tx.ContactsWithoutEmail(ctx, []string{nk, "nobody"})
		if err != nil {
			return err
		}
		if len(same) != 2 || same[0].CompanyID != coID || same[1].Phone != "090-0000-0000" {
			t.Errorf("ContactsWithoutEmail = %+v, want the two without e-mail", same)
		}
		sup, err := tx.Store().SuppressedHashes(ctx, []string{"hash-1", "hash-2"})
		if err != nil || !reflect.DeepEqual(sup, map[string]string{"hash-1": "erased"}) {
			t.Errorf("SuppressedHashes = %v, %v", sup, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Contact(ctx, 3)
	if err != nil || !reflect.DeepEqual(c.Tags, []string{"VIP", "展示会"}) {
		t.Errorf("tags of contact 3: %v (err %v)", c.Tags, err)
	}
	byID, err := s.CompaniesByIDs(ctx, []int64{coID, 999})
	if err != nil || len(byID) != 1 || byID[coID].Name != "株式会社サンプル" {
		t.Errorf("CompaniesByIDs = %+v, %v", byID, err)
	}
}

// TestLockImportOrdersTwoRuns has a second run of an import (another
// process whose job lease ran out) wait for the first run's batch, then see
// the rows it did.
func TestLockImportOrdersTwoRuns(t *testing.T) {
	ctx := context.Background()
	o := storetest.Options(t)
	open := func() *store.Store {
		s, err := store.Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1, s2 := open(), open()
	im := store.Import{Object: "contact", Filename: "a.csv", Encoding: "utf-8"}
	if err := s1.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateImport(ctx, &im, bytes.NewReader([]byte("Email\n")), importNow)
	}); err != nil {
		t.Fatal(err)
	}
	batch := func(s *store.Store, locked chan<- int, release <-chan struct{}) error {
		return s.InBatchTx(ctx, nil, func(tx *store.BatchTx) error {
			done, err := tx.LockImport(ctx, im.ID)
			if err != nil {
				return err
			}
			locked <- done
			<-release
			return tx.AdvanceImport(ctx, im.ID, store.ImportCounts{Rows: 5000, Created: 5000})
		})
	}
	locked1, locked2 := make(chan int, 1), make(chan int, 1)
	release := make(chan struct{})
	errs := make(chan error, 2)
	go func() { errs <- batch(s1, locked1, release) }()
	if got := <-locked1; got != 0 {
		t.Errorf("first run: %d rows done, want 0", got)
	}
	go func() { errs <- batch(s2, locked2, release) }()
	select {
	case got := <-locked2:
		t.Fatalf("the second run got the import (%d rows done) while the first held it", got)
	case <-time.After(150 * time.Millisecond):
	}
	close(release)
	if got := <-locked2; got != 5000 {
		t.Errorf("second run: %d rows done, want the first run's 5000", got)
	}
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s1.Import(ctx, im.ID); got.DoneRows != 10000 {
		t.Errorf("done rows %d, want 10000", got.DoneRows)
	}
	if err := s1.InBatchTx(ctx, nil, func(tx *store.BatchTx) error {
		_, err := tx.LockImport(ctx, 999)
		return err
	}); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("LockImport of a missing import: %v", err)
	}
}

package store_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

func TestContactsAndCompanies(t *testing.T) {
	s := storetest.Open(t)
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	co := crm.Company{Name: "㈱テスト商事", Domain: "https://www.Test.co.jp/", Prefecture: "東京都"}
	co.Normalize()
	c := crm.Contact{Email: "ＴＡＲＯ@test.co.jp", PersonName: crm.PersonName{Family: "山田", Given: "太郎", FamilyReading: "ﾔﾏﾀﾞ", GivenReading: "たろう"},
		Tags: []string{"展示会", "VIP", "展示会"}, Props: map[string]any{"budget": 120.0}}
	c.Normalize()
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateCompany(ctx, &co, now); err != nil {
			return err
		}
		c.CompanyID = co.ID
		return tx.CreateContact(ctx, &c, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Contact(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != "taro@test.co.jp" || got.CompanyName != "㈱テスト商事" || got.Reading() != "ヤマダ タロウ" ||
		!reflect.DeepEqual(got.Tags, []string{"VIP", "展示会"}) || got.Props["budget"] != 120.0 || !got.CreatedAt.Equal(now) {
		t.Errorf("Contact = %+v", got)
	}
	if co.Domain != "test.co.jp" || co.LegalForm != "株式会社" {
		t.Errorf("company normalised to %+v", co)
	}

	// The same company spelled another way is found by its key.
	err = s.InTx(ctx, func(tx *store.Tx) error {
		same, err := tx.CompaniesByKey(ctx, crm.Company{Name: "テスト商事株式会社"}.Key())
		if err != nil {
			return err
		}
		if len(same) != 1 || same[0].ID != co.ID {
			t.Errorf("CompaniesByKey = %+v", same)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// A second contact with the same e-mail is a conflict.
	dup := crm.Contact{Email: "taro@test.co.jp"}
	dup.Normalize()
	err = s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateContact(ctx, &dup, now) })
	if !errors.Is(err, crm.ErrConflict) {
		t.Errorf("duplicate e-mail: %v, want ErrConflict", err)
	}

	// A stale update changes nothing.
	stale := got
	got.JobTitle, got.Tags = "部長", []string{"VIP"}
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateContact(ctx, &got, now) }); err != nil {
		t.Fatal(err)
	}
	stale.JobTitle = "課長"
	err = s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateContact(ctx, &stale, now) })
	if !errors.Is(err, crm.ErrStale) {
		t.Fatalf("stale update: %v", err)
	}
	again, _ := s.Contact(ctx, c.ID)
	if again.JobTitle != "部長" || !reflect.DeepEqual(again.Tags, []string{"VIP"}) || again.Version != 2 {
		t.Errorf("after updates: %+v", again)
	}
}

func TestTimelineOrderAndCursor(t *testing.T) {
	s := storetest.Open(t)
	base := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	c := crm.Contact{Email: "a@example.jp"}
	c.Normalize()
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateContact(ctx, &c, base); err != nil {
			return err
		}
		// Inserted out of time order, as back-dated imports are.
		for _, h := range []int{5, 1, 3, 3, 2, 4} {
			e := store.TimelineEntry{At: base.Add(time.Duration(h) * time.Hour), ContactID: c.ID, Kind: "note", Data: map[string]any{"h": h}}
			if err := tx.AddTimeline(ctx, &e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var hours []float64
	f := store.TimelineFilter{ContactID: c.ID, Limit: 4}
	for page := 0; page < 5; page++ {
		es, err := s.Timeline(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			hours = append(hours, e.Data["h"].(float64))
		}
		last := es[len(es)-1]
		f.BeforeAt, f.BeforeID = last.At, last.ID
	}
	if want := []float64{5, 4, 3, 3, 2, 1}; !reflect.DeepEqual(hours, want) {
		t.Errorf("timeline hours = %v, want %v", hours, want)
	}
}

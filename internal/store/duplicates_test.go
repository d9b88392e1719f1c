package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// dupFixture: p1…p13, named by number.
//
//	p1  山田 太郎  ㈱テスト商事          03-1234-5678   taro@test.jp
//	p2  山田 太郎  テスト商事株式会社 (same key, another row)
//	p3  山田 太郎  ㈱テスト商事          03 1234 5678
//	p4  鈴木 一郎  ACME                03(1234)5678
//	p5  佐藤 花子  ACME                12345 (too short to compare)
//	p6  加藤 花子  ACME                12-345
//	p7…p12 six people at ACME sharing the switchboard 0120-000-000
//	p13 山田 太郎  no company, no phone
func dupFixture(t *testing.T) (*store.Store, map[int64]string, map[string]int64) {
	t.Helper()
	s := storetest.Open(t)
	name, id := map[int64]string{}, map[string]int64{}
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	err := s.InTx(ctx, func(tx *store.Tx) error {
		cos := []*crm.Company{{Name: "㈱テスト商事"}, {Name: "テスト商事株式会社"}, {Name: "ACME Inc."}}
		for _, co := range cos {
			co.Normalize()
			if err := tx.CreateCompany(ctx, co, now); err != nil {
				return err
			}
		}
		yamada := crm.PersonName{Family: "山田", Given: "太郎"}
		people := []crm.Contact{
			{PersonName: yamada, CompanyID: cos[0].ID, Phone: "03-1234-5678", Email: "taro@test.jp"},
			{PersonName: yamada, CompanyID: cos[1].ID},
			{PersonName: yamada, CompanyID: cos[0].ID, Phone: "03 1234 5678"},
			{PersonName: crm.PersonName{Family: "鈴木", Given: "一郎"}, CompanyID: cos[2].ID, Phone: "03(1234)5678"},
			{PersonName: crm.PersonName{Family: "佐藤", Given: "花子"}, CompanyID: cos[2].ID, Phone: "12345"},
			{PersonName: crm.PersonName{Family: "加藤", Given: "花子"}, CompanyID: cos[2].ID, Phone: "12-345"},
		}
		for i := 0; i < 6; i++ {
			people = append(people, crm.Contact{PersonName: crm.PersonName{Family: "社員", Given: fmt.Sprint(i)},
				CompanyID: cos[2].ID, Phone: "0120-000-000"})
		}
		people = append(people, crm.Contact{PersonName: yamada, Email: "yamada@free.example"})
		for i := range people {
			c := &people[i]
			c.Normalize()
			if err := tx.CreateContact(ctx, c, now); err != nil {
				return err
			}
			p := fmt.Sprintf("p%d", i+1)
			name[c.ID], id[p] = p, c.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, name, id
}

func TestFindDuplicates(t *testing.T) {
	s, name, id := dupFixture(t)
	show := func(ms []store.DuplicateMatch) string {
		var parts []string
		for _, m := range ms {
			var rs []string
			for _, r := range m.Reasons {
				rs = append(rs, string(r))
			}
			parts = append(parts, name[m.Contact.ID]+"("+strings.Join(rs, "+")+")")
		}
		return strings.Join(parts, " ")
	}
	tests := []struct {
		name string
		of   string // a stored contact, or "" for c
		c    crm.Contact
		want string
	}{
		{"name at the same company or the same company key, and phone", "p1", crm.Contact{},
			"p3(name_company+phone) p2(name_company) p4(phone)"},
		{"same company key from the other side", "p2", crm.Contact{}, "p1(name_company) p3(name_company)"},
		{"short phone numbers are not compared", "p5", crm.Contact{}, ""},
		{"switchboard", "p7", crm.Contact{}, "p8(phone) p9(phone) p10(phone) p11(phone) p12(phone)"},
		{"no company: name alone is not enough", "p13", crm.Contact{}, ""},
		{"unsaved: full-width, upper-case e-mail", "", crm.Contact{Email: "ＴＡＲＯ@TEST.jp "}, "p1(email)"},
		{"unsaved: name with a company spelled another way", "",
			crm.Contact{PersonName: crm.PersonName{Family: "山田", Given: "太郎"}, CompanyName: "テスト商事(株)"},
			"p1(name_company) p2(name_company) p3(name_company)"},
		{"unsaved: phone with full-width digits", "", crm.Contact{Phone: "０３－１２３４－５６７８"},
			"p1(phone) p3(phone) p4(phone)"},
		{"unsaved: nothing to compare", "", crm.Contact{PersonName: crm.PersonName{Family: "山田"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []store.DuplicateMatch
			var err error
			if tt.of != "" {
				got, err = s.FindDuplicates(ctx, id[tt.of])
			} else {
				got, err = s.FindDuplicatesOf(ctx, tt.c)
			}
			if err != nil {
				t.Fatal(err)
			}
			if show(got) != tt.want {
				t.Errorf("got %q, want %q", show(got), tt.want)
			}
		})
	}
	if _, err := s.FindDuplicates(ctx, 999999); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("missing contact: %v", err)
	}
}

func TestDuplicatePairs(t *testing.T) {
	s, name, _ := dupFixture(t)
	show := func(ps []store.DuplicatePair) []string {
		var out []string
		for _, p := range ps {
			var rs []string
			for _, r := range p.Reasons {
				rs = append(rs, string(r))
			}
			out = append(out, name[p.A.ID]+"-"+name[p.B.ID]+"("+strings.Join(rs, "+")+")")
		}
		return out
	}
	got, err := s.DuplicatePairs(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	// p2 is at another company row (FindDuplicates finds it by company key);
	// the switchboard group and the 5-digit numbers are left out.
	if want := []string{"p1-p3(name_company+phone)", "p1-p4(phone)"}; !slices.Equal(show(got), want) {
		t.Errorf("pairs = %v, want %v", show(got), want)
	}
	if len(got) > 0 && (got[0].A.Family != "山田" || got[0].A.CompanyName != "㈱テスト商事") {
		t.Errorf("pair contacts not loaded: %+v", got[0].A)
	}
	got, err = s.DuplicatePairs(ctx, 1)
	if err != nil || !slices.Equal(show(got), []string{"p1-p3(name_company+phone)"}) {
		t.Errorf("limit 1 = %v, %v", show(got), err)
	}
	if _, err := s.DuplicatePairs(ctx, 0); err == nil {
		t.Error("limit 0 accepted")
	}
}

package app

import (
	"errors"
	"reflect"
	"testing"

	"renkei/internal/crm"
)

// TestProperties runs the custom property definitions tests on one database: a fresh one per test costs
// most of a second on PostgreSQL. The tests use their own records and
// compare counts before and after.
func TestProperties(t *testing.T) {
	f := newPeopleFixture(t)
	for _, tt := range []struct {
		name string
		run  func(*testing.T, *peopleFixture)
	}{
		{"CreatePropertyValidation", testCreatePropertyValidation},
		{"UpdateAndDeleteProperty", testUpdateAndDeleteProperty},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, f) })
	}
}

func testCreatePropertyValidation(t *testing.T, f *peopleFixture) {
	audited := count(t, f.s, "SELECT COUNT(*) FROM audit_log WHERE action = 'property.create'")
	tests := []struct {
		name string
		p    crm.Property
		want []string
	}{
		{"upper-case key", crm.Property{Object: "contact", Key: "Budget", LabelEN: "B", Type: crm.PropText}, []string{"key"}},
		{"key with SQL", crm.Property{Object: "contact", Key: "x'); DROP TABLE contacts;--", LabelEN: "B", Type: crm.PropText}, []string{"key"}},
		{"standard field", crm.Property{Object: "contact", Key: "email", LabelEN: "E", Type: crm.PropText}, []string{"key"}},
		{"unknown object", crm.Property{Object: "deal", Key: "size", LabelEN: "S", Type: crm.PropText}, []string{"object"}},
		{"no label", crm.Property{Object: "contact", Key: "size", LabelJA: " ", Type: crm.PropText}, []string{"label_en"}},
		{"unknown type", crm.Property{Object: "contact", Key: "size", LabelEN: "S", Type: "money"}, []string{"type"}},
		{"choice without choices", crm.Property{Object: "contact", Key: "size", LabelEN: "S", Type: crm.PropChoice, Options: []string{" ", ""}}, []string{"options"}},
		{"duplicate key", crm.Property{Object: "contact", Key: "budget", LabelEN: "B", Type: crm.PropNumber}, []string{"key"}},
		{"everything wrong", crm.Property{Key: "1x", Type: "?"}, []string{"key", "label_en", "object", "type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := unchanged(t, f.s, func() error { _, err := f.app.CreateProperty(ctx, f.owner, tt.p); return err })
			if got := fieldsOf(err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("error fields = %v (%v); want %v", got, err, tt.want)
			}
		})
	}
	// The same key on the other object is another property.
	p, err := f.app.CreateProperty(ctx, f.owner, crm.Property{Object: "company", Key: " budget ", LabelJA: " 予算 ", Type: crm.PropNumber, Options: []string{"x"}})
	if err != nil {
		t.Fatalf("company budget: %v", err)
	}
	if p.ID == 0 || p.Key != "budget" || p.LabelJA != "予算" || p.Options != nil || p.Version != 1 {
		t.Errorf("created %+v", p)
	}
	if n := count(t, f.s, "SELECT COUNT(*) FROM audit_log WHERE action = 'property.create'"); n != audited+1 {
		t.Errorf("%d property.create audit entries; want %d", n, audited+1)
	}
}

func testUpdateAndDeleteProperty(t *testing.T, f *peopleFixture) {
	a := f.app
	p, err := a.CreateProperty(ctx, f.owner, crm.Property{Object: "contact", Key: "plan", LabelJA: "プラン", Type: crm.PropChoice, Options: []string{"free", "pro"}})
	if err != nil {
		t.Fatal(err)
	}
	c := f.create(t, ContactInput{Contact: crm.Contact{Email: "p@example.jp"}, Props: map[string]any{"plan": "pro"}})

	// Labels, choices and position change; object, key and type do not.
	in := p
	in.Object, in.Key, in.Type = "company", "renamed", crm.PropNumber
	in.LabelEN, in.Options, in.Position = "Plan", []string{"free", "pro", "enterprise"}, 5
	got, err := a.UpdateProperty(ctx, f.owner, p.ID, p.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := f.s.Property(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, stored) {
		t.Errorf("returned %+v\nstored   %+v", got, stored)
	}
	if stored.Object != "contact" || stored.Key != "plan" || stored.Type != crm.PropChoice || stored.LabelEN != "Plan" ||
		stored.LabelJA != "プラン" || !reflect.DeepEqual(stored.Options, []string{"free", "pro", "enterprise"}) ||
		stored.Position != 5 || stored.Version != p.Version+1 {
		t.Errorf("updated property = %+v", stored)
	}
	// The new choice is accepted on contacts.
	cur := f.stored(t, c.ID)
	if _, err := a.UpdateContact(ctx, f.owner, c.ID, cur.Version, ContactInput{Contact: cur, Props: map[string]any{"plan": "enterprise"}}); err != nil {
		t.Errorf("new choice refused: %v", err)
	}

	// A stale version, bad input and a missing property change nothing.
	err = unchanged(t, f.s, func() error { _, err := a.UpdateProperty(ctx, f.owner, p.ID, p.Version, in); return err })
	if !errors.Is(err, crm.ErrStale) {
		t.Errorf("stale UpdateProperty: %v", err)
	}
	bad := stored
	bad.Options = nil
	err = unchanged(t, f.s, func() error { _, err := a.UpdateProperty(ctx, f.owner, p.ID, stored.Version, bad); return err })
	if got := fieldsOf(err); !reflect.DeepEqual(got, []string{"options"}) {
		t.Errorf("UpdateProperty without choices: %v", err)
	}
	if _, err := a.UpdateProperty(ctx, f.owner, 9999, 1, in); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("UpdateProperty of a missing property: %v", err)
	}

	if err := a.DeleteProperty(ctx, f.owner, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Property(ctx, p.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("deleted property still there: %v", err)
	}
	if err := a.DeleteProperty(ctx, f.owner, p.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("second DeleteProperty: %v", err)
	}
	// Once deleted, the key is unknown to contacts, and can be defined again.
	cur = f.stored(t, c.ID)
	err = unchanged(t, f.s, func() error {
		_, err := a.UpdateContact(ctx, f.owner, c.ID, cur.Version, ContactInput{Contact: cur, Props: map[string]any{"plan": "pro"}})
		return err
	})
	if got := fieldsOf(err); !reflect.DeepEqual(got, []string{"props.plan"}) {
		t.Errorf("value for a deleted property: %v", err)
	}
	if _, err := a.CreateProperty(ctx, f.owner, crm.Property{Object: "contact", Key: "plan", LabelEN: "Plan", Type: crm.PropText}); err != nil {
		t.Errorf("defining the key again: %v", err)
	}
	actions := count(t, f.s, "SELECT COUNT(*) FROM audit_log WHERE action IN ('property.update', 'property.delete')")
	if actions != 2 {
		t.Errorf("%d property update/delete audit entries; want 2", actions)
	}
}

package app

import (
	"testing"

	"renkei/internal/crm"
)

// An anonymous form post fills an existing contact's empty fields and
// leaves the known ones; a new contact takes everything given.
func TestApplyFormValuesFillsOnlyEmptyFieldsOfKnownContacts(t *testing.T) {
	vals := map[string]string{crm.FieldFamilyName: "佐藤", crm.FieldJobTitle: "部長", crm.FieldPhone: "090-0000-0000"}
	props := map[string]any{"rank": "A", "budget": "100"}
	known := crm.Contact{PersonName: crm.PersonName{Family: "山田"}, Phone: "03-1111-2222", Props: map[string]any{"rank": "B"}}
	applyFormValues(&known, vals, props, true)
	if known.Family != "山田" || known.Phone != "03-1111-2222" || known.JobTitle != "部長" || known.Props["rank"] != "B" || known.Props["budget"] != "100" {
		t.Errorf("known contact after a post: %+v", known)
	}
	var fresh crm.Contact
	applyFormValues(&fresh, vals, props, false)
	if fresh.Family != "佐藤" || fresh.Phone != "090-0000-0000" || fresh.JobTitle != "部長" || fresh.Props["rank"] != "A" {
		t.Errorf("new contact after a post: %+v", fresh)
	}
}

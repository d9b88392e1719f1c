package crm

import (
	"reflect"
	"testing"
)

func TestPropertyParseValue(t *testing.T) {
	choice := Property{Type: PropMultiChoice, Options: []string{"CRM", "MA", "SFA"}}
	tests := []struct {
		p       Property
		in      any
		want    any
		wantErr bool
	}{
		{Property{Type: PropNumber}, "1,200", 1200.0, false},
		{Property{Type: PropNumber}, "abc", nil, true},
		{Property{Type: PropDate}, "2026/4/1", "2026-04-01", false},
		{Property{Type: PropDate}, "2026年4月1日", "2026-04-01", false},
		{Property{Type: PropDate}, "April", nil, true},
		{Property{Type: PropBool}, "はい", true, false},
		{Property{Type: PropURL}, "javascript:alert(1)", nil, true},
		{Property{Type: PropURL}, "https://example.jp/x", "https://example.jp/x", false},
		{choice, "MA、CRM;MA", []string{"MA", "CRM"}, false},
		{choice, "ERP", nil, true},
		{Property{Type: PropChoice, Options: []string{"A"}}, "A", "A", false},
		{Property{Type: PropText}, "  ", nil, false},
	}
	for _, tt := range tests {
		got, err := tt.p.ParseValue(tt.in)
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s.ParseValue(%v) = %v, %v; want %v, err %t", tt.p.Type, tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestPropertyValidate(t *testing.T) {
	bad := []Property{
		{Object: "contact", Key: "Budget", LabelEN: "x", Type: PropText},
		{Object: "contact", Key: "x'); DROP TABLE contacts;--", LabelEN: "x", Type: PropText},
		{Object: "contact", Key: "email", LabelEN: "x", Type: PropText},
		{Object: "deal", Key: "x", LabelEN: "x", Type: PropText},
		{Object: "contact", Key: "x", LabelEN: "x", Type: PropChoice},
		{Object: "contact", Key: "x", Type: PropText},
	}
	for _, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", p)
		}
	}
	ok := Property{Object: "company", Key: "budget_2026", LabelJA: "予算", Type: PropNumber, Options: []string{"x"}}
	if err := ok.Validate(); err != nil || ok.Options != nil {
		t.Errorf("Validate = %v, options %v", err, ok.Options)
	}
}

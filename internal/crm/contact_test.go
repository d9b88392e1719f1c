package crm

import "testing"

func TestContactValidate(t *testing.T) {
	tests := []struct {
		name       string
		c          Contact
		hasCompany bool
		wantFields []string
	}{
		{"email only", Contact{Email: "ＴＡＲＯ@Example.JP"}, false, nil},
		{"name and company", Contact{PersonName: PersonName{Family: "山田"}}, true, nil},
		{"name and phone", Contact{PersonName: PersonName{Family: "山田"}, Phone: "０３-１２３４-５６７８"}, false, nil},
		{"nothing", Contact{}, false, []string{"email"}},
		{"name alone", Contact{PersonName: PersonName{Given: "太郎"}}, false, []string{"company"}},
		{"bad email", Contact{Email: "taro@"}, false, []string{"email"}},
		{"bad stage", Contact{Email: "a@b.jp", Lifecycle: "vip"}, false, []string{"lifecycle_stage"}},
		{"newline in title", Contact{Email: "a@b.jp", JobTitle: "部長\r\nBcc: x"}, false, []string{"job_title"}},
		{"short phone", Contact{Email: "a@b.jp", Phone: "12"}, false, []string{"phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			c.Normalize()
			err := c.Validate(tt.hasCompany)
			v, _ := AsValidation(err)
			var got []string
			if v != nil {
				for f := range v.Fields {
					got = append(got, f)
				}
			}
			if len(got) != len(tt.wantFields) || (len(got) == 1 && got[0] != tt.wantFields[0]) {
				t.Errorf("fields = %v, want %v (err %v)", got, tt.wantFields, err)
			}
		})
	}
	c := Contact{Email: " ＴＡＲＯ@Example.JP ", PersonName: PersonName{FamilyReading: "ﾔﾏﾀﾞ"}}
	c.Normalize()
	if c.Email != "taro@example.jp" || c.FamilyReading != "ヤマダ" || c.Honorific != "様" || c.Lifecycle != StageLead {
		t.Errorf("Normalize = %+v", c)
	}
}

package crm

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Form is a lead-capture form: its fields map to contact properties, and a
// submission upserts the contact by e-mail.
type Form struct {
	ID           int64
	Name         string // internal name, shown to staff only
	Key          string // public, unguessable key in /f/{key} and the snippets
	TitleJA      string
	TitleEN      string
	Fields       []FormField // in display order
	ThanksJA     string      // shown after submitting when there is no redirect
	ThanksEN     string
	RedirectURL  string // after submitting; only to an allowed domain
	NotifyUsers  []int64
	NotifyEmails []string
	DoubleOptIn  bool // consent stays pending until the e-mail link is confirmed
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int64
}

// FormField is one input of a form. Key names the contact property it
// fills: one of FormFieldKeys, or "props.<key>" for a custom property.
type FormField struct {
	Key       string `json:"key"`
	LabelJA   string `json:"label_ja"`
	LabelEN   string `json:"label_en"`
	Required  bool   `json:"required,omitempty"`
	Format    string `json:"format,omitempty"` // "", email, phone, url
	MaxLength int    `json:"max_length,omitempty"`
	Pattern   string `json:"pattern,omitempty"` // a regular expression the whole value must match
}

// Field keys of the standard contact properties a form can fill.
const (
	FieldEmail         = "email"
	FieldFamilyName    = "family_name"
	FieldGivenName     = "given_name"
	FieldFamilyReading = "family_reading"
	FieldGivenReading  = "given_reading"
	FieldCompany       = "company"
	FieldPhone         = "phone"
	FieldJobTitle      = "job_title"
	FieldDepartment    = "department"
	// FieldConsent is a checkbox; its label (in the visitor's language) is
	// the exact wording stored in the consent ledger.
	FieldConsent = "consent"
)

// FormFieldKeys lists the standard field keys in their usual order.
var FormFieldKeys = []string{FieldEmail, FieldFamilyName, FieldGivenName, FieldFamilyReading, FieldGivenReading,
	FieldCompany, FieldDepartment, FieldJobTitle, FieldPhone, FieldConsent}

// Field formats.
const (
	FormatEmail = "email"
	FormatPhone = "phone"
	FormatURL   = "url"
)

// MaxFieldLength caps every submitted value.
const MaxFieldLength = 2000

// Label returns the field's label in lang (the other language's label when
// it has none).
func (f FormField) Label(lang Language) string {
	if lang == LangJA && f.LabelJA != "" || f.LabelEN == "" {
		return f.LabelJA
	}
	return f.LabelEN
}

// PropKey returns the custom property key of a "props.<key>" field.
func (f FormField) PropKey() (string, bool) { return strings.CutPrefix(f.Key, "props.") }

// Title returns the form's title in lang, falling back to the other
// language and then the name.
func (f Form) Title(lang Language) string {
	return pick(lang, f.TitleJA, f.TitleEN, f.Name)
}

// Thanks returns the thank-you message in lang.
func (f Form) Thanks(lang Language) string {
	def := "Thank you. We have received your message."
	if lang == LangJA {
		def = "送信ありがとうございました。内容を受け付けました。"
	}
	return pick(lang, f.ThanksJA, f.ThanksEN, def)
}

func pick(lang Language, ja, en, def string) string {
	first, second := en, ja
	if lang == LangJA {
		first, second = ja, en
	}
	switch {
	case first != "":
		return first
	case second != "":
		return second
	}
	return def
}

// Field returns the field with key.
func (f Form) Field(key string) (FormField, bool) {
	for _, x := range f.Fields {
		if x.Key == key {
			return x, true
		}
	}
	return FormField{}, false
}

var fieldKeyRE = regexp.MustCompile(`^props\.[a-z][a-z0-9_]{0,62}$`)

// Validate checks a form definition (not the redirect domain, which needs
// the registered sites: see app). propKeys are the custom contact
// properties that exist.
func (f *Form) Validate(propKeys map[string]bool) error {
	v := &ValidationError{}
	f.Name = strings.TrimSpace(f.Name)
	if f.Name == "" || utf8.RuneCountInString(f.Name) > 100 {
		v.Add("name", "enter a name of 1 to 100 characters")
	}
	for field, s := range map[string]string{"title_ja": f.TitleJA, "title_en": f.TitleEN} {
		if utf8.RuneCountInString(s) > 200 {
			v.Add(field, "is too long (200 characters at most)")
		}
	}
	for field, s := range map[string]string{"thanks_ja": f.ThanksJA, "thanks_en": f.ThanksEN} {
		if utf8.RuneCountInString(s) > 2000 {
			v.Add(field, "is too long (2,000 characters at most)")
		}
	}
	seen := map[string]bool{}
	hasEmail, hasConsent := false, false
	for i, fl := range f.Fields {
		at := fmt.Sprintf("fields.%s", fl.Key)
		switch {
		case seen[fl.Key]:
			v.Add(at, "appears twice")
		case fieldKeyRE.MatchString(fl.Key):
			k, _ := fl.PropKey()
			if !propKeys[k] {
				v.Add(at, "is not a custom contact property; define it in Settings → Properties first")
			}
		case !isStandardField(fl.Key):
			v.Add(at, "is not a field a form can fill")
		}
		seen[fl.Key] = true
		hasEmail = hasEmail || fl.Key == FieldEmail
		hasConsent = hasConsent || fl.Key == FieldConsent
		if strings.TrimSpace(fl.LabelJA) == "" && strings.TrimSpace(fl.LabelEN) == "" {
			v.Add(at+".label", "enter a label in Japanese or English")
		}
		if utf8.RuneCountInString(fl.LabelJA) > 1000 || utf8.RuneCountInString(fl.LabelEN) > 1000 {
			v.Add(at+".label", "is too long (1,000 characters at most)")
		}
		switch fl.Format {
		case "", FormatEmail, FormatPhone, FormatURL:
		default:
			v.Add(at+".format", "choose email, phone, url or none")
		}
		if fl.MaxLength < 0 || fl.MaxLength > MaxFieldLength {
			v.Add(at+".max_length", fmt.Sprintf("must be between 0 (no limit) and %d", MaxFieldLength))
		}
		if fl.Pattern != "" {
			if len(fl.Pattern) > 200 {
				v.Add(at+".pattern", "is too long (200 characters at most)")
			} else if _, err := regexp.Compile(fl.Pattern); err != nil {
				v.Add(at+".pattern", "is not a valid regular expression")
			}
		}
		if fl.Key == FieldEmail {
			f.Fields[i].Required, f.Fields[i].Format = true, FormatEmail
		}
	}
	if !hasEmail {
		v.Add("fields.email", "a form needs the e-mail field (the contact is found or created by it)")
	}
	if len(f.Fields) > 50 {
		v.Add("fields", "a form has at most 50 fields")
	}
	if f.DoubleOptIn && !hasConsent {
		v.Add("double_optin", "double opt-in needs the consent checkbox among the fields")
	}
	if f.RedirectURL != "" {
		u, err := url.Parse(f.RedirectURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			v.Add("redirect_url", "enter a full http:// or https:// address, or leave it empty to show the thank-you message")
		}
	}
	if len(f.NotifyEmails) > 20 {
		v.Add("notify_emails", "at most 20 addresses")
	}
	for _, e := range f.NotifyEmails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || !ValidEmail(NormalizeEmail(e)) {
			v.Add("notify_emails", fmt.Sprintf("%q is not an e-mail address", e))
			break
		}
	}
	return v.Err()
}

func isStandardField(key string) bool {
	for _, k := range FormFieldKeys {
		if k == key {
			return true
		}
	}
	return false
}

var phoneRE = regexp.MustCompile(`^[0-9０-９+()（）\-－ー‐ 　.]{6,40}$`)

// CheckValue checks one submitted value against the field's rules and
// returns an English message, "" when it is fine. Consent checkboxes are
// checked by the caller (a value means checked).
func (f FormField) CheckValue(val string) string {
	if val == "" {
		if f.Required {
			if f.Key == FieldConsent {
				return "please agree to continue"
			}
			return "is required"
		}
		return ""
	}
	if !utf8.ValidString(val) || strings.ContainsRune(val, 0) {
		return "contains characters that are not allowed"
	}
	max := f.MaxLength
	if max == 0 || max > MaxFieldLength {
		max = MaxFieldLength
	}
	if f.Key != FieldConsent && utf8.RuneCountInString(val) > max {
		return "is too long"
	}
	switch f.Format {
	case FormatEmail:
		if !ValidEmail(NormalizeEmail(val)) {
			return "is not an e-mail address (e.g. taro@example.jp)"
		}
	case FormatPhone:
		if !phoneRE.MatchString(val) || len(PhoneKey(val)) < 6 {
			return "is not a phone number (e.g. 03-1234-5678)"
		}
	case FormatURL:
		u, err := url.Parse(val)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "is not a web address (e.g. https://example.jp)"
		}
	}
	if f.Pattern != "" {
		if re, err := regexp.Compile(`^(?:` + f.Pattern + `)$`); err == nil && !re.MatchString(val) {
			return "is not in the expected format"
		}
	}
	return ""
}

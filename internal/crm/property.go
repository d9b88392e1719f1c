package crm

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// PropertyType is the kind of value a custom property holds.
type PropertyType string

// Property types.
const (
	PropText        PropertyType = "text"
	PropNumber      PropertyType = "number"
	PropDate        PropertyType = "date"
	PropChoice      PropertyType = "choice"
	PropMultiChoice PropertyType = "multi_choice"
	PropBool        PropertyType = "bool"
	PropURL         PropertyType = "url"
)

// PropertyTypes lists the types.
var PropertyTypes = []PropertyType{PropText, PropNumber, PropDate, PropChoice, PropMultiChoice, PropBool, PropURL}

// Property defines a custom field on contacts or companies.
type Property struct {
	ID        int64
	Object    string // contact or company
	Key       string // snake_case
	LabelJA   string
	LabelEN   string
	Type      PropertyType
	Options   []string // for choice and multi_choice
	Position  int
	CreatedAt time.Time
	Version   int64
}

// Label returns the label in the language, falling back to the other.
func (p Property) Label(lang Language) string {
	if lang == LangJA && p.LabelJA != "" || p.LabelEN == "" {
		return p.LabelJA
	}
	return p.LabelEN
}

// PropertyKeyRe is what a property key looks like; keys end up in JSON
// paths, so nothing else is accepted.
var PropertyKeyRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// reservedKeys are standard field names a custom property may not shadow.
var reservedKeys = map[string]bool{"id": true, "email": true, "family_name": true, "given_name": true, "name": true,
	"phone": true, "company": true, "company_id": true, "owner": true, "owner_id": true, "tags": true,
	"lifecycle_stage": true, "lead_status": true, "created_at": true, "updated_at": true, "version": true}

// Validate checks a definition.
func (p *Property) Validate() error {
	v := &ValidationError{}
	p.Key = strings.TrimSpace(p.Key)
	if p.Object != "contact" && p.Object != "company" {
		v.Add("object", "choose contact or company")
	}
	switch {
	case !PropertyKeyRe.MatchString(p.Key):
		v.Add("key", "use lower-case letters, digits and _ (e.g. budget_2026), starting with a letter")
	case reservedKeys[p.Key]:
		v.Add("key", "is the name of a standard field")
	}
	p.LabelJA = strings.TrimSpace(p.LabelJA)
	p.LabelEN = strings.TrimSpace(p.LabelEN)
	if p.LabelJA == "" && p.LabelEN == "" {
		v.Add("label_en", "give a label in Japanese or English")
	}
	if utf8.RuneCountInString(p.LabelJA) > 100 || utf8.RuneCountInString(p.LabelEN) > 100 {
		v.Add("label_en", "is too long")
	}
	valid := false
	for _, t := range PropertyTypes {
		valid = valid || t == p.Type
	}
	if !valid {
		v.Add("type", "choose text, number, date, choice, multi_choice, bool or url")
	}
	if p.Type == PropChoice || p.Type == PropMultiChoice {
		seen := map[string]bool{}
		var opts []string
		for _, o := range p.Options {
			o = strings.TrimSpace(o)
			if o != "" && !seen[o] {
				seen[o] = true
				opts = append(opts, o)
			}
		}
		p.Options = opts
		if len(opts) == 0 {
			v.Add("options", "give at least one choice")
		}
	} else {
		p.Options = nil
	}
	return v.Err()
}

// ParseValue converts a value as typed by a person or read from CSV into the
// stored form: string, float64, "2006-01-02", []string or bool. An empty
// input means "no value" (nil).
func (p Property) ParseValue(raw any) (any, error) {
	if raw == nil {
		return nil, nil
	}
	if p.Type == PropMultiChoice {
		switch list := raw.(type) {
		case []any:
			var parts []string
			for _, x := range list {
				parts = append(parts, fmt.Sprint(x))
			}
			raw = strings.Join(parts, ";")
		case []string:
			raw = strings.Join(list, ";")
		}
	}
	// Numbers from Go code and from JSON decoded with UseNumber.
	switch x := raw.(type) {
	case int:
		raw = float64(x)
	case int64:
		raw = float64(x)
	case int32:
		raw = float64(x)
	case float32:
		raw = float64(x)
	case json.Number:
		raw = x.String()
	}
	switch x := raw.(type) {
	case float64:
		if p.Type == PropNumber {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("is not a number")
			}
			return x, nil
		}
		raw = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if p.Type == PropBool {
			return x, nil
		}
		raw = strconv.FormatBool(x)
	}
	s, ok := raw.(string)
	if !ok {
		return nil, fmt.Errorf("is not a %s value", p.Type)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	switch p.Type {
	case PropText:
		if utf8.RuneCountInString(s) > 2000 {
			return nil, fmt.Errorf("is too long (2000 characters at most)")
		}
		return s, nil
	case PropNumber:
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
		// ParseFloat accepts "NaN" and "Inf", which JSON cannot hold.
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("is not a number")
		}
		return f, nil
	case PropDate:
		for _, layout := range []string{"2006-01-02", "2006/01/02", "2006/1/2", "2006-1-2", "2006年1月2日"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.Format("2006-01-02"), nil
			}
		}
		return nil, fmt.Errorf("is not a date (use 2026-04-01)")
	case PropBool:
		switch strings.ToLower(s) {
		case "true", "yes", "1", "はい", "✓", "y":
			return true, nil
		case "false", "no", "0", "いいえ", "n":
			return false, nil
		}
		return nil, fmt.Errorf("is not yes or no")
	case PropURL:
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("is not a web address (https://…)")
		}
		return s, nil
	case PropChoice:
		if !contains(p.Options, s) {
			return nil, fmt.Errorf("is not one of the choices (%s)", strings.Join(p.Options, ", "))
		}
		return s, nil
	case PropMultiChoice:
		var out []string
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '、' || r == '，' }) {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if !contains(p.Options, part) {
				return nil, fmt.Errorf("%q is not one of the choices (%s)", part, strings.Join(p.Options, ", "))
			}
			if !contains(out, part) {
				out = append(out, part)
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown property type %q", p.Type)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

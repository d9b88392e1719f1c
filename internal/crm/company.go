package crm

import (
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Company is an organisation that contacts work for.
type Company struct {
	ID         int64
	Name       string
	LegalForm  string // 株式会社, 合同会社, Inc., … recognised from the name
	Reading    string // katakana
	Domain     string // web domain, e.g. example.co.jp
	Industry   string
	Employees  int // 0 = unknown
	PostalCode string
	Prefecture string
	City       string
	Street     string
	Country    string
	Phone      string
	OwnerID    int64
	TeamID     int64
	Props      map[string]any
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// Key is the duplicate-detection key of the company's name.
func (c Company) Key() string {
	_, _, k := CompanyKey(c.Name)
	return k
}

// Address formats the address in the language's order: 〒100-0001 東京都千代田区… in
// Japanese, street first in English.
func (c Company) Address(lang Language) string {
	var parts []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if lang == LangJA {
		if c.PostalCode != "" {
			add("〒" + c.PostalCode)
		}
		add(c.Prefecture + c.City + c.Street)
		return strings.Join(parts, " ")
	}
	add(c.Street)
	add(c.City)
	add(strings.TrimSpace(c.Prefecture + " " + c.PostalCode))
	add(c.Country)
	return strings.Join(parts, ", ")
}

// NormalizeDomain turns "https://www.Example.co.jp/about" into
// "example.co.jp".
func NormalizeDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(norm.NFKC.String(s)))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimPrefix(s, "www.")
}

// Normalize cleans the company's fields in place and fills LegalForm.
func (c *Company) Normalize() {
	c.Name = strings.TrimSpace(norm.NFC.String(c.Name))
	if _, form, _ := CompanyKey(c.Name); form != "" && c.LegalForm == "" {
		c.LegalForm = form
	}
	c.Reading = NormalizeReading(c.Reading)
	c.Domain = NormalizeDomain(c.Domain)
	c.PostalCode = strings.TrimSpace(norm.NFKC.String(c.PostalCode))
	c.Phone = strings.TrimSpace(norm.NFKC.String(c.Phone))
	for _, p := range []*string{&c.Industry, &c.Prefecture, &c.City, &c.Street, &c.Country} {
		*p = strings.TrimSpace(norm.NFC.String(*p))
	}
}

// Validate checks a normalised company.
func (c *Company) Validate() error {
	v := &ValidationError{}
	switch {
	case c.Name == "":
		v.Add("name", "is required")
	case utf8.RuneCountInString(c.Name) > 200:
		v.Add("name", "is too long (200 characters at most)")
	}
	for field, s := range map[string]string{"name": c.Name, "reading": c.Reading, "industry": c.Industry,
		"prefecture": c.Prefecture, "city": c.City, "street": c.Street, "country": c.Country} {
		if strings.ContainsAny(s, "\r\n\x00") {
			v.Add(field, "must be on one line")
		} else if utf8.RuneCountInString(s) > 300 {
			v.Add(field, "is too long")
		}
	}
	if c.Domain != "" && (strings.ContainsAny(c.Domain, " @\\") || !strings.Contains(c.Domain, ".") || len(c.Domain) > 253) {
		v.Add("domain", "is not a web domain (e.g. example.co.jp)")
	}
	if c.PostalCode != "" && len(PhoneKey(c.PostalCode)) == 0 {
		v.Add("postal_code", "is not a postal code (e.g. 100-0001)")
	}
	if c.Employees < 0 || c.Employees > 10_000_000 {
		v.Add("employees", "must be a number of people")
	}
	return v.Err()
}

package crm

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// TaxCategory is how a product is taxed under Japan's consumption tax.
type TaxCategory string

// Tax categories.
const (
	TaxStandard TaxCategory = "standard" // 10%
	TaxReduced  TaxCategory = "reduced"  // 8% (food, newspapers)
	TaxExempt   TaxCategory = "exempt"   // 0%
)

// TaxCategories lists the categories in form order.
var TaxCategories = []TaxCategory{TaxStandard, TaxReduced, TaxExempt}

// ValidTaxCategory reports whether c is one of TaxCategories.
func ValidTaxCategory(c TaxCategory) bool {
	return c == TaxStandard || c == TaxReduced || c == TaxExempt
}

// RatePercent is the category's tax rate in percent: 10, 8 or 0.
func (c TaxCategory) RatePercent() int {
	switch c {
	case TaxStandard:
		return 10
	case TaxReduced:
		return 8
	}
	return 0
}

// MaxPrice is the largest price or cost a product or price book takes, in
// minor units (a trillion yen): anything above is a typing slip.
const MaxPrice = 1_000_000_000_000

// Product is a product or service of the catalogue. Prices are tax-exclusive
// integers in the currency's minor units (yen for JPY), like deal amounts.
type Product struct {
	ID          int64
	SKU         string
	NameJA      string
	NameEN      string
	Unit        string // 式, 個, month, seat, ...
	ListPrice   int64
	Cost        int64
	Currency    string
	TaxCategory TaxCategory
	Active      bool
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// Name is the product's name in the language, falling back to the other.
func (p Product) Name(lang Language) string {
	if lang == LangEN && p.NameEN != "" || p.NameJA == "" {
		return p.NameEN
	}
	return p.NameJA
}

// MarginPermille is (list price − cost) ÷ list price in tenths of a
// percent, rounded toward zero; 0 when there is no price.
func (p Product) MarginPermille() int64 {
	return MarginPermille(p.ListPrice, p.Cost)
}

// MarginPermille is (price − cost) ÷ price in tenths of a percent, rounded
// toward zero; 0 when price is not positive.
func MarginPermille(price, cost int64) int64 {
	if price <= 0 {
		return 0
	}
	return (price - cost) * 1000 / price
}

var skuRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)

// Normalize trims the text fields and fills the defaults.
func (p *Product) Normalize() {
	p.SKU = strings.TrimSpace(p.SKU)
	p.NameJA, p.NameEN = strings.TrimSpace(p.NameJA), strings.TrimSpace(p.NameEN)
	p.Unit = strings.TrimSpace(p.Unit)
	p.Description = strings.TrimSpace(p.Description)
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	if p.Currency == "" {
		p.Currency = "JPY"
	}
	if p.TaxCategory == "" {
		p.TaxCategory = TaxStandard
	}
}

// Validate checks a normalised product's fields.
func (p *Product) Validate() error {
	v := &ValidationError{}
	switch n := utf8.RuneCountInString(p.SKU); {
	case n == 0:
		v.Add("sku", "is required")
	case n > 64:
		v.Add("sku", "is too long (64 characters at most)")
	case !skuRe.MatchString(p.SKU):
		v.Add("sku", "use letters, digits and . _ / - only")
	}
	if p.NameJA == "" && p.NameEN == "" {
		v.Add("name_ja", "give a name in Japanese or English")
	}
	checkLine(v, "name_ja", p.NameJA, 200)
	checkLine(v, "name_en", p.NameEN, 200)
	checkLine(v, "unit", p.Unit, 20)
	checkPrice(v, "list_price", p.ListPrice)
	if p.Cost < 0 {
		v.Add("cost", "must not be negative")
	} else if p.Cost > MaxPrice {
		v.Add("cost", "is too large")
	}
	if !currencyRe.MatchString(p.Currency) {
		v.Add("currency", "must be a three-letter currency code such as JPY")
	}
	if !ValidTaxCategory(p.TaxCategory) {
		v.Add("tax_category", "choose standard (10%), reduced (8%) or exempt")
	}
	if utf8.RuneCountInString(p.Description) > 5000 {
		v.Add("description", "is too long (5,000 characters at most)")
	}
	return v.Err()
}

// checkLine adds a message when s is longer than max runes or not one line.
func checkLine(v *ValidationError, field, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		v.Add(field, "is too long")
	} else if strings.ContainsAny(s, "\r\n\x00") {
		v.Add(field, "must be on one line")
	}
}

// checkPrice refuses a price that is not positive or absurdly large.
func checkPrice(v *ValidationError, field string, price int64) {
	switch {
	case price == 0:
		v.Add(field, "must be more than zero")
	case price < 0:
		v.Add(field, "must not be negative")
	case price > MaxPrice:
		v.Add(field, "is too large")
	}
}

// PriceBookKind says what a price book is for.
type PriceBookKind string

// Price book kinds.
const (
	PriceBookList     PriceBookKind = "list"
	PriceBookPartner  PriceBookKind = "partner"
	PriceBookCampaign PriceBookKind = "campaign"
)

// PriceBookKinds lists the kinds in form order.
var PriceBookKinds = []PriceBookKind{PriceBookList, PriceBookPartner, PriceBookCampaign}

// PriceBook is a set of prices for some products, valid between two dates
// (an empty date is open). Its entries override the list price.
type PriceBook struct {
	ID        int64
	Name      string
	Kind      PriceBookKind
	ValidFrom string // YYYY-MM-DD or ""
	ValidTo   string // YYYY-MM-DD or "", inclusive
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time

	EntryCount int // read only: how many products it prices
}

// ValidOn reports whether the book is active and its dates include day
// (YYYY-MM-DD).
func (b PriceBook) ValidOn(day string) bool {
	return b.Active && (b.ValidFrom == "" || b.ValidFrom <= day) && (b.ValidTo == "" || day <= b.ValidTo)
}

// Normalize trims the text fields and fills the defaults.
func (b *PriceBook) Normalize() {
	b.Name = strings.TrimSpace(b.Name)
	b.ValidFrom, b.ValidTo = strings.TrimSpace(b.ValidFrom), strings.TrimSpace(b.ValidTo)
	if b.Kind == "" {
		b.Kind = PriceBookList
	}
}

// Validate checks a normalised price book's fields.
func (b *PriceBook) Validate() error {
	v := &ValidationError{}
	if b.Name == "" {
		v.Add("name", "is required")
	}
	checkLine(v, "name", b.Name, 200)
	if b.Kind != PriceBookList && b.Kind != PriceBookPartner && b.Kind != PriceBookCampaign {
		v.Add("kind", "choose list, partner or campaign")
	}
	if b.ValidFrom != "" && !ValidDate(b.ValidFrom) {
		v.Add("valid_from", "enter a date such as 2026-04-30")
	}
	if b.ValidTo != "" && !ValidDate(b.ValidTo) {
		v.Add("valid_to", "enter a date such as 2026-04-30")
	}
	if b.ValidFrom != "" && b.ValidTo != "" && ValidDate(b.ValidFrom) && ValidDate(b.ValidTo) && b.ValidTo < b.ValidFrom {
		v.Add("valid_to", "must not be before the start date")
	}
	return v.Err()
}

// PriceBookEntry is one product's price in a price book.
type PriceBookEntry struct {
	PriceBookID int64
	ProductID   int64
	Price       int64

	// Read only, for pages and the API.
	SKU       string
	NameJA    string
	NameEN    string
	ListPrice int64
	Currency  string
}

// ValidateEntryPrice checks a price book price.
func ValidateEntryPrice(price int64) error {
	v := &ValidationError{}
	checkPrice(v, "price", price)
	return v.Err()
}

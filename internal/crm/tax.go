package crm

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Tax math of quotes and invoices (DESIGN.md §7, docs/quotes.md).
//
// Every amount is an int64 in the currency's minor units (yen for JPY,
// cents for USD), so the same rules serve every currency: rounding is to
// one minor unit. Quantities are fixed-point with two decimals (150 is 1.5
// hours); percentages are in hundredths of a percent (1250 is 12.5%).
// Intermediate products are computed with math/big and every result is
// checked against MaxAmount, so large quantities never overflow silently.

// Rounding is a document's rule for fractions of a minor unit.
type Rounding string

// Rounding rules: 切り捨て, 四捨五入, 切り上げ.
const (
	RoundFloor  Rounding = "floor"
	RoundHalfUp Rounding = "half_up"
	RoundCeil   Rounding = "ceil"
)

// Roundings lists the rules.
var Roundings = []Rounding{RoundFloor, RoundHalfUp, RoundCeil}

// TaxMode says whether unit prices include consumption tax.
type TaxMode string

// Tax modes: prices without tax (税抜) or with it (税込).
const (
	TaxExclusive TaxMode = "exclusive"
	TaxInclusive TaxMode = "inclusive"
)

// Limits that keep the math meaningful. Anything above is refused with a
// clear message rather than computed.
const (
	QtyScale     = 100                   // quantities have two decimals
	MaxQuantity  = 1_000_000_000 * 100   // one billion units
	MaxUnitPrice = 1_000_000_000_000_00  // 100 trillion minor units
	MaxAmount    = 1_000_000_000_000_000 // 10^15 minor units for any total
	MaxPercent   = 100_00                // 100%
	MaxLines     = 500
)

// Discount is an amount in minor units or a percentage in hundredths of a
// percent. The zero Discount is no discount.
type Discount struct {
	Percent bool
	Value   int64
}

// IsZero reports whether the discount takes nothing off.
func (d Discount) IsZero() bool { return d.Value == 0 }

// TaxLine is what the tax math needs of one line.
type TaxLine struct {
	Quantity  int64 // hundredths of a unit
	UnitPrice int64 // minor units, per the document's tax mode
	Discount  Discount
	Category  TaxCategory
}

// TaxInput is a whole document for the tax math.
type TaxInput struct {
	Lines    []TaxLine
	Discount Discount // the quote-level discount
	Mode     TaxMode
	Rounding Rounding
}

// LineAmounts are one line's figures.
type LineAmounts struct {
	Gross    int64 // quantity × unit price
	Discount int64
	Net      int64 // Gross − Discount
}

// RateTotal holds one tax rate's figures, as the qualified invoice system
// shows them apart (10% and 8%).
type RateTotal struct {
	Category TaxCategory
	Rate     int64 // percent
	Lines    int64 // sum of the line nets of this rate
	Discount int64 // the share of the quote-level discount
	Base     int64 // the amount tax is computed on, without tax
	Tax      int64
	Total    int64 // Base + Tax
}

// TaxResult are the figures of a document.
type TaxResult struct {
	Lines    []LineAmounts
	Rates    []RateTotal // only rates with lines, in TaxCategories order
	Subtotal int64       // sum of line nets (as entered: with tax in inclusive mode)
	Discount int64       // the quote-level discount in minor units
	Base     int64       // sum of the rates' bases (without tax)
	Tax      int64
	Total    int64 // what the customer pays
}

// RoundDiv returns num/den rounded by r; den must be positive and num not
// negative.
func RoundDiv(num, den *big.Int, r Rounding) *big.Int {
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if m.Sign() == 0 {
		return q
	}
	switch r {
	case RoundCeil:
		q.Add(q, big.NewInt(1))
	case RoundHalfUp:
		if new(big.Int).Lsh(m, 1).Cmp(den) >= 0 {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// mulDiv is a·b/c rounded by r, refused above MaxAmount.
func mulDiv(a, b, c int64, r Rounding) (int64, bool) {
	n := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	q := RoundDiv(n, big.NewInt(c), r)
	if !q.IsInt64() || q.Int64() > MaxAmount {
		return 0, false
	}
	return q.Int64(), true
}

// ComputeTax validates a document and computes its figures. Field names
// of the errors are those of the quote form: lines.N.quantity, discount...
func ComputeTax(in TaxInput) (TaxResult, error) {
	v := &ValidationError{}
	if in.Mode != TaxExclusive && in.Mode != TaxInclusive {
		v.Add("tax_mode", "choose tax-exclusive or tax-inclusive prices")
	}
	if !validRounding(in.Rounding) {
		v.Add("rounding", "choose floor, half-up or ceiling rounding")
	}
	if len(in.Lines) == 0 {
		v.Add("lines", "add at least one line")
	} else if len(in.Lines) > MaxLines {
		v.Add("lines", "500 lines at most")
	}
	if err := v.Err(); err != nil {
		return TaxResult{}, err
	}
	res := TaxResult{Lines: make([]LineAmounts, len(in.Lines))}
	byCat := map[TaxCategory]int64{}
	for i, l := range in.Lines {
		la, ok := lineAmounts(v, "lines."+strconv.Itoa(i)+".", l, in.Rounding)
		if !ok {
			continue
		}
		res.Lines[i] = la
		byCat[l.Category] += la.Net
		res.Subtotal += la.Net
		if res.Subtotal > MaxAmount {
			v.Add("lines", "the total is too large")
			return TaxResult{}, v
		}
	}
	if err := v.Err(); err != nil {
		return TaxResult{}, err
	}
	disc, ok := discountAmount(v, "discount", res.Subtotal, in.Discount, in.Rounding)
	if !ok {
		return TaxResult{}, v
	}
	res.Discount = disc
	shares := allocate(disc, byCat)
	for _, c := range TaxCategories {
		net, ok := byCat[c]
		if !ok {
			continue
		}
		rt := RateTotal{Category: c, Rate: int64(c.RatePercent()), Lines: net, Discount: shares[c]}
		after := net - rt.Discount
		if in.Mode == TaxInclusive {
			// after includes tax: tax = after × rate / (100 + rate).
			rt.Tax, _ = mulDiv(after, rt.Rate, 100+rt.Rate, in.Rounding)
			rt.Base, rt.Total = after-rt.Tax, after
		} else {
			rt.Tax, _ = mulDiv(after, rt.Rate, 100, in.Rounding)
			rt.Base, rt.Total = after, after+rt.Tax
		}
		res.Rates = append(res.Rates, rt)
		res.Base += rt.Base
		res.Tax += rt.Tax
		res.Total += rt.Total
	}
	return res, nil
}

func validRounding(r Rounding) bool {
	for _, x := range Roundings {
		if x == r {
			return true
		}
	}
	return false
}

// lineAmounts checks one line and computes its figures.
func lineAmounts(v *ValidationError, f string, l TaxLine, r Rounding) (LineAmounts, bool) {
	ok := true
	switch {
	case l.Quantity <= 0:
		v.Add(f+"quantity", "must be more than zero")
		ok = false
	case l.Quantity > MaxQuantity:
		v.Add(f+"quantity", "is too large (one billion at most)")
		ok = false
	}
	switch {
	case l.UnitPrice < 0:
		v.Add(f+"unit_price", "must not be negative")
		ok = false
	case l.UnitPrice > MaxUnitPrice:
		v.Add(f+"unit_price", "is too large")
		ok = false
	}
	if !ValidTaxCategory(l.Category) {
		v.Add(f+"tax_category", "choose 10%, 8% or exempt")
		ok = false
	}
	if !ok {
		return LineAmounts{}, false
	}
	gross, fits := mulDiv(l.Quantity, l.UnitPrice, QtyScale, r)
	if !fits {
		v.Add(f+"quantity", "quantity × unit price is too large")
		return LineAmounts{}, false
	}
	d, fits := discountAmount(v, f+"discount", gross, l.Discount, r)
	if !fits {
		return LineAmounts{}, false
	}
	return LineAmounts{Gross: gross, Discount: d, Net: gross - d}, true
}

// discountAmount turns a discount on base into minor units, refusing a
// negative one or one larger than base.
func discountAmount(v *ValidationError, field string, base int64, d Discount, r Rounding) (int64, bool) {
	if d.Value < 0 {
		v.Add(field, "must not be negative")
		return 0, false
	}
	if d.Percent {
		if d.Value > MaxPercent {
			v.Add(field, "must be 100% or less")
			return 0, false
		}
		amt, _ := mulDiv(base, d.Value, 100*100, r)
		return amt, true
	}
	if d.Value > base {
		v.Add(field, "must not be more than the amount it is taken from")
		return 0, false
	}
	return d.Value, true
}

// allocate splits the quote-level discount over the tax rates in
// proportion to each rate's net (DESIGN.md §7). Each share is rounded
// down and the minor units left over go, one each, to the rates with the
// largest remainders (ties: in TaxCategories order), so the shares always
// add up to the discount exactly.
func allocate(disc int64, byCat map[TaxCategory]int64) map[TaxCategory]int64 {
	out := map[TaxCategory]int64{}
	var total int64
	for _, n := range byCat {
		total += n
	}
	if disc == 0 || total == 0 {
		return out
	}
	type rem struct {
		c TaxCategory
		r *big.Int
	}
	var rems []rem
	left := disc
	for _, c := range TaxCategories {
		n, ok := byCat[c]
		if !ok {
			continue
		}
		num := new(big.Int).Mul(big.NewInt(disc), big.NewInt(n))
		q, m := new(big.Int).QuoRem(num, big.NewInt(total), new(big.Int))
		out[c] = q.Int64()
		left -= q.Int64()
		rems = append(rems, rem{c, m})
	}
	for left > 0 {
		best := 0
		for i := range rems {
			if rems[i].r.Cmp(rems[best].r) > 0 {
				best = i
			}
		}
		out[rems[best].c]++
		rems[best].r = big.NewInt(-1)
		left--
	}
	return out
}

// ListDiscountBP is how far offered amounts are below list amounts, in
// hundredths of a percent (1250 = 12.5%): 1 − offered ÷ list, floored.
// It is 0 when list is not positive or offered is not below it.
func ListDiscountBP(list, offered int64) int64 {
	if list <= 0 || offered >= list {
		return 0
	}
	q := RoundDiv(new(big.Int).Mul(big.NewInt(list-offered), big.NewInt(100_00)), big.NewInt(list), RoundFloor)
	return q.Int64()
}

// ParseFixed reads a decimal such as "1.5", "1,200" or "12.25" into a
// fixed-point integer with the given number of decimals (ParseFixed("1.5",
// 2) is 150). More decimals than allowed, signs other than a leading "-"
// and anything not a number are refused.
func ParseFixed(s string, decimals int) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > decimals || len(whole) > 15 {
		return 0, false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	frac += strings.Repeat("0", decimals-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// FormatFixed writes a fixed-point integer with up to decimals digits,
// dropping trailing zeros: FormatFixed(150, 2) is "1.5", (200, 2) is "2".
func FormatFixed(n int64, decimals int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	div := int64(1)
	for range decimals {
		div *= 10
	}
	s := strconv.FormatInt(n/div, 10)
	if f := n % div; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%0*d", decimals, f), "0")
	}
	if neg {
		return "-" + s
	}
	return s
}

package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"renkei/internal/crm"
)

var monthsEN = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

var weekdaysJA = [7]string{"日", "月", "火", "水", "木", "金", "土"}

// Date formats the civil date of t: "2026年4月1日" or "Apr 1, 2026".
// The caller converts t to the right zone first. A zero time is "".
func Date(lang crm.Language, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if lang == crm.LangJA {
		return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
	}
	return fmt.Sprintf("%s %d, %d", monthsEN[t.Month()-1], t.Day(), t.Year())
}

// DateWeekday formats a date with its day of the week:
// "2026年4月29日(水)" or "Wed, Apr 29, 2026".
func DateWeekday(lang crm.Language, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if lang == crm.LangJA {
		return Date(lang, t) + "(" + weekdaysJA[t.Weekday()] + ")"
	}
	return t.Weekday().String()[:3] + ", " + Date(lang, t)
}

// DateTime formats t in loc with a 24-hour clock: "2026年4月1日 14:05" or
// "Apr 1, 2026, 14:05". A zero time is "".
func DateTime(lang crm.Language, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc != nil {
		t = t.In(loc)
	}
	sep := ", "
	if lang == crm.LangJA {
		sep = " "
	}
	return Date(lang, t) + sep + t.Format("15:04")
}

// Number formats an integer with thousands separators: 1,234,567. Both
// languages group by three digits with a comma.
func Number(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// currencySymbols are the symbols written before an amount. Currencies not
// listed are written after it as their code: "1,234.00 CHF".
var currencySymbols = map[string]string{
	"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "CNY": "CN¥", "KRW": "₩",
	"TWD": "NT$", "HKD": "HK$", "SGD": "S$", "AUD": "A$", "CAD": "CA$",
}

// MinorDigits returns how many decimal digits a currency has: 0 for JPY
// and KRW, 2 for the others.
func MinorDigits(currency string) int {
	switch strings.ToUpper(currency) {
	case "JPY", "KRW", "TWD", "VND", "CLP", "ISK":
		return 0
	}
	return 2
}

// Money formats an amount given in minor units of currency (yen for JPY,
// cents for USD): Money(ja, 1234, "JPY") is "¥1,234", Money(en, 123450,
// "USD") is "$1,234.50". Both languages use the same symbols and grouping
// today; lang is there for the language that will need its own.
func Money(lang crm.Language, minor int64, currency string) string {
	currency = strings.ToUpper(currency)
	digits := MinorDigits(currency)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	var num string
	if digits == 0 {
		num = Number(minor)
	} else {
		div := int64(1)
		for range digits {
			div *= 10
		}
		num = Number(minor/div) + "." + fmt.Sprintf("%0*d", digits, minor%div)
	}
	var s string
	if sym, ok := currencySymbols[currency]; ok {
		s = sym + num
	} else {
		s = num + " " + currency
	}
	if neg {
		return "-" + s
	}
	return s
}

// Month returns the name of month m (1..12): "4月" or "April".
func Month(lang crm.Language, m int) string {
	if m < 1 || m > 12 {
		return ""
	}
	if lang == crm.LangJA {
		return strconv.Itoa(m) + "月"
	}
	return time.Month(m).String()
}

// Weekday returns the name of a day of the week: "月曜日" or "Monday".
func Weekday(lang crm.Language, d time.Weekday) string {
	if lang == crm.LangJA {
		return weekdaysJA[d] + "曜日"
	}
	return d.String()
}

package crm

import (
	"math/big"
	"sort"
	"time"
)

// Attribution (DESIGN.md §7): the revenue of a won deal is shared among the
// touches of its primary contact's journey by one of four models. The
// functions here are pure: the application collects the journey.

// AttributionModel names a way of sharing a won deal's revenue.
type AttributionModel string

// Attribution models.
const (
	// ModelFirstTouch gives 100% to the first touch.
	ModelFirstTouch AttributionModel = "first_touch"
	// ModelLastTouch gives 100% to the last touch before the opportunity
	// was created.
	ModelLastTouch AttributionModel = "last_touch"
	// ModelLinear gives equal shares to every touch before the won date.
	ModelLinear AttributionModel = "linear"
	// ModelWShaped gives 30% to the first touch, 30% to the lead creation
	// touch, 30% to the opportunity creation touch and shares 10% among
	// the other touches.
	ModelWShaped AttributionModel = "w_shaped"
)

// AttributionModels lists the models in the report's order.
var AttributionModels = []AttributionModel{ModelFirstTouch, ModelLastTouch, ModelLinear, ModelWShaped}

// ParseAttributionModel accepts a model name; "" is W-shaped.
func ParseAttributionModel(s string) (AttributionModel, bool) {
	if s == "" {
		return ModelWShaped, true
	}
	for _, m := range AttributionModels {
		if string(m) == s {
			return m, true
		}
	}
	return "", false
}

// TouchKind says how a person met the business.
type TouchKind string

// Touch kinds.
const (
	TouchVisit    TouchKind = "visit"    // a tracked page view with UTM parameters or another site's referrer
	TouchForm     TouchKind = "form"     // a form submission
	TouchEmail    TouchKind = "email"    // a click in a marketing e-mail
	TouchEvent    TouchKind = "event"    // attendance of a campaign's event (展示会)
	TouchActivity TouchKind = "activity" // a sales activity: call, visit, meeting, e-mail
)

// Touch is one touch of a person's journey.
type Touch struct {
	At         time.Time
	Kind       TouchKind
	CampaignID int64  // the campaign the touch belongs to; 0 = none
	Channel    string // source / medium group, e.g. "google / cpc"
}

// Journey is what attribution needs of one won deal: the touches of its
// primary contact (any order), when the contact became a lead, when the
// deal (the opportunity) was created, when it was won, and its amount in
// minor units of the base currency.
type Journey struct {
	Touches       []Touch
	LeadAt        time.Time
	OpportunityAt time.Time
	WonAt         time.Time // zero = no cut-off
	Amount        int64
}

// Credit is the share of a deal's amount that one touch earns.
type Credit struct {
	Touch  Touch
	Amount int64
}

// eligible returns the touches on or before the won date, oldest first
// (touches at the same instant keep their order).
func (j Journey) eligible() []Touch {
	out := make([]Touch, 0, len(j.Touches))
	for _, t := range j.Touches {
		if j.WonAt.IsZero() || !t.At.After(j.WonAt) {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].At.Before(out[b].At) })
	return out
}

// lastAtOrBefore is the index of the last touch at or before t; when every
// touch came later, the first of them (the nearest existing touch).
func lastAtOrBefore(ts []Touch, t time.Time) int {
	i := 0
	for k, x := range ts {
		if !x.At.After(t) {
			i = k
		}
	}
	return i
}

// Attribute shares the journey's amount among its touches by model m.
// Credits come oldest first, one per touch on or before the won date,
// and their amounts add up to the journey's amount exactly (largest
// remainder; ties go to the earlier touch). Touches that earn nothing are
// still listed with 0. A journey without such touches gets no credits: its
// revenue is unattributed.
//
// W-shaped: 30% to the first touch (F), 30% to the lead creation touch (L:
// the last touch at or before LeadAt), 30% to the opportunity creation touch
// (O: the last touch at or before OpportunityAt); 10% shared equally by the
// other touches. When a position has no touch of its own (L or O is the
// first touch after everything, or two positions are the same touch), its
// share goes to the nearest existing touch: the touch that fills both
// positions takes both shares. When no other touches exist, their 10% goes
// to the lead creation touch, the middle position.
func Attribute(m AttributionModel, j Journey) []Credit {
	ts := j.eligible()
	if len(ts) == 0 {
		return nil
	}
	w := make([]int64, len(ts))
	switch m {
	case ModelFirstTouch:
		w[0] = 1
	case ModelLastTouch:
		w[lastAtOrBefore(ts, j.OpportunityAt)] = 1
	case ModelLinear:
		for i := range w {
			w[i] = 1
		}
	default: // W-shaped, in tenths (positions 3 each, others share 1)
		f, l, o := 0, lastAtOrBefore(ts, j.LeadAt), lastAtOrBefore(ts, j.OpportunityAt)
		others := 0
		for i := range ts {
			if i != f && i != l && i != o {
				others++
			}
		}
		if others == 0 {
			w[f] += 3
			w[l] += 3 + 1
			w[o] += 3
		} else {
			// Scale by the number of other touches so each gets a whole 1.
			k := int64(others)
			w[f] += 3 * k
			w[l] += 3 * k
			w[o] += 3 * k
			for i := range ts {
				if i != f && i != l && i != o {
					w[i] = 1
				}
			}
		}
	}
	shares := SplitAmount(j.Amount, w)
	out := make([]Credit, len(ts))
	for i, t := range ts {
		out[i] = Credit{Touch: t, Amount: shares[i]}
	}
	return out
}

// SplitAmount divides amount in proportion to weights (≥ 0, at least one
// above 0) so that the parts are whole minor units adding up to amount
// exactly: each part is rounded down, and the units left over go one each
// to the parts with the largest remainders (ties: the earlier part). A
// negative amount is split as its absolute value and negated.
func SplitAmount(amount int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	var total int64
	for _, x := range weights {
		if x > 0 {
			total += x
		}
	}
	if total == 0 || len(weights) == 0 {
		return out
	}
	neg := amount < 0
	a := new(big.Int).SetInt64(amount)
	if neg {
		a.Neg(a)
	}
	d := big.NewInt(total)
	rems := make([]*big.Int, len(weights))
	var given int64
	for i, x := range weights {
		if x <= 0 {
			rems[i] = big.NewInt(-1)
			continue
		}
		p := new(big.Int).Mul(a, big.NewInt(x))
		q, r := new(big.Int).QuoRem(p, d, new(big.Int))
		out[i] = q.Int64()
		rems[i] = r
		given += out[i]
	}
	left := a.Int64() - given
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool { return rems[order[x]].Cmp(rems[order[y]]) > 0 })
	for k := 0; left > 0 && k < len(order); k++ {
		if weights[order[k]] > 0 {
			out[order[k]]++
			left--
		}
	}
	if neg {
		for i := range out {
			out[i] = -out[i]
		}
	}
	return out
}

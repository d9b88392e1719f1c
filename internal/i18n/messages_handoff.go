package i18n

// Messages of the hand-off to sales: assignment, SLA, the Leads inbox. Keep both maps in the same order.
var handoffEN = map[string]string{}

var handoffJA = map[string]string{}

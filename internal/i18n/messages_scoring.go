package i18n

// Messages of scoring and lifecycle rules. Keep both maps in the same order.
var scoringEN = map[string]string{}

var scoringJA = map[string]string{}

package i18n

// Messages of sales: pipelines, deals and the board. Keep both maps in the same order.
var salesEN = map[string]string{}

var salesJA = map[string]string{}

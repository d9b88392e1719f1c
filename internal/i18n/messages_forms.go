package i18n

// Messages of lead-capture forms. Keep both maps in the same order.
var formsEN = map[string]string{}

var formsJA = map[string]string{}

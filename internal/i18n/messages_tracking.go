package i18n

// Messages of web tracking, sites and awareness reports. Keep both maps in the same order.
var trackingEN = map[string]string{}

var trackingJA = map[string]string{}

package i18n

// Messages of outgoing webhooks. Keep both maps in the same order.
var webhooksEN = map[string]string{}

var webhooksJA = map[string]string{}

package web

import (
	"regexp"
	"strconv"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// The reasons of a stage move are stored as English text (crm.NextStage,
// app.CreateContact / UpdateContact); these patterns let the pages show
// them in the reader's language. Anything else is shown as stored.
var thresholdsRE = regexp.MustCompile(`^fit (-?\d+) ≥ (-?\d+) and engagement (-?\d+) ≥ (-?\d+)$`)

// stageReason translates a stored stage-move reason into lang.
func stageReason(lang crm.Language, reason string) string {
	if m := thresholdsRE.FindStringSubmatch(reason); m != nil {
		n := make([]any, 4)
		for i := range n {
			n[i], _ = strconv.Atoi(m[i+1])
		}
		return i18n.T(lang, "mqlreason.thresholds", n...)
	}
	if reason == "form submitted" {
		return i18n.T(lang, "mqlreason.form")
	}
	if who, ok := strings.CutPrefix(reason, "created as MQL by "); ok {
		return i18n.T(lang, "mqlreason.created_by", who)
	}
	if who, ok := strings.CutPrefix(reason, "set by "); ok {
		return i18n.T(lang, "mqlreason.set_by", who)
	}
	return reason
}

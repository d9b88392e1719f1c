// Package i18n holds Renkei's message catalogues (Japanese and English) and
// the formatting of dates, times, numbers and money per language.
//
// Messages are looked up by key: T(crm.LangJA, "nav.sales") is "セールス".
// A message may take fmt arguments; messages with more than one argument
// use explicit indexes (%[1]s) so that each language can order them freely.
package i18n

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/language"

	"renkei/internal/crm"
)

// Languages lists the supported UI languages, in the order the language
// switch shows them.
func Languages() []crm.Language { return []crm.Language{crm.LangJA, crm.LangEN} }

// The catalogues are built once from parts: the core messages and one part
// per feature area (messages_<area>.go), so that areas can grow without
// touching each other's files. A key defined twice is a programming error.
var (
	catalogEN = mergeParts("en", messagesEN, trackingEN, formsEN, scoringEN, handoffEN, webhooksEN, salesEN, activitiesEN, contractsEN, targetsEN, dashboardEN, catalogueEN, quotesEN, invoicesEN, segmentsEN, emailTemplatesEN, broadcastsEN, emailRecipientsEN, sequencesEN, campaignsEN, surveysEN, socialEN, closedLoopEN)
	catalogJA = mergeParts("ja", messagesJA, trackingJA, formsJA, scoringJA, handoffJA, webhooksJA, salesJA, activitiesJA, contractsJA, targetsJA, dashboardJA, catalogueJA, quotesJA, invoicesJA, segmentsJA, emailTemplatesJA, broadcastsJA, emailRecipientsJA, sequencesJA, campaignsJA, surveysJA, socialJA, closedLoopJA)
)

func mergeParts(lang string, parts ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, p := range parts {
		for k, v := range p {
			if _, dup := out[k]; dup {
				panic("i18n: key " + k + " defined twice in the " + lang + " catalogue")
			}
			out[k] = v
		}
	}
	return out
}

// catalog returns the messages of a language; English for any other value.
func catalog(lang crm.Language) map[string]string {
	if lang == crm.LangJA {
		return catalogJA
	}
	return catalogEN
}

// T returns the message key in lang, formatted with args as by
// fmt.Sprintf. A key missing from the catalogue comes back as the key
// itself, so a mistake shows on screen (and tests catch it) instead of an
// empty string.
func T(lang crm.Language, key string, args ...any) string {
	msg, ok := catalog(lang)[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Has reports whether key exists in the catalogue of lang.
func Has(lang crm.Language, key string) bool {
	_, ok := catalog(lang)[key]
	return ok
}

// Keys returns the sorted keys of the catalogue of lang, for tests.
func Keys(lang crm.Language) []string {
	m := catalog(lang)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Error turns a field message produced by the domain (crm, app, mail),
// which are written in English as lower-case fragments ("is required"),
// into a sentence for the screen: translated into Japanese, or in English
// as a full sentence. Messages without a translation are shown in English.
func Error(lang crm.Language, msg string) string {
	if lang == crm.LangJA {
		if ja, ok := errorsJA[msg]; ok {
			return ja
		}
		if ja, ok := mergeErrorJA(msg); ok {
			return ja
		}
		// "head: detail" (a list of the values at fault): the head is
		// translated, the detail kept.
		if head, detail, ok := strings.Cut(msg, ": "); ok {
			if ja, ok := errorsJA[head]; ok {
				return strings.TrimSuffix(ja, "。") + "：" + detail
			}
		}
	}
	if en, ok := errorsEN[msg]; ok {
		return en
	}
	return sentence(msg)
}

// sentence capitalises a message and ends it with a full stop.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
		msg += "."
	}
	return msg
}

// ErrorMessages lists the English domain messages that have a Japanese
// translation, for tests.
func ErrorMessages() []string {
	out := make([]string, 0, len(errorsJA))
	for k := range errorsJA {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Parse validates a language code such as "ja" or "en-US" (the region is
// ignored).
func Parse(s string) (crm.Language, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i > 0 {
		s = s[:i]
	}
	return crm.ParseLanguage(s)
}

// FromAcceptLanguage picks the best supported language for an
// Accept-Language header, and reports false when the header names none of
// them (the caller then falls back to the workspace default).
func FromAcceptLanguage(header string) (crm.Language, bool) {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return "", false
	}
	matcher := language.NewMatcher([]language.Tag{language.English, language.Japanese})
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		return "", false
	}
	if idx == 1 {
		return crm.LangJA, true
	}
	return crm.LangEN, true
}

// Name returns the name of a language in that language ("日本語",
// "English"), as language switches show it.
func Name(lang crm.Language) string {
	if lang == crm.LangJA {
		return "日本語"
	}
	return "English"
}

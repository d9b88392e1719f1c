package i18n

import (
	"strings"
	"testing"

	"renkei/internal/crm"
)

// Every problem the merge language reports reads as Japanese, with its line.
func TestMergeErrorsInJapanese(t *testing.T) {
	for _, src := range []string{"{{password}}", "{{.Env}}", `{{ readFile "/etc/passwd" }}`, "{{family_name", "{{family_name\n}}",
		"{{else}}", "{{#if email}}x", `{{company | 御社}}`, "{{ }}", "a\n\n{{#if a}}{{#if a}}{{#if a}}{{#if a}}{{#if a}}{{#if a}}{{#if a}}{{#if a}}{{#if a}}"} {
		_, err := crm.ParseMerge(src)
		if err == nil {
			t.Errorf("%q parsed", src)
			continue
		}
		ja := Error(crm.LangJA, err.Error())
		if ja == err.Error() || strings.Contains(ja, " is ") || strings.Contains(ja, "line") {
			t.Errorf("%q: %q is not translated (%q)", src, err.Error(), ja)
		}
	}
	if got := Error(crm.LangJA, "{{passwd}} is not a merge field; use one from the list (line 3)"); got != "{{passwd}} は差し込み項目ではありません。一覧の項目を使ってください。（3行目）" {
		t.Errorf("got %q", got)
	}
}

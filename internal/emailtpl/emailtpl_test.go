package emailtpl

import (
	"errors"
	"strings"
	"testing"
)

func TestExecute(t *testing.T) {
	known := func(s string) bool {
		return s == "family_name" || s == "company.name" || s == "owner_name"
	}
	src := "{{family_name | \"ご担当者\"}} 様\n{{#if company.name}}{{company.name}} 御中{{else}}個人のお客様{{/if}}\n{{ owner_name }}"
	tpl, err := Parse(src, known)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tpl.Fields(), ","); got != "family_name,company.name,owner_name" {
		t.Errorf("fields %q", got)
	}
	cases := []struct {
		d    Data
		esc  bool
		want string
	}{
		{Data{"family_name": "山田", "company.name": "山田商事", "owner_name": "佐藤"}, false, "山田 様\n山田商事 御中\n佐藤"},
		{Data{"family_name": " ", "owner_name": "佐藤"}, false, "ご担当者 様\n個人のお客様\n佐藤"},
		{Data{"family_name": "<b>&", "company.name": "A&B"}, true, "&lt;b&gt;&amp; 様\nA&amp;B 御中\n"},
	}
	for _, c := range cases {
		if got := tpl.Execute(c.d, c.esc); got != c.want {
			t.Errorf("Execute(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestSubjectCannotBreakLines(t *testing.T) {
	tpl, err := Parse("Hello {{name}}", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := tpl.Subject(Data{"name": "Eve\r\nBcc: victim@example.com"})
	if strings.ContainsAny(got, "\r\n") || got != "Hello Eve Bcc: victim@example.com" {
		t.Errorf("subject %q", got)
	}
}

// TestRefused: the language has fields and conditionals only; anything
// reaching further is a parse error with its line.
func TestRefused(t *testing.T) {
	known := func(s string) bool { return s == "name" }
	for _, src := range []string{
		"{{.Env}}", "{{ env \"HOME\" }}", `{{ readFile "/etc/passwd" }}`, "{{ http.get }}",
		"{{template \"x\"}}", "{{ name | upper }}", "{{ name | \"a\" \"b\" }}", "{{ name",
		"{{#if name}}open", "{{/if}}", "{{else}}", "{{}}", "{{ NAME }}", "{{ os.getenv }}",
		"a\n{{ name\n}}", strings.Repeat("x", MaxSize+1),
		strings.Repeat("{{#if name}}", maxDepth+1) + strings.Repeat("{{/if}}", maxDepth+1),
	} {
		_, err := Parse(src, known)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%.40q) = %v, want a parse error", src, err)
		}
	}
	if _, err := Parse("{{ name | \"{{x}}\" }}", known); err == nil {
		t.Error("a fallback holding a tag was accepted")
	}
}

func TestLineNumbers(t *testing.T) {
	_, err := Parse("one\ntwo\n{{ nope }}", func(string) bool { return false })
	var pe *Error
	if !errors.As(err, &pe) || pe.Line != 3 {
		t.Fatalf("err %v, want line 3", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("{{a | \"b\"}}{{#if c}}d{{else}}e{{/if}}")
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Parse(src, nil)
		if err != nil {
			return
		}
		tpl.Execute(Data{"a": "x"}, true)
	})
}

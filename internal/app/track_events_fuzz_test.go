package app

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"renkei/internal/crm"
)

// FuzzBuildEvent feeds odd beacon fields to the event parser: it must not
// panic, and what it accepts must be storable as it is (valid UTF-8, no
// NUL, within the clamps), because one unstorable event would fail the
// whole group commit it shares with other visitors' events.
func FuzzBuildEvent(f *testing.F) {
	f.Add("pageview", "", "https://www.example.jp/a?utm_source=x", "Title", "https://google.com/", `{"a":1}`)
	f.Add("event", "signup", "http://h/%ff%00?utm_campaign=%00%ff", "\x00\xff", "https://%ff/", `{"\u0000":"\ud800"}`)
	f.Add("", "", "https://[::1]:80/x", strings.Repeat("長", 400), "javascript:alert(1)", "null")
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, kind, name, url, title, ref, props string) {
		e, err := BuildEvent(RawEvent{Kind: kind, Name: name, URL: url, Title: title, Referrer: ref, Props: json.RawMessage(props)}, 1, "v1234567", now, "")
		if err != nil {
			return
		}
		for field, v := range map[string]string{"name": e.Name, "host": e.Host, "path": e.Path, "title": e.Title,
			"referrer": e.Referrer, "referrer_host": e.ReferrerHost, "utm_source": e.UTMSource, "utm_medium": e.UTMMedium,
			"utm_campaign": e.UTMCampaign, "utm_term": e.UTMTerm, "utm_content": e.UTMContent, "props": e.Props} {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				t.Errorf("%s = %q: not storable", field, v)
			}
		}
		if len(e.Path) > maxEventPath || len(e.Title) > maxEventTitle || len(e.Referrer) > maxEventRef || len(e.Host) > maxEventHost {
			t.Errorf("a clamp was exceeded: %+v", e)
		}
		if e.Props != "" && !json.Valid([]byte(e.Props)) {
			t.Errorf("props %q is not JSON", e.Props)
		}
	})
}

// FuzzCheckPost feeds odd values to the form value checker: accepted
// values are valid UTF-8 without NUL and within the length limit.
func FuzzCheckPost(f *testing.F) {
	f.Add("taro@example.jp", "山田", "03-1234-5678", "https://example.jp", "yes")
	f.Add("a@b.c\x00", "\xff\xfe", "+81 (0)3", "javascript:alert(1)", "\x00")
	fm := crm.Form{Fields: []crm.FormField{
		{Key: crm.FieldEmail, Format: crm.FormatEmail, Required: true},
		{Key: crm.FieldFamilyName, MaxLength: 20},
		{Key: crm.FieldPhone, Format: crm.FormatPhone},
		{Key: "site", Format: crm.FormatURL},
		{Key: crm.FieldConsent},
	}}
	f.Fuzz(func(t *testing.T, email, family, phone, site, consent string) {
		vals, err := checkPost(FormPost{Form: fm, Values: map[string]string{crm.FieldEmail: email, crm.FieldFamilyName: family,
			crm.FieldPhone: phone, "site": site, crm.FieldConsent: consent, "extra": "dropped"}})
		if err != nil {
			return
		}
		for k, v := range vals {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) || utf8.RuneCountInString(v) > crm.MaxFieldLength {
				t.Errorf("%s = %q accepted", k, v)
			}
		}
		if _, ok := vals["extra"]; ok {
			t.Error("a value that is not a field was kept")
		}
		if c, ok := vals[crm.FieldConsent]; ok && c != "yes" {
			t.Errorf("consent = %q", c)
		}
	})
}

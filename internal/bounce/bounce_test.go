package bounce

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The fixtures in testdata follow the examples in each service's public
// documentation, with our addresses and Message-IDs.
func TestParseFixtures(t *testing.T) {
	const id = "<sent.recipient@example.com@mail.example.jp>"
	for _, c := range []struct {
		file string
		want []Notice
	}{
		{"ses_sns_bounce.json", []Notice{{Email: "recipient@example.com", Type: Hard, MessageID: id, Reason: "smtp; 550 5.1.1 user unknown", Format: "ses"}}},
		{"ses_sns_complaint.json", []Notice{{Email: "recipient@example.com", Type: Complaint, MessageID: id, Reason: "abuse", Format: "ses"}}},
		{"sendgrid_events.json", []Notice{
			{Email: "recipient@example.com", Type: Hard, MessageID: id, Reason: "5.1.1 550 5.1.1 The email account that you tried to reach does not exist.", Format: "sendgrid"},
			{Email: "other@example.com", Type: Soft, MessageID: "<other@mail.example.jp>", Format: "sendgrid"}}},
		{"mailgun_failed.json", []Notice{{Email: "recipient@example.com", Type: Hard, MessageID: "sent.recipient@example.com@mail.example.jp",
			Reason: "550 550 5.1.1 No such user Not delivering to previously bounced address", Format: "mailgun"}}},
		{"postmark_bounce.json", []Notice{{Email: "recipient@example.com", Type: Hard,
			Reason: "HardBounce: The server was unable to deliver your message (ex: unknown user, mailbox not found).", Format: "postmark"}}},
		{"postmark_complaint.json", []Notice{{Email: "recipient@example.com", Type: Complaint, Reason: "SpamComplaint:", Format: "postmark"}}},
	} {
		b, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		got, sub, err := Parse(b)
		if err != nil || sub != "" {
			t.Errorf("%s: %v %q", c.file, err, sub)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.file, got, c.want)
		}
	}
}

func TestParseSNSSubscription(t *testing.T) {
	b, _ := os.ReadFile(filepath.Join("testdata", "ses_sns_subscription.json"))
	got, sub, err := Parse(b)
	if err != nil || len(got) != 0 || !strings.HasPrefix(sub, "https://sns.ap-northeast-1.amazonaws.com/?Action=ConfirmSubscription") {
		t.Errorf("subscription = %v %q %v", got, sub, err)
	}
}

func TestParseGenericAndBadInput(t *testing.T) {
	got, _, err := Parse([]byte(`[{"email":"a@example.jp","type":"HARD","message_id":"<x@y>","reason":"550"},{"email":"b@example.jp","type":"soft"}]`))
	want := []Notice{{Email: "a@example.jp", Type: Hard, MessageID: "<x@y>", Reason: "550", Format: "generic"}, {Email: "b@example.jp", Type: Soft, Format: "generic"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("generic list = %+v %v", got, err)
	}
	for _, bad := range []string{"", "   ", "{", "null", "[null]", `"a string"`, `{"email":"a@example.jp"}`, `{"email":"","type":"hard"}`,
		`{"type":"hard"}`, `{"email":"a@example.jp","type":"bounced"}`, "[" + strings.Repeat(`{"email":"a@example.jp","type":"soft"},`, MaxNotices) + `{"email":"a@example.jp","type":"soft"}]`} {
		if _, _, err := Parse([]byte(bad)); !errors.Is(err, ErrBadInput) {
			t.Errorf("Parse(%.40q) = %v, want ErrBadInput", bad, err)
		}
	}
}

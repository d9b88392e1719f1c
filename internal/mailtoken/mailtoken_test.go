package mailtoken

import "testing"

func TestRoundTripAndRefusals(t *testing.T) {
	sec := []byte("0123456789abcdef0123456789abcdef")
	tok := Sign(sec, Click, 42, 7, "https://example.jp/a")
	m, c, ok := Verify(sec, Click, tok, "https://example.jp/a")
	if !ok || m != 42 || c != 7 {
		t.Fatalf("Verify = %d %d %v", m, c, ok)
	}
	if _, _, ok := Verify(sec, Click, tok, "https://evil.example/"); ok {
		t.Error("a click token accepted for another URL")
	}
	if _, _, ok := Verify(sec, Unsubscribe, tok, "https://example.jp/a"); ok {
		t.Error("a click token accepted as an unsubscribe token")
	}
	if _, _, ok := Verify([]byte("another secret"), Click, tok, "https://example.jp/a"); ok {
		t.Error("a token accepted under another secret")
	}
	// Another recipient's token with this one's ids swapped in fails.
	other := Sign(sec, Unsubscribe, 42, 8, "")
	mine := Sign(sec, Unsubscribe, 42, 7, "")
	if other == mine {
		t.Fatal("two recipients got the same token")
	}
	forged := []byte(mine)
	forged[1] ^= 1
	for _, bad := range []string{"", "x", string(forged), mine + "A", other[:len(other)-2] + mine[len(mine)-2:]} {
		if _, _, ok := Verify(sec, Unsubscribe, bad, ""); ok {
			t.Errorf("forged token %q accepted", bad)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("AQIDBAUGBwgJCgsMDQ4PEBES")
	f.Fuzz(func(t *testing.T, s string) {
		Verify([]byte("k"), Open, s, "")
	})
}

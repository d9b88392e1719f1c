package csvio

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestNeutralize(t *testing.T) {
	tests := []struct{ in, want string }{
		{`=HYPERLINK("http://x","y")`, `'=HYPERLINK("http://x","y")`},
		{"+1+2", "'+1+2"},
		{"-1+2", "'-1+2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"  =1+1", "'  =1+1"},
		{"\n=1+1", "'\n=1+1"},
		{"＝１＋１", "'＝１＋１"},
		{"＠foo", "'＠foo"},
		{"+81 3-1234-5678", "'+81 3-1234-5678"},
		{"-", "'-"},
		{"-5", "-5"},
		{"-3.14", "-3.14"},
		{"-3.", "'-3."},
		{"-1e5", "'-1e5"},
		{" -5", "' -5"},
		{"<script>alert(1)</script>", "<script>alert(1)</script>"},
		{"山田 太郎", "山田 太郎"},
		{"a=b", "a=b"},
		{"", ""},
		{"   ", "   "},
	}
	for _, tt := range tests {
		if got := Neutralize(tt.in); got != tt.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriterUTF8(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, EncodingUTF8)
	rows := [][]string{
		{"Email", "Name", "Note"},
		{"x@example.jp", "<script>alert(1)</script>", `=HYPERLINK("http://x","y")`},
		{"y@example.jp", "山田 太郎", "two\nlines, comma"},
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFEmail,Name,Note\r\n" +
		"x@example.jp,<script>alert(1)</script>,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n" +
		"y@example.jp,山田 太郎,\"two\r\nlines, comma\"\r\n"
	if got := buf.String(); got != want {
		t.Errorf("file =\n%q\nwant\n%q", got, want)
	}
	if rows[1][2] != `=HYPERLINK("http://x","y")` {
		t.Error("Write changed the caller's record")
	}

	// It reads back as it was written, apostrophe included.
	r, err := NewReader(&buf, EncodingAuto)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, r)
	wantRows := []readRow{
		{Row: 2, Record: []string{"x@example.jp", "<script>alert(1)</script>", `'=HYPERLINK("http://x","y")`}},
		{Row: 3, Record: []string{"y@example.jp", "山田 太郎", "two\nlines, comma"}},
	}
	if !reflect.DeepEqual(got, wantRows) {
		t.Errorf("read back %+v, want %+v", got, wantRows)
	}
}

func TestWriterShiftJIS(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, EncodingShiftJIS)
	// Enough rows to cross the writers' buffers many times.
	long := strings.Repeat("髙橋①㈱﨑～ソ表能", 50) // ソ表能 end in 0x5C in Shift_JIS
	for i := 0; i < 500; i++ {
		if err := w.Write([]string{"a@example.jp", long, "〜−—¥", "🍣寿司😀", "\"quoted\", ok"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := w.Replaced(), 2*500; got != want {
		t.Errorf("Replaced() = %d, want %d", got, want)
	}
	if bytes.HasPrefix(buf.Bytes(), []byte{0xEF, 0xBB, 0xBF}) {
		t.Error("Shift_JIS file starts with a UTF-8 BOM")
	}
	r, err := NewReader(&buf, EncodingAuto)
	if err != nil {
		t.Fatal(err)
	}
	if r.Encoding() != EncodingShiftJIS {
		t.Errorf("Encoding() = %q", r.Encoding())
	}
	n := 1
	for {
		row, rec, err := r.Read()
		if err != nil {
			break
		}
		n++
		want := []string{"a@example.jp", long, "～－―￥", "?寿司?", "\"quoted\", ok"}
		if row != n || !reflect.DeepEqual(rec, want) {
			t.Fatalf("row %d = %q, want row %d = %q", row, rec, n, want)
		}
	}
	if n != 500 {
		t.Errorf("read back %d rows after the first, want 500", n)
	}
}

func TestWriterUnknownEncoding(t *testing.T) {
	w := NewWriter(&bytes.Buffer{}, "latin1")
	if err := w.Write([]string{"a"}); err == nil {
		t.Error("Write with an unknown encoding succeeded")
	}
}

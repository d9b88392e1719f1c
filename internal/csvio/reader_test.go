package csvio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

func sjis(t testing.TB, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q as Shift_JIS: %v", s, err)
	}
	return b
}

type readRow struct {
	Row    int
	Record []string
	Err    string // RowError reason prefix
}

// readAll reads every record, keeping row errors in line.
func readAll(t *testing.T, r *Reader) []readRow {
	t.Helper()
	var out []readRow
	for {
		row, rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		var re *RowError
		switch {
		case errors.As(err, &re):
			out = append(out, readRow{Row: re.Row, Err: re.Reason})
		case err != nil:
			t.Fatalf("Read: %v", err)
		default:
			out = append(out, readRow{Row: row, Record: append([]string(nil), rec...)})
		}
	}
}

func TestReaderEncodings(t *testing.T) {
	const text = "姓,名,メールアドレス\r\n山田,太郎,ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ\r\n髙橋,①㈱﨑～,hanako@example.jp\r\n"
	want := []readRow{
		{Row: 2, Record: []string{"山田", "太郎", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ"}},
		{Row: 3, Record: []string{"髙橋", "①㈱﨑～", "hanako@example.jp"}},
	}
	longASCII := strings.Repeat("x", 100<<10) // the first non-ASCII byte is past the first 64 KiB
	tests := []struct {
		name     string
		file     []byte
		enc      Encoding
		wantEnc  Encoding
		wantRows []readRow
	}{
		{"utf-8", []byte(text), EncodingAuto, EncodingUTF8, want},
		{"utf-8 with BOM", append([]byte("\uFEFF"), text...), EncodingAuto, EncodingUTF8, want},
		{"utf-8 with BOM, shift_jis asked", append([]byte("\uFEFF"), text...), EncodingShiftJIS, EncodingUTF8, want},
		{"shift_jis detected", sjis(t, text), EncodingAuto, EncodingShiftJIS, want},
		{"shift_jis given", sjis(t, text), EncodingShiftJIS, EncodingShiftJIS, want},
		{"utf-8 given", []byte(text), EncodingUTF8, EncodingUTF8, want},
		{"shift_jis after 100 KiB of ASCII", sjis(t, "Family,Given,Email\r\n"+longASCII+",a,b\r\n髙橋,①㈱﨑～,hanako@example.jp\r\n"), EncodingAuto, EncodingShiftJIS,
			[]readRow{{Row: 2, Record: []string{longASCII, "a", "b"}}, want[1]}},
		{"utf-8 after 100 KiB of ASCII", []byte("Email\n" + longASCII + "\n髙橋\n"), EncodingAuto, EncodingUTF8,
			[]readRow{{Row: 2, Record: []string{longASCII}}, {Row: 3, Record: []string{"髙橋"}}}},
		{"shift_jis read as utf-8", sjis(t, text), EncodingUTF8, EncodingUTF8, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.file), tt.enc)
			if tt.name == "shift_jis read as utf-8" {
				// The header itself is not valid UTF-8 here.
				if err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
					t.Fatalf("NewReader err = %v, want a header error about UTF-8", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := r.Header(), []string{"姓", "名", "メールアドレス"}; !strings.Contains(tt.name, "100 KiB") && !reflect.DeepEqual(got, want) {
				t.Errorf("Header() = %q, want %q", got, want)
			}
			rows := readAll(t, r)
			for i := range rows {
				if rows[i].Err != "" && i < len(tt.wantRows) && strings.HasPrefix(rows[i].Err, tt.wantRows[i].Err) {
					rows[i].Err = tt.wantRows[i].Err
				}
			}
			if !reflect.DeepEqual(rows, tt.wantRows) {
				t.Errorf("rows =\n%+v\nwant\n%+v", rows, tt.wantRows)
			}
			if got := r.Encoding(); got != tt.wantEnc {
				t.Errorf("Encoding() = %q, want %q", got, tt.wantEnc)
			}
		})
	}
}

func TestReaderRowsAsExcelNumbersThem(t *testing.T) {
	file := "Email,Note\r\n" + // row 1
		"a@example.jp,one\r\n" + // row 2
		"b@example.jp,\"two\r\nlines\"\r\n" + // row 3, two lines
		"\r\n" + // row 4, blank
		"c@example.jp,bad \"quote\r\n" + // row 5: stray quote
		",\r\n" + // row 6: empty cells only
		"d@example.jp,\"ok, with comma\"\r\n" + // row 7
		"e@example.jp,short\r\n" + // row 8
		"f@example.jp,\"three\nline\ncell\"\n" + // row 9, LF only
		"g@example.jp,x,extra\r\n" + // row 10, more cells than the header
		"\r\n" // trailing empty line
	r, err := NewReader(strings.NewReader(file), EncodingAuto)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, r)
	want := []readRow{
		{Row: 2, Record: []string{"a@example.jp", "one"}},
		{Row: 3, Record: []string{"b@example.jp", "two\nlines"}},
		{Row: 5, Err: parseReason(csv.ErrBareQuote)},
		{Row: 7, Record: []string{"d@example.jp", "ok, with comma"}},
		{Row: 8, Record: []string{"e@example.jp", "short"}},
		{Row: 9, Record: []string{"f@example.jp", "three\nline\ncell"}},
		{Row: 10, Record: []string{"g@example.jp", "x", "extra"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows =\n%+v\nwant\n%+v", got, want)
	}
}

func TestReaderUnclosedQuote(t *testing.T) {
	r, err := NewReader(strings.NewReader("Email,Note\na@example.jp,ok\nb@example.jp,\"never closed\nc@example.jp,x\n"), EncodingAuto)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, r)
	want := []readRow{
		{Row: 2, Record: []string{"a@example.jp", "ok"}},
		{Row: 3, Err: parseReason(csv.ErrQuote)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %+v, want %+v", got, want)
	}
}

func TestReaderFileErrors(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		enc  Encoding
		want error
	}{
		{"empty", nil, EncodingAuto, ErrEmpty},
		{"blank lines only", []byte("\r\n\r\n"), EncodingAuto, ErrEmpty},
		{"BOM only", []byte("\uFEFF"), EncodingAuto, ErrEmpty},
		{"utf-16 LE", []byte{0xFF, 0xFE, 'a', 0}, EncodingAuto, ErrUTF16},
		{"utf-16 BE", []byte{0xFE, 0xFF, 0, 'a'}, EncodingAuto, ErrUTF16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.file), tt.enc)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := NewReader(strings.NewReader("a\n"), "latin1"); err == nil {
		t.Error("unknown encoding accepted")
	}
}

func TestReaderBadShiftJISBytes(t *testing.T) {
	file := append(sjis(t, "姓,名\r\n山田,太郎\r\n"), 0x81, 0x20, ',', 'x', '\r', '\n')
	file = append(file, sjis(t, "鈴木,一郎\r\n")...)
	r, err := NewReader(bytes.NewReader(file), EncodingAuto)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, r)
	if len(got) != 3 || got[1].Row != 3 || !strings.Contains(got[1].Err, "not valid Shift_JIS") || got[2].Record[0] != "鈴木" {
		t.Errorf("rows = %+v, want row 3 to be an error and row 4 鈴木", got)
	}
}

func TestParseEncoding(t *testing.T) {
	tests := []struct {
		in   string
		want Encoding
		ok   bool
	}{
		{"", EncodingAuto, true}, {"AUTO", EncodingAuto, true}, {"UTF-8", EncodingUTF8, true}, {"utf8", EncodingUTF8, true},
		{"Shift_JIS", EncodingShiftJIS, true}, {"sjis", EncodingShiftJIS, true}, {"CP932", EncodingShiftJIS, true},
		{"Windows-31J", EncodingShiftJIS, true}, {"euc-jp", "", false},
	}
	for _, tt := range tests {
		got, err := ParseEncoding(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseEncoding(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

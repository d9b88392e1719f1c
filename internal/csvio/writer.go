package csvio

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// Writer writes an export file that Excel opens as it should: UTF-8 with a
// byte-order mark (Excel reads UTF-8 without one as the local code page),
// or Shift_JIS (CP932) on request, with CRLF line ends. Every cell goes
// through Neutralize first.
//
// Shift_JIS cannot hold every character (emoji, many non-Japanese
// letters). Such a character is written as '?' rather than failing the
// export; Replaced counts them so the caller can tell the user. Characters
// that have a Shift_JIS twin are written as the twin: 〜 (U+301C) as ～,
// − (U+2212) as －, ‖ as ∥, — (U+2014) as ―, ¢ £ ¬ ¦ ¥ as their full-width
// forms, as Windows does.
type Writer struct {
	bw       *bufio.Writer
	cw       *csv.Writer
	enc      Encoding
	sjis     *encoding.Encoder
	cells    []string
	replaced int
	err      error
}

// NewWriter returns a writer in enc: EncodingUTF8 (also for "" and auto)
// or EncodingShiftJIS. An unknown encoding is reported by the first Write.
func NewWriter(w io.Writer, enc Encoding) *Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	wr := &Writer{bw: bw, cw: csv.NewWriter(bw), enc: enc}
	wr.cw.UseCRLF = true
	switch enc {
	case "", EncodingAuto, EncodingUTF8:
		wr.enc = EncodingUTF8
		bw.WriteString("\uFEFF")
	case EncodingShiftJIS:
		wr.sjis = japanese.ShiftJIS.NewEncoder()
	default:
		wr.err = fmt.Errorf("csvio: unknown encoding %q (use utf-8 or shift_jis)", enc)
	}
	return wr
}

// Write writes one record. Cells are neutralised (see Neutralize) and,
// for Shift_JIS, encoded; the record passed in is not changed.
func (w *Writer) Write(record []string) error {
	if w.err != nil {
		return w.err
	}
	w.cells = w.cells[:0]
	for _, c := range record {
		c = Neutralize(c)
		if w.sjis != nil {
			c = w.toShiftJIS(c)
		}
		w.cells = append(w.cells, c)
	}
	// The csv writer quotes by looking for ", CR, LF and the comma, all
	// below 0x40; Shift_JIS's second bytes are 0x40 and above, so the
	// encoded bytes pass through it unharmed.
	if err := w.cw.Write(w.cells); err != nil {
		w.err = err
	}
	return w.err
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		w.err = err
		return err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = err
	}
	return w.err
}

// Replaced returns how many characters so far could not be written in
// Shift_JIS and were written as '?'.
func (w *Writer) Replaced() int { return w.replaced }

// sjisTwins maps characters that Unicode has twice to the form CP932 has.
var sjisTwins = map[rune]rune{
	'\u301C': '\uFF5E', // WAVE DASH → FULLWIDTH TILDE
	'\u2212': '\uFF0D', // MINUS SIGN → FULLWIDTH HYPHEN-MINUS
	'\u2016': '\u2225', // DOUBLE VERTICAL LINE → PARALLEL TO
	'\u2014': '\u2015', // EM DASH → HORIZONTAL BAR
	'\u00A2': '\uFFE0', // ¢
	'\u00A3': '\uFFE1', // £
	'\u00AC': '\uFFE2', // ¬
	'\u00A6': '\uFFE4', // ¦
	'\u00A5': '\uFFE5', // ¥
}

// toShiftJIS encodes s, returning the bytes as a string.
func (w *Writer) toShiftJIS(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	if b, err := w.sjis.String(s); err == nil {
		return b
	}
	var out strings.Builder
	out.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			out.WriteRune(r)
			continue
		}
		if t, ok := sjisTwins[r]; ok {
			r = t
		}
		b, err := w.sjis.String(string(r))
		if err != nil {
			out.WriteByte('?')
			w.replaced++
			continue
		}
		out.WriteString(b)
	}
	return out.String()
}

// Neutralize defuses a cell against spreadsheet-formula injection (OWASP
// "CSV injection"): a cell whose first character, after any leading
// spaces and line breaks, is =, +, -, @, a tab or a CR (or the full-width
// ＝, ＋, －, ＠, which Japanese Excel may also take as a formula) gets a
// leading apostrophe, which spreadsheets show as text and do not evaluate.
//
// One exception keeps numbers usable: a plain negative decimal number
// such as -5 or -3.14 stays as it is, since it cannot call anything.
// Everything else is prefixed, +81 3-1234-5678 included.
func Neutralize(s string) string {
	t := strings.TrimLeft(s, " \n\u3000")
	if t == "" {
		return s
	}
	r, _ := utf8.DecodeRuneInString(t)
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
	default:
		return s
	}
	if t == s && plainNegative(s) {
		return s
	}
	return "'" + s
}

// plainNegative reports whether s is -digits or -digits.digits.
func plainNegative(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	intPart, frac, hasDot := strings.Cut(s[1:], ".")
	return allDigits(intPart) && (!hasDot || allDigits(frac))
}

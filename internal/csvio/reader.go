// Package csvio reads and writes the CSV files of contact and company
// imports and exports: encodings (UTF-8 with or without BOM, Shift_JIS as
// Excel writes it in Japan), header recognition for the files HubSpot,
// Salesforce and Japanese tools export, conversion of a row into a
// normalised contact or company with per-cell errors, and export cells
// neutralised against spreadsheet-formula injection.
//
// The package is pure: it does no database or network I/O and holds no
// state beyond the reader or writer in hand.
package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// Encoding is the character encoding of a CSV file.
type Encoding string

// Encodings. ShiftJIS is Microsoft's code page 932 (Windows-31J), which is
// what Excel writes in Japan: golang.org/x/text's japanese.ShiftJIS maps
// the NEC and IBM extensions (①, ㈱, 髙, 﨑) and 0x8160 to U+FF5E as
// Windows does.
const (
	EncodingAuto     Encoding = "auto"
	EncodingUTF8     Encoding = "utf-8"
	EncodingShiftJIS Encoding = "shift_jis"
)

// ParseEncoding accepts the usual spellings of the supported encodings
// (utf8, UTF-8, sjis, cp932, windows-31j, …); "" means auto.
func ParseEncoding(s string) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return EncodingAuto, nil
	case "utf-8", "utf8", "utf-8-bom", "utf-8-sig":
		return EncodingUTF8, nil
	case "shift_jis", "shift-jis", "shiftjis", "sjis", "cp932", "ms932", "windows-31j":
		return EncodingShiftJIS, nil
	}
	return "", fmt.Errorf("csvio: unknown encoding %q (use auto, utf-8 or shift_jis)", s)
}

// detectWindow is how many bytes, from the first non-ASCII byte on, are
// examined to choose between UTF-8 and Shift_JIS.
const detectWindow = 64 << 10

// Errors of NewReader about the file as a whole.
var (
	ErrEmpty = errors.New("the file is empty")
	ErrUTF16 = errors.New(`the file is UTF-16 (Excel's "Unicode text"); save it as "CSV UTF-8" or "CSV" and try again`)
)

// RowError is a problem confined to one row: the row could not be parsed
// or decoded. Reading may go on with the next row.
type RowError struct {
	Row    int    // as Excel numbers rows: the header is row 1
	Reason string // a sentence for a person
}

func (e *RowError) Error() string { return fmt.Sprintf("row %d: %s", e.Row, e.Reason) }

// Reader reads the records of a CSV file after its header. It decodes the
// file as it goes, so memory stays flat whatever the file's size.
type Reader struct {
	det    *detector
	cr     *csv.Reader
	header []string
	row    int // Excel row of the last record read
	line   int // last line of the last record read (1-based)
}

// NewReader reads the header of a CSV file in the given encoding. With
// EncodingAuto a UTF-8 byte-order mark is stripped and the file is read as
// UTF-8 when the first 64 KiB from its first non-ASCII byte are valid
// UTF-8, and as Shift_JIS otherwise; the choice is made when the first
// non-ASCII byte is met, so an ASCII-only prefix of any length is no
// obstacle (Encoding reports the choice). A UTF-8 byte-order mark wins over
// an explicit shift_jis: such a file is UTF-8 whatever its sender thought.
//
// It returns ErrEmpty for a file without a header and ErrUTF16 for UTF-16.
func NewReader(r io.Reader, enc Encoding) (*Reader, error) {
	switch enc {
	case "":
		enc = EncodingAuto
	case EncodingAuto, EncodingUTF8, EncodingShiftJIS:
	default:
		return nil, fmt.Errorf("csvio: unknown encoding %q (use auto, utf-8 or shift_jis)", enc)
	}
	br := bufio.NewReaderSize(r, detectWindow)
	head, err := br.Peek(3)
	if err != nil && err != io.EOF {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		enc = EncodingUTF8
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, ErrUTF16
	}
	d := &detector{br: br}
	if enc != EncodingAuto {
		d.use(enc)
	}
	cr := csv.NewReader(bufio.NewReaderSize(d, 64<<10))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = false
	rd := &Reader{det: d, cr: cr}
	_, rec, err := rd.Read()
	var re *RowError
	switch {
	case err == io.EOF:
		return nil, ErrEmpty
	case errors.As(err, &re):
		return nil, fmt.Errorf("the header row cannot be read: %s", re.Reason)
	case err != nil:
		return nil, err
	}
	rd.header = make([]string, len(rec))
	for i, h := range rec {
		rd.header[i] = strings.TrimSpace(h)
	}
	return rd, nil
}

// Header returns the header row, each name trimmed. The slice is the
// reader's own; do not change it.
func (r *Reader) Header() []string { return r.header }

// Encoding reports the encoding in use. With EncodingAuto it is utf-8 as
// long as only ASCII has been read, which decodes the same either way.
func (r *Reader) Encoding() Encoding {
	if r.det.enc == "" {
		return EncodingUTF8
	}
	return r.det.enc
}

// Read returns the next non-blank record and its row number as Excel shows
// it (the header is row 1, a cell with line breaks does not add rows,
// blank lines do). Rows whose cells are all blank are skipped. The record
// is reused by the next call; copy what you keep.
//
// At the end it returns io.EOF. A *RowError concerns only its row (a stray
// quote, bytes that are not valid in the encoding); call Read again to go
// on. Any other error ends the file.
func (r *Reader) Read() (row int, record []string, err error) {
	for {
		rec, err := r.cr.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Err != nil && !isIOError(pe.Err) {
				r.advance(pe.StartLine, pe.Line)
				return r.row, nil, &RowError{Row: r.row, Reason: parseReason(pe.Err)}
			}
			return 0, nil, err
		}
		start, _ := r.cr.FieldPos(0)
		last, _ := r.cr.FieldPos(len(rec) - 1)
		r.advance(start, last+strings.Count(rec[len(rec)-1], "\n"))
		if blank(rec) {
			continue
		}
		if bad := r.det.badText(rec); bad != "" {
			return r.row, nil, &RowError{Row: r.row, Reason: bad}
		}
		return r.row, rec, nil
	}
}

// advance moves the row counter to a record spanning lines start..end.
func (r *Reader) advance(start, end int) {
	r.row += start - r.line
	r.line = end
}

func isIOError(err error) bool {
	return !errors.Is(err, csv.ErrBareQuote) && !errors.Is(err, csv.ErrQuote) && !errors.Is(err, csv.ErrFieldCount)
}

func parseReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return `a cell contains a double quote (") but is not enclosed in double quotes; enclose the cell in quotes and double the quote inside ("")`
	case errors.Is(err, csv.ErrQuote):
		return `a quoted cell is not closed properly; check the double quotes (") of this row`
	}
	return "this row cannot be read"
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// detector decodes the file, choosing the encoding on the first non-ASCII
// byte when asked to.
type detector struct {
	br  *bufio.Reader
	out io.Reader // nil until the encoding is chosen
	enc Encoding  // "" until chosen
}

func (d *detector) use(enc Encoding) {
	d.enc = enc
	if enc == EncodingShiftJIS {
		d.out = transform.NewReader(d.br, japanese.ShiftJIS.NewDecoder())
	} else {
		d.out = d.br
	}
}

// Read passes ASCII through until the first non-ASCII byte, then chooses.
func (d *detector) Read(p []byte) (int, error) {
	if d.out != nil {
		return d.out.Read(p)
	}
	if _, err := d.br.Peek(1); err != nil {
		return 0, err
	}
	buf, _ := d.br.Peek(d.br.Buffered())
	i := 0
	for i < len(buf) && i < len(p) && buf[i] < utf8.RuneSelf {
		i++
	}
	if i > 0 || len(p) == 0 {
		n := copy(p, buf[:i])
		d.br.Discard(n)
		return n, nil
	}
	win, err := d.br.Peek(detectWindow)
	d.use(chooseEncoding(win, err != nil))
	return d.out.Read(p)
}

// chooseEncoding says whether win, which starts at a non-ASCII byte, is
// UTF-8 or Shift_JIS. Unless atEOF, a rune cut off at the end of the
// window is not held against UTF-8.
func chooseEncoding(win []byte, atEOF bool) Encoding {
	if !atEOF {
		j := len(win) - 1
		for j > 0 && len(win)-j < utf8.UTFMax && !utf8.RuneStart(win[j]) {
			j--
		}
		if j >= 0 && !utf8.FullRune(win[j:]) {
			win = win[:j]
		}
	}
	if utf8.Valid(win) {
		return EncodingUTF8
	}
	return EncodingShiftJIS
}

// badText returns a reason when the record holds bytes the encoding could
// not decode: invalid UTF-8, or U+FFFD left by the Shift_JIS decoder.
func (d *detector) badText(rec []string) string {
	for _, f := range rec {
		if d.enc == EncodingShiftJIS {
			if strings.ContainsRune(f, utf8.RuneError) {
				return "this row contains bytes that are not valid Shift_JIS; the file may mix encodings, so save it again as CSV UTF-8"
			}
		} else if !utf8.ValidString(f) {
			return "this row contains bytes that are not valid UTF-8; the file may mix encodings, so save it again as CSV UTF-8 or choose Shift_JIS"
		}
	}
	return ""
}

package csvio

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// contactsFile builds a HubSpot-style contact export of n rows, half of
// the people Japanese, in the given encoding.
func contactsFile(b *testing.B, n int, enc Encoding) []byte {
	b.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, enc)
	w.Write([]string{"Record ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name", "Job Title",
		"Lifecycle Stage", "Lead Status", "Contact owner", "Tags", "Postal Code", "State/Region", "City", "Create Date"})
	stages := []string{"lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "subscriber"}
	for i := 0; i < n; i++ {
		first, last, company, title, pref, city := "Taro", "Smith", "Acme Inc.", "Manager", "CA", "San Francisco"
		if i%2 == 0 {
			first, last, company, title, pref, city = "太郎", "山田", "株式会社サンプル", "営業部長", "東京都", "千代田区"
		}
		w.Write([]string{
			fmt.Sprint(1000 + i), first, last, fmt.Sprintf("user%d@example%d.co.jp", i, i%97),
			fmt.Sprintf("03-%04d-%04d", i%10000, (i*7)%10000), fmt.Sprintf("%s %d", company, i%500), title,
			stages[i%len(stages)], "", "Sales Person", "展示会2025;VIP", "100-0005", pref, city, "2025-04-01 10:00",
		})
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkReadContacts reads and converts a 100,000-row contact file:
// decoding, CSV parsing, header detection, normalisation and validation
// (crm.Contact.Validate, crm.Company.Normalize). Run it with
//
//	go test -run - -bench ReadContacts -benchtime 5x ./internal/csvio/
func BenchmarkReadContacts(b *testing.B) {
	const rows = 100_000
	for _, enc := range []Encoding{EncodingUTF8, EncodingShiftJIS} {
		file := contactsFile(b, rows, enc)
		b.Run(string(enc), func(b *testing.B) {
			b.SetBytes(int64(len(file)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				r, err := NewReader(bytes.NewReader(file), EncodingAuto)
				if err != nil {
					b.Fatal(err)
				}
				m := DetectMapping(ObjectContact, r.Header(), nil)
				n := 0
				for {
					_, rec, err := r.Read()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if _, errs := m.Contact(rec); errs != nil {
						b.Fatalf("row %d: %v", n+2, errs)
					}
					n++
				}
				if n != rows {
					b.Fatalf("read %d rows, want %d", n, rows)
				}
			}
			total := float64(rows) * float64(b.N)
			b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
			// On a machine shared with other work, wall time says little;
			// rows per CPU-second (all threads, GC included) says more.
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(total/cpu.Seconds(), "rows/cpu-s")
			}
		})
	}
}

// BenchmarkReadRecords is the decoding and CSV parsing alone, without
// conversion, for comparison with BenchmarkReadContacts.
func BenchmarkReadRecords(b *testing.B) {
	const rows = 100_000
	for _, enc := range []Encoding{EncodingUTF8, EncodingShiftJIS} {
		file := contactsFile(b, rows, enc)
		b.Run(string(enc), func(b *testing.B) {
			b.SetBytes(int64(len(file)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				r, err := NewReader(bytes.NewReader(file), EncodingAuto)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					if _, _, err := r.Read(); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != rows {
					b.Fatalf("read %d rows, want %d", n, rows)
				}
			}
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(rows)*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
			}
		})
	}
}

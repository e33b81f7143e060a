package ingest_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/aidmap/aidmap/ingest/table"
)

// benchFile returns a CSV of n pre-geocoded rows shaped like an NGO export: quoted names with
// commas, a multi-line address every tenth row, coordinates, hours and a phone.
func benchFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString("Site ID,Name,Address,City,Province,Postal Code,Latitude,Longitude,Phone,Hours,Category,Website\r\n")
	for i := 0; i < n; i++ {
		addr := fmt.Sprintf("%d Main St", i%9000+1)
		if i%10 == 0 {
			addr = fmt.Sprintf("\"%d Main St, Suite %d\r\nVancouver, BC\"", i%9000+1, i%300)
		}
		fmt.Fprintf(&b, "S%07d,\"Food Bank %d, Community Kitchen\",%s,Vancouver,BC,V6B 1A%d,%.6f,%.6f,604-555-%04d,Mon-Fri 9am-5pm,food_bank,https://example.org/%d\r\n",
			i, i, addr, i%10, 49.2+float64(i%1000)/10000, -123.1-float64(i%997)/10000, i%10000, i)
	}
	return b.Bytes()
}

// BenchmarkReadCSV measures decoding, dialect detection, parsing and mapping (not validation)
// of 100,000 rows. The target for parse + validate together is 200,000 rows/s.
func BenchmarkReadCSV(b *testing.B) {
	const rows = 100_000
	data := benchFile(rows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		tr, err := table.NewReader(bytes.NewReader(data), table.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != rows {
			b.Fatalf("got %d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadCSVSites adds the conversion and validation of each row into a site: the whole
// parse + validate path the 200,000 rows/s target is about.
func BenchmarkReadCSVSites(b *testing.B) {
	const rows = 100_000
	data := benchFile(rows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		tr, err := table.NewReader(bytes.NewReader(data), table.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			rec, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if _, ps := rec.Site("org"); len(ps) != 0 {
				b.Fatalf("row %d: %v", rec.Row, ps)
			}
			n++
		}
		if n != rows {
			b.Fatalf("got %d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

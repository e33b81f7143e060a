package ingest

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store/sqlite"
)

// BenchmarkRunSQLite measures a whole upload of 100,000 pre-geocoded rows into an empty SQLite
// store: reading, validation, hours, duplicate checks and the one-transaction write. The
// issue's target is 50,000 rows/s. A second benchmark re-uploads the same file (every site
// unchanged), the common case of an NGO's nightly export.
func BenchmarkRunSQLite(b *testing.B) {
	const rows = 100_000
	data := benchFile(rows)
	ctx := context.Background()
	open := func(b *testing.B) *sqlite.Store {
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "aidmap.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := st.UpsertOrganization(ctx, aidmap.Organization{ID: "org", Name: "Org"}); err != nil {
			b.Fatal(err)
		}
		return st
	}
	upload := func(b *testing.B, st *sqlite.Store) *Report {
		src, _, err := NewReader(bytes.NewReader(data), ReadOptions{Name: "bench.csv"})
		if err != nil {
			b.Fatal(err)
		}
		rep, err := Run(ctx, src, st, nil, Options{Org: "org"})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Summary.RowsRead != rows || rep.Summary.Rejected != 0 {
			b.Fatalf("summary %+v", rep.Summary)
		}
		return rep
	}

	b.Run("new", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			st := open(b)
			b.StartTimer()
			if rep := upload(b, st); rep.Summary.Created != rows {
				b.Fatalf("created %d, want %d", rep.Summary.Created, rows)
			}
			b.StopTimer()
			st.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("unchanged", func(b *testing.B) {
		st := open(b)
		defer st.Close()
		upload(b, st)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if rep := upload(b, st); rep.Summary.Unchanged != rows {
				b.Fatalf("unchanged %d, want %d", rep.Summary.Unchanged, rows)
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

package sqlite

import (
	"context"
	"flag"
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

// These tests are in package sqlite (the conformance suite runs from sqlite_test) to reach
// gazetteerBuffer.

func openTest(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestGazetteerStreaming runs the gazetteer suite with imports that outgrow the buffer at the
// first block, so they take the write lock early and stream; the default buffer holds every
// import of the conformance suite. Not parallel: it changes gazetteerBuffer.
func TestGazetteerStreaming(t *testing.T) {
	defer func(n int) { gazetteerBuffer = n }(gazetteerBuffer)
	gazetteerBuffer = 1
	storetest.RunGazetteer(t, func(t *testing.T) store.Store {
		return openTest(t, filepath.Join(t.TempDir(), "aidmap.db"))
	})
}

// TestGazetteerAcrossConnections checks what a server relies on to reload: an import by
// another process (here another Store on the same file) shows in GazetteerVersion and
// EachAddressPoint at once, and the geocode cache is shared.
func TestGazetteerAcrossConnections(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "aidmap.db")
	server, importer := openTest(t, path), openTest(t, path)
	points := storetest.AddressPoints("p", 3000)
	for i := range 3 {
		before, err := server.GazetteerVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, v, err := importer.ReplaceAddressPoints(ctx, "city.csv", storetest.Batches(points[:1000*(i+1)], 10_000))
		if err != nil {
			t.Fatal(err)
		}
		after, err := server.GazetteerVersion(ctx)
		if err != nil || after != v || after == before {
			t.Fatalf("import %d: server sees version %d, %v, want %d (before: %d)", i, after, err, v, before)
		}
		n := 0
		each, err := server.EachAddressPoint(ctx, func(aidmap.AddressPoint) error { n++; return nil })
		if err != nil || each != v || n != 1000*(i+1) {
			t.Fatalf("import %d: server reads %d points at version %d, %v, want %d at %d", i, n, each, err, 1000*(i+1), v)
		}
	}
	if err := importer.PutGeocodeCache(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if got, err := server.GeocodeCache(ctx, "k"); err != nil || string(got) != "v" {
		t.Errorf("GeocodeCache from the other connection: got %q, %v, want %q", got, err, "v")
	}
}

var gazetteerPoints = flag.Int("sqlite.gazetteer-points", 1_000_000, "points the gazetteer benchmarks import and load")

// BenchmarkReplaceAddressPoints1M imports a million synthetic points (-sqlite.gazetteer-points)
// as one source, replacing the previous import each time: encoding, the write transaction and
// its fsync, everything but generating the points.
func BenchmarkReplaceAddressPoints1M(b *testing.B) {
	if testing.Short() {
		b.Skip("-short")
	}
	ctx := context.Background()
	s := openTest(b, filepath.Join(b.TempDir(), "aidmap.db"))
	points := *gazetteerPoints
	b.ReportAllocs()
	for b.Loop() {
		n, _, err := s.ReplaceAddressPoints(ctx, "synthetic", storetest.SyntheticPoints(points))
		if err != nil || n != points {
			b.Fatalf("ReplaceAddressPoints: %d, %v", n, err)
		}
	}
	b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
	reportSize(b, s)
}

// BenchmarkEachAddressPoint loads every point back, as a server does when it builds its
// geocoder (importing them is not timed).
func BenchmarkEachAddressPoint(b *testing.B) {
	if testing.Short() {
		b.Skip("-short")
	}
	ctx := context.Background()
	s := openTest(b, filepath.Join(b.TempDir(), "aidmap.db"))
	if _, _, err := s.ReplaceAddressPoints(ctx, "synthetic", storetest.SyntheticPoints(*gazetteerPoints)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		if _, err := s.EachAddressPoint(ctx, func(aidmap.AddressPoint) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != *gazetteerPoints {
			b.Fatalf("points: got %d, want %d", n, *gazetteerPoints)
		}
	}
	b.ReportMetric(float64(*gazetteerPoints)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// reportSize reports the bytes the stored blocks take per point.
func reportSize(b *testing.B, s *Store) {
	var bytes, points int64
	err := s.rdb.QueryRow(`SELECT coalesce(sum(length(data)), 0), coalesce(sum(points), 0) FROM address_blocks`).Scan(&bytes, &points)
	if err != nil {
		b.Fatal(err)
	}
	if points > 0 {
		b.ReportMetric(float64(bytes)/float64(points), "B/point")
	}
}

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
// its fsync, everything but generating the points (storetest.BenchReplaceAddressPoints).
func BenchmarkReplaceAddressPoints1M(b *testing.B) {
	storetest.BenchReplaceAddressPoints(b, *gazetteerPoints, openGazetteer, func(g store.Gazetteer) (int64, error) {
		var size int64
		err := g.(*Store).rdb.QueryRow(`SELECT coalesce(sum(length(data)), 0) FROM address_blocks`).Scan(&size)
		return size, err
	})
}

// BenchmarkEachAddressPoint loads every point back, as a server does when it builds its
// geocoder (storetest.BenchEachAddressPoint).
func BenchmarkEachAddressPoint(b *testing.B) {
	storetest.BenchEachAddressPoint(b, *gazetteerPoints, openGazetteer)
}

func openGazetteer(b *testing.B) store.Gazetteer {
	return openTest(b, filepath.Join(b.TempDir(), "aidmap.db"))
}

package osmbuild

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkBuild builds the fixture town (zooms 0-15) from memory; elements/s is the
// OpenStreetMap elements read per second of the whole build. For a real extract, time
// `aidmap basemap build` (see the package doc for Monaco's numbers).
func BenchmarkBuild(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "city.osm"))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var elements int64
	for b.Loop() {
		sum, err := Build(context.Background(), bytes.NewReader(data), io.Discard, Options{TempDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		elements += sum.Elements()
	}
	b.ReportMetric(float64(elements)/b.Elapsed().Seconds(), "elements/s")
}

// BenchmarkBuildExtract builds the real extract named by $AIDMAP_BENCH_OSM (skipped when
// unset: extracts are not committed), for profiles of the whole build, e.g.
//
//	AIDMAP_BENCH_OSM=liechtenstein-latest.osm.pbf go test ./basemap/osmbuild -run '^$' \
//	    -bench BuildExtract -benchtime 1x -cpuprofile cpu.out
func BenchmarkBuildExtract(b *testing.B) {
	path := os.Getenv("AIDMAP_BENCH_OSM")
	if path == "" {
		b.Skip("set AIDMAP_BENCH_OSM to an .osm.pbf extract")
	}
	dir := b.TempDir()
	var elements int64
	for b.Loop() {
		sum, err := BuildFile(context.Background(), path, filepath.Join(dir, "out.pmtiles"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		elements += sum.Elements()
	}
	b.ReportMetric(float64(elements)/b.Elapsed().Seconds(), "elements/s")
}

package points

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/paulmach/osm"
)

// writeSyntheticCSV writes n OpenAddresses rows shaped like real ones (a US county file:
// about 90 bytes a row, hash and id columns included) to a file in dir.
func writeSyntheticCSV(tb testing.TB, dir string, n int) string {
	tb.Helper()
	p := filepath.Join(dir, "synthetic.csv")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH\n")
	streets := []string{"Main Street", "West 4th Avenue", "Rue Sainte-Catherine Ouest", "221A Street", "Kingsway"}
	var line []byte
	for i := 0; i < n; i++ {
		line = line[:0]
		line = strconv.AppendFloat(line, -123.2+float64(i%100000)*1e-6, 'f', 7, 64)
		line = append(line, ',')
		line = strconv.AppendFloat(line, 49.2+float64(i/100000)*1e-4, 'f', 7, 64)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(i%9000+1), 10)
		line = append(line, ',')
		line = append(line, streets[i%len(streets)]...)
		if i%7 == 0 {
			line = append(line, ",203"...)
		} else {
			line = append(line, ',')
		}
		line = append(line, ",Vancouver,,BC,V6B 1A1,"...)
		line = strconv.AppendInt(line, int64(i), 10)
		line = fmt.Appendf(line, ",%016x\n", uint64(i)*0x9E3779B97F4A7C15)
		w.Write(line)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return p
}

// BenchmarkReadOpenAddresses reads a synthetic file of 1M rows through OpenFile, as the
// import command does, and reports the time and allocations per point and the largest
// heap seen while reading (sampled every 50 batches), to show the read streams.
func BenchmarkReadOpenAddresses(b *testing.B) {
	const rows = 1_000_000
	path := writeSyntheticCSV(b, b.TempDir(), rows)
	b.ReportAllocs()
	var maxHeap uint64
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	allocs0 := ms.Mallocs
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, c, err := OpenFile(context.Background(), path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for batches := 0; ; batches++ {
			pts, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += len(pts)
			if batches%50 == 0 {
				b.StopTimer()
				runtime.ReadMemStats(&ms)
				maxHeap = max(maxHeap, ms.HeapInuse)
				b.StartTimer()
			}
		}
		c.Close()
		if n != rows {
			b.Fatalf("read %d points, want %d", n, rows)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	perPoint := float64(b.Elapsed().Nanoseconds()) / float64(b.N*rows)
	b.ReportMetric(perPoint, "ns/point")
	b.ReportMetric(1e9/perPoint, "points/s")
	b.ReportMetric(float64(ms.Mallocs-allocs0)/float64(b.N*rows), "allocs/point")
	b.ReportMetric(float64(maxHeap)/(1<<20), "MB-max-heap")
}

// BenchmarkReadOSMPBF reads a synthetic extract: 200k nodes of which 20k carry an address,
// and 20k four-cornered buildings with one.
func BenchmarkReadOSMPBF(b *testing.B) {
	o := &osm.OSM{}
	id := int64(1)
	tags := osm.Tags{{Key: "addr:housenumber", Value: "12"}, {Key: "addr:street", Value: "Main Street"}, {Key: "addr:city", Value: "Vancouver"}}
	for i := 0; i < 200_000; i++ {
		n := &osm.Node{ID: osm.NodeID(id), Lon: -123 + float64(i%1000)*1e-5, Lat: 49 + float64(i/1000)*1e-5}
		if i%10 == 0 {
			n.Tags = tags
		}
		o.Nodes = append(o.Nodes, n)
		id++
	}
	for i := 0; i < 20_000; i++ {
		base := int64(i*4 + 1)
		o.Ways = append(o.Ways, &osm.Way{ID: osm.WayID(i + 1), Tags: tags,
			Nodes: osm.WayNodes{{ID: osm.NodeID(base)}, {ID: osm.NodeID(base + 1)}, {ID: osm.NodeID(base + 2)}, {ID: osm.NodeID(base + 3)}, {ID: osm.NodeID(base)}}})
	}
	path := filepath.Join(b.TempDir(), "synthetic.osm.pbf")
	if err := os.WriteFile(path, encodePBF(o), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		r, c, err := OpenFile(context.Background(), path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			pts, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += len(pts)
		}
		c.Close()
	}
	if n != b.N*40_000 {
		b.Fatalf("read %d points, want %d", n, b.N*40_000)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/point")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkReadGeoJSONL reads 100k OpenAddresses GeoJSON lines from memory.
func BenchmarkReadGeoJSONL(b *testing.B) {
	const rows = 100_000
	var data []byte
	for i := 0; i < rows; i++ {
		data = fmt.Appendf(data, `{"type":"Feature","properties":{"hash":"%016x","number":"%d","street":"West 4th Avenue","unit":"","city":"Vancouver","district":"","region":"BC","postcode":"V6K 1N5","id":"%d"},"geometry":{"type":"Point","coordinates":[%.7f,%.7f]}}`+"\n",
			uint64(i)*0x9E3779B97F4A7C15, i%9000+1, i, -123.2+float64(i)*1e-6, 49.26)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open(context.Background(), "x.geojsonl", bytes.NewReader(data), Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			pts, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += len(pts)
		}
		if n != rows {
			b.Fatalf("read %d, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/point")
}

package tiles

import (
	"bytes"
	"compress/gzip"
	"sync"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
)

func TestCache(t *testing.T) {
	sites := demo.Publisher().PublicSites(demo.Sites(200, 4))
	ix := geo.NewIndex(sites, 5)
	lat, lon := sites[0].Lat, sites[0].Lon
	x, y, _ := tileOf(lat, lon, 12)
	c := NewCache(1 << 20)

	gz, err := c.Gzipped(ix, 12, x, y, geo.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Gunzip(nil, gz)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Render(nil, ix, 12, x, y, geo.Filter{})
	if !bytes.Equal(raw, want) {
		t.Fatal("cached tile differs from Render's")
	}
	again, _ := c.Gzipped(ix, 12, x, y, geo.Filter{})
	if &again[0] != &gz[0] || c.Len() != 1 {
		t.Fatalf("second request was not served from the cache (%d entries)", c.Len())
	}

	// Another filter, and another index version, are other tiles.
	f := geo.Filter{Categories: aidmap.NewCategorySet(aidmap.CategoryShelter)}
	if _, err := c.Gzipped(ix, 12, x, y, f); err != nil {
		t.Fatal(err)
	}
	next := ix.Apply(nil, 6)
	if _, err := c.Gzipped(next, 12, x, y, geo.Filter{}); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 3 {
		t.Fatalf("got %d entries, want 3", c.Len())
	}

	// An empty tile is cached as nil.
	if gz, err := c.Gzipped(ix, 12, 0, 0, geo.Filter{}); err != nil || gz != nil {
		t.Fatalf("empty tile: got %d bytes, %v", len(gz), err)
	}
	if _, err := c.Gzipped(ix, 23, 0, 0, geo.Filter{}); err == nil {
		t.Fatal("z23: got no error")
	}
}

func TestCacheEvicts(t *testing.T) {
	ix := geo.NewIndex(demo.World(5000, 2), 1)
	c := NewCache(8 << 10)
	for x := range 4 {
		for y := range 4 {
			if _, err := c.Gzipped(ix, 2, x, y, geo.Filter{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	c.mu.Lock()
	size, n := c.size, c.order.Len()
	c.mu.Unlock()
	if size > 8<<10 || n == 16 || n == 0 {
		t.Fatalf("cache holds %d tiles in %d bytes, want fewer than 16 within 8 KiB", n, size)
	}
}

func TestGzipPooled(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw := bytes.Repeat([]byte{byte(i)}, 1000+i)
			for _, level := range []int{gzip.BestSpeed, gzip.DefaultCompression, gzip.BestCompression, 99} {
				gz := Gzip([]byte("prefix"), raw, level)
				if string(gz[:6]) != "prefix" {
					t.Error("dst prefix lost")
					return
				}
				back, err := Gunzip(nil, gz[6:])
				if err != nil || !bytes.Equal(back, raw) {
					t.Errorf("level %d: round trip failed: %v", level, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

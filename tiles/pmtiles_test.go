package tiles

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/pmtiles"
)

// TestExportRoundTrip writes archives and reads every tile back with package pmtiles'
// directory reader (checked against go-pmtiles in internal/pmtilescompat): each tile is the
// one Render makes, every tile holding a site is there and no empty one is, and the counts of
// each zoom sum to the sites.
func TestExportRoundTrip(t *testing.T) {
	sites := testSites(3000, 5)
	ix := geo.NewIndex(sites, 3)
	for _, tc := range []struct {
		name     string
		min, max int
		f        geo.Filter
	}{
		{"z0-16", 0, 16, geo.Filter{}},
		{"z3-9 food banks", 3, 9, geo.Filter{Categories: aidmap.NewCategorySet(aidmap.CategoryFoodBank)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			var progress []int
			st, err := Export(&buf, ix, ExportOptions{MinZoom: tc.min, MaxZoom: tc.max, Filter: tc.f, TempDir: t.TempDir(),
				Progress: func(z, n int) { progress = append(progress, z) }})
			if err != nil {
				t.Fatal(err)
			}
			if len(progress) != tc.max-tc.min+1 {
				t.Errorf("progress for zooms %v", progress)
			}
			data := buf.Bytes()
			h, err := pmtiles.ParseHeader(data)
			if err != nil {
				t.Fatal(err)
			}
			if h.TileType != pmtiles.MVT || h.TileCompression != pmtiles.Gzip || !h.Clustered ||
				int(h.MinZoom) != tc.min || int(h.MaxZoom) != tc.max || int(h.AddressedTilesCount) != st.Tiles {
				t.Fatalf("header %+v, stats %+v", h, st)
			}
			t.Logf("%d tiles, %d bytes of tiles, leaf directories %d bytes", st.Tiles, st.TileBytes, h.LeafDirectoryLength)
			var entries []pmtiles.Entry
			fetch := func(off, n uint64) ([]byte, error) {
				if off+n > uint64(len(data)) {
					return nil, io.ErrUnexpectedEOF
				}
				return data[off : off+n], nil
			}
			if err := pmtiles.IterateEntries(h, fetch, func(e pmtiles.Entry) { entries = append(entries, e) }); err != nil {
				t.Fatal(err)
			}
			if len(entries) != st.Tiles {
				t.Fatalf("read %d entries, wrote %d tiles", len(entries), st.Tiles)
			}

			want := map[uint64]bool{} // tiles holding a matching site, by the reference formula
			perZoom := map[int]int{}
			for i := range sites {
				s := &sites[i]
				if tc.f.Categories != 0 && s.CategorySet()&tc.f.Categories == 0 {
					continue
				}
				lat, lon := s.Lat, s.Lon
				for z := tc.min; z <= tc.max; z++ {
					if x, y, ok := tileOf(lat, lon, z); ok {
						want[pmtiles.ZxyToID(uint8(z), uint32(x), uint32(y))] = true
						perZoom[z]++
					}
				}
			}
			got := map[int]int{}
			for i, e := range entries {
				if i > 0 && e.TileID <= entries[i-1].TileID {
					t.Fatalf("entries out of order at %d", i)
				}
				if !want[e.TileID] {
					t.Errorf("tile %d is in the archive but holds no site", e.TileID)
				}
				delete(want, e.TileID)
				z, x, y := pmtiles.IDToZxy(e.TileID)
				raw, err := Gunzip(nil, data[h.TileDataOffset+e.Offset:h.TileDataOffset+e.Offset+uint64(e.Length)])
				if err != nil {
					t.Fatal(err)
				}
				direct, err := Render(nil, ix, int(z), int(x), int(y), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				gotF, wantF := decode(t, raw), decode(t, direct)
				if !slices.EqualFunc(gotF, wantF, func(a, b feature) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
					t.Errorf("tile %d/%d/%d differs from Render's", z, x, y)
				}
				for _, f := range gotF {
					got[int(z)] += count(t, f)
				}
			}
			if len(want) > 0 {
				t.Errorf("%d tiles holding sites are missing", len(want))
			}
			for z := tc.min; z <= tc.max; z++ {
				if got[z] != perZoom[z] {
					t.Errorf("z%d: archive counts %d sites, want %d", z, got[z], perZoom[z])
				}
			}
		})
	}
}

func TestExportBadZooms(t *testing.T) {
	ix := geo.NewIndex(testSites(10, 1), 1)
	for _, o := range []ExportOptions{{MinZoom: -1, MaxZoom: 3}, {MinZoom: 5, MaxZoom: 4}, {MinZoom: 0, MaxZoom: 23}} {
		if _, err := Export(io.Discard, ix, o); err == nil {
			t.Errorf("%+v: got no error", o)
		}
	}
}

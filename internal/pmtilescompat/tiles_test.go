package pmtilescompat_test

import (
	"bytes"
	"testing"

	gopmtiles "github.com/protomaps/go-pmtiles/pmtiles"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/tiles"
)

// TestTilesExportGoPMTiles checks that go-pmtiles reads what tiles.Export (aidmap tiles
// export) writes: the header it declares, and every tile entry.
func TestTilesExportGoPMTiles(t *testing.T) {
	ix := geo.NewIndex(demo.Publisher().PublicSites(demo.Sites(2000, 3)), 1)
	var buf bytes.Buffer
	st, err := tiles.Export(&buf, ix, tiles.ExportOptions{MinZoom: 0, MaxZoom: 12, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	h, err := gopmtiles.DeserializeHeader(data[:gopmtiles.HeaderV3LenBytes])
	if err != nil {
		t.Fatal(err)
	}
	if h.TileType != gopmtiles.Mvt || h.TileCompression != gopmtiles.Gzip || !h.Clustered || h.MaxZoom != 12 || int(h.AddressedTilesCount) != st.Tiles {
		t.Fatalf("go-pmtiles reads header %+v, export stats %+v", h, st)
	}
	n := 0
	err = gopmtiles.IterateEntries(h, func(off, n uint64) ([]byte, error) { return data[off : off+n], nil }, func(e gopmtiles.EntryV3) {
		blob := data[h.TileDataOffset+e.Offset : h.TileDataOffset+e.Offset+uint64(e.Length)]
		if !bytes.HasPrefix(blob, []byte{0x1f, 0x8b}) {
			t.Errorf("tile %d: not gzip", e.TileID)
		}
		n += int(e.RunLength)
	})
	if err != nil || n != st.Tiles {
		t.Errorf("go-pmtiles read %d tiles (%v), export wrote %d", n, err, st.Tiles)
	}
}

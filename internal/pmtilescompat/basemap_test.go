package pmtilescompat_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	gopmtiles "github.com/protomaps/go-pmtiles/pmtiles"

	"github.com/aidmap/aidmap/basemap"
)

// TestGoPMTilesCompat checks WriteArchive and Open against go-pmtiles, the reference
// implementation (a test-only import: it stays out of the binary). The archive is large
// enough for leaf directories.
func TestGoPMTilesCompat(t *testing.T) {
	tiles := map[maptile.Tile][]byte{}
	for z := maptile.Zoom(0); z <= 7; z++ {
		for x := uint32(0); x < 1<<z; x++ {
			for y := uint32(0); y < 1<<z; y++ {
				// Irregular lengths, so the directory does not compress into the root.
				data := fmt.Appendf(nil, "%d/%d/%d %s", z, x, y, bytes.Repeat([]byte("."), int((x*7919+y*104729)%251)))
				if x%5 == 0 {
					data = []byte("ocean") // deduplicated, and runs of it
				}
				tiles[maptile.New(x, y, z)] = data
			}
		}
	}
	var buf bytes.Buffer
	if err := basemap.WriteArchive(&buf, basemap.Spec{Format: basemap.PNG, Bounds: orb.Bound{Min: orb.Point{-180, -85}, Max: orb.Point{180, 85}},
		Metadata: map[string]any{"name": "compat"}, Tiles: tiles}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()

	h, err := gopmtiles.DeserializeHeader(data[:gopmtiles.HeaderV3LenBytes])
	if err != nil {
		t.Fatal(err)
	}
	if h.LeafDirectoryLength == 0 {
		t.Error("no leaf directories: the test does not cover them")
	}
	meta, err := gopmtiles.DeserializeMetadata(bytes.NewReader(data[h.MetadataOffset:h.MetadataOffset+h.MetadataLength]), h.InternalCompression)
	if err != nil || meta["name"] != "compat" {
		t.Errorf("go-pmtiles metadata: %v, %v", meta, err)
	}
	got := 0
	err = gopmtiles.IterateEntries(h, func(off, n uint64) ([]byte, error) { return data[off : off+n], nil }, func(e gopmtiles.EntryV3) {
		blob := data[h.TileDataOffset+e.Offset : h.TileDataOffset+e.Offset+uint64(e.Length)]
		for i := range uint64(e.RunLength) {
			z, x, y := gopmtiles.IDToZxy(e.TileID + i)
			if want := tiles[maptile.New(x, y, maptile.Zoom(z))]; !bytes.Equal(blob, want) {
				t.Fatalf("go-pmtiles reads tile %d/%d/%d as %q, want %q", z, x, y, blob, want)
			}
			got++
		}
	})
	if err != nil || got != len(tiles) {
		t.Errorf("go-pmtiles read %d tiles (%v), want %d", got, err, len(tiles))
	}

	// The other way: the same entries, directories and header written by go-pmtiles.
	var entries []gopmtiles.EntryV3
	gopmtiles.IterateEntries(h, func(off, n uint64) ([]byte, error) { return data[off : off+n], nil }, func(e gopmtiles.EntryV3) { entries = append(entries, e) })
	root, leaves, _ := gopmtiles.BuildDirectories(entries, 16384-gopmtiles.HeaderV3LenBytes, gopmtiles.Gzip)
	gmeta, _ := gopmtiles.SerializeMetadata(map[string]any{"name": "theirs"}, gopmtiles.Gzip)
	th := h
	th.RootLength = uint64(len(root))
	th.MetadataOffset = th.RootOffset + th.RootLength
	th.MetadataLength = uint64(len(gmeta))
	th.LeafDirectoryOffset = th.MetadataOffset + th.MetadataLength
	th.LeafDirectoryLength = uint64(len(leaves))
	th.TileDataOffset = th.LeafDirectoryOffset + th.LeafDirectoryLength
	theirs := bytes.Join([][]byte{gopmtiles.SerializeHeader(th), root, gmeta, leaves, data[h.TileDataOffset:]}, nil)
	a, err := basemap.OpenBytes("theirs", theirs)
	if err != nil {
		t.Fatal(err)
	}
	for tile, want := range tiles {
		b, err := a.Tile(context.Background(), int(tile.Z), int(tile.X), int(tile.Y))
		if err != nil || !bytes.Equal(b, want) {
			t.Fatalf("tile %v: got %q, %v; want %q", tile, b, err, want)
		}
	}
}

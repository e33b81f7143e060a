package basemap

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/aidmap/aidmap/pmtiles"
)

// Spec is what WriteArchive writes: tiles already encoded (and compressed as Gzip says), with
// the header fields MapLibre and TileJSON need.
type Spec struct {
	Format   Format
	Gzip     bool // tiles are gzip-compressed (the PMTiles tile_compression field)
	Bounds   orb.Bound
	Center   orb.Point // lon, lat
	CenterZ  int
	Metadata map[string]any // name, attribution, vector_layers, ...
	Tiles    map[maptile.Tile][]byte
}

// WriteArchive writes spec as a clustered PMTiles v3 archive: header, root directory (with
// leaf directories when the root would pass 16 KiB), metadata, leaves, then tile data in
// tile-ID order. Identical tiles (open ocean) are stored once and runs of them share one
// entry, which is what keeps a world archive small.
func WriteArchive(w io.Writer, spec Spec) error {
	var tt pmtiles.TileType
	switch spec.Format {
	case MVT:
		tt = pmtiles.MVT
	case PNG:
		tt = pmtiles.PNG
	case JPEG:
		tt = pmtiles.JPEG
	case WebP:
		tt = pmtiles.WebP
	case AVIF:
		tt = pmtiles.AVIF
	default:
		return fmt.Errorf("basemap: write: unknown format %q", spec.Format)
	}
	if len(spec.Tiles) == 0 {
		return fmt.Errorf("basemap: write: no tiles")
	}
	type tile struct {
		id   uint64
		data []byte
	}
	tiles := make([]tile, 0, len(spec.Tiles))
	minZ, maxZ := 255, 0
	for t, data := range spec.Tiles {
		tiles = append(tiles, tile{pmtiles.ZxyToID(uint8(t.Z), t.X, t.Y), data})
		minZ, maxZ = min(minZ, int(t.Z)), max(maxZ, int(t.Z))
	}
	slices.SortFunc(tiles, func(a, b tile) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})

	var (
		data    bytes.Buffer
		entries []pmtiles.Entry
		seen    = map[uint64]pmtiles.Entry{} // content hash -> where it is stored
	)
	for _, t := range tiles {
		h := fnv.New64a()
		h.Write(t.data)
		sum := h.Sum64()
		stored, dup := seen[sum]
		if dup && !bytes.Equal(data.Bytes()[stored.Offset:stored.Offset+uint64(stored.Length)], t.data) {
			dup = false // a hash collision: store this one too
		}
		if !dup {
			stored = pmtiles.Entry{Offset: uint64(data.Len()), Length: uint32(len(t.data))}
			data.Write(t.data)
			seen[sum] = stored
		}
		if n := len(entries); n > 0 {
			last := &entries[n-1]
			if last.Offset == stored.Offset && last.Length == stored.Length && last.TileID+uint64(last.RunLength) == t.id {
				last.RunLength++
				continue
			}
		}
		entries = append(entries, pmtiles.Entry{TileID: t.id, Offset: stored.Offset, Length: stored.Length, RunLength: 1})
	}

	root, leaves, err := pmtiles.BuildDirectories(entries, pmtiles.MaxRootLen, pmtiles.Gzip)
	if err != nil {
		return fmt.Errorf("basemap: write: %w", err)
	}
	meta := map[string]any{}
	maps.Copy(meta, spec.Metadata)
	metaBytes, err := pmtiles.SerializeMetadata(meta, pmtiles.Gzip)
	if err != nil {
		return fmt.Errorf("basemap: write: metadata: %w", err)
	}
	tc := pmtiles.NoCompression
	if spec.Gzip {
		tc = pmtiles.Gzip
	}
	e7 := func(v float64) int32 { return int32(v * 1e7) }
	h := pmtiles.Header{
		RootOffset:          pmtiles.HeaderLen,
		RootLength:          uint64(len(root)),
		MetadataOffset:      pmtiles.HeaderLen + uint64(len(root)),
		MetadataLength:      uint64(len(metaBytes)),
		AddressedTilesCount: uint64(len(tiles)),
		TileEntriesCount:    uint64(len(entries)),
		TileContentsCount:   uint64(len(seen)),
		Clustered:           true,
		InternalCompression: pmtiles.Gzip,
		TileCompression:     tc,
		TileType:            tt,
		MinZoom:             uint8(minZ),
		MaxZoom:             uint8(maxZ),
		MinLonE7:            e7(spec.Bounds.Min.Lon()),
		MinLatE7:            e7(spec.Bounds.Min.Lat()),
		MaxLonE7:            e7(spec.Bounds.Max.Lon()),
		MaxLatE7:            e7(spec.Bounds.Max.Lat()),
		CenterZoom:          uint8(spec.CenterZ),
		CenterLonE7:         e7(spec.Center.Lon()),
		CenterLatE7:         e7(spec.Center.Lat()),
	}
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.LeafDirectoryLength = uint64(len(leaves))
	h.TileDataOffset = h.LeafDirectoryOffset + h.LeafDirectoryLength
	h.TileDataLength = uint64(data.Len())

	for _, b := range [][]byte{h.Serialize(), root, metaBytes, leaves, data.Bytes()} {
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("basemap: write: %w", err)
		}
	}
	return nil
}

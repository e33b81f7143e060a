package tiles

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/pmtiles"
)

// ExportOptions says which tiles Export writes.
type ExportOptions struct {
	MinZoom, MaxZoom int        // inclusive, 0 <= MinZoom <= MaxZoom <= MaxZoom
	Filter           geo.Filter // the zero value for every site
	// TempDir holds the tile data while the directory is built ("" for the system's).
	TempDir string
	// Progress, when set, is called after each zoom with the tiles written so far.
	Progress func(z, tiles int)
}

// ExportStats describes a written archive.
type ExportStats struct {
	Tiles     int   // non-empty tiles written
	TileBytes int64 // gzipped tile data
}

// rootDirMax is the most bytes the root directory may take: the first 16 KiB of an archive
// (header and root) are all a client fetches before its first tile.
const rootDirMax = pmtiles.MaxRootLen

// Export writes the sites layer of ix for the zooms of opt as one PMTiles v3 archive to w:
// gzipped MVT tiles, clustered (in tile ID order), with the TileJSON fields as metadata.
// Tiles with no site are left out. The tile data is staged in a temporary file, as the
// directory, which comes first, is known only once every tile is written.
//
// The tiles are those Render makes, so an exported archive shows what the server shows.
func Export(w io.Writer, ix *geo.Index, opt ExportOptions) (ExportStats, error) {
	var st ExportStats
	if opt.MinZoom < 0 || opt.MaxZoom > MaxZoom || opt.MinZoom > opt.MaxZoom {
		return st, fmt.Errorf("tiles: export zooms %d-%d: %w", opt.MinZoom, opt.MaxZoom,
			&aidmap.FieldError{Field: "zoom", Value: fmt.Sprintf("%d-%d", opt.MinZoom, opt.MaxZoom), Reason: fmt.Sprintf("must be within 0-%d, min before max", MaxZoom)})
	}
	tmp, err := os.CreateTemp(opt.TempDir, "aidmap-tiles-*.data")
	if err != nil {
		return st, fmt.Errorf("tiles: export: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	var (
		entries []pmtiles.Entry
		offset  uint64
		raw, gz []byte
		ids     []uint64
	)
	for z := opt.MinZoom; z <= opt.MaxZoom; z++ {
		ids = tileIDs(ids[:0], ix, z, opt.Filter)
		for _, id := range ids {
			_, x, y := pmtiles.IDToZxy(id)
			raw, err = Render(raw[:0], ix, z, int(x), int(y), opt.Filter)
			if err != nil {
				return st, fmt.Errorf("tiles: export: %w", err)
			}
			if len(raw) == 0 {
				continue
			}
			gz = Gzip(gz[:0], raw, 9)
			if _, err := tmp.Write(gz); err != nil {
				return st, fmt.Errorf("tiles: export: %w", err)
			}
			entries = append(entries, pmtiles.Entry{TileID: id, Offset: offset, Length: uint32(len(gz)), RunLength: 1})
			offset += uint64(len(gz))
		}
		if opt.Progress != nil {
			opt.Progress(z, len(entries))
		}
	}
	st.Tiles, st.TileBytes = len(entries), int64(offset)

	root, leaves, err := pmtiles.BuildDirectories(entries, rootDirMax, pmtiles.Gzip)
	if err != nil {
		return st, fmt.Errorf("tiles: export: %w", err)
	}
	meta, err := exportMetadata(ix)
	if err != nil {
		return st, err
	}
	h := pmtiles.Header{
		RootOffset:          pmtiles.HeaderLen,
		RootLength:          uint64(len(root)),
		MetadataOffset:      pmtiles.HeaderLen + uint64(len(root)),
		MetadataLength:      uint64(len(meta)),
		LeafDirectoryLength: uint64(len(leaves)),
		TileDataLength:      offset,
		AddressedTilesCount: uint64(len(entries)),
		TileEntriesCount:    uint64(len(entries)),
		TileContentsCount:   uint64(len(entries)),
		Clustered:           true,
		InternalCompression: pmtiles.Gzip,
		TileCompression:     pmtiles.Gzip,
		TileType:            pmtiles.MVT,
		MinZoom:             uint8(opt.MinZoom),
		MaxZoom:             uint8(opt.MaxZoom),
	}
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.TileDataOffset = h.LeafDirectoryOffset + h.LeafDirectoryLength
	b := publishedBounds(ix)
	h.MinLonE7, h.MinLatE7, h.MaxLonE7, h.MaxLatE7 = e7(b[0]), e7(b[1]), e7(b[2]), e7(b[3])
	h.CenterLonE7, h.CenterLatE7 = e7((b[0]+b[2])/2), e7((b[1]+b[3])/2)
	h.CenterZoom = uint8(opt.MinZoom)

	for _, part := range [][]byte{h.Serialize(), root, meta, leaves} {
		if _, err := w.Write(part); err != nil {
			return st, fmt.Errorf("tiles: export: %w", err)
		}
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return st, fmt.Errorf("tiles: export: %w", err)
	}
	if _, err := io.Copy(w, tmp); err != nil {
		return st, fmt.Errorf("tiles: export: %w", err)
	}
	return st, nil
}

// tileIDs appends the sorted PMTiles IDs of the tiles at zoom z holding a site matching f,
// by the rule Render places sites with (latitude against row edges below IndividualZoom).
func tileIDs(dst []uint64, ix *geo.Index, z int, f geo.Filter) []uint64 {
	n := 1 << uint(z)
	ix.VisitBBox(geo.BBox{MinLon: -180, MinLat: -90, MaxLon: 180, MaxLat: 90}, f, func(h geo.Hit) {
		lat, lon := h.Point()
		wx, wy := project(lat, lon)
		x, y := int(wx*float64(n)), int(math.Floor(wy*float64(n)))
		if z < IndividualZoom {
			// North edges are inclusive: match clusterUnits exactly at a row edge.
			if y >= 0 && y < n && lat > tileLat(z, y) {
				y--
			} else if y+1 < n && y >= 0 && lat <= tileLat(z, y+1) {
				y++
			}
		}
		if y < 0 || y >= n || x < 0 || x >= n {
			return
		}
		dst = append(dst, pmtiles.ZxyToID(uint8(z), uint32(x), uint32(y)))
	})
	slices.Sort(dst)
	return slices.Compact(dst)
}

// exportMetadata is the archive's JSON metadata: the TileJSON fields, without tile URLs.
func exportMetadata(ix *geo.Index) ([]byte, error) {
	doc, err := TileJSON(ix, "")
	if err != nil {
		return nil, fmt.Errorf("tiles: export metadata: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, fmt.Errorf("tiles: export metadata: %w", err)
	}
	delete(m, "tiles")
	delete(m, "tilejson")
	delete(m, "scheme")
	m["format"] = "pbf"
	meta, err := pmtiles.SerializeMetadata(m, pmtiles.Gzip)
	if err != nil {
		return nil, fmt.Errorf("tiles: export metadata: %w", err)
	}
	return meta, nil
}

func e7(deg float64) int32 { return int32(math.Round(deg * 1e7)) }

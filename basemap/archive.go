package basemap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/pmtiles"
)

// Limits that keep a corrupt or hostile archive from making the server allocate without
// bound: PMTiles directories are small (the root fits in 16 KiB; leaves are a few hundred KiB).
// Package pmtiles bounds decompressed directories and metadata the same way.
const (
	maxDirectoryBytes = pmtiles.MaxDirectoryBytes // one stored directory
	maxMetadataBytes  = pmtiles.MaxMetadataBytes  // decompressed metadata JSON
	maxTileBytes      = 64 << 20                  // one stored tile
	maxLeafCache      = 1024                      // leaf directories kept in memory
	headerLen         = pmtiles.HeaderLen
)

// Format is a tile format as it appears in URLs and TileJSON: "mvt", "png", "jpg", "webp" or
// "avif".
type Format string

// Tile formats an archive may hold.
const (
	MVT  Format = "mvt"
	PNG  Format = "png"
	JPEG Format = "jpg"
	WebP Format = "webp"
	AVIF Format = "avif"
)

// ContentType is the HTTP media type of a tile in this format.
func (f Format) ContentType() string {
	switch f {
	case MVT:
		return "application/vnd.mapbox-vector-tile"
	case PNG:
		return "image/png"
	case JPEG:
		return "image/jpeg"
	case WebP:
		return "image/webp"
	case AVIF:
		return "image/avif"
	}
	return "application/octet-stream"
}

// Vector reports whether tiles are vector tiles (a MapLibre "vector" source) rather than
// images (a "raster" source).
func (f Format) Vector() bool { return f == MVT }

// Info describes an archive from its header.
type Info struct {
	Format   Format
	Gzip     bool       // tiles are stored gzip-compressed
	MinZoom  int        // inclusive
	MaxZoom  int        // inclusive
	Bounds   [4]float64 // west, south, east, north in degrees (WGS84)
	Center   [3]float64 // lon, lat, zoom
	Tiles    uint64     // addressed tiles
	Metadata []byte     // the archive's JSON metadata object ("{}" when it has none)
}

// Entry locates one tile's bytes in an archive; Find returns it without reading the tile, so
// a conditional request can be answered from the directory alone.
type Entry struct {
	offset uint64 // from the start of the archive
	length uint32
	etag   string
}

// ETag is a strong entity tag for the tile as stored (quoted). Tiles shared by many positions
// (deduplicated ocean tiles) share it.
func (e Entry) ETag() string { return e.etag }

// Archive is an open PMTiles v3 archive. It keeps the header, the root directory and the
// metadata in memory and reads tiles (and leaf directories, cached) on demand; it is safe
// for concurrent use.
type Archive struct {
	name   string
	src    source
	header pmtiles.Header
	info   Info
	root   []pmtiles.Entry
	id     string // identity of the archive's content, for ETags

	mu     sync.Mutex
	leaves map[uint64][]pmtiles.Entry // by offset in the leaf section
}

// source reads byte ranges of an archive.
type source interface {
	readRange(ctx context.Context, off, n int64) ([]byte, error)
	size() int64 // -1 when unknown (remote)
	Close() error
}

// Open opens the archive at location: a local path, a file:// URL or an http(s) URL served
// with range requests (object stores that publish over HTTPS work that way). It reads and
// checks the header, root directory and metadata, so a file that is empty, not PMTiles, of
// another spec version, or truncated fails here with a message that says which.
func Open(ctx context.Context, location string) (*Archive, error) {
	var (
		src source
		err error
	)
	switch {
	case strings.HasPrefix(location, "http://"), strings.HasPrefix(location, "https://"):
		src, err = openHTTP(ctx, location)
	case strings.HasPrefix(location, "file://"):
		src, err = openFile(strings.TrimPrefix(location, "file://"))
	case strings.Contains(location, "://"):
		return nil, fmt.Errorf("basemap: %s: unsupported URL scheme; give a local file or an http(s) URL", location)
	default:
		src, err = openFile(location)
	}
	if err != nil {
		return nil, err
	}
	a, err := open(ctx, location, src)
	if err != nil {
		src.Close()
		return nil, err
	}
	return a, nil
}

// OpenBytes opens an archive held in memory (the embedded default basemap, tests).
func OpenBytes(name string, b []byte) (*Archive, error) {
	return open(context.Background(), name, bytesSource(b))
}

func open(ctx context.Context, name string, src source) (*Archive, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("basemap: %s: %w: "+format, append([]any{name, aidmap.ErrInvalid}, args...)...)
	}
	if size := src.size(); size == 0 {
		return nil, fail("the file is empty, not a PMTiles archive")
	} else if size > 0 && size < headerLen {
		return nil, fail("%d bytes is too short for a PMTiles archive (the header alone is %d)", size, headerLen)
	}
	hb, err := src.readRange(ctx, 0, headerLen)
	if err != nil {
		return nil, fmt.Errorf("basemap: %s: read header: %w", name, err)
	}
	if len(hb) < headerLen || string(hb[:7]) != "PMTiles" {
		return nil, fail("not a PMTiles archive (no PMTiles magic number at the start)")
	}
	if v := hb[7]; v != 3 {
		if v < 3 {
			return nil, fail("PMTiles spec version %d is not supported; convert it to version 3 with `pmtiles convert`", v)
		}
		return nil, fail("PMTiles spec version %d is not supported; this aidmap reads version 3", v)
	}
	h, err := pmtiles.ParseHeader(hb)
	if err != nil {
		return nil, fail("%v", err)
	}
	a := &Archive{name: name, src: src, header: h, leaves: map[uint64][]pmtiles.Entry{}}
	if a.info.Format, err = tileFormat(h.TileType); err != nil {
		return nil, fail("%v", err)
	}
	switch h.TileCompression {
	case pmtiles.NoCompression, pmtiles.UnknownCompression:
	case pmtiles.Gzip:
		a.info.Gzip = true
	default:
		return nil, fail("tiles are compressed with %s, which browsers cannot take from a tile source; rebuild the archive with gzip or no tile compression", h.TileCompression)
	}
	if c := h.InternalCompression; c != pmtiles.NoCompression && c != pmtiles.Gzip {
		return nil, fail("directories are compressed with %s; only gzip and none are supported", c)
	}
	if h.MinZoom > h.MaxZoom || h.MaxZoom > 30 {
		return nil, fail("zoom range %d-%d is not valid", h.MinZoom, h.MaxZoom)
	}
	if size := src.size(); size > 0 {
		for _, r := range []struct {
			what     string
			off, len uint64
		}{
			{"root directory", h.RootOffset, h.RootLength},
			{"metadata", h.MetadataOffset, h.MetadataLength},
			{"leaf directories", h.LeafDirectoryOffset, h.LeafDirectoryLength},
			{"tile data", h.TileDataOffset, h.TileDataLength},
		} {
			if r.off > uint64(size) || r.len > uint64(size)-r.off {
				return nil, fail("%s at %d+%d lies past the end of the %d-byte file (truncated?)", r.what, r.off, r.len, size)
			}
		}
	}
	if h.RootLength == 0 || h.RootLength > maxDirectoryBytes {
		return nil, fail("root directory length %d is not valid", h.RootLength)
	}
	rb, err := src.readRange(ctx, int64(h.RootOffset), int64(h.RootLength))
	if err != nil {
		return nil, fmt.Errorf("basemap: %s: read root directory: %w", name, err)
	}
	if a.root, err = pmtiles.DeserializeEntries(rb, h.InternalCompression); err != nil {
		return nil, fail("root directory: %v", err)
	}
	if len(a.root) == 0 {
		return nil, fail("the archive holds no tiles")
	}
	meta := []byte("{}")
	if h.MetadataLength > 0 {
		if h.MetadataLength > maxMetadataBytes {
			return nil, fail("metadata length %d is too large", h.MetadataLength)
		}
		mb, err := src.readRange(ctx, int64(h.MetadataOffset), int64(h.MetadataLength))
		if err != nil {
			return nil, fmt.Errorf("basemap: %s: read metadata: %w", name, err)
		}
		if meta, err = pmtiles.Decompress(mb, h.InternalCompression, maxMetadataBytes); err != nil {
			return nil, fail("metadata: %v", err)
		}
		var obj map[string]any
		if err := json.Unmarshal(meta, &obj); err != nil {
			return nil, fail("metadata is not a JSON object: %v", err)
		}
	}
	const e7 = 1e7
	a.info.MinZoom, a.info.MaxZoom = int(h.MinZoom), int(h.MaxZoom)
	a.info.Bounds = [4]float64{float64(h.MinLonE7) / e7, float64(h.MinLatE7) / e7, float64(h.MaxLonE7) / e7, float64(h.MaxLatE7) / e7}
	a.info.Center = [3]float64{float64(h.CenterLonE7) / e7, float64(h.CenterLatE7) / e7, float64(h.CenterZoom)}
	a.info.Tiles = h.AddressedTilesCount
	a.info.Metadata = meta

	sum := fnv.New64a()
	sum.Write(hb)
	sum.Write(rb)
	sum.Write(meta)
	a.id = fmt.Sprintf("%016x", sum.Sum64())
	return a, nil
}

// Name is the location the archive was opened from.
func (a *Archive) Name() string { return a.name }

// Info describes the archive.
func (a *Archive) Info() Info { return a.info }

// Close releases the archive's file.
func (a *Archive) Close() error { return a.src.Close() }

// Find looks tile z/x/y up in the directories. It returns an error wrapping aidmap.ErrNotFound
// when the archive has no such tile (outside its zooms or its area) and aidmap.ErrInvalid when
// z/x/y is not a tile at all.
func (a *Archive) Find(ctx context.Context, z, x, y int) (Entry, error) {
	if z < 0 || z > 30 || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return Entry{}, fmt.Errorf("basemap: tile %d/%d/%d: %w: no such tile", z, x, y, aidmap.ErrInvalid)
	}
	if z < a.info.MinZoom || z > a.info.MaxZoom {
		return Entry{}, fmt.Errorf("basemap: tile %d/%d/%d: %w: the archive has zooms %d-%d", z, x, y, aidmap.ErrNotFound, a.info.MinZoom, a.info.MaxZoom)
	}
	id := pmtiles.ZxyToID(uint8(z), uint32(x), uint32(y))
	dir := a.root
	for depth := 0; depth < 4; depth++ {
		e, ok := pmtiles.FindTile(dir, id)
		if !ok {
			break
		}
		if e.RunLength > 0 {
			if e.Length == 0 || e.Length > maxTileBytes {
				return Entry{}, fmt.Errorf("basemap: %s: tile %d/%d/%d: %w: entry length %d", a.name, z, x, y, aidmap.ErrInvalid, e.Length)
			}
			return Entry{
				offset: a.header.TileDataOffset + e.Offset,
				length: e.Length,
				etag:   fmt.Sprintf(`"%s-%x-%x"`, a.id, e.Offset, e.Length),
			}, nil
		}
		leaf, err := a.leaf(ctx, e.Offset, e.Length)
		if err != nil {
			return Entry{}, err
		}
		dir = leaf
	}
	return Entry{}, fmt.Errorf("basemap: tile %d/%d/%d: %w", z, x, y, aidmap.ErrNotFound)
}

// Read returns a tile's bytes as stored: gzip-compressed when Info().Gzip.
func (a *Archive) Read(ctx context.Context, e Entry) ([]byte, error) {
	b, err := a.src.readRange(ctx, int64(e.offset), int64(e.length))
	if err != nil {
		return nil, fmt.Errorf("basemap: %s: read tile: %w", a.name, err)
	}
	return b, nil
}

// Tile finds and reads tile z/x/y, decompressed: for callers that want the MVT or image
// itself (tests, tools).
func (a *Archive) Tile(ctx context.Context, z, x, y int) ([]byte, error) {
	e, err := a.Find(ctx, z, x, y)
	if err != nil {
		return nil, err
	}
	b, err := a.Read(ctx, e)
	if err != nil {
		return nil, err
	}
	if a.info.Gzip || (a.header.TileCompression == pmtiles.UnknownCompression && isGzip(b)) {
		b, err := pmtiles.Decompress(b, pmtiles.Gzip, maxTileBytes)
		if err != nil {
			return nil, fmt.Errorf("basemap: %s: tile %d/%d/%d: %w", a.name, z, x, y, err)
		}
		return b, nil
	}
	return b, nil
}

// IsGzip reports whether a tile as stored (Read) is gzip-compressed. Archives that leave
// tile compression unknown are sniffed.
func (a *Archive) IsGzip(stored []byte) bool {
	return a.info.Gzip || (a.header.TileCompression == pmtiles.UnknownCompression && isGzip(stored))
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

func (a *Archive) leaf(ctx context.Context, off uint64, n uint32) ([]pmtiles.Entry, error) {
	a.mu.Lock()
	dir, ok := a.leaves[off]
	a.mu.Unlock()
	if ok {
		return dir, nil
	}
	if uint64(n) > maxDirectoryBytes || off > a.header.LeafDirectoryLength || uint64(n) > a.header.LeafDirectoryLength-off {
		return nil, fmt.Errorf("basemap: %s: %w: leaf directory %d+%d outside the leaf section", a.name, aidmap.ErrInvalid, off, n)
	}
	b, err := a.src.readRange(ctx, int64(a.header.LeafDirectoryOffset+off), int64(n))
	if err != nil {
		return nil, fmt.Errorf("basemap: %s: read leaf directory: %w", a.name, err)
	}
	dir, err = pmtiles.DeserializeEntries(b, a.header.InternalCompression)
	if err != nil {
		return nil, fmt.Errorf("basemap: %s: %w: leaf directory: %v", a.name, aidmap.ErrInvalid, err)
	}
	a.mu.Lock()
	if len(a.leaves) >= maxLeafCache {
		clear(a.leaves) // a whole-planet archive has thousands of leaves; start over rather than track use
	}
	a.leaves[off] = dir
	a.mu.Unlock()
	return dir, nil
}

func tileFormat(t pmtiles.TileType) (Format, error) {
	switch t {
	case pmtiles.MVT:
		return MVT, nil
	case pmtiles.PNG:
		return PNG, nil
	case pmtiles.JPEG:
		return JPEG, nil
	case pmtiles.WebP:
		return WebP, nil
	case pmtiles.AVIF:
		return AVIF, nil
	case pmtiles.MLT:
		return "", errors.New("tiles are MapLibre Tiles (MLT), which the map page does not read yet; use an MVT archive")
	}
	return "", fmt.Errorf("unknown tile type %d", t)
}

// TileJSON returns a TileJSON 3.0.0 document for the archive with tiles at tilesURL, an
// absolute URL template ending in /{z}/{x}/{y}.<format>. The metadata's vector_layers,
// name, attribution, description and version are carried over; extra is merged in last.
func (a *Archive) TileJSON(tilesURL string, extra map[string]any) ([]byte, error) {
	var meta map[string]any
	_ = json.Unmarshal(a.info.Metadata, &meta) // checked at open
	tj := map[string]any{
		"tilejson": "3.0.0",
		"scheme":   "xyz",
		"tiles":    []string{tilesURL},
		"minzoom":  a.info.MinZoom,
		"maxzoom":  a.info.MaxZoom,
		"bounds":   a.info.Bounds,
		"center":   a.info.Center,
		"format":   string(a.info.Format),
	}
	for _, k := range []string{"name", "attribution", "description", "version"} {
		if v, ok := meta[k]; ok {
			tj[k] = v
		}
	}
	// TileJSON 3.0 asks for vector_layers with vector tiles, but an archive whose metadata has
	// none (older Protomaps builds) gets none: MapLibre checks style layers against the list
	// and would warn about every one.
	if layers, ok := meta["vector_layers"].([]any); ok && len(layers) > 0 && a.info.Format.Vector() {
		tj["vector_layers"] = layers
	}
	for k, v := range extra {
		tj[k] = v
	}
	b, err := json.Marshal(tj)
	if err != nil {
		return nil, fmt.Errorf("basemap: tilejson: %w", err)
	}
	return b, nil
}

// ---- sources ------------------------------------------------------------------------------

type fileSource struct {
	f *os.File
	n int64
}

func openFile(path string) (source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("basemap: %w (give --basemap a PMTiles file)", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("basemap: %w", err)
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("basemap: %s: %w: is a directory, not a PMTiles file", path, aidmap.ErrInvalid)
	}
	return &fileSource{f: f, n: st.Size()}, nil
}

func (s *fileSource) readRange(_ context.Context, off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > s.n || n > s.n-off {
		return nil, fmt.Errorf("range %d+%d outside the %d-byte file", off, n, s.n)
	}
	b := make([]byte, n)
	if _, err := s.f.ReadAt(b, off); err != nil {
		return nil, err
	}
	return b, nil
}
func (s *fileSource) size() int64  { return s.n }
func (s *fileSource) Close() error { return s.f.Close() }

type bytesSource []byte

func (s bytesSource) readRange(_ context.Context, off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > int64(len(s)) || n > int64(len(s))-off {
		return nil, fmt.Errorf("range %d+%d outside the %d-byte archive", off, n, len(s))
	}
	return s[off : off+n : off+n], nil
}
func (s bytesSource) size() int64  { return int64(len(s)) }
func (s bytesSource) Close() error { return nil }

// httpSource reads ranges with one HTTP Range request each, refusing a server that ignores
// Range (it would send the whole archive for every tile).
type httpSource struct {
	r pmtiles.HTTPReader
}

func openHTTP(_ context.Context, location string) (source, error) {
	u, err := url.Parse(location)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("basemap: %s: %w: not a URL", location, aidmap.ErrInvalid)
	}
	if strings.HasSuffix(u.Path, "/") || u.Path == "" {
		return nil, fmt.Errorf("basemap: %s: %w: the URL names no file", location, aidmap.ErrInvalid)
	}
	return &httpSource{r: pmtiles.HTTPReader{URL: location}}, nil
}

func (s *httpSource) readRange(ctx context.Context, off, n int64) ([]byte, error) {
	return s.r.ReadRange(ctx, off, n)
}
func (s *httpSource) size() int64  { return -1 }
func (s *httpSource) Close() error { return nil }

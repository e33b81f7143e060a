package pmtiles

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// HeaderLen is the size of the fixed header at the start of every version 3 archive.
const HeaderLen = 127

// MaxRootLen is the most bytes the root directory may take: the spec requires the header and
// the (compressed) root directory to fit in the first 16 KiB, which latency-optimised clients
// fetch in one request.
const MaxRootLen = 16384 - HeaderLen

// magic opens every archive.
const magic = "PMTiles"

// ErrNotPMTiles is returned by ParseHeader for bytes that do not start with the PMTiles magic
// number.
var ErrNotPMTiles = errors.New("pmtiles: not a PMTiles archive (no PMTiles magic number at the start)")

// VersionError is returned by ParseHeader for an archive of a spec version other than 3.
type VersionError struct{ Version uint8 }

func (e *VersionError) Error() string {
	if e.Version < 3 {
		return fmt.Sprintf("pmtiles: spec version %d is not supported; convert the archive to version 3 (pmtiles convert)", e.Version)
	}
	return fmt.Sprintf("pmtiles: spec version %d is not supported; only version 3 is read", e.Version)
}

// Header is the fixed-size header of a version 3 archive. Offsets are from the start of the
// archive and lengths in bytes; positions are degrees times 10^7 (WGS84, as the spec encodes
// them).
type Header struct {
	RootOffset          uint64
	RootLength          uint64
	MetadataOffset      uint64
	MetadataLength      uint64
	LeafDirectoryOffset uint64
	LeafDirectoryLength uint64 // 0: no leaf directories
	TileDataOffset      uint64
	TileDataLength      uint64
	AddressedTilesCount uint64 // tiles before run-length encoding; 0 when unknown
	TileEntriesCount    uint64 // entries with RunLength > 0; 0 when unknown
	TileContentsCount   uint64 // distinct tile blobs; 0 when unknown
	Clustered           bool   // tile data is in tile ID order
	InternalCompression Compression
	TileCompression     Compression
	TileType            TileType
	MinZoom             uint8
	MaxZoom             uint8
	MinLonE7            int32
	MinLatE7            int32
	MaxLonE7            int32
	MaxLatE7            int32
	CenterZoom          uint8
	CenterLonE7         int32
	CenterLatE7         int32
}

// Serialize encodes h as the 127-byte version 3 header.
func (h Header) Serialize() []byte { return h.AppendTo(make([]byte, 0, HeaderLen)) }

// AppendTo appends the 127-byte encoding of h to dst.
func (h Header) AppendTo(dst []byte) []byte {
	le := binary.LittleEndian
	dst = append(dst, magic...)
	dst = append(dst, 3)
	for _, v := range [...]uint64{
		h.RootOffset, h.RootLength, h.MetadataOffset, h.MetadataLength,
		h.LeafDirectoryOffset, h.LeafDirectoryLength, h.TileDataOffset, h.TileDataLength,
		h.AddressedTilesCount, h.TileEntriesCount, h.TileContentsCount,
	} {
		dst = le.AppendUint64(dst, v)
	}
	var clustered byte
	if h.Clustered {
		clustered = 1
	}
	dst = append(dst, clustered, byte(h.InternalCompression), byte(h.TileCompression), byte(h.TileType), h.MinZoom, h.MaxZoom)
	for _, v := range [...]int32{h.MinLonE7, h.MinLatE7, h.MaxLonE7, h.MaxLatE7} {
		dst = le.AppendUint32(dst, uint32(v))
	}
	dst = append(dst, h.CenterZoom)
	dst = le.AppendUint32(dst, uint32(h.CenterLonE7))
	return le.AppendUint32(dst, uint32(h.CenterLatE7))
}

// ParseHeader decodes the header from the first 127 bytes of b. It returns ErrNotPMTiles
// without the magic number and a *VersionError for other spec versions. It checks the format
// only: whether the sections lie inside the file is for the caller, who knows its size.
// A clustered byte other than 0 or 1 is read as not clustered, as other readers do.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < len(magic)+1 || string(b[:len(magic)]) != magic {
		return h, ErrNotPMTiles
	}
	if v := b[7]; v != 3 {
		return h, &VersionError{Version: v}
	}
	if len(b) < HeaderLen {
		return h, fmt.Errorf("pmtiles: header: %d bytes, want %d", len(b), HeaderLen)
	}
	le := binary.LittleEndian
	u64 := func(off int) uint64 { return le.Uint64(b[off:]) }
	i32 := func(off int) int32 { return int32(le.Uint32(b[off:])) }
	h = Header{
		RootOffset:          u64(8),
		RootLength:          u64(16),
		MetadataOffset:      u64(24),
		MetadataLength:      u64(32),
		LeafDirectoryOffset: u64(40),
		LeafDirectoryLength: u64(48),
		TileDataOffset:      u64(56),
		TileDataLength:      u64(64),
		AddressedTilesCount: u64(72),
		TileEntriesCount:    u64(80),
		TileContentsCount:   u64(88),
		Clustered:           b[96] == 1,
		InternalCompression: Compression(b[97]),
		TileCompression:     Compression(b[98]),
		TileType:            TileType(b[99]),
		MinZoom:             b[100],
		MaxZoom:             b[101],
		MinLonE7:            i32(102),
		MinLatE7:            i32(106),
		MaxLonE7:            i32(110),
		MaxLatE7:            i32(114),
		CenterZoom:          b[118],
		CenterLonE7:         i32(119),
		CenterLatE7:         i32(123),
	}
	return h, nil
}

// TileType is the format of the tiles in an archive.
type TileType uint8

// Tile types, as the spec numbers them.
const (
	UnknownTileType TileType = 0
	MVT             TileType = 1 // Mapbox Vector Tile
	PNG             TileType = 2
	JPEG            TileType = 3
	WebP            TileType = 4
	AVIF            TileType = 5
	MLT             TileType = 6 // MapLibre Tile
)

// String is the tile type as a file extension ("mvt", "png", "jpg", ...).
func (t TileType) String() string {
	switch t {
	case UnknownTileType:
		return "unknown"
	case MVT:
		return "mvt"
	case PNG:
		return "png"
	case JPEG:
		return "jpg"
	case WebP:
		return "webp"
	case AVIF:
		return "avif"
	case MLT:
		return "mlt"
	}
	return fmt.Sprintf("tile type %d", uint8(t))
}

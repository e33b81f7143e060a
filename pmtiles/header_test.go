package pmtiles

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// sampleHeader has a different value in every field, so a field written at the wrong offset
// shows up.
var sampleHeader = Header{
	RootOffset: 127, RootLength: 2, MetadataOffset: 3, MetadataLength: 4,
	LeafDirectoryOffset: 5, LeafDirectoryLength: 6, TileDataOffset: 7, TileDataLength: 1 << 40,
	AddressedTilesCount: 9, TileEntriesCount: 10, TileContentsCount: 11,
	Clustered: true, InternalCompression: Gzip, TileCompression: NoCompression, TileType: WebP,
	MinZoom: 2, MaxZoom: 14,
	MinLonE7: -1800000000, MinLatE7: -850511287, MaxLonE7: 1800000000, MaxLatE7: 850511287,
	CenterZoom: 7, CenterLonE7: 74200000, CenterLatE7: -435000000,
}

func TestHeaderRoundTrip(t *testing.T) {
	for name, h := range map[string]Header{"zero": {}, "sample": sampleHeader} {
		t.Run(name, func(t *testing.T) {
			b := h.Serialize()
			if len(b) != HeaderLen || string(b[:7]) != "PMTiles" || b[7] != 3 {
				t.Fatalf("got %d bytes starting %q, want %d starting PMTiles\\x03", len(b), b[:8], HeaderLen)
			}
			got, err := ParseHeader(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, h) {
				t.Errorf("got %+v, want %+v", got, h)
			}
		})
	}
}

func TestParseHeaderErrors(t *testing.T) {
	valid := sampleHeader.Serialize()
	with := func(i int, v byte) []byte {
		b := append([]byte(nil), valid...)
		b[i] = v
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		version uint8  // want a *VersionError with this version
		want    string // else an error containing this
	}{
		{"empty", nil, 0, "not a PMTiles archive"},
		{"not pmtiles", []byte(strings.Repeat("x", 200)), 0, "not a PMTiles archive"},
		{"magic only", []byte("PMTiles"), 0, "not a PMTiles archive"},
		{"version 2", with(7, 2), 2, ""},
		{"version 4", with(7, 4), 4, ""},
		{"truncated", valid[:100], 0, "100 bytes, want 127"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHeader(tt.in)
			var ve *VersionError
			switch {
			case err == nil:
				t.Fatal("got no error")
			case tt.version != 0:
				if !errors.As(err, &ve) || ve.Version != tt.version {
					t.Errorf("got %v, want a version %d error", err, tt.version)
				}
			case !strings.Contains(err.Error(), tt.want):
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := ParseHeader(with(7, 2)); !strings.Contains(err.Error(), "convert") {
		t.Errorf("version 2: got %v, want advice to convert", err)
	}
	if _, err := ParseHeader(valid[:7]); !errors.Is(err, ErrNotPMTiles) {
		t.Errorf("7 bytes: got %v, want ErrNotPMTiles", err)
	}
}

func TestParseHeaderClusteredByte(t *testing.T) {
	b := sampleHeader.Serialize()
	for v, want := range map[byte]bool{0: false, 1: true, 2: false} {
		b[96] = v
		if h, err := ParseHeader(b); err != nil || h.Clustered != want {
			t.Errorf("clustered byte %d: got %v, %v; want %v", v, h.Clustered, err, want)
		}
	}
}

func TestNames(t *testing.T) {
	for c, want := range map[Compression]string{UnknownCompression: "unknown", NoCompression: "none", Gzip: "gzip", Brotli: "brotli", Zstd: "zstd", 9: "compression 9"} {
		if got := c.String(); got != want {
			t.Errorf("Compression(%d): got %q, want %q", c, got, want)
		}
	}
	for tt, want := range map[TileType]string{UnknownTileType: "unknown", MVT: "mvt", PNG: "png", JPEG: "jpg", WebP: "webp", AVIF: "avif", MLT: "mlt", 7: "tile type 7"} {
		if got := tt.String(); got != want {
			t.Errorf("TileType(%d): got %q, want %q", tt, got, want)
		}
	}
}

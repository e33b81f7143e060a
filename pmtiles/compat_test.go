package pmtiles

// Compatibility with github.com/protomaps/go-pmtiles, the reference Go implementation: each
// must read what the other writes. go-pmtiles is imported by tests only, so it does not enter
// the aidmap binary.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	gopmtiles "github.com/protomaps/go-pmtiles/pmtiles"
)

func toV3(entries []Entry) []gopmtiles.EntryV3 {
	out := make([]gopmtiles.EntryV3, len(entries))
	for i, e := range entries {
		out[i] = gopmtiles.EntryV3{TileID: e.TileID, Offset: e.Offset, Length: e.Length, RunLength: e.RunLength}
	}
	return out
}

func fromV3(entries []gopmtiles.EntryV3) []Entry {
	out := make([]Entry, len(entries))
	for i, e := range entries {
		out[i] = Entry{TileID: e.TileID, Offset: e.Offset, Length: e.Length, RunLength: e.RunLength}
	}
	return out
}

func headerToV3(h Header) gopmtiles.HeaderV3 {
	return gopmtiles.HeaderV3{
		SpecVersion: 3, RootOffset: h.RootOffset, RootLength: h.RootLength,
		MetadataOffset: h.MetadataOffset, MetadataLength: h.MetadataLength,
		LeafDirectoryOffset: h.LeafDirectoryOffset, LeafDirectoryLength: h.LeafDirectoryLength,
		TileDataOffset: h.TileDataOffset, TileDataLength: h.TileDataLength,
		AddressedTilesCount: h.AddressedTilesCount, TileEntriesCount: h.TileEntriesCount, TileContentsCount: h.TileContentsCount,
		Clustered: h.Clustered, InternalCompression: gopmtiles.Compression(h.InternalCompression),
		TileCompression: gopmtiles.Compression(h.TileCompression), TileType: gopmtiles.TileType(h.TileType),
		MinZoom: h.MinZoom, MaxZoom: h.MaxZoom, MinLonE7: h.MinLonE7, MinLatE7: h.MinLatE7, MaxLonE7: h.MaxLonE7, MaxLatE7: h.MaxLatE7,
		CenterZoom: h.CenterZoom, CenterLonE7: h.CenterLonE7, CenterLatE7: h.CenterLatE7,
	}
}

func TestCompatTileIDs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		z := uint8(r.IntN(MaxZoom + 1))
		x, y := r.Uint32N(1<<z), r.Uint32N(1<<z)
		id := ZxyToID(z, x, y)
		if want := gopmtiles.ZxyToID(z, x, y); id != want {
			t.Fatalf("ZxyToID(%d, %d, %d) = %d, go-pmtiles says %d", z, x, y, id, want)
		}
		if gz, gx, gy := gopmtiles.IDToZxy(id); gz != z || gx != x || gy != y {
			t.Fatalf("go-pmtiles reads ID %d as %d/%d/%d, want %d/%d/%d", id, gz, gx, gy, z, x, y)
		}
	}
}

func TestCompatHeader(t *testing.T) {
	if got, want := sampleHeader.Serialize(), gopmtiles.SerializeHeader(headerToV3(sampleHeader)); !bytes.Equal(got, want) {
		t.Errorf("got % x\nwant % x", got, want)
	}
	theirs, err := gopmtiles.DeserializeHeader(sampleHeader.Serialize())
	if err != nil || theirs != headerToV3(sampleHeader) {
		t.Errorf("go-pmtiles read %+v, %v; want %+v", theirs, err, headerToV3(sampleHeader))
	}
}

// TestCompatDirectories checks that directories are byte for byte what go-pmtiles writes
// (same varints, same gzip level, same leaf sizes), and that each decodes the other's.
func TestCompatDirectories(t *testing.T) {
	for _, n := range []int{1, 300, 5000, 20000} { // 20000: with leaves
		entries := randomEntries(uint64(n), n)
		for _, c := range []Compression{NoCompression, Gzip} {
			t.Run(fmt.Sprintf("%d/%s", n, c), func(t *testing.T) {
				ours, err := SerializeEntries(entries, c)
				if err != nil {
					t.Fatal(err)
				}
				if theirs := gopmtiles.SerializeEntries(toV3(entries), gopmtiles.Compression(c)); !bytes.Equal(ours, theirs) {
					t.Errorf("directory: %d bytes differ from go-pmtiles' %d", len(ours), len(theirs))
				}
				if got := fromV3(gopmtiles.DeserializeEntries(bytes.NewBuffer(ours), gopmtiles.Compression(c))); !reflect.DeepEqual(got, entries) {
					t.Error("go-pmtiles decodes our directory differently")
				}
				root, leaves, err := BuildDirectories(entries, MaxRootLen, c)
				if err != nil {
					t.Fatal(err)
				}
				troot, tleaves, _ := gopmtiles.BuildDirectories(toV3(entries), MaxRootLen, gopmtiles.Compression(c))
				if n == 20000 && len(leaves) == 0 {
					t.Error("no leaf directories: the test does not cover them")
				}
				if !bytes.Equal(root, troot) || !bytes.Equal(leaves, tleaves) {
					t.Errorf("BuildDirectories: root %d and leaves %d bytes, go-pmtiles %d and %d", len(root), len(leaves), len(troot), len(tleaves))
				}
			})
		}
	}
}

// archive is a whole test archive and the tiles it holds.
type archive struct {
	data  []byte
	tiles map[uint64][]byte // by tile ID
}

// tileBlob is the content of tile id: a few distinct blobs repeat, so archives deduplicate.
func tileBlob(id uint64) []byte {
	if id%7 == 0 {
		return []byte("ocean")
	}
	return fmt.Appendf(nil, "tile %d %s", id, bytes.Repeat([]byte{byte(id)}, int(id%97)))
}

// writeOurs writes an archive of tiles z 0-maxZ with this package, as aidmap's writers do:
// deduplicated blobs, runs of identical tiles in one entry, clustered.
func writeOurs(t testing.TB, maxZ uint8, c Compression) archive {
	t.Helper()
	a := archive{tiles: map[uint64][]byte{}}
	var (
		data    []byte
		entries []Entry
		stored  = map[string]Entry{}
	)
	for id := range zoomStart(maxZ + 1) {
		blob := tileBlob(id)
		a.tiles[id] = blob
		e, dup := stored[string(blob)]
		if !dup {
			e = Entry{Offset: uint64(len(data)), Length: uint32(len(blob))}
			data = append(data, blob...)
			stored[string(blob)] = e
		}
		if n := len(entries); n > 0 {
			last := &entries[n-1]
			if last.Offset == e.Offset && last.TileID+uint64(last.RunLength) == id {
				last.RunLength++
				continue
			}
		}
		entries = append(entries, Entry{TileID: id, Offset: e.Offset, Length: e.Length, RunLength: 1})
	}
	root, leaves, err := BuildDirectories(entries, MaxRootLen, c)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := SerializeMetadata(map[string]any{"name": "test", "vector_layers": []any{}}, c)
	if err != nil {
		t.Fatal(err)
	}
	h := Header{
		RootOffset: HeaderLen, RootLength: uint64(len(root)),
		MetadataOffset: HeaderLen + uint64(len(root)), MetadataLength: uint64(len(meta)),
		AddressedTilesCount: uint64(len(a.tiles)), TileEntriesCount: uint64(len(entries)), TileContentsCount: uint64(len(stored)),
		Clustered: true, InternalCompression: c, TileCompression: NoCompression, TileType: MVT,
		MinZoom: 0, MaxZoom: maxZ, MinLonE7: -1800000000, MinLatE7: -850000000, MaxLonE7: 1800000000, MaxLatE7: 850000000,
	}
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.LeafDirectoryLength = uint64(len(leaves))
	h.TileDataOffset = h.LeafDirectoryOffset + h.LeafDirectoryLength
	h.TileDataLength = uint64(len(data))
	a.data = bytes.Join([][]byte{h.Serialize(), root, meta, leaves, data}, nil)
	return a
}

// readOurs reads every tile of want's archive with this package.
func readOurs(t *testing.T, a archive) {
	t.Helper()
	h, err := ParseHeader(a.data)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := DeserializeMetadata(a.data[h.MetadataOffset:h.MetadataOffset+h.MetadataLength], h.InternalCompression)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(meta, &m); err != nil || m["name"] != "test" {
		t.Errorf("metadata %s: %v", meta, err)
	}
	root := a.data[h.RootOffset : h.RootOffset+h.RootLength]
	leaves := a.data[h.LeafDirectoryOffset : h.LeafDirectoryOffset+h.LeafDirectoryLength]
	d := newDirs(t, root, leaves, h.InternalCompression)
	for id, want := range a.tiles {
		e, ok := d.lookup(id)
		if !ok {
			t.Fatalf("tile %d not found", id)
		}
		off := h.TileDataOffset + e.Offset
		if got := a.data[off : off+uint64(e.Length)]; !bytes.Equal(got, want) {
			t.Fatalf("tile %d: got %q, want %q", id, got, want)
		}
	}
}

func TestCompatGoPMTilesReadsOurs(t *testing.T) {
	for _, tt := range []struct {
		maxZ uint8
		c    Compression
	}{{3, NoCompression}, {3, Gzip}, {8, Gzip}} { // zoom 8: 87,381 tiles, with leaf directories
		t.Run(fmt.Sprintf("z%d/%s", tt.maxZ, tt.c), func(t *testing.T) {
			a := writeOurs(t, tt.maxZ, tt.c)
			readOurs(t, a)
			h, err := gopmtiles.DeserializeHeader(a.data[:HeaderLen])
			if err != nil {
				t.Fatal(err)
			}
			meta, err := gopmtiles.DeserializeMetadata(bytes.NewReader(a.data[h.MetadataOffset:h.MetadataOffset+h.MetadataLength]), h.InternalCompression)
			if err != nil || meta["name"] != "test" {
				t.Errorf("go-pmtiles metadata: %v, %v", meta, err)
			}
			got := map[uint64][]byte{}
			err = gopmtiles.IterateEntries(h, func(off, n uint64) ([]byte, error) { return a.data[off : off+n], nil }, func(e gopmtiles.EntryV3) {
				blob := a.data[h.TileDataOffset+e.Offset : h.TileDataOffset+e.Offset+uint64(e.Length)]
				for i := range uint64(e.RunLength) {
					got[e.TileID+i] = blob
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, a.tiles) {
				t.Errorf("go-pmtiles read %d tiles, want %d (or different bytes)", len(got), len(a.tiles))
			}
			if tt.maxZ == 8 && h.LeafDirectoryLength == 0 {
				t.Error("zoom 8 archive has no leaf directories; the test does not cover them")
			}
		})
	}
}

func TestCompatWeReadGoPMTiles(t *testing.T) {
	for _, c := range []Compression{NoCompression, Gzip} {
		t.Run(c.String(), func(t *testing.T) {
			// The same archive, its directories and header written by go-pmtiles.
			a := writeOurs(t, 8, c)
			h, _ := ParseHeader(a.data)
			var entries []gopmtiles.EntryV3
			err := gopmtiles.IterateEntries(headerToV3(h), func(off, n uint64) ([]byte, error) { return a.data[off : off+n], nil }, func(e gopmtiles.EntryV3) { entries = append(entries, e) })
			if err != nil {
				t.Fatal(err)
			}
			gc := gopmtiles.Compression(c)
			root, leaves, _ := gopmtiles.BuildDirectories(entries, MaxRootLen, gc)
			meta, err := gopmtiles.SerializeMetadata(map[string]any{"name": "test"}, gc)
			if err != nil {
				t.Fatal(err)
			}
			tiles := a.data[h.TileDataOffset:]
			th := headerToV3(h)
			th.RootLength = uint64(len(root))
			th.MetadataOffset = HeaderLen + th.RootLength
			th.MetadataLength = uint64(len(meta))
			th.LeafDirectoryOffset = th.MetadataOffset + th.MetadataLength
			th.LeafDirectoryLength = uint64(len(leaves))
			th.TileDataOffset = th.LeafDirectoryOffset + th.LeafDirectoryLength
			readOurs(t, archive{data: bytes.Join([][]byte{gopmtiles.SerializeHeader(th), root, meta, leaves, tiles}, nil), tiles: a.tiles})
		})
	}
}

// BenchmarkDeserializeEntriesGoPMTiles is BenchmarkDeserializeEntries for go-pmtiles, to
// compare.
func BenchmarkDeserializeEntriesGoPMTiles(b *testing.B) {
	dir, _ := SerializeEntries(randomEntries(1, 4096), Gzip)
	b.ReportAllocs()
	for b.Loop() {
		gopmtiles.DeserializeEntries(bytes.NewBuffer(dir), gopmtiles.Gzip)
	}
}

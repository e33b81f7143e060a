package pmtilescompat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	gopmtiles "github.com/protomaps/go-pmtiles/pmtiles"

	"github.com/aidmap/aidmap/pmtiles"
)

func toV3(entries []pmtiles.Entry) []gopmtiles.EntryV3 {
	out := make([]gopmtiles.EntryV3, len(entries))
	for i, e := range entries {
		out[i] = gopmtiles.EntryV3{TileID: e.TileID, Offset: e.Offset, Length: e.Length, RunLength: e.RunLength}
	}
	return out
}

func fromV3(entries []gopmtiles.EntryV3) []pmtiles.Entry {
	out := make([]pmtiles.Entry, len(entries))
	for i, e := range entries {
		out[i] = pmtiles.Entry{TileID: e.TileID, Offset: e.Offset, Length: e.Length, RunLength: e.RunLength}
	}
	return out
}

func headerToV3(h pmtiles.Header) gopmtiles.HeaderV3 {
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

// sampleHeader has a different value in every field, so a field written at the wrong offset
// shows up.
var sampleHeader = pmtiles.Header{
	RootOffset: 127, RootLength: 2, MetadataOffset: 3, MetadataLength: 4,
	LeafDirectoryOffset: 5, LeafDirectoryLength: 6, TileDataOffset: 7, TileDataLength: 1 << 40,
	AddressedTilesCount: 9, TileEntriesCount: 10, TileContentsCount: 11,
	Clustered: true, InternalCompression: pmtiles.Gzip, TileCompression: pmtiles.NoCompression, TileType: pmtiles.WebP,
	MinZoom: 2, MaxZoom: 14,
	MinLonE7: -1800000000, MinLatE7: -850511287, MaxLonE7: 1800000000, MaxLatE7: 850511287,
	CenterZoom: 7, CenterLonE7: 74200000, CenterLatE7: -435000000,
}

// randomEntries makes n sorted entries: runs, gaps, repeated (deduplicated) blobs and
// lengths irregular enough that a directory of many does not compress into 16 KiB.
func randomEntries(seed uint64, n int) []pmtiles.Entry {
	r := rand.New(rand.NewPCG(seed, 7))
	entries := make([]pmtiles.Entry, 0, n)
	var id, off uint64
	for range n {
		id += 1 + uint64(r.IntN(3))
		e := pmtiles.Entry{TileID: id, Length: 1 + uint32(r.IntN(5000)), RunLength: 1}
		switch r.IntN(10) {
		case 0: // a run of identical tiles
			e.RunLength = 2 + uint32(r.IntN(50))
			id += uint64(e.RunLength)
		case 1: // deduplicated: points back at an earlier blob
			if len(entries) > 0 {
				p := entries[r.IntN(len(entries))]
				e.Offset, e.Length = p.Offset, p.Length
				entries = append(entries, e)
				continue
			}
		}
		e.Offset = off
		off += uint64(e.Length)
		entries = append(entries, e)
	}
	return entries
}

func TestCompatTileIDs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		z := uint8(r.IntN(pmtiles.MaxZoom + 1))
		x, y := r.Uint32N(1<<z), r.Uint32N(1<<z)
		id := pmtiles.ZxyToID(z, x, y)
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
		for _, c := range []pmtiles.Compression{pmtiles.NoCompression, pmtiles.Gzip} {
			t.Run(fmt.Sprintf("%d/%s", n, c), func(t *testing.T) {
				ours, err := pmtiles.SerializeEntries(entries, c)
				if err != nil {
					t.Fatal(err)
				}
				if theirs := gopmtiles.SerializeEntries(toV3(entries), gopmtiles.Compression(c)); !bytes.Equal(ours, theirs) {
					t.Errorf("directory: %d bytes differ from go-pmtiles' %d", len(ours), len(theirs))
				}
				if got := fromV3(gopmtiles.DeserializeEntries(bytes.NewBuffer(ours), gopmtiles.Compression(c))); !reflect.DeepEqual(got, entries) {
					t.Error("go-pmtiles decodes our directory differently")
				}
				root, leaves, err := pmtiles.BuildDirectories(entries, pmtiles.MaxRootLen, c)
				if err != nil {
					t.Fatal(err)
				}
				troot, tleaves, _ := gopmtiles.BuildDirectories(toV3(entries), pmtiles.MaxRootLen, gopmtiles.Compression(c))
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

// writeOurs writes an archive of tiles z 0-maxZ with package pmtiles, as aidmap's writers do:
// deduplicated blobs, runs of identical tiles in one entry, clustered.
func writeOurs(t testing.TB, maxZ uint8, c pmtiles.Compression) archive {
	t.Helper()
	a := archive{tiles: map[uint64][]byte{}}
	var (
		data    []byte
		entries []pmtiles.Entry
		stored  = map[string]pmtiles.Entry{}
	)
	for id := range pmtiles.ZxyToID(maxZ+1, 0, 0) { // every tile of zooms 0 to maxZ
		blob := tileBlob(id)
		a.tiles[id] = blob
		e, dup := stored[string(blob)]
		if !dup {
			e = pmtiles.Entry{Offset: uint64(len(data)), Length: uint32(len(blob))}
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
		entries = append(entries, pmtiles.Entry{TileID: id, Offset: e.Offset, Length: e.Length, RunLength: 1})
	}
	root, leaves, err := pmtiles.BuildDirectories(entries, pmtiles.MaxRootLen, c)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := pmtiles.SerializeMetadata(map[string]any{"name": "test", "vector_layers": []any{}}, c)
	if err != nil {
		t.Fatal(err)
	}
	h := pmtiles.Header{
		RootOffset: pmtiles.HeaderLen, RootLength: uint64(len(root)),
		MetadataOffset: pmtiles.HeaderLen + uint64(len(root)), MetadataLength: uint64(len(meta)),
		AddressedTilesCount: uint64(len(a.tiles)), TileEntriesCount: uint64(len(entries)), TileContentsCount: uint64(len(stored)),
		Clustered: true, InternalCompression: c, TileCompression: pmtiles.NoCompression, TileType: pmtiles.MVT,
		MinZoom: 0, MaxZoom: maxZ, MinLonE7: -1800000000, MinLatE7: -850000000, MaxLonE7: 1800000000, MaxLatE7: 850000000,
	}
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.LeafDirectoryLength = uint64(len(leaves))
	h.TileDataOffset = h.LeafDirectoryOffset + h.LeafDirectoryLength
	h.TileDataLength = uint64(len(data))
	a.data = bytes.Join([][]byte{h.Serialize(), root, meta, leaves, data}, nil)
	return a
}

// readOurs reads every tile of a's archive with package pmtiles.
func readOurs(t *testing.T, a archive) {
	t.Helper()
	h, err := pmtiles.ParseHeader(a.data)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := pmtiles.DeserializeMetadata(a.data[h.MetadataOffset:h.MetadataOffset+h.MetadataLength], h.InternalCompression)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(meta, &m); err != nil || m["name"] != "test" {
		t.Errorf("metadata %s: %v", meta, err)
	}
	got := map[uint64][]byte{}
	err = pmtiles.IterateEntries(h, func(off, n uint64) ([]byte, error) { return a.data[off : off+n], nil }, func(e pmtiles.Entry) {
		off := h.TileDataOffset + e.Offset
		for i := range uint64(e.RunLength) {
			got[e.TileID+i] = a.data[off : off+uint64(e.Length)]
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, a.tiles) {
		t.Errorf("read %d tiles, want %d (or different bytes)", len(got), len(a.tiles))
	}
}

func TestCompatGoPMTilesReadsOurs(t *testing.T) {
	for _, tt := range []struct {
		maxZ uint8
		c    pmtiles.Compression
	}{{3, pmtiles.NoCompression}, {3, pmtiles.Gzip}, {8, pmtiles.Gzip}} { // zoom 8: 87,381 tiles, with leaf directories
		t.Run(fmt.Sprintf("z%d/%s", tt.maxZ, tt.c), func(t *testing.T) {
			a := writeOurs(t, tt.maxZ, tt.c)
			readOurs(t, a)
			h, err := gopmtiles.DeserializeHeader(a.data[:pmtiles.HeaderLen])
			if err != nil {
				t.Fatal(err)
			}
			meta, err := gopmtiles.DeserializeMetadata(bytes.NewReader(a.data[h.MetadataOffset:h.MetadataOffset+h.MetadataLength]), h.InternalCompression)
			if err != nil || meta["name"] != "test" {
				t.Errorf("go-pmtiles metadata: %v, %v", meta, err)
			}
			got := map[uint64][]byte{}
			var ours []pmtiles.Entry
			err = gopmtiles.IterateEntries(h, func(off, n uint64) ([]byte, error) { return a.data[off : off+n], nil }, func(e gopmtiles.EntryV3) {
				ours = append(ours, fromV3([]gopmtiles.EntryV3{e})...)
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
			// pmtiles.IterateEntries walks the same entries as go-pmtiles' IterateEntries.
			oh, _ := pmtiles.ParseHeader(a.data)
			var walked []pmtiles.Entry
			if err := pmtiles.IterateEntries(oh, func(off, n uint64) ([]byte, error) { return a.data[off : off+n], nil }, func(e pmtiles.Entry) { walked = append(walked, e) }); err != nil || !reflect.DeepEqual(walked, ours) {
				t.Errorf("pmtiles.IterateEntries: %d entries (%v), go-pmtiles %d", len(walked), err, len(ours))
			}
		})
	}
}

func TestCompatWeReadGoPMTiles(t *testing.T) {
	for _, c := range []pmtiles.Compression{pmtiles.NoCompression, pmtiles.Gzip} {
		t.Run(c.String(), func(t *testing.T) {
			// The same archive, its directories and header written by go-pmtiles.
			a := writeOurs(t, 8, c)
			h, _ := pmtiles.ParseHeader(a.data)
			var entries []gopmtiles.EntryV3
			err := gopmtiles.IterateEntries(headerToV3(h), func(off, n uint64) ([]byte, error) { return a.data[off : off+n], nil }, func(e gopmtiles.EntryV3) { entries = append(entries, e) })
			if err != nil {
				t.Fatal(err)
			}
			gc := gopmtiles.Compression(c)
			root, leaves, _ := gopmtiles.BuildDirectories(entries, pmtiles.MaxRootLen, gc)
			meta, err := gopmtiles.SerializeMetadata(map[string]any{"name": "test"}, gc)
			if err != nil {
				t.Fatal(err)
			}
			tiles := a.data[h.TileDataOffset:]
			th := headerToV3(h)
			th.RootLength = uint64(len(root))
			th.MetadataOffset = pmtiles.HeaderLen + th.RootLength
			th.MetadataLength = uint64(len(meta))
			th.LeafDirectoryOffset = th.MetadataOffset + th.MetadataLength
			th.LeafDirectoryLength = uint64(len(leaves))
			th.TileDataOffset = th.LeafDirectoryOffset + th.LeafDirectoryLength
			readOurs(t, archive{data: bytes.Join([][]byte{gopmtiles.SerializeHeader(th), root, meta, leaves, tiles}, nil), tiles: a.tiles})
		})
	}
}

// FuzzDeserializeEntriesGoPMTiles: a directory pmtiles decodes is one go-pmtiles decodes the
// same way. (pmtiles' own FuzzDeserializeEntries checks it never panics and round-trips; its
// corpus was copied here.)
func FuzzDeserializeEntriesGoPMTiles(f *testing.F) {
	for _, c := range []pmtiles.Compression{pmtiles.NoCompression, pmtiles.Gzip} {
		for _, entries := range [][]pmtiles.Entry{nil, randomEntries(1, 3), randomEntries(2, 50)} {
			b, _ := pmtiles.SerializeEntries(entries, c)
			f.Add(b, c == pmtiles.Gzip)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, gz bool) {
		c := pmtiles.NoCompression
		if gz {
			c = pmtiles.Gzip
		}
		entries, err := pmtiles.DeserializeEntries(b, c)
		if err != nil {
			return
		}
		if theirs := fromV3(gopmtiles.DeserializeEntries(bytes.NewBuffer(bytes.Clone(b)), gopmtiles.Compression(c))); !reflect.DeepEqual(theirs, entries) && len(entries) > 0 {
			t.Errorf("decoded %v, go-pmtiles decodes %v", entries, theirs)
		}
	})
}

// BenchmarkDeserializeEntriesGoPMTiles is pmtiles' BenchmarkDeserializeEntries for
// go-pmtiles, to compare.
func BenchmarkDeserializeEntriesGoPMTiles(b *testing.B) {
	dir, _ := pmtiles.SerializeEntries(randomEntries(1, 4096), pmtiles.Gzip)
	b.ReportAllocs()
	for b.Loop() {
		gopmtiles.DeserializeEntries(bytes.NewBuffer(dir), gopmtiles.Gzip)
	}
}

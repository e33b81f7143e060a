package pmtiles

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// randomEntries makes n sorted entries: runs, gaps, repeated (deduplicated) blobs and
// lengths irregular enough that a directory of many does not compress into 16 KiB.
func randomEntries(seed uint64, n int) []Entry {
	r := rand.New(rand.NewPCG(seed, 7))
	entries := make([]Entry, 0, n)
	var id, off uint64
	for range n {
		id += 1 + uint64(r.IntN(3))
		e := Entry{TileID: id, Length: 1 + uint32(r.IntN(5000)), RunLength: 1}
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

func TestEntriesRoundTrip(t *testing.T) {
	cases := map[string][]Entry{
		"empty": {},
		"one":   {{TileID: 0, Offset: 0, Length: 1, RunLength: 1}},
		"leaf":  {{TileID: 5, Offset: 1337, Length: 42, RunLength: 0}, {TileID: 900, Offset: 1379, Length: 7}},
		"extremes": {{TileID: 0, Offset: math.MaxUint64 - 1, Length: math.MaxUint32, RunLength: math.MaxUint32},
			{TileID: math.MaxUint64, Offset: 0, Length: 1, RunLength: 1}},
		"random": randomEntries(1, 5000),
	}
	for name, entries := range cases {
		for _, c := range []Compression{NoCompression, Gzip} {
			t.Run(name+"/"+c.String(), func(t *testing.T) {
				b, err := SerializeEntries(entries, c)
				if err != nil {
					t.Fatal(err)
				}
				got, err := DeserializeEntries(b, c)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(entries) || (len(got) > 0 && !reflect.DeepEqual(got, entries)) {
					t.Errorf("got %d entries %v..., want %d", len(got), got[:min(3, len(got))], len(entries))
				}
			})
		}
	}
}

// TestEntriesSpecExample checks the encoding byte by byte against the spec's description.
func TestEntriesSpecExample(t *testing.T) {
	entries := []Entry{{TileID: 5, Offset: 0, Length: 10, RunLength: 1}, {TileID: 42, Offset: 10, Length: 3, RunLength: 2}, {TileID: 69, Offset: 0, Length: 10, RunLength: 1}}
	b, err := SerializeEntries(entries, NoCompression)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{3, 5, 37, 27, 1, 2, 1, 10, 3, 10, 1, 0, 1}
	if !bytes.Equal(b, want) {
		t.Errorf("got % x, want % x", b, want)
	}
}

func TestSerializeEntriesErrors(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		c       Compression
		want    string
	}{
		{"unsorted", []Entry{{TileID: 2, Length: 1}, {TileID: 1, Length: 1}}, Gzip, "sorted"},
		{"repeated", []Entry{{TileID: 2, Length: 1}, {TileID: 2, Length: 1}}, Gzip, "sorted"},
		{"zero length", []Entry{{TileID: 2}}, Gzip, "length 0"},
		{"brotli", []Entry{{TileID: 2, Length: 1}}, Brotli, "brotli is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := SerializeEntries(tt.entries, tt.c); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
			if _, _, err := BuildDirectories(tt.entries, MaxRootLen, tt.c); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("BuildDirectories: got %v, want %q", err, tt.want)
			}
		})
	}
}

func uvarints(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// TestDeserializeEntriesHostile feeds directories that go-pmtiles would panic on, loop on or
// allocate gigabytes for.
func TestDeserializeEntriesHostile(t *testing.T) {
	bomb := gzipped(make([]byte, MaxDirectoryBytes+1))
	tests := []struct {
		name string
		in   []byte
		c    Compression
		want string
	}{
		{"empty", nil, NoCompression, "truncated"},
		{"huge count", uvarints(1<<62, 1, 1, 1, 1), NoCompression, "cannot fit"},
		{"truncated", uvarints(2, 300, 1, 1, 1, 1, 1, 1), NoCompression, "truncated"},
		{"overlong varint", append(uvarints(1), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), NoCompression, "overflows"},
		{"repeated tile ID", uvarints(2, 1, 0, 1, 1, 1, 1, 1, 0), NoCompression, "increase"},
		{"tile ID overflow", uvarints(2, math.MaxUint64, 1, 1, 1, 1, 1, 1, 0), NoCompression, "overflows"},
		{"run length", uvarints(1, 1, 1<<32, 1, 1), NoCompression, "run length"},
		{"length 0", uvarints(1, 1, 1, 0, 1), NoCompression, "length 0"},
		{"length", uvarints(1, 1, 1, 1<<32, 1), NoCompression, "length"},
		{"first offset 0", uvarints(1, 1, 1, 1, 0), NoCompression, "offset 0"},
		{"offset overflow", uvarints(2, 1, 1, 1, 1, 2, 1, math.MaxUint64, 0), NoCompression, "overflows"},
		{"not gzip", uvarints(1, 1, 1, 1, 1), Gzip, "gzip"},
		{"gzip bomb", bomb, Gzip, "more than"},
		{"zstd", uvarints(1, 1, 1, 1, 1), Zstd, "zstd is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DeserializeEntries(tt.in, tt.c)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "pmtiles: directory: ") {
				t.Errorf("got %v, %v; want an error about %q", got, err, tt.want)
			}
		})
	}
}

func TestFindTile(t *testing.T) {
	dir := []Entry{
		{TileID: 5, Offset: 0, Length: 1, RunLength: 1},
		{TileID: 10, Offset: 1, Length: 1, RunLength: 3}, // 10, 11, 12
		{TileID: 20, Offset: 2, Length: 1, RunLength: 0}, // a leaf from 20 on
		{TileID: 1 << 63, Offset: 3, Length: 1, RunLength: 1},
	}
	tests := []struct {
		id   uint64
		want int // index in dir, -1 for not found
	}{
		{0, -1}, {4, -1}, {5, 0}, {6, -1}, {10, 1}, {12, 1}, {13, -1}, {20, 2}, {21, 2}, {1<<63 - 1, 2},
		{1 << 63, 3}, {1<<63 + 1, -1}, {math.MaxUint64, -1},
	}
	for _, tt := range tests {
		e, ok := FindTile(dir, tt.id)
		if tt.want < 0 && ok {
			t.Errorf("FindTile(%d) = %+v, want none", tt.id, e)
		}
		if tt.want >= 0 && (!ok || e != dir[tt.want]) {
			t.Errorf("FindTile(%d) = %+v, %v; want %+v", tt.id, e, ok, dir[tt.want])
		}
	}
	if _, ok := FindTile(nil, 0); ok {
		t.Error("FindTile in an empty directory found something")
	}
}

// dirs reads an archive's directories as a reader does, decoding each leaf once.
type dirs struct {
	t      testing.TB
	root   []Entry
	leaves []byte
	c      Compression
	cache  map[uint64][]Entry
}

func newDirs(t testing.TB, root, leaves []byte, c Compression) *dirs {
	t.Helper()
	r, err := DeserializeEntries(root, c)
	if err != nil {
		t.Fatal(err)
	}
	return &dirs{t: t, root: r, leaves: leaves, c: c, cache: map[uint64][]Entry{}}
}

// lookup finds a tile through the root and leaf directories.
func (d *dirs) lookup(id uint64) (Entry, bool) {
	d.t.Helper()
	dir := d.root
	for range 3 {
		e, ok := FindTile(dir, id)
		if !ok || e.RunLength > 0 {
			return e, ok
		}
		leaf, ok := d.cache[e.Offset]
		if !ok {
			var err error
			if leaf, err = DeserializeEntries(d.leaves[e.Offset:e.Offset+uint64(e.Length)], d.c); err != nil {
				d.t.Fatal(err)
			}
			d.cache[e.Offset] = leaf
		}
		dir = leaf
	}
	d.t.Fatal("directories nest deeper than a leaf")
	return Entry{}, false
}

func TestBuildDirectories(t *testing.T) {
	tests := []struct {
		name       string
		entries    []Entry
		c          Compression
		wantLeaves bool
	}{
		{"small gzip", randomEntries(2, 100), Gzip, false},
		{"small none", randomEntries(3, 100), NoCompression, false},
		{"leaves gzip", randomEntries(4, 20000), Gzip, true},
		{"leaves none", randomEntries(5, 20000), NoCompression, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, leaves, err := BuildDirectories(tt.entries, MaxRootLen, tt.c)
			if err != nil {
				t.Fatal(err)
			}
			if len(root) > MaxRootLen {
				t.Errorf("root is %d bytes, more than %d", len(root), MaxRootLen)
			}
			if (len(leaves) > 0) != tt.wantLeaves {
				t.Errorf("got %d bytes of leaves, want leaves: %v", len(leaves), tt.wantLeaves)
			}
			d := newDirs(t, root, leaves, tt.c)
			r := rand.New(rand.NewPCG(9, 9))
			for range 2000 {
				want := tt.entries[r.IntN(len(tt.entries))]
				id := want.TileID + uint64(r.Uint32N(want.RunLength))
				if got, ok := d.lookup(id); !ok || got != want {
					t.Fatalf("tile %d: got %+v, %v; want %+v", id, got, ok, want)
				}
			}
		})
	}
}

func TestBuildDirectoriesRootTooSmall(t *testing.T) {
	if _, _, err := BuildDirectories(randomEntries(6, 10000), 10, Gzip); err == nil || !strings.Contains(err.Error(), "cannot fit") {
		t.Errorf("got %v, want an error that the root cannot fit", err)
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	meta := map[string]any{"name": "Test <city>", "vector_layers": []any{map[string]any{"id": "sites"}}}
	for _, c := range []Compression{NoCompression, Gzip} {
		b, err := SerializeMetadata(meta, c)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := DeserializeMetadata(b, c)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), `"name":"Test \u003ccity\u003e"`) {
			t.Errorf("%s: got %s", c, raw)
		}
	}
	if b, _ := SerializeMetadata(nil, NoCompression); string(b) != "{}" {
		t.Errorf("nil metadata: got %s, want {}", b)
	}
	for _, bad := range []string{"", "null", "[1]", "{"} {
		if _, err := DeserializeMetadata([]byte(bad), NoCompression); err == nil {
			t.Errorf("metadata %q: got no error", bad)
		}
	}
	if _, err := DeserializeMetadata(gzipped(make([]byte, MaxMetadataBytes+1)), Gzip); err == nil {
		t.Error("metadata bomb: got no error")
	}
}

func TestDecompress(t *testing.T) {
	if _, err := Decompress([]byte("abc"), NoCompression, 2); err == nil {
		t.Error("uncompressed past the limit: got no error")
	}
	if b, err := Decompress(gzipped([]byte("hello")), Gzip, 5); err != nil || string(b) != "hello" {
		t.Errorf("got %q, %v; want hello", b, err)
	}
	for _, size := range []uint32{0, 1 << 31} { // a gzip trailer that lies about the size
		b := gzipped([]byte("hello"))
		binary.LittleEndian.PutUint32(b[len(b)-4:], size)
		if _, err := Decompress(b, Gzip, 1<<20); err == nil {
			t.Errorf("gzip claiming %d bytes: got no error", size)
		}
	}
	if _, err := Decompress(gzipped([]byte("hello!")), Gzip, 5); err == nil || !strings.HasPrefix(err.Error(), "pmtiles: ") {
		t.Errorf("gzip past the limit: got %v", err)
	}
}

func BenchmarkDeserializeEntries(b *testing.B) {
	dir, _ := SerializeEntries(randomEntries(1, 4096), Gzip)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DeserializeEntries(dir, Gzip); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindTile(b *testing.B) {
	entries := randomEntries(1, 4096)
	for i := 0; b.Loop(); i++ {
		FindTile(entries, entries[i%len(entries)].TileID)
	}
}

// TestIterateEntries reads back every entry of directories with leaves, in order, and fails
// on a leaf that points at itself.
func TestIterateEntries(t *testing.T) {
	entries := randomEntries(5, 20000)
	root, leaves, err := BuildDirectories(entries, MaxRootLen, Gzip)
	if err != nil {
		t.Fatal(err)
	}
	if len(leaves) == 0 {
		t.Fatal("no leaf directories: the test does not cover them")
	}
	h := Header{RootOffset: HeaderLen, RootLength: uint64(len(root)), LeafDirectoryOffset: HeaderLen + uint64(len(root)),
		LeafDirectoryLength: uint64(len(leaves)), InternalCompression: Gzip}
	data := append(append(make([]byte, HeaderLen), root...), leaves...)
	read := func(off, n uint64) ([]byte, error) { return data[off : off+n], nil }
	var got []Entry
	if err := IterateEntries(h, read, func(e Entry) { got = append(got, e) }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, entries) {
		t.Errorf("got %d entries, want the %d written", len(got), len(entries))
	}

	// A root whose one entry is a leaf pointing at the root itself.
	loop, err := SerializeEntries([]Entry{{TileID: 0, Offset: 0, Length: 1, RunLength: 0}}, NoCompression)
	if err != nil {
		t.Fatal(err)
	}
	data = append(make([]byte, HeaderLen), loop...)
	h = Header{RootOffset: HeaderLen, RootLength: uint64(len(loop)), LeafDirectoryOffset: HeaderLen, InternalCompression: NoCompression}
	loopRead := func(off, n uint64) ([]byte, error) { return data[HeaderLen : HeaderLen+uint64(len(loop))], nil }
	if err := IterateEntries(h, loopRead, func(Entry) {}); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("a leaf pointing at the root: got %v, want an error about nesting", err)
	}
}

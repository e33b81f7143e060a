package pmtiles

import (
	"bytes"
	"fmt"
	"testing"
)

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
// deduplicated blobs, runs of identical tiles in one entry, clustered. The HTTP reader's tests
// read it; internal/pmtilescompat has a copy that go-pmtiles reads.
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

package pmtiles

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Entry is one directory entry: RunLength tiles from TileID on stored at Offset (from the
// start of the tile data section), or, with RunLength 0, a leaf directory holding tiles from
// TileID on at Offset (from the start of the leaf directories section). Length is the stored,
// compressed size.
type Entry struct {
	TileID    uint64
	Offset    uint64
	Length    uint32
	RunLength uint32
}

// SerializeEntries encodes a directory and compresses it as c (the header's internal
// compression): the entry count, then delta-encoded tile IDs, run lengths, lengths and
// offsets, each a varint, with an offset written as 0 when it follows the previous entry's
// bytes. Entries must be in increasing tile ID order with non-zero lengths.
func SerializeEntries(entries []Entry, c Compression) ([]byte, error) {
	if err := checkEntries(entries); err != nil {
		return nil, err
	}
	return compress(appendEntries(make([]byte, 0, 1+len(entries)*8), entries), c)
}

func checkEntries(entries []Entry) error {
	for i, e := range entries {
		if e.Length == 0 {
			return fmt.Errorf("pmtiles: directory entry %d (tile ID %d) has length 0", i, e.TileID)
		}
		if i > 0 && e.TileID <= entries[i-1].TileID {
			return fmt.Errorf("pmtiles: directory entry %d: tile ID %d after %d; entries must be sorted by tile ID, without repeats", i, e.TileID, entries[i-1].TileID)
		}
	}
	return nil
}

// appendEntries appends the uncompressed encoding of entries to dst.
func appendEntries(dst []byte, entries []Entry) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(entries)))
	var last uint64
	for _, e := range entries {
		dst = binary.AppendUvarint(dst, e.TileID-last)
		last = e.TileID
	}
	for _, e := range entries {
		dst = binary.AppendUvarint(dst, uint64(e.RunLength))
	}
	for _, e := range entries {
		dst = binary.AppendUvarint(dst, uint64(e.Length))
	}
	for i, e := range entries {
		if i > 0 && e.Offset == entries[i-1].Offset+uint64(entries[i-1].Length) {
			dst = binary.AppendUvarint(dst, 0)
		} else {
			dst = binary.AppendUvarint(dst, e.Offset+1)
		}
	}
	return dst
}

// DeserializeEntries decodes a directory compressed as c. Unlike go-pmtiles it trusts nothing
// in the bytes: a truncated or corrupt directory, an entry count the bytes cannot hold, tile
// IDs that do not increase, values out of range, a zero length or an offset that overflows is
// an error; the result takes at most 24 bytes per 4 bytes of decompressed input.
func DeserializeEntries(b []byte, c Compression) ([]Entry, error) {
	raw, err := decompress(b, c, MaxDirectoryBytes)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: directory: %w", err)
	}
	entries, err := decodeEntries(raw)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: directory: %w", err)
	}
	return entries, nil
}

var errTruncated = errors.New("truncated")

func decodeEntries(raw []byte) ([]Entry, error) {
	next := func() (uint64, error) {
		v, n := binary.Uvarint(raw)
		if n <= 0 {
			if n < 0 {
				return 0, errors.New("varint overflows 64 bits")
			}
			return 0, errTruncated
		}
		raw = raw[n:]
		return v, nil
	}
	n, err := next()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(raw))/4 { // each entry takes at least four one-byte varints
		return nil, fmt.Errorf("%d entries cannot fit in %d bytes", n, len(raw))
	}
	entries := make([]Entry, n)
	var last uint64
	for i := range entries {
		d, err := next()
		if err != nil {
			return nil, err
		}
		if i > 0 && d == 0 {
			return nil, fmt.Errorf("entry %d: tile IDs must increase", i)
		}
		if d > math.MaxUint64-last {
			return nil, fmt.Errorf("entry %d: tile ID overflows", i)
		}
		last += d
		entries[i].TileID = last
	}
	for i := range entries {
		v, err := next()
		if err != nil {
			return nil, err
		}
		if v > math.MaxUint32 {
			return nil, fmt.Errorf("entry %d: run length %d out of range", i, v)
		}
		entries[i].RunLength = uint32(v)
	}
	for i := range entries {
		v, err := next()
		if err != nil {
			return nil, err
		}
		if v == 0 || v > math.MaxUint32 {
			return nil, fmt.Errorf("entry %d: length %d out of range", i, v)
		}
		entries[i].Length = uint32(v)
	}
	for i := range entries {
		v, err := next()
		if err != nil {
			return nil, err
		}
		switch {
		case v > 0:
			entries[i].Offset = v - 1
		case i == 0:
			return nil, errors.New("entry 0: offset 0 means \"after the previous entry\", and there is none")
		default:
			p := entries[i-1]
			if p.Offset > math.MaxUint64-uint64(p.Length) {
				return nil, fmt.Errorf("entry %d: offset overflows", i)
			}
			entries[i].Offset = p.Offset + uint64(p.Length)
		}
	}
	return entries, nil
}

// FindTile returns the entry of a directory (sorted by tile ID) that holds tileID: a tile
// entry whose run covers it, or the leaf directory entry (RunLength 0) to look in next.
func FindTile(entries []Entry, tileID uint64) (Entry, bool) {
	i, found := slices.BinarySearchFunc(entries, tileID, func(e Entry, id uint64) int {
		switch {
		case e.TileID < id:
			return -1
		case e.TileID > id:
			return 1
		}
		return 0
	})
	if found {
		return entries[i], true
	}
	if i == 0 {
		return Entry{}, false
	}
	e := entries[i-1] // the last entry before tileID
	if e.RunLength == 0 || tileID-e.TileID < uint64(e.RunLength) {
		return e, true
	}
	return Entry{}, false
}

// BuildDirectories encodes entries (sorted by tile ID, see SerializeEntries) as a root
// directory of at most targetRootLen bytes (normally MaxRootLen) and, when the entries do not
// fit there, leaf directories, concatenated: the root then holds one entry per leaf, with
// offsets into leaves. Leaves start at 4096 entries (or 1/3500 of them, for huge archives)
// and grow by a fifth until the root fits, as go-pmtiles and other writers do, so readers
// fetch few, moderately sized leaves. Both are compressed as c.
func BuildDirectories(entries []Entry, targetRootLen int, c Compression) (root, leaves []byte, err error) {
	if err := checkEntries(entries); err != nil {
		return nil, nil, err
	}
	raw := appendEntries(nil, entries)
	if root, err = compress(raw, c); err != nil {
		return nil, nil, err
	}
	if len(root) <= targetRootLen {
		return root, nil, nil
	}
	leafSize := max(4096, float32(len(entries))/3500) // float32 as go-pmtiles, so both cut the same leaves
	var rootEntries []Entry
	for {
		size := int(leafSize)
		rootEntries, leaves = rootEntries[:0], leaves[:0]
		for i := 0; i < len(entries); i += size {
			leaf := entries[i:min(i+size, len(entries))]
			raw = appendEntries(raw[:0], leaf)
			b, err := compress(raw, c)
			if err != nil {
				return nil, nil, err
			}
			if len(b) > math.MaxUint32 {
				return nil, nil, fmt.Errorf("pmtiles: a leaf directory of %d entries takes %d bytes", len(leaf), len(b))
			}
			rootEntries = append(rootEntries, Entry{TileID: leaf[0].TileID, Offset: uint64(len(leaves)), Length: uint32(len(b))})
			leaves = append(leaves, b...)
		}
		raw = appendEntries(raw[:0], rootEntries)
		if root, err = compress(raw, c); err != nil {
			return nil, nil, err
		}
		if len(root) <= targetRootLen {
			return root, leaves, nil
		}
		if size >= len(entries) { // one leaf, and still its root entry does not fit
			return nil, nil, fmt.Errorf("pmtiles: a root directory cannot fit in %d bytes", targetRootLen)
		}
		leafSize *= 1.2
	}
}

// maxLeafDepth is how deep leaf directories may nest under the root: writers (this package,
// go-pmtiles, tippecanoe) use one level; readers allow a little more and refuse loops.
const maxLeafDepth = 3

// IterateEntries calls fn with every tile entry of an archive (RunLength > 0), in tile-ID
// order, reading the root directory and the leaf directories it points to through read
// (offset and length in bytes from the start of the archive). It fails with read's error, a
// directory's decoding error, or when leaves nest deeper than a few levels.
func IterateEntries(h Header, read func(off, n uint64) ([]byte, error), fn func(Entry)) error {
	var walk func(off, n uint64, depth int) error
	walk = func(off, n uint64, depth int) error {
		if depth > maxLeafDepth {
			return fmt.Errorf("pmtiles: leaf directories nest deeper than %d levels", maxLeafDepth)
		}
		b, err := read(off, n)
		if err != nil {
			return err
		}
		entries, err := DeserializeEntries(b, h.InternalCompression)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.RunLength > 0 {
				fn(e)
				continue
			}
			if err := walk(h.LeafDirectoryOffset+e.Offset, uint64(e.Length), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(h.RootOffset, h.RootLength, 0)
}

package osmbuild

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// A PBF file is a header blob and then data blobs, each a zlib-compressed block of a few
// thousand elements. Every pass of the build used to inflate every blob of the file, though
// the relation pass needs only the last blobs and the node pass only the first: with three
// passes, two thirds of the inflating was for blocks the pass then skipped.
//
// pbfIndex lists the blobs with the type of each one's first group of elements, learnt by
// inflating only the front of the blob (its string table and the first group's key). In a
// file sorted by type and then ID (the header says so: Sort.Type_then_ID, as Geofabrik's
// extracts and osmium's output do), a blob holds only types from its own first type to the
// next blob's, so each pass reads the blobs that can hold its type and seeks past the rest.
// An unsorted file, or one whose first types do not rise, is read whole in every pass, as
// before.

// Element types in the order a sorted file holds them.
const (
	pbfNodes = iota
	pbfWays
	pbfRelations
	pbfUnknown // no group, or a compression the index does not read: read by every pass
)

// pbfBlob is one blob of the file: its bytes from the length prefix to the end of its data.
type pbfBlob struct {
	off, size int64
	header    bool // the OSMHeader blob
	first     int  // pbfNodes, pbfWays, pbfRelations or pbfUnknown (data blobs)
}

// pbfIndex is a PBF file's blobs, when the file is sorted and its blobs' first types rise.
type pbfIndex struct {
	blobs []pbfBlob
}

// errNotIndexed is why a file is read whole: not an error of the file (osmpbf reports
// those when it reads it).
var errNotIndexed = errors.New("osmbuild: pbf: not indexed")

// indexPBF reads the framing of the PBF in ra (size bytes) and the front of each data blob.
// It returns errNotIndexed (wrapped) when passes must read the whole file: the file is not
// sorted by type, its types do not rise, or its framing is not what the index reads (then
// osmpbf will say what is wrong with it).
func indexPBF(ra io.ReaderAt, size int64) (*pbfIndex, error) {
	var (
		idx    pbfIndex
		sorted bool
		head   [4]byte
		hdr    []byte
		zr     io.ReadCloser
		br     = bufio.NewReaderSize(nil, 32<<10)
	)
	for off := int64(0); off < size; {
		if _, err := ra.ReadAt(head[:], off); err != nil {
			return nil, fmt.Errorf("%w: blob at %d: %v", errNotIndexed, off, err)
		}
		n := int64(binary.BigEndian.Uint32(head[:]))
		if n <= 0 || n >= 64<<10 || off+4+n > size {
			return nil, fmt.Errorf("%w: blob header at %d: size %d", errNotIndexed, off, n)
		}
		hdr = slices.Grow(hdr[:0], int(n))[:n]
		if _, err := ra.ReadAt(hdr, off+4); err != nil {
			return nil, fmt.Errorf("%w: blob header at %d: %v", errNotIndexed, off, err)
		}
		typ, datasize, err := parseBlobHeader(hdr)
		if err != nil || datasize < 0 || off+4+n+datasize > size {
			return nil, fmt.Errorf("%w: blob header at %d: %v", errNotIndexed, off, err)
		}
		b := pbfBlob{off: off, size: 4 + n + datasize, first: pbfUnknown}
		data := io.NewSectionReader(ra, off+4+n, datasize)
		switch typ {
		case "OSMHeader":
			if len(idx.blobs) > 0 {
				return nil, fmt.Errorf("%w: second header at %d", errNotIndexed, off)
			}
			b.header = true
			block, err := readBlob(data, br, &zr)
			if err != nil {
				return nil, fmt.Errorf("%w: header: %v", errNotIndexed, err)
			}
			sorted = sortedByType(block)
		case "OSMData":
			if len(idx.blobs) == 0 || !sorted {
				return nil, fmt.Errorf("%w: not sorted by type", errNotIndexed)
			}
			b.first = firstGroup(data, br, &zr)
		default:
			return nil, fmt.Errorf("%w: blob of type %q at %d", errNotIndexed, typ, off)
		}
		idx.blobs = append(idx.blobs, b)
		off += b.size
	}
	last := pbfNodes
	for _, b := range idx.blobs {
		if b.header || b.first == pbfUnknown {
			continue
		}
		if b.first < last {
			return nil, fmt.Errorf("%w: blob at %d: types do not rise", errNotIndexed, b.off)
		}
		last = b.first
	}
	if len(idx.blobs) == 0 || !idx.blobs[0].header {
		return nil, fmt.Errorf("%w: no header", errNotIndexed)
	}
	return &idx, nil
}

// sections returns the byte ranges a pass over elements of type typ reads: the header and
// every blob that may hold typ, adjacent ranges joined.
func (x *pbfIndex) sections(typ int) [][2]int64 {
	var out [][2]int64
	for i, b := range x.blobs {
		keep := b.header || b.first == pbfUnknown
		if !keep {
			// The next blob with a known type bounds what this one holds.
			hi := pbfRelations
			for _, n := range x.blobs[i+1:] {
				if n.first != pbfUnknown {
					hi = n.first
					break
				}
			}
			keep = b.first <= typ && typ <= hi
		}
		if !keep {
			continue
		}
		if k := len(out); k > 0 && out[k-1][0]+out[k-1][1] == b.off {
			out[k-1][1] += b.size
			continue
		}
		out = append(out, [2]int64{b.off, b.size})
	}
	return out
}

// parseBlobHeader reads BlobHeader's type (1) and datasize (3).
func parseBlobHeader(b []byte) (typ string, datasize int64, err error) {
	err = eachField(b, func(num int, wire int, v uint64, p []byte) {
		switch {
		case num == 1 && wire == 2:
			typ = string(p)
		case num == 3 && wire == 0:
			datasize = int64(int32(v))
		}
	})
	return typ, datasize, err
}

// sortedByType reports whether a HeaderBlock lists the optional feature Sort.Type_then_ID (5).
func sortedByType(block []byte) bool {
	sorted := false
	eachField(block, func(num int, wire int, _ uint64, p []byte) {
		if num == 5 && wire == 2 && string(p) == "Sort.Type_then_ID" {
			sorted = true
		}
	})
	return sorted
}

// eachField calls f with every field of the protocol buffer message b: its number, wire
// type, and its value (varints) or bytes (length-delimited).
func eachField(b []byte, f func(num, wire int, v uint64, p []byte)) error {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad tag")
		}
		b = b[n:]
		num, wire := int(tag>>3), int(tag&7)
		switch wire {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return errors.New("bad varint")
			}
			b = b[n:]
			f(num, wire, v, nil)
		case 1, 5:
			w := 8
			if wire == 5 {
				w = 4
			}
			if len(b) < w {
				return errors.New("short fixed field")
			}
			b = b[w:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return errors.New("bad length")
			}
			f(num, wire, 0, b[n:n+int(l)])
			b = b[n+int(l):]
		default:
			return fmt.Errorf("wire type %d", wire)
		}
	}
	return nil
}

// readBlob returns the block a Blob message holds, raw (1) or zlib (3), read whole.
func readBlob(data *io.SectionReader, br *bufio.Reader, zr *io.ReadCloser) ([]byte, error) {
	r, err := blockReader(data, br, zr)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// blockReader returns a reader of the block a Blob message holds, raw (1) or zlib (3),
// inflated as it is read.
func blockReader(data *io.SectionReader, br *bufio.Reader, zr *io.ReadCloser) (io.Reader, error) {
	br.Reset(data)
	for {
		tag, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, fmt.Errorf("blob: %w", err)
		}
		num, wire := tag>>3, tag&7
		if wire != 2 {
			if wire != 0 {
				return nil, fmt.Errorf("blob: wire type %d", wire)
			}
			if _, err := binary.ReadUvarint(br); err != nil {
				return nil, fmt.Errorf("blob: %w", err)
			}
			continue
		}
		l, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, fmt.Errorf("blob: %w", err)
		}
		body := io.LimitReader(br, int64(l))
		switch num {
		case 1:
			return body, nil
		case 3:
			if *zr == nil {
				if *zr, err = zlib.NewReader(body); err != nil {
					return nil, fmt.Errorf("blob: %w", err)
				}
			} else if err := (*zr).(zlib.Resetter).Reset(body, nil); err != nil {
				return nil, fmt.Errorf("blob: %w", err)
			}
			return *zr, nil
		}
		if _, err := br.Discard(int(l)); err != nil {
			return nil, fmt.Errorf("blob: %w", err)
		}
	}
}

// firstGroup returns the element type of a PrimitiveBlock's first non-empty group
// (PrimitiveBlock field 2; the group's field 1 or 2 nodes, 3 ways, 4 relations), inflating
// the block only as far as that group's first key.
func firstGroup(data *io.SectionReader, br *bufio.Reader, zr *io.ReadCloser) int {
	r, err := blockReader(data, br, zr)
	if err != nil {
		return pbfUnknown
	}
	// A second buffered reader over the inflater: ReadUvarint wants bytes one at a time.
	in := bufio.NewReaderSize(r, 4<<10)
	for {
		tag, err := binary.ReadUvarint(in)
		if err != nil {
			return pbfUnknown
		}
		num, wire := tag>>3, tag&7
		var l uint64
		switch wire {
		case 0:
			if _, err := binary.ReadUvarint(in); err != nil {
				return pbfUnknown
			}
			continue
		case 2:
			if l, err = binary.ReadUvarint(in); err != nil {
				return pbfUnknown
			}
		default:
			return pbfUnknown
		}
		if num != 2 || l == 0 {
			if _, err := in.Discard(int(l)); err != nil {
				return pbfUnknown
			}
			continue
		}
		gtag, err := binary.ReadUvarint(in)
		if err != nil {
			return pbfUnknown
		}
		switch gtag >> 3 {
		case 1, 2:
			return pbfNodes
		case 3:
			return pbfWays
		case 4:
			return pbfRelations
		}
		return pbfUnknown // changesets, or something newer
	}
}

// sectionsReader reads the sections of ra one after another.
func sectionsReader(ra io.ReaderAt, secs [][2]int64) (io.Reader, int64) {
	rs := make([]io.Reader, len(secs))
	var total int64
	for i, s := range secs {
		rs[i] = io.NewSectionReader(ra, s[0], s[1])
		total += s[1]
	}
	return io.MultiReader(rs...), total
}

package geo

import (
	"encoding/binary"
	"unsafe"

	"github.com/aidmap/aidmap"
)

// Site records are kept in a compact binary encoding in an append-only arena of large byte
// chunks, not as aidmap.Site structs: a Site is 504 bytes before its strings, so a million of
// them would not fit the memory budget, and the query hot path never reads them anyway. A
// record is decoded only when a caller asks for a site (Hit.Site, Index.Site).
//
// A record is its length (uvarint) followed by the site in the domain's binary form
// (aidmap.Site.AppendBinary, the one the stores keep too) without its ID, which the tree keeps
// as 16 bytes per point. Absent fields take no bytes there, so a typical site takes about 130.
// Everything round-trips exactly, nil and empty slices included, except times, which are kept
// in UTC to the microsecond (as the store keeps them), and the ID, kept as its 16 UUID bytes
// (see parseID).

// chunkSize is the size of an arena chunk. A record larger than a chunk gets its own.
const chunkSize = 1 << 20

// arena is an append-only store of records in chunks. A ref locates a record: the chunk's
// index in the high 32 bits, the offset in the low 32 bits.
//
// Bytes in a chunk are never written again once appended, which is what makes it safe for
// decoded sites to alias them (see decodeRecord).
type arena struct {
	chunks [][]byte
	first  int // capacity of the first chunk when less than chunkSize: small deltas stay small
}

// add appends a record (with its length prefix) and returns its ref.
func (a *arena) add(rec []byte) uint64 {
	c, ref := a.reserve(len(rec))
	*c = append(*c, rec...)
	return ref
}

// addBody appends the record of the encoded body and returns its ref.
func (a *arena) addBody(body []byte) uint64 {
	c, ref := a.reserve(binary.MaxVarintLen64 + len(body))
	*c = binary.AppendUvarint(*c, uint64(len(body)))
	*c = append(*c, body...)
	return ref
}

// reserve returns the chunk with at least n bytes of spare capacity, and the ref of its end.
// Appends within the capacity never move a chunk.
func (a *arena) reserve(n int) (*[]byte, uint64) {
	k := len(a.chunks)
	if k == 0 || cap(a.chunks[k-1])-len(a.chunks[k-1]) < n {
		size := chunkSize
		if k == 0 && a.first > 0 {
			size = a.first
		}
		a.chunks = append(a.chunks, make([]byte, 0, max(size, n)))
		k++
	}
	c := &a.chunks[k-1]
	return c, uint64(k-1)<<32 | uint64(len(*c))
}

// record returns the record at ref, with its length prefix.
func (a *arena) record(ref uint64) []byte {
	c := a.chunks[ref>>32][uint32(ref):]
	n, w := binary.Uvarint(c)
	return c[:w+int(n)]
}

// bytes returns the capacity of the arena's chunks.
func (a *arena) bytes() int {
	n := 0
	for _, c := range a.chunks {
		n += cap(c)
	}
	return n
}

// catSlugs lists the taxonomy's slugs in order.
var catSlugs = func() []aidmap.Category {
	var s []aidmap.Category
	for _, c := range aidmap.Categories() {
		s = append(s, c.Slug)
	}
	return s
}()

// encodeRecord returns the body of the record of s (without its length prefix), built in
// scratch.
func encodeRecord(scratch []byte, s *aidmap.Site) []byte {
	c := *s
	c.ID = ""
	e, _ := c.AppendBinary(scratch[:0]) // never fails
	return e
}

// decoded is a site and the backing arrays of its usual small slices, allocated together so
// decoding an ordinary site costs one allocation.
type decoded struct {
	site aidmap.Site
	cats [4]aidmap.Category
	id   [36]byte
}

// decodeRecord decodes the record rec (with its length prefix) of the site with the given ID.
//
// Strings of the result alias rec instead of being copied (UnmarshalBinaryString of the
// record's bytes viewed as a string). That is safe because arena bytes are immutable once
// appended (arenas only append, into capacity reserved up front, and a tree is published only
// after its arena is complete), Go strings cannot be written through, and the garbage collector
// keeps a chunk alive while any string points into it. The cost is that a decoded site kept
// around pins its whole chunk (1 MiB).
//
// Records are written by encodeRecord only, so a malformed one is a bug: it panics.
func decodeRecord(rec []byte, id *[16]byte) *aidmap.Site {
	d := new(decoded)
	formatID(&d.id, id)
	n, w := binary.Uvarint(rec)
	body := rec[w : w+int(n)]
	s := &d.site
	s.Categories = d.cats[:0] // decoded into when they fit
	if err := s.UnmarshalBinaryString(unsafe.String(unsafe.SliceData(body), len(body))); err != nil {
		panic("geo: corrupt record: " + err.Error())
	}
	s.ID = unsafe.String(&d.id[0], len(d.id))
	return s
}

// parseID returns the 16 bytes of a site ID written as a lowercase UUID
// (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), as aidmap.SiteID makes them and Site.Validate
// requires. Byte order is text order, so sorting IDs as bytes sorts them as strings.
func parseID(s string) (id [16]byte, ok bool) {
	if len(s) != 36 {
		return id, false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return id, false
			}
			i++
			continue
		}
		hi, lo := unhex(s[i]), unhex(s[i+1])
		if hi > 15 || lo > 15 {
			return id, false
		}
		id[j] = hi<<4 | lo
		j++
		i += 2
	}
	return id, true
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return 255
}

const hexDigits = "0123456789abcdef"

// formatID writes id as a lowercase UUID.
func formatID(dst *[36]byte, id *[16]byte) {
	j := 0
	for i, b := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = hexDigits[b>>4], hexDigits[b&0x0f]
		j += 2
	}
}

// idString returns id as a lowercase UUID string.
func idString(id *[16]byte) string {
	var b [36]byte
	formatID(&b, id)
	return string(b[:])
}

// compareIDText compares the text of id with s as strings compare.
func compareIDText(id *[16]byte, s string) int {
	j := 0
	for i, b := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			if c := cmpByte('-', s, j); c != 0 {
				return c
			}
			j++
		}
		if c := cmpByte(hexDigits[b>>4], s, j); c != 0 {
			return c
		}
		if c := cmpByte(hexDigits[b&0x0f], s, j+1); c != 0 {
			return c
		}
		j += 2
	}
	if len(s) > 36 {
		return -1
	}
	return 0
}

// cmpByte compares byte c, at position j of a string, with s[j] (a shorter s is less).
func cmpByte(c byte, s string, j int) int {
	switch {
	case j >= len(s) || c > s[j]:
		return 1
	case c < s[j]:
		return -1
	}
	return 0
}

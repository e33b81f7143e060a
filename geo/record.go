package geo

import (
	"encoding/binary"
	"math"
	"time"
	"unsafe"

	"github.com/aidmap/aidmap"
)

// Site records are kept in a compact binary encoding in an append-only arena of large byte
// chunks, not as aidmap.Site structs: a Site is 504 bytes before its strings, so a million of
// them would not fit the memory budget, and the query hot path never reads them anyway. A
// record is decoded only when a caller asks for a site (Hit.Site, Index.Site).
//
// A record is its length (uvarint) followed by:
//
//	flags byte (confidential, has UpdatedAt, has VerifiedAt, has Hours)
//	OrganizationID, ExternalID, Name, Description     strings
//	Categories                                        category list (see appendCategories)
//	Address: Street, Unit, Locality, Region, PostalCode, Country
//	Lat, Lon                                          float64 bits, little endian
//	Precision                                         enum
//	Phone, Website, Email                             strings
//	Hours (when flagged): Timezone, Weekly, Exceptions, Notes
//	Languages                                         list of strings
//	Eligibility, Fees, Accessibility                  strings
//	Status                                            enum
//	UpdatedAt, VerifiedAt (when flagged)              varint Unix microseconds
//
// A string is its length (uvarint) and bytes; a list is its length + 1 (uvarint), 0 meaning
// nil, so nil and empty slices both survive; an enum is one byte, the 1-based index of a
// known value, or 0 followed by the value as a string. The site ID is not in the record: the
// tree keeps it as 16 bytes per point.
//
// Everything round-trips exactly except times, which are kept in UTC to the microsecond (as
// the store keeps them), and the ID, kept as its 16 UUID bytes (see parseID).

const (
	flagConfidential = 1 << iota
	flagUpdated
	flagVerified
	flagHours
)

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

var (
	catSlugs = func() []aidmap.Category {
		var s []aidmap.Category
		for _, c := range aidmap.Categories() {
			s = append(s, c.Slug)
		}
		return s
	}()
	precisions = []string{
		string(aidmap.PrecisionExact), string(aidmap.PrecisionAddress), string(aidmap.PrecisionInterpolated),
		string(aidmap.PrecisionStreet), string(aidmap.PrecisionPostalCode), string(aidmap.PrecisionLocality),
	}
	statuses = []string{
		string(aidmap.StatusActive), string(aidmap.StatusTemporarilyClosed), string(aidmap.StatusClosed), string(aidmap.StatusRetired),
	}
	catIndex = func() map[aidmap.Category]int {
		m := make(map[aidmap.Category]int, len(catSlugs))
		for i, c := range catSlugs {
			m[c] = i
		}
		return m
	}()
)

// encodeRecord returns the body of the record of s (without its length prefix), built in
// scratch.
func encodeRecord(scratch []byte, s *aidmap.Site) []byte {
	e := scratch[:0]
	var flags byte
	if s.Confidential {
		flags |= flagConfidential
	}
	if !s.UpdatedAt.IsZero() {
		flags |= flagUpdated
	}
	if !s.VerifiedAt.IsZero() {
		flags |= flagVerified
	}
	h := &s.Hours
	if h.Timezone != "" || h.Weekly != nil || h.Exceptions != nil || h.Notes != "" {
		flags |= flagHours
	}
	e = append(e, flags)
	e = appendStr(e, s.OrganizationID)
	e = appendStr(e, s.ExternalID)
	e = appendStr(e, s.Name)
	e = appendStr(e, s.Description)
	e = appendCategories(e, s.Categories)
	a := &s.Address
	e = appendStr(e, a.Street)
	e = appendStr(e, a.Unit)
	e = appendStr(e, a.Locality)
	e = appendStr(e, a.Region)
	e = appendStr(e, a.PostalCode)
	e = appendStr(e, a.Country)
	e = binary.LittleEndian.AppendUint64(e, math.Float64bits(s.Lat))
	e = binary.LittleEndian.AppendUint64(e, math.Float64bits(s.Lon))
	e = appendEnum(e, string(s.Precision), precisions)
	e = appendStr(e, s.Phone)
	e = appendStr(e, s.Website)
	e = appendStr(e, s.Email)
	if flags&flagHours != 0 {
		e = appendStr(e, h.Timezone)
		e = appendPeriods(e, h.Weekly)
		e = appendLen(e, h.Exceptions == nil, len(h.Exceptions))
		for i := range h.Exceptions {
			x := &h.Exceptions[i]
			e = appendStr(e, x.Date)
			if x.Closed {
				e = append(e, 1)
			} else {
				e = append(e, 0)
			}
			e = appendPeriods(e, x.Periods)
			e = appendStr(e, x.Note)
		}
		e = appendStr(e, h.Notes)
	}
	e = appendLen(e, s.Languages == nil, len(s.Languages))
	for _, l := range s.Languages {
		e = appendStr(e, l)
	}
	e = appendStr(e, s.Eligibility)
	e = appendStr(e, s.Fees)
	e = appendStr(e, s.Accessibility)
	e = appendEnum(e, string(s.Status), statuses)
	if flags&flagUpdated != 0 {
		e = binary.AppendVarint(e, s.UpdatedAt.UnixMicro())
	}
	if flags&flagVerified != 0 {
		e = binary.AppendVarint(e, s.VerifiedAt.UnixMicro())
	}
	return e
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendLen appends a list length: 0 for nil, else n+1.
func appendLen(b []byte, isNil bool, n int) []byte {
	if isNil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

func appendEnum(b []byte, v string, known []string) []byte {
	for i, k := range known {
		if v == k {
			return append(b, byte(i+1))
		}
	}
	return appendStr(append(b, 0), v)
}

// Category lists: 0 nil, 1 empty, 2 a set in taxonomy order (the common case: a uvarint mask),
// 3 anything else (a list of category enums).
func appendCategories(b []byte, cs []aidmap.Category) []byte {
	switch {
	case cs == nil:
		return append(b, 0)
	case len(cs) == 0:
		return append(b, 1)
	}
	var mask uint64
	canonical := true
	last := -1
	for _, c := range cs {
		i, ok := catIndex[c]
		if !ok || i <= last || i >= 64 {
			canonical = false
			break
		}
		last = i
		mask |= 1 << i
	}
	if canonical {
		return binary.AppendUvarint(append(b, 2), mask)
	}
	b = binary.AppendUvarint(append(b, 3), uint64(len(cs)))
	for _, c := range cs {
		if i, ok := catIndex[c]; ok && i < 255 {
			b = append(b, byte(i+1))
		} else {
			b = appendStr(append(b, 0), string(c))
		}
	}
	return b
}

func appendPeriods(b []byte, ps []aidmap.Period) []byte {
	b = appendLen(b, ps == nil, len(ps))
	for _, p := range ps {
		b = binary.AppendVarint(b, int64(p.Day))
		b = binary.AppendVarint(b, int64(p.Open))
		b = binary.AppendVarint(b, int64(p.Close))
	}
	return b
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
// Strings of the result alias rec instead of being copied. That is safe because arena bytes
// are immutable once appended (arenas only append, into capacity reserved up front, and a
// tree is published only after its arena is complete), Go strings cannot be written through,
// and the garbage collector keeps a chunk alive while any string points into it. The cost is
// that a decoded site kept around pins its whole chunk (1 MiB).
func decodeRecord(rec []byte, id *[16]byte) *aidmap.Site {
	d := new(decoded)
	formatID(&d.id, id)
	s := &d.site
	s.ID = unsafe.String(&d.id[0], len(d.id))
	r := reader{b: rec}
	n := r.uvarint()
	r.b = r.b[:r.i+int(n)]
	flags := r.byte()
	s.Confidential = flags&flagConfidential != 0
	s.OrganizationID = r.str()
	s.ExternalID = r.str()
	s.Name = r.str()
	s.Description = r.str()
	s.Categories = r.categories(d.cats[:0:len(d.cats)])
	a := &s.Address
	a.Street = r.str()
	a.Unit = r.str()
	a.Locality = r.str()
	a.Region = r.str()
	a.PostalCode = r.str()
	a.Country = r.str()
	s.Lat = math.Float64frombits(r.uint64())
	s.Lon = math.Float64frombits(r.uint64())
	s.Precision = aidmap.Precision(r.enum(precisions))
	s.Phone = r.str()
	s.Website = r.str()
	s.Email = r.str()
	if flags&flagHours != 0 {
		h := &s.Hours
		h.Timezone = r.str()
		h.Weekly = r.periods()
		if n, ok := r.len(); ok {
			h.Exceptions = make([]aidmap.Exception, n)
			for i := range h.Exceptions {
				x := &h.Exceptions[i]
				x.Date = r.str()
				x.Closed = r.byte() != 0
				x.Periods = r.periods()
				x.Note = r.str()
			}
		}
		h.Notes = r.str()
	}
	if n, ok := r.len(); ok {
		s.Languages = make([]string, n)
		for i := range s.Languages {
			s.Languages[i] = r.str()
		}
	}
	s.Eligibility = r.str()
	s.Fees = r.str()
	s.Accessibility = r.str()
	s.Status = aidmap.Status(r.enum(statuses))
	if flags&flagUpdated != 0 {
		s.UpdatedAt = time.UnixMicro(r.varint()).UTC()
	}
	if flags&flagVerified != 0 {
		s.VerifiedAt = time.UnixMicro(r.varint()).UTC()
	}
	return s
}

// reader decodes a record. Records are written by appendRecord only, so a malformed one is a
// bug: the reader relies on Go's bounds checks rather than returning errors.
type reader struct {
	b []byte
	i int
}

func (r *reader) byte() byte {
	v := r.b[r.i]
	r.i++
	return v
}

func (r *reader) uvarint() uint64 {
	if v := r.b[r.i]; v < 0x80 {
		r.i++
		return uint64(v)
	}
	v, n := binary.Uvarint(r.b[r.i:])
	if n <= 0 {
		panic("geo: corrupt record")
	}
	r.i += n
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b[r.i:])
	if n <= 0 {
		panic("geo: corrupt record")
	}
	r.i += n
	return v
}

func (r *reader) uint64() uint64 {
	v := binary.LittleEndian.Uint64(r.b[r.i:])
	r.i += 8
	return v
}

// str returns the next string, aliasing the record (see decodeRecord).
func (r *reader) str() string {
	n := int(r.uvarint())
	if n == 0 {
		return ""
	}
	s := r.b[r.i : r.i+n]
	r.i += n
	return unsafe.String(&s[0], n)
}

// len reads a list length; ok is false for a nil list.
func (r *reader) len() (n int, ok bool) {
	v := r.uvarint()
	if v == 0 {
		return 0, false
	}
	return int(v - 1), true
}

func (r *reader) enum(known []string) string {
	if k := r.byte(); k != 0 {
		return known[k-1]
	}
	return r.str()
}

func (r *reader) categories(buf []aidmap.Category) []aidmap.Category {
	switch r.byte() {
	case 0:
		return nil
	case 1:
		return []aidmap.Category{}
	case 2:
		mask := r.uvarint()
		for i, c := range catSlugs {
			if mask&(1<<i) != 0 {
				buf = append(buf, c)
			}
		}
		return buf[:len(buf):len(buf)]
	}
	n := int(r.uvarint())
	out := buf
	if n > cap(buf) {
		out = make([]aidmap.Category, 0, n)
	}
	for range n {
		if k := r.byte(); k != 0 {
			out = append(out, catSlugs[k-1])
		} else {
			out = append(out, aidmap.Category(r.str()))
		}
	}
	return out[:len(out):len(out)]
}

func (r *reader) periods() []aidmap.Period {
	n, ok := r.len()
	if !ok {
		return nil
	}
	ps := make([]aidmap.Period, n)
	for i := range ps {
		ps[i] = aidmap.Period{Day: time.Weekday(r.varint()), Open: int(r.varint()), Close: int(r.varint())}
	}
	return ps
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

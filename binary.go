package aidmap

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// The binary form of a Site (AppendBinary, UnmarshalBinary) is what stores keep of a site beyond
// their columns: compact, quick to decode (no parsing of text), and versioned so it can evolve.
// Stored bytes outlive the code that wrote them, so the layout below only ever grows: a new
// field takes the next free bit, and anything else needs a new format version that the decoder
// still reads next to the old ones.
//
// Version 1 is:
//
//	format version    1 byte, 1
//	fields            uint32, little endian: bit i set when field i (below) is present
//	the present fields, in bit order
//
// Absent means zero: the empty string, a nil slice, a zero time, 0.0 (but not -0.0), false. So a
// caller that keeps some fields elsewhere (a store's columns, an index's ID) zeroes them in
// the site it encodes and they cost nothing. An empty, non-nil slice is present with length 0,
// so nil and empty round-trip as they were; a store, for which both are the same content,
// makes them nil before encoding so equal content encodes to equal bytes.
//
// Field payloads: a string is its length (uvarint) and its bytes; a float64 its IEEE 754 bits,
// 8 bytes little endian; a time its Unix microseconds as a varint (so times come back in UTC at
// microsecond precision, as stores keep them); a list its length (uvarint) and its elements; an
// enum one byte, the 1-based index of a known value (binaryPrecisions, binaryStatuses, the
// category taxonomy), or 0 followed by the value as a string. Integers of periods are varints.
//
// Version 2 is version 1 followed by more fields: a uvarint of field bits (binExt*, below) and
// those present, in bit order. AppendBinary writes version 2 only for a site that has one of
// them, so every site without live data keeps the exact bytes of version 1 (stores' content
// hashes rely on it; they never store these fields in a doc).
const binaryVersion = 1

// binaryVersion2 is the format with more fields (see binaryVersion).
const binaryVersion2 = 2

// Field bits of version 2's further fields. Append only.
const (
	binExtCapacity      = iota // list: Unit string, Available uvarint, Maximum uvarint, Updated time
	binExtClosedReports        // list of times
	binExtFields               // number of further fields
)

// Field bits of binary version 1. Append only.
const (
	binID = iota
	binOrganizationID
	binExternalID
	binName
	binDescription
	binCategories // list of category enums
	binStreet
	binUnit
	binLocality
	binRegion
	binPostalCode
	binCountry
	binLat
	binLon
	binPrecision // enum of binaryPrecisions
	binPhone
	binWebsite
	binEmail
	binTimezone
	binWeekly     // list of periods: Day, Open, Close varints
	binExceptions // list of exceptions: flags byte (1 closed, 2 has periods), Date, Note, [periods]
	binNotes
	binLanguages // list of strings
	binEligibility
	binFees
	binAccessibility
	binConfidential // no payload
	binStatus       // enum of binaryStatuses
	binUpdatedAt
	binVerifiedAt
	binPublic     // no payload: the public form of a site (Publisher.Public), as the index keeps it
	binVerifiedBy // the last bit of version 1: a further field needs version 2
	binFields     // number of fields; higher bits are invalid in version 1
)

// Enum values by code (code = index + 1). Append only: stored data depends on the order.
var (
	binaryPrecisions = []Precision{PrecisionExact, PrecisionAddress, PrecisionInterpolated,
		PrecisionStreet, PrecisionPostalCode, PrecisionLocality}
	binaryStatuses = []Status{StatusActive, StatusTemporarilyClosed, StatusClosed, StatusRetired}
)

const (
	excClosed   = 1 << iota // Exception.Closed
	excPeriods              // Exception.Periods is not nil
	excFlags    = excClosed | excPeriods
	maxEnumCode = 255
)

// AppendBinary appends the binary form of s to b (encoding.BinaryAppender). It never fails:
// every Site, valid or not, has a binary form.
func (s *Site) AppendBinary(b []byte) ([]byte, error) {
	h := &s.Hours
	a := &s.Address
	m := has(s.ID != "", binID) | has(s.OrganizationID != "", binOrganizationID) |
		has(s.ExternalID != "", binExternalID) | has(s.Name != "", binName) |
		has(s.Description != "", binDescription) | has(s.Categories != nil, binCategories) |
		has(a.Street != "", binStreet) | has(a.Unit != "", binUnit) |
		has(a.Locality != "", binLocality) | has(a.Region != "", binRegion) |
		has(a.PostalCode != "", binPostalCode) | has(a.Country != "", binCountry) |
		has(math.Float64bits(s.Lat) != 0, binLat) | has(math.Float64bits(s.Lon) != 0, binLon) |
		has(s.Precision != "", binPrecision) | has(s.Phone != "", binPhone) |
		has(s.Website != "", binWebsite) | has(s.Email != "", binEmail) |
		has(h.Timezone != "", binTimezone) | has(h.Weekly != nil, binWeekly) |
		has(h.Exceptions != nil, binExceptions) | has(h.Notes != "", binNotes) |
		has(s.Languages != nil, binLanguages) | has(s.Eligibility != "", binEligibility) |
		has(s.Fees != "", binFees) | has(s.Accessibility != "", binAccessibility) |
		has(s.Confidential, binConfidential) | has(s.Status != "", binStatus) |
		has(!s.UpdatedAt.IsZero(), binUpdatedAt) | has(!s.VerifiedAt.IsZero(), binVerifiedAt) |
		has(s.public, binPublic) | has(s.VerifiedBy != "", binVerifiedBy)
	ext := uint64(0)
	if s.Capacity != nil {
		ext |= 1 << binExtCapacity
	}
	if s.ClosedReports != nil {
		ext |= 1 << binExtClosedReports
	}
	if ext == 0 {
		b = append(b, binaryVersion)
	} else {
		b = append(b, binaryVersion2)
	}
	b = binary.LittleEndian.AppendUint32(b, m)
	str := func(bit int, v string) {
		if m&(1<<bit) != 0 {
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	str(binID, s.ID)
	str(binOrganizationID, s.OrganizationID)
	str(binExternalID, s.ExternalID)
	str(binName, s.Name)
	str(binDescription, s.Description)
	if s.Categories != nil {
		b = binary.AppendUvarint(b, uint64(len(s.Categories)))
		for _, c := range s.Categories {
			b = appendEnum(b, c, categoryCode(c))
		}
	}
	str(binStreet, a.Street)
	str(binUnit, a.Unit)
	str(binLocality, a.Locality)
	str(binRegion, a.Region)
	str(binPostalCode, a.PostalCode)
	str(binCountry, a.Country)
	if m&(1<<binLat) != 0 {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.Lat))
	}
	if m&(1<<binLon) != 0 {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.Lon))
	}
	if s.Precision != "" {
		b = appendEnum(b, s.Precision, enumCode(binaryPrecisions, s.Precision))
	}
	str(binPhone, s.Phone)
	str(binWebsite, s.Website)
	str(binEmail, s.Email)
	str(binTimezone, h.Timezone)
	if h.Weekly != nil {
		b = appendPeriods(b, h.Weekly)
	}
	if h.Exceptions != nil {
		b = binary.AppendUvarint(b, uint64(len(h.Exceptions)))
		for i := range h.Exceptions {
			x := &h.Exceptions[i]
			var flags byte
			if x.Closed {
				flags |= excClosed
			}
			if x.Periods != nil {
				flags |= excPeriods
			}
			b = append(b, flags)
			b = appendString(b, x.Date)
			b = appendString(b, x.Note)
			if x.Periods != nil {
				b = appendPeriods(b, x.Periods)
			}
		}
	}
	str(binNotes, h.Notes)
	if s.Languages != nil {
		b = binary.AppendUvarint(b, uint64(len(s.Languages)))
		for _, l := range s.Languages {
			b = appendString(b, l)
		}
	}
	str(binEligibility, s.Eligibility)
	str(binFees, s.Fees)
	str(binAccessibility, s.Accessibility)
	if s.Status != "" {
		b = appendEnum(b, s.Status, enumCode(binaryStatuses, s.Status))
	}
	if m&(1<<binUpdatedAt) != 0 {
		b = binary.AppendVarint(b, s.UpdatedAt.UnixMicro())
	}
	if m&(1<<binVerifiedAt) != 0 {
		b = binary.AppendVarint(b, s.VerifiedAt.UnixMicro())
	}
	str(binVerifiedBy, s.VerifiedBy)
	if ext != 0 {
		b = binary.AppendUvarint(b, ext)
		if s.Capacity != nil {
			b = binary.AppendUvarint(b, uint64(len(s.Capacity)))
			for _, c := range s.Capacity {
				b = appendString(b, c.Unit)
				b = binary.AppendUvarint(b, uint64(max(c.Available, 0)))
				b = binary.AppendUvarint(b, uint64(max(c.Maximum, 0)))
				b = binary.AppendVarint(b, c.Updated.UnixMicro())
			}
		}
		if s.ClosedReports != nil {
			b = binary.AppendUvarint(b, uint64(len(s.ClosedReports)))
			for _, t := range s.ClosedReports {
				b = binary.AppendVarint(b, t.UnixMicro())
			}
		}
	}
	return b, nil
}

// has returns the bit of a present field.
func has(present bool, bit int) uint32 {
	if present {
		return 1 << bit
	}
	return 0
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendEnum appends an enum: its code when known (code > 0), else 0 and the value.
func appendEnum[T ~string](b []byte, v T, code int) []byte {
	if code > 0 {
		return append(b, byte(code))
	}
	return appendString(append(b, 0), string(v))
}

// enumCode returns the code of v, 0 when v is not a known value.
func enumCode[T ~string](known []T, v T) int {
	for i, k := range known {
		if k == v {
			return i + 1
		}
	}
	return 0
}

// categoryCode returns the code of c: its 1-based place in the taxonomy (which only grows),
// 0 when c is not in it.
func categoryCode(c Category) int {
	for i := range categories {
		if categories[i].Slug == c {
			if i+1 > maxEnumCode {
				return 0
			}
			return i + 1
		}
	}
	return 0
}

func appendPeriods(b []byte, ps []Period) []byte {
	b = binary.AppendUvarint(b, uint64(len(ps)))
	for _, p := range ps {
		b = binary.AppendVarint(b, int64(p.Day))
		b = binary.AppendVarint(b, int64(p.Open))
		b = binary.AppendVarint(b, int64(p.Close))
	}
	return b
}

// UnmarshalBinary sets s to the site whose binary form is data (encoding.BinaryUnmarshaler).
// The strings of s are copies: s does not alias data. Malformed data, a truncated copy or a
// format version this code does not know is an error wrapping ErrInvalid, and s is then the
// zero Site.
func (s *Site) UnmarshalBinary(data []byte) error {
	// One copy for every string of the site, which are then substrings of it.
	return s.UnmarshalBinaryString(string(data))
}

// UnmarshalBinaryString is UnmarshalBinary from a string. The strings of s are substrings of
// data, not copies, so decoding allocates only the site's slices; keeping any of them keeps
// all of data in memory.
//
// When s.Categories is empty but has room for the site's categories, they are decoded into
// its array, so a caller can allocate them together with the site.
func (s *Site) UnmarshalBinaryString(data string) error {
	// Decoding in place rather than into a local copied at the end: the copy of a whole Site
	// into the heap doubled the time the index took to decode one.
	d := binDecoder{s: data}
	cats := s.Categories
	*s = Site{}
	t := s
	if len(data) == 0 {
		return d.error("empty data")
	}
	version := data[0]
	if version != binaryVersion && version != binaryVersion2 {
		return d.error(fmt.Sprintf("unknown format version %d", version))
	}
	if len(data) < 5 {
		d.fail("truncated field bits")
		return d.err
	}
	m := uint32(data[1]) | uint32(data[2])<<8 | uint32(data[3])<<16 | uint32(data[4])<<24
	if uint64(m)>>binFields != 0 { // no bit is free now that version 1 uses all 32
		return d.error(fmt.Sprintf("unknown field bits %#x", uint64(m)>>binFields<<binFields))
	}
	d.i = 5
	str := func(bit int) string {
		if m&(1<<bit) == 0 {
			return ""
		}
		return d.str()
	}
	t.ID = str(binID)
	t.OrganizationID = str(binOrganizationID)
	t.ExternalID = str(binExternalID)
	t.Name = str(binName)
	t.Description = str(binDescription)
	if m&(1<<binCategories) != 0 {
		t.Categories = d.categories(cats)
	}
	a := &t.Address
	a.Street = str(binStreet)
	a.Unit = str(binUnit)
	a.Locality = str(binLocality)
	a.Region = str(binRegion)
	a.PostalCode = str(binPostalCode)
	a.Country = str(binCountry)
	if m&(1<<binLat) != 0 {
		t.Lat = math.Float64frombits(d.uint64())
	}
	if m&(1<<binLon) != 0 {
		t.Lon = math.Float64frombits(d.uint64())
	}
	if m&(1<<binPrecision) != 0 {
		t.Precision = decodeEnum(&d, binaryPrecisions)
	}
	t.Phone = str(binPhone)
	t.Website = str(binWebsite)
	t.Email = str(binEmail)
	h := &t.Hours
	h.Timezone = str(binTimezone)
	if m&(1<<binWeekly) != 0 {
		h.Weekly = d.periods()
	}
	if m&(1<<binExceptions) != 0 {
		// An exception takes at least 3 bytes: flags, Date and Note lengths.
		if n := d.count(3); d.err == nil {
			h.Exceptions = make([]Exception, n)
			for i := range h.Exceptions {
				x := &h.Exceptions[i]
				flags := d.byte()
				if flags&^excFlags != 0 {
					d.fail("unknown exception flags")
				}
				x.Closed = flags&excClosed != 0
				x.Date = d.str()
				x.Note = d.str()
				if flags&excPeriods != 0 {
					x.Periods = d.periods()
				}
			}
		}
	}
	h.Notes = str(binNotes)
	if m&(1<<binLanguages) != 0 {
		if n := d.count(1); d.err == nil {
			t.Languages = make([]string, n)
			for i := range t.Languages {
				t.Languages[i] = d.str()
			}
		}
	}
	t.Eligibility = str(binEligibility)
	t.Fees = str(binFees)
	t.Accessibility = str(binAccessibility)
	t.Confidential = m&(1<<binConfidential) != 0
	t.public = m&(1<<binPublic) != 0
	if m&(1<<binStatus) != 0 {
		t.Status = decodeEnum(&d, binaryStatuses)
	}
	if m&(1<<binUpdatedAt) != 0 {
		t.UpdatedAt = time.UnixMicro(d.varint()).UTC()
	}
	if m&(1<<binVerifiedAt) != 0 {
		t.VerifiedAt = time.UnixMicro(d.varint()).UTC()
	}
	t.VerifiedBy = str(binVerifiedBy)
	if version == binaryVersion2 {
		d.more(t)
	}
	if d.err == nil && d.i != len(data) {
		d.fail(fmt.Sprintf("%d bytes after the site", len(data)-d.i))
	}
	if d.err != nil {
		*s = Site{}
		return d.err
	}
	return nil
}

// binDecoder reads binary version 1. Every read checks the bounds: the first problem is kept
// in err and ends the input, so later reads return zero values and the caller checks err once.
type binDecoder struct {
	s   string
	i   int
	err error
}

func (d *binDecoder) error(what string) error {
	return fmt.Errorf("aidmap: decode binary site: %s: %w", what, ErrInvalid)
}

func (d *binDecoder) fail(what string) {
	if d.err == nil {
		d.err = d.error(fmt.Sprintf("%s at byte %d", what, d.i))
	}
	d.i = len(d.s)
}

func (d *binDecoder) byte() byte {
	if d.i >= len(d.s) {
		d.fail("truncated")
		return 0
	}
	c := d.s[d.i]
	d.i++
	return c
}

func (d *binDecoder) uvarint() uint64 {
	if d.i < len(d.s) {
		if c := d.s[d.i]; c < 0x80 {
			d.i++
			return uint64(c)
		}
	}
	var x uint64
	for j, shift := 0, uint(0); j < binary.MaxVarintLen64; j, shift = j+1, shift+7 {
		if d.i >= len(d.s) {
			d.fail("truncated")
			return 0
		}
		c := d.s[d.i]
		d.i++
		if c < 0x80 {
			if j == binary.MaxVarintLen64-1 && c > 1 {
				break
			}
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
	}
	d.fail("varint overflows 64 bits")
	return 0
}

func (d *binDecoder) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *binDecoder) uint64() uint64 {
	if len(d.s)-d.i < 8 {
		d.fail("truncated")
		return 0
	}
	b := d.s[d.i : d.i+8]
	d.i += 8
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func (d *binDecoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) {
		d.fail("string longer than the data")
		return ""
	}
	if n == 0 {
		return ""
	}
	v := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return v
}

// count reads a list length, checked against the data left given that each element takes at
// least size bytes, so a corrupt length cannot make the decoder allocate more than the data.
func (d *binDecoder) count(size int) int {
	n := d.uvarint()
	if n > uint64((len(d.s)-d.i)/size) {
		d.fail("list longer than the data")
		return 0
	}
	return int(n)
}

func decodeEnum[T ~string](d *binDecoder, known []T) T {
	k := d.byte()
	if k == 0 {
		return T(d.str())
	}
	if int(k) > len(known) {
		d.fail(fmt.Sprintf("unknown enum code %d", k))
		return ""
	}
	return known[k-1]
}

// categories decodes a list of categories, into buf's array when it is empty and has room.
func (d *binDecoder) categories(buf []Category) []Category {
	n := d.count(1)
	if d.err != nil {
		return nil
	}
	var cs []Category
	if n > 0 && len(buf) == 0 && cap(buf) >= n {
		cs = buf[:n:n]
	} else {
		cs = make([]Category, n)
	}
	for i := range cs {
		k := d.byte()
		switch {
		case k == 0:
			cs[i] = Category(d.str())
		case int(k) <= len(categories):
			cs[i] = categories[k-1].Slug
		default:
			d.fail(fmt.Sprintf("unknown category code %d", k))
			return nil
		}
	}
	return cs
}

// more decodes version 2's further fields into t.
func (d *binDecoder) more(t *Site) {
	ext := d.uvarint()
	if d.err != nil {
		return
	}
	if ext>>binExtFields != 0 || ext == 0 {
		d.fail(fmt.Sprintf("unknown further field bits %#x", ext))
		return
	}
	if ext&(1<<binExtCapacity) != 0 {
		// An entry takes at least 4 bytes: the unit's length and three varints.
		if n := d.count(4); d.err == nil {
			t.Capacity = make([]Capacity, n)
			for i := range t.Capacity {
				c := &t.Capacity[i]
				c.Unit = d.str()
				c.Available = int(min(d.uvarint(), MaxCapacity*10))
				c.Maximum = int(min(d.uvarint(), MaxCapacity*10))
				c.Updated = time.UnixMicro(d.varint()).UTC()
			}
		}
	}
	if ext&(1<<binExtClosedReports) != 0 {
		if n := d.count(1); d.err == nil {
			t.ClosedReports = make([]time.Time, n)
			for i := range t.ClosedReports {
				t.ClosedReports[i] = time.UnixMicro(d.varint()).UTC()
			}
		}
	}
}

func (d *binDecoder) periods() []Period {
	n := d.count(3)
	if d.err != nil {
		return nil
	}
	ps := make([]Period, n)
	for i := range ps {
		ps[i] = Period{Day: time.Weekday(d.varint()), Open: int(d.varint()), Close: int(d.varint())}
	}
	return ps
}

package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
)

// Gazetteer is the part of a store that keeps the embedded geocoder's address points and the
// geocode cache. Both store implementations provide it; a running server polls
// GazetteerVersion to pick up an import made by another process without a restart.
//
// Errors wrap the domain's sentinels as Store's do: aidmap.ErrInvalid for a point, source,
// key or value the store refuses, aidmap.ErrNotFound for a cache miss, aidmap.ErrUnavailable
// when the database cannot be reached, ctx.Err() when ctx ends.
type Gazetteer interface {
	// ReplaceAddressPoints replaces every address point of source (a label such as the
	// imported file's base name: non-empty UTF-8, at most MaxSource bytes) with the points
	// that next yields, in one transaction: a failure or cancelled ctx leaves the previous
	// points exactly as they were. next returns a nil error with each batch and io.EOF at the
	// end (points returned with io.EOF are stored too); any other error aborts the import and
	// is returned wrapped. next may reuse a batch's slice once it is called again; it must not
	// write to this store (an SQLite store's one write connection may be held by the import).
	// Points of other sources are untouched; a source replaced with no points is removed. A
	// point that fails CheckAddressPoint aborts the import with aidmap.ErrInvalid.
	// It returns how many points were stored and the new gazetteer version.
	ReplaceAddressPoints(ctx context.Context, source string, next func() ([]aidmap.AddressPoint, error)) (n int, version int64, err error)
	// EachAddressPoint calls fn for every stored point, streaming, and returns the gazetteer
	// version the iteration reflects (one consistent snapshot, however long fn takes). Points
	// come grouped by source, sources in byte order of their labels, each source's points in
	// the order next yielded them. It stops at and returns the first error fn returns.
	EachAddressPoint(ctx context.Context, fn func(aidmap.AddressPoint) error) (version int64, err error)
	// GazetteerVersion returns a number that changes whenever the stored points change: it
	// increases with every successful ReplaceAddressPoints (even one that stores the same
	// points again) and with nothing else, so a reader that saw version v has seen all there is
	// until it differs. It is 0 for a store that has never had points; it never goes back to 0
	// (a server that loaded version 1 must not mistake a later import for the same one).
	GazetteerVersion(ctx context.Context) (int64, error)

	// GeocodeCache returns the cached value for key, or an error wrapping aidmap.ErrNotFound.
	// Keys and values are opaque bytes to the store (the geocode package encodes them).
	GeocodeCache(ctx context.Context, key string) ([]byte, error)
	// PutGeocodeCache stores value under key, replacing any previous value. An empty key, a key
	// longer than MaxGeocodeKey or a value longer than MaxGeocodeValue is aidmap.ErrInvalid.
	// It changes neither GazetteerVersion nor the store's site Version.
	PutGeocodeCache(ctx context.Context, key string, value []byte) error
}

// Limits of the gazetteer. They keep one bad input (a whole file read as one field, a runaway
// cache key) from bloating the database; real values are a small fraction of them.
const (
	MaxSource          = 1024     // bytes of a source label
	MaxAddressField    = 1024     // bytes of one text field of an address point
	MaxGeocodeKey      = 1 << 10  // bytes of a geocode cache key
	MaxGeocodeValue    = 64 << 10 // bytes of a geocode cache value
	AddressBlockPoints = 1024     // points per stored block at most (see AddressBlocks)
)

// CheckSource checks a source label of ReplaceAddressPoints: non-empty, UTF-8 without NUL (a
// PostgreSQL text column refuses both) and at most MaxSource bytes.
func CheckSource(source string) error {
	if source == "" {
		return &aidmap.FieldError{Field: "source", Reason: "is required"}
	}
	return checkText("source", source, MaxSource)
}

// CheckAddressPoint checks point i of an import (counted from 0 across batches): WGS84
// coordinates in range, text fields UTF-8 without NUL and at most MaxAddressField bytes. The
// error names the point and unwraps to the *aidmap.FieldError.
func CheckAddressPoint(i int, p *aidmap.AddressPoint) error {
	err := aidmap.ValidLatLon(p.Lat, p.Lon)
	if err == nil {
		for j, f := range addressFields(p) {
			if err = checkText(addressFieldNames[j], *f, MaxAddressField); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("address point %d: %w", i, err)
	}
	return nil
}

// CheckGeocodeCache checks a geocode cache entry against the limits of PutGeocodeCache.
func CheckGeocodeCache(key string, value []byte) error {
	switch {
	case key == "":
		return &aidmap.FieldError{Field: "key", Reason: "is required"}
	case len(key) > MaxGeocodeKey:
		return &aidmap.FieldError{Field: "key", Reason: fmt.Sprintf("is %d bytes, longer than %d", len(key), MaxGeocodeKey)}
	case len(value) > MaxGeocodeValue:
		return &aidmap.FieldError{Field: "value", Reason: fmt.Sprintf("is %d bytes, longer than %d", len(value), MaxGeocodeValue)}
	}
	return nil
}

func checkText(field, value string, max int) error {
	if !utf8.ValidString(value) {
		return &aidmap.FieldError{Field: field, Reason: "is not valid UTF-8 text"}
	}
	if strings.IndexByte(value, 0) >= 0 {
		return &aidmap.FieldError{Field: field, Reason: "contains a NUL character"}
	}
	if len(value) > max {
		return &aidmap.FieldError{Field: field, Value: value, Reason: fmt.Sprintf("is longer than %d bytes", max)}
	}
	return nil
}

// addressFieldNames name the text fields of addressFields, for errors.
var addressFieldNames = [7]string{"number", "unit", "street", "locality", "region", "postcode", "country"}

// addressFields are the text fields of p in the order blocks store them.
func addressFields(p *aidmap.AddressPoint) [7]*string {
	return [7]*string{&p.Number, &p.Unit, &p.Street, &p.Locality, &p.Region, &p.Postcode, &p.Country}
}

// Address points are stored in blocks of up to AddressBlockPoints consecutive points of one
// source, one database row per block, rather than a row per point: a million points are then
// a thousand rows, so an import is a few large writes and loading them back decodes bytes in
// Go instead of paying the driver's cost per row and column (BenchmarkReplaceAddressPoints1M
// and BenchmarkEachAddressPoint in store/sqlite and store/postgis measure both).
//
// A block is, in order:
//
//	format   1 byte, addressBlockFormat
//	n        uvarint, the number of points
//	lon      n × 8 bytes: IEEE 754 bits, little endian (bit for bit, -0 and all)
//	lat      n × 8 bytes, the same
//	tags     n × 7 uvarints, one per text field of each point (addressFields order):
//	         0 = the same text as this field of the previous point ("" before the first),
//	         k+1 = the next k bytes of text
//	text     the new texts back to back, exactly to the end of the block
//
// Consecutive points of open address data mostly share street, locality, region and
// country, which the tags store once. Decoding copies the text of a block into one string
// and slices every field from it, so a repeated value is one string, not one per point.
const addressBlockFormat = 1

// AppendAddressBlock appends the block encoding of points (at most AddressBlockPoints of
// them, else it panics: callers cut their input into blocks) to b.
func AppendAddressBlock(b []byte, points []aidmap.AddressPoint) []byte {
	if len(points) > AddressBlockPoints {
		panic("store: AppendAddressBlock: too many points")
	}
	// Grow once for all but the texts: at most 2 tag bytes per field of a point is typical.
	b = slices.Grow(b, 3+16*len(points)+14*len(points))
	b = append(b, addressBlockFormat)
	b = binary.AppendUvarint(b, uint64(len(points)))
	for i := range points {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(points[i].Lon))
	}
	for i := range points {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(points[i].Lat))
	}
	var prev [7]string
	textLen := 0
	for i := range points {
		for j, f := range addressFields(&points[i]) {
			if *f == prev[j] {
				b = append(b, 0)
				continue
			}
			b = binary.AppendUvarint(b, uint64(len(*f))+1)
			textLen += len(*f)
			prev[j] = *f
		}
	}
	b = slices.Grow(b, textLen)
	prev = [7]string{}
	for i := range points {
		for j, f := range addressFields(&points[i]) {
			if *f != prev[j] {
				b = append(b, *f...)
				prev[j] = *f
			}
		}
	}
	return b
}

// errBlock is the error of a block that does not decode: the database holds something this
// program did not write.
var errBlock = errors.New("corrupt address block")

// DecodeAddressBlock decodes a block written by AppendAddressBlock and appends its points to
// dst. b is not retained: every string is copied (into one string for the block).
func DecodeAddressBlock(dst []aidmap.AddressPoint, b []byte) ([]aidmap.AddressPoint, error) {
	if len(b) == 0 || b[0] != addressBlockFormat {
		return dst, fmt.Errorf("%w: unknown format", errBlock)
	}
	b = b[1:]
	n64, k := binary.Uvarint(b)
	if k <= 0 || n64 > AddressBlockPoints || uint64(len(b)-k) < n64*(16+7) {
		return dst, fmt.Errorf("%w: bad point count", errBlock)
	}
	n := int(n64)
	b = b[k:]
	lons, lats, tags := b[:8*n], b[8*n:16*n], b[16*n:]

	// First pass over the tags: where the text starts and that it adds up.
	var lens [AddressBlockPoints * 7]int32 // -1: same as the previous point
	off := 0
	textLen := uint64(0)
	for i := range 7 * n {
		t, k := binary.Uvarint(tags[off:])
		if k <= 0 || t > MaxAddressField+1 {
			return dst, fmt.Errorf("%w: bad tag", errBlock)
		}
		off += k
		lens[i] = int32(t) - 1
		if t > 0 {
			textLen += t - 1
		}
	}
	text := tags[off:]
	if uint64(len(text)) != textLen {
		return dst, fmt.Errorf("%w: text is %d bytes, tags say %d", errBlock, len(text), textLen)
	}
	all := string(text)

	dst = slices.Grow(dst, n)
	var prev [7]string
	pos := 0
	for i := range n {
		p := aidmap.AddressPoint{
			Lon: math.Float64frombits(binary.LittleEndian.Uint64(lons[8*i:])),
			Lat: math.Float64frombits(binary.LittleEndian.Uint64(lats[8*i:])),
		}
		for j, f := range addressFields(&p) {
			if l := int(lens[7*i+j]); l >= 0 {
				prev[j] = all[pos : pos+l]
				pos += l
			}
			*f = prev[j]
		}
		dst = append(dst, p)
	}
	return dst, nil
}

// AddressBlocks cuts the points a ReplaceAddressPoints caller's next yields into encoded
// blocks, checking every point, so both stores read their input the same way.
type AddressBlocks struct {
	next    func() ([]aidmap.AddressPoint, error)
	batch   []aidmap.AddressPoint // what is left of next's latest batch
	pending []aidmap.AddressPoint // points of the block being filled (copies: next may reuse its slice)
	eof     bool
	n       int // points checked so far
}

// NewAddressBlocks returns the blocks of the points next yields (see ReplaceAddressPoints).
func NewAddressBlocks(next func() ([]aidmap.AddressPoint, error)) *AddressBlocks {
	return &AddressBlocks{next: next, pending: make([]aidmap.AddressPoint, 0, AddressBlockPoints)}
}

// Next appends the next block to buf and returns it with its number of points, or io.EOF
// after the last. Errors of next and of CheckAddressPoint are returned as they are; ctx is
// checked before every call of next.
func (a *AddressBlocks) Next(ctx context.Context, buf []byte) ([]byte, int, error) {
	a.pending = a.pending[:0]
	for len(a.pending) < AddressBlockPoints {
		if len(a.batch) == 0 {
			if a.eof {
				break
			}
			if err := ctx.Err(); err != nil {
				return buf, 0, err
			}
			batch, err := a.next()
			if errors.Is(err, io.EOF) {
				a.eof = true // points returned with io.EOF are taken, not dropped
			} else if err != nil {
				return buf, 0, err
			}
			a.batch = batch
			continue
		}
		k := min(len(a.batch), AddressBlockPoints-len(a.pending))
		for i := range a.batch[:k] {
			if err := CheckAddressPoint(a.n, &a.batch[i]); err != nil {
				return buf, 0, err
			}
			a.n++
		}
		a.pending = append(a.pending, a.batch[:k]...)
		a.batch = a.batch[k:]
	}
	if len(a.pending) == 0 {
		return buf, 0, io.EOF
	}
	n := len(a.pending)
	buf = AppendAddressBlock(buf, a.pending)
	clear(a.pending) // drop the caller's strings
	return buf, n, nil
}

// Points returns how many points Next has yielded in blocks so far.
func (a *AddressBlocks) Points() int { return a.n }

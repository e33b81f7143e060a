// Package format is the on-disk form of the places gazetteer: the file the generator
// (geocode/places/gen) writes and the places package embeds. It lives apart from both so that
// the generator does not embed the very file it is about to write, and so that one
// implementation encodes and decodes.
//
// The file is a gzip stream of:
//
//	magic "aidmap-places\x01"
//	uvarint n                     number of regions
//	n × (uvarint len, bytes)      "CC/RR" region keys: ISO country, "/", region code
//	uvarint m                     number of records
//	m × record
//
// and each record is
//
//	byte kind
//	uvarint region index
//	uvarint shared, uvarint len, bytes   name, front-coded against the previous record's
//	uvarint population
//	varint Δlat, varint Δlon             1e-5 degrees, against the previous record
//
// Records keep the order Encode was given. Only the standard library is imported.
package format

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Scale is how many coordinate units make a degree: 1e-5° is about 1.1 m, finer than any
// centroid in the sources deserves.
const Scale = 1e5

// Kinds of place. The order is the order in the file.
const (
	KindLocality uint8 = iota
	KindNeighbourhood
	KindPostalCode
	kindCount
)

// KindName is the name the places API gives each kind.
var KindName = [kindCount]string{"locality", "neighbourhood", "postal_code"}

const magic = "aidmap-places\x01"

// Limits that a corrupt file cannot push past: they bound what Decode allocates.
const (
	maxRecords = 10_000_000
	maxRegions = 1_000_000
	maxName    = 1 << 10
	maxRaw     = 1 << 28
)

// ErrCorrupt is returned (wrapped) for a file that is not a places file or is damaged.
var ErrCorrupt = errors.New("format: corrupt places file")

// Record is one place as stored: coordinates in 1e-5 degrees.
type Record struct {
	Kind       uint8
	Name       string
	Country    string // ISO 3166-1 alpha-2, upper case
	Region     string // ISO 3166-2 subdivision ("BC", "CA") or the source's admin1 code
	Population uint32
	Lat, Lon   int32
}

// Deg converts a coordinate in degrees to file units, rounding to the nearest.
func Deg(d float64) int32 { return int32(math.Round(d * Scale)) }

func regionKey(r Record) string { return r.Country + "/" + r.Region }

// Encode writes recs to w as a gzip-compressed places file, in the order given: the caller
// chooses it (the generator writes names in the order the places package indexes them, so
// that loading finds them already sorted) and front coding works best when neighbours
// share prefixes.
func Encode(w io.Writer, recs []Record) error {
	regions := map[string]uint64{}
	var keys []string
	for _, r := range recs {
		if r.Kind >= kindCount {
			return fmt.Errorf("format: encode %q: unknown kind %d", r.Name, r.Kind)
		}
		if len(r.Name) == 0 || len(r.Name) > maxName {
			return fmt.Errorf("format: encode %q: name length %d outside 1..%d", r.Name, len(r.Name), maxName)
		}
		if strings.Contains(r.Country, "/") {
			return fmt.Errorf("format: encode %q: country %q contains /", r.Name, r.Country)
		}
		k := regionKey(r)
		if _, ok := regions[k]; !ok {
			regions[k] = uint64(len(keys))
			keys = append(keys, k)
		}
	}
	var b []byte
	b = append(b, magic...)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
	}
	b = binary.AppendUvarint(b, uint64(len(recs)))
	var prev Record
	for _, r := range recs {
		shared := commonPrefix(prev.Name, r.Name)
		b = append(b, r.Kind)
		b = binary.AppendUvarint(b, regions[regionKey(r)])
		b = binary.AppendUvarint(b, uint64(shared))
		b = binary.AppendUvarint(b, uint64(len(r.Name)-shared))
		b = append(b, r.Name[shared:]...)
		b = binary.AppendUvarint(b, uint64(r.Population))
		b = binary.AppendVarint(b, int64(r.Lat)-int64(prev.Lat))
		b = binary.AppendVarint(b, int64(r.Lon)-int64(prev.Lon))
		prev = r
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("format: encode: %w", err)
	}
	if _, err := zw.Write(b); err != nil {
		return fmt.Errorf("format: encode: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("format: encode: %w", err)
	}
	return nil
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// Decode reads a places file written by Encode. Country and Region strings of records in
// the same region share memory, and names share one allocation. It never panics on damaged
// input; it returns an error wrapping ErrCorrupt instead.
func Decode(b []byte) ([]Record, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	var raw bytes.Buffer
	// gzip's trailer ends with the uncompressed size (mod 2^32): growing the buffer once
	// saves the copies of doubling it. A lying trailer only costs that allocation, bounded.
	if len(b) >= 4 {
		if n := binary.LittleEndian.Uint32(b[len(b)-4:]); n <= maxRaw {
			raw.Grow(int(n) + bytes.MinRead)
		}
	}
	if _, err := raw.ReadFrom(io.LimitReader(zr, maxRaw+1)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if raw.Len() > maxRaw {
		return nil, fmt.Errorf("%w: over %d bytes uncompressed", ErrCorrupt, maxRaw)
	}
	return decodeRaw(raw.Bytes())
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = fmt.Errorf("%w: bad uvarint", ErrCorrupt)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = fmt.Errorf("%w: bad varint", ErrCorrupt)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = fmt.Errorf("%w: truncated", ErrCorrupt)
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() byte {
	v := r.bytes(1)
	if v == nil {
		return 0
	}
	return v[0]
}

func decodeRaw(raw []byte) ([]Record, error) {
	if !bytes.HasPrefix(raw, []byte(magic)) {
		return nil, fmt.Errorf("%w: bad magic", ErrCorrupt)
	}
	rd := &reader{b: raw[len(magic):]}
	nreg := rd.uvarint()
	if nreg > maxRegions {
		return nil, fmt.Errorf("%w: %d regions", ErrCorrupt, nreg)
	}
	type region struct{ country, region string }
	regions := make([]region, 0, nreg)
	for range nreg {
		k := string(rd.bytes(rd.uvarint()))
		c, rg, ok := strings.Cut(k, "/")
		if rd.err == nil && !ok {
			return nil, fmt.Errorf("%w: region key %q", ErrCorrupt, k)
		}
		regions = append(regions, region{c, rg})
	}
	n := rd.uvarint()
	if rd.err != nil {
		return nil, rd.err
	}
	// Each record takes at least 7 bytes, so a count beyond that is a lie: refuse it before
	// allocating for it.
	if n > maxRecords || n > uint64(len(rd.b))/7+1 {
		return nil, fmt.Errorf("%w: %d records", ErrCorrupt, n)
	}
	recs := make([]Record, 0, n)
	// Names go into one blob, sliced once decoding is done: one allocation instead of one
	// per record, which is most of the load time saved.
	ends := make([]int, 0, n)
	var blob, name []byte
	var prevLat, prevLon int64
	for range n {
		var r Record
		r.Kind = rd.u8()
		ri := rd.uvarint()
		shared := rd.uvarint()
		suffix := rd.bytes(rd.uvarint())
		pop := rd.uvarint()
		dlat, dlon := rd.varint(), rd.varint()
		if rd.err != nil {
			return nil, rd.err
		}
		switch {
		case r.Kind >= kindCount:
			return nil, fmt.Errorf("%w: kind %d", ErrCorrupt, r.Kind)
		case ri >= uint64(len(regions)):
			return nil, fmt.Errorf("%w: region %d of %d", ErrCorrupt, ri, len(regions))
		case shared > uint64(len(name)) || shared+uint64(len(suffix)) > maxName || shared+uint64(len(suffix)) == 0:
			return nil, fmt.Errorf("%w: name %d+%d bytes", ErrCorrupt, shared, len(suffix))
		case pop > math.MaxUint32:
			return nil, fmt.Errorf("%w: population %d", ErrCorrupt, pop)
		}
		name = append(name[:shared], suffix...)
		blob = append(blob, name...)
		ends = append(ends, len(blob))
		r.Country, r.Region = regions[ri].country, regions[ri].region
		r.Population = uint32(pop)
		lat, lon := prevLat+dlat, prevLon+dlon
		if lat < -90*Scale || lat > 90*Scale || lon < -180*Scale || lon > 180*Scale {
			return nil, fmt.Errorf("%w: %q at %d,%d", ErrCorrupt, name, lat, lon)
		}
		r.Lat, r.Lon = int32(lat), int32(lon)
		recs = append(recs, r)
		prevLat, prevLon = lat, lon
	}
	if len(rd.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(rd.b))
	}
	all := string(blob)
	start := 0
	for i, end := range ends {
		recs[i].Name = all[start:end]
		start = end
	}
	return recs, nil
}

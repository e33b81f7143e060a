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
// Records are written sorted by (kind, region, name), which keeps the deltas and the name
// suffixes short before gzip sees them. Only the standard library is imported.
package format

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
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

// Compare orders records as the file stores them.
func Compare(a, b Record) int {
	if a.Kind != b.Kind {
		return int(a.Kind) - int(b.Kind)
	}
	if c := strings.Compare(regionKey(a), regionKey(b)); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	if a.Population != b.Population {
		if a.Population > b.Population {
			return -1
		}
		return 1
	}
	if a.Lat != b.Lat {
		return int(a.Lat) - int(b.Lat)
	}
	return int(a.Lon) - int(b.Lon)
}

// Encode writes recs (sorted in place first) to w as a gzip-compressed places file.
func Encode(w io.Writer, recs []Record) error {
	slices.SortFunc(recs, Compare)
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
// the same region share memory. It never panics on damaged input; it returns an error
// wrapping ErrCorrupt instead.
func Decode(r io.Reader) ([]Record, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return decodeRaw(raw)
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

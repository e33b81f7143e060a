// Package points reads open address point files (OpenAddresses CSV and GeoJSON lines, other
// address CSVs through a column mapping, OpenStreetMap .osm.pbf and .osm XML) into batches of
// aidmap.AddressPoint for the embedded gazetteer, rejecting unusable rows with a reason a
// deployer can act on.
//
// Readers stream: memory stays bounded by the batch size, except for OpenStreetMap building
// ways, whose centroids need the coordinates of their nodes (kept in a compact sorted table of
// only the nodes those ways use). It imports the domain, the standard library,
// github.com/paulmach/osm and golang.org/x/text (to read Windows-1252 text); it never
// touches a store: cmd/aidmap hands Reader.Next to store.Gazetteer.ReplaceAddressPoints.
package points

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aidmap/aidmap"
)

// Formats Options.Format accepts.
const (
	FormatOpenAddresses = "openaddresses" // CSV with a header; OpenAddresses columns or Options.Columns
	FormatGeoJSONL      = "geojsonl"      // one GeoJSON Feature per line (OpenAddresses since 2021)
	FormatOSMPBF        = "osm.pbf"       // OpenStreetMap protocol buffer extract
	FormatOSM           = "osm"           // OpenStreetMap XML
)

// DefaultBatchSize is the number of points a Reader yields per Next when Options.BatchSize is 0.
const DefaultBatchSize = 4096

// MaxExamples caps Summary.Examples, so a file where every row is wrong still gives a short report.
const MaxExamples = 100

// Summary counts what a Reader read. Read = Accepted + Rejected. For CSV and GeoJSON lines,
// Read counts data rows (not the header, not blank lines); for OpenStreetMap it counts the
// elements that carry an address (addr:housenumber). Points counts the points yielded: one
// per accepted row, except that an OpenStreetMap element listing several house numbers
// ("1;3;5") yields one point for each.
type Summary struct {
	Read, Accepted, Rejected int
	Points                   int
	Reasons                  map[string]int // rejections per Rejection.Reason
	Examples                 []Rejection    // the first MaxExamples rejections, in file order
}

// Rejection says which row was left out and why, in words a deployer can act on.
type Rejection struct {
	File   string // the member of a zip archive, when the input was one; else empty
	Row    int    // 1-based line of the file where the row starts (the header is line 1); 0 for OpenStreetMap
	Ref    string // the OpenStreetMap element ("node/42", "way/7"), when the input is OpenStreetMap
	Field  string // the column or tag as the file names it: "LAT", "addr:street"
	Value  string // the offending value, truncated to 100 bytes
	Reason string // one of a small fixed set of phrases, so Summary.Reasons groups them
}

func (r Rejection) String() string {
	var b strings.Builder
	if r.File != "" {
		b.WriteString(r.File)
		b.WriteString(": ")
	}
	switch {
	case r.Ref != "":
		b.WriteString(r.Ref)
	default:
		fmt.Fprintf(&b, "line %d", r.Row)
	}
	if r.Field != "" {
		b.WriteString(": ")
		b.WriteString(r.Field)
	}
	b.WriteString(": ")
	b.WriteString(r.Reason)
	if r.Value != "" {
		fmt.Fprintf(&b, " (%q)", r.Value)
	}
	return b.String()
}

// Reasons a row is rejected. They are fixed phrases so that Summary.Reasons adds up.
const (
	ReasonEmptyRow      = "empty row"
	ReasonNoCoordinate  = "missing coordinate"
	ReasonNotNumber     = "not a number"
	ReasonOutOfRange    = "coordinate out of range"
	ReasonNullIsland    = "coordinates are 0,0"
	ReasonNoStreet      = "missing street"
	ReasonNoNumber      = "missing house number"
	ReasonMalformedCSV  = "malformed CSV"
	ReasonInvalidJSON   = "invalid JSON"
	ReasonNotPoint      = "geometry is not a Point"
	ReasonMissingNodes  = "way refers to nodes missing from the file"
	ReasonRelation      = "addresses on relations are not supported"
	ReasonLongValue     = "value longer than 500 bytes"
	maxFieldBytes       = 500
	maxRejectValueBytes = 100
)

// Reader yields address points in batches. Next returns io.EOF, and no points, at the end,
// which is the contract of store.Gazetteer.ReplaceAddressPoints' next function; any other
// error is fatal to the read (rows that are merely bad are counted in Summary instead). A
// batch is only valid until the next call to Next.
type Reader interface {
	Next() ([]aidmap.AddressPoint, error)
	// Summary reports the counts so far; after io.EOF, for the whole input.
	Summary() Summary
}

// Options tune a read. The zero value detects the format and uses the defaults.
type Options struct {
	// Format is one of the Format constants, or "" to detect it from the name and content.
	Format string
	// Columns maps our field names to the header names of a CSV (case-insensitive), for
	// address files that do not use the OpenAddresses names. Fields: lon, lat, number,
	// street, unit, city, region, postcode, country, district (accepted and ignored:
	// AddressPoint has no district), and address (a whole address such as
	// "1 ALEXANDER ST, VANCOUVER, BC", split when number or street has no column). Fields
	// left out are found by their usual names (LON, longitude, lng, ...). The separator
	// (comma, semicolon, tab or bar) is taken from the header line.
	Columns map[string]string
	// BatchSize is the most points per Next; 0 means DefaultBatchSize.
	BatchSize int
	// Country is the ISO 3166-1 alpha-2 code given to points whose source names none. When
	// empty it is inferred from OpenAddresses paths such as "us/ca/berkeley.csv".
	Country string
	// Progress, when set, is called now and then with how many bytes of the input (of the
	// file as stored, compressed or not) have been read, for a progress bar against the
	// file's size. Formats that read the input more than once scale the count so that it
	// still ends at the size.
	Progress func(bytesRead int64)
}

func (o Options) batchSize() int {
	if o.BatchSize <= 0 {
		return DefaultBatchSize
	}
	return o.BatchSize
}

// Open reads r, a file called name (used to detect the format and the country), as
// opts.Format. OpenStreetMap PBF and XML are read in several passes (to place building ways
// at the centroid of their nodes) and need r to be an io.ReadSeeker. Compressed input is
// the caller's business here; OpenFile handles .gz and .zip.
func Open(ctx context.Context, name string, r io.Reader, opts Options) (Reader, error) {
	if opts.Country == "" {
		opts.Country = CountryFromPath(name)
	}
	opts.Country = strings.ToUpper(opts.Country)
	if opts.Country != "" && !isCountry(opts.Country) {
		return nil, fmt.Errorf("points: country %q is not an ISO 3166-1 alpha-2 code such as CA or US: %w", opts.Country, aidmap.ErrInvalid)
	}
	// An OpenStreetMap reader rewinds to where r stands now for each pass.
	rs, seekable := r.(io.ReadSeeker)
	var start int64
	if seekable {
		var err error
		if start, err = rs.Seek(0, io.SeekCurrent); err != nil {
			seekable = false
		}
	}
	format := opts.Format
	if format == "" && seekable {
		// Sniff and rewind, so that the bytes read here are neither lost nor counted twice
		// as progress by a reader that starts over for each pass.
		head := make([]byte, 512)
		n, err := io.ReadFull(rs, head)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("points: %s: %w", name, err)
		}
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return nil, fmt.Errorf("points: %s: %w", name, err)
		}
		format = DetectFormat(name, head[:n])
	}
	src := r
	if opts.Progress != nil {
		src = &countingReader{r: r, progress: opts.Progress}
	}
	br := bufio.NewReaderSize(src, 64<<10)
	if format == "" {
		head, _ := br.Peek(512)
		format = DetectFormat(name, head)
	}
	switch format {
	case FormatOpenAddresses:
		return newCSVReader(ctx, br, opts)
	case FormatGeoJSONL:
		return newGeoJSONLReader(ctx, br, opts), nil
	case FormatOSMPBF, FormatOSM:
		if !seekable {
			return nil, fmt.Errorf("points: %s: OpenStreetMap input is read in passes and needs a file, not a stream: %w", name, aidmap.ErrInvalid)
		}
		return newOSMReader(ctx, rs, start, format, opts)
	default:
		return nil, fmt.Errorf("points: %s: unknown format %q (want %s, %s, %s or %s): %w", name, format,
			FormatOpenAddresses, FormatGeoJSONL, FormatOSMPBF, FormatOSM, aidmap.ErrInvalid)
	}
}

// DetectFormat picks a format from a file name (extension, ignoring .gz) and, failing that,
// from the first bytes of its content. It falls back to CSV, the most common address file.
func DetectFormat(name string, head []byte) string {
	n := strings.ToLower(strings.TrimSuffix(strings.ToLower(path.Base(filepath.ToSlash(name))), ".gz"))
	switch {
	case strings.HasSuffix(n, ".osm.pbf") || strings.HasSuffix(n, ".pbf"):
		return FormatOSMPBF
	case strings.HasSuffix(n, ".osm"):
		return FormatOSM
	case strings.HasSuffix(n, ".geojson"), strings.HasSuffix(n, ".geojsonl"), strings.HasSuffix(n, ".geojsonseq"),
		strings.HasSuffix(n, ".ndjson"), strings.HasSuffix(n, ".jsonl"):
		return FormatGeoJSONL
	case strings.HasSuffix(n, ".csv"):
		return FormatOpenAddresses
	}
	t := bytes.TrimLeft(head, " \t\r\n\ufeff\x1e")
	switch {
	case len(t) > 0 && t[0] == '{':
		return FormatGeoJSONL
	case bytes.HasPrefix(t, []byte("<?xml")) || bytes.HasPrefix(t, []byte("<osm")):
		return FormatOSM
	case len(head) > 20 && bytes.Contains(head[:min(len(head), 32)], []byte("OSMHeader")):
		return FormatOSMPBF
	}
	return FormatOpenAddresses
}

// OpenFile opens the file at path and reads it: plain, gzip-compressed (.gz) or a zip
// archive (.zip, as OpenAddresses publishes them), whose address members (.csv, .geojson,
// .geojsonl) are read one after the other, each with the country its path implies. Close
// the returned io.Closer when done.
func OpenFile(ctx context.Context, name string, opts Options) (Reader, io.Closer, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("points: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("points: %w", err)
	}
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		r, err := openZip(ctx, f, fi.Size(), name, opts)
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		return r, f, nil
	case strings.HasSuffix(lower, ".gz"):
		inner := strings.TrimSuffix(name, name[len(name)-3:])
		if ff := DetectFormat(inner, nil); opts.Format == FormatOSM || opts.Format == FormatOSMPBF || ff == FormatOSM || ff == FormatOSMPBF {
			f.Close()
			return nil, nil, fmt.Errorf("points: %s: decompress OpenStreetMap files before importing (they are read in several passes): %w", name, aidmap.ErrInvalid)
		}
		zr, err := gzip.NewReader(bufio.NewReaderSize(&countingReader{r: f, progress: opts.Progress}, 64<<10))
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("points: %s: %w", name, err)
		}
		o := opts
		o.Progress = nil // counted on the compressed bytes above
		r, err := Open(ctx, inner, zr, o)
		if err != nil {
			zr.Close()
			f.Close()
			return nil, nil, err
		}
		return r, closers{zr, f}, nil
	}
	r, err := Open(ctx, name, f, opts)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, f, nil
}

// countingReader reports the running count of bytes read through it.
type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(c.n)
	}
	return n, err
}

// closers closes each in order and returns the first error.
type closers []io.Closer

func (cs closers) Close() error {
	var first error
	for _, c := range cs {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// tally collects the Summary that every reader keeps.
type tally struct {
	file string
	sum  Summary
}

func (t *tally) accept() {
	t.sum.Read++
	t.sum.Accepted++
	t.sum.Points++
}

func (t *tally) reject(r Rejection) {
	t.sum.Read++
	t.sum.Rejected++
	if t.sum.Reasons == nil {
		t.sum.Reasons = make(map[string]int)
	}
	t.sum.Reasons[r.Reason]++
	if len(t.sum.Examples) < MaxExamples {
		r.File = t.file
		r.Value = strings.ToValidUTF8(truncate(r.Value, maxRejectValueBytes), "\uFFFD")
		t.sum.Examples = append(t.sum.Examples, r)
	}
}

// summary returns a copy the caller may keep while reading goes on.
func (t *tally) summary() Summary {
	s := t.sum
	if s.Reasons != nil {
		s.Reasons = make(map[string]int, len(t.sum.Reasons))
		for k, v := range t.sum.Reasons {
			s.Reasons[k] = v
		}
	}
	s.Examples = append([]Rejection(nil), t.sum.Examples...)
	return s
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

// merge adds b into a, keeping the first MaxExamples examples overall.
func merge(a *Summary, b Summary) {
	a.Read += b.Read
	a.Accepted += b.Accepted
	a.Rejected += b.Rejected
	a.Points += b.Points
	for k, v := range b.Reasons {
		if a.Reasons == nil {
			a.Reasons = make(map[string]int)
		}
		a.Reasons[k] += v
	}
	for _, e := range b.Examples {
		if len(a.Examples) >= MaxExamples {
			break
		}
		a.Examples = append(a.Examples, e)
	}
}

// SortedReasons lists the reasons of s, most frequent first, for reports.
func (s Summary) SortedReasons() []string {
	rs := make([]string, 0, len(s.Reasons))
	for r := range s.Reasons {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool {
		if s.Reasons[rs[i]] != s.Reasons[rs[j]] {
			return s.Reasons[rs[i]] > s.Reasons[rs[j]]
		}
		return rs[i] < rs[j]
	})
	return rs
}

// Package formats chooses a reader for a file: it detects the format from the first bytes and
// the name (DetectFormat) and opens that format's reader package (ingest/table for CSV and
// TSV, ingest/xlsx, ingest/geojson, ingest/hsds, and ingest/icarol over a table whose columns
// are an iCarol 211 export's). It is the only package that knows every
// format; the pipeline (ingest) takes any ingest.Reader.
package formats

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/geojson"
	"github.com/aidmap/aidmap/ingest/icarol"
	"github.com/aidmap/aidmap/ingest/table"
	"github.com/aidmap/aidmap/ingest/xlsx"
)

// Options configure opening a file for the pipeline.
type Options struct {
	// Name is the file's name or path; its extension helps choose the format when the content
	// does not decide it.
	Name string
	// Format forces a format; empty detects it from the content and the name.
	Format ingest.Format
	// Table tunes the CSV/TSV reader (mapping file, encoding, delimiter, limits), and the
	// sheet of a workbook read as a table.
	Table table.Options
	// GeoJSON tunes the GeoJSON reader (limits).
	GeoJSON geojson.Options
	// Sheet names the sheet of a workbook to read; empty reads the first one with data.
	Sheet string
	// Today is the local date (in the organisation's time zone) against which HSDS schedules'
	// validity dates and holiday closures are checked: ended ones are left out. Zero keeps
	// every schedule, whatever its dates.
	Today time.Time
	// At and Size give random access to the whole file when it is a regular file, for formats
	// that need it (a zipped HSDS datapackage). At is nil for a stream.
	At   io.ReaderAt
	Size int64
}

// openFunc opens a reader of one format. r still holds every byte of the file, including the
// ones sniffed to choose the format.
type openFunc func(r io.Reader, opts Options) (ingest.Reader, error)

// readers opens each format: a new format's reader package is added here, and to
// DetectFormat. A format missing here is refused by NewReader as not supported yet rather
// than misread as a table.
var readers = map[ingest.Format]openFunc{
	ingest.FormatCSV: func(r io.Reader, opts Options) (ingest.Reader, error) {
		return table.NewReader(r, opts.Table)
	},
	ingest.FormatGeoJSON: func(r io.Reader, opts Options) (ingest.Reader, error) {
		return geojson.NewReader(r, opts.GeoJSON), nil
	},
	ingest.FormatXLSX: func(r io.Reader, opts Options) (ingest.Reader, error) {
		return xlsx.NewReader(r, xlsx.Options{Sheet: opts.Sheet, Table: opts.Table})
	},
	ingest.FormatHSDS: openHSDS,
	// An iCarol 211 export, CSV or a workbook, read as its hierarchy. Chosen by its columns
	// once a table is open (NewReader), or forced.
	ingest.FormatICarol: func(r io.Reader, opts Options) (ingest.Reader, error) {
		br := bufio.NewReader(r)
		head, _ := br.Peek(4)
		var rd ingest.Reader
		var err error
		if string(head) == "PK\x03\x04" {
			rd, err = xlsx.NewReader(br, xlsx.Options{Sheet: opts.Sheet, Table: opts.Table})
		} else {
			rd, err = table.NewReader(br, opts.Table)
		}
		if err != nil {
			return nil, err
		}
		return icarol.New(rd, icarol.Options{})
	},
}

// sniffBytes is how much of a file DetectFormat looks at.
const sniffBytes = 4 << 10

// NewReader detects the format of the file in r (from its first bytes, then its name) and
// returns a reader for it with the format it chose. It returns a *FileError wrapping
// aidmap.ErrInvalid for a format it cannot read.
func NewReader(r io.Reader, opts Options) (ingest.Reader, ingest.Format, error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, "", &ingest.FileError{Reason: "read the file", Err: err}
	}
	format := opts.Format
	if format == "" {
		format = DetectFormat(head, opts.Name)
		if format == ingest.FormatHSDS && xlsx.Detect(head, opts.At, opts.Size) {
			format = ingest.FormatXLSX // a workbook named .zip, or read with random access
		}
	}
	open, ok := readers[format]
	if !ok {
		return nil, format, &ingest.FileError{Reason: fmt.Sprintf("%s files cannot be read yet; export the list as CSV", format.Name()), Err: aidmap.ErrInvalid}
	}
	rd, err := open(br, opts)
	if err != nil {
		return nil, format, err
	}
	if opts.Format == "" && (format == ingest.FormatCSV || format == ingest.FormatXLSX) && icarol.Detect(rd.Dialect()) {
		// A 211 export of agencies, sites and programs: read as the hierarchy it is, not as
		// one site per row.
		h, err := icarol.New(rd, icarol.Options{})
		if err != nil {
			return nil, ingest.FormatICarol, err
		}
		return h, ingest.FormatICarol, nil
	}
	return rd, format, nil
}

// DetectFormat chooses a format from the first bytes of a file and its name. Content wins over
// the name: a .csv that holds JSON is JSON. A zip archive is an Excel workbook when it is
// named .xlsx or its first entries are [Content_Types].xml and xl/ parts, else an HSDS
// datapackage; a JSON document is GeoJSON when it says "FeatureCollection" or "Feature" near its start, else
// HSDS.
func DetectFormat(head []byte, name string) ingest.Format {
	ext := strings.ToLower(filepath.Ext(name))
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		if ext == ".xlsx" || ext == ".xlsm" || xlsx.Detect(head, nil, 0) {
			return ingest.FormatXLSX
		}
		return ingest.FormatHSDS
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == 0x1e { // RFC 8142 GeoJSON text sequence
		return ingest.FormatGeoJSON
	}
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		if ext == ".geojson" || bytes.Contains(trimmed, []byte(`"FeatureCollection"`)) || bytes.Contains(trimmed, []byte(`"Feature"`)) {
			return ingest.FormatGeoJSON
		}
		if trimmed[0] == '{' || looksHSDS(trimmed) {
			return ingest.FormatHSDS
		}
		// A JSON list of plain records: the GeoJSON reader reads each object as a row.
		return ingest.FormatGeoJSON
	}
	switch ext {
	case ".geojson":
		return ingest.FormatGeoJSON
	case ".zip":
		return ingest.FormatHSDS
	}
	return ingest.FormatCSV
}

// looksHSDS reports whether the start of a JSON array names HSDS objects' members.
func looksHSDS(head []byte) bool {
	for _, key := range []string{`"service_at_locations"`, `"locations"`, `"services"`, `"organization_id"`, `"service_id"`, `"location_id"`} {
		if bytes.Contains(head, []byte(key)) {
			return true
		}
	}
	return false
}

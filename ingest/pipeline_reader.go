package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
)

// Reader is what the pipeline reads records from: one file of any format. *TableReader is one;
// the GeoJSON and HSDS readers are others.
type Reader interface {
	// Next returns the next record, io.EOF after the last one, or a *FileError when the file
	// cannot be read further. Problems with one record are in Record.Problems, never errors.
	Next() (Record, error)
	// Dialect says how the file is written and how its fields were understood, for the
	// report. It is final once Next has returned io.EOF.
	Dialect() Dialect
}

// Format names a kind of file the pipeline reads.
type Format string

// Formats. FormatCSV covers every delimited text file (comma, semicolon, tab, pipe).
const (
	FormatCSV     Format = "csv"
	FormatGeoJSON Format = "geojson"
	FormatHSDS    Format = "hsds" // Open Referral HSDS: JSON, or a datapackage folder or zip
	FormatXLSX    Format = "xlsx" // an Excel workbook: one sheet read as a table
)

// ReadOptions configure opening a file for the pipeline.
type ReadOptions struct {
	// Name is the file's name or path; its extension helps choose the format when the content
	// does not decide it.
	Name string
	// Format forces a format; empty detects it from the content and the name.
	Format Format
	// Table tunes the CSV/TSV reader (mapping file, encoding, delimiter, limits).
	Table TableOptions
	// GeoJSON tunes the GeoJSON reader (limits).
	GeoJSON GeoJSONOptions
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
type openFunc func(r io.Reader, opts ReadOptions) (Reader, error)

// readers opens each format. A format's reader may also add itself here from an init function
// in its own file (the HSDS reader); until one does, NewReader says the format is not supported
// yet rather than misreading it as a table.
var readers = map[Format]openFunc{
	FormatCSV: func(r io.Reader, opts ReadOptions) (Reader, error) {
		return NewTableReader(r, opts.Table)
	},
	FormatGeoJSON: func(r io.Reader, opts ReadOptions) (Reader, error) {
		return NewGeoJSONReader(r, opts.GeoJSON), nil
	},
	FormatXLSX: func(r io.Reader, opts ReadOptions) (Reader, error) {
		return NewXLSXReader(r, XLSXOptions{Sheet: opts.Sheet, Table: opts.Table})
	},
}

// sniffBytes is how much of a file DetectFormat looks at.
const sniffBytes = 4 << 10

// NewReader detects the format of the file in r (from its first bytes, then its name) and
// returns a reader for it with the format it chose. It returns a *FileError wrapping
// aidmap.ErrInvalid for a format it cannot read.
func NewReader(r io.Reader, opts ReadOptions) (Reader, Format, error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, "", &FileError{Reason: "read the file", Err: err}
	}
	format := opts.Format
	if format == "" {
		format = DetectFormat(head, opts.Name)
		if format == FormatHSDS && isXLSX(head, opts.At, opts.Size) {
			format = FormatXLSX // a workbook named .zip, or read with random access
		}
	}
	open, ok := readers[format]
	if !ok {
		return nil, format, &FileError{Reason: fmt.Sprintf("%s files cannot be read yet; export the list as CSV", formatName(format)), Err: aidmap.ErrInvalid}
	}
	rd, err := open(br, opts)
	if err != nil {
		return nil, format, err
	}
	return rd, format, nil
}

// DetectFormat chooses a format from the first bytes of a file and its name. Content wins over
// the name: a .csv that holds JSON is JSON. A zip archive is an Excel workbook when it is
// named .xlsx or its first entries are [Content_Types].xml and xl/ parts, else an HSDS
// datapackage; a JSON document is GeoJSON when it says "FeatureCollection" or "Feature" near its start, else
// HSDS.
func DetectFormat(head []byte, name string) Format {
	ext := strings.ToLower(filepath.Ext(name))
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		if ext == ".xlsx" || ext == ".xlsm" || isXLSX(head, nil, 0) {
			return FormatXLSX
		}
		return FormatHSDS
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == 0x1e { // RFC 8142 GeoJSON text sequence
		return FormatGeoJSON
	}
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		if ext == ".geojson" || bytes.Contains(trimmed, []byte(`"FeatureCollection"`)) || bytes.Contains(trimmed, []byte(`"Feature"`)) {
			return FormatGeoJSON
		}
		if trimmed[0] == '{' || looksHSDS(trimmed) {
			return FormatHSDS
		}
		// A JSON list of plain records: the GeoJSON reader reads each object as a row.
		return FormatGeoJSON
	}
	switch ext {
	case ".geojson":
		return FormatGeoJSON
	case ".zip":
		return FormatHSDS
	}
	return FormatCSV
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

func formatName(f Format) string {
	switch f {
	case FormatCSV:
		return "CSV"
	case FormatGeoJSON:
		return "GeoJSON"
	case FormatHSDS:
		return "HSDS"
	case FormatXLSX:
		return "Excel"
	}
	return "such"
}

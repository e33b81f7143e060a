package ingest

// Reader is what the pipeline reads records from: one file of any format. Each format's reader
// is in its own package (ingest/table, ingest/xlsx, ingest/geojson, ingest/hsds);
// ingest/formats chooses one for a file.
type Reader interface {
	// Next returns the next record, io.EOF after the last one, or a *FileError when the file
	// cannot be read further. Problems with one record are in Record.Problems, never errors.
	Next() (Record, error)
	// Dialect says how the file is written and how its fields were understood, for the
	// report. It is final once Next has returned io.EOF.
	Dialect() Dialect
}

// Hierarchy counts what a file describing organisations, places and the services at them (a
// 211 export of agencies, sites and programs) produced, as the file describes them: rows
// rejected later (an address not found) are in the report's summary, not taken off here.
type Hierarchy struct {
	Organizations int `json:"organizations"`
	Places        int `json:"places"`
	Services      int `json:"services"`
}

// HierarchyReader is a Reader of such a file (ingest/icarol). Hierarchy is final once Next
// has returned io.EOF.
type HierarchyReader interface {
	Reader
	Hierarchy() Hierarchy
}

// Format names a kind of file the pipeline reads.
type Format string

// Formats. FormatCSV covers every delimited text file (comma, semicolon, tab, pipe).
const (
	FormatCSV     Format = "csv"
	FormatGeoJSON Format = "geojson"
	FormatHSDS    Format = "hsds" // Open Referral HSDS: JSON, or a datapackage folder or zip
	FormatXLSX    Format = "xlsx" // an Excel workbook: one sheet read as a table
	// FormatICarol is a 211 resource export in iCarol's layout (CSV or a workbook): agency,
	// site, program and program-at-site rows read as the hierarchy they are (ingest/icarol).
	FormatICarol Format = "icarol"
)

// Name is how a person calls the format: "CSV", "GeoJSON", "HSDS", "Excel".
func (f Format) Name() string {
	switch f {
	case FormatCSV:
		return "CSV"
	case FormatGeoJSON:
		return "GeoJSON"
	case FormatHSDS:
		return "HSDS"
	case FormatXLSX:
		return "Excel"
	case FormatICarol:
		return "iCarol 211 export"
	}
	return "such"
}

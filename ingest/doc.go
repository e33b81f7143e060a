// Package ingest turns NGOs' files into validated sites: the Record every reader yields, the
// conversion of a record into an aidmap.Site with its Problems, and the upload pipeline with
// its Report.
//
// What it may import is in ARCHITECTURE.md (checked by internal/archtest). It does not read
// flags or the environment, and no reader holds a whole file in memory unless its format
// needs random access (an Excel workbook, a zipped HSDS datapackage).
//
// # The parts
//
// Each file format has its own package, and this one knows none of them:
//
//	ingest           Record, Field and its header synonyms, Problem, FileError, Dialect, the Reader
//	                 interface, Format; Record.Site (normalisation and validation); Run, the pipeline,
//	                 and its Report
//	ingest/table     CSV and TSV text: decode (UTF-8 with or without BOM, UTF-16, Windows-1252) and
//	                 line endings, dialect (delimiter, header row), rows (quotes, multi-line cells,
//	                 ragged rows), and the column mapping every table shares (synonyms, 211 exports,
//	                 a mapping file)
//	ingest/xlsx      an Excel workbook: one sheet, read as a table through ingest/table's mapping
//	ingest/geojson   GeoJSON, newline-delimited GeoJSON, and plain JSON lists of records
//	ingest/hsds      Open Referral HSDS: 1.x/2.x CSV datapackages (folder or zip) and 3.0 JSON
//	ingest/icarol    a 211 export in iCarol's layout (CSV or a workbook) read as its hierarchy:
//	                 agencies are organisations, sites places, programs at sites services there
//	ingest/formats   the wiring: DetectFormat and NewReader choose and open a reader for a file
//
// Readers import ingest for Record; ingest cannot import them, so the choice of reader lives
// one step up, in ingest/formats, which callers (cmd/aidmap, upload) use. A new format is one
// reader package plus its line in formats.readers and formats.DetectFormat.
//
// Errors that stop reading are *FileError values wrapping aidmap.ErrInvalid (or the I/O error).
// Problems with a single row are values (Problem) carried by the Record, never errors, so one bad
// row never stops an upload.
//
// Run is the upload pipeline on top of the readers: read ─► convert and validate ─► geocode
// rows without coordinates ─► read opening hours ─► drop duplicate rows ─► one all-or-nothing
// write through the Writer it declares, with a Report of every row's problems.
package ingest

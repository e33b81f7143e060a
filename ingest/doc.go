// Package ingest turns NGOs' files into validated sites: readers (CSV and TSV, Excel workbooks,
// GeoJSON, plain JSON lists of records, and Open Referral HSDS: 1.x/2.x CSV datapackages and
// 3.0 JSON), normalisation, validation and the upload report.
//
// What it may import is in ARCHITECTURE.md (checked by internal/archtest). It does not read
// flags or the environment, and it never reads a whole file into memory: a TableReader streams
// rows with bounded buffers.
//
// The table reader works in layers, each fixing one kind of mess NGOs' spreadsheets carry:
//
//	bytes ─► decode (UTF-8 with or without BOM, UTF-16, Windows-1252) and line endings (CR, CRLF → LF)
//	      ─► dialect (delimiter, header row) from a sample
//	      ─► parse rows (quotes, multi-line cells, ragged rows)
//	      ─► map columns to our fields (English and French synonyms, 211 exports, a mapping file)
//	      ─► Record: the raw text of each field plus that row's problems
//
// Errors that stop reading are *FileError values wrapping aidmap.ErrInvalid (or the I/O error).
// Problems with a single row are values (Problem) carried by the Record, never errors, so one bad
// row never stops an upload.
//
// Run is the upload pipeline on top of the readers: read ─► convert and validate ─► geocode
// rows without coordinates ─► read opening hours ─► drop duplicate rows ─► one all-or-nothing
// write through the Writer it declares, with a Report of every row's problems.
package ingest

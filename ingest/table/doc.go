// Package table reads tables: CSV and TSV text, and the rows of any other table (an Excel
// sheet, through FromRows), into ingest.Records. It works in layers, each fixing one kind of
// mess NGOs' spreadsheets carry:
//
//	bytes ─► decode (UTF-8 with or without BOM, UTF-16, Windows-1252) and line endings (CR, CRLF → LF)
//	      ─► dialect (delimiter, header row) from a sample
//	      ─► parse rows (quotes, multi-line cells, ragged rows)
//	      ─► map columns to our fields (English and French synonyms, 211 exports, a mapping file)
//	      ─► ingest.Record: the raw text of each field plus that row's problems
//
// A Reader streams rows with bounded buffers: only the first 64 KiB are held, to detect the
// dialect. CSV is the decoder and parser alone, for tables whose layout a standard fixes
// (HSDS datapackages).
package table

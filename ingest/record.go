package ingest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aidmap/aidmap"
)

// Encoding names a text encoding the table reader understands. Whatever the file uses, records
// come out as UTF-8.
type Encoding string

// Encodings, by the names people see in editors' "Save as" dialogs.
const (
	// EncodingAuto asks the reader to detect the encoding.
	EncodingAuto    Encoding = ""
	EncodingUTF8    Encoding = "utf-8"
	EncodingUTF8BOM Encoding = "utf-8-bom" // UTF-8 starting with a byte order mark (Excel's "CSV UTF-8")
	EncodingUTF16LE Encoding = "utf-16le"  // Excel's "Unicode text" is UTF-16LE with a BOM
	EncodingUTF16BE Encoding = "utf-16be"
	// EncodingWindows1252 is also how Latin-1 (ISO 8859-1) files are read: the two agree on
	// every printable character except 0x80–0x9F, where Windows-1252 has €, curly quotes and
	// dashes and Latin-1 has invisible control codes nobody types.
	EncodingWindows1252 Encoding = "windows-1252"
)

// ParseEncoding returns the encoding named s ("utf-8", "UTF8", "latin-1", "cp1252", "utf-16", ...).
func ParseEncoding(s string) (Encoding, error) {
	switch NormaliseKey(s) {
	case "", "auto":
		return EncodingAuto, nil
	case "utf8":
		return EncodingUTF8, nil
	case "utf8bom", "utf8sig":
		return EncodingUTF8BOM, nil
	case "utf16", "utf16le", "unicode", "ucs2", "ucs2le":
		return EncodingUTF16LE, nil
	case "utf16be", "ucs2be":
		return EncodingUTF16BE, nil
	case "windows1252", "cp1252", "latin1", "iso88591", "l1", "ansi", "win1252":
		return EncodingWindows1252, nil
	}
	return "", fmt.Errorf("ingest: unknown encoding %q: use utf-8, utf-16le, utf-16be or windows-1252", s)
}

// LineEnding records which line breaks a file used, for the report.
type LineEnding string

// Line endings. Mixed means more than one kind was seen.
const (
	LineEndingNone  LineEnding = ""
	LineEndingLF    LineEnding = "lf"
	LineEndingCRLF  LineEnding = "crlf"
	LineEndingCR    LineEnding = "cr" // old Mac Excel "CSV (Macintosh)"
	LineEndingMixed LineEnding = "mixed"
)

// detectEncoding looks at the start of a file. It returns the encoding and how many bytes of
// byte order mark to skip. Without a BOM it recognises UTF-16 by its NUL bytes (text in Latin
// scripts has a NUL in every other byte) and otherwise says UTF-8: Windows-1252 is chosen later,
// by the decoder, when it meets bytes that are not UTF-8.
// MappedBy says how a column came to fill a field.
type MappedBy string

// Ways a column is mapped.
const (
	ByHeader  MappedBy = "header"  // its header is a synonym we know
	ByMapping MappedBy = "mapping" // the mapping file names it
	ByValues  MappedBy = "values"  // a file without a header: its values look like coordinates
)

// Column describes one column of the file for the report.
type Column struct {
	Index  int    // 0-based
	Letter string // spreadsheet letter: A, B, … AA
	Header string // as written; empty when the file has no header row
	Field  Field  // FieldNone when the column is not used
	By     MappedBy
}

// Name returns how a person refers to the column: its header, or "column C".
func (c Column) Name() string {
	if strings.TrimSpace(c.Header) != "" {
		return c.Header
	}
	return "column " + c.Letter
}

// columnLetter returns the spreadsheet name of the column with 0-based index i: A … Z, AA, AB …
func ColumnLetter(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append(b, byte('A'+(i-1)%26))
	}
	for l, r := 0, len(b)-1; l < r; l, r = l+1, r-1 {
		b[l], b[r] = b[r], b[l]
	}
	return string(b)
}

// Dialect describes how a file is written and how its columns were understood, for the
// upload report. Encoding, LineEnding and Notes can grow while reading (a Windows-1252 byte
// far into the file); they are final once Next has returned io.EOF.
type Dialect struct {
	Encoding        Encoding
	LineEnding      LineEnding
	Delimiter       rune
	Header          bool
	Columns         []Column
	CoordinateOrder CoordinateOrder // of the combined coordinates column, when there is one
	// Notes are file-level observations a data steward should read ("read as Windows-1252").
	Notes []string
}

// Unmapped returns the columns that fill no field.
func (d Dialect) Unmapped() []Column {
	var out []Column
	for _, c := range d.Columns {
		if c.Field == FieldNone {
			out = append(out, c)
		}
	}
	return out
}

// Column returns the column mapped to f.
func (d Dialect) Column(f Field) (Column, bool) {
	for _, c := range d.Columns {
		if c.Field == f {
			return c, true
		}
	}
	return Column{}, false
}

// Severity says what a problem does to its row.
type Severity uint8

// Severities.
const (
	Warning  Severity = iota // the row is used; someone should look
	Rejected                 // the row is not used
	// Skipped marks a row deliberately not published (inactive, or excluded from the website
	// in a 211 export): not a mistake in the file, and not a site.
	Skipped
)

func (s Severity) String() string {
	switch s {
	case Rejected:
		return "rejected"
	case Skipped:
		return "skipped"
	}
	return "warning"
}

// Problem is one thing wrong with one row: where (row, line, field), what (the value as
// written) and why, in words a volunteer can act on.
type Problem struct {
	Severity Severity
	Row      int    // as a spreadsheet shows it: header = 1
	Line     int    // line of the file where the row starts (differs from Row after multi-line cells)
	Field    string // our field name, or "" for the whole row
	Column   string // the column's name in the file, when known
	Value    string
	Reason   string
	// Detail says more about this row's case when Reason is a fixed text shared by many rows
	// (which parser error, which earlier row), so reports can group rows by Reason.
	Detail string
}

func (p Problem) String() string {
	fe := aidmap.FieldError{Row: p.Row, Field: p.Field, Value: p.Value, Reason: p.Reason}
	if p.Field == "" {
		fe.Field = "row"
	}
	return p.Severity.String() + ": " + fe.Error()
}

// Record is one data row: where it is, its cells as written, and the text of each of our fields
// (after mapping and constants, with a combined coordinates cell split into lat and lon).
type Record struct {
	Row      int      // spreadsheet row number; the header, when present, is row 1
	Line     int      // line of the file where the row starts
	Cells    []string // every cell in file order, as written
	Problems []Problem
	// Values holds the text of each field, as written; Get reads it.
	Values [NumFields]string
	// Columns names the column each field came from, for the report. Readers of tables share
	// one array among their records; a reader that sets it per record gives each its own.
	Columns *[NumFields]string
	// Hours are structured hours from readers of schedules (HSDS); nil for text hours.
	Hours *aidmap.Hours
	// Final marks a record its reader rejected outright, for a reason that makes every other
	// check noise (a row of a 211 hierarchy naming a program that is not in the file): Site
	// then checks nothing more.
	Final bool
}

// Get returns the text of field f, as written (not trimmed), or "".
func (r *Record) Get(f Field) string {
	if f < NumFields {
		return r.Values[f]
	}
	return ""
}

// Fields returns the non-empty fields by name, for reports and debugging.
func (r *Record) Fields() map[string]string {
	m := make(map[string]string)
	for f := FieldID; f < NumFields; f++ {
		if r.Values[f] != "" {
			m[f.String()] = r.Values[f]
		}
	}
	return m
}

// Rejected reports whether a problem rejects or skips the row.
func (r *Record) Rejected() bool {
	for _, p := range r.Problems {
		if p.Severity != Warning {
			return true
		}
	}
	return false
}

// Warn adds a warning about field to the record, naming column (or the field's column).
func (r *Record) Warn(field Field, column, value, reason string) {
	if column == "" && r.Columns != nil && field != FieldNone {
		column = r.Columns[field]
	}
	r.Problems = append(r.Problems, Problem{Severity: Warning, Row: r.Row, Line: r.Line,
		Field: field.String(), Column: column, Value: value, Reason: reason})
}

// FileError stops reading a file. Line is 0 when the problem is not at one line (a mapping
// file, an unreadable stream). Err is aidmap.ErrInvalid for a malformed file, or the I/O error.
type FileError struct {
	Line   int
	Reason string
	Err    error
}

func (e *FileError) Error() string {
	msg := "ingest: "
	if e.Line > 0 {
		msg += "line " + strconv.Itoa(e.Line) + ": "
	}
	msg += e.Reason
	if e.Err != nil && e.Err != aidmap.ErrInvalid {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *FileError) Unwrap() error { return e.Err }

// ByteSize writes a limit in bytes as people read it in a FileError: "64 KiB", "5 MiB".
func ByteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Clip shortens a value quoted in a Problem to 80 bytes (a whole UTF-8 character less, and
// "…"), so one huge cell does not swell the report.
func Clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	i := 77
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

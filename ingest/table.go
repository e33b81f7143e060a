package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aidmap/aidmap"
)

// HeaderMode says whether a file's first row names its columns.
type HeaderMode uint8

// Header modes. HeaderAuto decides from the first rows.
const (
	HeaderAuto HeaderMode = iota
	HeaderPresent
	HeaderAbsent
)

// Default limits. Each can be changed in TableOptions; reaching one stops reading with a
// FileError that says which limit and how to get under it.
const (
	DefaultMaxRowBytes = 1 << 20 // a line, or a row spanning lines
	DefaultMaxColumns  = 500
	DefaultMaxRows     = 5_000_000
)

// sampleBytes is how much text dialect detection looks at.
const sampleBytes = 64 << 10

// TableOptions tunes a TableReader. The zero value detects everything and uses the default
// limits.
type TableOptions struct {
	Encoding  Encoding   // EncodingAuto detects it
	Delimiter rune       // 0 detects one of , ; tab |
	Header    HeaderMode // HeaderAuto detects it
	// Mapping overrides column detection, and gives the defaults for the fields above when
	// they are left at zero.
	Mapping *Mapping

	MaxRowBytes int // 0 means DefaultMaxRowBytes
	MaxColumns  int // 0 means DefaultMaxColumns
	MaxRows     int // data rows; 0 means DefaultMaxRows, negative means no limit
}

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

// Stats counts what the reader saw so far.
type Stats struct {
	Rows       int // data rows returned by Next
	BlankRows  int // empty lines and rows whose cells are all empty, skipped
	RaggedRows int // rows with more or fewer cells than the header
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
	values   [numFields]string
	columns  *[numFields]string // each field's column name, shared by the reader's records
	hours    *aidmap.Hours      // parsed hours, from readers of structured schedules (HSDS)
}

// Get returns the text of field f, as written (not trimmed), or "".
func (r *Record) Get(f Field) string {
	if f < numFields {
		return r.values[f]
	}
	return ""
}

// Fields returns the non-empty fields by name, for reports and debugging.
func (r *Record) Fields() map[string]string {
	m := make(map[string]string)
	for f := FieldID; f < numFields; f++ {
		if r.values[f] != "" {
			m[f.String()] = r.values[f]
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

func (r *Record) warn(field Field, column, value, reason string) {
	if column == "" && r.columns != nil && field != FieldNone {
		column = r.columns[field]
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

// TableReader reads a CSV or TSV file row by row. Construct it with NewTableReader; it is not
// safe for concurrent use.
type TableReader struct {
	text    *textReader
	src     rowSource
	dialect Dialect
	stats   Stats
	maxRows int

	width     int            // cells a row should have: the header's, or the widest sampled row
	fieldCol  [numFields]int // column index + 1 of each field; 0 when unmapped
	constants [numFields]string
	coordCol  string // name of the combined coordinates column
	colNames  [numFields]string
	row       int   // spreadsheet row of the last row read
	err       error // sticky
}

// NewTableReader detects the encoding, delimiter, header and columns of a CSV or TSV file from
// its first 64 KiB and returns a reader for its rows. Only that sample is buffered; the rest is
// streamed. It returns a *FileError when the file cannot be read as a table at all (an empty
// file, a mapping naming a missing column).
func NewTableReader(r io.Reader, opts TableOptions) (*TableReader, error) {
	m := opts.Mapping
	if m == nil {
		m = &Mapping{}
	}
	if opts.Encoding == EncodingAuto {
		opts.Encoding = m.Encoding
	}
	if opts.Delimiter == 0 {
		opts.Delimiter = m.Delimiter
	}
	if opts.Header == HeaderAuto {
		opts.Header = m.Header
	}
	if opts.MaxRowBytes <= 0 {
		opts.MaxRowBytes = DefaultMaxRowBytes
	}
	opts.MaxRowBytes = max(opts.MaxRowBytes, 64) // bufio's minimum is 16; stay sensible
	if opts.MaxColumns <= 0 {
		opts.MaxColumns = DefaultMaxColumns
	}
	switch {
	case opts.MaxRows == 0:
		opts.MaxRows = DefaultMaxRows
	case opts.MaxRows < 0:
		opts.MaxRows = int(^uint(0) >> 1)
	}
	switch opts.Delimiter {
	case 0, ',', ';', '\t', '|':
	default:
		return nil, &FileError{Reason: fmt.Sprintf("delimiter %q is not supported: use , ; tab or |", opts.Delimiter), Err: aidmap.ErrInvalid}
	}

	t := &TableReader{maxRows: opts.MaxRows}

	// Encoding.
	raw := bufio.NewReaderSize(r, decodeChunk)
	head, err := raw.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, &FileError{Reason: "read the file", Err: err}
	}
	enc, declared := opts.Encoding, opts.Encoding != EncodingAuto
	detected, bom := detectEncoding(head)
	switch {
	case !declared:
		enc = detected
		declared = bom > 0
	case bom > 0 && detected != enc && !(enc == EncodingUTF8 && detected == EncodingUTF8BOM):
		t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("the file starts with a %s byte order mark although %s was asked for; read as %s", detected, enc, detected))
		enc = detected
	}
	if bom > 0 {
		raw.Discard(bom)
	}
	if !declared && enc == EncodingUTF16LE || !declared && enc == EncodingUTF16BE {
		t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("the file has no byte order mark but looks like %s (every other byte is zero); read as %s", enc, enc))
	}
	decodeAs := enc
	if enc == EncodingUTF8BOM {
		decodeAs = EncodingUTF8
	}
	t.text = newTextReader(raw, decodeAs, declared)
	t.dialect.Encoding = enc

	// Sample.
	text := bufio.NewReaderSize(t.text, max(opts.MaxRowBytes, sampleBytes))
	sample, err := text.Peek(sampleBytes)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, &FileError{Reason: "read the file", Err: err}
	}
	truncated := len(sample) == sampleBytes
	if len(bytes.TrimSpace(sample)) == 0 {
		return nil, &FileError{Reason: "the file is empty", Err: aidmap.ErrInvalid}
	}
	t.syncEncoding()

	// Delimiter.
	delim := byte(opts.Delimiter)
	if delim == 0 {
		var note string
		delim, note = sniffDelimiter(sample, truncated, opts.MaxColumns)
		if note != "" {
			t.dialect.Notes = append(t.dialect.Notes, note)
		}
	}
	t.dialect.Delimiter = rune(delim)
	rows := sampleRows(sample, truncated, delim, opts.MaxColumns, 200)
	if len(rows) == 0 {
		return nil, &FileError{Line: 1, Reason: "no row could be read in the first 64 KiB; is a closing quote (\") missing?", Err: aidmap.ErrInvalid}
	}

	if err := t.setup(m, opts.Header, rows, newParser(text, delim, opts.MaxRowBytes, opts.MaxColumns)); err != nil {
		return nil, err
	}
	return t, nil
}

// setup decides the header, maps the columns from the sampled rows (the first non-blank rows
// of the table, as src will return them again) and positions src after the header. The CSV
// and spreadsheet readers share it, so a sheet is understood exactly as the same list saved
// as CSV would be.
func (t *TableReader) setup(m *Mapping, header HeaderMode, rows [][]string, src rowSource) error {
	// A title above the header ("Shelter list, updated May 2024" alone in A1, then the
	// column names): skipped, with a note.
	titles := 0
	if header != HeaderAbsent && len(rows) > 2 && filled(rows[0]) == 1 && filled(rows[1]) >= 2 &&
		looksLikeHeader(rows[1], rows[2:]) {
		t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("the first row, %q, is a title above the column names; it was skipped", strings.TrimSpace(strings.Join(rows[0], " "))))
		rows, titles = rows[1:], 1
	}

	// Header.
	switch header {
	case HeaderPresent:
		t.dialect.Header = true
	case HeaderAbsent:
	default:
		t.dialect.Header = looksLikeHeader(rows[0], rows[1:])
		if !t.dialect.Header {
			t.dialect.Notes = append(t.dialect.Notes, "the first row looks like data, not column names, so the file was read as having no header row; columns are named by letter (A, B, C …) and can be mapped with a mapping file such as {\"name\": \"C\"}")
		}
	}
	var headers []string
	data := rows
	if t.dialect.Header {
		headers = rows[0]
		data = rows[1:]
		t.width = len(headers)
	} else {
		for _, r := range rows {
			t.width = max(t.width, len(r))
		}
	}
	t.dialect.Columns = make([]Column, t.width)
	for i := range t.dialect.Columns {
		c := Column{Index: i, Letter: columnLetter(i)}
		if i < len(headers) {
			c.Header = headers[i]
		}
		t.dialect.Columns[i] = c
	}

	// Columns.
	if err := t.mapColumns(m, headers, data); err != nil {
		return err
	}
	t.decideCoordinateOrder(m, data)

	t.src = src
	for ; titles > 0; titles-- {
		if _, err := t.src.next(); err != nil {
			return t.fail(err)
		}
		t.row += 1 + t.src.skipped()
	}
	if t.dialect.Header {
		// The header is the first row with a non-empty cell, as in the sample.
		for {
			cells, err := t.src.next()
			if err != nil {
				return t.fail(err)
			}
			t.row += 1 + t.src.skipped()
			if !blankRow(cells) {
				break
			}
		}
	}
	return nil
}

// Dialect returns how the file is written and how its columns are mapped.
func (t *TableReader) Dialect() Dialect {
	t.syncEncoding()
	d := t.dialect
	d.Columns = append([]Column(nil), d.Columns...)
	d.Notes = append([]string(nil), d.Notes...)
	return d
}

// Stats returns counts of what was read so far.
func (t *TableReader) Stats() Stats { return t.stats }

// syncEncoding brings the decoder's findings into the dialect.
func (t *TableReader) syncEncoding() {
	if t.text == nil { // a spreadsheet: no text encoding
		return
	}
	if t.text.enc == EncodingWindows1252 {
		t.dialect.Encoding = EncodingWindows1252
	}
	t.dialect.LineEnding = t.text.lineEnding()
	for len(t.text.notes) > 0 {
		t.dialect.Notes = append(t.dialect.Notes, t.text.notes[0])
		t.text.notes = t.text.notes[1:]
	}
}

func (t *TableReader) fail(err error) error {
	var re *rowError
	switch {
	case errors.As(err, &re):
		err = &FileError{Line: re.line, Reason: re.reason, Err: aidmap.ErrInvalid}
	case errors.Is(err, io.EOF):
		return io.EOF
	default:
		err = &FileError{Line: t.src.lastLine() + 1, Reason: "read the file", Err: err}
	}
	t.err = err
	return err
}

// Next returns the next data row, skipping blank ones. It returns io.EOF after the last row,
// and a *FileError when the file cannot be read further (a quote never closed, a row over the
// size limit, too many rows); problems with one row are in Record.Problems instead.
func (t *TableReader) Next() (Record, error) {
	if t.err != nil {
		return Record{}, t.err
	}
	for {
		cells, err := t.src.next()
		if err != nil {
			return Record{}, t.fail(err)
		}
		t.row += 1 + t.src.skipped()
		t.stats.BlankRows += t.src.skipped()
		if blankRow(cells) {
			t.stats.BlankRows++
			continue
		}
		if t.src.unterminated() && len(cells) < t.width {
			t.err = cutRowError(t.src.startLine(), len(cells), t.width)
			return Record{}, t.err
		}
		if t.stats.Rows >= t.maxRows {
			t.err = &FileError{Line: t.src.startLine(), Reason: fmt.Sprintf("the file has more than %d rows; split it into smaller files", t.maxRows), Err: aidmap.ErrInvalid}
			return Record{}, t.err
		}
		t.stats.Rows++
		rec := Record{Row: t.row, Line: t.src.startLine(), Cells: cells, columns: &t.colNames}
		t.fill(&rec)
		if t.src.strayQuote() {
			rec.warn(FieldNone, "", "", "a quote (\") inside a quoted cell is not doubled; it was kept as typed. Check the cells of this row")
		}
		return rec, nil
	}
}

// filled counts the non-empty cells of a row.
func filled(cells []string) int {
	n := 0
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			n++
		}
	}
	return n
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// fill maps cells to fields, applies constants, splits combined coordinates and flags ragged
// rows.
func (t *TableReader) fill(rec *Record) {
	cells := rec.Cells
	for f := FieldID; f < numFields; f++ {
		if c := t.fieldCol[f]; c > 0 && c <= len(cells) {
			rec.values[f] = cells[c-1]
		}
		if t.constants[f] != "" && strings.TrimSpace(rec.values[f]) == "" {
			rec.values[f] = t.constants[f]
		}
	}
	switch n := len(cells); {
	case n < t.width && t.src.padded():
	case n < t.width:
		t.stats.RaggedRows++
		rec.warn(FieldNone, "", "", fmt.Sprintf("the row has %d cells but the file has %d columns; the missing cells (from column %s) were read as empty", n, t.width, columnLetter(n)))
	case n > t.width:
		var extra []string
		for _, c := range cells[t.width:] {
			if strings.TrimSpace(c) != "" {
				extra = append(extra, c)
			}
		}
		if len(extra) > 0 { // trailing empty cells (a trailing delimiter) are harmless
			t.stats.RaggedRows++
			rec.warn(FieldNone, "", strings.Join(extra, " | "), fmt.Sprintf("the row has %d cells but the file has %d columns; the cells after column %s were ignored. Is there an unquoted delimiter in a cell?", n, t.width, columnLetter(t.width-1)))
		}
	}
	if t.fieldCol[FieldCoordinates] > 0 {
		t.splitCoordinates(rec)
	}
}

// splitCoordinates fills lat and lon from the combined coordinates cell when the row has no
// separate ones.
func (t *TableReader) splitCoordinates(rec *Record) {
	v := rec.values[FieldCoordinates]
	if strings.TrimSpace(v) == "" || strings.TrimSpace(rec.values[FieldLat]) != "" || strings.TrimSpace(rec.values[FieldLon]) != "" {
		return
	}
	p, ok := splitCoordinates(v)
	if !ok {
		rec.warn(FieldCoordinates, t.coordCol, v, "is not a pair of coordinates such as 49.28,-123.1 or POINT(-123.1 49.28)")
		return
	}
	order := p.order
	file := t.dialect.CoordinateOrder
	if order == OrderUnknown {
		own, valid := pairOrder(p.fa, p.fb)
		switch {
		case !valid || own == OrderUnknown && file != OrderUnknown:
			order = file // out of range either way: validation will say so
		case own == OrderUnknown:
			rec.warn(FieldCoordinates, t.coordCol, v, "both numbers are between -90 and 90, so it is unclear which is the latitude; read as lat,lon. Name the column \"lat,lon\" or \"lon,lat\" to say")
			order = LatLon
		default:
			if file != OrderUnknown && own != file {
				rec.warn(FieldCoordinates, t.coordCol, v, fmt.Sprintf("is in %s order, unlike most of the file (%s); read as %s", own, file, own))
			}
			order = own
		}
		if order == OrderUnknown {
			order = LatLon
		}
	}
	if order == LonLat {
		rec.values[FieldLon], rec.values[FieldLat] = p.a, p.b
	} else {
		rec.values[FieldLat], rec.values[FieldLon] = p.a, p.b
	}
}

// mapColumns fills fieldCol from the mapping file, the headers and, for a file without a
// header, the values.
func (t *TableReader) mapColumns(m *Mapping, headers []string, data [][]string) error {
	set := func(f Field, col int, by MappedBy) {
		t.fieldCol[f] = col + 1
		t.dialect.Columns[col].Field = f
		t.dialect.Columns[col].By = by
	}
	for _, f := range sortedFields(m.Columns) {
		ref := m.Columns[f]
		col, ok := columnRef(ref, headers, t.width)
		if !ok {
			var names []string
			for _, c := range t.dialect.Columns {
				names = append(names, fmt.Sprintf("%q", c.Name()))
			}
			return &FileError{Reason: fmt.Sprintf("mapping: %s: the file has no column %q; its columns are %s", f, ref, strings.Join(names, ", ")), Err: aidmap.ErrInvalid}
		}
		if prev := t.dialect.Columns[col].Field; prev != FieldNone {
			return &FileError{Reason: fmt.Sprintf("mapping: column %q is given for both %s and %s", ref, prev, f), Err: aidmap.ErrInvalid}
		}
		set(f, col, ByMapping)
	}
	for f, v := range m.Constants {
		t.constants[f] = v
	}
	if headers != nil {
		best := [numFields]int{}
		seen := map[string]int{}
		for i, h := range headers {
			k := normaliseKey(h)
			if k == "" {
				continue
			}
			if j, dup := seen[k]; dup {
				t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("columns %s and %s have the same header %q; only the first is used", columnLetter(j), columnLetter(i), h))
				continue
			}
			seen[k] = i
			s, ok := synonyms[k]
			if !ok || t.fieldCol[s.field] > 0 && t.dialect.Columns[t.fieldCol[s.field]-1].By == ByMapping {
				continue
			}
			if t.dialect.Columns[i].Field != FieldNone { // the mapping file took it
				continue
			}
			if c := t.fieldCol[s.field]; c == 0 || s.rank < best[s.field] {
				if c > 0 {
					t.dialect.Columns[c-1].Field, t.dialect.Columns[c-1].By = FieldNone, ""
				}
				best[s.field] = s.rank
				set(s.field, i, ByHeader)
			}
		}
		// A column called "location" or "position" is often a place's description, not its
		// coordinates: keep it as coordinates only if its values are.
		if c := t.fieldCol[FieldCoordinates]; c > 0 && t.dialect.Columns[c-1].By == ByHeader {
			if n, pairs := countPairs(data, c-1); n > 0 && pairs*2 < n {
				t.fieldCol[FieldCoordinates] = 0
				t.dialect.Columns[c-1].Field, t.dialect.Columns[c-1].By = FieldNone, ""
				t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("column %q does not hold coordinates (only %d of %d sampled values are pairs of numbers); it is not used as coordinates", headers[c-1], pairs, n))
			}
		}
	} else {
		t.guessByValues(data, set)
	}
	for f := FieldID; f < numFields; f++ {
		if c := t.fieldCol[f]; c > 0 {
			t.colNames[f] = t.dialect.Columns[c-1].Name()
		}
	}
	t.coordCol = t.colNames[FieldCoordinates]
	if t.colNames[FieldCategory] == "" && t.constants[FieldCategory] == "" {
		t.dialect.Notes = append(t.dialect.Notes, "no column gives the kind of service, so every site is filed as \"other\"; name the column \"category\" or give one for the whole file in a mapping file: {\"constants\": {\"category\": \"food_bank\"}}")
	}
	return nil
}

func countPairs(rows [][]string, col int) (n, pairs int) {
	for _, r := range rows {
		if col < len(r) && strings.TrimSpace(r[col]) != "" {
			n++
			if _, ok := splitCoordinates(r[col]); ok {
				pairs++
			}
		}
	}
	return n, pairs
}

// guessByValues maps coordinates in a file without a header: a column whose sampled values are
// all pairs of coordinates, or two neighbouring columns of decimal degrees (latitude first unless
// the values say otherwise). Names and addresses are not guessed: a wrong guess there would
// publish wrong sites, so the note asks for a mapping file instead.
func (t *TableReader) guessByValues(data [][]string, set func(Field, int, MappedBy)) {
	if len(data) == 0 {
		return
	}
	degrees := make([]bool, t.width) // every value a decimal number within ±180 with decimals
	over90 := make([]bool, t.width)
	for col := 0; col < t.width; col++ {
		if t.dialect.Columns[col].Field != FieldNone {
			continue
		}
		if n, pairs := countPairs(data, col); n > 0 && pairs == n && t.fieldCol[FieldCoordinates] == 0 && t.fieldCol[FieldLat] == 0 {
			set(FieldCoordinates, col, ByValues)
			continue
		}
		n, ok := 0, true
		for _, r := range data {
			if col >= len(r) || strings.TrimSpace(r[col]) == "" {
				continue
			}
			n++
			v, hemi, good := parseDegrees(r[col])
			if !good || hemi != 0 || !strings.ContainsAny(r[col], ".,") || v < -180 || v > 180 {
				ok = false
				break
			}
			if v < -90 || v > 90 {
				over90[col] = true
			}
		}
		degrees[col] = ok && n > 0
	}
	if t.fieldCol[FieldLat] > 0 || t.fieldCol[FieldLon] > 0 || t.fieldCol[FieldCoordinates] > 0 {
		return
	}
	for col := 0; col+1 < t.width; col++ {
		if !degrees[col] || !degrees[col+1] {
			continue
		}
		lat, lon := col, col+1
		switch {
		case over90[col] && !over90[col+1]:
			lat, lon = col+1, col
		case over90[col] == over90[col+1]:
			t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("columns %s and %s look like coordinates but their values do not show which is the latitude; read as latitude, longitude", columnLetter(col), columnLetter(col+1)))
		}
		set(FieldLat, lat, ByValues)
		set(FieldLon, lon, ByValues)
		return
	}
}

// decideCoordinateOrder fixes the order of a combined coordinates column: the mapping file's,
// else what the sampled values show (a number beyond ±90 can only be a longitude), else what the
// header says ("lon,lat"), else unknown (each ambiguous row then gets a warning).
func (t *TableReader) decideCoordinateOrder(m *Mapping, data [][]string) {
	c := t.fieldCol[FieldCoordinates]
	if c == 0 {
		return
	}
	if m.CoordinateOrder != OrderUnknown {
		t.dialect.CoordinateOrder = m.CoordinateOrder
		return
	}
	var latLon, lonLat int
	for _, r := range data {
		if c-1 >= len(r) {
			continue
		}
		p, ok := splitCoordinates(r[c-1])
		if !ok || p.order != OrderUnknown {
			continue // WKT and hemisphere letters carry their own order
		}
		switch o, _ := pairOrder(p.fa, p.fb); o {
		case LatLon:
			latLon++
		case LonLat:
			lonLat++
		}
	}
	header := coordinateOrderOfHeader(t.dialect.Columns[c-1].Header)
	name := t.dialect.Columns[c-1].Name()
	switch {
	case latLon > lonLat:
		t.dialect.CoordinateOrder = LatLon
	case lonLat > latLon:
		t.dialect.CoordinateOrder = LonLat
	default:
		t.dialect.CoordinateOrder = header
		if header != OrderUnknown {
			t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("column %q is read as %s, as its header says", name, header))
		}
		return
	}
	o := t.dialect.CoordinateOrder
	t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("column %q holds coordinates in %s order (%d of %d sampled values can only be read that way)", name, o, max(latLon, lonLat), latLon+lonLat))
	if header != OrderUnknown && header != o {
		t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("column %q is named %s but its values are %s; the values were followed", name, header, o))
	}
}

// sampleRows parses up to limit rows of the sample. When the sample was cut short, its last row
// may be incomplete and is dropped.
func sampleRows(sample []byte, truncated bool, delim byte, maxCols, limit int) [][]string {
	p := newParser(bufio.NewReaderSize(bytes.NewReader(sample), len(sample)+16), delim, len(sample)+16, maxCols)
	var rows [][]string
	for len(rows) < limit+1 {
		r, err := p.read(nil)
		if err != nil {
			break
		}
		if !blankRow(r) {
			rows = append(rows, r)
		}
	}
	if truncated && len(rows) > limit {
		rows = rows[:limit]
	} else if truncated && len(rows) > 1 {
		rows = rows[:len(rows)-1]
	}
	return rows
}

// sniffDelimiter picks the delimiter that splits the sample's rows most consistently into the
// same number (at least two) of cells, quotes respected, preferring more cells and then the
// order , ; tab |. A file where none splits is one column; comma is returned.
func sniffDelimiter(sample []byte, truncated bool, maxCols int) (byte, string) {
	best, bestCons, bestMode := byte(','), 0.0, 0
	for _, d := range []byte{',', ';', '\t', '|'} {
		rows := sampleRows(sample, truncated, d, maxCols, 50)
		if len(rows) == 0 {
			continue
		}
		freq := map[int]int{}
		for _, r := range rows {
			freq[len(r)]++
		}
		mode, f := 0, 0
		for n, c := range freq {
			if c > f || c == f && n > mode {
				mode, f = n, c
			}
		}
		if mode < 2 {
			continue
		}
		cons := float64(f) / float64(len(rows))
		if cons > bestCons+1e-9 || cons > bestCons-1e-9 && mode > bestMode {
			best, bestCons, bestMode = d, cons, mode
		}
	}
	if bestMode == 0 {
		return ',', "no delimiter splits the rows into columns; the file was read as a single column"
	}
	return best, ""
}

// looksLikeHeader decides whether the first row names columns: it does when it has known
// header words and no data-like cells (numbers, coordinates, e-mail, web or phone values), or,
// with no known words, when its cells are short, distinct, non-empty labels that never appear
// among the values below them.
func looksLikeHeader(first []string, rest [][]string) bool {
	known, data, empty := 0, 0, 0
	seen := map[string]bool{}
	distinct := true
	for _, c := range first {
		c = strings.TrimSpace(c)
		switch {
		case c == "":
			empty++
			continue
		case looksLikeData(c):
			data++
		}
		k := normaliseKey(c)
		if _, ok := synonyms[k]; ok {
			known++
		}
		if seen[k] {
			distinct = false
		}
		seen[k] = true
	}
	switch {
	case known > 0 && data == 0:
		return true
	case known >= 2 && known > data:
		return true
	case data > 0 || empty > 0 || !distinct:
		return false
	}
	for i, c := range first {
		c = strings.TrimSpace(c)
		if len(c) > 60 {
			return false
		}
		for _, r := range rest {
			if i < len(r) && strings.TrimSpace(r[i]) == c {
				return false // a label does not reappear as a value of its column
			}
		}
	}
	return true
}

// looksLikeData reports whether a cell reads as a value rather than a column name.
func looksLikeData(c string) bool {
	if _, _, ok := parseDegrees(c); ok {
		return true
	}
	if _, ok := splitCoordinates(c); ok {
		return true
	}
	if strings.Contains(c, "@") || strings.Contains(c, "://") || strings.HasPrefix(strings.ToLower(c), "www.") {
		return true
	}
	digits := 0
	for i := 0; i < len(c); i++ {
		if isDigitByte(c[i]) {
			digits++
		}
	}
	return digits >= 7 || len(c) > 80
}

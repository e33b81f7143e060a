package table

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
)

// HeaderMode says whether a file's first row names its columns.
type HeaderMode uint8

// Header modes. HeaderAuto decides from the first rows.
const (
	HeaderAuto HeaderMode = iota
	HeaderPresent
	HeaderAbsent
)

// Default limits. Each can be changed in Options; reaching one stops reading with a
// FileError that says which limit and how to get under it.
const (
	DefaultMaxRowBytes = 1 << 20 // a line, or a row spanning lines
	DefaultMaxColumns  = 500
	DefaultMaxRows     = 5_000_000
)

// sampleBytes is how much text dialect detection looks at.
const sampleBytes = 64 << 10

// Options tunes a Reader. The zero value detects everything and uses the default
// limits.
type Options struct {
	Encoding  ingest.Encoding // EncodingAuto detects it
	Delimiter rune            // 0 detects one of , ; tab |
	Header    HeaderMode      // HeaderAuto detects it
	// Mapping overrides column detection, and gives the defaults for the fields above when
	// they are left at zero.
	Mapping *Mapping

	MaxRowBytes int // 0 means DefaultMaxRowBytes
	MaxColumns  int // 0 means DefaultMaxColumns
	MaxRows     int // data rows; 0 means DefaultMaxRows, negative means no limit
}

// Stats counts what the reader saw so far.
type Stats struct {
	Rows       int // data rows returned by Next
	BlankRows  int // empty lines and rows whose cells are all empty, skipped
	RaggedRows int // rows with more or fewer cells than the header
}

// Reader reads a CSV or TSV file row by row. Construct it with NewReader; it is not
// safe for concurrent use.
type Reader struct {
	text    *textReader
	src     RowSource
	dialect ingest.Dialect
	stats   Stats
	maxRows int

	width     int                   // cells a row should have: the header's, or the widest sampled row
	fieldCol  [ingest.NumFields]int // column index + 1 of each field; 0 when unmapped
	constants [ingest.NumFields]string
	coordCol  string // name of the combined coordinates column
	colNames  [ingest.NumFields]string
	row       int   // spreadsheet row of the last row read
	err       error // sticky
}

// NewReader detects the encoding, delimiter, header and columns of a CSV or TSV file from
// its first 64 KiB and returns a reader for its rows. Only that sample is buffered; the rest is
// streamed. It returns a *FileError when the file cannot be read as a table at all (an empty
// file, a mapping naming a missing column).
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	m := opts.Mapping
	if m == nil {
		m = &Mapping{}
	}
	if opts.Encoding == ingest.EncodingAuto {
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
		return nil, &ingest.FileError{Reason: fmt.Sprintf("delimiter %q is not supported: use , ; tab or |", opts.Delimiter), Err: aidmap.ErrInvalid}
	}

	t := &Reader{maxRows: opts.MaxRows}

	// Encoding.
	raw := bufio.NewReaderSize(r, decodeChunk)
	head, err := raw.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, &ingest.FileError{Reason: "read the file", Err: err}
	}
	enc, declared := opts.Encoding, opts.Encoding != ingest.EncodingAuto
	detected, bom := detectEncoding(head)
	switch {
	case !declared:
		enc = detected
		declared = bom > 0
	case bom > 0 && detected != enc && !(enc == ingest.EncodingUTF8 && detected == ingest.EncodingUTF8BOM):
		t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("the file starts with a %s byte order mark although %s was asked for; read as %s", detected, enc, detected))
		enc = detected
	}
	if bom > 0 {
		raw.Discard(bom)
	}
	if !declared && enc == ingest.EncodingUTF16LE || !declared && enc == ingest.EncodingUTF16BE {
		t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("the file has no byte order mark but looks like %s (every other byte is zero); read as %s", enc, enc))
	}
	decodeAs := enc
	if enc == ingest.EncodingUTF8BOM {
		decodeAs = ingest.EncodingUTF8
	}
	t.text = newTextReader(raw, decodeAs, declared)
	t.dialect.Encoding = enc

	// Sample.
	text := bufio.NewReaderSize(t.text, max(opts.MaxRowBytes, sampleBytes))
	sample, err := text.Peek(sampleBytes)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, &ingest.FileError{Reason: "read the file", Err: err}
	}
	truncated := len(sample) == sampleBytes
	if len(bytes.TrimSpace(sample)) == 0 {
		return nil, &ingest.FileError{Reason: "the file is empty", Err: aidmap.ErrInvalid}
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
		return nil, &ingest.FileError{Line: 1, Reason: "no row could be read in the first 64 KiB; is a closing quote (\") missing?", Err: aidmap.ErrInvalid}
	}

	if err := t.setup(m, opts.Header, rows, newParser(text, delim, opts.MaxRowBytes, opts.MaxColumns)); err != nil {
		return nil, err
	}
	return t, nil
}

// FromRows returns a reader over the rows of src, a table that is not CSV text (a
// spreadsheet's sheet): sample is its first non-blank rows, as src will return them again,
// from which the header and columns are decided exactly as for the same list saved as CSV.
// opts' encoding and delimiter do not apply. notes come first in the Dialect's notes (which
// sheet was read).
func FromRows(src RowSource, sample [][]string, opts Options, notes ...string) (*Reader, error) {
	m := opts.Mapping
	if m == nil {
		m = &Mapping{}
	}
	if opts.Header == HeaderAuto {
		opts.Header = m.Header
	}
	switch {
	case opts.MaxRows == 0:
		opts.MaxRows = DefaultMaxRows
	case opts.MaxRows < 0:
		opts.MaxRows = int(^uint(0) >> 1)
	}
	t := &Reader{maxRows: opts.MaxRows}
	t.dialect.Notes = notes
	if err := t.setup(m, opts.Header, sample, src); err != nil {
		return nil, err
	}
	return t, nil
}

// setup decides the header, maps the columns from the sampled rows (the first non-blank rows
// of the table, as src will return them again) and positions src after the header. The CSV
// and spreadsheet readers share it, so a sheet is understood exactly as the same list saved
// as CSV would be.
func (t *Reader) setup(m *Mapping, header HeaderMode, rows [][]string, src RowSource) error {
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
	t.dialect.Columns = make([]ingest.Column, t.width)
	for i := range t.dialect.Columns {
		c := ingest.Column{Index: i, Letter: ingest.ColumnLetter(i)}
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
		if _, err := t.src.Next(); err != nil {
			return t.fail(err)
		}
		t.row += 1 + t.src.Skipped()
	}
	if t.dialect.Header {
		// The header is the first row with a non-empty cell, as in the sample.
		for {
			cells, err := t.src.Next()
			if err != nil {
				return t.fail(err)
			}
			t.row += 1 + t.src.Skipped()
			if !BlankRow(cells) {
				break
			}
		}
	}
	return nil
}

// Dialect returns how the file is written and how its columns are mapped.
func (t *Reader) Dialect() ingest.Dialect {
	t.syncEncoding()
	d := t.dialect
	d.Columns = append([]ingest.Column(nil), d.Columns...)
	d.Notes = append([]string(nil), d.Notes...)
	return d
}

// Stats returns counts of what was read so far.
func (t *Reader) Stats() Stats { return t.stats }

// syncEncoding brings the decoder's findings into the dialect.
func (t *Reader) syncEncoding() {
	if t.text == nil { // a spreadsheet: no text encoding
		return
	}
	if t.text.enc == ingest.EncodingWindows1252 {
		t.dialect.Encoding = ingest.EncodingWindows1252
	}
	t.dialect.LineEnding = t.text.lineEnding()
	for len(t.text.notes) > 0 {
		t.dialect.Notes = append(t.dialect.Notes, t.text.notes[0])
		t.text.notes = t.text.notes[1:]
	}
}

func (t *Reader) fail(err error) error {
	var re *RowError
	switch {
	case errors.As(err, &re):
		err = &ingest.FileError{Line: re.Line, Reason: re.Reason, Err: aidmap.ErrInvalid}
	case errors.Is(err, io.EOF):
		return io.EOF
	default:
		err = &ingest.FileError{Line: t.src.LastLine() + 1, Reason: "read the file", Err: err}
	}
	t.err = err
	return err
}

// Next returns the next data row, skipping blank ones. It returns io.EOF after the last row,
// and a *FileError when the file cannot be read further (a quote never closed, a row over the
// size limit, too many rows); problems with one row are in Record.Problems instead.
func (t *Reader) Next() (ingest.Record, error) {
	if t.err != nil {
		return ingest.Record{}, t.err
	}
	for {
		cells, err := t.src.Next()
		if err != nil {
			return ingest.Record{}, t.fail(err)
		}
		t.row += 1 + t.src.Skipped()
		t.stats.BlankRows += t.src.Skipped()
		if BlankRow(cells) {
			t.stats.BlankRows++
			continue
		}
		if t.src.Unterminated() && len(cells) < t.width {
			t.err = CutRowError(t.src.StartLine(), len(cells), t.width)
			return ingest.Record{}, t.err
		}
		if t.stats.Rows >= t.maxRows {
			t.err = &ingest.FileError{Line: t.src.StartLine(), Reason: fmt.Sprintf("the file has more than %d rows; split it into smaller files", t.maxRows), Err: aidmap.ErrInvalid}
			return ingest.Record{}, t.err
		}
		t.stats.Rows++
		rec := ingest.Record{Row: t.row, Line: t.src.StartLine(), Cells: cells, Columns: &t.colNames}
		t.fill(&rec)
		if t.src.StrayQuote() {
			rec.Warn(ingest.FieldNone, "", "", "a quote (\") inside a quoted cell is not doubled; it was kept as typed. Check the cells of this row")
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

// BlankRow reports whether every cell of a row is empty or spaces.
func BlankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// fill maps cells to fields, applies constants, splits combined coordinates and flags ragged
// rows.
func (t *Reader) fill(rec *ingest.Record) {
	cells := rec.Cells
	for f := ingest.FieldID; f < ingest.NumFields; f++ {
		if c := t.fieldCol[f]; c > 0 && c <= len(cells) {
			rec.Values[f] = cells[c-1]
		}
		if t.constants[f] != "" && strings.TrimSpace(rec.Values[f]) == "" {
			rec.Values[f] = t.constants[f]
		}
	}
	switch n := len(cells); {
	case n < t.width && t.src.Padded():
	case n < t.width:
		t.stats.RaggedRows++
		rec.Warn(ingest.FieldNone, "", "", fmt.Sprintf("the row has %d cells but the file has %d columns; the missing cells (from column %s) were read as empty", n, t.width, ingest.ColumnLetter(n)))
	case n > t.width:
		var extra []string
		for _, c := range cells[t.width:] {
			if strings.TrimSpace(c) != "" {
				extra = append(extra, c)
			}
		}
		if len(extra) > 0 { // trailing empty cells (a trailing delimiter) are harmless
			t.stats.RaggedRows++
			rec.Warn(ingest.FieldNone, "", strings.Join(extra, " | "), fmt.Sprintf("the row has %d cells but the file has %d columns; the cells after column %s were ignored. Is there an unquoted delimiter in a cell?", n, t.width, ingest.ColumnLetter(t.width-1)))
		}
	}
	if t.fieldCol[ingest.FieldCoordinates] > 0 {
		t.splitCoordinates(rec)
	}
}

// splitCoordinates fills lat and lon from the combined coordinates cell when the row has no
// separate ones.
func (t *Reader) splitCoordinates(rec *ingest.Record) {
	v := rec.Values[ingest.FieldCoordinates]
	if strings.TrimSpace(v) == "" || strings.TrimSpace(rec.Values[ingest.FieldLat]) != "" || strings.TrimSpace(rec.Values[ingest.FieldLon]) != "" {
		return
	}
	p, ok := ingest.SplitCoordinates(v)
	if !ok {
		rec.Warn(ingest.FieldCoordinates, t.coordCol, v, "is not a pair of coordinates such as 49.28,-123.1 or POINT(-123.1 49.28)")
		return
	}
	order := p.Order
	file := t.dialect.CoordinateOrder
	if order == ingest.OrderUnknown {
		own, valid := ingest.PairOrder(p.DegA, p.DegB)
		switch {
		case !valid || own == ingest.OrderUnknown && file != ingest.OrderUnknown:
			order = file // out of range either way: validation will say so
		case own == ingest.OrderUnknown:
			rec.Warn(ingest.FieldCoordinates, t.coordCol, v, "both numbers are between -90 and 90, so it is unclear which is the latitude; read as lat,lon. Name the column \"lat,lon\" or \"lon,lat\" to say")
			order = ingest.LatLon
		default:
			if file != ingest.OrderUnknown && own != file {
				rec.Warn(ingest.FieldCoordinates, t.coordCol, v, fmt.Sprintf("is in %s order, unlike most of the file (%s); read as %s", own, file, own))
			}
			order = own
		}
		if order == ingest.OrderUnknown {
			order = ingest.LatLon
		}
	}
	if order == ingest.LonLat {
		rec.Values[ingest.FieldLon], rec.Values[ingest.FieldLat] = p.A, p.B
	} else {
		rec.Values[ingest.FieldLat], rec.Values[ingest.FieldLon] = p.A, p.B
	}
}

// mapColumns fills fieldCol from the mapping file, the headers and, for a file without a
// header, the values.
func (t *Reader) mapColumns(m *Mapping, headers []string, data [][]string) error {
	set := func(f ingest.Field, col int, by ingest.MappedBy) {
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
			return &ingest.FileError{Reason: fmt.Sprintf("mapping: %s: the file has no column %q; its columns are %s", f, ref, strings.Join(names, ", ")), Err: aidmap.ErrInvalid}
		}
		if prev := t.dialect.Columns[col].Field; prev != ingest.FieldNone {
			return &ingest.FileError{Reason: fmt.Sprintf("mapping: column %q is given for both %s and %s", ref, prev, f), Err: aidmap.ErrInvalid}
		}
		set(f, col, ingest.ByMapping)
	}
	for f, v := range m.Constants {
		t.constants[f] = v
	}
	if headers != nil {
		best := [ingest.NumFields]int{}
		seen := map[string]int{}
		for i, h := range headers {
			k := ingest.NormaliseKey(h)
			if k == "" {
				continue
			}
			if j, dup := seen[k]; dup {
				t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("columns %s and %s have the same header %q; only the first is used", ingest.ColumnLetter(j), ingest.ColumnLetter(i), h))
				continue
			}
			seen[k] = i
			field, rank, ok := ingest.HeaderField(k)
			if !ok || t.fieldCol[field] > 0 && t.dialect.Columns[t.fieldCol[field]-1].By == ingest.ByMapping {
				continue
			}
			if t.dialect.Columns[i].Field != ingest.FieldNone { // the mapping file took it
				continue
			}
			if c := t.fieldCol[field]; c == 0 || rank < best[field] {
				if c > 0 {
					t.dialect.Columns[c-1].Field, t.dialect.Columns[c-1].By = ingest.FieldNone, ""
				}
				best[field] = rank
				set(field, i, ingest.ByHeader)
			}
		}
		// A column called "location" or "position" is often a place's description, not its
		// coordinates: keep it as coordinates only if its values are.
		if c := t.fieldCol[ingest.FieldCoordinates]; c > 0 && t.dialect.Columns[c-1].By == ingest.ByHeader {
			if n, pairs := countPairs(data, c-1); n > 0 && pairs*2 < n {
				t.fieldCol[ingest.FieldCoordinates] = 0
				t.dialect.Columns[c-1].Field, t.dialect.Columns[c-1].By = ingest.FieldNone, ""
				t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("column %q does not hold coordinates (only %d of %d sampled values are pairs of numbers); it is not used as coordinates", headers[c-1], pairs, n))
			}
		}
	} else {
		t.guessByValues(data, set)
	}
	for f := ingest.FieldID; f < ingest.NumFields; f++ {
		if c := t.fieldCol[f]; c > 0 {
			t.colNames[f] = t.dialect.Columns[c-1].Name()
		}
	}
	t.coordCol = t.colNames[ingest.FieldCoordinates]
	if t.colNames[ingest.FieldCategory] == "" && t.constants[ingest.FieldCategory] == "" {
		t.dialect.Notes = append(t.dialect.Notes, "no column gives the kind of service, so every site is filed as \"other\"; name the column \"category\" or give one for the whole file in a mapping file: {\"constants\": {\"category\": \"food_bank\"}}")
	}
	return nil
}

func countPairs(rows [][]string, col int) (n, pairs int) {
	for _, r := range rows {
		if col < len(r) && strings.TrimSpace(r[col]) != "" {
			n++
			if _, ok := ingest.SplitCoordinates(r[col]); ok {
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
func (t *Reader) guessByValues(data [][]string, set func(ingest.Field, int, ingest.MappedBy)) {
	if len(data) == 0 {
		return
	}
	degrees := make([]bool, t.width) // every value a decimal number within ±180 with decimals
	over90 := make([]bool, t.width)
	for col := 0; col < t.width; col++ {
		if t.dialect.Columns[col].Field != ingest.FieldNone {
			continue
		}
		if n, pairs := countPairs(data, col); n > 0 && pairs == n && t.fieldCol[ingest.FieldCoordinates] == 0 && t.fieldCol[ingest.FieldLat] == 0 {
			set(ingest.FieldCoordinates, col, ingest.ByValues)
			continue
		}
		n, ok := 0, true
		for _, r := range data {
			if col >= len(r) || strings.TrimSpace(r[col]) == "" {
				continue
			}
			n++
			v, hemi, good := ingest.ParseDegrees(r[col])
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
	if t.fieldCol[ingest.FieldLat] > 0 || t.fieldCol[ingest.FieldLon] > 0 || t.fieldCol[ingest.FieldCoordinates] > 0 {
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
			t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("columns %s and %s look like coordinates but their values do not show which is the latitude; read as latitude, longitude", ingest.ColumnLetter(col), ingest.ColumnLetter(col+1)))
		}
		set(ingest.FieldLat, lat, ingest.ByValues)
		set(ingest.FieldLon, lon, ingest.ByValues)
		return
	}
}

// decideCoordinateOrder fixes the order of a combined coordinates column: the mapping file's,
// else what the sampled values show (a number beyond ±90 can only be a longitude), else what the
// header says ("lon,lat"), else unknown (each ambiguous row then gets a warning).
func (t *Reader) decideCoordinateOrder(m *Mapping, data [][]string) {
	c := t.fieldCol[ingest.FieldCoordinates]
	if c == 0 {
		return
	}
	if m.CoordinateOrder != ingest.OrderUnknown {
		t.dialect.CoordinateOrder = m.CoordinateOrder
		return
	}
	var latLon, lonLat int
	for _, r := range data {
		if c-1 >= len(r) {
			continue
		}
		p, ok := ingest.SplitCoordinates(r[c-1])
		if !ok || p.Order != ingest.OrderUnknown {
			continue // WKT and hemisphere letters carry their own order
		}
		switch o, _ := ingest.PairOrder(p.DegA, p.DegB); o {
		case ingest.LatLon:
			latLon++
		case ingest.LonLat:
			lonLat++
		}
	}
	header := ingest.CoordinateOrderOfHeader(t.dialect.Columns[c-1].Header)
	name := t.dialect.Columns[c-1].Name()
	switch {
	case latLon > lonLat:
		t.dialect.CoordinateOrder = ingest.LatLon
	case lonLat > latLon:
		t.dialect.CoordinateOrder = ingest.LonLat
	default:
		t.dialect.CoordinateOrder = header
		if header != ingest.OrderUnknown {
			t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("column %q is read as %s, as its header says", name, header))
		}
		return
	}
	o := t.dialect.CoordinateOrder
	t.dialect.Notes = append(t.dialect.Notes, fmt.Sprintf("column %q holds coordinates in %s order (%d of %d sampled values can only be read that way)", name, o, max(latLon, lonLat), latLon+lonLat))
	if header != ingest.OrderUnknown && header != o {
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
		if !BlankRow(r) {
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
		k := ingest.NormaliseKey(c)
		if _, _, ok := ingest.HeaderField(k); ok {
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
	if _, _, ok := ingest.ParseDegrees(c); ok {
		return true
	}
	if _, ok := ingest.SplitCoordinates(c); ok {
		return true
	}
	if strings.Contains(c, "@") || strings.Contains(c, "://") || strings.HasPrefix(strings.ToLower(c), "www.") {
		return true
	}
	digits := 0
	for i := 0; i < len(c); i++ {
		if '0' <= c[i] && c[i] <= '9' {
			digits++
		}
	}
	return digits >= 7 || len(c) > 80
}

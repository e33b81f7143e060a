// Package xlsx reads one sheet of an Excel workbook (.xlsx) as a table: the rows go through
// ingest/table's header detection and column mapping, so a sheet is read exactly as the same
// list saved as CSV would be.
package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/table"
	"github.com/xuri/excelize/v2"
)

// Limits of the spreadsheet reader. An .xlsx file is a zip archive of XML, so its size on disk
// says little about the memory it needs: a few kilobytes can unzip to gigabytes. Both the
// file and what it unzips to are bounded.
const (
	DefaultMaxBytes    = 64 << 20  // the .xlsx file itself
	DefaultMaxUnzipped = 256 << 20 // everything it unzips to (sheets, shared strings)
)

// Options tunes the spreadsheet reader. The zero value reads the first sheet with data,
// with the default limits.
type Options struct {
	// Sheet names the sheet to read; empty reads the first visible sheet that has a value.
	Sheet string
	// Table gives the header, mapping and row limits, as for a CSV file. Its Encoding and
	// Delimiter do not apply to a spreadsheet.
	Table       table.Options
	MaxBytes    int64 // 0 means DefaultMaxBytes
	MaxUnzipped int64 // 0 means DefaultMaxUnzipped
}

// Reader reads one sheet of an Excel workbook (.xlsx) as a table: the same header
// detection, column synonyms, mapping file and validation as a CSV file, since the sheet is the
// same list a volunteer would otherwise have saved as CSV. Cells are read as Excel displays
// them (dates and numbers in their number format), rows one at a time from the sheet's XML.
type Reader struct {
	*table.Reader
	file *excelize.File
	rows *excelize.Rows
}

// Close releases the workbook. Reading to io.EOF releases it too.
func (x *Reader) Close() error {
	if x.file == nil {
		return nil
	}
	x.rows.Close()
	err := x.file.Close()
	x.file = nil
	return err
}

// Next returns the next data row of the sheet; see table.Reader.Next.
func (x *Reader) Next() (ingest.Record, error) {
	rec, err := x.Reader.Next()
	if err != nil {
		x.Close()
	}
	return rec, err
}

// NewReader reads the workbook in r (within opts.MaxBytes) and returns a reader for the
// rows of its sheet. It returns a *FileError for a file that is not a workbook, a sheet that
// does not exist, an empty workbook or a workbook over the limits.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxUnzipped <= 0 {
		opts.MaxUnzipped = DefaultMaxUnzipped
	}
	data, err := io.ReadAll(io.LimitReader(r, opts.MaxBytes+1))
	if err != nil {
		return nil, &ingest.FileError{Reason: "read the spreadsheet", Err: err}
	}
	if int64(len(data)) > opts.MaxBytes {
		return nil, &ingest.FileError{Reason: fmt.Sprintf("the spreadsheet is larger than %s; save the sheet as CSV instead", ingest.ByteSize(int(opts.MaxBytes))), Err: aidmap.ErrInvalid}
	}
	if err := checkWorkbook(data, opts.MaxUnzipped); err != nil {
		return nil, err
	}
	// Everything stays in memory (UnzipXMLSizeLimit = UnzipSizeLimit), so no worksheet is
	// spilled to a temporary file that a reader abandoned before EOF would leave behind.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: opts.MaxUnzipped, UnzipXMLSizeLimit: opts.MaxUnzipped})
	if err != nil {
		reason := "the file is not an Excel workbook (.xlsx) that can be read"
		switch {
		case errors.Is(err, excelize.ErrWorkbookPassword), errors.Is(err, excelize.ErrWorkbookFileFormat):
			reason = "the workbook is protected by a password or is an old .xls file; save it as .xlsx without a password, or as CSV"
		case strings.Contains(err.Error(), "size exceeds"):
			reason = fmt.Sprintf("the spreadsheet unzips to more than %s; save the sheet as CSV instead", ingest.ByteSize(int(opts.MaxUnzipped)))
		}
		return nil, &ingest.FileError{Reason: reason, Err: fmt.Errorf("%w: %v", aidmap.ErrInvalid, err)}
	}
	x := &Reader{file: f}
	src, sheet, notes, err := openSheet(f, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	x.rows = src.rows
	t, err := newSheetTable(src, opts.Table, append([]string{fmt.Sprintf("read sheet %q", sheet)}, notes...))
	if err != nil {
		x.Close()
		return nil, err
	}
	x.Reader = t
	return x, nil
}

// checkWorkbook reads every XML part of the workbook through once and refuses it when one is
// damaged: the zip's directory or a part's checksum, XML that is not well formed or ends
// early, bytes that are not UTF-8. excelize reads a sheet's rows until its XML stops making
// sense and then reports the end of the sheet, so a cut-off sheet would otherwise read as a
// shorter list (and a replace would retire every site after the cut).
func checkWorkbook(data []byte, maxUnzipped int64) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return &ingest.FileError{Reason: "the file is not an Excel workbook (.xlsx) that can be read: its zip directory is damaged or missing; is the file complete?", Err: fmt.Errorf("%w: %v", aidmap.ErrInvalid, err)}
	}
	left := maxUnzipped
	for _, f := range zr.File {
		ext := strings.ToLower(path.Ext(f.Name))
		if ext != ".xml" && ext != ".rels" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return &ingest.FileError{Reason: fmt.Sprintf("the workbook is damaged: its part %s cannot be opened", f.Name), Err: fmt.Errorf("%w: %v", aidmap.ErrInvalid, err)}
		}
		lr := &io.LimitedReader{R: rc, N: left + 1}
		err = checkXML(lr)
		rc.Close()
		if lr.N <= 0 {
			return &ingest.FileError{Reason: fmt.Sprintf("the spreadsheet unzips to more than %s; save the sheet as CSV instead", ingest.ByteSize(int(maxUnzipped))), Err: aidmap.ErrInvalid}
		}
		left = lr.N - 1
		if err != nil {
			return &ingest.FileError{Reason: fmt.Sprintf("the workbook is damaged: its part %s %s; is the file complete? Save it again from Excel, or as CSV", f.Name, err), Err: aidmap.ErrInvalid}
		}
	}
	return nil
}

// checkXML reads an XML document to its end and says what is wrong with it, if anything:
// not well formed, elements left open, not UTF-8, or a zip checksum that does not match.
func checkXML(r io.Reader) error {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	var open []xml.Name
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			if len(open) > 0 {
				return fmt.Errorf("ends with the element <%s> still open", open[len(open)-1].Local)
			}
			return nil
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return fmt.Errorf("is not well-formed XML at line %d: %s", se.Line, se.Msg)
			}
			return fmt.Errorf("cannot be read: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			open = append(open, t.Name)
		case xml.EndElement:
			if len(open) == 0 || open[len(open)-1] != t.Name {
				return fmt.Errorf("is not well-formed XML: </%s> closes no open element", t.Name.Local)
			}
			open = open[:len(open)-1]
		case xml.CharData:
			if !utf8.Valid(t) {
				return fmt.Errorf("is not UTF-8")
			}
		}
	}
}

// openSheet finds the sheet to read: the one named, else the first visible sheet with a
// non-empty cell.
func openSheet(f *excelize.File, opts Options) (*sheetSource, string, []string, error) {
	names := f.GetSheetList()
	if len(names) == 0 {
		return nil, "", nil, &ingest.FileError{Reason: "the workbook has no sheet", Err: aidmap.ErrInvalid}
	}
	newSrc := func(name string) (*sheetSource, error) {
		rows, err := f.Rows(name)
		if err != nil {
			return nil, &ingest.FileError{Reason: fmt.Sprintf("read sheet %q", name), Err: fmt.Errorf("%w: %v", aidmap.ErrInvalid, err)}
		}
		return &sheetSource{rows: rows, maxCols: max(opts.Table.MaxColumns, 0), maxRow: opts.Table.MaxRowBytes}, nil
	}
	if opts.Sheet != "" {
		for _, n := range names {
			if strings.EqualFold(strings.TrimSpace(n), strings.TrimSpace(opts.Sheet)) {
				src, err := newSrc(n)
				return src, n, nil, err
			}
		}
		return nil, "", nil, &ingest.FileError{Reason: fmt.Sprintf("the workbook has no sheet %q; its sheets are %s", opts.Sheet, quoteList(names)), Err: aidmap.ErrInvalid}
	}
	var skipped []string
	for _, n := range names {
		if visible, err := f.GetSheetVisible(n); err == nil && !visible {
			skipped = append(skipped, n+" (hidden)")
			continue
		}
		src, err := newSrc(n)
		if err != nil {
			return nil, "", nil, err
		}
		if err := src.fill(1); err != nil {
			src.rows.Close()
			return nil, "", nil, asFileError(err)
		}
		if len(src.queue) == 0 {
			src.rows.Close()
			skipped = append(skipped, n+" (empty)")
			continue
		}
		var notes []string
		if len(names) > 1 {
			notes = append(notes, fmt.Sprintf("the workbook has %d sheets (%s); only %q was read. Choose another with the sheet option", len(names), quoteList(names), n))
		}
		return src, n, notes, nil
	}
	return nil, "", nil, &ingest.FileError{Reason: "every sheet of the workbook is empty or hidden: " + strings.Join(skipped, ", "), Err: aidmap.ErrInvalid}
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// newSheetTable samples the sheet's first rows and sets up the table reader on them, as
// table.NewReader does for text.
func newSheetTable(src *sheetSource, opts table.Options, notes []string) (*table.Reader, error) {
	if opts.MaxColumns <= 0 {
		opts.MaxColumns = table.DefaultMaxColumns
	}
	if opts.MaxRowBytes <= 0 {
		opts.MaxRowBytes = table.DefaultMaxRowBytes
	}
	src.maxCols, src.maxRow = opts.MaxColumns, opts.MaxRowBytes
	if err := src.fill(201); err != nil {
		return nil, asFileError(err)
	}
	if len(src.queue) == 0 {
		return nil, &ingest.FileError{Reason: "the sheet is empty", Err: aidmap.ErrInvalid}
	}
	rows := make([][]string, len(src.queue))
	for i, r := range src.queue {
		rows[i] = r.cells
	}
	return table.FromRows(src, rows, opts, notes...)
}

// asFileError turns a row's error into the error that stops reading the file.
func asFileError(err error) error {
	var re *table.RowError
	if errors.As(err, &re) {
		return &ingest.FileError{Line: re.Line, Reason: re.Reason, Err: aidmap.ErrInvalid}
	}
	return err
}

// sheetRow is a non-blank row read ahead for the sample.
type sheetRow struct {
	cells []string
	num   int // the sheet's row number
	blank int // blank rows before it
}

// sheetSource is a RowSource over a worksheet's rows. It reads ahead the rows the table
// reader samples, then hands them out again before reading on.
type sheetSource struct {
	rows    *excelize.Rows
	maxCols int
	maxRow  int
	queue   []sheetRow
	num     int // rows read from the sheet
	blank   int // blank rows since the last non-blank one
	eof     bool
	cur     sheetRow
}

// fill reads ahead until n non-blank rows are queued or the sheet ends.
func (s *sheetSource) fill(n int) error {
	for len(s.queue) < n && !s.eof {
		r, err := s.readRow()
		if err == io.EOF {
			s.eof = true
			break
		}
		if err != nil {
			return err
		}
		s.queue = append(s.queue, r)
	}
	return nil
}

// readRow reads the next non-blank row from the sheet.
func (s *sheetSource) readRow() (sheetRow, error) {
	for s.rows.Next() {
		s.num++
		cells, err := s.rows.Columns()
		if err != nil {
			return sheetRow{}, &table.RowError{Line: s.num, Reason: "the row cannot be read: " + err.Error()}
		}
		if table.BlankRow(cells) {
			s.blank++
			continue
		}
		// Trailing empty cells (formatted but empty) are not columns.
		for len(cells) > 0 && strings.TrimSpace(cells[len(cells)-1]) == "" {
			cells = cells[:len(cells)-1]
		}
		if s.maxCols > 0 && len(cells) > s.maxCols {
			return sheetRow{}, &table.RowError{Line: s.num, Reason: fmt.Sprintf("the row has more than %d cells; only lists with one column per field can be read", s.maxCols)}
		}
		size := 0
		for i, c := range cells {
			cells[i] = strings.ReplaceAll(strings.ReplaceAll(c, "\r\n", "\n"), "\r", "\n")
			size += len(c)
		}
		if s.maxRow > 0 && size > s.maxRow {
			return sheetRow{}, &table.RowError{Line: s.num, Reason: fmt.Sprintf("the row is longer than %s", ingest.ByteSize(s.maxRow))}
		}
		r := sheetRow{cells: cells, num: s.num, blank: s.blank}
		s.blank = 0
		return r, nil
	}
	if err := s.rows.Error(); err != nil {
		return sheetRow{}, &table.RowError{Line: s.num + 1, Reason: "the sheet cannot be read further: " + err.Error()}
	}
	return sheetRow{}, io.EOF
}

func (s *sheetSource) Next() ([]string, error) {
	if len(s.queue) > 0 {
		s.cur = s.queue[0]
		s.queue = s.queue[1:]
		return s.cur.cells, nil
	}
	if s.eof {
		return nil, io.EOF
	}
	r, err := s.readRow()
	if err == io.EOF {
		s.eof = true
	}
	if err != nil {
		return nil, err
	}
	s.cur = r
	return r.cells, nil
}

func (s *sheetSource) Skipped() int       { return s.cur.blank }
func (s *sheetSource) StartLine() int     { return s.cur.num }
func (s *sheetSource) LastLine() int      { return s.num }
func (s *sheetSource) StrayQuote() bool   { return false }
func (s *sheetSource) Padded() bool       { return true }
func (s *sheetSource) Unterminated() bool { return false }

// Detect reports whether a zip archive is an Office Open XML spreadsheet: its
// [Content_Types].xml declares a spreadsheetml part. With random access (at) the archive's
// directory is read; a stream is judged from the names in its first local headers, which
// are not compressed.
func Detect(head []byte, at io.ReaderAt, size int64) bool {
	if !bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return false
	}
	if at != nil && size > 0 {
		zr, err := zip.NewReader(at, size)
		if err != nil {
			return false
		}
		for _, f := range zr.File {
			if f.Name != "[Content_Types].xml" {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return false
			}
			defer rc.Close()
			ct, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
			return bytes.Contains(ct, []byte("spreadsheetml"))
		}
		return false
	}
	// Excel writes [Content_Types].xml first; other writers (excelize) start with a sheet.
	return bytes.Contains(head, []byte("[Content_Types].xml")) && bytes.Contains(head, []byte("xl/")) ||
		bytes.Contains(head, []byte("xl/worksheets/")) || bytes.Contains(head, []byte("xl/workbook.xml"))
}

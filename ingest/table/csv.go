package table

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
)

// parser splits LF-terminated UTF-8 text (the textReader's output) into rows of cells. It reads
// RFC 4180 CSV as encoding/csv does, and where encoding/csv would give up it reads the row the
// way a spreadsheet would:
//   - a quote inside an unquoted cell (12" pipe) is a literal quote;
//   - a quote inside a quoted cell that is not doubled ("He said "hi"") is kept literally and
//     the row is flagged, so people can fix their exporter;
//   - spaces between a delimiter and an opening quote, or after a closing quote, are ignored.
//
// Unlike encoding/csv it bounds memory: a line, or a row spanning several lines, may not exceed
// maxRow bytes, and a row may not have more than maxCols cells. It owns no goroutines and
// allocates one string per row for all its cells.
type parser struct {
	r       *bufio.Reader // its buffer size bounds a line; see newParser
	comma   byte
	maxRow  int
	maxCols int

	line  int // lines read so far: the number of the line last read
	start int // line on which the current row starts
	blank int // empty lines skipped before the current row
	stray bool
	noEOL bool // the current row is the file's last and no line break ends it

	buf  []byte
	ends []int
}

// RowError is a problem that stops parsing at a known line.
type RowError struct {
	Line   int
	Reason string
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

func newParser(r *bufio.Reader, comma byte, maxRow, maxCols int) *parser {
	return &parser{r: r, comma: comma, maxRow: maxRow, maxCols: maxCols}
}

// readLine returns the next line, LF included when present. The slice is valid until the next
// read. A line longer than the reader's buffer is an error.
func (p *parser) readLine() ([]byte, error) {
	line, err := p.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, &RowError{p.line + 1, fmt.Sprintf("the line is longer than %s; is this a CSV file?", ingest.ByteSize(min(p.maxRow, p.r.Size())))}
	}
	if len(line) > 0 {
		p.line++
		if err == io.EOF {
			err = nil
		}
	}
	return line, err
}

// read returns the cells of the next row, skipping empty lines (counted in p.blank). The
// strings share one allocation. It returns io.EOF after the last row.
func (p *parser) read(dst []string) ([]string, error) {
	p.blank = 0
	p.stray = false
	p.noEOL = false
	var line []byte
	for {
		l, err := p.readLine()
		if err != nil {
			return nil, err
		}
		if len(l) == 0 {
			return nil, io.EOF
		}
		if l[0] != '\n' {
			line = l
			break
		}
		p.blank++
	}
	p.start = p.line
	p.buf = p.buf[:0]
	p.ends = p.ends[:0]
	comma := p.comma

cells:
	for {
		if len(p.ends) >= p.maxCols {
			return nil, &RowError{p.start, fmt.Sprintf("the row has more than %d cells; is the delimiter right?", p.maxCols)}
		}
		// A quoted cell, perhaps after spaces ("a, "b"").
		j := 0
		if comma != ' ' {
			for j < len(line) && line[j] == ' ' {
				j++
			}
		}
		if j < len(line) && line[j] == '"' {
			quoteLine := p.line
			line = line[j+1:]
			for {
				i := bytes.IndexByte(line, '"')
				if i >= 0 {
					p.buf = append(p.buf, line[:i]...)
					line = line[i+1:]
					if len(line) > 0 && line[0] == '"' { // "" is a quote
						p.buf = append(p.buf, '"')
						line = line[1:]
						continue
					}
					k := 0
					if comma != ' ' {
						for k < len(line) && line[k] == ' ' {
							k++
						}
					}
					switch {
					case k < len(line) && line[k] == comma:
						line = line[k+1:]
						p.ends = append(p.ends, len(p.buf))
						continue cells
					case k == len(line) || line[k] == '\n':
						p.ends = append(p.ends, len(p.buf))
						p.noEOL = k == len(line)
						break cells
					default:
						// Not a closing quote: keep it, as spreadsheets do.
						p.buf = append(p.buf, '"')
						p.stray = true
					}
					continue
				}
				// The cell goes on to the next line.
				p.buf = append(p.buf, line...)
				if len(p.buf) > p.maxRow {
					return nil, &RowError{quoteLine, fmt.Sprintf("a quoted cell starting on this line runs on for more than %s; is a closing quote (\") missing?", ingest.ByteSize(p.maxRow))}
				}
				var err error
				line, err = p.readLine()
				if err != nil && err != io.EOF {
					return nil, err
				}
				if len(line) == 0 {
					return nil, &RowError{quoteLine, "a quoted cell starting on this line is never closed; a closing quote (\") is missing"}
				}
			}
		}
		// An unquoted cell.
		i := bytes.IndexByte(line, comma)
		if i >= 0 {
			p.buf = append(p.buf, line[:i]...)
			p.ends = append(p.ends, len(p.buf))
			line = line[i+1:]
			continue
		}
		n := len(line)
		if n > 0 && line[n-1] == '\n' {
			n--
		} else {
			p.noEOL = true
		}
		p.buf = append(p.buf, line[:n]...)
		p.ends = append(p.ends, len(p.buf))
		break
	}
	if len(p.buf) > p.maxRow {
		return nil, &RowError{p.start, fmt.Sprintf("the row is longer than %s", ingest.ByteSize(p.maxRow))}
	}
	s := string(p.buf)
	dst = dst[:0]
	prev := 0
	for _, e := range p.ends {
		dst = append(dst, s[prev:e])
		prev = e
	}
	return dst, nil
}

// RowSource yields the rows of a table one at a time: the CSV parser, or a spreadsheet's
// sheet. Reader works on it, so both kinds of file share header detection, column
// mapping and validation.
type RowSource interface {
	// Next returns the cells of the next non-blank row, io.EOF after the last, or a *RowError.
	Next() ([]string, error)
	// Skipped is the number of blank rows (or lines) passed over before the row next returned.
	Skipped() int
	// StartLine is where the row next returned starts: a line of a text file, a sheet's row.
	StartLine() int
	// LastLine is the last line (or sheet row) read, for errors that are not at a row.
	LastLine() int
	// StrayQuote reports an undoubled quote kept in the row next returned (text files only).
	StrayQuote() bool
	// Padded reports whether rows may omit trailing empty cells without that being a mistake
	// (spreadsheets store only cells that have a value).
	Padded() bool
	// Unterminated reports whether the row next returned ends the file without a line break
	// (text files only): with fewer cells than the header, the file was cut off in that row.
	Unterminated() bool
}

func (p *parser) Next() ([]string, error) { return p.read(nil) }
func (p *parser) Skipped() int            { return p.blank }
func (p *parser) StartLine() int          { return p.start }
func (p *parser) LastLine() int           { return p.line }
func (p *parser) StrayQuote() bool        { return p.stray }
func (p *parser) Padded() bool            { return false }
func (p *parser) Unterminated() bool      { return p.noEOL }

// CutRowError is the error of a file that ends in the middle of a row: its last row has fewer
// cells than the header and no line break. A file cut off by a failed download or a full disk
// looks like that; read as it is, it would be a shorter list with a damaged last row, and a
// replace would retire every site after the cut.
func CutRowError(line, cells, width int) *ingest.FileError {
	return &ingest.FileError{Line: line, Reason: fmt.Sprintf("the file ends in the middle of a row (the last row has %d of %d cells and no line break after it); is the file complete?", cells, width), Err: aidmap.ErrInvalid}
}

// CSV reads comma-separated text as rows of cells, decoded as a table's text is (any
// encoding, any line ending, quotes as a spreadsheet writes them) but without dialect
// detection or column mapping: for files whose layout a standard fixes (HSDS datapackages).
type CSV struct{ p *parser }

// NewCSV reads r, detecting its encoding from a byte order mark or NUL bytes, within the
// default row and column limits. Errors reading r come back from Read as they are.
func NewCSV(r io.Reader) *CSV {
	raw := bufio.NewReaderSize(r, decodeChunk)
	head, _ := raw.Peek(4)
	enc, bom := detectEncoding(head)
	raw.Discard(bom)
	if enc == ingest.EncodingUTF8BOM {
		enc = ingest.EncodingUTF8
	}
	text := newTextReader(raw, enc, bom > 0)
	return &CSV{newParser(bufio.NewReaderSize(text, DefaultMaxRowBytes), ',', DefaultMaxRowBytes, DefaultMaxColumns)}
}

// Read returns the next row's cells (blank lines are skipped), io.EOF after the last, a
// *RowError for a row that cannot be parsed, or the error reading the text.
func (c *CSV) Read() ([]string, error) { return c.p.read(nil) }

// StartLine is the line where the row Read last returned starts.
func (c *CSV) StartLine() int { return c.p.StartLine() }

// Unterminated reports whether the row Read last returned ends the text without a line
// break: with fewer cells than the header, the file was cut off in that row.
func (c *CSV) Unterminated() bool { return c.p.Unterminated() }

package table

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/aidmap/aidmap/ingest"
)

// FuzzReadCSV feeds arbitrary bytes to the table reader: it must never panic, must stay within
// its limits, must number rows upwards, must return only UTF-8 text and must stop with a
// *FileError or io.EOF. Where encoding/csv reads the text without error, our parser must read
// the same rows.
func FuzzReadCSV(f *testing.F) {
	// The seeds are every table fixture, here and the pipeline's in ../testdata.
	var files []string
	for _, pattern := range []string{"testdata/*.csv", "testdata/*.t*", "../testdata/*.csv", "../testdata/*.t*"} {
		more, _ := filepath.Glob(pattern)
		files = append(files, more...)
	}
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", "a", "\"", "a,\"b\n", "\xff\xfe", "\xfe\xff\x00a", "a;b\r\rc;d\r", "POINT(1 2)", "\"a\"b\",c\n"} {
		f.Add([]byte(s))
	}
	const maxRow, maxCols, maxRows = 4096, 64, 1000
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{MaxRowBytes: maxRow, MaxColumns: maxCols, MaxRows: maxRows}
		tr, err := NewReader(bytes.NewReader(data), opts)
		if err != nil {
			var fe *ingest.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("NewReader: got %T %v, want a *FileError", err, err)
			}
			return
		}
		d := tr.Dialect()
		if len(d.Columns) > maxCols {
			t.Fatalf("got %d columns, limit %d", len(d.Columns), maxCols)
		}
		prevRow, prevLine, n := 0, 0, 0
		for {
			rec, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var fe *ingest.FileError
				if !errors.As(err, &fe) {
					t.Fatalf("Next: got %T %v, want a *FileError", err, err)
				}
				break
			}
			n++
			if n > maxRows {
				t.Fatalf("got more than %d rows", maxRows)
			}
			if rec.Row <= prevRow || rec.Line <= prevLine || rec.Row > rec.Line {
				t.Fatalf("row %d line %d after row %d line %d", rec.Row, rec.Line, prevRow, prevLine)
			}
			prevRow, prevLine = rec.Row, rec.Line
			if len(rec.Cells) > maxCols {
				t.Fatalf("row %d: %d cells, limit %d", rec.Row, len(rec.Cells), maxCols)
			}
			size := 0
			for _, c := range rec.Cells {
				size += len(c)
				if !utf8.ValidString(c) {
					t.Fatalf("row %d: cell %q is not UTF-8", rec.Row, c)
				}
			}
			if size > maxRow {
				t.Fatalf("row %d: %d bytes, limit %d", rec.Row, size, maxRow)
			}
		}
		if utf8.Valid(data) && !bytes.ContainsRune(data, '\r') {
			checkAgainstEncodingCSV(t, data, ',')
			checkAgainstEncodingCSV(t, data, ';')
		}
	})
}

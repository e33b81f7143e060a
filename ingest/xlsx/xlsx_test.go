package xlsx

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/table"
)

// The fixtures are written by testdata/generate.go (excelize): a
// workbook whose first sheet is empty and second hidden, so the reader must find the third.

func readXLSX(t *testing.T, name string, opts Options) (ingest.Dialect, []ingest.Record) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewReader(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var recs []ingest.Record
	for {
		rec, err := x.Next()
		if err == io.EOF {
			return x.Dialect(), recs
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		recs = append(recs, rec)
	}
}

func TestXLSXReader(t *testing.T) {
	d, recs := readXLSX(t, "shelters.xlsx", Options{})
	if len(d.Notes) == 0 || d.Notes[0] != `read sheet "Shelters"` {
		t.Errorf("notes: got %q, want the sheet read first", d.Notes)
	}
	if !d.Header || len(d.Columns) != 10 {
		t.Errorf("header %v, %d columns: want a header of 10 columns (a formatted empty cell is not a column)", d.Header, len(d.Columns))
	}
	got := fieldsOf(recs, ingest.FieldID, ingest.FieldName, ingest.FieldCity, ingest.FieldCategory, ingest.FieldLat, ingest.FieldLon)
	want := [][]string{
		{"S001", "Harbour Transition House", "Victoria", "transition_house", "48.4284", "-123.3656"},
		{"S002", "Downtown Drop-in", "Victoria", "drop_in", "48.4251", "-123.3627"},
		{"S003", "Hilltop Safe Home", "Duncan", "safe_home", "unknown", "unknown"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields: got %q, want %q", got, want)
	}
	// Rows as the spreadsheet numbers them: the blank row 4 is skipped, not renumbered.
	var rows []int
	for _, r := range recs {
		rows = append(rows, r.Row)
		for _, p := range r.Problems {
			t.Errorf("row %d: got problem %v, want none (short rows are normal in a sheet)", r.Row, p)
		}
	}
	if !reflect.DeepEqual(rows, []int{2, 3, 5}) {
		t.Errorf("rows: got %v, want [2 3 5]", rows)
	}
	// Cells as Excel displays them: the date in its number format, the number as typed.
	if c := recs[0].Cells; c[7] != "01-15-24" || c[8] != "12" {
		t.Errorf("date and number cells: got %q and %q, want 01-15-24 and 12", c[7], c[8])
	}
	if c := recs[2].Cells[9]; c != "line one\nline two" {
		t.Errorf("multi-line cell: got %q", c)
	}
}

func TestXLSXSheet(t *testing.T) {
	_, recs := readXLSX(t, "shelters.xlsx", Options{Sheet: "other"})
	if got := fieldsOf(recs, ingest.FieldName, ingest.FieldAddress, ingest.FieldLat); !reflect.DeepEqual(got, [][]string{{"Corner Pantry", "1 Main St", "49.28"}}) {
		t.Errorf("got %q", got)
	}
	data, _ := os.ReadFile("testdata/shelters.xlsx")
	_, err := NewReader(bytes.NewReader(data), Options{Sheet: "Missing"})
	var fe *ingest.FileError
	if !errors.As(err, &fe) || !errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(fe.Reason, `"Shelters"`) {
		t.Errorf("unknown sheet: got %v, want an invalid-file error listing the sheets", err)
	}
}

func TestXLSXLimits(t *testing.T) {
	data, _ := os.ReadFile("testdata/shelters.xlsx")
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"file size", Options{MaxBytes: 1000}, "larger than"},
		{"unzipped size", Options{MaxUnzipped: 2000}, "unzips to more than"},
		{"columns", Options{Table: table.Options{MaxColumns: 3}}, "more than 3 cells"},
		{"not a workbook", Options{}, "not an Excel workbook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := data
			if tt.name == "not a workbook" {
				in = []byte("PK\x03\x04 not really a zip")
			}
			_, err := NewReader(bytes.NewReader(in), tt.opts)
			var fe *ingest.FileError
			if !errors.As(err, &fe) || !strings.Contains(fe.Reason, tt.want) {
				t.Errorf("got %v, want a *FileError saying %q", err, tt.want)
			}
		})
	}
}

// FuzzReadXLSX feeds arbitrary bytes (seeded with small workbooks) to the spreadsheet reader:
// it must never panic and must fail only with a *FileError.
func FuzzReadXLSX(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xlsx")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 16<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := NewReader(bytes.NewReader(data), Options{MaxUnzipped: 1 << 20, Table: table.Options{MaxRows: 100, MaxColumns: 50}})
		var fe *ingest.FileError
		if err != nil {
			if !errors.As(err, &fe) {
				t.Fatalf("got %T %v, want a *FileError", err, err)
			}
			return
		}
		prev := 0
		for {
			rec, err := x.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !errors.As(err, &fe) {
					t.Fatalf("Next: got %T %v, want a *FileError", err, err)
				}
				return
			}
			if rec.Row <= prev {
				t.Fatalf("row %d after row %d", rec.Row, prev)
			}
			prev = rec.Row
		}
	})
}

// fieldsOf returns the named fields of each record, for compact comparisons.
func fieldsOf(recs []ingest.Record, fields ...ingest.Field) [][]string {
	var out [][]string
	for _, r := range recs {
		var row []string
		for _, f := range fields {
			row = append(row, r.Get(f))
		}
		out = append(out, row)
	}
	return out
}

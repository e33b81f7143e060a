package formats

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/xlsx"
)

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		head, name string
		want       ingest.Format
	}{
		{"name,lat\n", "a.csv", ingest.FormatCSV},
		{"name\tlat\n", "a.tsv", ingest.FormatCSV},
		{`{"type":"FeatureCollection","features":[]}`, "a.json", ingest.FormatGeoJSON},
		{"\xef\xbb\xbf  {\"type\": \"Feature\"}", "a.txt", ingest.FormatGeoJSON},
		{`{"organizations":[]}`, "a.json", ingest.FormatHSDS},
		{"PK\x03\x04rest", "datapackage.zip", ingest.FormatHSDS},
		{`[{"id":1}]`, "a.geojson", ingest.FormatGeoJSON},
		{"", "a.geojson", ingest.FormatGeoJSON},
		{"", "a.csv", ingest.FormatCSV},
		{"\x1e{\"type\":\"Feature\"}", "a.txt", ingest.FormatGeoJSON},
	}
	for _, tt := range tests {
		if got := DetectFormat([]byte(tt.head), tt.name); got != tt.want {
			t.Errorf("DetectFormat(%q, %q): got %q, want %q", tt.head, tt.name, got, tt.want)
		}
	}
	if _, ok := readers[ingest.FormatHSDS]; !ok {
		_, _, err := NewReader(strings.NewReader(`{"organizations":[]}`), Options{Name: "x.json"})
		if !errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(err.Error(), "HSDS files cannot be read yet") {
			t.Errorf("HSDS before its reader: got %v", err)
		}
	}
}
func TestDetectXLSX(t *testing.T) {
	data, _ := os.ReadFile("../xlsx/testdata/small.xlsx")
	head := data[:min(len(data), sniffBytes)]
	tests := []struct {
		name string
		head []byte
		file string
		want ingest.Format
	}{
		{"by content", head, "list", ingest.FormatXLSX},
		{"by extension", []byte("PK\x03\x04...."), "list.xlsx", ingest.FormatXLSX},
		{"an HSDS zip", []byte("PK\x03\x04\x14\x00\x00\x00datapackage.json"), "pkg.zip", ingest.FormatHSDS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectFormat(tt.head, tt.file); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	// With random access, [Content_Types].xml decides even when the name and the first
	// entries do not say.
	if !xlsx.Detect([]byte("PK\x03\x04"), bytes.NewReader(data), int64(len(data))) {
		t.Error("xlsx.Detect with random access: got false, want true")
	}
	r, f, err := NewReader(bytes.NewReader(data), Options{Name: "upload.bin"})
	if err != nil || f != ingest.FormatXLSX {
		t.Fatalf("NewReader: got %q, %v; want xlsx", f, err)
	}
	rec, err := r.Next()
	if err != nil || rec.Get(ingest.FieldName) != "A" || rec.Get(ingest.FieldLon) != "2.5" {
		t.Errorf("first record: got %v %v", rec.Fields(), err)
	}
}

// TestHSDSToday: Options.Today reaches the HSDS reader through NewReader, so schedules
// and holidays that have ended are left out of an upload.
func TestHSDSToday(t *testing.T) {
	files := map[string][]byte{}
	names, _ := filepath.Glob("../hsds/testdata/v1/*")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(n)] = b
	}
	data := zipOf(t, files)
	for _, tt := range []struct {
		today time.Time
		want  int
	}{{time.Time{}, 4}, {time.Date(2025, 12, 25, 0, 0, 0, 0, time.UTC), 2}} {
		rd, _, err := NewReader(bytes.NewReader(data), Options{Name: "v1.zip", Today: tt.today})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		s, _ := rec.Site("org")
		if len(s.Hours.Exceptions) != tt.want {
			t.Errorf("today %v: got exceptions %+v, want %d", tt.today, s.Hours.Exceptions, tt.want)
		}
	}
}

func TestHSDSThroughNewReader(t *testing.T) {
	for _, name := range []string{"v1.zip", "v3-page.json"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("../hsds/testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			for _, at := range []bool{true, false} {
				opts := Options{Name: name}
				if at {
					opts.At, opts.Size = bytes.NewReader(data), int64(len(data))
				}
				rd, format, err := NewReader(bytes.NewReader(data), opts)
				if err != nil || format != ingest.FormatHSDS {
					t.Fatalf("got %v %v, want an HSDS reader", format, err)
				}
				n := 0
				for {
					if _, err := rd.Next(); err == io.EOF {
						break
					} else if err != nil {
						t.Fatal(err)
					}
					n++
				}
				if n == 0 {
					t.Errorf("random access %v: got no sites", at)
				}
			}
		})
	}
}

// zipOf zips files, in the order of their names.
func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range names {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

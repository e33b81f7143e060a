package hsds

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/aidmap/aidmap/ingest"
)

// FuzzReadHSDS feeds arbitrary bytes to the HSDS readers as 3.0 JSON, as a zip archive and as
// the locations table of a datapackage: they must never panic, must fail only with a
// *FileError, must stay within their limits, and every site must convert without panicking.
func FuzzReadHSDS(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	more, _ := filepath.Glob("testdata/v1/*.csv")
	for _, name := range append(files, more...) {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", "{}", "[]", `{"contents":[{}]}`, `[{"service_at_locations":[{"location_id":"x"}]}]`, "PK\x03\x04", "id,latitude,longitude\n1,100,101\n"} {
		f.Add([]byte(s))
	}
	const maxBytes = 64 << 10
	opts := Options{MaxBytes: maxBytes, MaxEntries: 20}
	check := func(t *testing.T, h *Reader, err error) {
		if err != nil {
			var fe *ingest.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("got %T %v, want a *FileError", err, err)
			}
			return
		}
		for n := 1; ; n++ {
			rec, err := h.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.Row != n {
				t.Fatalf("got row %d, want %d", rec.Row, n)
			}
			if n > maxBytes {
				t.Fatalf("more sites than bytes")
			}
			rec.Site("org")
		}
		h.Dialect()
	}
	services := []byte("id,name,status\ns1,Food Bank,active\ns2,Showers,\n")
	sal := []byte("id,service_id,location_id\na,s1,1\nb,s2,1\nc,s1,2\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ReadJSON(bytes.NewReader(data), opts)
		check(t, h, err)
		h, err = ReadZip(bytes.NewReader(data), int64(len(data)), opts)
		check(t, h, err)
		h, err = ReadPackage(fstest.MapFS{
			"locations.csv":            {Data: data},
			"services.csv":             {Data: services},
			"services_at_location.csv": {Data: sal},
			"regular_schedules.csv":    {Data: data},
		}, opts)
		check(t, h, err)
	})
}

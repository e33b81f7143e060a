package osmbuild

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap/basemap"
)

// FuzzSniff: any first bytes give a format or ErrNotOSM, never a panic.
func FuzzSniff(f *testing.F) {
	f.Add(pbfHead())
	f.Add([]byte(`<?xml version="1.0"?><osm version="0.6">`))
	f.Add([]byte("id,name\n"))
	f.Fuzz(func(t *testing.T, head []byte) {
		got, err := Sniff(head)
		if (err == nil) == (got == "") || (err != nil && !errors.Is(err, ErrNotOSM)) {
			t.Fatalf("Sniff: %q, %v", got, err)
		}
	})
}

// FuzzBuildXML: any OpenStreetMap XML either builds an archive the server can open or fails
// with an error; odd coordinates, broken relations and unclosed rings never panic.
func FuzzBuildXML(f *testing.F) {
	city, err := os.ReadFile(filepath.Join("testdata", "city.osm"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(city)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		var out bytes.Buffer
		// Zooms 0-6 keep each input fast (a mutated polygon may cover the world, and every tile
		// under it is then real work); the tile code is the same at every zoom.
		_, err := Build(context.Background(), bytes.NewReader(data), &out, Options{MaxZoom: 6, Format: FormatXML, TempDir: t.TempDir(), Workers: 1})
		if err != nil {
			return
		}
		if _, err := basemap.OpenBytes("fuzz.pmtiles", out.Bytes()); err != nil {
			t.Fatalf("built an archive that does not open: %v", err)
		}
	})
}

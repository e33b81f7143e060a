package geojson

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap/ingest"
)

// FuzzReadGeoJSON feeds arbitrary bytes to the GeoJSON reader: it must never panic, must stop
// with io.EOF or a *FileError, must stay within its feature limit, must number features upwards
// and every record must convert to a site without panicking.
func FuzzReadGeoJSON(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*") // the fixtures, not the fuzz corpus
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", "{", "[", "{}", "[]", "null", `{"features":[1,"a",null,{}]}`, `{"type":"Feature"}{"type":"Feature"}`, "\x1e{}\x1e", "\xef\xbb\xbf{}"} {
		f.Add([]byte(s))
	}
	const maxFeatures = 200
	f.Fuzz(func(t *testing.T, data []byte) {
		g := NewReader(bytes.NewReader(data), Options{MaxFeatures: maxFeatures, MaxFeatureBytes: 4096, MaxDepth: 8})
		prev := 0
		for n := 0; ; n++ {
			rec, err := g.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var fe *ingest.FileError
				if !errors.As(err, &fe) {
					t.Fatalf("Next: got %T %v, want a *FileError", err, err)
				}
				if _, again := g.Next(); again != err {
					t.Fatalf("Next after an error: got %v, want the same error", again)
				}
				break
			}
			if n >= maxFeatures {
				t.Fatalf("got more than %d features", maxFeatures)
			}
			if rec.Row != prev+1 {
				t.Fatalf("got row %d after %d", rec.Row, prev)
			}
			prev = rec.Row
			rec.Site("org")
		}
		g.Dialect()
	})
}

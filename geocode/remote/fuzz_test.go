package remote

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
)

// The parsers read what a remote server sends, so they must never panic and must never
// turn anything into a result this package would not produce (an invalid point, an exact
// or coarse precision, a confidence outside 0..1). The seed corpus is in testdata/fuzz;
// the fixtures are added too.

func FuzzParseNominatim(f *testing.F) { fuzzParser(f, "nominatim_*.json", parseNominatim) }
func FuzzParsePelias(f *testing.F)    { fuzzParser(f, "pelias_*.json", parsePelias) }
func FuzzParsePhoton(f *testing.F)    { fuzzParser(f, "photon_*.json", parsePhoton) }

func fuzzParser(f *testing.F, glob string, parse parseFunc) {
	files, err := filepath.Glob(filepath.Join("testdata", glob))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := parse(body)
		if err != nil {
			if res != nil {
				t.Fatalf("results %v alongside error %v", res, err)
			}
			return
		}
		for _, r := range res {
			checkResult(t, r)
		}
	})
}

func checkResult(t *testing.T, r geocode.Result) {
	t.Helper()
	if !validResult(r) {
		t.Fatalf("invalid result %+v", r)
	}
	switch r.Precision {
	case aidmap.PrecisionAddress, aidmap.PrecisionInterpolated, aidmap.PrecisionStreet,
		aidmap.PrecisionPostalCode, aidmap.PrecisionLocality:
	default:
		t.Fatalf("precision %q in %+v", r.Precision, r)
	}
	if r.Source == "" {
		t.Fatalf("no source in %+v", r)
	}
}

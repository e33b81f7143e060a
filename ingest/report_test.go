package ingest_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap/ingest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/pipeline")

// golden compares got with testdata/pipeline/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "pipeline", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update after checking):\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestReportGolden(t *testing.T) {
	st := newStore(t)
	rep := runFile(t, st, "sites.csv", ingest.Options{})
	rep.DurationMS, rep.StoreVersion = 0, 0

	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	golden(t, "sites.report.txt", text.Bytes())

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden(t, "sites.report.json", js.Bytes())

	t.Run("JSON field names", func(t *testing.T) {
		var m map[string]any
		if err := json.Unmarshal(js.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"organization", "mode", "dry_run", "file", "summary", "problems"} {
			if _, ok := m[k]; !ok {
				t.Errorf("report JSON has no %q", k)
			}
		}
		sum := m["summary"].(map[string]any)
		for _, k := range []string{"rows_read", "created", "updated", "unchanged", "retired", "rejected", "skipped", "duplicates", "warnings", "precision"} {
			if _, ok := sum[k]; !ok {
				t.Errorf("summary has no %q", k)
			}
		}
	})
}

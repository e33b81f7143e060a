package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store/sqlite"
)

// TestIngestVerify checks aidmap ingest --verify: every site the file lists is verified by
// "import" on the file's date, changed or not; a later ingest without --verify keeps that
// verification (a file says nothing about when its sites were checked).
func TestIngestVerify(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	env := []string{"AIDMAP_DATA_DIR=" + data}
	file := writeFile(t, dir, "sites.csv", ingestCSV)
	if res := ingestCmd(t, env, "ingest", file, "--org", "vanfood", "--org-name", "Vancouver Food"); res.code != 0 {
		t.Fatalf("first ingest: exit %d\n%s", res.code, res.stderr)
	}
	sites := func() []aidmap.Site {
		t.Helper()
		st, err := sqlite.Open(context.Background(), filepath.Join(data, "aidmap.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var out []aidmap.Site
		if _, err := st.EachSite(context.Background(), func(s aidmap.Site) error {
			out = append(out, s)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, s := range sites() {
		if !s.VerifiedAt.IsZero() || s.VerifiedBy != "" {
			t.Fatalf("%s verified by a plain ingest: %v by %q", s.Name, s.VerifiedAt, s.VerifiedBy)
		}
	}
	fileDate := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	if err := os.Chtimes(file, fileDate, fileDate); err != nil {
		t.Fatal(err)
	}
	if res := ingestCmd(t, env, "ingest", file, "--org", "vanfood", "--verify"); res.code != 0 {
		t.Fatalf("ingest --verify: exit %d\n%s", res.code, res.stderr)
	}
	check := func(when string) {
		t.Helper()
		got := sites()
		if len(got) == 0 {
			t.Fatal("no sites")
		}
		for _, s := range got {
			if !s.VerifiedAt.Equal(fileDate) || s.VerifiedBy != aidmap.VerifiedByImport {
				t.Errorf("%s: %s verified %v by %q, want %v by import", when, s.Name, s.VerifiedAt, s.VerifiedBy, fileDate)
			}
		}
	}
	check("after --verify")
	if res := ingestCmd(t, env, "ingest", file, "--org", "vanfood"); res.code != 0 {
		t.Fatalf("ingest again: exit %d\n%s", res.code, res.stderr)
	}
	check("after a plain re-ingest")
}

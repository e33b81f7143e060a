package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestExportHSDS publishes a store as an HSDS datapackage, zipped and as a folder, and loads
// each into another store with aidmap ingest: every site comes back, and loading the other
// form changes nothing.
func TestExportHSDS(t *testing.T) {
	dir := t.TempDir()
	from, to := filepath.Join(dir, "from"), filepath.Join(dir, "to")
	var before infoJSON
	getJSON(t, startServer(t, "--data-dir", from, "--demo-sites", "120"), "/api/v1/info", &before)

	zipped, folder := filepath.Join(dir, "pkg.zip"), filepath.Join(dir, "pkg")
	for _, out := range []string{zipped, folder} {
		res := ingestCmd(t, nil, "export", "--data-dir", from, "--format", "hsds", "--out", out)
		if res.code != 0 || !strings.Contains(res.stderr, "exported 120 sites as an HSDS 3.0 datapackage") {
			t.Fatalf("export --out %s: %d %s %s", out, res.code, res.stdout, res.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(folder, "datapackage.json")); err != nil {
		t.Fatal(err)
	}
	if res := ingestCmd(t, nil, "export", "--data-dir", from, "--format", "hsds", "--out", folder); res.code == 0 {
		t.Error("export over an existing datapackage succeeded")
	}
	if res := ingestCmd(t, nil, "export", "--data-dir", from, "--format", "hsds"); res.code == 0 || !strings.Contains(res.stderr, "--out") {
		t.Errorf("export --format hsds to standard output: %d %s", res.code, res.stderr)
	}

	res := ingestCmd(t, nil, "ingest", zipped, "--org", "again", "--org-name", "Again", "--data-dir", to, "--progress", "none")
	if res.code != 0 || !reportCount(res.stdout, "sites created", 120) {
		t.Fatalf("ingest zip: %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = ingestCmd(t, nil, "ingest", folder, "--org", "again", "--data-dir", to, "--progress", "none")
	if res.code != 0 || !reportCount(res.stdout, "sites unchanged", 120) {
		t.Fatalf("ingest folder: %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// reportCount reports whether a report line starting with label ends in n.
func reportCount(report, label string, n int) bool {
	for _, line := range strings.Split(report, "\n") {
		if f := strings.Fields(line); strings.HasPrefix(strings.TrimSpace(line), label) && len(f) > 0 {
			return f[len(f)-1] == strconv.Itoa(n)
		}
	}
	return false
}

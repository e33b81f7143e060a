package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
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

	// Into a fresh store under the same organisation, the package gives back the same sites:
	// same IDs (the external ID travels as an attribute) and the same content, but for what
	// HSDS cannot carry or an import sets anew.
	same := filepath.Join(dir, "same")
	res = ingestCmd(t, nil, "ingest", folder, "--org", "demo", "--org-name", "Demo", "--data-dir", same, "--progress", "none")
	if res.code != 0 || !reportCount(res.stdout, "sites created", 120) {
		t.Fatalf("ingest into the same organisation: %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	want, got := dumpSites(t, from), dumpSites(t, same)
	compared := 0
	for id, w := range want {
		if w["confidential"] == true {
			// Published as their area only, without their key (it may be derived from the
			// hidden address): they come back as new sites, by design.
			continue
		}
		g, ok := got[id]
		if !ok {
			t.Errorf("site %s (%v) did not come back with its ID", id, w["name"])
			continue
		}
		for _, s := range []map[string]any{w, g} {
			// Set by the import, or not in HSDS: when the data was updated or verified,
			// how exact the coordinates are, the hours' free-text note.
			delete(s, "updated_at")
			delete(s, "verified_at")
			delete(s, "precision")
			if h, ok := s["hours"].(map[string]any); ok {
				delete(h, "notes")
			}
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("site %s changed in the round trip:\nwant %v\n got %v", id, w, g)
		}
		compared++
	}
	if compared < 100 {
		t.Errorf("only %d of %d sites compared", compared, len(want))
	}
}

// dumpSites exports a store as an NDJSON dump and returns its sites by ID, as JSON objects.
func dumpSites(t *testing.T, dataDir string) map[string]map[string]any {
	t.Helper()
	res := ingestCmd(t, nil, "export", "--data-dir", dataDir)
	if res.code != 0 {
		t.Fatalf("export %s: %d %s", dataDir, res.code, res.stderr)
	}
	sites := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var rec struct {
			Type string         `json:"type"`
			Site map[string]any `json:"site"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("export %s: %v", dataDir, err)
		}
		if rec.Type == "site" {
			sites[rec.Site["id"].(string)] = rec.Site
		}
	}
	return sites
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

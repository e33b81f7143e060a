package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestReplaceGuard checks aidmap ingest's retire guard: a replace with a header-only file
// is refused (exit 1, nothing retired) and says the number to confirm; --confirm-retire with
// that number, or --force, lets it through.
func TestIngestReplaceGuard(t *testing.T) {
	dir := t.TempDir()
	env := []string{"AIDMAP_DATA_DIR=" + filepath.Join(dir, "data")}
	full := writeFile(t, dir, "sites.csv", ingestCSV)
	empty := writeFile(t, dir, "empty.csv", "Site ID,Name,Address,City,Latitude,Longitude,Hours,Category,Status\n")
	if res := ingestCmd(t, env, "ingest", full, "--org", "vanfood", "--org-name", "Vancouver Food"); res.code != 0 {
		t.Fatalf("first ingest: exit %d\n%s", res.code, res.stderr)
	}
	res := ingestCmd(t, env, "ingest", empty, "--org", "vanfood", "--mode", "replace", "--dry-run")
	if res.code != 0 || !strings.Contains(res.stdout, "must confirm the number 3") {
		t.Errorf("dry run: exit %d, want 0 and the number to confirm\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	res = ingestCmd(t, env, "ingest", empty, "--org", "vanfood", "--mode", "replace")
	if res.code != 1 || !strings.Contains(res.stderr, "--confirm-retire 3") {
		t.Fatalf("refused: exit %d, want 1 naming --confirm-retire 3\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	res = ingestCmd(t, env, "ingest", empty, "--org", "vanfood", "--mode", "replace", "--confirm-retire", "2")
	if res.code != 1 {
		t.Fatalf("wrong confirmation: exit %d, want 1\n%s", res.code, res.stderr)
	}
	res = ingestCmd(t, env, "ingest", empty, "--org", "vanfood", "--mode", "replace", "--confirm-retire", "3")
	if res.code != 0 || !strings.Contains(res.stdout, "sites retired                                       3") {
		t.Fatalf("confirmed: exit %d, want 0 and 3 retired\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	// --force skips the guard (nothing left to retire here, but it must be accepted).
	if res := ingestCmd(t, env, "ingest", full, "--org", "vanfood"); res.code != 0 {
		t.Fatalf("reload: exit %d\n%s", res.code, res.stderr)
	}
	if res := ingestCmd(t, env, "ingest", empty, "--org", "vanfood", "--mode", "replace", "--force"); res.code != 0 {
		t.Fatalf("--force: exit %d, want 0\n%s\n%s", res.code, res.stdout, res.stderr)
	}
}

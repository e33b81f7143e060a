package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// ingestCSV is a small list with one row of each kind: sites with coordinates and readable
// hours, unreadable hours, an address only (rejected until a geocoder lands), no name, an
// inactive row, and a later duplicate.
const ingestCSV = `Site ID,Name,Address,City,Latitude,Longitude,Hours,Category,Status
FB1,Food Bank A,1 Main St,Vancouver,49.2827,-123.1207,Mo-Fr 09:00-17:00,food bank,active
MB2,Meal B,2 Main St,Vancouver,49.2830,-123.1210,Mon-Fri 9am-5pm,free meal,active
SC3,Shelter C,3 Main St,Vancouver,49.2840,-123.1220,By appointment only,shelter,active
CD4,Clinic D,4 Main St,Vancouver,,,,clinic,active
XX5,,5 Main St,Vancouver,49.2850,-123.1230,,food bank,active
DE6,Drop-in E,6 Main St,Vancouver,49.2860,-123.1240,,drop-in,inactive
MB2,Meal B (moved),2A Main St,Vancouver,49.2831,-123.1211,Mon-Fri 9am-5pm,free meal,active
`

type ingestResult struct {
	code   int
	stdout string
	stderr string
}

// ingestCmd runs the aidmap binary with args and the environment without AIDMAP_* settings
// (plus env).
func ingestCmd(t *testing.T, env []string, args ...string) ingestResult {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(cleanEnv(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run aidmap %v: %v", args, err)
	}
	return ingestResult{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type reportJSON struct {
	Organization string `json:"organization"`
	Mode         string `json:"mode"`
	DryRun       bool   `json:"dry_run"`
	Error        string `json:"error"`
	File         struct {
		Format string `json:"format"`
	} `json:"file"`
	Summary struct {
		RowsRead   int            `json:"rows_read"`
		Created    int            `json:"created"`
		Updated    int            `json:"updated"`
		Unchanged  int            `json:"unchanged"`
		Retired    int            `json:"retired"`
		Rejected   int            `json:"rejected"`
		Skipped    int            `json:"skipped"`
		Duplicates int            `json:"duplicates"`
		Warnings   int            `json:"warnings"`
		Precision  map[string]int `json:"precision"`
	} `json:"summary"`
	Problems []struct {
		Row      int    `json:"row"`
		Severity string `json:"severity"`
		Field    string `json:"field"`
		Value    string `json:"value"`
		Reason   string `json:"reason"`
		Detail   string `json:"detail"`
	} `json:"problems"`
}

func readReport(t *testing.T, path string) reportJSON {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r reportJSON
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report %s: %v\n%s", path, err, data)
	}
	return r
}

func TestIngest(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	file := writeFile(t, dir, "sites.csv", ingestCSV)
	report := filepath.Join(dir, "report.json")

	// AIDMAP_DATA_DIR instead of --data-dir: the environment works as for serve.
	env := []string{"AIDMAP_DATA_DIR=" + data}
	res := ingestCmd(t, env, "ingest", file, "--org", "vanfood", "--org-name", "Vancouver Food", "--report", report)
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{
		"organisation vanfood was created",
		"rows read                                           7",
		"sites created                                       3",
		"rows rejected                                       2",
		"address could not be located",
		"hours kept as written: could not be read as opening hours",
		`row 4 "By appointment only"`,
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.stdout)
		}
	}
	if strings.Index(res.stdout, "rows read") > strings.Index(res.stdout, "Rejected rows") {
		t.Error("the summary does not come first")
	}
	rep := readReport(t, report)
	s := rep.Summary
	if s.RowsRead != 7 || s.Created != 3 || s.Rejected != 2 || s.Skipped != 1 || s.Duplicates != 1 || s.Precision["exact"] != 3 {
		t.Errorf("report summary: got %+v", s)
	}
	if rep.Organization != "vanfood" || rep.Mode != "merge" || rep.File.Format != "csv" || len(rep.Problems) != 5 {
		t.Errorf("report: got %+v", rep)
	}
	if fi, err := os.Stat(report); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("report file mode: %v %v, want 0600", fi.Mode(), err)
	}

	t.Run("again changes nothing", func(t *testing.T) {
		res := ingestCmd(t, nil, "ingest", "--data-dir", data, "--org", "vanfood", file, "--report", "-")
		if res.code != 0 {
			t.Fatalf("exit %d\n%s", res.code, res.stderr)
		}
		var rep reportJSON
		if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
			t.Fatalf("--report - did not write JSON to stdout: %v\n%s", err, res.stdout)
		}
		if rep.Summary.Unchanged != 3 || rep.Summary.Created+rep.Summary.Updated != 0 {
			t.Errorf("second upload: got %+v, want 3 unchanged", rep.Summary)
		}
		if !strings.Contains(res.stderr, "sites unchanged                                     3") {
			t.Errorf("the text summary is not on stderr:\n%s", res.stderr)
		}
	})

	t.Run("dry run replace", func(t *testing.T) {
		one := writeFile(t, dir, "one.csv", "id,name,lat,lon,category\nFB1,Food Bank A,49.2827,-123.1207,food bank\n")
		text := filepath.Join(dir, "report.txt")
		res := ingestCmd(t, nil, "ingest", one, "--data-dir", data, "--org", "vanfood", "--mode", "replace", "--dry-run",
			"--report", text, "--report-format", "text")
		if res.code != 0 {
			t.Fatalf("exit %d\n%s", res.code, res.stderr)
		}
		got, err := os.ReadFile(text)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Dry run (nothing was written)", "sites retired (would be)                            2", "sites updated (would be)                            1"} {
			if !strings.Contains(string(got), want) {
				t.Errorf("text report lacks %q:\n%s", want, got)
			}
		}
	})

	base := startServer(t, "--data-dir", data)
	var info infoJSON
	getJSON(t, base, "/api/v1/info", &info)
	if info.Demo || info.Sites != 3 {
		t.Errorf("serve on the ingested data: got demo=%v sites=%d, want the 3 ingested sites and no demo", info.Demo, info.Sites)
	}
	var list listJSON
	getJSON(t, base, "/api/v1/sites/nearest?lat=49.2827&lon=-123.1207&limit=10", &list)
	names := map[string]bool{}
	for _, s := range list.Sites {
		names[s.Name] = true
		if s.Organization.ID != "vanfood" {
			t.Errorf("site %q: organisation %q, want vanfood", s.Name, s.Organization.ID)
		}
	}
	if !names["Food Bank A"] || !names["Meal B"] || !names["Shelter C"] {
		t.Errorf("nearest: got %v, want the three ingested sites (Meal B under its first row's name: a later row with its ID is not used)", names)
	}
}

func TestIngestExitCodes(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	good := writeFile(t, dir, "good.csv", ingestCSV)
	broken := writeFile(t, dir, "broken.csv", "id,name,lat,lon\nA,\"never closed,49,-123\n"+strings.Repeat("x,y\n", 5))
	if res := ingestCmd(t, nil, "ingest", good, "--data-dir", data, "--org", "o", "--org-name", "O"); res.code != 0 {
		t.Fatalf("setup: exit %d\n%s", res.code, res.stderr)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"no file", []string{"--org", "o"}, 2, "give the file to load"},
		{"no org", []string{good}, 2, "--org is required"},
		{"unknown org", []string{good, "--org", "nobody"}, 2, `--org-name "Full Name"`},
		{"bad mode", []string{good, "--org", "o", "--mode", "wipe"}, 2, "--mode"},
		{"unknown flag", []string{good, "--org", "o", "--colour"}, 2, "colour"},
		{"bad report format", []string{good, "--org", "o", "--report-format", "xml"}, 2, "--report-format"},
		{"bad timezone", []string{good, "--org", "o", "--timezone", "Mars/Olympus"}, 2, "--timezone"},
		{"missing file", []string{filepath.Join(dir, "nope.csv"), "--org", "o"}, 1, "no such file"},
		{"unreadable file", []string{broken, "--org", "o", "--report", filepath.Join(dir, "broken.json")}, 1, "nothing was changed"},
		{"rejected rows are not a failure", []string{good, "--org", "o"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ingestCmd(t, nil, append([]string{"ingest", "--data-dir", data}, tt.args...)...)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, tt.code, res.stdout, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, res.stderr)
			}
		})
	}
	rep := readReport(t, filepath.Join(dir, "broken.json"))
	if rep.Error == "" || !strings.Contains(rep.Error, "line 2") {
		t.Errorf("report of the unreadable file: error %q, want the reason with its line", rep.Error)
	}

	// Nothing above changed the store: the good file is still all unchanged.
	res := ingestCmd(t, nil, "ingest", good, "--data-dir", data, "--org", "o", "--report", "-", "--report-format", "json")
	var after reportJSON
	if err := json.Unmarshal([]byte(res.stdout), &after); err != nil {
		t.Fatal(err)
	}
	if after.Summary.Unchanged != 3 {
		t.Errorf("after the failures: got %+v, want 3 unchanged", after.Summary)
	}
}

func TestIngestProgressLines(t *testing.T) {
	// Not a terminal: plain lines, never carriage returns. --progress lines with a large file
	// would print one every 5 s; a small file prints none.
	dir := t.TempDir()
	file := writeFile(t, dir, "sites.csv", ingestCSV)
	res := ingestCmd(t, nil, "ingest", file, "--data-dir", filepath.Join(dir, "data"), "--org", "o", "--org-name", "O", "--progress", "bar")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "\rreading: ") {
		t.Errorf("--progress bar: no progress line on stderr: %q", res.stderr)
	}
	res = ingestCmd(t, nil, "ingest", file, "--data-dir", filepath.Join(dir, "data"), "--org", "o")
	if strings.Contains(res.stderr, "\r") {
		t.Errorf("not a terminal, yet the progress line was drawn: %q", res.stderr)
	}
}

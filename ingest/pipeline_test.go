package ingest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/formats"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/sqlite"
)

const testOrg = "testorg"

// newStore opens a SQLite store in a temporary directory with the test organisation.
func newStore(t *testing.T) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.UpsertOrganization(ctx, aidmap.Organization{ID: testOrg, Name: "Test Org"}); err != nil {
		t.Fatal(err)
	}
	return st
}

// runFile ingests a file from testdata/pipeline.
func runFile(t *testing.T, w ingest.Writer, name string, opts ingest.Options) *ingest.Report {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "pipeline", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := runReader(t, w, f, name, opts)
	if err != nil {
		t.Fatalf("Run(%s): %v", name, err)
	}
	return rep
}

func runReader(t *testing.T, w ingest.Writer, r interface{ Read([]byte) (int, error) }, name string, opts ingest.Options) (*ingest.Report, error) {
	t.Helper()
	src, format, err := formats.NewReader(r, formats.Options{Name: name})
	if err != nil {
		t.Fatalf("NewReader(%s): %v", name, err)
	}
	if opts.Org == "" {
		opts.Org = testOrg
	}
	opts.File, opts.Format = name, format
	return ingest.Run(context.Background(), src, w, nil, opts)
}

func runText(t *testing.T, w ingest.Writer, csv string, opts ingest.Options) *ingest.Report {
	t.Helper()
	rep, err := runReader(t, w, strings.NewReader(csv), "inline.csv", opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

// storeSites returns the organisation's sites by external ID.
func storeSites(t *testing.T, w store.Store) map[string]aidmap.Site {
	t.Helper()
	out := map[string]aidmap.Site{}
	if _, err := w.EachSite(context.Background(), func(s aidmap.Site) error {
		out[s.ExternalID] = s
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func version(t *testing.T, st *sqlite.Store) int64 {
	t.Helper()
	v, err := st.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// problems returns "severity row field: reason" for each entry, for comparing.
func problems(rep *ingest.Report) []string {
	var out []string
	for _, e := range rep.Problems {
		out = append(out, e.Severity+" "+strconv.Itoa(e.Row)+" "+e.Field+": "+e.Reason)
	}
	return out
}

func checkSummary(t *testing.T, got ingest.Summary, want ingest.Summary) {
	t.Helper()
	got.Precision, want.Precision = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summary:\n got %+v\nwant %+v", got, want)
	}
}

func TestRunMerge(t *testing.T) {
	st := newStore(t)
	rep := runFile(t, st, "sites.csv", ingest.Options{})
	checkSummary(t, rep.Summary, ingest.Summary{RowsRead: 8, Created: 4, Rejected: 2, Skipped: 1, Duplicates: 1, Warnings: 3})
	if got := rep.Summary.Precision; !reflect.DeepEqual(got, map[aidmap.Precision]int{aidmap.PrecisionExact: 4}) {
		t.Errorf("precision: got %v, want exact 4", got)
	}
	want := []string{
		"warning 4 hours: " + ingest.ReasonHoursKept,
		"rejected 5 address: " + ingest.ReasonNotLocated,
		"rejected 6 name: is required: every site needs a name",
		"skipped 7 status: the row is marked inactive; it is not published",
		"warning 8 id: " + ingest.ReasonDuplicateID,
		"warning 9 name: " + ingest.ReasonDuplicateName,
	}
	if got := problems(rep); !slices.Equal(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
	if rep.StoreVersion == 0 || rep.StoreVersion != version(t, st) {
		t.Errorf("report store version %d, store at %d", rep.StoreVersion, version(t, st))
	}

	sites := storeSites(t, st)
	if len(sites) != 4 {
		t.Fatalf("got %d sites in the store, want 4: %v", len(sites), sites)
	}
	t.Run("earlier duplicate wins", func(t *testing.T) {
		// The earlier row may already be written when the later one is read (Run streams), so
		// the first row with an ID is the one used, and the later one is reported.
		if got := sites["MB2"].Name; got != "Meal B" {
			t.Errorf("MB2 name: got %q, want the earlier row's %q", got, "Meal B")
		}
		if e := rep.Problems[4]; !strings.Contains(e.Detail, "row 3 and row 8") || !strings.Contains(e.Detail, "row 3 is used") {
			t.Errorf("duplicate detail %q does not say rows 3 and 8, row 3 used", e.Detail)
		}
	})
	t.Run("hours", func(t *testing.T) {
		osm := sites["FB1"].Hours
		if len(osm.Weekly) != 5 || osm.Weekly[0].Open != 9*60 || osm.Weekly[0].Close != 17*60 || osm.Notes != "" {
			t.Errorf("FB1 (OSM syntax) hours: got %+v, want Mon-Fri 9:00-17:00", osm)
		}
		text := sites["MB2"].Hours
		if !reflect.DeepEqual(text.Weekly, osm.Weekly) {
			t.Errorf("MB2 (free text) hours: got %+v, want %+v", text.Weekly, osm.Weekly)
		}
		kept := sites["SC3"].Hours
		if kept.Known() || kept.Notes != "By appointment only" {
			t.Errorf("SC3 (unreadable) hours: got %+v, want only Notes kept verbatim", kept)
		}
	})
	t.Run("never invents a location", func(t *testing.T) {
		if _, ok := sites["CD4"]; ok {
			t.Error("CD4 has no coordinates and the geocoder found nothing, but it was stored")
		}
	})
}

func TestRunIdempotent(t *testing.T) {
	st := newStore(t)
	first := runFile(t, st, "sites.csv", ingest.Options{})
	v := version(t, st)
	before := storeSites(t, st)
	for _, mode := range []ingest.Mode{ingest.ModeMerge, ingest.ModeReplace} {
		rep := runFile(t, st, "sites.csv", ingest.Options{Mode: mode})
		checkSummary(t, rep.Summary, ingest.Summary{RowsRead: 8, Unchanged: 4, Rejected: 2, Skipped: 1, Duplicates: 1, Warnings: 3})
		if got := version(t, st); got != v {
			t.Errorf("%s re-run: store version went from %d to %d, want unchanged", mode, v, got)
		}
		if !reflect.DeepEqual(problems(rep), problems(first)) {
			t.Errorf("%s re-run: problems differ:\n got %q\nwant %q", mode, problems(rep), problems(first))
		}
		if after := storeSites(t, st); !reflect.DeepEqual(after, before) {
			t.Errorf("%s re-run changed the stored sites", mode)
		}
	}
}

func TestRunReplace(t *testing.T) {
	st := newStore(t)
	runFile(t, st, "sites.csv", ingest.Options{})
	rep := runFile(t, st, "sites-v2.csv", ingest.Options{Mode: ingest.ModeReplace})
	// FB1: new phone. MB2: moved (sites.csv's later MB2 row was a duplicate, not used). SC3:
	// rejected (its site stays). FB7: missing, retired.
	checkSummary(t, rep.Summary, ingest.Summary{RowsRead: 3, Updated: 2, Retired: 1, Rejected: 1})
	sites := storeSites(t, st)
	for id, want := range map[string]aidmap.Status{"FB1": aidmap.StatusActive, "MB2": aidmap.StatusActive,
		"SC3": aidmap.StatusActive, "FB7": aidmap.StatusRetired} {
		if got := sites[id].Status; got != want {
			t.Errorf("%s: got status %q, want %q", id, got, want)
		}
	}
	if got := sites["FB1"].Phone; got != "+1 604-555-0199" {
		t.Errorf("FB1 phone: got %q, want the new number", got)
	}
	if got := sites["FB7"].Name; got != "Food Bank A" {
		t.Errorf("retired FB7 keeps its content: got name %q", got)
	}

	t.Run("merge leaves missing sites alone", func(t *testing.T) {
		rep := runFile(t, st, "only-one.csv", ingest.Options{})
		checkSummary(t, rep.Summary, ingest.Summary{RowsRead: 1, Created: 1})
		if got := len(storeSites(t, st)); got != 5 {
			t.Errorf("got %d sites, want 5", got)
		}
	})
	t.Run("retired site comes back", func(t *testing.T) {
		rep := runFile(t, st, "sites.csv", ingest.Options{})
		// FB1 gets its old phone back, MB2 its old address and FB7 is active again; SC3 is as it
		// was.
		checkSummary(t, rep.Summary, ingest.Summary{RowsRead: 8, Updated: 3, Unchanged: 1, Rejected: 2, Skipped: 1, Duplicates: 1, Warnings: 3})
		if got := storeSites(t, st)["FB7"].Status; got != aidmap.StatusActive {
			t.Errorf("FB7: got %q, want active again", got)
		}
	})
}

func TestRunSkippedRowRetires(t *testing.T) {
	st := newStore(t)
	const header = "id,name,lat,lon,category,status\n"
	runText(t, st, header+"A,Alpha,49.1,-123.1,shelter,active\nB,Beta,49.2,-123.2,shelter,active\n", ingest.Options{})
	rep := runText(t, st, header+"A,Alpha,49.1,-123.1,shelter,inactive\n", ingest.Options{})
	checkSummary(t, rep.Summary, ingest.Summary{RowsRead: 1, Skipped: 1, Retired: 1})
	sites := storeSites(t, st)
	if sites["A"].Status != aidmap.StatusRetired || sites["B"].Status != aidmap.StatusActive {
		t.Errorf("got A %q and B %q, want A retired (marked inactive) and B left alone (merge)", sites["A"].Status, sites["B"].Status)
	}
}

func TestRunDryRun(t *testing.T) {
	st := newStore(t)
	runFile(t, st, "sites.csv", ingest.Options{})
	v := version(t, st)
	before := storeSites(t, st)

	tests := []struct {
		name string
		file string
		mode ingest.Mode
		want ingest.Summary
	}{
		{"merge same", "sites.csv", ingest.ModeMerge, ingest.Summary{RowsRead: 8, Unchanged: 4, Rejected: 2, Skipped: 1, Duplicates: 1, Warnings: 3}},
		{"replace v2", "sites-v2.csv", ingest.ModeReplace, ingest.Summary{RowsRead: 3, Updated: 2, Retired: 1, Rejected: 1}},
		{"replace with one new", "only-one.csv", ingest.ModeReplace, ingest.Summary{RowsRead: 1, Created: 1, Retired: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := runFile(t, st, tt.file, ingest.Options{Mode: tt.mode, DryRun: true})
			checkSummary(t, rep.Summary, tt.want)
			if !rep.DryRun || rep.StoreVersion != 0 {
				t.Errorf("report: dry_run %v, store_version %d; want true, 0", rep.DryRun, rep.StoreVersion)
			}
			if got := version(t, st); got != v {
				t.Errorf("store version went from %d to %d", v, got)
			}
			if after := storeSites(t, st); !reflect.DeepEqual(after, before) {
				t.Error("a dry run changed the stored sites")
			}
		})
	}

	t.Run("new organisation", func(t *testing.T) {
		rep := runFile(t, st, "sites.csv", ingest.Options{Org: "neworg", OrgName: "New Org", DryRun: true})
		checkSummary(t, rep.Summary, ingest.Summary{RowsRead: 8, Created: 4, Rejected: 2, Skipped: 1, Duplicates: 1, Warnings: 3})
		if _, err := st.Organization(context.Background(), "neworg"); !errors.Is(err, aidmap.ErrNotFound) {
			t.Errorf("a dry run created the organisation (err %v)", err)
		}
	})
}

func TestRunOrganisation(t *testing.T) {
	st := newStore(t)
	_, err := runReader(t, st, strings.NewReader("name,lat,lon\nA,49,-123\n"), "x.csv", ingest.Options{Org: "nobody"})
	if !errors.Is(err, ingest.ErrNoOrganization) || !errors.Is(err, aidmap.ErrNotFound) {
		t.Fatalf("missing organisation: got %v, want ErrNoOrganization and ErrNotFound", err)
	}
	rep, err := runReader(t, st, strings.NewReader("name,lat,lon\nA,49,-123\n"), "x.csv", ingest.Options{Org: "newbie", OrgName: "Newbie Kitchen"})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OrganizationCreated || rep.Summary.Created != 1 {
		t.Errorf("got created=%v sites=%d, want the organisation and 1 site created", rep.OrganizationCreated, rep.Summary.Created)
	}
	org, err := st.Organization(context.Background(), "newbie")
	if err != nil || org.Name != "Newbie Kitchen" {
		t.Errorf("organisation: got %+v, %v", org, err)
	}
}

// TestRunFailedWriteChangesNothing breaks the write at the worst moment, as a killed process or
// a database gone away would.
func TestRunFailedWriteChangesNothing(t *testing.T) {
	st := newStore(t)
	runFile(t, st, "sites.csv", ingest.Options{})
	v := version(t, st)
	before := storeSites(t, st)

	t.Run("context cancelled as the write starts", func(t *testing.T) {
		f, err := os.Open(filepath.Join("testdata", "pipeline", "sites-v2.csv"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		src, _, err := formats.NewReader(f, formats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rep, err := ingest.Run(ctx, src, st, nil, ingest.Options{Org: testOrg, Mode: ingest.ModeReplace, Progress: func(p ingest.Progress) {
			if p.Phase == "writing" {
				cancel()
			}
		}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got error %v, want context.Canceled", err)
		}
		if rep.Summary.RowsRead != 3 || rep.Summary.Retired != 0 || rep.Summary.Updated != 0 {
			t.Errorf("report after a failed write: %+v, want rows read and nothing written", rep.Summary)
		}
		if got := version(t, st); got != v {
			t.Errorf("store version went from %d to %d", v, got)
		}
		if after := storeSites(t, st); !reflect.DeepEqual(after, before) {
			t.Error("a failed write changed the stored sites")
		}
	})

	t.Run("store closed", func(t *testing.T) {
		dir := t.TempDir()
		ctx := context.Background()
		st, err := sqlite.Open(ctx, filepath.Join(dir, "aidmap.db"))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.UpsertOrganization(ctx, aidmap.Organization{ID: testOrg, Name: "T"}); err != nil {
			t.Fatal(err)
		}
		runFile(t, st, "sites.csv", ingest.Options{})
		w := closingWriter{st}
		_, err = runReader(t, w, strings.NewReader("id,name,lat,lon\nZ,Zed,49,-123\n"), "z.csv", ingest.Options{})
		if err == nil {
			t.Fatal("write to a closed store succeeded")
		}
		st2, err := sqlite.Open(ctx, filepath.Join(dir, "aidmap.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st2.Close()
		if got := storeSites(t, st2); len(got) != 4 {
			t.Errorf("after the failed write: %d sites, want the 4 from before", len(got))
		}
	})
}

// closingWriter closes the store just before the upload starts.
type closingWriter struct{ *sqlite.Store }

func (w closingWriter) BeginUpload(ctx context.Context, orgID string, opts store.UploadOptions) (store.Upload, error) {
	w.Store.Close()
	return w.Store.BeginUpload(ctx, orgID, opts)
}

func TestRunFileError(t *testing.T) {
	st := newStore(t)
	_, err := runReader(t, st, strings.NewReader("id,name,lat,lon\nA,\"never closed,49,-123\n"+strings.Repeat("x\n", 10)), "bad.csv", ingest.Options{})
	var fe *ingest.FileError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a *FileError", err)
	}
	if got := len(storeSites(t, st)); got != 0 {
		t.Errorf("an unreadable file wrote %d sites", got)
	}
}

// fakeGeocoder places addresses containing "Main" at street level and finds nothing else.
type fakeGeocoder struct{}

func (fakeGeocoder) Geocode(ctx context.Context, a aidmap.Address) (geocode.Result, error) {
	if strings.Contains(a.Street, "Main") {
		return geocode.Result{Lat: 49.25, Lon: -123.1, Precision: aidmap.PrecisionStreet, Confidence: 0.6, Label: "Main St, Vancouver"}, nil
	}
	return geocode.Result{}, aidmap.ErrNotFound
}

func TestRunGeocoder(t *testing.T) {
	st := newStore(t)
	src, _, err := formats.NewReader(strings.NewReader("id,name,address,city\nA,Alpha,4 Main St,Vancouver\nB,Beta,9 Nowhere Rd,Vancouver\n"), formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ingest.Run(context.Background(), src, st, fakeGeocoder{}, ingest.Options{Org: testOrg})
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, rep.Summary, ingest.Summary{RowsRead: 2, Created: 1, Rejected: 1, Warnings: 1})
	if got := rep.Summary.Precision; !reflect.DeepEqual(got, map[aidmap.Precision]int{aidmap.PrecisionStreet: 1}) {
		t.Errorf("precision: got %v, want street 1", got)
	}
	want := []string{"warning 2 address: " + ingest.ReasonApproximate, "rejected 3 address: " + ingest.ReasonNotLocated}
	if got := problems(rep); !slices.Equal(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
	if s := storeSites(t, st)["A"]; s.Precision != aidmap.PrecisionStreet || s.Lat != 49.25 {
		t.Errorf("A: got %v at %v,%v; want street precision at the geocoded point", s.Precision, s.Lat, s.Lon)
	}
}

func TestRunTimezone(t *testing.T) {
	st := newStore(t)
	runText(t, st, "id,name,lat,lon,hours\nA,Alpha,43.6,-79.4,Mo-Fr 09:00-17:00\n", ingest.Options{Timezone: "America/Toronto", Now: func() time.Time { return time.Unix(1e9, 0) }})
	s := storeSites(t, st)["A"]
	if s.Hours.Timezone != "America/Toronto" || !s.UpdatedAt.Equal(time.Unix(1e9, 0)) {
		t.Errorf("got timezone %q updated %v", s.Hours.Timezone, s.UpdatedAt)
	}
}

func TestLooksLikeOSM(t *testing.T) {
	for text, want := range map[string]bool{
		"Mo-Fr 09:00-17:00":             true,
		"Mo-Fr 09:00-17:00; PH off":     true,
		"24/7":                          true,
		"Sa,Su 10:00-14:00":             true,
		"Mon-Fri 9am-5pm":               false,
		"By appointment":                false,
		"lundi au vendredi 9h à 17h":    false,
		"09:00-17:00":                   false,
		"Tu 11:30-13:00 \"call first\"": false,
	} {
		if got := ingest.LooksLikeOSM(text); got != want {
			t.Errorf("ingest.LooksLikeOSM(%q): got %v, want %v", text, got, want)
		}
	}
}

func TestRunGeoJSON(t *testing.T) {
	st := newStore(t)
	rep := runFile(t, st, "sites.geojson", ingest.Options{})
	if rep.File.Format != ingest.FormatGeoJSON {
		t.Errorf("format: got %q, want geojson", rep.File.Format)
	}
	checkSummary(t, rep.Summary, ingest.Summary{RowsRead: 3, Created: 2, Rejected: 1})
	sites := storeSites(t, st)
	if s := sites["g1"]; s.Lat != 48.4284 || s.Lon != -123.3656 || len(s.Hours.Weekly) != 2 {
		t.Errorf("g1: got %v,%v hours %+v; want 48.4284,-123.3656 open Sa-Su", s.Lat, s.Lon, s.Hours)
	}
	rep = runFile(t, st, "sites.geojson", ingest.Options{})
	checkSummary(t, rep.Summary, ingest.Summary{RowsRead: 3, Unchanged: 2, Rejected: 1})
}

// countingWriter counts the batches an upload is given and fails the one numbered failAt
// (from 1; 0 never).
type countingWriter struct {
	*sqlite.Store
	adds   *int
	failAt int
}

func (w countingWriter) BeginUpload(ctx context.Context, orgID string, opts store.UploadOptions) (store.Upload, error) {
	u, err := w.Store.BeginUpload(ctx, orgID, opts)
	return countingUpload{Upload: u, w: w}, err
}

type countingUpload struct {
	store.Upload
	w countingWriter
}

func (u countingUpload) Add(ctx context.Context, sites []aidmap.Site) error {
	*u.w.adds++
	if len(sites) > ingest.UploadBatch {
		return errors.New("batch larger than ingest.UploadBatch")
	}
	if *u.w.adds == u.w.failAt {
		return errors.New("disk on fire")
	}
	return u.Upload.Add(ctx, sites)
}

// TestRunStreams checks that Run writes a long file in batches, and that a batch failing half
// way stops the upload with nothing written.
func TestRunStreams(t *testing.T) {
	const rows = 2*ingest.UploadBatch + 1
	var b strings.Builder
	b.WriteString("id,name,lat,lon\n")
	for i := range rows {
		b.WriteString("S" + strconv.Itoa(i) + ",Site " + strconv.Itoa(i) + ",49.1,-123.1\n")
	}
	csv := b.String()

	tests := []struct {
		name    string
		failAt  int
		wantErr bool
	}{
		{"all batches", 0, false},
		{"second batch fails", 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t)
			adds := 0
			rep, err := runReader(t, countingWriter{st, &adds, tt.failAt}, strings.NewReader(csv), "long.csv", ingest.Options{})
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "disk on fire") {
					t.Fatalf("got error %v, want the failed batch's", err)
				}
				if got := len(storeSites(t, st)); got != 0 {
					t.Errorf("after the failed upload: %d sites, want none", got)
				}
				if rep.Summary.Created != 0 {
					t.Errorf("report: %d created after a failed upload", rep.Summary.Created)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if adds != 3 {
				t.Errorf("Add called %d times, want 3 (batches of %d)", adds, ingest.UploadBatch)
			}
			if rep.Summary.Created != rows || len(storeSites(t, st)) != rows {
				t.Errorf("created %d, stored %d, want %d", rep.Summary.Created, len(storeSites(t, st)), rows)
			}
		})
	}
}

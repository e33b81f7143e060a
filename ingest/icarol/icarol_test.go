package icarol_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/formats"
	"github.com/aidmap/aidmap/ingest/icarol"
	"github.com/aidmap/aidmap/ingest/table"
	"github.com/aidmap/aidmap/store/sqlite"
)

type result struct {
	rec      ingest.Record
	site     aidmap.Site
	problems []ingest.Problem
}

func (r result) worst() ingest.Severity {
	w := ingest.Warning
	for _, p := range r.problems {
		w = max(w, p.Severity)
	}
	return w
}

func (r result) reasons() string {
	var s []string
	for _, p := range r.problems {
		s = append(s, p.Severity.String()+" "+p.Column+" "+p.Value+": "+p.Reason)
	}
	return strings.Join(s, " | ")
}

func readExport(t *testing.T, data []byte) ([]result, ingest.Reader, ingest.Format) {
	t.Helper()
	rd, format, err := formats.NewReader(bytes.NewReader(data), formats.Options{Name: "export.csv"})
	if err != nil {
		t.Fatal(err)
	}
	var out []result
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		s, ps := rec.Site("org")
		out = append(out, result{rec, s, ps})
	}
	return out, rd, format
}

func fixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHierarchy reads the hand-made export: sites are places, programs at sites are services
// there with their own values first, agencies are organisations and a place only without a
// site, and broken links reject their rows with the reason.
func TestHierarchy(t *testing.T) {
	got, rd, format := readExport(t, fixture(t))
	if format != ingest.FormatICarol {
		t.Fatalf("format: got %q, want %q", format, ingest.FormatICarol)
	}
	byRow := map[int]result{}
	var rows []int
	for _, r := range got {
		byRow[r.rec.Row] = r
		rows = append(rows, r.rec.Row)
	}
	// Rows: 2 A1, 3 S1, 4 S2, 5 S3, 6 S6, 7-9 P1-P3, 10-16 PS1-PS6 and PS8, 17 S5, 18 A2,
	// 19 P4, 20 A3, 21 A4, 22 S4, 23 P5, 24 PS7, 25 D1, 26 S1 again.
	if want := []int{5, 10, 11, 12, 13, 14, 15, 16, 17, 19, 20, 24, 25, 26}; !slices.Equal(rows, want) {
		t.Fatalf("records for rows %v, want %v", rows, want)
	}

	used := []struct {
		row                  int
		name, id             string
		lat                  float64
		cats                 []aidmap.Category
		hours, phone, elig   string
		langs                []string
		confidential         bool
		warnCategoryAsOther  bool
		descriptionStartWith string
	}{
		{row: 5, name: "Riverside Warehouse – Riverside Community Services", id: "S3", lat: 49.285, cats: []aidmap.Category{aidmap.CategoryOther}, phone: "+1 604-555-0100", descriptionStartWith: "A community services agency"},
		{row: 10, name: "Food Bank – Riverside Community Services", id: "PS1", lat: 49.282, cats: []aidmap.Category{aidmap.CategoryFoodBank}, hours: "Tue 10:00-14:00", phone: "+1 604-555-0110", elig: "Anyone in need", langs: []string{"en", "fr"}, descriptionStartWith: "Weekly groceries"},
		{row: 11, name: "Food Bank – Riverside Community Services", id: "PS2", lat: 49.276, cats: []aidmap.Category{aidmap.CategoryFoodBank}, hours: "Thu 12:00-16:00", phone: "+1 604-555-0110", elig: "Anyone in need", langs: []string{"en"}},
		{row: 12, name: "Income Tax Help – Riverside Community Services", id: "PS3", lat: 49.282, cats: []aidmap.Category{aidmap.CategoryOther}, hours: "Mon-Fri 09:00-17:00", phone: "+1 604-555-0100", elig: "Seniors and low income", warnCategoryAsOther: true},
		{row: 16, name: "Food Bank – Riverside Community Services", id: "PS8", lat: 49.25, cats: []aidmap.Category{aidmap.CategoryFoodBank}, phone: "+1 604-555-0110", elig: "Anyone in need", langs: []string{"en"}, confidential: true},
		{row: 19, name: "Legal Advice – Northside Legal Clinic", id: "P4", lat: 49.29, cats: []aidmap.Category{aidmap.CategoryLegalAid}, hours: "Mon-Thu 09:00-16:00", phone: "+1 604-555-0200", langs: []string{"en", "pa"}},
		{row: 20, name: "Harbour Drop-In", id: "A3", lat: 49.288, cats: []aidmap.Category{aidmap.CategoryDropIn}, hours: "Daily 08:00-20:00"},
	}
	for _, w := range used {
		r := byRow[w.row]
		if r.worst() != ingest.Warning {
			t.Errorf("row %d: got %s (%s), want it used", w.row, r.worst(), r.reasons())
			continue
		}
		s := r.site
		if s.Name != w.name || s.ExternalID != w.id || s.Lat != w.lat || !slices.Equal(s.Categories, w.cats) {
			t.Errorf("row %d: got %q %s at %v %v, want %q %s at %v %v", w.row, s.Name, s.ExternalID, s.Lat, s.Categories, w.name, w.id, w.lat, w.cats)
		}
		if s.Hours.Notes != w.hours || s.Phone != w.phone || s.Eligibility != w.elig || !slices.Equal(s.Languages, w.langs) {
			t.Errorf("row %d: got hours %q phone %q eligibility %q languages %v, want %q %q %q %v", w.row, s.Hours.Notes, s.Phone, s.Eligibility, s.Languages, w.hours, w.phone, w.elig, w.langs)
		}
		if s.Confidential != w.confidential {
			t.Errorf("row %d: confidential %v, want %v", w.row, s.Confidential, w.confidential)
		}
		if !strings.HasPrefix(s.Description, w.descriptionStartWith) {
			t.Errorf("row %d: description %q, want it to start %q", w.row, s.Description, w.descriptionStartWith)
		}
		if got := strings.Contains(r.reasons(), "none of the record's taxonomy terms"); got != w.warnCategoryAsOther {
			t.Errorf("row %d: category warning %v, want %v (%s)", w.row, got, w.warnCategoryAsOther, r.reasons())
		}
	}

	bad := []struct {
		row      int
		severity ingest.Severity
		column   string
		want     string
	}{
		{13, ingest.Rejected, "ConnectsToProgramNum", "names no program row of the file"},
		{14, ingest.Rejected, "ConnectsToSiteNum", "names row 2 (Agency A1), which is not a site row"},
		{15, ingest.Rejected, "ConnectsToSiteNum", "names the site on row 17 (Site S5), which was rejected"},
		{17, ingest.Rejected, "ParentAgencyNum", "names no agency row of the file"},
		{24, ingest.Skipped, "", "marked inactive"},
		{25, ingest.Rejected, "TaxonomyLevelName", "is not a record level"},
		{26, ingest.Rejected, "ResourceAgencyNum", "is also the number of row 3 (Site S1)"},
	}
	for _, w := range bad {
		r := byRow[w.row]
		if r.worst() != w.severity || !strings.Contains(r.reasons(), w.want) || !strings.Contains(r.reasons(), w.column) {
			t.Errorf("row %d: got %s (%s), want %s naming %s: %q", w.row, r.worst(), r.reasons(), w.severity, w.column, w.want)
		}
		if w.severity == ingest.Rejected && len(r.problems) != 1 {
			t.Errorf("row %d: got %d problems (%s), want only the reader's", w.row, len(r.problems), r.reasons())
		}
	}

	h := rd.(ingest.HierarchyReader).Hierarchy()
	if want := (ingest.Hierarchy{Organizations: 4, Places: 7, Services: 6}); h != want {
		t.Errorf("hierarchy: got %+v, want %+v", h, want)
	}
	notes := strings.Join(rd.Dialect().Notes, " ")
	if !strings.Contains(notes, "1 program is offered at none") || !strings.Contains(notes, "Crisis Line") {
		t.Errorf("notes: got %q, want the unplaced Crisis Line", notes)
	}
}

// TestUpload runs the export through the pipeline into a real store: the report says what the
// file described, and a second upload of the same file changes nothing.
func TestUpload(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	data := fixture(t)
	run := func() *ingest.Report {
		rd, format, err := formats.NewReader(bytes.NewReader(data), formats.Options{Name: "export.csv"})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := ingest.Run(ctx, rd, st, nil, ingest.Options{Org: "two11", OrgName: "211 Test", Mode: ingest.ModeReplace, Format: format, File: "export.csv"})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := run()
	if rep.File.Format != ingest.FormatICarol || rep.File.Hierarchy == nil || *rep.File.Hierarchy != (ingest.Hierarchy{Organizations: 4, Places: 7, Services: 6}) {
		t.Fatalf("report file: got %+v", rep.File)
	}
	if s := rep.Summary; s.Created != 7 || s.Rejected != 6 || s.Skipped != 1 {
		t.Errorf("summary: got created %d rejected %d skipped %d, want 7, 6, 1", s.Created, s.Rejected, s.Skipped)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "describes 4 organisations, 7 places and 6 services") {
		t.Errorf("text report lacks the hierarchy:\n%s", text.String())
	}
	if again := run(); again.Summary.Unchanged != 7 || again.Summary.Created != 0 || again.Summary.Retired != 0 {
		t.Errorf("second upload: got %+v, want 7 unchanged", again.Summary)
	}
}

// TestFlatTableUnchanged checks that a table without the hierarchy's columns is read as before,
// and that a forced icarol format fails closed on it.
func TestFlatTableUnchanged(t *testing.T) {
	flat := []byte("Name,Address,City,Latitude,Longitude,Category\nPantry,1 Main St,Vancouver,49.28,-123.1,food bank\n")
	_, _, format := readExport(t, flat)
	if format != ingest.FormatCSV {
		t.Errorf("format: got %q, want csv", format)
	}
	_, _, err := formats.NewReader(bytes.NewReader(flat), formats.Options{Format: ingest.FormatICarol})
	var fe *ingest.FileError
	if !errors.As(err, &fe) || !errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(fe.Reason, "TaxonomyLevelName") {
		t.Errorf("forced icarol on a flat table: got %v, want a FileError naming the missing column", err)
	}
}

// TestMaxRows: the reader holds the file, so it stops at its row limit with a FileError.
func TestMaxRows(t *testing.T) {
	tr, err := table.NewReader(bytes.NewReader(fixture(t)), table.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = icarol.New(tr, icarol.Options{MaxRows: 5})
	var fe *ingest.FileError
	if !errors.As(err, &fe) || !strings.Contains(fe.Reason, "more than 5 rows") {
		t.Errorf("got %v, want a FileError about the row limit", err)
	}
}

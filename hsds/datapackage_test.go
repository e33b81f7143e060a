package hsds_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/hsds"
	"github.com/aidmap/aidmap/ingest"
	hsdsread "github.com/aidmap/aidmap/ingest/hsds"
	"github.com/aidmap/aidmap/store/sqlite"
)

// roundTripSites are demo sites plus edge cases: overnight hours, a closed holiday, special
// hours, several languages, accessibility text, a temporarily closed site.
func roundTripSites() []aidmap.Site {
	sites := demo.Sites(150, 11)
	s := aidmap.Site{
		OrganizationID: "demo", ExternalID: "edge", Name: "Night Shelter", Description: "Beds from 8 pm.",
		Categories: []aidmap.Category{aidmap.CategoryShelter, aidmap.CategoryHygiene},
		Address:    aidmap.Address{Street: "1 Main St", Unit: "Unit 2", Locality: "Vancouver", Region: "BC", PostalCode: "V6A 1A1", Country: "CA"},
		Lat:        49.2801234, Lon: -123.1001234, Precision: aidmap.PrecisionExact,
		Phone: "+1 604-555-0199", Website: "https://example.org/night", Email: "night@example.org",
		Hours: aidmap.Hours{Weekly: []aidmap.Period{{Day: time.Monday, Open: 20 * 60, Close: 8 * 60}, {Day: time.Tuesday, Open: 9 * 60, Close: 12 * 60}, {Day: time.Tuesday, Open: 13 * 60, Close: 17 * 60}},
			Exceptions: []aidmap.Exception{{Date: "2026-12-25", Closed: true}, {Date: "2026-12-24", Periods: []aidmap.Period{{Open: 600, Close: 720}}}}},
		Languages: []string{"en", "fr"}, Eligibility: "Adults", Fees: "Free", Accessibility: "Ramp at the back",
		Status: aidmap.StatusTemporarilyClosed, UpdatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	s.ID = aidmap.SiteID(s.OrganizationID, s.ExternalID)
	return append(sites, s)
}

// TestPackageRoundTrip writes a package, ingests it into a fresh store with package ingest's
// HSDS reader, and compares each site field by field.
func TestPackageRoundTrip(t *testing.T) {
	sites := roundTripSites()
	dir := filepath.Join(t.TempDir(), "pkg")
	p, err := hsds.NewPackageWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	org := demo.Organization()
	for i := range sites {
		public := demo.Publisher().Public(&sites[i]) // as the export command writes them
		p.AddSite(&public, org)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := hsds.NewPackageWriter(dir); err == nil {
		t.Error("a second package was written over the first")
	}

	var zipped bytes.Buffer
	if err := hsds.ZipDir(dir, &zipped); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		open func() (ingest.Reader, error)
	}{
		{"folder", func() (ingest.Reader, error) { return hsdsread.ReadPackage(os.DirFS(dir), hsdsread.Options{}) }},
		{"zip", func() (ingest.Reader, error) {
			return hsdsread.ReadZip(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()), hsdsread.Options{})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ingestPackage(t, tc.open)
			if len(got) != p.Sites {
				t.Fatalf("re-imported %d sites, wrote %d", len(got), p.Sites)
			}
			for _, want := range sites {
				if !want.Visible() {
					continue
				}
				// The external ID comes back (ExternalIDTerm), and with it the site's ID,
				// but for a confidential site, whose key the package leaves out.
				key := want.ExternalID
				if want.Confidential {
					pid := demo.Publisher().PublicID(want.ID, true) // published under its public ID
					key = hsds.SiteObjectID(pid, hsds.KindService) + "@" + hsds.SiteObjectID(pid, hsds.KindLocation)
				}
				g, ok := got[key]
				if !ok {
					t.Errorf("%s (%s) was not re-imported", want.Name, key)
					continue
				}
				if !want.Confidential && g.ID != want.ID {
					t.Errorf("%s: re-imported as site %s, was %s", want.Name, g.ID, want.ID)
				}
				compareSites(t, want, g)
			}
		})
	}
}

func ingestPackage(t *testing.T, open func() (ingest.Reader, error)) map[string]aidmap.Site {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src, err := open()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ingest.Run(ctx, src, st, nil, ingest.Options{Org: "demo", OrgName: "Demo", Format: ingest.FormatHSDS, File: "pkg"})
	if err != nil {
		t.Fatalf("ingest: %v (%+v)", err, rep)
	}
	got := map[string]aidmap.Site{}
	if _, err := st.EachSite(ctx, func(s aidmap.Site) error { got[s.ExternalID] = s; return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func compareSites(t *testing.T, want, got aidmap.Site) {
	t.Helper()
	w := want
	if w.Confidential {
		// Published as the area: its pin and no address; its location says it is
		// confidential.
		pw := demo.Publisher().Public(&want)
		w.Lat, w.Lon = pw.Lat, pw.Lon
		w.Address = aidmap.Address{}
		if w.Description == "" {
			w.Description = hsds.ConfidentialNote
		}
	}
	if hsds.URI(w.Website) == "" {
		w.Website = ""
	}
	check := func(field string, g, w any) {
		t.Helper()
		if !equal(g, w) {
			t.Errorf("%s: %s: got %v, want %v", want.Name, field, g, w)
		}
	}
	check("name", got.Name, w.Name)
	check("description", got.Description, w.Description)
	check("categories", sorted(got.Categories), sorted(w.Categories))
	check("address", got.Address, w.Address)
	check("lat", hsds.RoundCoord(got.Lat), hsds.RoundCoord(w.Lat))
	check("lon", hsds.RoundCoord(got.Lon), hsds.RoundCoord(w.Lon))
	check("phone", got.Phone, w.Phone)
	check("website", got.Website, w.Website)
	check("email", got.Email, w.Email)
	check("languages", got.Languages, w.Languages)
	check("eligibility", got.Eligibility, w.Eligibility)
	check("fees", got.Fees, w.Fees)
	check("accessibility", got.Accessibility, w.Accessibility)
	check("status", got.Status, w.Status)
	check("weekly hours", got.Hours.Weekly, w.Hours.Weekly)
	check("hour exceptions", exceptions(got.Hours), exceptions(w.Hours))
}

func sorted(c []aidmap.Category) []aidmap.Category {
	c = slices.Clone(c)
	slices.Sort(c)
	return c
}

func equal(a, b any) bool {
	return fmtAny(a) == fmtAny(b)
}

func fmtAny(v any) string { return fmt.Sprintf("%#v", v) }

// exceptions returns h's exceptions by date, without the periods' Day (which they ignore).
func exceptions(h aidmap.Hours) []aidmap.Exception {
	ex := slices.Clone(h.Exceptions)
	for i := range ex {
		ex[i].Periods = slices.Clone(ex[i].Periods)
		for j := range ex[i].Periods {
			ex[i].Periods[j].Day = 0
		}
		if ex[i].Closed { // a closure's description says "closed", and comes back as its note
			ex[i].Note = strings.TrimSpace(strings.TrimPrefix(ex[i].Note, "closed"))
		}
	}
	slices.SortFunc(ex, func(a, b aidmap.Exception) int { return strings.Compare(a.Date, b.Date) })
	return ex
}

// TestPackageRefusesStoredConfidentialSites checks that the open-data package never takes a
// confidential site as stored: it is left out, and Close says so.
func TestPackageRefusesStoredConfidentialSites(t *testing.T) {
	sites := roundTripSites()
	p, err := hsds.NewPackageWriter(filepath.Join(t.TempDir(), "pkg"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range sites {
		if sites[i].Confidential && sites[i].Visible() {
			p.AddSite(&sites[i], demo.Organization())
			n++
		}
	}
	if n == 0 {
		t.Fatal("no confidential test site")
	}
	if err := p.Close(); err == nil || p.Sites != 0 {
		t.Errorf("wrote %d stored confidential sites, Close: %v; want none and an error", p.Sites, err)
	}
}

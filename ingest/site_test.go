package ingest_test

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/table"
)

// siteOf reads a one-row CSV (header + row) and converts the row.
func siteOf(t *testing.T, header, row string) (aidmap.Site, []ingest.Problem) {
	t.Helper()
	_, recs, err := readAll(t, strings.NewReader(header+"\n"+row+"\n"), table.Options{Header: table.HeaderPresent})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	return recs[0].Site("org")
}

func reasons(ps []ingest.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Severity.String()+" "+p.Field)
	}
	return out
}

func TestSiteProblems(t *testing.T) {
	const header = "id,name,address,city,lat,lon,category,phone,website,email,languages,status"
	tests := []struct {
		name string
		row  string
		want []string // severity and field of each problem
	}{
		{"clean", "1,Food Bank,1 Main St,Vancouver,49.28,-123.1,food_bank,604-555-0100,example.org,info@example.org,English; French,active", nil},
		{"no name", "1,,1 Main St,Vancouver,49.28,-123.1,food_bank,,,,,", []string{"rejected name"}},
		{"no address no coordinates", "1,A,,,,,food_bank,,,,,", []string{"rejected "}},
		{"address only needs geocoding", "1,A,1 Main St,Vancouver,,,food_bank,,,,,", nil},
		{"zero zero", "1,A,1 Main St,,0,0,food_bank,,,,,", []string{"rejected "}},
		{"not a number", "1,A,,,..........,-123.1,food_bank,,,,,", []string{"rejected lat"}},
		{"unknown counts as empty", "1,A,,Victoria,unknown,unknown,shelter,,,,,", nil},
		{"swapped", "1,A,,,-123.1,49.28,food_bank,,,,,", []string{"warning lat"}},
		{"projected metres", "1,A,,,1210000,480000,food_bank,,,,,", []string{"rejected "}},
		{"lat without lon", "1,A,,,49.28,,food_bank,,,,,", []string{"rejected lon"}},
		{"lat beyond 90 both ways", "1,A,,,100,101,food_bank,,,,,", []string{"rejected lat"}},
		{"unknown category", "1,A,,,49.28,-123.1,bicycle repair,,,,,", []string{"warning category"}},
		{"no category", "1,A,,,49.28,-123.1,,,,,,", []string{"warning category"}},
		{"bad phone website email", "1,A,,,49.28,-123.1,shelter,call us,not a site,nobody,,", []string{"warning phone", "warning website", "warning email"}},
		{"unknown language", "1,A,,,49.28,-123.1,shelter,,,,Klingon,", []string{"warning languages"}},
		{"inactive", "1,A,,,49.28,-123.1,shelter,,,,,Inactive", []string{"skipped status"}},
		{"odd status", "1,A,,,49.28,-123.1,shelter,,,,,sometimes", []string{"warning status"}},
		{"long name", "1," + strings.Repeat("n", aidmap.MaxNameLen+1) + ",,,49.28,-123.1,shelter,,,,,", []string{"rejected name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ps := siteOf(t, header, tt.row)
			if got := reasons(ps); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q (%v)", got, tt.want, ps)
			}
			for _, p := range ps {
				if p.Row != 2 || p.Reason == "" {
					t.Errorf("problem %+v: want row 2 and a reason", p)
				}
			}
		})
	}
}

func TestSiteNormalises(t *testing.T) {
	header := "name,address,city,postal code,country,lat,lon,category,phone,website,email,languages,hours,confidential"
	row := `"  Food   Bank ","10 Gateway Blvd, Suite 104` + "\n" + `Toronto, ON     M3C 3A1",Toronto,m3c 3a1,Canada,43.70,-79.33,"Food Pantries; Soup kitchen",(416) 555-0100 ext 12,HTTP://Example.org/food,mailto:info@example.org,"English, Français, fr-CA",Mon-Fri 9am-5pm,yes`
	s, ps := siteOf(t, header, row)
	if len(ps) != 0 {
		t.Errorf("problems: got %v, want none", ps)
	}
	want := aidmap.Site{
		ID: aidmap.SiteID("org", s.ExternalID), OrganizationID: "org", ExternalID: s.ExternalID, Name: "Food Bank",
		Categories: []aidmap.Category{aidmap.CategoryFoodBank, aidmap.CategoryFreeMeal},
		// The street repeated the city and postcode of their own columns: split off, with the
		// province it also gave.
		Address: aidmap.Address{Street: "10 Gateway Blvd, Suite 104", Locality: "Toronto", Region: "ON", PostalCode: "M3C 3A1", Country: "CA"},
		Lat:     43.70, Lon: -79.33, Precision: aidmap.PrecisionExact, Phone: "+1 416-555-0100 ext. 12",
		Website: "http://example.org/food", Email: "info@example.org", Languages: []string{"en", "fr", "fr-CA"},
		Hours: aidmap.Hours{Notes: "Mon-Fri 9am-5pm"}, Confidential: true, Status: aidmap.StatusActive,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got  %+v\nwant %+v", s, want)
	}
	if !strings.HasPrefix(s.ExternalID, "name-address:") {
		t.Errorf("external ID: got %q, want one derived from name and address", s.ExternalID)
	}
}

func TestDerivedIDStable(t *testing.T) {
	const header = "name,address,city"
	a, _ := siteOf(t, header, "Food Bank,1 Main St.,Vancouver")
	b, _ := siteOf(t, header, " FOOD BANK ,1 main st,VANCOUVER")
	c, _ := siteOf(t, header, "Food Bank,2 Main St,Vancouver")
	if a.ExternalID != b.ExternalID {
		t.Errorf("same site written differently: got %q and %q, want equal", a.ExternalID, b.ExternalID)
	}
	if a.ExternalID == c.ExternalID {
		t.Errorf("different addresses: got the same ID %q", a.ExternalID)
	}
}

func TestSiteFrom211Export(t *testing.T) {
	_, recs := readFixture(t, "../table/testdata/icarol.csv", table.Options{})
	s, ps := recs[0].Site("org")
	if len(ps) != 0 {
		t.Errorf("row 2 problems: got %v, want none", ps)
	}
	if s.ExternalID != "1001" || s.Name != "Downtown Food Bank" || s.Categories[0] != aidmap.CategoryFoodBank ||
		s.Address.Unit != "Suite 4" || s.Address.Country != "US" || s.Phone != "+1 217-555-0100" ||
		!reflect.DeepEqual(s.Languages, []string{"en", "es"}) || s.Precision != aidmap.PrecisionExact {
		t.Errorf("got %+v", s)
	}
	s, ps = recs[1].Site("org")
	if len(ps) != 0 {
		t.Errorf("row 3 problems: got %v, want none", ps)
	}
	if !s.Confidential || s.Precision != "" || s.Categories[0] != aidmap.CategoryShelter {
		t.Errorf("private address: got confidential=%v precision=%q categories=%v, want true, \"\" (to geocode), shelter", s.Confidential, s.Precision, s.Categories)
	}
}

func TestNoCategoryColumn(t *testing.T) {
	d, recs, err := readAll(t, strings.NewReader("name,lat,lon\nA,49.28,-123.1\n"), table.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, ps := recs[0].Site("org")
	if len(ps) != 0 || !reflect.DeepEqual(s.Categories, []aidmap.Category{aidmap.CategoryOther}) {
		t.Errorf("got %v, %v, want other and no per-row warning", s.Categories, ps)
	}
	if !strings.Contains(strings.Join(d.Notes, "\n"), "filed as \"other\"") {
		t.Errorf("notes: got %q, want one about the missing category column", d.Notes)
	}
}

func TestSiteExcluded(t *testing.T) {
	_, ps := siteOf(t, "ResourceAgencyNum,PublicName,Latitude,Longitude,ExcludeFromWebsite,TaxonomyTerms", "7,Hidden,49.2,-123.1,Yes,Shelters")
	if got := reasons(ps); !reflect.DeepEqual(got, []string{"skipped exclude"}) {
		t.Errorf("got %q, want the row skipped", got)
	}
	if ps[0].Column != "ExcludeFromWebsite" {
		t.Errorf("column: got %q, want ExcludeFromWebsite", ps[0].Column)
	}
}

// TestSiteLanguageNotes: 211 exports write notes beside languages ("Spanish (limited)").
func TestSiteLanguageNotes(t *testing.T) {
	s, ps := siteOf(t, "name,lat,lon,languages,category", `A,49.28,-123.1,"English; Spanish (limited); Yiddish; other languages available upon request",Ongoing Emergency Food Assistance`)
	if want := []string{"en", "es", "yi"}; !reflect.DeepEqual(s.Languages, want) {
		t.Errorf("languages: got %v, want %v", s.Languages, want)
	}
	if got := reasons(ps); !reflect.DeepEqual(got, []string{"warning languages"}) {
		t.Errorf("problems: got %q, want one languages warning for the note", got)
	}
	if want := []aidmap.Category{aidmap.CategoryFoodBank}; !reflect.DeepEqual(s.Categories, want) {
		t.Errorf("categories: got %v, want %v", s.Categories, want)
	}
}

// readAll reads every record of the CSV text in r, or stops at the first error.
func readAll(t testing.TB, r io.Reader, opts table.Options) (ingest.Dialect, []ingest.Record, error) {
	t.Helper()
	tr, err := table.NewReader(r, opts)
	if err != nil {
		return ingest.Dialect{}, nil, err
	}
	var recs []ingest.Record
	for {
		rec, err := tr.Next()
		if err == io.EOF {
			return tr.Dialect(), recs, nil
		}
		if err != nil {
			return tr.Dialect(), recs, err
		}
		recs = append(recs, rec)
	}
}

// readFixture reads testdata/name as CSV.
func readFixture(t *testing.T, name string, opts table.Options) (ingest.Dialect, []ingest.Record) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, recs, err := readAll(t, f, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d, recs
}

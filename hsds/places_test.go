package hsds

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

// placeSite is a visible site of org at Parkdale's food bank.
func placeSite(org, ext string, dlat float64) *aidmap.Site {
	s := &aidmap.Site{ID: aidmap.SiteID(org, ext), OrganizationID: org, ExternalID: ext, Name: "Parkdale Food Bank " + org,
		Categories: []aidmap.Category{aidmap.CategoryFoodBank}, Lat: 43.6403 + dlat, Lon: -79.436,
		Address:   aidmap.Address{Street: "1499 Queen St W", Locality: "Toronto", Region: "ON", PostalCode: "M6R 1A3", Country: "CA"},
		Precision: aidmap.PrecisionExact, Status: aidmap.StatusActive}
	return s
}

func TestPlaceLocation(t *testing.T) {
	a, b := placeSite("fbs", "A1", 0), placeSite("other", "B1", 0.0001)
	b.Accessibility = "Ramp at the side door"
	a2 := placeSite("fbs", "A9", 0.00005)
	shelter := placeSite("fbs", "A4", 0.00002)
	shelter.Confidential = true
	pub := demo.Publisher().Public(shelter)
	retired := placeSite("other", "B7", 0)
	retired.Status = aidmap.StatusRetired
	tests := []struct {
		name   string
		sites  []*aidmap.Site
		nilLoc bool
		org    string // the location's organization_id
		access int    // accessibility notes
	}{
		{name: "two providers", sites: []*aidmap.Site{a, b}, org: "", access: 1},
		{name: "one organisation", sites: []*aidmap.Site{a, a2}, org: OrganizationID("fbs")},
		{name: "a site alone", sites: []*aidmap.Site{a}, nilLoc: true},
		{name: "a confidential site (fail closed)", sites: []*aidmap.Site{a, &pub}, nilLoc: true},
		{name: "a retired site", sites: []*aidmap.Site{a, retired}, nilLoc: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := PlaceLocation(tt.sites)
			if tt.nilLoc {
				if loc != nil {
					t.Fatalf("got location %+v, want none (each site its own)", loc)
				}
				return
			}
			own := NewLocation(tt.sites[0])
			if loc == nil || loc.ID != own.ID || loc.Latitude != own.Latitude || loc.Name != own.Name || len(loc.Addresses) != 1 {
				t.Fatalf("got %+v, want the first site's location %+v", loc, own)
			}
			if loc.OrganizationID != tt.org || len(loc.Accessibility) != tt.access {
				t.Errorf("organization_id %q and %d accessibility notes, want %q and %d", loc.OrganizationID, len(loc.Accessibility), tt.org, tt.access)
			}
			sal := NewServiceAtLocation(tt.sites[1], aidmap.Organization{}, false)
			AtLocation(&sal, loc)
			if sal.LocationID != own.ID || sal.Location != loc || sal.ServiceID != SiteObjectID(tt.sites[1].ID, KindService) {
				t.Errorf("service_at_location %+v, want its own service at the place's location %s", sal, own.ID)
			}
		})
	}
}

// TestPackagePlace: a place of two providers is one location row with two services at it,
// each under its own organisation; a site alone keeps its own location.
func TestPackagePlace(t *testing.T) {
	a, b, alone := placeSite("fbs", "A1", 0), placeSite("other", "B1", 0.0001), placeSite("other", "B9", 0.01)
	dir := filepath.Join(t.TempDir(), "pkg")
	p, err := NewPackageWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	orgs := map[string]aidmap.Organization{"fbs": {ID: "fbs", Name: "Food Bank Society"}, "other": {ID: "other", Name: "Other"}}
	p.AddSite(alone, orgs["other"])
	p.AddPlace([]*aidmap.Site{a, b}, orgs)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if p.Sites != 3 {
		t.Errorf("%d sites written, want 3", p.Sites)
	}
	read := func(name string) [][]string {
		f, err := os.Open(filepath.Join(dir, name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows[1:]
	}
	locs := map[string]bool{}
	for _, r := range read("locations") {
		locs[r[0]] = true
	}
	placeLoc, aloneLoc := SiteObjectID(a.ID, KindLocation), SiteObjectID(alone.ID, KindLocation)
	if len(locs) != 2 || !locs[placeLoc] || !locs[aloneLoc] {
		t.Errorf("locations %v, want the place's %s and the lone site's %s", locs, placeLoc, aloneLoc)
	}
	at := map[string]string{} // location by service
	for _, r := range read("service_at_locations") {
		at[r[1]] = r[2]
	}
	for _, c := range []struct {
		site *aidmap.Site
		loc  string
	}{{a, placeLoc}, {b, placeLoc}, {alone, aloneLoc}} {
		if got := at[SiteObjectID(c.site.ID, KindService)]; got != c.loc {
			t.Errorf("%s's service at %s, want %s", c.site.ExternalID, got, c.loc)
		}
	}
	orgOf := map[string]string{}
	for _, r := range read("services") {
		orgOf[r[0]] = r[1]
	}
	if orgOf[SiteObjectID(a.ID, KindService)] != OrganizationID("fbs") || orgOf[SiteObjectID(b.ID, KindService)] != OrganizationID("other") {
		t.Errorf("services' organisations %v: each provider's service keeps its own", orgOf)
	}
	if n := len(read("addresses")); n != 2 {
		t.Errorf("%d addresses, want 2 (one a location)", n)
	}
}

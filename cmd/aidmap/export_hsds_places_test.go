package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/hsds"
)

// TestExportHSDSPlaces: two organisations' records of one food bank are one location in the
// datapackage, each provider's service at it under its own organisation; the confidential
// shelter and the record 8 m from it keep their own locations.
func TestExportHSDSPlaces(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	files := map[string]string{
		"fbs": "id,name,address,city,postal code,phone,website,lat,lon,category,confidential\n" +
			"A1,\"Parkdale Community Food Bank, Weekly Groceries\",1499 Queen St W,Toronto,M6R 1A3,416-555-0101,https://parkdale-food.example.org,43.64030,-79.43600,food bank,no\n" +
			"A4,\"Riverdale Shelter, Emergency Beds\",,Toronto,M4M 1A1,416-555-0104,,43.66500,-79.34000,shelter,yes\n",
		"other": "id,name,address,city,postal code,phone,website,lat,lon,category,confidential\n" +
			"B1,\"Parkdale Comunity Food Bank, Groceries\",1499 Queen Street West,Toronto,M6R1A3,+1 416 555 0101,http://www.parkdale-food.example.org/,43.64043,-79.43600,food bank,no\n" +
			"B3,\"Riverdale Women's Drop-in\",,Toronto,M4M 1A1,4165550104,,43.66507,-79.34000,drop-in,no\n",
	}
	for _, org := range []string{"fbs", "other"} {
		file := filepath.Join(dir, org+".csv")
		if err := os.WriteFile(file, []byte(files[org]), 0o644); err != nil {
			t.Fatal(err)
		}
		if res := ingestCmd(t, nil, "ingest", file, "--org", org, "--org-name", org, "--data-dir", data, "--progress", "none"); res.code != 0 {
			t.Fatalf("ingest %s: %d\n%s%s", org, res.code, res.stdout, res.stderr)
		}
	}
	out := filepath.Join(dir, "pkg")
	if res := ingestCmd(t, nil, "export", "--data-dir", data, "--format", "hsds", "--out", out); res.code != 0 {
		t.Fatalf("export: %d %s", res.code, res.stderr)
	}
	read := func(name string) [][]string {
		f, err := os.Open(filepath.Join(out, name+".csv"))
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
	a1, b1, b3 := aidmap.SiteID("fbs", "A1"), aidmap.SiteID("other", "B1"), aidmap.SiteID("other", "B3")
	place := min(a1, b1) // a place's ID is its smallest site ID
	at := map[string]string{}
	for _, r := range read("service_at_locations") {
		at[r[1]] = r[2]
	}
	if len(at) != 4 {
		t.Fatalf("%d service_at_locations, want 4: %v", len(at), at)
	}
	placeLoc := hsds.SiteObjectID(place, hsds.KindLocation)
	for _, site := range []string{a1, b1} {
		if got := at[hsds.SiteObjectID(site, hsds.KindService)]; got != placeLoc {
			t.Errorf("Parkdale's service %s at %s, want the place's location %s", site, got, placeLoc)
		}
	}
	if got := at[hsds.SiteObjectID(b3, hsds.KindService)]; got != hsds.SiteObjectID(b3, hsds.KindLocation) {
		t.Errorf("the drop-in next to the shelter at %s, want its own location", got)
	}
	locs := read("locations")
	if len(locs) != 3 {
		t.Errorf("%d locations, want 3 (Parkdale once, the drop-in, the shelter's area)", len(locs))
	}
	for _, l := range locs {
		if l[0] == placeLoc && l[2] != "" {
			t.Errorf("Parkdale's location belongs to organisation %s, want none (two providers)", l[2])
		}
	}
	orgOf := map[string]string{}
	for _, r := range read("services") {
		orgOf[r[0]] = r[1]
	}
	if orgOf[hsds.SiteObjectID(a1, hsds.KindService)] != hsds.OrganizationID("fbs") || orgOf[hsds.SiteObjectID(b1, hsds.KindService)] != hsds.OrganizationID("other") {
		t.Errorf("services' organisations %v: each provider keeps its own", orgOf)
	}
}

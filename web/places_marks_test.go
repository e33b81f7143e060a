package web

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

// TestPlacesStackedLists: sites at a stacked point (nine unrelated rows at one postcode
// centroid) are approximate in every list and export, not only in the tiles, the place view
// and GET /api/v1/sites/{id}: the lists' cache follows the stacked marks. When the rows move
// to points of their own, no answer says approximate any more.
func TestPlacesStackedLists(t *testing.T) {
	e := newPlacesEnv(t)
	names := []string{"Legal Aid", "Food Bank", "Youth Hub", "Seniors Lunch", "Dental Clinic",
		"Tax Help", "Housing Help Desk", "Refugee Settlement", "Daily Bread"}
	upload := func(spread float64) {
		e.uploadFile("fbs", "provider_a.csv", func(string) string {
			text := "id,name,address,city,lat,lon,category\n"
			for i, n := range names {
				text += fmt.Sprintf("S%d,%s,%d Other St,Toronto,43.7,%.5f,other\n", i, n, i+1, -79.4+spread*float64(i))
			}
			return text
		})
		e.nearest(43.7, -79.4) // waits for the places of the upload
	}
	const box = "bbox=-79.41,43.69,-79.38,43.71"
	lists := []struct {
		name, path string
		read       func(t *testing.T, b []byte) []bool
	}{
		{"nearest", "/api/v1/sites/nearest?lat=43.7&lon=-79.4&limit=20", readSites},
		{"nearest again (cached)", "/api/v1/sites/nearest?lat=43.7&lon=-79.4&limit=20", readSites},
		{"radius", "/api/v1/sites?lat=43.7&lon=-79.4&radius_m=2000", readSites},
		{"bbox", "/api/v1/sites?" + box, readSites},
		{"text search", "/api/v1/sites?" + box + "&q=help", readSites},
		{"geojson", "/api/v1/sites?" + box + "&format=geojson", readFeatures},
		{"csv", "/api/v1/sites?" + box + "&format=csv", readCSV},
		{"csv export", "/api/v1/sites?format=csv", readCSV},
		{"ndjson export", "/api/v1/sites?format=ndjson", readNDJSON},
		{"ogc items", "/ogc/collections/sites/items?" + box, readFeatures},
		{"one ogc item", "/ogc/collections/sites/items/" + aidmap.SiteID("fbs", "S3"), func(t *testing.T, b []byte) []bool {
			return readFeatures(t, []byte(`{"features":[`+string(b)+`]}`))
		}},
	}
	for _, st := range []struct {
		name   string
		spread float64 // degrees of longitude between rows
		want   bool
	}{{"stacked", 0, true}, {"spread out", 0.001, false}} {
		upload(st.spread)
		for _, l := range lists {
			resp, b := e.do("GET", l.path, "", "", nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%s %s: %d %s", st.name, l.name, resp.StatusCode, b)
			}
			got := l.read(t, b)
			if len(got) == 0 || slices.Contains(got, !st.want) {
				t.Errorf("%s, %s: approximate %v, want all %v", st.name, l.name, got, st.want)
			}
		}
	}
}

func readSites(t *testing.T, b []byte) []bool {
	var out struct {
		Sites []struct{ Approximate bool }
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	var got []bool
	for _, s := range out.Sites {
		got = append(got, s.Approximate)
	}
	return got
}

func readFeatures(t *testing.T, b []byte) []bool {
	var out struct {
		Features []struct {
			Properties struct{ Approximate bool }
		}
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	var got []bool
	for _, f := range out.Features {
		got = append(got, f.Properties.Approximate)
	}
	return got
}

func readCSV(t *testing.T, b []byte) []bool {
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) < 1 {
		t.Fatalf("csv: %v", err)
	}
	col := slices.Index(rows[0], "approximate")
	var got []bool
	for _, r := range rows[1:] {
		got = append(got, r[col] == "true")
	}
	return got
}

func readNDJSON(t *testing.T, b []byte) []bool {
	var got []bool
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var s struct{ Approximate bool }
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s.Approximate)
	}
	return got
}

// TestSiteCacheMarks: a cache generation belongs to one snapshot and one set of stacked
// marks; a request with older marks (or an older snapshot) never replaces the newer one's
// (it gets none, and its sites are encoded without the cache).
func TestSiteCacheMarks(t *testing.T) {
	ix1 := geo.NewIndex(nil, 1)
	ix2 := ix1.Apply(nil, 2)
	var c siteCache
	steps := []struct {
		name  string
		ix    *geo.Index
		marks uint64
		kept  bool // the generation returned is the one kept
	}{
		{"first", ix1, 0, true},
		{"new marks", ix1, 1, true},
		{"older marks", ix1, 0, false},
		{"new snapshot", ix2, 1, true},
		{"older snapshot", ix1, 2, false},
		{"same again", ix2, 1, true},
	}
	for _, s := range steps {
		g := c.generation(s.ix, s.marks)
		if !s.kept {
			if g != nil {
				t.Errorf("%s: a generation of %d/%d, want none (encoded without the cache)", s.name, g.ix.Version(), g.marks)
			}
			continue
		}
		if g == nil || g.ix != s.ix || g.marks != s.marks {
			if g == nil {
				t.Fatalf("%s: no generation, want %d/%d", s.name, s.ix.Version(), s.marks)
			}
			t.Errorf("%s: generation of %d/%d, want %d/%d", s.name, g.ix.Version(), g.marks, s.ix.Version(), s.marks)
		}
		if kept := c.gen.Load() == g; kept != s.kept {
			t.Errorf("%s: kept %v, want %v", s.name, kept, s.kept)
		}
	}
}

// TestPlacesNearestFilteredSites: with a filter, a place's entry lists the sites that match
// and counts their providers: Parkdale of a food bank (fbs) and a drop-in (other) is the food
// bank alone under category=food_bank, the drop-in alone under category=drop_in, both
// without a filter or with both categories.
func TestPlacesNearestFilteredSites(t *testing.T) {
	e := newPlacesEnv(t)
	e.uploadFile("fbs", "provider_a.csv", nil)
	e.uploadFile("other", "provider_b.csv", func(s string) string {
		return strings.Replace(s, "43.64043,-79.43600,food bank", "43.64043,-79.43600,drop-in", 1)
	})
	a1, b1 := aidmap.SiteID("fbs", "A1"), aidmap.SiteID("other", "B1")
	p := e.placeOf("fbs", "A1", 43.6403, -79.436)
	if len(p.Sites) != 2 {
		t.Fatalf("Parkdale: %+v, want the food bank and the drop-in as one place", p)
	}
	tests := []struct {
		params    string
		sites     []string
		providers int
	}{
		{"", []string{a1, b1}, 2},
		{"&category=food_bank", []string{a1}, 1},
		{"&category=drop_in", []string{b1}, 1},
		{"&category=food_bank,drop_in", []string{a1, b1}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.params, func(t *testing.T) {
			resp, b := e.do("GET", "/api/v1/places/nearest?lat=43.6403&lon=-79.436&limit=1"+tt.params, "", "", nil)
			var out struct{ Places []placeJSON }
			if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil || len(out.Places) != 1 {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			got := out.Places[0]
			want := slices.Sorted(slices.Values(tt.sites))
			if got.ID != p.ID || !slices.Equal(siteIDs(got), want) || got.Providers != tt.providers {
				t.Errorf("got place %s with %v, %d providers; want %s with %v, %d", got.ID, siteIDs(got), got.Providers, p.ID, want, tt.providers)
			}
		})
	}
}

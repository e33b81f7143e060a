package tiles

import (
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/place"
)

// TestRenderPlaces: two providers' records of one food bank are one pin with the place's
// numbers at every zoom; a confidential shelter of the same name next to them (at its public
// area point) is never part of the place, and keeps its public form only.
func TestRenderPlaces(t *testing.T) {
	shelter := aidmap.Site{ID: aidmap.SiteID("shelter-org", "s1"), OrganizationID: "shelter-org", ExternalID: "s1",
		Name: "Parkdale Food Bank", Categories: []aidmap.Category{aidmap.CategoryFoodBank}, Lat: 43.6405, Lon: -79.4371,
		Precision: aidmap.PrecisionExact, Status: aidmap.StatusActive, Confidential: true}
	pub := demo.Publisher().Public(&shelter)
	mk := func(org, ext string, dlat float64) aidmap.Site {
		return aidmap.Site{ID: aidmap.SiteID(org, ext), OrganizationID: org, ExternalID: ext, Name: "Parkdale Food Bank",
			Categories: []aidmap.Category{aidmap.CategoryFoodBank}, Lat: pub.Lat + dlat, Lon: pub.Lon,
			Precision: aidmap.PrecisionExact, Status: aidmap.StatusActive, Phone: "+1 416-555-0100"}
	}
	a, b := mk("food-net", "p1", 0.0001), mk("two11", "r9", 0.00015) // 11 m and 17 m from the pin
	sites := []aidmap.Site{a, b, pub}
	g := place.NewGraph(place.Options{})
	g.Update(sites)
	pl := g.Places()
	if pl.Of(a.ID) != pl.Of(b.ID) || pl.Of(pub.ID) != pub.ID {
		t.Fatalf("places: a in %s, b in %s, shelter in %s; want a and b together, the shelter alone", pl.Of(a.ID), pl.Of(b.ID), pl.Of(pub.ID))
	}
	ix := geo.NewIndex(sites, 1)
	for z := 4; z <= 18; z++ {
		x, y, _ := tileOf(a.Lat, a.Lon, z)
		raw, err := RenderPlaces(nil, ix, pl, z, x, y, geo.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var places, conf, total int
		for _, f := range decode(t, raw) {
			total += count(t, f)
			switch {
			case f.Props["place"] != nil:
				places++
				if f.Props["place"] != pl.Of(a.ID) || f.Props["providers"] != float64(2) || f.Props["sites"] != float64(2) {
					t.Errorf("z%d: place pin %v, want place %s, 2 providers, 2 sites", z, f.Props, pl.Of(a.ID))
				}
				if f.Props["confidential"] == true {
					t.Errorf("z%d: a place pin is confidential: %v", z, f.Props)
				}
			case f.Props["confidential"] == true:
				conf++
				if f.Props["providers"] != nil || f.Props["sites"] != nil || f.Props["id"] != pub.ID {
					t.Errorf("z%d: the confidential site's feature %v, want its public form only", z, f.Props)
				}
			}
		}
		if total != 2 {
			t.Errorf("z%d: the tile stands for %d sites, want 2 (the place once, the shelter)", z, total)
		}
		if z >= IndividualZoom && (places != 1 || conf != 1) {
			t.Errorf("z%d: got %d place pins and %d confidential features, want 1 and 1", z, places, conf)
		}
		plain, _ := Render(nil, ix, z, x, y, geo.Filter{})
		n := 0
		for _, f := range decode(t, plain) {
			n += count(t, f)
			if f.Props["place"] != nil {
				t.Errorf("z%d: Render without places drew a place: %v", z, f.Props)
			}
		}
		if n != 3 {
			t.Errorf("z%d: Render stands for %d sites, want all 3", z, n)
		}
	}
}

// TestRenderStacked: nine unrelated records at one coordinate (a postcode centroid) are drawn
// as approximate with places, though each claims an exact point.
func TestRenderStacked(t *testing.T) {
	names := []string{"Legal Aid", "Food Bank", "Youth Hub", "Seniors Lunch", "Dental Clinic",
		"Tax Help", "Housing Help Desk", "Refugee Settlement", "Daily Bread"}
	var sites []aidmap.Site
	for i, n := range names {
		org := string(rune('a' + i))
		sites = append(sites, aidmap.Site{ID: aidmap.SiteID(org, "x"), OrganizationID: org, ExternalID: "x", Name: n,
			Categories: []aidmap.Category{aidmap.CategoryOther}, Lat: 43.7, Lon: -79.4,
			Precision: aidmap.PrecisionExact, Status: aidmap.StatusActive})
	}
	g := place.NewGraph(place.Options{})
	g.Update(sites)
	pl := g.Places()
	ix := geo.NewIndex(sites, 1)
	x, y, _ := tileOf(43.7, -79.4, 16)
	raw, err := RenderPlaces(nil, ix, pl, 16, x, y, geo.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	fs := decode(t, raw)
	if len(fs) != len(sites) {
		t.Fatalf("got %d features, want %d (unrelated records are not one place)", len(fs), len(sites))
	}
	for _, f := range fs {
		if f.Props["approximate"] != true || f.Props["precision"] != "exact" {
			t.Errorf("stacked record drawn as %v, want approximate", f.Props)
		}
	}
	plain, _ := Render(nil, ix, 16, x, y, geo.Filter{})
	for _, f := range decode(t, plain) {
		if f.Props["approximate"] != false {
			t.Errorf("Render without places: %v, want the exact point as given", f.Props)
		}
	}
}

// TestRenderPlacesFiltered: with a category filter, a place's pin counts the place's sites in
// those categories and their providers, not every site there; without one, all of them.
func TestRenderPlacesFiltered(t *testing.T) {
	mk := func(org, ext string, dlat float64, cats ...aidmap.Category) aidmap.Site {
		return aidmap.Site{ID: aidmap.SiteID(org, ext), OrganizationID: org, ExternalID: ext, Name: "Parkdale Community Hub",
			Categories: cats, Lat: 43.6403 + dlat, Lon: -79.436, Address: aidmap.Address{Street: "1499 Queen St W", PostalCode: "M6R 1A3"},
			Precision: aidmap.PrecisionExact, Status: aidmap.StatusActive, Phone: "+1 416-555-0100"}
	}
	food1 := mk("food-net", "p1", 0, aidmap.CategoryFoodBank)
	food2 := mk("two11", "r9", 0.0001, aidmap.CategoryFoodBank, aidmap.CategoryFreeMeal)
	beds := mk("shelters", "s4", 0.00005, aidmap.CategoryShelter)
	sites := []aidmap.Site{food1, food2, beds}
	g := place.NewGraph(place.Options{})
	g.Update(sites)
	pl := g.Places()
	if pid := pl.Of(food1.ID); pl.Of(food2.ID) != pid || pl.Of(beds.ID) != pid {
		t.Fatalf("places: %s %s %s, want one place of the three", pl.Of(food1.ID), pl.Of(food2.ID), pl.Of(beds.ID))
	}
	ix := geo.NewIndex(sites, 1)
	tests := []struct {
		name              string
		cats              aidmap.CategorySet
		providers, nsites float64
	}{
		{"no filter", 0, 3, 3},
		{"food bank", aidmap.NewCategorySet(aidmap.CategoryFoodBank), 2, 2},
		{"meals", aidmap.NewCategorySet(aidmap.CategoryFreeMeal), 1, 1},
		{"shelter or meals", aidmap.NewCategorySet(aidmap.CategoryShelter, aidmap.CategoryFreeMeal), 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, z := range []int{IndividualZoom, 18} {
				x, y, _ := tileOf(food1.Lat, food1.Lon, z)
				raw, err := RenderPlaces(nil, ix, pl, z, x, y, geo.Filter{Categories: tt.cats})
				if err != nil {
					t.Fatal(err)
				}
				fs := decode(t, raw)
				if len(fs) != 1 {
					t.Fatalf("z%d: %d features, want the place's one pin", z, len(fs))
				}
				p := fs[0].Props
				if p["place"] != pl.Of(food1.ID) || p["providers"] != tt.providers || p["sites"] != tt.nsites {
					t.Errorf("z%d: pin %v, want %v providers and %v sites", z, p, tt.providers, tt.nsites)
				}
				if tt.cats != 0 {
					s, _ := ix.Site(p["id"].(string))
					if !tt.cats.Intersects(s.CategorySet()) {
						t.Errorf("z%d: the pin stands for %s (%v), which the filter leaves out", z, s.Name, s.Categories)
					}
				}
			}
		})
	}
}

package web

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/aidmap/aidmap"
)

// webTileOf returns the tile x, y of a point at zoom z.
func webTileOf(lat, lon float64, z int) (int, int) {
	n := math.Exp2(float64(z))
	r := lat * math.Pi / 180
	return int((lon + 180) / 360 * n), int((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n)
}

// tileProps returns the features' properties of the site tile at a point.
func (e *placesEnv) tileProps(lat, lon float64, z int) []map[string]any {
	e.t.Helper()
	x, y := webTileOf(lat, lon, z)
	resp, b := e.do("GET", fmt.Sprintf("/tiles/sites/%d/%d/%d.mvt", z, x, y), "", "", nil)
	if resp.StatusCode == 204 {
		return nil
	}
	layers, err := mvt.Unmarshal(b)
	if resp.StatusCode != 200 || err != nil || len(layers) != 1 {
		e.t.Fatalf("tile: %d %v", resp.StatusCode, err)
	}
	var out []map[string]any
	for _, f := range layers[0].Features {
		out = append(out, f.Properties)
	}
	return out
}

// TestPlacesTiles: the site tiles draw one pin for Parkdale, the place of both providers, with
// its numbers, consistent with the place view; the confidential shelter and the drop-in 8 m
// from it are never one place, on any zoom.
func TestPlacesTiles(t *testing.T) {
	e := newPlacesEnv(t)
	e.uploadFile("fbs", "provider_a.csv", nil)
	e.uploadFile("other", "provider_b.csv", nil)
	p := e.placeOf("fbs", "A1", 43.6403, -79.436)
	a1, b1 := aidmap.SiteID("fbs", "A1"), aidmap.SiteID("other", "B1")

	var props []map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for {
		props = e.tileProps(43.6403, -79.436, 16)
		found := false
		for _, f := range props {
			found = found || f["place"] != nil
		}
		if found || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // the tiles take the places made in the background
	}
	var pins int
	for _, f := range props {
		id := f["id"]
		if id != a1 && id != b1 {
			continue
		}
		pins++
		if f["place"] != p.ID || f["providers"] != float64(2) || f["sites"] != float64(2) {
			t.Errorf("Parkdale pin: %v, want place %s with 2 providers and 2 sites", f, p.ID)
		}
	}
	if pins != 1 {
		t.Errorf("Parkdale: %d pins for its two sites, want one", pins)
	}

	shelter := aidmap.SiteID("fbs", "A4")
	for z := 10; z <= 16; z++ {
		for _, at := range [][2]float64{{43.665, -79.34}, {43.66507, -79.34}} {
			for _, f := range e.tileProps(at[0], at[1], z) {
				if f["place"] != nil && (f["confidential"] == true || f["id"] == aidmap.SiteID("other", "B3")) {
					t.Errorf("z%d: %v is drawn as a place: a confidential site was linked", z, f)
				}
				if f["id"] == shelter {
					t.Errorf("z%d: the shelter is drawn under its stored ID: %v", z, f)
				}
			}
		}
	}
}

// TestPlacesStacked: nine unrelated rows of one file at one coordinate (a postcode centroid)
// are presented as approximate by the place view and the site tiles, not as a building.
func TestPlacesStacked(t *testing.T) {
	e := newPlacesEnv(t)
	names := []string{"Legal Aid", "Food Bank", "Youth Hub", "Seniors Lunch", "Dental Clinic",
		"Tax Help", "Housing Help Desk", "Refugee Settlement", "Daily Bread"}
	e.uploadFile("fbs", "provider_a.csv", func(string) string {
		text := "id,name,address,city,lat,lon,category\n"
		for i, n := range names {
			text += fmt.Sprintf("S%d,%s,%d Other St,Toronto,43.7,-79.4,other\n", i, n, i+1)
		}
		return text
	})
	var approx int
	for _, p := range e.nearest(43.7, -79.4) {
		for _, s := range p.Sites {
			if s.Approximate {
				approx++
			}
		}
	}
	if approx != len(names) {
		t.Errorf("place view: %d of %d stacked records approximate", approx, len(names))
	}
	var props []map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for {
		props = e.tileProps(43.7, -79.4, 16)
		n := 0
		for _, f := range props {
			if f["approximate"] == true {
				n++
			}
		}
		if n == len(names) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, f := range props {
		if f["approximate"] != true {
			t.Errorf("tile feature %v at a stacked point, want approximate", f)
		}
	}
	resp, b := e.do("GET", "/api/v1/sites/"+aidmap.SiteID("fbs", "S3"), "", "", nil)
	var one struct {
		Approximate bool   `json:"approximate"`
		Precision   string `json:"precision"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &one) != nil || !one.Approximate || one.Precision != "exact" {
		t.Errorf("GET the site: %d %s, want approximate (the stored precision kept)", resp.StatusCode, b)
	}
}

// TestPlacesNearestFilters: the site list's filters choose which sites rank a place; a place
// is listed with all its sites.
func TestPlacesNearestFilters(t *testing.T) {
	e := newPlacesEnv(t)
	e.uploadFile("fbs", "provider_a.csv", nil)
	e.uploadFile("other", "provider_b.csv", nil)
	get := func(params string) (int, []placeJSON) {
		resp, b := e.do("GET", "/api/v1/places/nearest?lat=43.6403&lon=-79.436&limit=20"+params, "", "", nil)
		var out struct{ Places []placeJSON }
		_ = json.Unmarshal(b, &out)
		return resp.StatusCode, out.Places
	}
	code, legal := get("&category=legal_aid")
	if code != 200 || len(legal) != 1 || len(legal[0].Sites) != 2 || !slices.Contains(siteIDs(legal[0]), aidmap.SiteID("fbs", "A2")) {
		t.Errorf("category=legal_aid: %d %+v, want the Scarborough clinic, both providers", code, legal)
	}
	if code, food := get("&category=food_bank"); code != 200 || len(food) != 1 || food[0].Providers != 2 {
		t.Errorf("category=food_bank: %d %+v, want Parkdale of two providers", code, food)
	}
	if code, none := get("&lang=pa"); code != 200 || len(none) != 0 {
		t.Errorf("lang=pa: %d %+v, want no place (no site speaks Punjabi)", code, none)
	}
	if code, _ := get("&category=nope"); code != 400 {
		t.Errorf("category=nope: %d, want 400", code)
	}
	if code, open := get("&open_now=true"); code != 200 || len(open) != 0 {
		t.Errorf("open_now=true: %d %d places, want none (no hours known)", code, len(open))
	}
}

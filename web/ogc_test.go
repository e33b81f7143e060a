package web

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

type ogcLinks []struct{ Href, Rel, Type string }

func (ls ogcLinks) href(rel string) string {
	for _, l := range ls {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

type featureCollection struct {
	Type     string `json:"type"`
	Features []struct {
		ID       string          `json:"id"`
		Geometry json.RawMessage `json:"geometry"`
	} `json:"features"`
	NumberMatched  int      `json:"numberMatched"`
	NumberReturned int      `json:"numberReturned"`
	Links          ogcLinks `json:"links"`
}

// getOGC fetches url, checks the status, content type and CORS header, and decodes into v.
func getOGC(t *testing.T, url, wantType string, v any) string {
	t.Helper()
	resp, body := get(t, url)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: got %d %s", url, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != wantType {
		t.Errorf("%s: Content-Type %q, want %q", url, ct, wantType)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("%s: no Access-Control-Allow-Origin: *", url)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return string(body)
}

// TestOGCConformanceWalk does what QGIS does: landing page → conformance → collections →
// items → next until exhausted, and checks the counts.
func TestOGCConformanceWalk(t *testing.T) {
	srv, sites := newHSDSServer(t)
	var landing struct{ Links ogcLinks }
	getOGC(t, srv.URL+"/ogc", "application/json", &landing)
	for _, rel := range []string{"self", "service-doc", "conformance", "data"} {
		if !strings.HasPrefix(landing.Links.href(rel), srv.URL) {
			t.Errorf("landing page: link %s is %q, want an absolute URL", rel, landing.Links.href(rel))
		}
	}
	var conf struct{ ConformsTo []string }
	getOGC(t, landing.Links.href("conformance"), "application/json", &conf)
	for _, c := range []string{"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"} {
		if !slices.Contains(conf.ConformsTo, c) {
			t.Errorf("conformance lacks %s", c)
		}
	}
	var colls struct {
		Collections []struct {
			ID     string
			Links  ogcLinks
			Extent struct{ Spatial struct{ BBox [][]float64 } }
		}
	}
	getOGC(t, landing.Links.href("data"), "application/json", &colls)
	if len(colls.Collections) != 1 || colls.Collections[0].ID != "sites" || len(colls.Collections[0].Extent.Spatial.BBox) != 1 {
		t.Fatalf("collections: %+v", colls)
	}
	var coll struct{ ID string }
	getOGC(t, colls.Collections[0].Links.href("self"), "application/json", &coll)
	if coll.ID != "sites" {
		t.Errorf("collection id %q", coll.ID)
	}

	for _, tc := range []struct{ name, query string }{
		{"cursor", "?limit=37"},
		{"offset", "?limit=37&offset=0"},
		{"limit above the cap", "?limit=100000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := colls.Collections[0].Links.href("items") + tc.query
			seen := map[string]bool{}
			for pages := 0; next != ""; pages++ {
				if pages > 50 {
					t.Fatal("next links never end")
				}
				var fc featureCollection
				body := getOGC(t, next, "application/geo+json", &fc)
				if fc.Type != "FeatureCollection" || fc.NumberReturned != len(fc.Features) || fc.NumberMatched != len(sites) {
					t.Fatalf("%s: type %q, returned %d of %d features, matched %d", next, fc.Type, fc.NumberReturned, len(fc.Features), fc.NumberMatched)
				}
				if len(fc.Features) > 37 && tc.name != "limit above the cap" {
					t.Fatalf("%d features, limit 37", len(fc.Features))
				}
				for _, f := range fc.Features {
					if seen[f.ID] {
						t.Fatalf("feature %s twice", f.ID)
					}
					seen[f.ID] = true
				}
				checkNoSecrets(t, body, false)
				next = fc.Links.href("next")
			}
			if len(seen) != len(sites) {
				t.Errorf("walked %d features, want %d", len(seen), len(sites))
			}
		})
	}
}

func TestOGCItemsFilters(t *testing.T) {
	srv, sites := newHSDSServer(t)
	ix := publicIndex(sites, 1)
	bbox := geo.BBox{MinLon: -123.15, MinLat: 49.22, MaxLon: -123.05, MaxLat: 49.3}
	inBox := len(ix.InBBox(bbox, geo.Filter{}))
	updated := 0
	for _, s := range sites {
		if !s.UpdatedAt.Before(mustTime(t, "2026-01-01T00:00:00Z")) {
			updated++
		}
	}
	tests := []struct {
		query string
		want  int
	}{
		{"bbox=-123.15,49.22,-123.05,49.3&limit=1000", inBox},
		{"datetime=2026-01-01T00:00:00Z/..&limit=1000", updated},
		{"datetime=../2026-01-01T00:00:00Z&limit=1000", len(sites) - updated},
		{"datetime=2026-01-02T03:04:05Z&limit=1000", 2},
		{"category=shelter&limit=1000", len(ix.InBBox(worldBBox, mustFilter(t, "shelter")))},
		{"offset=100000", 0},
		{"q=hyperlink", 1},
		{"q=hyperlink&datetime=2020-01-01/2021-01-01", 0},
	}
	for _, tc := range tests {
		var fc featureCollection
		getOGC(t, srv.URL+"/ogc/collections/sites/items?"+tc.query, "application/geo+json", &fc)
		if fc.NumberReturned != tc.want && tc.want != 0 || (tc.want == 0 && fc.NumberReturned != 0) {
			t.Errorf("%s: got %d features, want %d", tc.query, fc.NumberReturned, tc.want)
		}
	}
}

func TestOGCItemAndErrors(t *testing.T) {
	srv, sites := newHSDSServer(t)
	secret := sites[len(sites)-2]
	var f struct {
		ID       string
		Geometry struct{ Coordinates []float64 }
		Links    ogcLinks
	}
	body := getOGC(t, srv.URL+"/ogc/collections/sites/items/"+secret.ID, "application/geo+json", &f)
	if f.ID != secret.ID || len(f.Geometry.Coordinates) != 2 || f.Links.href("self") == "" || f.Links.href("collection") == "" {
		t.Errorf("feature: %s", body)
	}
	checkNoSecrets(t, body, true)

	for _, tc := range []struct {
		path string
		want int
	}{
		{"/ogc/collections/nothing", 404},
		{"/ogc/collections/nothing/items", 404},
		{"/ogc/collections/sites/items/nothing", 404},
		{"/ogc/nothing", 404},
		{"/ogc/collections/sites/items?bbox=1,2,3", 400},
		{"/ogc/collections/sites/items?limit=0", 400},
		{"/ogc/collections/sites/items?offset=-1", 400},
		{"/ogc/collections/sites/items?cursor=!!", 400},
		{"/ogc/collections/sites/items?cursor=" + (cursor{ID: "x"}).encode() + "&offset=3", 400},
		{"/ogc/collections/sites/items?datetime=yesterday", 400},
		{"/ogc/collections/sites/items?datetime=2026-02-01/2026-01-01", 400},
		{"/ogc/collections/sites/items?unknown=1", 400},
		{"/ogc/collections/sites/items?f=html", 400},
	} {
		resp, body := get(t, srv.URL+tc.path)
		if resp.StatusCode != tc.want || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: got %d %s, want %d", tc.path, resp.StatusCode, body, tc.want)
		}
	}
}

func mustFilter(t *testing.T, cats string) geo.Filter {
	t.Helper()
	f, err := parseFilter(url.Values{"category": {cats}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestOGCOpenAt: the open_at property filter, as on /api/v1 lists (a fixed time, in each
// site's zone).
func TestOGCOpenAt(t *testing.T) {
	srv, sites := newHSDSServer(t)
	var fc featureCollection
	getOGC(t, srv.URL+"/ogc/collections/sites/items?open_at=2026-12-28T21:00&limit=1000", "application/geo+json", &fc)
	ids := map[string]bool{}
	for _, f := range fc.Features {
		ids[f.ID] = true
	}
	// The formula site opens Mondays 20:00-08:00; 2026-12-28 is a Monday.
	if !ids[aidmap.SiteID("demo", "formula")] || len(ids) == 0 || len(ids) >= len(sites) || fc.NumberMatched != len(ids) {
		t.Errorf("open at Monday 21:00: %d of %d sites, matched %d, formula site included: %v", len(ids), len(sites), fc.NumberMatched, ids[aidmap.SiteID("demo", "formula")])
	}
}

package web

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/query"
)

// renamable is a source whose organisation can be renamed between requests.
type renamable struct {
	ix  *geo.Index
	org aidmap.Organization
}

func (r *renamable) Index() *geo.Index { return r.ix }
func (r *renamable) Organization(id string) (aidmap.Organization, bool) {
	return r.org, id == r.org.ID
}
func (r *renamable) Demo() bool   { return r.org.Demo }
func (r *renamable) Loaded() bool { return true }

// TestSiteCacheSameAsEncoding checks that list answers built from the per-snapshot cache of
// encoded sites are, site by site, what encoding the site afresh gives (open state and
// distance included, confidential bands too), on a miss and on a hit, and that a renamed
// organisation or a new snapshot is not served from stale entries.
func TestSiteCacheSameAsEncoding(t *testing.T) {
	sites := demo.Sites(300, 4)
	for i := range sites {
		if i%3 == 0 {
			sites[i].Hours = aidmap.Hours{Timezone: "America/Vancouver", Weekly: everyDay(9*60, 17*60)}
		}
	}
	src := &renamable{ix: publicIndex(sites, 1), org: demo.Organization()}
	srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}, Version: "test"}).Handler())
	defer srv.Close()
	check := func(path string) {
		t.Helper()
		_, body := get(t, srv.URL+path)
		var got struct{ Sites []map[string]any }
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Sites) == 0 {
			t.Fatalf("%s: no sites", path)
		}
		when := query.OpenAt{Time: time.Now()}
		for _, g := range got.Sites {
			s, ok := src.ix.Site(g["id"].(string))
			if !ok {
				t.Fatalf("%s: unknown site %v", path, g["id"])
			}
			dist, _ := g["distance_m"].(float64)
			if g["distance_band"] == true {
				dist = 1 // any distance in the band's range gives the same band here
			}
			v := siteView{site: s, dist: dist, hasDist: true, open: evalOpen(s, when)}
			v.org, _ = src.Organization(s.OrganizationID)
			var want map[string]any
			if err := json.Unmarshal(appendSiteJSON(nil, v), &want); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"distance_m", "open_now", "closes_at", "opens_at"} {
				delete(g, k) // request-time fields, compared by the other tests
				delete(want, k)
			}
			if !reflect.DeepEqual(g, want) {
				t.Fatalf("%s: site %v\n got %v\nwant %v", path, g["id"], g, want)
			}
		}
	}
	for range 2 { // a miss, then a hit
		check("/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=40")
		check("/api/v1/sites?lat=49.26&lon=-123.1&radius_m=20000&limit=200")
	}
	src.org.Name = "Renamed Society"
	check("/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=40")
	moved := sites[:50]
	for i := range moved {
		moved[i].Name = "Moved " + moved[i].Name
	}
	src.ix = src.ix.Apply(testPublisher().PublicSites(moved), 2)
	check("/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=100")
}

package web

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
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
// organisation or a new snapshot is not served from stale entries; with the whole working set
// cached, and with a cache so small that every few sites evict its chunks.
func TestSiteCacheSameAsEncoding(t *testing.T) {
	for _, c := range []struct {
		name           string
		max, maxChunks int
	}{
		{"whole", 0, 0},
		{"evicting", 8, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			sites := demo.Sites(300, 4)
			for i := range sites {
				if i%3 == 0 {
					sites[i].Hours = aidmap.Hours{Timezone: "America/Vancouver", Weekly: everyDay(9*60, 17*60)}
				}
			}
			src := &renamable{ix: publicIndex(sites, 1), org: demo.Organization()}
			s := NewServer(Config{Source: src, Store: pinger{}, Version: "test"})
			s.sites.max, s.sites.maxChunks = c.max, c.maxChunks
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			check := func(path string) {
				t.Helper()
				_, body := get(t, srv.URL+path)
				if g := s.sites.gen.Load(); g != nil && (g.n.Load() > g.max || g.chunks.Load() > g.maxChunks) {
					t.Fatalf("%s: %d sites in %d chunks cached, want at most %d in %d", path, g.n.Load(), g.chunks.Load(), g.max, g.maxChunks)
				}
				if err := sameAsEncoding(src, body); err != nil {
					t.Fatalf("%s: %v", path, err)
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
			check("/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=100") // delta sites from the cache
		})
	}
}

// TestSiteCacheConcurrent has requests fill, read and evict a small cache at once (run with
// -race), each answer checked as TestSiteCacheSameAsEncoding checks them.
func TestSiteCacheConcurrent(t *testing.T) {
	sites := demo.Sites(2000, 5)
	src := &renamable{ix: publicIndex(sites, 1), org: demo.Organization()}
	s := NewServer(Config{Source: src, Store: pinger{}, Version: "test"})
	s.sites.max, s.sites.maxChunks = 40, 1
	h := s.Handler()
	errs := make(chan error, 4)
	for w := range 4 {
		go func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for range 150 {
				path := fmt.Sprintf("/api/v1/sites/nearest?lat=%.4f&lon=%.4f&limit=10", 49.2+r.Float64()*0.1, -123.2+r.Float64()*0.15)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if err := sameAsEncoding(src, rec.Body.Bytes()); err != nil {
					errs <- fmt.Errorf("%s: %w", path, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// sameAsEncoding checks a list answer's sites against encoding each afresh, but for the
// fields that depend on the request (its time and point), which other tests compare.
func sameAsEncoding(src *renamable, body []byte) error {
	var got struct{ Sites []map[string]any }
	if err := json.Unmarshal(body, &got); err != nil {
		return err
	}
	if len(got.Sites) == 0 {
		return fmt.Errorf("no sites in %s", body)
	}
	when := query.OpenAt{Time: time.Now()}
	for _, g := range got.Sites {
		s, ok := src.ix.Site(g["id"].(string))
		if !ok {
			return fmt.Errorf("unknown site %v", g["id"])
		}
		dist, _ := g["distance_m"].(float64)
		if g["distance_band"] == true {
			dist = 1 // any distance in the band's range gives the same band here
		}
		v := siteView{site: s, dist: dist, hasDist: true, open: evalOpen(s, when)}
		v.org, _ = src.Organization(s.OrganizationID)
		var want map[string]any
		if err := json.Unmarshal(appendSiteJSON(nil, v), &want); err != nil {
			return err
		}
		for _, k := range []string{"distance_m", "open_now", "closes_at", "opens_at"} {
			delete(g, k)
			delete(want, k)
		}
		if !reflect.DeepEqual(g, want) {
			return fmt.Errorf("site %v\n got %v\nwant %v", g["id"], g, want)
		}
	}
	return nil
}

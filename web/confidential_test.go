package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
)

// TestConfidentialEdits checks the edits that could publish a confidential site's point or
// move it: a null that would move it to 0,0, a confidentiality that is not a boolean, a PUT
// that leaves the field out. (That a change of confidentiality changes the public ID is
// feed's test.)
func TestConfidentialEdits(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	ctx := context.Background()
	e.upload("fbs", "fbs", "", []byte("id,name,lat,lon,category,confidential\nSH1,Safe House,49.2827,-123.1207,shelter,yes\nFB1,Food Bank,49.25,-123.1,food bank,no\n"))
	sh1, fb1 := aidmap.SiteID("fbs", "SH1"), aidmap.SiteID("fbs", "FB1")

	for _, tc := range []struct {
		name, method, id, body string
	}{
		{"null latitude", "PATCH", sh1, `{"lat":null}`},
		{"null name", "PATCH", fb1, `{"name":null}`},
		{"confidential as text", "PATCH", sh1, `{"confidential":"no"}`},
		{"confidential as a number", "PATCH", fb1, `{"confidential":1}`},
		{"put without confidential", "PUT", sh1, `{"name":"Safe House","categories":["shelter"],"lat":49.2827,"lon":-123.1207,"precision":"exact","status":"active"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := e.st.Version(ctx)
			resp, b := e.do(tc.method, "/api/v1/orgs/fbs/sites/"+tc.id, "fbs", "application/json", []byte(tc.body))
			if resp.StatusCode != 400 {
				t.Fatalf("got %d %s, want 400", resp.StatusCode, b)
			}
			if after, _ := e.st.Version(ctx); after != before {
				t.Error("a refused edit changed the store")
			}
		})
	}

	// A boolean is taken.
	resp, b := e.do("PATCH", "/api/v1/orgs/fbs/sites/"+fb1, "fbs", "application/json", []byte(`{"confidential":true}`))
	var out struct{ Site aidmap.Site }
	if json.Unmarshal(b, &out); resp.StatusCode != 200 || out.Site.ID != fb1 || !out.Site.Confidential {
		t.Fatalf("marking confidential: %d %s", resp.StatusCode, b)
	}
}

// TestAreaInference is the attacker's inference over many synthetic confidential sites in
// several cities: for each, a twin whose true point is elsewhere in the same area cell (at
// least 1 km away), whose file gave another street, postal code and locality. If every public
// answer is the same for both, nothing public tells the two points apart, so the true point
// cannot be narrowed below the cell (let alone to 500 m). The fraction of sites told apart
// must be 0.
func TestAreaInference(t *testing.T) {
	cities := []struct {
		name     string
		lat, lon float64
	}{{"Vancouver", 49.26, -123.11}, {"Toronto", 43.70, -79.42}, {"Montréal", 45.50, -73.57},
		{"Calgary", 51.05, -114.07}, {"Winnipeg", 49.90, -97.14}, {"Halifax", 44.65, -63.58}}
	r := rand.New(rand.NewPCG(5, 6))
	told, total := 0, 0
	for ci, c := range cities {
		for k := range 20 {
			lat, lon := c.lat+r.NormFloat64()*0.05, c.lon+r.NormFloat64()*0.05
			cell := aidmap.AreaOf(lat, lon)
			var lat2, lon2 float64
			for {
				lat2 = cell.MinLat + r.Float64()*(cell.MaxLat-cell.MinLat)
				lon2 = cell.MinLon + r.Float64()*(cell.MaxLon-cell.MinLon)
				if aidmap.DistanceM(lat, lon, lat2, lon2) > 1000 {
					break
				}
			}
			mk := func(lat, lon float64, street, postal, locality string) aidmap.Site {
				ext := fmt.Sprintf("safe-%d-%d", ci, k)
				return aidmap.Site{ID: aidmap.SiteID("safe", ext), OrganizationID: "safe", ExternalID: ext,
					Name: "Safe Home " + c.name, Categories: []aidmap.Category{aidmap.CategoryShelter},
					Address: aidmap.Address{Street: street, Locality: locality, Region: "XX", PostalCode: postal, Country: "CA"},
					Lat:     lat, Lon: lon, Precision: aidmap.PrecisionAddress, Confidential: true, Phone: "+1 555 0100",
					Hours: aidmap.Hours{Weekly: everyDay(0, 0)}, Status: aidmap.StatusActive, UpdatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
					// Live data as the store carries it: a count set 20 minutes ago and three
					// people's "closed" reports, so "capacity" and "possibly_closed" are published.
					Capacity: []aidmap.Capacity{{Unit: "beds", Available: 2, Maximum: 6, Updated: time.Date(2026, 9, 29, 23, 40, 17, 0, time.UTC)}},
					ClosedReports: []time.Time{time.Date(2026, 9, 29, 1, 0, 0, 0, time.UTC), time.Date(2026, 9, 28, 1, 0, 0, 0, time.UTC),
						time.Date(2026, 9, 27, 1, 0, 0, 0, time.UTC)}}
			}
			twins := [2]aidmap.Site{mk(lat, lon, "1 First St", "A1A 1A1", c.name), mk(lat2, lon2, "2 Second Ave", "B2B 2B2", c.name+" East")}
			public := testPublisher().Public(&twins[0])
			if public.ID == twins[0].ID {
				// The stored ID is SiteID(org, external ID): with the external ID derived from
				// name and address, or guessed, it was brute-forced in seconds.
				t.Fatalf("%s: published under its stored ID, which anyone can derive", c.name)
			}
			paths := []string{"/api/v1/sites/" + public.ID, "/api/v1/sites/" + public.ID + "?format=geojson",
				"/api/v1/places/" + public.ID} // the place view (#19)
			for _, q := range [][2]float64{{lat, lon}, {lat2, lon2}, {public.Lat, public.Lon}, {cell.CentreLat(), cell.CentreLon()}} {
				paths = append(paths,
					fmt.Sprintf("/api/v1/sites/nearest?lat=%v&lon=%v&limit=5", q[0], q[1]),
					fmt.Sprintf("/api/v1/places/nearest?lat=%v&lon=%v&limit=5", q[0], q[1]),
					fmt.Sprintf("/api/v1/sites?lat=%v&lon=%v&radius_m=20000&format=csv", q[0], q[1]),
					fmt.Sprintf("/api/v1/sites?lat=%v&lon=%v&radius_m=5000&q=%s", q[0], q[1], url.QueryEscape(c.name+" first A1A")))
			}
			for _, z := range []int{6, 10, 14, 16} {
				x, y := tileXY(public.Lat, public.Lon, z)
				paths = append(paths, fmt.Sprintf("/tiles/sites/%d/%d/%d.mvt", z, x, y))
			}
			var bodies [2][]string
			for i, s := range twins {
				src := reportSource{snapshot{ix: publicIndex([]aidmap.Site{s}, 1), orgs: map[string]aidmap.Organization{"safe": {ID: "safe", Name: "Safe"}}},
					map[string]string{public.ID: s.ID}}
				reports := &memReports{}
				// With the stale rule on (the twins were last updated long before now) and
				// reports taken: "report a problem" answers the same for both too.
				srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}, Version: "test",
					Freshness: Freshness{StaleAfter: 30 * 24 * time.Hour, Now: func() time.Time { return time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC) },
						CapacityTTL: 12 * time.Hour, ClosedThreshold: 3, ClosedWindow: 7 * 24 * time.Hour},
					Reports: Reports{Store: reports, PerIPPerHour: -1}}).Handler())
				for _, p := range paths {
					_, b := get(t, srv.URL+p)
					bodies[i] = append(bodies[i], string(b))
				}
				resp, err := http.Post(srv.URL+"/api/v1/sites/"+public.ID+"/reports", "application/json", strings.NewReader(`{"kind":"moved","note":"is it on First St?"}`))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				bodies[i] = append(bodies[i], fmt.Sprint(resp.StatusCode, " ", string(b)))
				if len(reports.list) != 1 || reports.list[0].SiteID != s.ID {
					t.Errorf("%s site %d: the report reached %v, want the stored site %s", c.name, k, reports.list, s.ID)
				}
				srv.Close()
			}
			paths = append(paths, "POST /api/v1/sites/{public ID}/reports")
			if !strings.Contains(bodies[0][0], `"capacity":[{"unit":"beds","available":2,"maximum":6,"updated":"2026-09-29T23:40:00Z"}]`) ||
				!strings.Contains(bodies[0][0], `"possibly_closed":true`) {
				t.Fatalf("%s site %d: the live data is not published: %s", c.name, k, bodies[0][0])
			}
			total++
			if !slices.Equal(bodies[0], bodies[1]) {
				told++
				for i := range paths {
					if bodies[0][i] != bodies[1][i] {
						t.Errorf("%s site %d: GET %s tells the twins apart:\n%s\n%s", c.name, k, paths[i], bodies[0][i], bodies[1][i])
						break
					}
				}
			}
		}
	}
	t.Logf("%d of %d synthetic confidential sites could be told from a twin 1 km or more away", told, total)
}

// tileXY returns the web-mercator tile of a point at zoom z.
func tileXY(lat, lon float64, z int) (int, int) {
	n := math.Exp2(float64(z))
	x := int((lon + 180) / 360 * n)
	s := math.Sin(lat * math.Pi / 180)
	y := int((0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)) * n)
	return x, y
}

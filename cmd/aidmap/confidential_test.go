package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store/sqlite"
)

// secretSite is a confidential site of the fixture: where it really is and the address parts
// that must never appear in a public response.
type secretSite struct {
	id, name, category   string
	lat, lon             float64
	street, postal, flag string // flag is the confidential column ("" lets ingest decide by name)
	city                 string // the file's locality: correlated with the point, never published
}

// confidentialTwins are two datasets that differ only in what must stay secret: each
// confidential site's true point (moved about 1.5 km, inside the same area cell, so with the
// same deployment key the published pin and ID are the same), street and postal code. Everything public is identical,
// so every public response must be identical too: a response that differs reveals something
// about the true location, whatever it is. This is the strongest form of "no set of queries can
// trilaterate it": no query can even tell the two true points apart.
var confidentialTwins = [2][]secretSite{
	{
		{"CONF-1", "Safe Harbour", "shelter", 49.2612, -123.1139, "4471 Quillwort Lane", "V5Y 9Q7", "yes", "Vancouver"},
		{"CONF-2", "Northshore Transition House", "shelter", 49.3100, -123.0800, "88 Zebulon Crescent", "V7L 3X2", "", "North Vancouver"},
	},
	{
		{"CONF-1", "Safe Harbour", "shelter", 49.2700, -123.1300, "9120 Marrowbone Row", "V6K 8W4", "yes", "Kitsilano"},
		{"CONF-2", "Northshore Transition House", "shelter", 49.3200, -123.0650, "17 Wyvern Terrace", "V7M 5J9", "", "Lynn Valley"},
	},
}

// publicSites are ordinary sites around the confidential ones, each more than 500 m from every
// true point of either twin (so any coordinate that close in a response is a leak).
const publicSites = `OPEN-1,Eastside Pantry,food bank,49.2612,-123.1000,100 Open Street,V5T 1A1,no
OPEN-2,Southside Meals,free meal,49.2500,-123.1139,200 Open Street,V5T 1A2,no
OPEN-3,Downtown Clinic,clinic,49.2827,-123.1207,300 Open Street,V6B 1A3,no
OPEN-4,Harbour Drop-in,drop-in,49.3000,-123.1000,400 Open Street,V6A 1A4,no
OPEN-5,Burnaby Food Hub,food bank,49.2488,-122.9805,500 Open Street,V5H 1A5,no
`

// leakRadiusM is how close to a true point a published coordinate counts as a leak. The pins
// are keyed random points of the area cell, so one could by chance lie this close; the twins'
// deployment key (twinKey) is one whose pins lie more than 1.5 km from every true point of
// both twins, so here any coordinate that close is a leak.
const leakRadiusM = 500

// twinKey is the deployment key both twins share: the same key, the same stored IDs and the
// same cells give the same public IDs and pins, so their responses can be compared byte for
// byte.
var twinKey = bytes.Repeat([]byte{4}, aidmap.KeySize)

// setDeploymentKey gives the store in the data directory dir the deployment key key.
func setDeploymentKey(t *testing.T, dir string, key []byte) {
	t.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.SetDeploymentKey(ctx, key); err != nil {
		t.Fatal(err)
	}
}

// confidentialCSV is the ingest file of one twin.
func confidentialCSV(secrets []secretSite) string {
	var b strings.Builder
	b.WriteString("id,name,category,lat,lon,address,postal_code,confidential,city,phone\n")
	for _, s := range secrets {
		fmt.Fprintf(&b, "%s,%s,%s,%v,%v,%s,%s,%s,%s,604-555-0100\n", s.id, s.name, s.category, s.lat, s.lon, s.street, s.postal, s.flag, s.city)
	}
	for _, line := range strings.Split(strings.TrimSpace(publicSites), "\n") {
		b.WriteString(line + ",Vancouver,604-555-0199\n")
	}
	return b.String()
}

// TestConfidentialSitesNeverRevealed crawls every public read surface (API lists in every
// format, single sites, HSDS, OGC API Features, vector tiles at zooms 0-18, the info document,
// the PMTiles export) of two servers whose data differ only in the confidential sites' true
// points and addresses, from query points all around both true points (exactly at them, and
// in 100 m steps), and asserts:
//   - no response holds a coordinate pair within 500 m of a true point, nor a street or postal
//     code of a confidential site;
//   - every distance to a confidential site is a band (2000, 5000, ...) marked distance_band;
//   - each confidential site has one published point whatever the query;
//   - every response is byte-for-byte the same on both servers (timestamps aside), so nothing
//     public depends on the true location and no set of queries can trilaterate it.
func TestConfidentialSitesNeverRevealed(t *testing.T) {
	var (
		bases [2]string
		dirs  [2]string
	)
	for i, secrets := range confidentialTwins {
		dir := t.TempDir()
		data := filepath.Join(dir, "data")
		setDeploymentKey(t, data, twinKey)
		file := writeFile(t, dir, "sites.csv", confidentialCSV(secrets))
		res := ingestCmd(t, nil, "ingest", file, "--data-dir", data, "--org", "safe", "--org-name", "Safe Homes Society", "--report", "-")
		if res.code != 0 {
			t.Fatalf("twin %d: ingest exit %d\n%s", i, res.code, res.stderr)
		}
		var rep reportJSON
		if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
			t.Fatalf("twin %d: report: %v", i, err)
		}
		if got, want := rep.Summary.Created, len(secrets)+5; got != want {
			t.Fatalf("twin %d: created %d sites, want %d\n%s", i, got, want, res.stdout)
		}
		dirs[i] = data
		bases[i] = startServer(t, "--data-dir", data, "--demo=false", "--rate-limit", "0")
	}
	// Both twins' truths are checked against both servers' responses.
	secrets := slices.Concat(confidentialTwins[0], confidentialTwins[1])

	paths := confidentialCrawlPaths(t, bases[0], secrets)
	t.Logf("crawling %d public URLs on both servers", len(paths))
	published := map[string][2]float64{} // confidential site name → its one published point
	// Attack 1: the stored ID of a confidential site is SiteID(org, provider ID), which anyone
	// can compute (here from the file's ID column; without one, from the name and address). It
	// must never be published, nor answer.
	var storedIDs []string
	for _, s := range confidentialTwins[0] {
		id := aidmap.SiteID("safe", s.id)
		storedIDs = append(storedIDs, id)
		resp, err := http.Get(bases[0] + "/api/v1/sites/" + id)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("GET the derivable stored ID of %s: %d, want 404", s.name, resp.StatusCode)
		}
	}
	for _, p := range paths {
		var bodies [2][]byte
		for i, base := range bases {
			body, ctype := fetchPublic(t, base, p)
			checkNoSecret(t, p, body, ctype, secrets, published)
			for _, id := range storedIDs {
				if bytes.Contains(body, []byte(id)) {
					t.Errorf("GET %s: holds the derivable stored ID %s of a confidential site", p, id)
				}
			}
			bodies[i] = body
		}
		a := normalise(bodies[0], bases[0])
		if b := normalise(bodies[1], bases[1]); !bytes.Equal(a, b) {
			t.Errorf("GET %s differs between twins whose confidential sites differ only in their true points and addresses: the response reveals the true location\n--- twin 0\n%s\n--- twin 1\n%s", p, clip(a), clip(b))
		}
	}
	for _, s := range confidentialTwins[0] {
		pt, ok := published[s.name]
		if !ok {
			t.Errorf("%s: never found in any response; the crawl does not reach it", s.name)
			continue
		}
		if d := aidmap.DistanceM(s.lat, s.lon, pt[0], pt[1]); d < leakRadiusM {
			t.Errorf("%s: published at %v, %.0f m from the true point", s.name, pt, d)
		}
	}

	// The crawl reached what it checks: each confidential site is listed near its true point
	// with a banded distance, and is a feature of the zoom-14 tile at its published point.
	for _, s := range confidentialTwins[0] {
		var near struct {
			Sites []struct {
				Name         string  `json:"name"`
				DistanceM    float64 `json:"distance_m"`
				DistanceBand bool    `json:"distance_band"`
			} `json:"sites"`
		}
		getJSON(t, bases[0], fmt.Sprintf("/api/v1/sites/nearest?lat=%v&lon=%v&limit=10", s.lat, s.lon), &near)
		found := false
		for _, n := range near.Sites {
			if n.Name == s.name {
				found = n.DistanceBand && isBand(n.DistanceM)
			}
		}
		if !found {
			t.Errorf("nearest at the true point of %s: got %+v, want it with a banded distance", s.name, near.Sites)
		}
		pt := published[s.name]
		tl := maptile.At(orb.Point{pt[1], pt[0]}, 14)
		body, _ := fetchPublic(t, bases[0], fmt.Sprintf("/tiles/sites/14/%d/%d.mvt", tl.X, tl.Y))
		layers, err := mvt.Unmarshal(body)
		if err != nil {
			t.Fatalf("zoom-14 tile of %s: %v", s.name, err)
		}
		layers.ProjectToWGS84(tl)
		found = false
		for _, l := range layers {
			for _, f := range l.Features {
				if p, ok := f.Geometry.(orb.Point); ok && f.Properties["name"] == s.name && aidmap.DistanceM(p.Lat(), p.Lon(), pt[0], pt[1]) < 50 {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("the zoom-14 tile at %v has no feature %s at its published point", pt, s.name)
		}
	}

	t.Run("hsds export", func(t *testing.T) {
		// The HSDS datapackage is open data (the NDJSON dump is a backup, exact on purpose).
		var files [2]map[string][]byte
		for i, data := range dirs {
			out := filepath.Join(t.TempDir(), "pkg")
			res := ingestCmd(t, nil, "export", "--data-dir", data, "--format", "hsds", "--out", out)
			if res.code != 0 {
				t.Fatalf("twin %d: export --format hsds exit %d\n%s", i, res.code, res.stderr)
			}
			entries, err := os.ReadDir(out)
			if err != nil {
				t.Fatal(err)
			}
			files[i] = map[string][]byte{}
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join(out, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				ctype := "text/plain"
				if strings.HasSuffix(e.Name(), ".json") {
					ctype = "application/json"
				}
				checkNoSecret(t, "export hsds "+e.Name(), b, ctype, secrets, map[string][2]float64{})
				files[i][e.Name()] = normalise(b, "")
			}
		}
		if len(files[0]) == 0 {
			t.Fatal("the HSDS export wrote no files")
		}
		for name, b := range files[0] {
			if !bytes.Equal(b, files[1][name]) {
				t.Errorf("HSDS export %s differs between the twins: it depends on the confidential sites' true points\n--- twin 0\n%s\n--- twin 1\n%s", name, clip(b), clip(files[1][name]))
			}
		}
	})

	t.Run("pmtiles export", func(t *testing.T) {
		var archives [2][]byte
		for i, data := range dirs {
			out := filepath.Join(t.TempDir(), "sites.pmtiles")
			res := ingestCmd(t, nil, "tiles", "export", "--data-dir", data, "--out", out, "--maxzoom", "18")
			if res.code != 0 {
				t.Fatalf("twin %d: tiles export exit %d\n%s", i, res.code, res.stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				for _, secret := range []string{s.street, s.postal} {
					if bytes.Contains(b, []byte(secret)) {
						t.Errorf("twin %d: the PMTiles archive holds %q of %s", i, secret, s.name)
					}
				}
			}
			archives[i] = b
		}
		if !bytes.Equal(archives[0], archives[1]) {
			t.Errorf("the PMTiles archives of the twins differ (%d and %d bytes): the export depends on the confidential sites' true points", len(archives[0]), len(archives[1]))
		}
	})
}

// confidentialCrawlPaths lists every public URL the test reads: all read endpoints around every
// true point, and a tile pyramid over each.
func confidentialCrawlPaths(t *testing.T, base string, secrets []secretSite) []string {
	t.Helper()
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	var paths []string
	add := func(format string, args ...any) { paths = append(paths, fmt.Sprintf(format, args...)) }

	add("/api/v1/info")
	add("/api/v1/categories")
	add("/tiles/sites.json")
	add("/ogc/collections/sites")
	add("/hsds/organizations")
	add("/")
	for _, f := range []string{"json", "geojson", "csv", "ndjson"} {
		add("/api/v1/sites?bbox=-180,-90,180,90&limit=1000&format=%s", f)
	}
	for _, s := range secrets {
		// Text search by the public name and by the secret address parts: the latter must not
		// find the site (that would confirm a guessed street or postal code).
		for _, q := range []string{s.name, s.street, s.postal, strings.Fields(s.street)[1], strings.Fields(s.postal)[0]} {
			add("/api/v1/sites?bbox=-180,-90,180,90&q=%s", url.QueryEscape(q))
			add("/api/v1/sites?lat=%s&lon=%s&radius_m=50000&q=%s", num(s.lat), num(s.lon), url.QueryEscape(q))
			add("/api/v1/sites/nearest?lat=%s&lon=%s&limit=5&q=%s", num(s.lat), num(s.lon), url.QueryEscape(q))
			add("/ogc/collections/sites/items?q=%s", url.QueryEscape(q))
		}

		// Query points: the true point, then 100 m steps out to 1 km and a ring of 20 points at
		// 300 m, 1 km and 3 km (a trilateration attempt).
		type pt struct{ lat, lon float64 }
		pts := []pt{{s.lat, s.lon}}
		mLat := 1 / 111_320.0
		mLon := mLat / math.Cos(s.lat*math.Pi/180)
		for step := 100.0; step <= 1000; step += 100 {
			pts = append(pts, pt{s.lat + step*mLat, s.lon}, pt{s.lat, s.lon - step*mLon})
		}
		for _, r := range []float64{300, 1000, 3000} {
			for k := range 20 {
				a := 2 * math.Pi * float64(k) / 20
				pts = append(pts, pt{s.lat + r*math.Sin(a)*mLat, s.lon + r*math.Cos(a)*mLon})
			}
		}
		for _, p := range pts {
			la, lo := num(math.Round(p.lat*1e6)/1e6), num(math.Round(p.lon*1e6)/1e6)
			add("/api/v1/sites/nearest?lat=%s&lon=%s&limit=10", la, lo)
			add("/api/v1/sites?lat=%s&lon=%s&radius_m=20000&limit=100", la, lo)
			add("/hsds/service_at_locations?lat=%s&lon=%s&radius_m=20000", la, lo)
		}
		for _, r := range []int{100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000} {
			for _, f := range []string{"json", "geojson", "csv", "ndjson"} {
				add("/api/v1/sites?lat=%s&lon=%s&radius_m=%d&format=%s", num(s.lat), num(s.lon), r, f)
			}
			add("/hsds/services?lat=%s&lon=%s&radius_m=%d", num(s.lat), num(s.lon), r)
		}
		// Bounding boxes from 50 m to 50 km around the true point.
		for _, half := range []float64{50, 200, 500, 1000, 3000, 10000, 50000} {
			box := fmt.Sprintf("%s,%s,%s,%s", num(s.lon-half*mLon), num(s.lat-half*mLat), num(s.lon+half*mLon), num(s.lat+half*mLat))
			for _, f := range []string{"json", "geojson", "csv"} {
				add("/api/v1/sites?bbox=%s&format=%s", box, f)
			}
			add("/ogc/collections/sites/items?bbox=%s&limit=100", box)
		}
		// Every tile over the true point, zooms 0-18, and its 8 neighbours.
		for z := 0; z <= 18; z++ {
			c := maptile.At(orb.Point{s.lon, s.lat}, maptile.Zoom(z))
			n := uint32(1) << z
			for dx := -1; dx <= 1; dx++ {
				for dy := -1; dy <= 1; dy++ {
					x, y := int64(c.X)+int64(dx), int64(c.Y)+int64(dy)
					if x < 0 || y < 0 || x >= int64(n) || y >= int64(n) {
						continue
					}
					add("/tiles/sites/%d/%d/%d.mvt", z, x, y)
				}
			}
		}
	}

	// Every single-resource URL: API sites (JSON and GeoJSON), OGC items, HSDS services and
	// service-at-locations by the IDs the lists publish.
	var all struct {
		Sites []struct {
			ID string `json:"id"`
		} `json:"sites"`
	}
	getJSON(t, base, "/api/v1/sites?bbox=-180,-90,180,90&limit=1000", &all)
	if len(all.Sites) != len(secrets)/2+5 {
		t.Fatalf("the whole-world list has %d sites, want %d", len(all.Sites), len(secrets)/2+5)
	}
	for _, site := range all.Sites {
		id := site.ID
		add("/api/v1/sites/%s", id)
		add("/api/v1/sites/%s?format=geojson", id)
		add("/ogc/collections/sites/items/%s", id)
	}
	for _, list := range []string{"services", "service_at_locations", "organizations"} {
		var page struct {
			Contents []struct {
				ID string `json:"id"`
			} `json:"contents"`
		}
		getJSON(t, base, "/hsds/"+list+"?per_page=1000", &page)
		add("/hsds/%s?per_page=1000", list)
		if len(page.Contents) == 0 {
			t.Fatalf("/hsds/%s lists nothing", list)
		}
		for _, c := range page.Contents {
			add("/hsds/%s/%s", list, c.ID)
		}
	}
	return paths
}

// fetchPublic GETs base+p and returns the body (tiles decoded from gzip by the transport) and
// its content type; anything but 200 fails the test.
func fetchPublic(t *testing.T, base, p string) ([]byte, string) {
	t.Helper()
	resp, err := http.Get(base + p)
	if err != nil {
		t.Fatalf("GET %s: %v", p, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", p, err)
	}
	// An empty tile is 204; every other URL of the crawl names something that exists.
	if resp.StatusCode != http.StatusOK && !(resp.StatusCode == http.StatusNoContent && strings.HasPrefix(p, "/tiles/")) {
		t.Fatalf("GET %s: status %d, want 200\n%s", p, resp.StatusCode, clip(body))
	}
	return body, resp.Header.Get("Content-Type")
}

var numberRE = regexp.MustCompile(`-?\d+(?:\.\d+)?`)

// checkNoSecret fails the test when body holds any secret of secrets: a street or postal code,
// a coordinate pair within 500 m of a true point, or an unbanded distance to a confidential
// site. It records each confidential site's published point in published.
func checkNoSecret(t testing.TB, p string, body []byte, ctype string, secrets []secretSite, published map[string][2]float64) {
	t.Helper()
	for _, s := range secrets {
		for _, secret := range []string{s.street, s.postal} {
			if bytes.Contains(bytes.ToLower(body), []byte(strings.ToLower(secret))) {
				t.Errorf("GET %s: response holds %q, the address of confidential %s", p, secret, s.name)
			}
		}
	}
	if strings.HasPrefix(p, "/tiles/sites/") && strings.HasSuffix(p, ".mvt") {
		checkTile(t, p, body, secrets)
		return
	}

	// Every pair of numbers close together in the text, either way round, is a candidate
	// coordinate; the query's own numbers are echoed in links and removed first (the twin
	// comparison covers a response that echoes a query only when it hits a true point).
	text := string(body)
	if u, err := url.Parse(p); err == nil {
		for _, vs := range u.Query() {
			for _, v := range vs {
				for _, part := range strings.Split(v, ",") {
					if numberRE.MatchString(part) {
						text = strings.ReplaceAll(text, part, " ")
					}
				}
			}
		}
	}
	nums := numberRE.FindAllString(text, -1)
	vals := make([]float64, 0, len(nums))
	for _, n := range nums {
		if v, err := strconv.ParseFloat(n, 64); err == nil {
			vals = append(vals, v)
		}
	}
	for i := range vals {
		for j := i + 1; j < len(vals) && j <= i+3; j++ {
			for _, pair := range [][2]float64{{vals[i], vals[j]}, {vals[j], vals[i]}} {
				for _, s := range secrets {
					if math.Abs(pair[0]) > 90 || math.Abs(pair[1]) > 180 {
						continue
					}
					if d := aidmap.DistanceM(s.lat, s.lon, pair[0], pair[1]); d < leakRadiusM {
						t.Errorf("GET %s: response holds the coordinate %v, %.0f m from confidential %s", p, pair, d, s.name)
					}
				}
			}
		}
	}

	switch {
	case strings.Contains(ctype, "json"):
		// NDJSON is one document a line; JSON is one.
		for _, line := range bytes.Split(body, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var doc any
			if err := json.Unmarshal(line, &doc); err != nil {
				if strings.Contains(ctype, "ndjson") || bytes.Count(bytes.TrimSpace(body), []byte("\n")) == 0 {
					t.Errorf("GET %s: body is not JSON: %v", p, err)
				}
				break
			}
			checkJSONDistances(t, p, doc, secrets, published)
		}
	case strings.Contains(ctype, "csv"):
		checkCSVDistances(t, p, body, secrets)
	}
}

// checkJSONDistances walks a JSON document: an object naming a confidential site (our site
// objects, GeoJSON properties, HSDS services and locations) with a distance_m must carry a
// band, and our site objects' lat, lon are recorded as the site's published point.
func checkJSONDistances(t testing.TB, p string, v any, secrets []secretSite, published map[string][2]float64) {
	t.Helper()
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			checkJSONDistances(t, p, e, secrets, published)
		}
	case map[string]any:
		if d, ok := v["distance_m"].(float64); ok {
			raw, _ := json.Marshal(v)
			for _, s := range secrets {
				if !bytes.Contains(raw, []byte(s.name)) {
					continue
				}
				if !isBand(d) {
					t.Errorf("GET %s: distance_m %v to confidential %s is not a band", p, d, s.name)
				}
				if _, isSite := v["confidential"]; isSite && v["distance_band"] != true {
					t.Errorf("GET %s: distance_m to confidential %s lacks distance_band: true", p, s.name)
				}
			}
		}
		if name, ok := v["name"].(string); ok && v["confidential"] == true {
			lat, okLat := v["lat"].(float64)
			lon, okLon := v["lon"].(float64)
			if okLat && okLon {
				pt := [2]float64{lat, lon}
				if prev, seen := published[name]; seen && prev != pt {
					t.Errorf("GET %s: %s published at %v, elsewhere at %v: the area point must not depend on the query", p, name, pt, prev)
				}
				published[name] = pt
			}
		}
		for _, e := range v {
			checkJSONDistances(t, p, e, secrets, published)
		}
	}
}

// checkCSVDistances checks the distance column of a CSV export on confidential sites' rows.
func checkCSVDistances(t testing.TB, p string, body []byte, secrets []secretSite) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Errorf("GET %s: CSV: %v", p, err)
		return
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	di, hasDist := col["distance_m"]
	ci, hasConf := col["confidential"]
	if !hasConf {
		t.Errorf("GET %s: CSV has no confidential column: %v", p, rows[0])
		return
	}
	for _, row := range rows[1:] {
		if row[ci] != "true" || !hasDist || row[di] == "" {
			continue
		}
		d, err := strconv.ParseFloat(row[di], 64)
		if err != nil || !isBand(d) {
			t.Errorf("GET %s: CSV distance_m %q of a confidential site is not a band", p, row[di])
		}
	}
}

func isBand(d float64) bool {
	for _, b := range []float64{2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000} {
		if d == b {
			return true
		}
	}
	return d > 1_000_000 && math.Mod(d, 1_000_000) == 0
}

// checkTile decodes a site tile and fails on any point feature (site or cluster) within 500 m
// of a true point. The fixture has no public site within 500 m of one, so even a cluster there
// would say where a confidential site is.
func checkTile(t testing.TB, p string, body []byte, secrets []secretSite) {
	t.Helper()
	if len(body) == 0 {
		return
	}
	var z, x, y uint32
	if _, err := fmt.Sscanf(p, "/tiles/sites/%d/%d/%d.mvt", &z, &x, &y); err != nil {
		t.Errorf("tile path %s: %v", p, err)
		return
	}
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Errorf("GET %s: decode MVT: %v", p, err)
		return
	}
	layers.ProjectToWGS84(maptile.New(x, y, maptile.Zoom(z)))
	for _, l := range layers {
		for _, f := range l.Features {
			pt, ok := f.Geometry.(orb.Point)
			if !ok {
				t.Errorf("GET %s: feature of type %s, want points only", p, f.Geometry.GeoJSONType())
				continue
			}
			for _, s := range secrets {
				if d := aidmap.DistanceM(s.lat, s.lon, pt.Lat(), pt.Lon()); d < leakRadiusM {
					t.Errorf("GET %s: feature %v at %v, %.0f m from confidential %s", p, f.Properties, pt, d, s.name)
				}
			}
		}
	}
}

var timestampRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?`)

// normalise blanks what differs between the twins for reasons other than the secrets: the
// timestamps (they were ingested at different instants) and the server's address in links.
func normalise(b []byte, base string) []byte {
	if base != "" {
		b = bytes.ReplaceAll(b, []byte(base), []byte("http://server"))
	}
	return timestampRE.ReplaceAll(b, []byte("<time>"))
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// leakRecorder collects the failures a checker reports, for the checkers' own test.
type leakRecorder struct {
	testing.TB
	msgs []string
}

func (r *leakRecorder) Helper() {}
func (r *leakRecorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

// TestConfidentialCheckers shows the crawl's checkers catch each kind of leak, so the crawl
// passing means something.
func TestConfidentialCheckers(t *testing.T) {
	secrets := confidentialTwins[0]
	s := secrets[0]
	tile := func(lat, lon float64) []byte {
		tl := maptile.At(orb.Point{lon, lat}, 16)
		fc := geojson.NewFeatureCollection()
		fc.Append(geojson.NewFeature(orb.Point{lon, lat}))
		layers := mvt.NewLayers(map[string]*geojson.FeatureCollection{"sites": fc})
		layers.ProjectToTile(tl)
		b, err := mvt.Marshal(layers)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tilePath := func(lat, lon float64) string {
		tl := maptile.At(orb.Point{lon, lat}, 16)
		return fmt.Sprintf("/tiles/sites/16/%d/%d.mvt", tl.X, tl.Y)
	}
	site := func(lat, lon, dist float64, band bool) string {
		return fmt.Sprintf(`{"sites":[{"name":%q,"lat":%v,"lon":%v,"confidential":true,"distance_m":%v,"distance_band":%v}]}`, s.name, lat, lon, dist, band)
	}
	tests := []struct {
		name, path, ctype, body string
		leak                    bool
	}{
		{"area point and band", "/api/v1/sites/nearest?lat=49.26&lon=-123.11", "application/json", site(49.25, -123.15, 5000, true), false},
		{"true point as lat, lon", "/api/v1/sites/x", "application/json", site(s.lat, s.lon, 5000, true), true},
		{"point 300 m off", "/api/v1/sites/x", "application/json", site(s.lat+0.0027, s.lon, 5000, true), true},
		{"GeoJSON lon, lat", "/api/v1/sites/x?format=geojson", "application/geo+json", fmt.Sprintf(`{"geometry":{"coordinates":[%v,%v]}}`, s.lon, s.lat), true},
		{"query echo is not a leak", fmt.Sprintf("/ogc/collections/sites/items?bbox=%v,%v,%v,%v", s.lon, s.lat, s.lon+0.1, s.lat+0.1), "application/geo+json",
			fmt.Sprintf(`{"features":[],"links":[{"href":"/items?bbox=%v%%2C%v%%2C%v%%2C%v"}]}`, s.lon, s.lat, s.lon+0.1, s.lat+0.1), false},
		{"exact distance", "/api/v1/sites/nearest?lat=49.26&lon=-123.11", "application/json", site(49.25, -123.15, 3127.4, false), true},
		{"band without flag", "/api/v1/sites/nearest?lat=49.26&lon=-123.11", "application/json", site(49.25, -123.15, 5000, false), true},
		{"HSDS exact distance", "/hsds/services?lat=49.26&lon=-123.11", "application/json", fmt.Sprintf(`{"contents":[{"name":%q,"distance_m":3127.4}]}`, s.name), true},
		{"street", "/api/v1/sites/x", "application/json", `{"address":{"street":"` + s.street + `"}}`, true},
		{"postal code, other case", "/api/v1/sites/x", "text/plain", "postal_code\n" + strings.ToLower(s.postal) + "\n", true},
		{"CSV exact distance", "/api/v1/sites?lat=49.26&lon=-123.11&radius_m=9000&format=csv", "text/csv", "name,lat,lon,confidential,distance_m\nx,49.25,-123.15,true,3127.4\n", true},
		{"CSV band", "/api/v1/sites?lat=49.26&lon=-123.11&radius_m=9000&format=csv", "text/csv", "name,lat,lon,confidential,distance_m\nx,49.25,-123.15,true,5000\n", false},
		{"tile feature at the true point", tilePath(s.lat, s.lon), "", string(tile(s.lat, s.lon)), true},
		{"tile feature 1 km off", tilePath(s.lat, s.lon+0.014), "", string(tile(s.lat, s.lon+0.014)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &leakRecorder{TB: t}
			checkNoSecret(r, tt.path, []byte(tt.body), tt.ctype, secrets, map[string][2]float64{})
			if got := len(r.msgs) > 0; got != tt.leak {
				t.Errorf("leak reported %v, want %v: %q", got, tt.leak, r.msgs)
			}
		})
	}
}

// TestConfidentialFlagsFailClosedOnServer is attack 2 against a real server: confidentiality
// cells that are neither a clear yes nor a clear no ("Yes.", "private", "✔", "2") used to be
// ignored with a warning, and the site went out at its exact point. They now keep the site
// confidential, the report says so row by row, and a clear "no" still publishes the point.
func TestConfidentialFlagsFailClosedOnServer(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	flags := []string{"Yes.", "private", "YES - do not publish", "✔", "2", "no"}
	var b strings.Builder
	b.WriteString("id,name,category,lat,lon,address,confidential,city\n")
	for i, f := range flags {
		fmt.Fprintf(&b, "F%d,Place %d,food bank,%v,-123.1,%d Test Street,%s,Vancouver\n", i, i, 49.20+float64(i)*0.03, 100+i, f)
	}
	file := writeFile(t, dir, "flags.csv", b.String())
	res := ingestCmd(t, nil, "ingest", file, "--data-dir", data, "--org", "flags", "--org-name", "Flags", "--report", "-")
	if res.code != 0 {
		t.Fatalf("ingest exit %d\n%s", res.code, res.stderr)
	}
	var rep struct {
		Problems []struct {
			Row    int
			Field  string
			Value  string
			Reason string
		}
	}
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	warned := map[string]bool{}
	for _, p := range rep.Problems {
		if p.Field == "confidential" {
			warned[p.Value] = true
		}
	}
	base := startServer(t, "--data-dir", data, "--demo=false", "--rate-limit", "0")
	for i, f := range flags {
		lat := 49.20 + float64(i)*0.03
		var got struct {
			Sites []struct {
				Name         string
				Lat, Lon     float64
				Confidential bool
				Address      map[string]any
			}
		}
		getJSON(t, base, fmt.Sprintf("/api/v1/sites/nearest?lat=%v&lon=-123.1&limit=10", lat), &got)
		found := false
		for _, s := range got.Sites {
			if s.Name != fmt.Sprintf("Place %d", i) {
				continue
			}
			found = true
			exact := s.Lat == lat && s.Lon == -123.1
			switch {
			case f == "no" && (s.Confidential || !exact):
				t.Errorf("%q: published as confidential=%v at %v,%v; want its exact point", f, s.Confidential, s.Lat, s.Lon)
			case f != "no" && (!s.Confidential || exact || s.Address != nil):
				t.Errorf("%q: published as confidential=%v at %v,%v with address %v; want only its area", f, s.Confidential, s.Lat, s.Lon, s.Address)
			}
		}
		if !found {
			t.Errorf("%q: Place %d not listed", f, i)
		}
		if f != "no" && !warned[f] {
			t.Errorf("%q: the report has no warning for it: %s", f, res.stdout)
		}
	}
}

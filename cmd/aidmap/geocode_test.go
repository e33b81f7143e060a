package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
)

// gazetteerCSV builds an OpenAddresses file: East 12th Avenue in Vancouver, numbers 1000 to
// 1198 on both sides (east-west, about 1.4 m a number), plus one row with no street.
func gazetteerCSV(street string, lat float64) string {
	var b strings.Builder
	b.WriteString("LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH\n")
	for n := 1000; n < 1200; n++ {
		side := 0.0
		if n%2 == 1 {
			side = 0.0004
		}
		fmt.Fprintf(&b, "%.7f,%.7f,%d,%s,,Vancouver,,BC,V5T 2H1,,\n", -123.0850+float64(n-1000)*0.000019, lat+side, n, street)
	}
	b.WriteString("-123.08,49.26,12,,,Vancouver,,BC,,,\n")
	return b.String()
}

type geocodeJSON struct {
	Results []struct {
		Lat         float64 `json:"lat"`
		Lon         float64 `json:"lon"`
		Precision   string  `json:"precision"`
		Approximate bool    `json:"approximate"`
		Confidence  float64 `json:"confidence"`
		Label       string  `json:"label"`
		Source      string  `json:"source"`
	} `json:"results"`
	Ambiguous bool `json:"ambiguous"`
}

// TestGazetteerGeocodeIngestServe follows a deployer: import address points, look one up,
// upload a list whose rows have addresses but no coordinates, serve it, and import more
// points while the server runs.
func TestGazetteerGeocodeIngestServe(t *testing.T) {
	dir := t.TempDir()
	data := t.TempDir()
	pts := writeFile(t, dir, "vancouver.csv", gazetteerCSV("E 12th Ave", 49.2590))

	res := ingestCmd(t, nil, "gazetteer", "import", pts, "--data-dir", data, "--progress", "none")
	if res.code != 0 {
		t.Fatalf("gazetteer import: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{"200 points imported", `"vancouver.csv"`, "1 rejected", "missing street"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("gazetteer import output lacks %q:\n%s", want, res.stdout)
		}
	}

	// The command line geocoder, with its typo tolerance and the Canadian unit form.
	res = ingestCmd(t, nil, "geocode", "--data-dir", data, "--json", "203-1010 East Twelfth Avenue, Vancouver BC")
	if res.code != 0 {
		t.Fatalf("geocode: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var g geocodeJSON
	if err := json.Unmarshal([]byte(res.stdout), &g); err != nil {
		t.Fatalf("geocode --json: %v\n%s", err, res.stdout)
	}
	if len(g.Results) != 1 || g.Results[0].Precision != "address" || g.Results[0].Source != "gazetteer" ||
		aidmap.DistanceM(g.Results[0].Lat, g.Results[0].Lon, 49.2590, -123.0850+10*0.000019) > 1 {
		t.Errorf("geocode 1010 E 12th = %+v, want the address point", g.Results)
	}
	res = ingestCmd(t, nil, "geocode", "--data-dir", data, "Nowhere at all 12345 Qqq")
	if res.code != 1 || !strings.Contains(res.stderr, "no match") {
		t.Errorf("geocode of nonsense: exit %d, stderr %q; want 1 and no match", res.code, res.stderr)
	}

	// An upload with addresses only: one on the imported street (placed), one between its
	// numbers (interpolated), one on a street the gazetteer lacks (only the town: refused).
	list := writeFile(t, dir, "list.csv", "ID,Name,Address,City,Province,Category\n"+
		"A,Food Bank A,1010 E 12th Ave,Vancouver,BC,food bank\n"+
		"B,Meal B,Suite 4 - 1101 East 12th Avenue,Vancouver,BC,free meal\n"+
		"C,Clinic C,77 Unknown Crescent,Vancouver,BC,clinic\n")
	report := dir + "/report.json"
	res = ingestCmd(t, nil, "ingest", list, "--org", "fb", "--org-name", "Food Bank", "--data-dir", data, "--report", report, "--progress", "none")
	if res.code != 0 {
		t.Fatalf("ingest: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	rep := readReport(t, report)
	if rep.Summary.Created != 2 || rep.Summary.Rejected != 1 || rep.Summary.Precision["address"] != 2 {
		t.Errorf("ingest summary = %+v, want 2 created at address precision and 1 rejected", rep.Summary)
	}
	found := false
	for _, p := range rep.Problems {
		if p.Row == 4 && p.Severity == "rejected" && strings.Contains(p.Reason, "locat") && strings.Contains(p.Detail, "only the locality could be located") {
			found = true
		}
	}
	if !found {
		t.Errorf("report problems %+v: want row 4 rejected because only the locality was found", rep.Problems)
	}

	base := startServer(t, "--data-dir", data, "--demo=false")
	get := func(q string) geocodeJSON {
		t.Helper()
		var out geocodeJSON
		resp := getJSON(t, base, "/api/v1/geocode?q="+url.QueryEscape(q), &out)
		if resp.StatusCode != 200 {
			t.Fatalf("GET /api/v1/geocode?q=%s: %s", q, resp.Status)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
			t.Errorf("Cache-Control = %q: a search must not sit in shared caches", cc)
		}
		return out
	}
	if r := get("1010 E 12th Av Vancouver"); len(r.Results) == 0 || r.Results[0].Precision != "address" || r.Results[0].Approximate {
		t.Errorf("/api/v1/geocode = %+v, want the address point", r)
	}
	if r := get("Vancouver"); len(r.Results) == 0 || r.Results[0].Precision != "locality" || !r.Results[0].Approximate {
		t.Errorf("/api/v1/geocode?q=Vancouver = %+v, want the city, approximate", r)
	}
	var sites struct {
		Features []struct {
			Properties struct {
				Name      string `json:"name"`
				Precision string `json:"precision"`
			} `json:"properties"`
		} `json:"features"`
	}
	getJSON(t, base, "/api/v1/sites/nearest?lat=49.259&lon=-123.085&limit=10&format=geojson", &sites)
	if len(sites.Features) != 2 {
		t.Errorf("served %d sites, want the 2 geocoded ones: %+v", len(sites.Features), sites)
	}

	// Points imported by another process reach the running server without a restart.
	more := writeFile(t, dir, "more.csv", gazetteerCSV("Kingsway", 49.2500))
	if res := ingestCmd(t, nil, "gazetteer", "import", more, "--data-dir", data, "--progress", "none"); res.code != 0 {
		t.Fatalf("second gazetteer import: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := get("1010 Kingsway, Vancouver")
		if len(r.Results) > 0 && r.Results[0].Precision == "address" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not pick up the new points within a minute: %+v", r)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// The first source is still there.
	if r := get("1010 E 12th Ave, Vancouver"); len(r.Results) == 0 || r.Results[0].Precision != "address" {
		t.Errorf("after importing another source, E 12th Ave = %+v; want it kept", r)
	}
}

// TestGazetteerImportRejectionsSayWhere checks that each rejected row in the import's report
// says where it is: the line of a table, the element of an OpenStreetMap file (which has no
// lines to speak of; the report once said "row 0" for every one).
func TestGazetteerImportRejectionsSayWhere(t *testing.T) {
	const osmXML = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="41" lat="47.1410" lon="9.5210"><tag k="addr:housenumber" v="3"/><tag k="addr:street" v="Städtle"/></node>
  <node id="42" lat="47.1411" lon="9.5212"><tag k="addr:housenumber" v="5"/></node>
</osm>
`
	tests := []struct {
		name, file, content string
		want                string
	}{
		{"csv", "points.csv", gazetteerCSV("E 12th Ave", 49.2590), `line 202: STREET: missing street`},
		{"osm", "vaduz.osm", osmXML, `node/42: addr:street: missing street`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := writeFile(t, t.TempDir(), tc.file, tc.content)
			res := ingestCmd(t, nil, "gazetteer", "import", in, "--data-dir", t.TempDir(), "--progress", "none")
			if res.code != 0 {
				t.Fatalf("gazetteer import: exit %d\n%s%s", res.code, res.stdout, res.stderr)
			}
			if !strings.Contains(res.stdout, tc.want) || strings.Contains(res.stdout, "row 0") {
				t.Errorf("gazetteer import output:\n%s\nwant a line with %q", res.stdout, tc.want)
			}
		})
	}
}

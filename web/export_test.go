package web

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

// exportSites is the demo set plus a confidential shelter and a site whose provider text
// tries formula injection.
func exportSites() []aidmap.Site {
	sites := demo.Sites(200, 7)
	mk := func(ext, name string, confidential bool) aidmap.Site {
		return aidmap.Site{
			ID: aidmap.SiteID("demo", ext), OrganizationID: "demo", ExternalID: ext, Name: name,
			Categories: []aidmap.Category{aidmap.CategoryShelter},
			Address:    aidmap.Address{Street: "123 Secret St", Unit: "4", Locality: "Vancouver", Region: "BC", PostalCode: "V5K 0A1", Country: "CA"},
			Lat:        49.2611111, Lon: -123.1011111, Precision: aidmap.PrecisionExact, Confidential: confidential,
			Phone: "+1 604 555 0100", Status: aidmap.StatusActive, UpdatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Hours: aidmap.Hours{Timezone: "America/Vancouver", Weekly: []aidmap.Period{{Day: time.Monday, Open: 20 * 60, Close: 8 * 60}},
				Exceptions: []aidmap.Exception{{Date: "2026-12-25", Closed: true}}},
		}
	}
	sites = append(sites, mk("secret-shelter", "Safe House", true), mk("formula", "=HYPERLINK(\"http://evil\")", false))
	sites[len(sites)-1].Description = "@SUM(A1)"
	sites[len(sites)-1].Phone = "-1+1"
	sites[len(sites)-1].Address = aidmap.Address{Street: "1 Main St", Locality: "Vancouver", PostalCode: "V6A 1A1", Country: "CA"}
	sites[len(sites)-1].Lat, sites[len(sites)-1].Lon = 49.27, -123.09
	return sites
}

func newExportServer(t *testing.T) *httptest.Server {
	t.Helper()
	src := snapshot{ix: publicIndex(exportSites(), 9), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}, Version: "test"}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

func TestExportCSV(t *testing.T) {
	srv := newExportServer(t)
	all := len(exportSites())
	tests := []struct {
		name, query string
		rows        int  // data rows; -1: at least one
		next        bool // a Link rel=next header
	}{
		{"full dump", "format=csv", all, false},
		{"filtered dump", "format=csv&q=hyperlink", 1, false},
		{"bbox page", "format=csv&bbox=-180,-90,180,90&limit=10", 10, true},
		{"radius", "format=csv&lat=49.26&lon=-123.1&radius_m=5000&limit=1000", -1, false},
		{"nearest", "format=csv&lat=49.26&lon=-123.1&limit=5", 5, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := "/api/v1/sites?"
			if tc.name == "nearest" {
				path = "/api/v1/sites/nearest?"
			}
			resp, body := get(t, srv.URL+path+tc.query)
			if resp.StatusCode != 200 {
				t.Fatalf("got %d %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="aidmap-sites.csv"` {
				t.Errorf("Content-Disposition %q", cd)
			}
			if got := resp.Header.Get("Link") != ""; got != tc.next {
				t.Errorf("Link header %q, want next=%v", resp.Header.Get("Link"), tc.next)
			}
			recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(recs[0], ",") != strings.Join(csvHeader, ",") {
				t.Fatalf("header %v", recs[0])
			}
			if n := len(recs) - 1; (tc.rows >= 0 && n != tc.rows) || n == 0 {
				t.Fatalf("got %d rows, want %d", n, tc.rows)
			}
			checkNoSecrets(t, string(body), tc.name == "full dump")
		})
	}
}

// checkNoSecrets fails if an export reveals the confidential site's street, postal code or
// exact point.
func checkNoSecrets(t *testing.T, body string, present bool) {
	t.Helper()
	if present && !strings.Contains(body, "Safe House") {
		t.Error("the confidential site is missing from the output")
	}
	for _, secret := range []string{"123 Secret St", "V5K 0A1", "49.2611111", "-123.1011111", "49.261111", "-123.101111"} {
		if strings.Contains(body, secret) {
			t.Errorf("output reveals %q", secret)
		}
	}
}

func TestCSVFormulaInjection(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=1+1", "'=1+1"}, {"-1+1", "'-1+1"}, {"@SUM(A1)", "'@SUM(A1)"}, {"-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"},
		{"+1 604-555-0100", "'+1 604-555-0100"}, {"\tx", "'\tx"}, {"\rx", "'\rx"}, {"-", "'-"}, {"+", "'+"},
		{"-1e", "'-1e"}, {"-Inf", "'-Inf"}, {"-0x1p-2", "'-0x1p-2"},
		{"", ""}, {"Food bank", "Food bank"}, {"1-2", "1-2"},
		// Plain numbers are left alone: western longitudes, signed distances.
		{"-123.1207", "-123.1207"}, {"+1", "+1"}, {"-1e-7", "-1e-7"},
	}
	for _, tc := range tests {
		if got := csvSafe(tc.in); got != tc.want {
			t.Errorf("csvSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	srv := newExportServer(t)
	_, body := get(t, srv.URL+"/api/v1/sites?format=csv")
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rec := range recs[1:] {
		for i, c := range rec {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) && !plainNumber(c) {
				t.Errorf("column %s starts with a formula character: %q", csvHeader[i], c)
			}
		}
		if rec[3] == `'=HYPERLINK("http://evil")` {
			found = true
		}
	}
	if !found {
		t.Error("the formula site's name is not in the export, prefixed")
	}
}

func TestExportNDJSON(t *testing.T) {
	srv := newExportServer(t)
	resp, body := get(t, srv.URL+"/api/v1/sites?format=ndjson")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("got %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		var site struct {
			ID           string `json:"id"`
			Name         string `json:"name"`
			Confidential bool   `json:"confidential"`
		}
		if err := json.Unmarshal(sc.Bytes(), &site); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		seen[site.ID] = true
	}
	if len(seen) != len(exportSites()) {
		t.Errorf("got %d distinct sites, want %d", len(seen), len(exportSites()))
	}
	checkNoSecrets(t, string(body), true)
}

// FuzzCSVSafe: no cell leaves csvSafe starting with a formula character unless it is a plain
// number, and escaping only ever adds the apostrophe.
func FuzzCSVSafe(f *testing.F) {
	for _, s := range []string{"=1+1", "-123.1", "+1 604", "@x", "\t", "-", "1e5", "-0x1p-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := csvSafe(s)
		if got != s && got != "'"+s {
			t.Fatalf("csvSafe(%q) = %q", s, got)
		}
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) && !plainNumber(got) {
			t.Fatalf("csvSafe(%q) = %q starts with a formula character", s, got)
		}
	})
}

package web

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestStaleListings checks the stale rule: a site unchecked (not verified, else not updated)
// for longer than StaleAfter says "stale": true with the date it was last checked, in every
// format and on both the cached and the uncached list paths; a fresh one says nothing; sites
// at exactly the same distance list fresher first; the answer matches the OpenAPI document.
func TestStaleListings(t *testing.T) {
	now := time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC)
	base := demo.Sites(1, 3)[0]
	base.Confidential = false
	mk := func(ext string, updated, verified time.Time) aidmap.Site {
		s := base
		s.ExternalID, s.Name = ext, "Site "+ext
		s.ID = aidmap.SiteID(s.OrganizationID, ext)
		s.UpdatedAt, s.VerifiedAt = updated, verified
		return s
	}
	march := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	sites := []aidmap.Site{
		mk("stale-verified", now.Add(-24*time.Hour*400), march),               // verified in March: stale
		mk("fresh-verified", now.Add(-24*time.Hour*400), now.Add(-time.Hour)), // verified today
		mk("stale-updated", march.Add(-24*time.Hour), time.Time{}),            // never verified, updated long ago
		mk("fresh-updated", now.Add(-24*time.Hour), time.Time{}),
	}
	src := snapshot{ix: publicIndex(sites, 1), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}, Version: "test",
		Freshness: Freshness{StaleAfter: 180 * 24 * time.Hour, Now: func() time.Time { return now }}}).Handler())
	t.Cleanup(srv.Close)

	want := map[string]string{ // external ID → checked_at of a stale site
		"stale-verified": "2026-03-05T10:00:00Z",
		"stale-updated":  "2026-03-04T10:00:00Z",
	}
	check := func(t *testing.T, name string, m map[string]any) {
		t.Helper()
		ext := strings.TrimPrefix(m["name"].(string), "Site ")
		if w, stale := want[ext]; stale {
			if m["stale"] != true || m["checked_at"] != w {
				t.Errorf("%s: %s: stale %v checked_at %v, want true %s", name, ext, m["stale"], m["checked_at"], w)
			}
		} else if _, ok := m["stale"]; ok {
			t.Errorf("%s: %s is fresh but says stale", name, ext)
		}
		if _, ok := m["checked_at"]; ok != (want[ext] != "") {
			t.Errorf("%s: %s: checked_at present %v", name, ext, ok)
		}
	}
	for _, s := range sites {
		_, b := get(t, srv.URL+"/api/v1/sites/"+s.ID)
		var m map[string]any
		json.Unmarshal(b, &m)
		check(t, "single", m)
		_, b = get(t, srv.URL+"/api/v1/sites/"+s.ID+"?format=geojson")
		var f struct{ Properties map[string]any }
		json.Unmarshal(b, &f)
		f.Properties["name"] = m["name"]
		check(t, "geojson", f.Properties)
	}
	var order []string
	for i := range 2 { // the second answer comes from the site cache
		resp, b := get(t, srv.URL+"/api/v1/sites/nearest?limit=10&lat="+num(base.Lat)+"&lon="+num(base.Lon))
		var list struct{ Sites []map[string]any }
		if err := json.Unmarshal(b, &list); err != nil || resp.StatusCode != 200 || len(list.Sites) != 4 {
			t.Fatalf("nearest: %d %s", resp.StatusCode, b)
		}
		order = order[:0]
		for _, m := range list.Sites {
			check(t, "nearest", m)
			order = append(order, strings.TrimPrefix(m["name"].(string), "Site "))
		}
		if i == 0 {
			validateAgainst(t, "#/paths/~1api~1v1~1sites~1nearest/get/responses/200/content/application~1json/schema", b)
		}
	}
	// All four are at the same point: fresher first (checked today, yesterday, in March, ...).
	if got := strings.Join(order, " "); got != "fresh-verified fresh-updated stale-verified stale-updated" {
		t.Errorf("order at equal distance: %s, want fresher first", got)
	}
	_, b := get(t, srv.URL+"/api/v1/sites?format=ndjson&bbox=-180,-90,180,90")
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var m map[string]any
		json.Unmarshal(line, &m)
		check(t, "ndjson", m)
	}

	// Off by default: nothing is marked.
	plain := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}, Version: "test"}).Handler())
	defer plain.Close()
	if _, b := get(t, plain.URL+"/api/v1/sites/"+sites[0].ID); bytes.Contains(b, []byte(`"stale"`)) {
		t.Errorf("stale without a policy: %s", b)
	}
}

// validateAgainst checks body against the schema at the OpenAPI document's pointer.
func validateAgainst(t *testing.T, pointer string, body []byte) {
	t.Helper()
	sch, err := openAPICompiler(t).Compile(openAPIURL + pointer)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("the response does not match the document:\n%v\n%s", err, clip(string(body)))
	}
}

// BenchmarkNearestHandlerStale is BenchmarkNearestHandler with the stale rule on (180 days),
// to compare with it: the rule adds a time comparison per listed site, and a tie check.
//
//	go test ./web -run '^$' -bench 'NearestHandler' -count 5
func BenchmarkNearestHandlerStale(b *testing.B) {
	sites := demo.World(100_000, 1)
	orgs := map[string]aidmap.Organization{"bench": {ID: "bench", Name: "Bench"}}
	h := NewServer(Config{Source: snapshot{ix: publicIndex(sites, 1), orgs: orgs}, Store: pinger{},
		Freshness: Freshness{StaleAfter: 180 * 24 * time.Hour}}).Handler()
	req := httptest.NewRequest("GET", "/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=10", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

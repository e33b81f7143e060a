package web

import (
	"context"
	"encoding/json"

	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/feed"
)

// liveEnv is a server over a real SQLite store and a real feed.Follower (so capacities and
// reports reach the public outputs through the change feed, as in production), with a clock
// the test moves.
type liveEnv struct {
	*accountsEnv
	f                    *feed.Follower
	clock                atomic.Int64 // minutes after testNow
	public, confidential aidmap.Site
	confidentialPublicID string
}

func (e *liveEnv) now() time.Time {
	return testNow.Add(time.Duration(e.clock.Load()) * time.Minute)
}

func newLiveEnv(t *testing.T) *liveEnv {
	e := &liveEnv{accountsEnv: newAccountsEnv(t, Uploads{}, 0)}
	ctx := context.Background()
	base := demo.Sites(1, 11)[0]
	mk := func(org, ext string, confidential bool) aidmap.Site {
		s := base
		s.OrganizationID, s.ExternalID, s.Name, s.Confidential = org, ext, "Site "+ext, confidential
		s.ID = aidmap.SiteID(org, ext)
		s.Status, s.UpdatedAt, s.VerifiedAt = aidmap.StatusActive, testNow.Add(-time.Hour), time.Time{}
		return s
	}
	e.public, e.confidential = mk("fbs", "P1", false), mk("fbs", "C1", true)
	e.confidential.Name = "Kitsilano Safe House"
	if _, err := e.st.UpsertSites(ctx, "fbs", []aidmap.Site{e.public, e.confidential}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.UpsertSites(ctx, "other", []aidmap.Site{mk("other", "O1", false)}); err != nil {
		t.Fatal(err)
	}
	e.confidentialPublicID = testPublisher().PublicID(e.confidential.ID, true)
	e.f = feed.New(e.st, testPublisher(), nil, time.Hour)
	if err := e.f.Load(ctx); err != nil {
		t.Fatal(err)
	}
	e.server = NewServer(Config{Source: e.f, Store: e.st, Version: "test",
		Uploads:   Uploads{Store: e.st, Now: e.now},
		Freshness: Freshness{CapacityTTL: 12 * time.Hour, ClosedThreshold: 3, ClosedWindow: 7 * 24 * time.Hour, Now: e.now},
		Reports:   Reports{Store: e.st, PerIPPerHour: -1, Now: e.now}})
	e.srv.Close()
	e.srv = httptest.NewServer(e.server.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

func (e *liveEnv) sync() {
	e.t.Helper()
	if _, err := e.f.Sync(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// public returns the site's public JSON (by its public ID) and a nearest list around it.
func (e *liveEnv) publicSite(id string) (single, list string) {
	e.t.Helper()
	resp, b := e.do("GET", "/api/v1/sites/"+id, "", "", nil)
	if resp.StatusCode != 200 {
		e.t.Fatalf("GET site %s: %d %s", id, resp.StatusCode, b)
	}
	site, _ := e.f.Index().Site(id)
	_, l := e.do("GET", "/api/v1/sites/nearest?limit=5&lat="+ftoa(site.Lat)+"&lon="+ftoa(site.Lon), "", "", nil)
	return string(b), string(l)
}

func ftoa(f float64) string { b, _ := json.Marshal(f); return string(b) }

func TestCapacity(t *testing.T) {
	e := newLiveEnv(t)
	put := func(token, org, id, body string) (int, string) {
		resp, b := e.do("PUT", "/api/v1/orgs/"+org+"/sites/"+id+"/capacity", token, "application/json", []byte(body))
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		name, token, org, id, body string
		status                     int
		mention                    string
	}{
		{"no unit", "fbs", "fbs", e.public.ID, `{"available":3}`, 400, `"name":"unit"`},
		{"no count", "fbs", "fbs", e.public.ID, `{"unit":"beds"}`, 400, `"name":"available"`},
		{"count as text", "fbs", "fbs", e.public.ID, `{"unit":"beds","available":"3"}`, 400, `"name":"available"`},
		{"fraction", "fbs", "fbs", e.public.ID, `{"unit":"beds","available":2.5}`, 400, `"name":"available"`},
		{"negative", "fbs", "fbs", e.public.ID, `{"unit":"beds","available":-1}`, 400, `"name":"available"`},
		{"over maximum", "fbs", "fbs", e.public.ID, `{"unit":"beds","available":21,"maximum":20}`, 400, `"name":"available"`},
		{"huge maximum", "fbs", "fbs", e.public.ID, `{"unit":"beds","available":1,"maximum":99999999999}`, 400, `"name":"maximum"`},
		{"unit not a word", "fbs", "fbs", e.public.ID, `{"unit":"<b>Beds</b>","available":1}`, 400, `"name":"unit"`},
		{"unknown field", "fbs", "fbs", e.public.ID, `{"unit":"beds","available":1,"note":"x"}`, 400, `"name":"body"`},
		{"too large", "fbs", "fbs", e.public.ID, `{"unit":"beds","available":1,"x":"` + strings.Repeat("a", 2000) + `"}`, 413, ""},
		{"another organisation's site", "fbs", "fbs", aidmap.SiteID("other", "O1"), `{"unit":"beds","available":1}`, 404, ""},
		{"another organisation's token", "other", "fbs", e.public.ID, `{"unit":"beds","available":1}`, 403, ""},
		{"no token", "", "fbs", e.public.ID, `{"unit":"beds","available":1}`, 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := put(tc.token, tc.org, tc.id, tc.body)
			if status != tc.status || !strings.Contains(body, tc.mention) {
				t.Errorf("got %d %s, want %d mentioning %s", status, body, tc.status, tc.mention)
			}
		})
	}

	v := e.f.Index().Version()
	status, body := put("fbs", "fbs", e.public.ID, `{"unit":"beds","available":3,"maximum":20}`)
	if status != 200 || !strings.Contains(body, `"available":3`) {
		t.Fatalf("PUT capacity: %d %s", status, body)
	}
	if status, body = put("fbs", "fbs", e.confidential.ID, `{"unit":"beds","available":1}`); status != 200 {
		t.Fatalf("PUT capacity of the confidential site: %d %s", status, body)
	}
	// Nothing public changes until the index follows the store's change feed.
	if single, _ := e.publicSite(e.public.ID); strings.Contains(single, "capacity") {
		t.Errorf("capacity before the feed: %s", single)
	}
	e.clock.Add(20) // 20 minutes later
	e.sync()
	if e.f.Index().Version() <= v {
		t.Fatalf("index version %d, want above %d", e.f.Index().Version(), v)
	}
	want := `"capacity":[{"unit":"beds","available":3,"maximum":20,"updated":"2026-05-01T12:00:00Z"}]`
	single, list := e.publicSite(e.public.ID)
	if !strings.Contains(single, want) || !strings.Contains(list, want) {
		t.Errorf("public outputs: got\n %s\n %s\nwant them to hold %s", single, list, want)
	}
	resp, b := e.do("GET", "/api/v1/sites/"+e.public.ID+"?format=geojson", "", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
		t.Errorf("GeoJSON: %s", b)
	}
	validateAgainst(t, "#/components/schemas/Site", []byte(single))
	// The confidential site shows its count under its public ID; its stored ID names nothing.
	conf, _ := e.publicSite(e.confidentialPublicID)
	if !strings.Contains(conf, `"capacity":[{"unit":"beds","available":1,"updated":"2026-05-01T12:00:00Z"}]`) {
		t.Errorf("confidential site: %s", conf)
	}
	if resp, _ := e.do("GET", "/api/v1/sites/"+e.confidential.ID, "", "", nil); resp.StatusCode != 404 {
		t.Errorf("stored ID of the confidential site: %d, want 404", resp.StatusCode)
	}
	// The organisation sees its counts (expired ones too) and who set them.
	resp, b = e.do("GET", "/api/v1/orgs/fbs/sites/"+e.public.ID+"/capacity", "fbs", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"by":"`) || !strings.Contains(string(b), `"ttl_seconds":43200`) {
		t.Errorf("GET capacity: %d %s", resp.StatusCode, b)
	}

	// After the TTL, the count is gone from every public output.
	e.clock.Add(12 * 60)
	single, list = e.publicSite(e.public.ID)
	if strings.Contains(single, "capacity") || strings.Contains(list, "capacity") {
		t.Errorf("capacity after the TTL: %s\n%s", single, list)
	}
	// Removing a unit.
	resp, b = e.do("DELETE", "/api/v1/orgs/fbs/sites/"+e.public.ID+"/capacity/beds", "fbsadmin", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"capacity":[]`) {
		t.Errorf("DELETE capacity: %d %s", resp.StatusCode, b)
	}
}

// report posts a report from the given client address, straight to the handler (httptest's
// client always comes from 127.0.0.1).
func (e *liveEnv) reportFrom(addr, id, kind string) int {
	e.t.Helper()
	r := httptest.NewRequest("POST", "/api/v1/sites/"+id+"/reports", strings.NewReader(`{"kind":"`+kind+`"}`))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = addr + ":1234"
	w := httptest.NewRecorder()
	e.server.Handler().ServeHTTP(w, r)
	return w.Code
}

func TestPossiblyClosed(t *testing.T) {
	e := newLiveEnv(t)
	for _, id := range []string{e.public.ID, e.confidentialPublicID} {
		marked := func() bool {
			e.sync()
			single, list := e.publicSite(id)
			if strings.Contains(single, `"possibly_closed":true`) != strings.Contains(list, `"possibly_closed":true`) {
				t.Fatalf("single and list disagree:\n%s\n%s", single, list)
			}
			return strings.Contains(single, `"possibly_closed":true`)
		}
		// Two people, one of them twice, and a report of another kind: not enough.
		for _, r := range []struct{ addr, kind string }{{"192.0.2.1", "closed"}, {"192.0.2.1", "closed"}, {"192.0.2.2", "closed"}, {"192.0.2.3", "wrong_hours"}} {
			if code := e.reportFrom(r.addr, id, r.kind); code != 202 {
				t.Fatalf("report: %d", code)
			}
		}
		if marked() {
			t.Fatalf("%s: marked after two distinct reporters", id)
		}
		e.reportFrom("2001:db8::1", id, "closed")
		if !marked() {
			t.Fatalf("%s: not marked after three distinct reporters", id)
		}
		// The steward verifies the site: the reports before it no longer count.
		e.clock.Add(1)
		stored, _ := e.f.StoredID(id)
		resp, b := e.do("POST", "/api/v1/orgs/fbs/sites/"+stored+"/verify", "fbs", "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("verify: %d %s", resp.StatusCode, b)
		}
		if marked() {
			t.Errorf("%s: still marked after the site was verified", id)
		}
	}
	// Old reports stop counting after the window.
	for _, a := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		e.clock.Add(1)
		e.reportFrom(a, e.public.ID, "closed")
	}
	e.sync()
	if single, _ := e.publicSite(e.public.ID); !strings.Contains(single, "possibly_closed") {
		t.Fatalf("not marked: %s", single)
	}
	e.clock.Add(8 * 24 * 60)
	if single, _ := e.publicSite(e.public.ID); strings.Contains(single, "possibly_closed") {
		t.Errorf("marked after the window: %s", single)
	}
}

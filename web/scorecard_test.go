package web

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/store"
)

func TestScorecard(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	ctx := context.Background()
	base := demo.Sites(1, 11)[0]
	// Four fbs sites, each good at something else, one retired (not counted), and a
	// confidential one whose stored precision counts (its public form is "locality").
	mk := func(ext string, f func(*aidmap.Site)) aidmap.Site {
		s := base
		s.OrganizationID, s.ExternalID, s.Name, s.Status = "fbs", ext, "Site "+ext, aidmap.StatusActive
		s.ID = aidmap.SiteID("fbs", ext)
		s.Phone, s.Hours, s.Precision, s.VerifiedAt, s.VerifiedBy = "", aidmap.Hours{Notes: "ask"}, aidmap.PrecisionLocality, time.Time{}, ""
		s.UpdatedAt = testNow.Add(-400 * 24 * time.Hour)
		f(&s)
		return s
	}
	sites := []aidmap.Site{
		mk("A", func(s *aidmap.Site) { s.VerifiedAt, s.VerifiedBy = testNow.Add(-89*24*time.Hour), "tok" }),
		mk("B", func(s *aidmap.Site) {
			s.VerifiedAt, s.VerifiedBy = testNow.Add(-91*24*time.Hour), "tok" // too old
			s.Phone = "+1 604-555-0100"
		}),
		mk("C", func(s *aidmap.Site) {
			s.Hours = base.Hours
			s.Precision = aidmap.PrecisionAddress
			s.Confidential = true
		}),
		mk("D", func(s *aidmap.Site) { s.Precision = aidmap.PrecisionStreet; s.Phone = "+1 604-555-0101" }),
		mk("E", func(s *aidmap.Site) { s.Status = aidmap.StatusRetired; s.Phone = "+1 604-555-0102" }),
	}
	if !sites[2].Hours.Known() {
		t.Fatal("demo site without hours")
	}
	if _, err := e.st.UpsertSites(ctx, "fbs", sites); err != nil {
		t.Fatal(err)
	}
	// A fresh capacity on A, a stale one on D; two open reports and a dismissed one.
	if _, err := e.st.SetCapacity(ctx, "fbs", sites[0].ID, aidmap.Capacity{Unit: "beds", Available: 3, Updated: testNow.Add(-time.Hour)}, "tok"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.SetCapacity(ctx, "fbs", sites[3].ID, aidmap.Capacity{Unit: "meals", Available: 3, Updated: testNow.Add(-13 * time.Hour)}, "tok"); err != nil {
		t.Fatal(err)
	}
	for i, status := range []string{"", "", store.ReportDismissed} {
		rep := store.Report{ID: store.NewID("rep_"), OrganizationID: "fbs", SiteID: sites[i].ID, Kind: "other", CreatedAt: testNow}
		if err := e.st.AddReport(ctx, rep); err != nil {
			t.Fatal(err)
		}
		if status != "" {
			if _, err := e.st.ResolveReport(ctx, "fbs", rep.ID, status, "tok", testNow); err != nil {
				t.Fatal(err)
			}
		}
	}
	now := testNow
	e.server = NewServer(Config{Source: snapshot{ix: publicIndex(nil, 1)}, Store: e.st, Version: "test",
		Uploads:   Uploads{Store: e.st, Now: func() time.Time { return testNow }},
		Reports:   Reports{Store: e.st},
		Freshness: Freshness{CapacityTTL: 12 * time.Hour, Now: func() time.Time { return now }}})
	e.srv.Close()
	e.srv = httptest.NewServer(e.server.Handler())
	t.Cleanup(e.srv.Close)

	// No token: the scorecard is open to anyone.
	resp, b := e.do("GET", "/api/v1/orgs/fbs/scorecard", "", "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Cache-Control"), "public") {
		t.Fatalf("GET scorecard: %d %s %q", resp.StatusCode, b, resp.Header.Get("Cache-Control"))
	}
	var card scorecardJSON
	if err := json.Unmarshal(b, &card); err != nil {
		t.Fatal(err)
	}
	open := 2
	want := scorecardJSON{OrganizationID: "fbs", Name: "Org fbs", Sites: 4,
		Verified: share{1, 0.25}, HoursKnown: share{1, 0.25}, Phone: share{2, 0.5},
		StreetOrBetter: share{2, 0.5}, CapacityFresh: share{1, 0.25}, Capacity: 2, OpenReports: &open,
		ComputedAt: testNow}
	if card.OpenReports == nil || *card.OpenReports != open {
		t.Errorf("open_reports %v, want 2", card.OpenReports)
	}
	card.OpenReports = &open
	if card != want {
		t.Errorf("scorecard\n got %+v\nwant %+v", card, want)
	}
	// Counts only: nothing of a site, not even its ID or name.
	for _, s := range sites {
		if strings.Contains(string(b), s.ID) || strings.Contains(string(b), s.Name) {
			t.Errorf("scorecard names site %s: %s", s.ID, b)
		}
	}
	if strings.Contains(string(b), `"lat"`) || strings.Contains(string(b), `"lon"`) {
		t.Errorf("scorecard has a position: %s", b)
	}

	t.Run("every organisation", func(t *testing.T) {
		resp, b := e.do("GET", "/api/v1/scorecard", "", "", nil)
		var all struct {
			Organizations []scorecardJSON
			Count         int
		}
		if err := json.Unmarshal(b, &all); err != nil || resp.StatusCode != 200 || all.Count != 2 ||
			all.Organizations[0].OrganizationID != "fbs" || all.Organizations[1].OrganizationID != "other" ||
			all.Organizations[0].Sites != 4 || all.Organizations[1].Sites != 0 {
			t.Fatalf("GET /api/v1/scorecard: %d %s", resp.StatusCode, b)
		}
	})
	t.Run("unknown organisation", func(t *testing.T) {
		if resp, b := e.do("GET", "/api/v1/orgs/nobody/scorecard", "", "", nil); resp.StatusCode != 404 {
			t.Errorf("unknown organisation: %d %s, want 404", resp.StatusCode, b)
		}
	})
	t.Run("the token routes still need a token", func(t *testing.T) {
		if resp, _ := e.do("GET", "/api/v1/orgs/fbs/sites", "", "", nil); resp.StatusCode != 401 {
			t.Errorf("GET /api/v1/orgs/fbs/sites without a token: %d, want 401", resp.StatusCode)
		}
	})
	t.Run("kept a while, then made again", func(t *testing.T) {
		if _, err := e.st.SetCapacity(ctx, "fbs", sites[1].ID, aidmap.Capacity{Unit: "beds", Available: 1, Updated: testNow}, "tok"); err != nil {
			t.Fatal(err)
		}
		get := func() scorecardJSON {
			_, b := e.do("GET", "/api/v1/orgs/fbs/scorecard", "", "", nil)
			var c scorecardJSON
			json.Unmarshal(b, &c)
			return c
		}
		if c := get(); c.Capacity != 2 {
			t.Errorf("within a minute: capacity_sites %d, want the kept 2", c.Capacity)
		}
		now = testNow.Add(scorecardMaxAge + time.Second)
		if c := get(); c.Capacity != 3 || c.CapacityFresh.Count != 2 {
			t.Errorf("after a minute: capacity_sites %d fresh %d, want 3 and 2", c.Capacity, c.CapacityFresh.Count)
		}
	})
}

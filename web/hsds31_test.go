package web

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/hsds"
)

// TestHSDS31Capacities: ?version=3.1 adds a service's fresh capacities (HSDS 3.1
// service_capacity with its unit) and assured_date; 3.0, the default, never has them.
func TestHSDS31Capacities(t *testing.T) {
	now := time.Date(2026, 12, 4, 18, 30, 0, 0, time.UTC)
	sites := demo.Sites(3, 5)
	sites[0].Capacity = []aidmap.Capacity{{Unit: "beds", Available: 3, Maximum: 20, Updated: now.Add(-20*time.Minute - 7*time.Second)},
		{Unit: "meals", Available: 9, Updated: now.Add(-13 * time.Hour)}} // too old: not published
	sites[0].VerifiedAt = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	orgs := map[string]aidmap.Organization{"demo": demo.Organization()}
	srv := httptest.NewServer(NewServer(Config{Source: snapshot{ix: publicIndex(sites, 1), orgs: orgs}, Store: pinger{},
		Freshness: Freshness{CapacityTTL: 12 * time.Hour, Now: func() time.Time { return now }}}).Handler())
	defer srv.Close()
	id := hsds.SiteObjectID(sites[0].ID, hsds.KindService)
	fetch := func(path string) (int, hsds.Service, string) {
		t.Helper()
		resp, b := get(t, srv.URL+path)
		var svc hsds.Service
		json.Unmarshal(b, &svc)
		return resp.StatusCode, svc, string(b)
	}
	_, svc, b := fetch("/hsds/services/" + id)
	if svc.Capacities != nil || strings.Contains(b, "capacities") {
		t.Errorf("3.0 service has capacities: %s", b)
	}
	if svc.AssuredDate != "" {
		t.Errorf("3.0 service has assured_date: %s", b)
	}
	_, svc, b = fetch("/hsds/services/" + id + "?version=3.1")
	if svc.AssuredDate != "2026-11-30" {
		t.Errorf("assured_date %q, want 2026-11-30 (verified_at)", svc.AssuredDate)
	}
	want := hsds.ServiceCapacity{ID: svc.Capacities[0].ID, ServiceID: id, Unit: hsds.Unit{ID: hsds.KeyID(hsds.KindUnit, "beds"), Name: "beds"},
		Available: 3, Maximum: 20, Updated: "2026-12-04T18:09:00Z"}
	if len(svc.Capacities) != 1 || svc.Capacities[0] != want || svc.Capacities[0].ID == "" {
		t.Errorf("3.1 capacities %+v, want only %+v", svc.Capacities, want)
	}
	var list hsds.Page[hsds.Service]
	resp, lb := get(t, srv.URL+"/hsds/services?version=3.1&per_page=10")
	if json.Unmarshal(lb, &list); resp.StatusCode != 200 {
		t.Fatalf("3.1 list: %d %s", resp.StatusCode, lb)
	}
	n := 0
	for _, s := range list.Contents {
		n += len(s.Capacities)
	}
	if n != 1 {
		t.Errorf("3.1 list: %d capacities, want 1: %s", n, lb)
	}
	if code, _, b := fetch("/hsds/services?version=4.0"); code != 400 || !strings.Contains(b, `"name":"version"`) {
		t.Errorf("version=4.0: %d %s, want 400 naming version", code, b)
	}
}

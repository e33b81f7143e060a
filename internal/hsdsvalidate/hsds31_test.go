package main

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/hsds"
	"github.com/aidmap/aidmap/web"
)

// TestHSDS31Documents validates ?version=3.1 services, one by ID and a list page, that carry
// assured_date and a capacity against the 3.1 reductions in testdata/schema31 (names and
// shapes from the spec's service_capacity.json and unit.json: unit an object with id and name,
// updated a date-time, available and maximum numbers).
func TestHSDS31Documents(t *testing.T) {
	v, err := newValidator("testdata/schema31")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 18, 30, 0, 0, time.UTC)
	sites := demo.Sites(40, 3)
	var id string
	for i := range sites {
		if sites[i].Confidential {
			continue
		}
		sites[i].VerifiedAt = now.Add(-72 * time.Hour)
		sites[i].Capacity = []aidmap.Capacity{{Unit: "beds", Available: 3, Maximum: 20, Updated: now.Add(-20 * time.Minute)},
			{Unit: "meals", Available: 0, Updated: now.Add(-time.Hour)}}
		id = hsds.SiteObjectID(sites[i].ID, hsds.KindService)
	}
	srv := httptest.NewServer(web.NewServer(web.Config{Source: source{geo.NewIndex(demo.Publisher().PublicSites(sites), 1)},
		Freshness: web.Freshness{CapacityTTL: 12 * time.Hour, Now: func() time.Time { return now }}}).Handler())
	defer srv.Close()
	fetch := func(path string) any {
		t.Helper()
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		if !strings.Contains(string(b), `"capacities":[`) || !strings.Contains(string(b), `"assured_date":"2026-12-01"`) {
			t.Fatalf("%s: no capacities or assured_date to validate: %s", path, b)
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	if err := v.validate("service", fetch("/hsds/services/"+id+"?version=3.1")); err != nil {
		t.Errorf("3.1 service: %v", err)
	}
	page := fetch("/hsds/services?version=3.1&per_page=50")
	if err := v.validate("page", page); err != nil {
		t.Errorf("3.1 page: %v", err)
	}
	for i, item := range page.(map[string]any)["contents"].([]any) {
		if err := v.validate("service", item); err != nil {
			t.Errorf("3.1 list item %d: %v", i, err)
		}
	}
}

// TestHSDS31Rejects: the 3.1 reductions refuse the shapes the spec does not allow, so the
// test above can fail.
func TestHSDS31Rejects(t *testing.T) {
	v, err := newValidator("testdata/schema31")
	if err != nil {
		t.Fatal(err)
	}
	const id = `"3f1b0c2e-1111-5111-8111-111111111111"`
	unit := `{"id":` + id + `,"name":"beds"}`
	svc := func(capacity string) string {
		return `{"id":` + id + `,"name":"a","status":"active","capacities":[` + capacity + `]}`
	}
	tests := []struct{ name, doc, want string }{
		{"unit as a string", svc(`{"id":` + id + `,"unit":"beds","available":3,"updated":"2026-12-04T18:09:00Z"}`), "/capacities/0/unit"},
		{"unit without id", svc(`{"id":` + id + `,"unit":{"name":"beds"},"available":3,"updated":"2026-12-04T18:09:00Z"}`), "/capacities/0/unit"},
		{"updated a date", svc(`{"id":` + id + `,"unit":` + unit + `,"available":3,"updated":"2026-12-04"}`), "date-time"},
		{"no available", svc(`{"id":` + id + `,"unit":` + unit + `,"updated":"2026-12-04T18:09:00Z"}`), "available"},
		{"misspelt field", svc(`{"id":` + id + `,"unit":` + unit + `,"available":3,"max":20,"updated":"2026-12-04T18:09:00Z"}`), "max"},
		{"assured_date a time", `{"id":` + id + `,"name":"a","status":"active","assured_date":"2026-12-04T18:09:00Z"}`, "date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if err := v.validate("service", doc); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	// What hsds publishes decodes into the same names.
	b, _ := json.Marshal(hsds.ServiceCapacity{Unit: hsds.Unit{Name: "beds"}})
	for _, f := range []string{`"unit":{`, `"available":`, `"updated":`} {
		if !strings.Contains(string(b), f) {
			t.Errorf("hsds.ServiceCapacity %s lacks %s", b, f)
		}
	}
}

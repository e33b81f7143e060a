package web

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/hsds"
)

// hsdsLocations returns each service's location ID in /hsds/service_at_locations, and the
// locations by ID.
func (e *placesEnv) hsdsLocations() (map[string]string, map[string]hsds.Location) {
	e.t.Helper()
	resp, b := e.do("GET", "/hsds/service_at_locations?per_page=1000", "", "", nil)
	var page hsds.Page[hsds.ServiceAtLocation]
	if resp.StatusCode != 200 || json.Unmarshal(b, &page) != nil {
		e.t.Fatalf("service_at_locations: %d %s", resp.StatusCode, b)
	}
	at, locs := map[string]string{}, map[string]hsds.Location{}
	for _, sal := range page.Contents {
		if sal.Location == nil || sal.Location.ID != sal.LocationID || sal.ID != hsds.SiteObjectID(mustSiteOf(e.t, sal.ServiceID), hsds.KindServiceAtLocation) {
			e.t.Errorf("service_at_location %+v: its own ID, and the location it names nested", sal)
			continue
		}
		at[sal.ServiceID] = sal.LocationID
		locs[sal.LocationID] = *sal.Location
	}
	return at, locs
}

func mustSiteOf(t testing.TB, serviceID string) string {
	id, ok := hsds.SiteOf(serviceID, hsds.KindService)
	if !ok {
		t.Fatalf("service ID %q is not a UUID", serviceID)
	}
	return id
}

// TestHSDSPlaces: in HSDS a place of several providers is one location, named by the place's
// ID (stable across snapshots), with each provider's service, under its own organisation,
// linked to it; a site in no place keeps its own; a confidential site always does, with no
// address; a split gives each site its own location back.
func TestHSDSPlaces(t *testing.T) {
	e := newPlacesEnv(t)
	e.uploadFile("fbs", "provider_a.csv", nil)
	e.uploadFile("other", "provider_b.csv", nil)
	a1, b1, b4 := aidmap.SiteID("fbs", "A1"), aidmap.SiteID("other", "B1"), aidmap.SiteID("other", "B4")
	p := e.placeOf("fbs", "A1", 43.6403, -79.436)
	placeLoc := hsds.SiteObjectID(p.ID, hsds.KindLocation)
	svc := func(site string) string { return hsds.SiteObjectID(site, hsds.KindService) }

	at, locs := e.hsdsLocations()
	for _, c := range []struct {
		name, site, loc string
	}{
		{"Parkdale, fbs", a1, placeLoc},
		{"Parkdale, other", b1, placeLoc},
		{"the library desk, in no place", b4, hsds.SiteObjectID(b4, hsds.KindLocation)},
	} {
		if got := at[svc(c.site)]; got != c.loc {
			t.Errorf("%s: service at location %s, want %s", c.name, got, c.loc)
		}
	}
	if l := locs[placeLoc]; l.OrganizationID != "" || len(l.Addresses) != 1 || l.Latitude == 0 {
		t.Errorf("Parkdale's location %+v: no one organisation's, with the place's address and point", l)
	}
	var confidential int
	for service, loc := range at {
		site := mustSiteOf(t, service)
		if l := locs[loc]; l.Description == hsds.ConfidentialNote {
			confidential++
			if loc != hsds.SiteObjectID(site, hsds.KindLocation) || len(l.Addresses) != 0 {
				t.Errorf("the confidential site's location %+v: its own, without an address", l)
			}
		}
	}
	if confidential != 1 {
		t.Errorf("%d confidential locations, want the shelter's", confidential)
	}

	// One service and one service_at_location by ID, in 3.0 and 3.1, say the same.
	for _, path := range []string{"/hsds/services/" + svc(b1), "/hsds/services/" + svc(b1) + "?version=3.1"} {
		resp, b := e.do("GET", path, "", "", nil)
		var got hsds.Service
		if resp.StatusCode != 200 || json.Unmarshal(b, &got) != nil || len(got.ServiceAtLocations) != 1 ||
			got.ServiceAtLocations[0].LocationID != placeLoc || got.OrganizationID != hsds.OrganizationID("other") {
			t.Errorf("GET %s: %d %s, want other's service at the place's location", path, resp.StatusCode, b)
		}
	}
	resp, b := e.do("GET", "/hsds/service_at_locations/"+hsds.SiteObjectID(a1, hsds.KindServiceAtLocation), "", "", nil)
	var one hsds.ServiceAtLocation
	if resp.StatusCode != 200 || json.Unmarshal(b, &one) != nil || one.LocationID != placeLoc || one.Service == nil || one.Service.OrganizationID != hsds.OrganizationID("fbs") {
		t.Errorf("GET the service_at_location: %d %s", resp.StatusCode, b)
	}

	// Another snapshot (other re-uploads with a changed record elsewhere): the same IDs.
	e.uploadFile("other", "provider_b.csv", func(s string) string {
		return strings.Replace(s, "Bloor Street Library Newcomer Desk", "Bloor Street Library Newcomers", 1)
	})
	if again, _ := e.hsdsLocations(); again[svc(a1)] != placeLoc || again[svc(b1)] != placeLoc {
		t.Errorf("after a re-upload: A1 at %s, B1 at %s, want both still at %s", again[svc(a1)], again[svc(b1)], placeLoc)
	}

	// Split: each provider's service at its own location again.
	body := fmt.Sprintf(`{"a":%q,"b":%q,"decision":"split"}`, a1, b1)
	if resp, b := e.do("POST", "/api/v1/orgs/other/places/links", "other", "application/json", []byte(body)); resp.StatusCode != 200 {
		t.Fatalf("split: %d %s", resp.StatusCode, b)
	}
	at, _ = e.hsdsLocations()
	if at[svc(a1)] != hsds.SiteObjectID(a1, hsds.KindLocation) || at[svc(b1)] != hsds.SiteObjectID(b1, hsds.KindLocation) {
		t.Errorf("after the split: A1 at %s, B1 at %s, want each at its own", at[svc(a1)], at[svc(b1)])
	}
}

package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/hsds"
)

// The HSDS 3.0 schemas (openreferral/specification, schema/*.json, 3.0), copied here as Go
// literals: for each object aidmap emits, its required fields, and the type of every property
// it may emit. "uuid" is a string in the 8-4-4-4-12 form; "kind:X" is a nested X object;
// "[]X" an array of X objects. Properties outside the spec fail the test, except the
// documented distance_m extension.
var hsdsRequired = map[string][]string{
	"service":             {"id", "name", "status"},
	"organization":        {"id", "name", "description"},
	"location":            {"id", "location_type"},
	"service_at_location": {"id"},
	"address":             {"id", "address_1", "city", "state_province", "postal_code", "country", "address_type"},
	"phone":               {"id", "number"},
	"schedule":            {"id"},
	"language":            {"id"},
	"attribute":           {"id"},
	"accessibility":       {"id"},
	"taxonomy":            {"id", "name", "description"},
	"taxonomy_term":       {"id", "name", "description"},
}

var hsdsTypes = map[string]map[string]string{
	"service": {"id": "uuid", "organization_id": "uuid", "name": "string", "description": "string", "url": "string",
		"email": "string", "status": "string", "fees_description": "string", "eligibility_description": "string",
		"last_modified": "string", "phones": "[]phone", "schedules": "[]schedule", "service_at_locations": "[]service_at_location",
		"languages": "[]language", "organization": "kind:organization", "attributes": "[]attribute", "distance_m": "number"},
	"organization": {"id": "uuid", "name": "string", "description": "string", "website": "string"},
	"location": {"id": "uuid", "location_type": "string", "organization_id": "uuid", "name": "string", "description": "string",
		"latitude": "number", "longitude": "number", "addresses": "[]address", "accessibility": "[]accessibility"},
	"service_at_location": {"id": "uuid", "service_id": "uuid", "location_id": "uuid", "location": "kind:location",
		"service": "kind:service", "distance_m": "number"},
	"address": {"id": "uuid", "location_id": "uuid", "address_1": "string", "address_2": "string", "city": "string",
		"state_province": "string", "postal_code": "string", "country": "string", "address_type": "string"},
	"phone":         {"id": "uuid", "service_id": "uuid", "number": "string"},
	"schedule":      {"id": "uuid", "service_id": "uuid", "valid_from": "string", "valid_to": "string", "freq": "string", "wkst": "string", "byday": "string", "opens_at": "string", "closes_at": "string", "description": "string", "notes": "string"},
	"language":      {"id": "uuid", "service_id": "uuid", "code": "string"},
	"attribute":     {"id": "uuid", "link_id": "string", "taxonomy_term_id": "string", "link_type": "string", "link_entity": "string", "taxonomy_term": "kind:taxonomy_term"},
	"accessibility": {"id": "uuid", "location_id": "uuid", "description": "string"},
	"taxonomy":      {"id": "uuid", "name": "string", "description": "string", "version": "string"},
	"taxonomy_term": {"id": "uuid", "code": "string", "name": "string", "description": "string", "taxonomy": "string", "taxonomy_id": "uuid"},
}

// hsdsEnums are the spec's enumerations for the fields aidmap fills.
var hsdsEnums = map[string][]string{
	"service.status":         {"active", "inactive", "defunct", "temporarily closed"},
	"location.location_type": {"physical", "postal", "virtual"},
	"address.address_type":   {"physical", "postal", "virtual"},
	"schedule.freq":          {"WEEKLY", "MONTHLY"},
	"schedule.wkst":          {"MO", "TU", "WE", "TH", "FR", "SA", "SU"},
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkHSDS checks obj against kind's required fields and property types, recursively.
func checkHSDS(t *testing.T, where, kind string, v any) {
	t.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: %s is %T, want an object", where, kind, v)
		return
	}
	for _, f := range hsdsRequired[kind] {
		if _, ok := obj[f]; !ok {
			t.Errorf("%s: %s lacks required %s", where, kind, f)
		}
	}
	for f, val := range obj {
		typ, ok := hsdsTypes[kind][f]
		if !ok {
			t.Errorf("%s: %s.%s is not in the HSDS 3.0 schema", where, kind, f)
			continue
		}
		at := where + "." + f
		switch {
		case typ == "string" || typ == "uuid":
			s, ok := val.(string)
			if !ok {
				t.Errorf("%s: got %T, want a string", at, val)
			} else if typ == "uuid" && !uuidRE.MatchString(s) {
				t.Errorf("%s: %q is not a UUID", at, s)
			} else if enum, ok := hsdsEnums[kind+"."+f]; ok && !slices.Contains(enum, s) {
				t.Errorf("%s: %q is not one of %v", at, s, enum)
			}
		case typ == "number":
			if _, ok := val.(float64); !ok {
				t.Errorf("%s: got %T, want a number", at, val)
			}
		case strings.HasPrefix(typ, "kind:"):
			checkHSDS(t, at, typ[5:], val)
		case strings.HasPrefix(typ, "[]"):
			arr, ok := val.([]any)
			if !ok {
				t.Errorf("%s: got %T, want an array", at, val)
			}
			for i, e := range arr {
				checkHSDS(t, fmt.Sprintf("%s[%d]", at, i), typ[2:], e)
			}
		}
	}
}

// pageFields are the spec's Page schema properties and their JSON types.
var pageFields = map[string]string{"total_items": "integer", "total_pages": "integer", "page_number": "integer",
	"size": "integer", "first_page": "boolean", "last_page": "boolean", "empty": "boolean", "contents": "array"}

type page struct {
	TotalItems int               `json:"total_items"`
	TotalPages int               `json:"total_pages"`
	PageNumber int               `json:"page_number"`
	Size       int               `json:"size"`
	FirstPage  bool              `json:"first_page"`
	LastPage   bool              `json:"last_page"`
	Empty      bool              `json:"empty"`
	Contents   []json.RawMessage `json:"contents"`
}

// getPage fetches a list endpoint and checks the Page fields and every item's schema.
func getPage(t *testing.T, url, kind string) page {
	t.Helper()
	resp, body := get(t, url)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: got %d %s", url, resp.StatusCode, body)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("%s: Access-Control-Allow-Origin %q, want *", url, got)
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	for f, typ := range pageFields {
		v, ok := raw[f]
		if !ok {
			t.Errorf("%s: page lacks %s", url, f)
			continue
		}
		switch typ {
		case "integer":
			if n, ok := v.(float64); !ok || n != float64(int(n)) {
				t.Errorf("%s: %s = %v, want an integer", url, f, v)
			}
		case "boolean":
			if _, ok := v.(bool); !ok {
				t.Errorf("%s: %s = %v, want a boolean", url, f, v)
			}
		case "array":
			if _, ok := v.([]any); !ok {
				t.Errorf("%s: %s = %v, want an array", url, f, v)
			}
		}
	}
	for i, item := range raw["contents"].([]any) {
		checkHSDS(t, fmt.Sprintf("%s contents[%d]", url, i), kind, item)
	}
	var p page
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func newHSDSServer(t *testing.T) (*httptest.Server, []aidmap.Site) {
	t.Helper()
	sites := testPublisher().PublicSites(exportSites()) // as published: IDs, pins
	src := snapshot{ix: publicIndex(sites, 9), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}, Version: "test"}).Handler())
	t.Cleanup(srv.Close)
	return srv, sites
}

func TestHSDSListsPaginate(t *testing.T) {
	srv, sites := newHSDSServer(t)
	tests := []struct {
		path, kind string
		want       int
	}{
		{"/hsds/services", "service", len(sites)},
		{"/hsds/service_at_locations", "service_at_location", len(sites)},
		{"/hsds/organizations", "organization", 1},
		{"/hsds/taxonomies", "taxonomy", 1},
		{"/hsds/taxonomy_terms", "taxonomy_term", len(aidmap.Categories())},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			seen := map[string]bool{}
			for n := 1; ; n++ {
				p := getPage(t, fmt.Sprintf("%s%s?per_page=37&page=%d", srv.URL, tc.path, n), tc.kind)
				if p.TotalItems != tc.want || p.PageNumber != n || p.Size != len(p.Contents) || p.FirstPage != (n == 1) {
					t.Fatalf("page %d: %+v", n, p)
				}
				for _, c := range p.Contents {
					var o struct{ ID string }
					_ = json.Unmarshal(c, &o)
					if seen[o.ID] {
						t.Fatalf("page %d repeats %s", n, o.ID)
					}
					seen[o.ID] = true
				}
				if p.LastPage {
					if n != p.TotalPages {
						t.Errorf("last page is %d, total_pages %d", n, p.TotalPages)
					}
					break
				}
				if n > 100 {
					t.Fatal("no last page")
				}
			}
			if len(seen) != tc.want {
				t.Errorf("got %d items over all pages, want %d", len(seen), tc.want)
			}
			// Past the end: an empty page, not an error.
			p := getPage(t, srv.URL+tc.path+"?page=99", tc.kind)
			if !p.Empty || p.Size != 0 || !p.LastPage {
				t.Errorf("page 99: %+v", p)
			}
		})
	}
}

func TestHSDSSingleObjects(t *testing.T) {
	srv, sites := newHSDSServer(t)
	for _, site := range sites[len(sites)-3:] {
		for _, tc := range []struct{ path, kind string }{
			{"/hsds/services/" + hsds.SiteObjectID(site.ID, hsds.KindService), "service"},
			{"/hsds/service_at_locations/" + hsds.SiteObjectID(site.ID, hsds.KindServiceAtLocation), "service_at_location"},
			{"/hsds/organizations/" + hsds.OrganizationID(site.OrganizationID), "organization"},
			{"/hsds/taxonomy_terms/" + hsds.Term(site.Categories[0]).ID, "taxonomy_term"},
			{"/hsds/taxonomies/" + hsds.AidmapTaxonomy().ID, "taxonomy"},
		} {
			resp, body := get(t, srv.URL+tc.path)
			if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Fatalf("%s: got %d %s", tc.path, resp.StatusCode, body)
			}
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				t.Fatal(err)
			}
			checkHSDS(t, tc.path, tc.kind, v)
			if site.Confidential {
				checkNoSecrets(t, string(body), false)
			}
		}
	}
	// A full service has its nested objects.
	_, body := get(t, srv.URL+"/hsds/services/"+hsds.SiteObjectID(testPublisher().PublicID(aidmap.SiteID("demo", "secret-shelter"), true), hsds.KindService))
	if strings.Contains(string(body), `"addresses"`) || strings.Contains(string(body), "Vancouver") {
		t.Errorf("a confidential service has an address: %s", body)
	}
	for _, want := range []string{`"phones"`, `"schedules"`, `"byday":"MO"`, `"opens_at":"20:00"`, `"closes_at":"08:00"`, `"valid_from":"2026-12-25"`, `"attributes"`, `"taxonomy_term"`, `"service_at_locations"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("service lacks %s: %s", want, body)
		}
	}
	checkNoSecrets(t, string(body), true)
}

func TestHSDSNotFound(t *testing.T) {
	srv, sites := newHSDSServer(t)
	// A site's ID is not its service's ID; nor is one kind's ID another's.
	for _, path := range []string{
		"/hsds/services/" + sites[0].ID,
		"/hsds/services/" + hsds.SiteObjectID(sites[0].ID, hsds.KindServiceAtLocation),
		"/hsds/services/not-a-uuid",
		"/hsds/service_at_locations/" + hsds.SiteObjectID(sites[0].ID, hsds.KindService),
		"/hsds/organizations/" + hsds.OrganizationID("nobody"),
		"/hsds/taxonomy_terms/" + hsds.KeyID(hsds.KindTerm, "nothing"),
		"/hsds/taxonomies/x",
		"/hsds/nothing",
	} {
		resp, body := get(t, srv.URL+path)
		if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: got %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	for _, q := range []string{"page=0", "per_page=5000", "per_page=x", "format=xml", "modified_after=yesterday",
		"organization_id=x", "taxonomy_term_id=x", "lat=91&lon=0", "lat=49&lon=-123&radius_m=0"} {
		resp, body := get(t, srv.URL+"/hsds/services?"+q)
		if resp.StatusCode != 400 {
			t.Errorf("%s: got %d %s", q, resp.StatusCode, body)
		}
	}
}

func TestHSDSInfo(t *testing.T) {
	srv, _ := newHSDSServer(t)
	for _, path := range []string{"/hsds/", "/hsds"} {
		resp, body := get(t, srv.URL+path)
		var info struct {
			Version    string `json:"version"`
			Profile    string `json:"profile"`
			OpenAPIURL string `json:"openapi_url"`
		}
		if err := json.Unmarshal(body, &info); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		if info.Version != "3.0" || !strings.HasSuffix(info.OpenAPIURL, "/api/openapi.json") || !strings.HasPrefix(info.OpenAPIURL, "http") || info.Profile == "" {
			t.Errorf("%s: %+v", path, info)
		}
	}
}

func TestHSDSFilters(t *testing.T) {
	srv, sites := newHSDSServer(t)
	cut := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	newer, shelters := 0, 0
	for _, s := range sites {
		if s.UpdatedAt.After(cut) {
			newer++
		}
		if slices.Contains(s.Categories, aidmap.CategoryShelter) {
			shelters++
		}
	}
	tests := []struct {
		query string
		want  int
	}{
		{"modified_after=2026-01-01", newer},
		{"modified_after=2026-01-01T00:00:00Z", newer},
		{"taxonomy_term_id=" + hsds.Term(aidmap.CategoryShelter).ID, shelters},
		{"organization_id=" + hsds.OrganizationID("demo"), len(sites)},
	}
	for _, tc := range tests {
		if p := getPage(t, srv.URL+"/hsds/services?"+tc.query, "service"); p.TotalItems != tc.want {
			t.Errorf("%s: got %d, want %d", tc.query, p.TotalItems, tc.want)
		}
	}
}

func TestHSDSProximity(t *testing.T) {
	srv, _ := newHSDSServer(t)
	p := getPage(t, srv.URL+"/hsds/service_at_locations?lat=49.26&lon=-123.1&radius_m=3000&per_page=1000", "service_at_location")
	want := len(publicIndex(exportSites(), 1).Within(49.26, -123.1, 3000, geo.Filter{}))
	if p.TotalItems != want || want == 0 {
		t.Fatalf("got %d, want %d", p.TotalItems, want)
	}
	last := -1.0
	for _, c := range p.Contents {
		var o struct {
			DistanceM float64 `json:"distance_m"`
			Location  struct{ Description string }
		}
		_ = json.Unmarshal(c, &o)
		if strings.HasPrefix(o.Location.Description, "Confidential") {
			continue // banded distances are not in order
		}
		if o.DistanceM < last {
			t.Errorf("distance %v after %v", o.DistanceM, last)
		}
		last = o.DistanceM
	}
}

func TestHSDSNDJSON(t *testing.T) {
	srv, sites := newHSDSServer(t)
	resp, body := get(t, srv.URL+"/hsds/services?format=ndjson")
	if resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		var v any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		checkHSDS(t, "ndjson", "service", v)
		n++
	}
	if n != len(sites) {
		t.Errorf("got %d lines, want %d", n, len(sites))
	}
	_, body = get(t, srv.URL+"/hsds/service_at_locations?format=ndjson")
	checkNoSecrets(t, string(body), true)
}

func TestPublicAPICORS(t *testing.T) {
	srv, _ := newHSDSServer(t)
	for _, path := range []string{"/api/v1/info", "/api/v1/sites?bbox=-180,-90,180,90", "/hsds/", "/hsds/services"} {
		resp, _ := get(t, srv.URL+path)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want *", path, got)
		}
	}
}

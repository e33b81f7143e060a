package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/tz"
)

// snapshot is a fixed Source: an index and its organisations, as feed.Follower would hold them.
type snapshot struct {
	ix   *geo.Index
	orgs map[string]aidmap.Organization
}

func (s snapshot) Index() *geo.Index { return s.ix }
func (s snapshot) Organization(id string) (aidmap.Organization, bool) {
	o, ok := s.orgs[id]
	return o, ok
}
func (s snapshot) Demo() bool   { return s.orgs["demo"].Demo }
func (s snapshot) Loaded() bool { return true }

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

func newTestServer(t *testing.T, storeErr error) *httptest.Server {
	t.Helper()
	sites := demo.Sites(200, 7)
	src := snapshot{ix: publicIndex(sites, 9), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{storeErr}, Version: "test"}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestNearestMatchesIndex(t *testing.T) {
	srv := newTestServer(t, nil)
	resp, body := get(t, srv.URL+"/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=25&category=free_meal")
	if resp.StatusCode != 200 {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	var got struct {
		Sites []struct {
			ID        string  `json:"id"`
			DistanceM float64 `json:"distance_m"`
		} `json:"sites"`
		Count int `json:"count"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := publicIndex(demo.Sites(200, 7), 9).Nearest(49.26, -123.1, 25, geo.Filter{Categories: aidmap.NewCategorySet(aidmap.CategoryFreeMeal)})
	if got.Count != len(want) || len(got.Sites) != len(want) {
		t.Fatalf("got %d sites, want %d", len(got.Sites), len(want))
	}
	for i, w := range want {
		if got.Sites[i].ID != w.ID() {
			t.Errorf("site %d: got %s, want %s", i, got.Sites[i].ID, w.ID())
		}
	}
}

func TestReadiness(t *testing.T) {
	for _, tc := range []struct {
		name       string
		storeErr   error
		wantStatus int
		wantState  string
	}{
		{"store up", nil, 200, "ready"},
		{"store down", errors.New("connection refused"), 503, "degraded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, tc.storeErr)
			resp, body := get(t, srv.URL+"/readyz")
			if resp.StatusCode != tc.wantStatus || !strings.Contains(string(body), `"status":"`+tc.wantState+`"`) {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, tc.wantStatus, tc.wantState)
			}
			// Reads keep working from memory whatever the store does.
			if resp, _ := get(t, srv.URL+"/api/v1/sites/nearest?lat=49.26&lon=-123.1"); resp.StatusCode != 200 {
				t.Errorf("nearest with %s: got %d, want 200", tc.name, resp.StatusCode)
			}
		})
	}
}

func TestPageHeaders(t *testing.T) {
	srv := newTestServer(t, nil)
	resp, body := get(t, srv.URL+"/")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "maplibre-gl") {
		t.Fatalf("got %d, want the map page", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q does not keep the page to its own origin", csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("missing nosniff")
	}
	if resp, _ := get(t, srv.URL+"/static/"); resp.StatusCode != 404 {
		t.Errorf("directory listing: got %d, want 404", resp.StatusCode)
	}
}

func BenchmarkNearestHandler(b *testing.B) {
	sites := demo.World(100_000, 1)
	orgs := map[string]aidmap.Organization{"bench": {ID: "bench", Name: "Bench"}}
	h := NewServer(Config{Source: snapshot{ix: publicIndex(sites, 1), orgs: orgs}, Store: pinger{}}).Handler()
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

// TestWriteErrorStatus checks the one place errors become responses: a store that is down
// answers 503 with a problem saying so (writes fail fast while reads go on from memory).
func TestWriteErrorStatus(t *testing.T) {
	srv := NewServer(Config{Source: snapshot{ix: publicIndex(nil, 0)}, Store: pinger{}})
	for _, tc := range []struct {
		name   string
		err    error
		status int
		detail string
	}{
		{"store down", fmt.Errorf("postgis: upsert sites: %w", aidmap.ErrUnavailable), 503, "store is unavailable"},
		{"not found", fmt.Errorf("site x: %w", aidmap.ErrNotFound), 404, "site x"},
		{"forbidden", fmt.Errorf("site of org b: %w", aidmap.ErrForbidden), 403, "org b"},
		{"conflict", fmt.Errorf("upload running: %w", aidmap.ErrConflict), 409, "upload running"},
		{"invalid field", &aidmap.FieldError{Row: 3, Field: "lat", Value: "91", Reason: "must be between -90 and 90"}, 400, "row 3"},
		{"unexpected", errors.New("disk on fire"), 500, "internal error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			srv.writeError(w, httptest.NewRequest("POST", "/api/v1/x", nil), tc.err)
			if w.Code != tc.status || w.Header().Get("Content-Type") != "application/problem+json" || !strings.Contains(w.Body.String(), tc.detail) {
				t.Errorf("got %d %q %s, want %d problem JSON mentioning %q", w.Code, w.Header().Get("Content-Type"), w.Body, tc.status, tc.detail)
			}
		})
	}
}

// publicIndex indexes sites as a follower does: each in its public form (a confidential one
// only as its area), under the demo data's publisher.
func publicIndex(sites []aidmap.Site, version int64) *geo.Index {
	return geo.NewIndex(testPublisher().PublicSites(sites), version)
}

// testPublisher is the demo data's publisher with time zones, as serve's.
func testPublisher() *aidmap.Publisher {
	p := demo.Publisher()
	p.Zone = tz.Find
	return p
}

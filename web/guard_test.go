package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

func TestRepeatedParams(t *testing.T) {
	srv := newTestServer(t, nil)
	for _, tc := range []struct{ path, param string }{
		{"/api/v1/sites/nearest?lat=49.2&lat=10&lon=-123.1", "lat"},
		{"/api/v1/sites?lat=49.2&lon=-123.1&radius_m=100&radius_m=2000", "radius_m"},
		{"/api/v1/sites?bbox=-124,49,-123,50&bbox=0,0,1,1", "bbox"},
		{"/api/v1/sites/nearest?lat=49.2&lon=-123.1&limit=1&limit=1", "limit"},
		{"/api/v1/sites?bbox=-124,49,-123,50&category=food_bank&category=shelter", "category"},
		{"/tiles/sites/1/0/0.mvt?category=food_bank&category=shelter", "category"},
		{"/hsds/services?page=1&page=2", "page"},
		{"/ogc/collections/sites/items?limit=1&limit=2", "limit"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := get(t, srv.URL+tc.path)
			var p problem
			if err := json.Unmarshal(body, &p); err != nil || resp.StatusCode != http.StatusBadRequest ||
				len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != tc.param {
				t.Fatalf("got %d %s, want a 400 problem naming %s", resp.StatusCode, body, tc.param)
			}
			if !strings.Contains(p.Detail, "2 times") {
				t.Errorf("detail %q does not say the parameter is repeated", p.Detail)
			}
		})
	}
	// Once each is fine.
	if resp, body := get(t, srv.URL+"/api/v1/sites/nearest?lat=49.2&lon=-123.1&limit=2"); resp.StatusCode != 200 {
		t.Errorf("single parameters: got %d %s", resp.StatusCode, body)
	}
}

// TestErrorsNameNoDriver checks that what a store driver wraps its errors with never reaches
// a client: only the part the caller can act on.
func TestErrorsNameNoDriver(t *testing.T) {
	srv := NewServer(Config{Source: snapshot{ix: geo.NewIndex(nil, 0)}, Store: pinger{}})
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("sqlite: upload: commit: organization %q: %w", "x", aidmap.ErrNotFound), `organization "x": not found`},
		{fmt.Errorf("postgis: begin upload: organization %q: %w", "x", aidmap.ErrNotFound), `organization "x": not found`},
		{fmt.Errorf("web: edit: sqlite: upload: add: site 0 (A1): %w", aidmap.ErrInvalid), "web: edit: site 0 (A1): invalid"},
		{fmt.Errorf("postgis: upload: commit: %w", fmt.Errorf("the upload would retire 3: %w", aidmap.ErrConflict)), "the upload would retire 3: conflict"},
	} {
		w := httptest.NewRecorder()
		srv.writeError(w, httptest.NewRequest("POST", "/api/v1/x", nil), tc.err)
		var p problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if p.Detail != tc.want {
			t.Errorf("%v: detail %q, want %q", tc.err, p.Detail, tc.want)
		}
		for _, driver := range []string{"sqlite", "postgis"} {
			if strings.Contains(w.Body.String(), driver) {
				t.Errorf("%v: body names the driver: %s", tc.err, w.Body)
			}
		}
	}
}

// TestReplaceGuard checks the retire guard over HTTP: a replace that would retire all or more
// than half of the organisation's sites fails (nothing changes) and says how many, a dry run
// reports the number, and confirm_retire with exactly that number lets it through.
func TestReplaceGuard(t *testing.T) {
	e := newAccountsEnv(t, Uploads{PerTokenPerMinute: -1}, 0)
	var csv strings.Builder
	csv.WriteString("id,name,lat,lon,category\n")
	for i := range 6 {
		fmt.Fprintf(&csv, "S%d,Site %d,49.2%d,-123.1,food bank\n", i, i, i)
	}
	if rec := e.upload("fbs", "fbs", "", []byte(csv.String())); rec.Status != "done" || rec.Created != 6 {
		t.Fatalf("first upload: %+v", rec)
	}
	published := func() int {
		n := 0
		e.st.EachSite(t.Context(), func(s aidmap.Site) error {
			if s.OrganizationID == "fbs" && s.Status != aidmap.StatusRetired {
				n++
			}
			return nil
		})
		return n
	}
	for _, tc := range []struct {
		name string
		body string
		want int
	}{
		{"header only", "id,name,lat,lon,category\n", 6},
		{"hello", "hello", 6},
		{"two of six", "id,name,lat,lon,category\nS0,Site 0,49.20,-123.1,food bank\nS1,Site 1,49.21,-123.1,food bank\n", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.upload("fbs", "fbs", "?mode=replace", []byte(tc.body))
			if rec.Status != "failed" || !strings.Contains(rec.Error, fmt.Sprintf("confirm_retire=%d", tc.want)) {
				t.Fatalf("got %s %q, want failed asking for confirm_retire=%d", rec.Status, rec.Error, tc.want)
			}
			if strings.Contains(rec.Error, "sqlite") {
				t.Errorf("error names the driver: %q", rec.Error)
			}
			if n := published(); n != 6 {
				t.Fatalf("%d sites published after a refused replace, want 6", n)
			}
			dry := e.upload("fbs", "fbs", "?mode=replace&dry_run=true", []byte(tc.body))
			var rep struct {
				Summary struct {
					Retired       int `json:"retired"`
					RetireConfirm int `json:"retire_confirm"`
				} `json:"summary"`
			}
			if err := json.Unmarshal(dry.Report, &rep); err != nil || dry.Status != "done" || rep.Summary.RetireConfirm != tc.want || rep.Summary.Retired != tc.want {
				t.Fatalf("dry run: %s %s, want retire_confirm %d", dry.Status, dry.Report, tc.want)
			}
			wrong := e.upload("fbs", "fbs", fmt.Sprintf("?mode=replace&confirm_retire=%d", tc.want-1), []byte(tc.body))
			if wrong.Status != "failed" || published() != 6 {
				t.Fatalf("wrong confirmation: got %s %q", wrong.Status, wrong.Error)
			}
		})
	}
	rec := e.upload("fbs", "fbs", "?mode=replace&confirm_retire=4", []byte("id,name,lat,lon,category\nS0,Site 0,49.20,-123.1,food bank\nS1,Site 1,49.21,-123.1,food bank\n"))
	if rec.Status != "done" || rec.Retired != 4 || published() != 2 {
		t.Fatalf("confirmed: got %s %+v, %d published; want 4 retired, 2 left", rec.Status, rec.Error, published())
	}
	if resp, body := e.do("POST", "/api/v1/orgs/fbs/uploads?mode=replace&confirm_retire=x", "fbs", "text/csv", []byte("a,b\n")); resp.StatusCode != 400 || !strings.Contains(string(body), "confirm_retire") {
		t.Errorf("confirm_retire=x: got %d %s", resp.StatusCode, body)
	}
}

// TestSeparateMetrics checks that with Config.SeparateMetrics, /metrics is not on the public
// handler but on MetricsHandler, which still counts the public handler's requests.
func TestSeparateMetrics(t *testing.T) {
	src := snapshot{ix: geo.NewIndex(nil, 0)}
	for _, separate := range []bool{false, true} {
		srv := NewServer(Config{Source: src, Store: pinger{}, SeparateMetrics: separate})
		pub := httptest.NewServer(srv.Handler())
		defer pub.Close()
		get(t, pub.URL+"/healthz")
		resp, _ := get(t, pub.URL+"/metrics")
		if want := map[bool]int{false: 200, true: 404}[separate]; resp.StatusCode != want {
			t.Errorf("separate=%v: public /metrics: got %d, want %d", separate, resp.StatusCode, want)
		}
		w := httptest.NewRecorder()
		srv.MetricsHandler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		if w.Code != 200 || !strings.Contains(w.Body.String(), "healthz") {
			t.Errorf("separate=%v: MetricsHandler: got %d, want the public requests counted:\n%.300s", separate, w.Code, w.Body)
		}
	}
}

package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aidmap/aidmap/demo"
)

// TestNearestRareFilterIsExact is the defect of the over-fetching nearest: with 70,000 sites
// around Vancouver and the only three that speak Punjabi and are free in Toronto, 3,400 km
// away, a filtered nearest query from Vancouver must still find those three (it used to read
// the 16,384 nearest sites and give none). A text query that matches nothing reads at most
// query.MaxRead sites and says its answer is not complete.
func TestNearestRareFilterIsExact(t *testing.T) {
	sites := demo.Sites(70_000, 3)
	for i := range sites {
		sites[i].Languages, sites[i].Fees = []string{"en"}, "Free"
	}
	for i := range 3 {
		s := &sites[i*1000]
		s.Lat, s.Lon = 43.65+float64(i)*0.01, -79.38
		s.Languages = []string{"pa-IN", "en"}
		s.Fees, s.Confidential = "free", false
	}
	far := []string{sites[0].ID, sites[1000].ID, sites[2000].ID}
	for i := range sites {
		if sites[i].Fees == "Free" && i%7 == 0 {
			sites[i].Languages = []string{"pa"} // speak Punjabi but are not free
			sites[i].Fees = "$5"
		}
	}
	srv := newSearchServer(t, sites)
	lb := getList(t, srv.URL, "/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=5&lang=pa&free=true")
	got := idsOf(lb.Sites)
	if len(got) != 3 {
		t.Fatalf("got %d sites %v, want the 3 in Toronto %v", len(got), got, far)
	}
	for _, id := range far {
		if !strings.Contains(strings.Join(got, " "), id) {
			t.Errorf("missing %s: got %v", id, got)
		}
	}

	_, body := get(t, srv.URL+"/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=5&q=zzzzqqq")
	var out struct {
		Count    int
		Complete *bool
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if out.Count != 0 || out.Complete == nil || *out.Complete {
		t.Errorf("a text query matching nothing in %d sites: %s; want no sites and \"complete\":false", len(sites), body)
	}
	_, body = get(t, srv.URL+"/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=5&q=food")
	if strings.Contains(string(body), `"complete"`) {
		t.Errorf("a text query answered early says it is incomplete: %s", body[:min(len(body), 200)])
	}
}

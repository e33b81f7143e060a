package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/feed"
	"github.com/aidmap/aidmap/store"
)

type placeJSON struct {
	ID        string `json:"id"`
	Providers int    `json:"providers"`
	Sites     []struct {
		ID             string   `json:"id"`
		OrganizationID string   `json:"organization_id"`
		Name           string   `json:"name"`
		Lat            *float64 `json:"lat"`
		Approximate    bool     `json:"approximate"`
	} `json:"sites"`
}

// placesEnv is a server over a real SQLite store and a real feed.Follower, organisations fbs
// and other uploading over HTTP.
type placesEnv struct {
	*accountsEnv
	f *feed.Follower
}

func newPlacesEnv(t *testing.T) *placesEnv {
	e := &placesEnv{accountsEnv: newAccountsEnv(t, Uploads{}, 0)}
	e.f = feed.New(e.st, testPublisher(), nil, time.Hour)
	e.server = NewServer(Config{Source: e.f, Store: e.st, Version: "test", Uploads: Uploads{Store: e.st, Now: func() time.Time { return testNow }}})
	if err := e.f.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.srv.Close()
	e.srv = httptest.NewServer(e.server.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// uploadFile uploads a fixture as the organisation's whole list and follows the feed.
func (e *placesEnv) uploadFile(org, name string, edit func(string) string) {
	e.t.Helper()
	b, err := os.ReadFile("testdata/places/" + name)
	if err != nil {
		e.t.Fatal(err)
	}
	text := string(b)
	if edit != nil {
		text = edit(text)
	}
	if rec := e.upload(org, org, "?mode=replace", []byte(text)); rec.Status != store.UploadDone || rec.Rejected != 0 {
		e.t.Fatalf("upload %s: %+v %s", name, rec, rec.Report)
	}
	if _, err := e.f.Sync(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *placesEnv) nearest(lat, lon float64) []placeJSON {
	e.t.Helper()
	resp, b := e.do("GET", fmt.Sprintf("/api/v1/places/nearest?lat=%v&lon=%v&limit=20", lat, lon), "", "", nil)
	var out struct{ Places []placeJSON }
	if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
		e.t.Fatalf("places/nearest: %d %s", resp.StatusCode, b)
	}
	return out.Places
}

// placeOf returns the place holding the site, from a nearest list around it.
func (e *placesEnv) placeOf(org, ext string, lat, lon float64) placeJSON {
	e.t.Helper()
	id := aidmap.SiteID(org, ext)
	for _, p := range e.nearest(lat, lon) {
		for _, s := range p.Sites {
			if s.ID == id {
				return p
			}
		}
	}
	e.t.Fatalf("site %s/%s in no place near %v,%v", org, ext, lat, lon)
	return placeJSON{}
}

func siteIDs(p placeJSON) []string {
	var out []string
	for _, s := range p.Sites {
		out = append(out, s.ID)
	}
	slices.Sort(out)
	return out
}

// TestPlacesTwoProviders: two organisations upload overlapping lists (typos, pins moved
// ~15 m, phones written otherwise); the place view shows one place with both providers, the
// site view is unchanged; a split survives a re-upload of either file; a confidential site
// is never linked, not even to a record 8 m away with its phone.
func TestPlacesTwoProviders(t *testing.T) {
	e := newPlacesEnv(t)
	e.uploadFile("fbs", "provider_a.csv", nil)
	e.uploadFile("other", "provider_b.csv", nil)
	a1, b1 := aidmap.SiteID("fbs", "A1"), aidmap.SiteID("other", "B1")
	a2 := aidmap.SiteID("fbs", "A2")

	p := e.placeOf("fbs", "A1", 43.6403, -79.436)
	if got, want := siteIDs(p), slices.Sorted(slices.Values([]string{a1, b1})); !slices.Equal(got, want) || p.Providers != 2 {
		t.Fatalf("Parkdale place: sites %v providers %d, want %v and 2", got, p.Providers, want)
	}
	if p2 := e.placeOf("other", "B2", 43.75, -79.27); len(p2.Sites) != 2 || !slices.Contains(siteIDs(p2), a2) {
		t.Errorf("Scarborough place: %+v, want A2 and B2", p2)
	}
	// One entry per place in a list: Parkdale appears once.
	var n int
	for _, q := range e.nearest(43.6403, -79.436) {
		if slices.Contains(siteIDs(q), a1) || slices.Contains(siteIDs(q), b1) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("Parkdale listed %d times, want once", n)
	}
	// By ID: the place's ID or any of its sites'.
	for _, id := range []string{p.ID, a1, b1} {
		resp, b := e.do("GET", "/api/v1/places/"+id, "", "", nil)
		var got placeJSON
		if resp.StatusCode != 200 || json.Unmarshal(b, &got) != nil || got.ID != p.ID || len(got.Sites) != 2 {
			t.Errorf("GET places/%s: %d %s", id, resp.StatusCode, b)
		}
	}
	if resp, _ := e.do("GET", "/api/v1/places/nope", "", "", nil); resp.StatusCode != 404 {
		t.Errorf("GET places/nope: %d, want 404", resp.StatusCode)
	}
	// The site view is unchanged: one site.
	if resp, b := e.do("GET", "/api/v1/sites/"+a1, "", "", nil); resp.StatusCode != 200 || strings.Contains(string(b), b1) {
		t.Errorf("GET sites/A1: %d %s", resp.StatusCode, b)
	}

	// The confidential shelter (fbs A4) is alone, and B3 8 m away with its phone too.
	b3 := e.placeOf("other", "B3", 43.66507, -79.34)
	if len(b3.Sites) != 1 {
		t.Errorf("B3's place holds %d sites, want 1 (the confidential A4 never linked): %+v", len(b3.Sites), b3)
	}
	for _, q := range e.nearest(43.665, -79.34) {
		for _, s := range q.Sites {
			if s.OrganizationID == "fbs" && strings.Contains(s.Name, "Riverdale") && len(q.Sites) != 1 {
				t.Errorf("the confidential site is in a place of %d sites", len(q.Sites))
			}
		}
	}

	// Stewards see the link; the other organisation's steward splits it.
	review := func(org string) []placePair {
		resp, b := e.do("GET", "/api/v1/orgs/"+org+"/places/review", org, "", nil)
		var out struct{ Pairs []placePair }
		if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
			t.Fatalf("review %s: %d %s", org, resp.StatusCode, b)
		}
		return out.Pairs
	}
	find := func(pairs []placePair, x, y string) (placePair, bool) {
		for _, p := range pairs {
			if (p.A.ID == x && p.B.ID == y) || (p.A.ID == y && p.B.ID == x) {
				return p, true
			}
		}
		return placePair{}, false
	}
	if p, ok := find(review("fbs"), a1, b1); !ok || !p.Linked {
		t.Fatalf("fbs's review lacks the linked Parkdale pair: %+v", review("fbs"))
	}
	for _, p := range review("other") {
		if p.A.OrganizationID == "fbs" && strings.Contains(p.A.Name, "Riverdale") || p.B.OrganizationID == "fbs" && strings.Contains(p.B.Name, "Riverdale") {
			t.Errorf("the confidential site is in a review pair: %+v", p)
		}
	}
	decide := func(org, x, y, decision string) int {
		body := fmt.Sprintf(`{"a":%q,"b":%q,"decision":%q}`, x, y, decision)
		resp, _ := e.do("POST", "/api/v1/orgs/"+org+"/places/links", org, "application/json", []byte(body))
		return resp.StatusCode
	}
	// Two sites of one organisation are not a link between providers (owning neither is
	// 403: the store's conformance test PlaceDecisions).
	if code := decide("other", a2, aidmap.SiteID("fbs", "A3"), "split"); code != 400 {
		t.Errorf("other splitting two fbs sites: %d, want 400", code)
	}
	if code := decide("other", a1, b1, "merge"); code != 400 {
		t.Errorf("an unknown decision: %d, want 400", code)
	}
	if code := decide("other", b1, a1, "split"); code != 200 {
		t.Fatalf("split: %d", code)
	}
	apart := func(when string) {
		t.Helper()
		if p := e.placeOf("fbs", "A1", 43.6403, -79.436); len(p.Sites) != 1 {
			t.Errorf("%s: Parkdale is one place again: %v", when, siteIDs(p))
		}
		if p, ok := find(review("other"), a1, b1); !ok || p.Linked || p.Decision != "split" {
			t.Errorf("%s: review pair %+v, want split and not linked", when, p)
		}
	}
	apart("after the split")
	e.uploadFile("fbs", "provider_a.csv", func(s string) string { return strings.Replace(s, "Weekly Groceries", "Groceries Weekly", 1) })
	apart("after fbs re-uploads")
	e.uploadFile("other", "provider_b.csv", func(s string) string { return strings.Replace(s, "+1 416 555 0101", "416-555-0101", 1) })
	apart("after other re-uploads")
	// A reload of the whole index (the feed's hourly one) keeps the places (place.Graph.Diff).
	if err := e.f.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	apart("after a reload")
	if p := e.placeOf("other", "B2", 43.75, -79.27); len(p.Sites) != 2 {
		t.Errorf("after a reload, Scarborough: %v", siteIDs(p))
	}

	// A confirmation joins what the matcher left apart; each steward decides only on links of
	// their own sites.
	a5, b4 := aidmap.SiteID("fbs", "A5"), aidmap.SiteID("other", "B4")
	if code := decide("fbs", a5, b4, "confirmed"); code != 200 {
		t.Fatalf("confirm: %d", code)
	}
	if p := e.placeOf("fbs", "A5", 43.657, -79.402); !slices.Contains(siteIDs(p), b4) {
		t.Errorf("confirmed A5 and B4 are not one place: %v", siteIDs(p))
	}
	if code := decide("fbs", a1, "no-such-site", "split"); code != 404 {
		t.Errorf("a missing site: %d, want 404", code)
	}

	// Withdrawn, the split and the confirmation leave the matcher alone to decide: Parkdale
	// is one place again, A5 and B4 two.
	if code := decide("fbs", a1, b1, "withdrawn"); code != 200 {
		t.Fatalf("withdraw the split: %d", code)
	}
	if code := decide("fbs", a1, b1, "withdrawn"); code != 404 {
		t.Errorf("withdraw it again: %d, want 404", code)
	}
	if code := decide("fbs", b4, a5, "withdrawn"); code != 200 {
		t.Fatalf("withdraw the confirmation: %d", code)
	}
	if p := e.placeOf("fbs", "A1", 43.6403, -79.436); len(p.Sites) != 2 {
		t.Errorf("after the split is withdrawn, Parkdale: %v, want both providers", siteIDs(p))
	}
	if p := e.placeOf("fbs", "A5", 43.657, -79.402); slices.Contains(siteIDs(p), b4) {
		t.Errorf("after the confirmation is withdrawn, A5 and B4 are one place: %v", siteIDs(p))
	}
	if p, ok := find(review("other"), a1, b1); !ok || p.Decision != "" {
		t.Errorf("review pair after the withdrawal: %+v, want no decision", p)
	}
}

// TestPlacesReplicas: a decision taken through one replica reaches another's place view
// (sharing the store) once it reads the decisions again, with no site changing.
func TestPlacesReplicas(t *testing.T) {
	e := newPlacesEnv(t)
	e.uploadFile("fbs", "provider_a.csv", nil)
	e.uploadFile("other", "provider_b.csv", nil)
	f2 := feed.New(e.st, testPublisher(), nil, time.Hour)
	if err := f2.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	replica := NewServer(Config{Source: f2, Store: e.st, Version: "test", Uploads: Uploads{Store: e.st, Now: func() time.Time { return testNow }}})
	replica.places.ttl = 0 // read the decisions at every request
	a1, b1 := aidmap.SiteID("fbs", "A1"), aidmap.SiteID("other", "B1")
	sites := func() int {
		sn, err := replica.places.current(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return len(sn.places.Members(sn.places.Of(a1)))
	}
	if n := sites(); n != 2 {
		t.Fatalf("the replica's Parkdale place holds %d sites, want 2", n)
	}
	body := fmt.Sprintf(`{"a":%q,"b":%q,"decision":"split"}`, a1, b1)
	if resp, b := e.do("POST", "/api/v1/orgs/other/places/links", "other", "application/json", []byte(body)); resp.StatusCode != 200 {
		t.Fatalf("split: %d %s", resp.StatusCode, b)
	}
	if n := sites(); n != 1 {
		t.Errorf("the replica's Parkdale place holds %d sites after the split elsewhere, want 1", n)
	}
}

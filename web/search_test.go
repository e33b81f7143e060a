package web

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/geocode/addr"
	"github.com/aidmap/aidmap/query"
)

// searchSites are demo sites with the fields the filters read varied deterministically.
func searchSites() []aidmap.Site {
	sites := demo.Sites(300, 11)
	for i := range sites {
		s := &sites[i]
		switch i % 5 {
		case 0:
			s.Hours = aidmap.Hours{} // unknown
		case 1:
			s.Hours = aidmap.Hours{Timezone: "America/Vancouver", Weekly: everyDay(20*60, 8*60)} // overnight
		case 2:
			s.Hours = aidmap.Hours{Timezone: "America/Vancouver", Weekly: everyDay(0, 0)} // 24/7
		case 3:
			s.Hours = aidmap.Hours{Timezone: "America/Vancouver", Exceptions: []aidmap.Exception{{Date: "2026-12-24", Closed: true}}} // known, never open
		}
		switch i % 4 {
		case 0:
			s.Languages = []string{"en", "fr-CA"}
		case 1:
			s.Languages = []string{"es"}
		case 2:
			s.Languages = nil
		}
		if i%7 == 0 {
			s.Name = "Soupe populaire Sainte-Thérèse " + s.Name
		}
	}
	return testPublisher().PublicSites(sites) // as the index holds them
}

func everyDay(open, close int) []aidmap.Period {
	var ps []aidmap.Period
	for d := time.Sunday; d <= time.Saturday; d++ {
		ps = append(ps, aidmap.Period{Day: d, Open: open, Close: close})
	}
	return ps
}

func newSearchServer(t *testing.T, sites []aidmap.Site) *httptest.Server {
	t.Helper()
	src := snapshot{ix: publicIndex(sites, 1), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}, Version: "test"}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

type listSite struct {
	ID        string  `json:"id"`
	DistanceM float64 `json:"distance_m"`
	OpenNow   *bool   `json:"open_now"`
	ClosesAt  string  `json:"closes_at"`
	OpensAt   string  `json:"opens_at"`
}

type listBody struct {
	Sites []listSite `json:"sites"`
	Count int        `json:"count"`
	Next  string     `json:"next"`
}

func getList(t *testing.T, base, path string) listBody {
	t.Helper()
	resp, body := get(t, base+path)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: got %d %s", path, resp.StatusCode, body)
	}
	var lb listBody
	if err := json.Unmarshal(body, &lb); err != nil {
		t.Fatal(err)
	}
	return lb
}

// allPages follows next links and returns every site ID in order.
func allPages(t *testing.T, base, path string) []string {
	t.Helper()
	var ids []string
	for range 1000 {
		lb := getList(t, base, path)
		for _, s := range lb.Sites {
			ids = append(ids, s.ID)
		}
		if lb.Next == "" {
			return ids
		}
		path = lb.Next
	}
	t.Fatal("more than 1000 pages")
	return nil
}

// bruteMatch is the reference answer: every site passing the query, by a linear scan, in
// (relevance, distance, ID) order for point queries and ID order for boxes.
func bruteMatch(t *testing.T, sites []aidmap.Site, rawQuery string, lat, lon, radius float64, bbox *geo.BBox, k int) []string {
	t.Helper()
	q, _ := url.ParseQuery(rawQuery)
	sq, err := parseSiteQuery(q, time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseFilter(q)
	if err != nil {
		t.Fatal(err)
	}
	m := sq.Matcher()
	// Distances as the index measures them (geometry is geo's to test; this checks filtering
	// and ordering), so that sites at one address tie exactly as they do in the index.
	dist := map[string]float64{}
	for _, h := range publicIndex(sites, 1).Nearest(lat, lon, len(sites), geo.Filter{}) {
		dist[h.ID()] = h.DistanceM
	}
	type res struct {
		id  string
		key float64
	}
	var rs []res
	for i := range sites {
		s := &sites[i]
		if f.Categories != 0 && f.Categories&s.CategorySet() == 0 {
			continue
		}
		score, ok := m.Match(s)
		if !ok {
			continue
		}
		d := dist[s.ID]
		switch {
		case bbox != nil:
			if s.Lon < bbox.MinLon || s.Lon > bbox.MaxLon || s.Lat < bbox.MinLat || s.Lat > bbox.MaxLat {
				continue
			}
			d = 0
			score = 0
		case radius > 0 && d > radius:
			continue
		}
		rs = append(rs, res{s.ID, d - float64(score)*query.RankScale})
	}
	if k > 0 {
		// The k nearest matches, then ranked.
		slices.SortFunc(rs, func(a, b res) int {
			da, db := dist[a.id], dist[b.id]
			if da != db {
				return cmpF(da, db)
			}
			return strings.Compare(a.id, b.id)
		})
		rs = rs[:min(k, len(rs))]
	}
	slices.SortFunc(rs, func(a, b res) int {
		if a.key != b.key {
			return cmpF(a.key, b.key)
		}
		return strings.Compare(a.id, b.id)
	})
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.id
	}
	return ids
}

func cmpF(a, b float64) int {
	if a < b {
		return -1
	}
	return 1
}

func siteByID(sites []aidmap.Site, id string) *aidmap.Site {
	for i := range sites {
		if sites[i].ID == id {
			return &sites[i]
		}
	}
	return nil
}

func TestListFiltersMatchBruteForce(t *testing.T) {
	sites := searchSites()
	srv := newSearchServer(t, sites)
	const lat, lon = 49.26, -123.1
	bbox := geo.BBox{MinLon: -123.2, MinLat: 49.2, MaxLon: -123.0, MaxLat: 49.3}
	for _, filter := range []string{
		"open_at=2026-12-24T18:00",
		"open_at=2026-12-24T09:00",
		"open_at=2026-12-25T02:00:00Z",
		"lang=fr,es",
		"lang=FR",
		"free=true",
		"wheelchair=true",
		"status=temporarily_closed",
		"status=active,closed",
		"updated_since=2026-06-01",
		"verified_since=2026-01-01T00:00:00Z",
		"q=soupe",
		"q=sainte+therese",
		"q=soupr",              // one typo
		"q=food+bank",          // category label
		"q=banque+alimentaire", // French category words
		"q=vancouver",
		"q=zzzz",
		"lang=en&free=true&open_at=2026-12-24T18:00",
		"q=soupe&category=free_meal,food_bank&wheelchair=true",
	} {
		t.Run(filter, func(t *testing.T) {
			for _, k := range []int{1, 7, 40} {
				path := fmt.Sprintf("/api/v1/sites/nearest?lat=%v&lon=%v&limit=%d&%s", lat, lon, k, filter)
				lb := getList(t, srv.URL, path)
				want := bruteMatch(t, sites, filter, lat, lon, 0, nil, k)
				if got := idsOf(lb.Sites); !slices.Equal(got, want) {
					t.Errorf("nearest k=%d: got %d, want %d; first difference %s", k, len(got), len(want), firstDiff(got, want))
				}
			}
			path := fmt.Sprintf("/api/v1/sites?lat=%v&lon=%v&radius_m=6000&limit=9&%s", lat, lon, filter)
			if got, want := allPages(t, srv.URL, path), bruteMatch(t, sites, filter, lat, lon, 6000, nil, 0); !slices.Equal(got, want) {
				t.Errorf("radius pages: got %d, want %d; first difference %s", len(got), len(want), firstDiff(got, want))
			}
			path = fmt.Sprintf("/api/v1/sites?bbox=%v,%v,%v,%v&limit=8&%s", bbox.MinLon, bbox.MinLat, bbox.MaxLon, bbox.MaxLat, filter)
			if got, want := allPages(t, srv.URL, path), bruteMatch(t, sites, filter, 0, 0, 0, &bbox, 0); !slices.Equal(got, want) {
				t.Errorf("bbox pages: got %d, want %d; first difference %s", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func idsOf(ss []listSite) []string {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return ids
}

// TestOpenStateFields checks open_now, closes_at and opens_at for each kind of hours, at a
// fixed open_at so the test does not depend on the clock.
func TestOpenStateFields(t *testing.T) {
	sites := searchSites()
	srv := newSearchServer(t, sites)
	// Every site, through the filtered path (a status filter every site passes); the states
	// checked below do not depend on the time.
	lb := getList(t, srv.URL, "/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=1000&status=active,temporarily_closed,closed&open_now=false")
	if len(lb.Sites) != len(sites) {
		t.Fatalf("got %d sites, want %d", len(lb.Sites), len(sites))
	}
	for _, got := range lb.Sites {
		s := siteByID(sites, got.ID)
		i := slices.IndexFunc(sites, func(x aidmap.Site) bool { return x.ID == got.ID })
		switch i % 5 {
		case 0:
			if got.OpenNow != nil || got.ClosesAt != "" || got.OpensAt != "" {
				t.Errorf("%s unknown hours: got open_now=%v closes_at=%q opens_at=%q, want none", s.ID, got.OpenNow, got.ClosesAt, got.OpensAt)
			}
		case 2:
			if got.OpenNow == nil || !*got.OpenNow || got.ClosesAt != "" {
				t.Errorf("%s 24/7: got open_now=%v closes_at=%q, want true and no closes_at", s.ID, got.OpenNow, got.ClosesAt)
			}
		case 3:
			if got.OpenNow == nil || *got.OpenNow || got.OpensAt != "" {
				t.Errorf("%s never open: got open_now=%v opens_at=%q, want false and no opens_at", s.ID, got.OpenNow, got.OpensAt)
			}
		}
	}
	// At a fixed local time, the overnight shelters are open until 08:00 the next morning.
	lb = getList(t, srv.URL, "/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=1000&open_at=2026-12-24T21:30")
	n := 0
	for _, got := range lb.Sites {
		i := slices.IndexFunc(sites, func(x aidmap.Site) bool { return x.ID == got.ID })
		if i%5 != 1 {
			continue
		}
		n++
		if got.OpenNow == nil || !*got.OpenNow || got.ClosesAt != "2026-12-25T08:00:00-08:00" {
			t.Errorf("%s overnight at 21:30: got open_now=%v closes_at=%q, want true, 2026-12-25T08:00:00-08:00", got.ID, got.OpenNow, got.ClosesAt)
		}
	}
	if n == 0 {
		t.Error("no overnight site in the results")
	}
	lb = getList(t, srv.URL, "/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=1000&open_at=2026-12-24T10:00&q=soupe")
	for _, got := range lb.Sites {
		if got.OpenNow == nil || !*got.OpenNow {
			t.Errorf("%s: open_at filter returned a site not open", got.ID)
		}
	}
}

func TestSiteQueryParams(t *testing.T) {
	for _, tc := range []struct {
		query   string
		wantErr string // a parameter name, or "" for valid
	}{
		{"open_now=true", ""},
		{"open_now=yes", "open_now"},
		{"open_at=2026-12-24T18:00", ""},
		{"open_at=2026-12-24T18:00:00-05:00", ""},
		{"open_at=2026-12-24", "open_at"},
		{"open_at=2026-12-24T18:00&open_now=true", "open_at"},
		{"lang=fr,es", ""},
		{"free=true", ""},
		{"free=maybe", "free"},
		{"wheelchair=1", ""},
		{"status=active,closed", ""},
		{"status=retired", "status"},
		{"status=open", "status"},
		{"updated_since=2026-01-01", ""},
		{"updated_since=yesterday", "updated_since"},
		{"verified_since=2026-01-01T00:00:00Z", ""},
		{"q=" + strings.Repeat("a ", 9), "q"},
		{"q=" + strings.Repeat("x", 201), "q"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tc.query)
			_, err := parseSiteQuery(q, time.Time{})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("got %v, want an error about %s", err, tc.wantErr)
			}
		})
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d: got %s, want %s", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("at %d (one list ends)", min(len(got), len(want)))
}

// FuzzParseSiteQuery checks that no query string makes the filters panic, and that whatever
// parses can be evaluated against a site.
func FuzzParseSiteQuery(f *testing.F) {
	for _, seed := range []string{
		"q=soupe+populaire&lang=fr,es&free=true",
		"open_at=2026-12-24T18:00&wheelchair=1",
		"open_now=true&status=active,closed&updated_since=2026-01-01",
		"q=%C3%A9glise&verified_since=2026-01-01T00:00:00Z",
		"q=l%27%C3%89glise+d%27Youville",
	} {
		f.Add(seed)
	}
	site := searchSites()[1]
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		sq, err := parseSiteQuery(q, time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC))
		if err != nil {
			return
		}
		if n := len(strings.Fields(addr.Fold(sq.Text))); n > query.MaxTextWords {
			t.Fatalf("got %d words, more than %d", n, query.MaxTextWords)
		}
		sq.Matcher().Match(&site)
	})
}

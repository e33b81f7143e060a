package query

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
)

// testSites are demo sites, in their public form as the index holds them, with the fields the
// filters read varied deterministically.
func testSites(n int) []aidmap.Site {
	sites := demo.Sites(n, 11)
	for i := range sites {
		s := &sites[i]
		switch i % 5 {
		case 0:
			s.Hours = aidmap.Hours{} // unknown
		case 1:
			s.Hours = aidmap.Hours{Timezone: "America/Vancouver", Weekly: everyDay(20*60, 8*60)} // overnight
		case 2:
			s.Hours = aidmap.Hours{Timezone: "America/Vancouver", Weekly: everyDay(0, 0)} // 24/7
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
		if i%6 == 0 {
			s.OrganizationID = "other-org"
		}
		if i%11 == 0 {
			s.VerifiedAt = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		}
	}
	return demo.Publisher().PublicSites(sites)
}

func everyDay(open, close int) []aidmap.Period {
	var ps []aidmap.Period
	for d := time.Sunday; d <= time.Saturday; d++ {
		ps = append(ps, aidmap.Period{Day: d, Open: open, Close: close})
	}
	return ps
}

// testFilters are filter combinations, each alone and together, over testSites.
func testFilters() map[string]Query {
	christmasEve := OpenAt{Time: time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC), Local: true}
	return map[string]Query{
		"none":           {},
		"text of spaces": {Text: "  "}, // filters nothing
		"category":       {Categories: aidmap.NewCategorySet(aidmap.CategoryFoodBank, aidmap.CategoryShelter)},
		"open local":     {Open: true, When: christmasEve},
		"open instant":   {Open: true, When: OpenAt{Time: time.Date(2026, 12, 25, 2, 0, 0, 0, time.UTC)}},
		"languages":      {Languages: []string{"fr", "ES"}},
		"free":           {Free: true},
		"wheelchair":     {Wheelchair: true},
		"status":         {Statuses: []aidmap.Status{aidmap.StatusTemporarilyClosed}},
		"updated span":   {UpdatedSince: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), UpdatedUntil: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)},
		"verified since": {VerifiedSince: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		"organization":   {Organization: "other-org"},
		"text":           {Text: "soupe"},
		"text typo":      {Text: "soupr therese"},
		"text category":  {Text: "banque alimentaire"},
		"text nothing":   {Text: "zzzz"},
		"combined":       {Languages: []string{"en"}, Free: true, Open: true, When: christmasEve},
		"text and more":  {Text: "soupe", Categories: aidmap.NewCategorySet(aidmap.CategoryFreeMeal, aidmap.CategoryFoodBank), Wheelchair: true},
	}
}

// brute is the reference answer: every site passing q, by a linear scan, with its rank key,
// in (key, ID) order. dist gives each site's distance as the index measures it (geometry is
// geo's to test; this checks filtering and ordering), in is whether it is in the area asked.
func brute(t *testing.T, sites []aidmap.Site, q *Query, dist func(id string) (float64, bool)) []ranked2 {
	t.Helper()
	m := q.Matcher()
	var rs []ranked2
	for i := range sites {
		d, in := dist(sites[i].ID)
		if !in {
			continue
		}
		if score, ok := m.Match(&sites[i]); ok {
			rs = append(rs, ranked2{sites[i].ID, d, d - float64(score)*RankScale})
		}
	}
	slices.SortFunc(rs, func(a, b ranked2) int { return cmp.Or(cmp.Compare(a.key, b.key), strings.Compare(a.id, b.id)) })
	return rs
}

type ranked2 struct {
	id     string
	d, key float64
}

func ids(hits []geo.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID()
	}
	return out
}

func TestQueriesMatchBruteForce(t *testing.T) {
	sites := testSites(400)
	ix := geo.NewIndex(sites, 1)
	const lat, lon = 49.26, -123.1
	dist := map[string]float64{}
	for _, h := range ix.Nearest(lat, lon, len(sites), geo.Filter{}) {
		dist[h.ID()] = h.DistanceM
	}
	bbox := geo.BBox{MinLon: -123.2, MinLat: 49.2, MaxLon: -123.0, MaxLat: 49.3}
	inBox := map[string]bool{}
	for _, h := range ix.InBBox(bbox, geo.Filter{}) {
		inBox[h.ID()] = true
	}
	for name, filter := range testFilters() {
		t.Run(name, func(t *testing.T) {
			if err := filter.Validate(); err != nil {
				t.Fatal(err)
			}
			all := brute(t, sites, &filter, func(id string) (float64, bool) { return dist[id], true })
			if name != "none" && name != "text of spaces" && name != "text nothing" && (len(all) == 0 || len(all) == len(sites)) {
				t.Fatalf("the filter matches %d of %d sites: the test data do not exercise it", len(all), len(sites))
			}

			for _, k := range []int{1, 7, 40} {
				q := filter
				q.Lat, q.Lon, q.K = lat, lon, k
				// The k nearest matches, then ranked.
				want := slices.Clone(all)
				slices.SortFunc(want, func(a, b ranked2) int { return cmp.Or(cmp.Compare(a.d, b.d), strings.Compare(a.id, b.id)) })
				want = want[:min(k, len(want))]
				slices.SortFunc(want, func(a, b ranked2) int { return cmp.Or(cmp.Compare(a.key, b.key), strings.Compare(a.id, b.id)) })
				res := Nearest(ix, &q)
				if got := ids(res.Hits); !slices.Equal(got, idsOf(want)) || !res.Complete {
					t.Errorf("Nearest k=%d: got %v complete=%v, want %v", k, got, res.Complete, idsOf(want))
				}
				if got, _ := AppendNearest(make([]geo.Hit, 0, 3), ix, &q); !slices.Equal(ids(got), idsOf(want)) {
					t.Errorf("AppendNearest k=%d differs from Nearest", k)
				}
			}

			q := filter
			q.Lat, q.Lon, q.RadiusM = lat, lon, 6000
			var want []string
			for _, r := range all {
				if r.d <= q.RadiusM {
					want = append(want, r.id)
				}
			}
			if got := ids(Radius(ix, &q).Hits); !slices.Equal(got, want) {
				t.Errorf("Radius, every one: got %d, want %d: %s", len(got), len(want), firstDiff(got, want))
			}
			q.K = 9
			if got := pages(t, func(after *Cursor) Result { q.After = after; return Radius(ix, &q) }); !slices.Equal(got, want) {
				t.Errorf("Radius pages: got %d, want %d: %s", len(got), len(want), firstDiff(got, want))
			}

			q = filter
			q.BBox = bbox
			want = want[:0]
			for _, r := range all {
				if inBox[r.id] {
					want = append(want, r.id)
				}
			}
			slices.Sort(want)
			if got := ids(InBox(ix, &q)); !slices.Equal(got, want) {
				t.Errorf("InBox: got %d, want %d: %s", len(got), len(want), firstDiff(got, want))
			}
			var visited []string
			Visit(ix, &q, func(h geo.Hit) { visited = append(visited, h.ID()) })
			if slices.Sort(visited); !slices.Equal(visited, want) {
				t.Errorf("Visit: got %d, want %d: %s", len(visited), len(want), firstDiff(visited, want))
			}
			q.K = 8
			if got := pages(t, func(after *Cursor) Result { q.After = after; return Box(ix, &q) }); !slices.Equal(got, want) {
				t.Errorf("Box pages: got %d, want %d: %s", len(got), len(want), firstDiff(got, want))
			}
			q.After = nil
			for offset := 0; offset <= len(want)+8; offset += 8 {
				res, matched := BoxOffset(ix, &q, offset)
				page := want[min(offset, len(want)):min(offset+8, len(want))]
				if got := ids(res.Hits); matched != len(want) || !slices.Equal(got, page) || (res.Next != nil) != (offset+8 < len(want)) {
					t.Errorf("BoxOffset %d: got %v of %d (next %v), want %v of %d", offset, got, matched, res.Next, page, len(want))
				}
			}
		})
	}
}

// pages follows a listing's cursors to its end.
func pages(t *testing.T, page func(after *Cursor) Result) []string {
	t.Helper()
	var (
		out   []string
		after *Cursor
	)
	for range 1000 {
		res := page(after)
		out = append(out, ids(res.Hits)...)
		if res.Next == nil {
			return out
		}
		after = res.Next
	}
	t.Fatal("more than 1000 pages")
	return nil
}

func idsOf(rs []ranked2) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.id
	}
	return out
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d: got %s, want %s", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("at %d (one list ends)", min(len(got), len(want)))
}

// TestNearestFarAndBounded: a filter the index prunes by finds the only matching sites however
// far away they are; one it checks site by site stops at MaxRead sites read and says so.
func TestNearestFarAndBounded(t *testing.T) {
	sites := demo.Sites(MaxRead+4000, 3)
	for i := range sites {
		sites[i].Languages, sites[i].Confidential = []string{"en"}, false
	}
	var far []string
	for i := range 3 {
		s := &sites[i*1000]
		s.Lat, s.Lon = 43.65+float64(i)*0.01, -79.38 // Toronto, 3,400 km away
		s.Languages = []string{"pa-IN"}
		far = append(far, s.ID)
	}
	ix := geo.NewIndex(sites, 1)
	q := Query{Lat: 49.26, Lon: -123.1, K: 5, Languages: []string{"pa"}}
	res := Nearest(ix, &q)
	if got := ids(res.Hits); len(got) != 3 || !res.Complete {
		t.Fatalf("got %v complete=%v, want the 3 in Toronto %v", got, res.Complete, far)
	}
	q = Query{Lat: 49.26, Lon: -123.1, K: 5, Text: "zzzzqqq"}
	if res := Nearest(ix, &q); len(res.Hits) != 0 || res.Complete {
		t.Errorf("a text query matching nothing in %d sites: got %d sites complete=%v, want none and not complete", len(sites), len(res.Hits), res.Complete)
	}
}

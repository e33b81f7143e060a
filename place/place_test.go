package place

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/aidmap/aidmap"
)

func TestNameTokens(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"The Food Bank, Inc.", []string{"bank", "food"}},
		{"Centre Francophone de Toronto", []string{"francophone", "toronto"}},
		{"Community Center & Society of St. John's", []string{"community", "johns", "st"}},
		{"Société d'Aide à l'Enfance", []string{"aide", "d", "enfance", "l", "societe"}},
		{"  ", nil},
	} {
		if got := NameTokens(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("NameTokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPhoneHost(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+1 (416) 555-0100", "4165550100"},
		{"416.555.0100", "4165550100"},
		{"555-01", ""},
		{"", ""},
	} {
		if got := Phone(tc.in); got != tc.want {
			t.Errorf("Phone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"https://www.Example.org/about?x=1", "example.org"},
		{"example.org:8080", "example.org"},
		{"http://food.example.org", "food.example.org"},
	} {
		if got := Host(tc.in); got != tc.want {
			t.Errorf("Host(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestScore(t *testing.T) {
	site := func(name, phone, web string, cats ...aidmap.Category) aidmap.Site {
		return aidmap.Site{Name: name, Phone: phone, Website: web, Categories: cats}
	}
	for _, tc := range []struct {
		name   string
		a, b   aidmap.Site
		lo, hi float64
	}{
		{"same name", site("Daily Bread Food Bank", "", ""), site("daily bread food bank", "", ""), 1, 1},
		{"stop words", site("The Daily Bread Food Bank Inc.", "", ""), site("Daily Bread Food Bank", "", ""), 1, 1},
		{"one typo", site("Daily Bread Food Bank", "", ""), site("Daily Braed Food Bank", "", ""), 1, 1},
		{"country code", site("Food Bank", "555-0154", ""), site("Food Bank", "+20 555 0154", ""), 1, 1},
		{"phone formats", site("Parkdale Legal Clinic", "416-555-0100", ""), site("Parkdale Community Legal Clinic", "+1 416 555 0100", ""), 0.75, 1},
		{"different", site("Daily Bread Food Bank", "", ""), site("Parkdale Legal Clinic", "", ""), 0, 0.01},
		{"shared switchboard", site("Daily Bread Food Bank", "4165550100", "a.org"), site("Parkdale Legal Clinic", "4165550100", "a.org"), 0.3, 0.6},
		{"phone differs", site("Food Bank", "4165550100", ""), site("Food Bank", "4165550199", ""), 0.65, 0.75},
		{"categories", site("Food Bank", "", "", "food"), site("Food Bank", "", "", "food", "shelter"), 0.9, 0.99},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s := Score(tc.a, tc.b); s < tc.lo || s > tc.hi {
				t.Errorf("Score = %.3f, want in [%.2f, %.2f]", s, tc.lo, tc.hi)
			}
		})
	}
}

func TestOneEdit(t *testing.T) {
	for _, tc := range []struct {
		x, y string
		want bool
	}{
		{"bread", "bread", true}, {"bread", "braed", true}, {"bread", "brad", true},
		{"bread", "breads", true}, {"bread", "broad", true}, {"bread", "brood", false},
		{"bread", "dread", true}, {"bread", "breadxx", false},
	} {
		if got, rev := oneEdit(tc.x, tc.y), oneEdit(tc.y, tc.x); got != tc.want || rev != tc.want {
			t.Errorf("oneEdit(%q, %q) = %v / %v, want %v", tc.x, tc.y, got, rev, tc.want)
		}
	}
}

var words = []string{"food", "bank", "legal", "clinic", "community", "health", "centre", "the",
	"parkdale", "daily", "bread", "shelter", "youth", "women", "refugee", "services", "braed", "helth"}

// randomSites are sites around a few points, with names drawn from a small vocabulary so
// that many pairs are candidates and some link.
func randomSites(r *rand.Rand, n int) []aidmap.Site {
	out := make([]aidmap.Site, n)
	for i := range out {
		var name string
		for range 1 + r.IntN(3) {
			name += words[r.IntN(len(words))] + " "
		}
		p := r.IntN(5)
		out[i] = aidmap.Site{
			ID: fmt.Sprint("s", i), OrganizationID: fmt.Sprint("o", r.IntN(4)), Name: name,
			Lat: 43.65 + float64(p)*0.01 + r.Float64()*0.0003, Lon: -79.38 + r.Float64()*0.0003,
			Phone:        []string{"", "416-555-0100", "(416) 555 0101"}[r.IntN(3)],
			Confidential: r.IntN(10) == 0,
		}
	}
	return out
}

func TestScoreSymmetric(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := randomSites(r, 300)
	for i := range 2000 {
		a, b := s[r.IntN(len(s))], s[(i*7)%len(s)]
		if x, y := Score(a, b), Score(b, a); x != y {
			t.Fatalf("Score(%q, %q) = %v, reversed %v", a.Name, b.Name, x, y)
		}
	}
}

// placesByID turns a result's places into sorted lists of site IDs, so results of
// shuffled inputs compare.
func placesByID(sites []aidmap.Site, res Result) [][]string {
	var out [][]string
	for _, p := range res.Places {
		var ids []string
		for _, i := range p {
			ids = append(ids, sites[i].ID)
		}
		slices.Sort(ids)
		out = append(out, ids)
	}
	slices.SortFunc(out, func(a, b []string) int { return slices.Compare(a, b) })
	return out
}

func TestMatchProperties(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		sites := randomSites(r, 200)
		res := Match(sites, Options{})
		linked := 0
		for _, p := range append(slices.Clone(res.Links), res.Review...) {
			if p.A == p.B {
				t.Fatalf("seed %d: record %d linked to itself", seed, p.A)
			}
			if sites[p.A].Confidential || sites[p.B].Confidential {
				t.Fatalf("seed %d: confidential site in pair %+v", seed, p)
			}
		}
		for _, p := range res.Places {
			for _, i := range p {
				if sites[i].Confidential && len(p) > 1 {
					t.Fatalf("seed %d: confidential site %d in a place of %d", seed, i, len(p))
				}
			}
			linked += len(p) - 1
		}
		if linked == 0 {
			t.Fatalf("seed %d: nothing linked; the property test tests nothing", seed)
		}
		shuffled := slices.Clone(sites)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if a, b := placesByID(sites, res), placesByID(shuffled, Match(shuffled, Options{})); !slices.EqualFunc(a, b, slices.Equal) {
			t.Fatalf("seed %d: places depend on input order:\n%v\n%v", seed, a, b)
		}
	}
}

func TestConfidentialNeverLinks(t *testing.T) {
	a := aidmap.Site{ID: "a", OrganizationID: "o1", Name: "Women's Shelter", Lat: 43.65, Lon: -79.38, Phone: "4165550100"}
	b := a
	b.ID, b.Confidential = "b", true
	c := b
	c.ID, c.OrganizationID = "c", "o2"
	res := Match([]aidmap.Site{a, b, c}, Options{})
	if len(res.Places) != 3 || len(res.Links) != 0 || len(res.Review) != 0 {
		t.Fatalf("confidential sites linked: %+v", res)
	}
}

func TestSameOrganisationOnePlace(t *testing.T) {
	at := func(id, name string) aidmap.Site {
		return aidmap.Site{ID: id, OrganizationID: "o1", Name: name, Lat: 43.65, Lon: -79.38}
	}
	res := Match([]aidmap.Site{at("a", "Settlement Services"), at("b", "Employment Program"), at("c", "Youth Drop-in")}, Options{})
	if len(res.Places) != 1 {
		t.Fatalf("one organisation's services at one point: %d places, want 1", len(res.Places))
	}
}

func TestNearAndAddress(t *testing.T) {
	a := aidmap.Site{ID: "a", OrganizationID: "o1", Name: "Daily Bread Food Bank", Lat: 43.65, Lon: -79.38,
		Address: aidmap.Address{Street: "191 New Toronto St", PostalCode: "M8V 2E7"}}
	near := a // 25 m north, another provider, a typo
	near.ID, near.OrganizationID, near.Name, near.Lat = "b", "o2", "Daily Braed Food Bank", 43.65+25/111195.0
	far := near // 300 m away but the same address: a bad pin
	far.ID, far.Lat, far.Address.Street = "c", 43.653, "191 NEW TORONTO ST"
	away := near // 600 m, no address
	away.ID, away.Lat, away.Address = "d", 43.656, aidmap.Address{}
	res := Match([]aidmap.Site{a, near, far, away}, Options{})
	want := [][]string{{"a", "b", "c"}, {"d"}}
	if got := placesByID([]aidmap.Site{a, near, far, away}, res); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("places = %v, want %v", got, want)
	}
}

func TestStackedPoint(t *testing.T) {
	names := []string{"Legal Aid", "Food Bank", "Youth Hub", "Seniors Lunch", "Dental Clinic",
		"Tax Help", "Housing Help Desk", "Refugee Settlement", "Daily Bread Food Bank"}
	var sites []aidmap.Site
	for i, n := range names {
		sites = append(sites, aidmap.Site{ID: fmt.Sprint(i), OrganizationID: fmt.Sprint("o", i), Name: n, Lat: 43.7, Lon: -79.4})
	}
	res := Match(sites, Options{})
	for i, ok := range res.Approximate {
		if !ok {
			t.Errorf("record %d at a point of %d unrelated records not approximate", i, len(sites))
		}
	}
	// "Food Bank" and "Daily Bread Food Bank" (name 0.5) would be flagged for review at a
	// building; at a centroid proximity alone says nothing.
	if len(res.Links) != 0 || len(res.Review) != 0 {
		t.Errorf("records at a stacked point paired: %+v %+v", res.Links, res.Review)
	}
	// Seven are not enough: a busy building, not a centroid.
	if res := Match(sites[:7], Options{}); slices.Contains(res.Approximate, true) {
		t.Errorf("7 records marked approximate")
	}
}

func TestMatchFromEqualsFull(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sites := randomSites(r, 400)
	full := Match(sites, Options{})
	m := New(Options{})
	m.Add(sites[:300])
	m.Add(sites[300:])
	inc := m.MatchFrom(300)
	var want []Pair
	for _, p := range full.Links {
		if p.B >= 300 {
			want = append(want, p)
		}
	}
	if !slices.Equal(inc.Links, want) {
		t.Fatalf("incremental links %v, want %v", inc.Links, want)
	}
	// Its places hold every new record and the old ones linked to them, each once.
	seen := map[int]int{}
	for k, p := range inc.Places {
		for _, i := range p {
			if _, dup := seen[i]; dup {
				t.Fatalf("record %d in two places", i)
			}
			seen[i] = k
		}
	}
	for i := 300; i < 400; i++ {
		if _, ok := seen[i]; !ok {
			t.Fatalf("new record %d in no place", i)
		}
	}
	for _, p := range inc.Links {
		if seen[p.A] != seen[p.B] {
			t.Fatalf("linked %d and %d in different places", p.A, p.B)
		}
	}
}

// TestStackedSameStreet: a 211 site's nine programs of one agency at one point, all at the
// site's address, are many services at one address, not a centroid.
func TestStackedSameStreet(t *testing.T) {
	names := []string{"Legal Aid", "Food Bank", "Youth Hub", "Seniors Lunch", "Dental Clinic",
		"Tax Help", "Housing Help Desk", "Refugee Settlement", "Daily Bread Food Bank"}
	var sites []aidmap.Site
	for i, n := range names {
		sites = append(sites, aidmap.Site{ID: fmt.Sprint(i), OrganizationID: "two11", Name: n + " – Riverside Community Services",
			Lat: 43.7, Lon: -79.4, Address: aidmap.Address{Street: "100 Main St", PostalCode: "M1M 1M1"}})
	}
	if res := Match(sites, Options{}); slices.Contains(res.Approximate, true) {
		t.Errorf("records of one address marked approximate: %v", res.Approximate)
	}
	g := NewGraph(Options{})
	g.Update(sites)
	if pl := g.Places(); pl.Approximate("0") || len(pl.Members(pl.Of("0"))) != len(sites) {
		t.Errorf("graph: approximate %v, place of %d sites; want not approximate, one place of %d", pl.Approximate("0"), len(pl.Members(pl.Of("0"))), len(sites))
	}
	// The same records at different streets are a centroid.
	for i := range sites {
		sites[i].Address.Street, sites[i].Name = fmt.Sprintf("%d Other St", i+1), names[i]
	}
	g = NewGraph(Options{})
	g.Update(sites)
	if pl := g.Places(); !pl.Approximate("0") || !pl.Approximate("8") {
		t.Errorf("graph: a point of nine records of nine streets not approximate")
	}
}

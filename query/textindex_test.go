package query

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
)

// rareTextSites are testSites with rare words: every 97th site has "Quillwort" in its name,
// every 89th "Quillworts Depot" in its description, and a few are far away in Toronto.
func rareTextSites(n int) []aidmap.Site {
	sites := testSites(n)
	for i := range sites {
		s := &sites[i]
		if i%97 == 5 {
			s.Name = "Quillwort " + s.Name
		}
		if i%89 == 7 {
			s.Description = "Quillworts Depot, über-café; " + s.Description
		}
		if i%301 == 11 && !s.Confidential {
			s.Lat, s.Lon = 43.65+float64(i)*1e-4, -79.38 // Toronto
		}
	}
	return sites
}

// TestTextIndexWords checks the index against textScore's own rules on every word of its
// vocabulary and on query words around them: a word's postings are exactly the sites that
// have it in a text field, and a query word matches exactly the words wordScore says.
func TestTextIndexWords(t *testing.T) {
	sites := rareTextSites(600)
	ix := geo.NewIndex(sites, 1)
	p := ix.Base()
	ti := buildTextIndex(p)
	if len(ti.words) < 20 {
		t.Fatalf("got %d words, want a vocabulary", len(ti.words))
	}
	// The folded words of each position, as textScore splits them.
	has := make([]map[string]bool, p.Len())
	var s aidmap.Site
	for i := range has {
		p.Hit(uint32(i)).DecodeSite(&s)
		has[i] = map[string]bool{}
		for _, f := range textFields(&s) {
			for _, w := range strings.Split(string(appendFold(nil, f.text)), " ") {
				if w != "" {
					has[i][w] = true
				}
			}
		}
	}
	for j, w := range ti.words {
		var want []uint32
		for i := range has {
			if has[i][w] {
				want = append(want, uint32(i))
			}
		}
		if got := ti.appendPostings(nil, uint32(j)); !slices.Equal(got, want) || int(ti.count[j]) != len(want) {
			t.Errorf("postings of %q: got %v (count %d), want %v", w, got, ti.count[j], want)
		}
	}
	queries := []string{"", "q", "qu", "qui", "quill", "quillwort", "quillworts", "quilwort", "qiullwort",
		"quillwortz", "uber", "cafe", "depot", "depto", "deopt", "zzzz", "demo", "street", "stret",
		"hastings", "hastigns", "ast", "1", "10"}
	for _, w := range ti.words {
		if len(queries) > 400 {
			break
		}
		queries = append(queries, w, w[:len(w)/2], w+"s", w[1:])
	}
	for _, w := range queries {
		var want []string
		for _, v := range ti.words {
			if wordScore(v, w) > 0 {
				want = append(want, v)
			}
		}
		var got []string
		for _, j := range ti.matching(nil, w) {
			got = append(got, ti.words[j])
		}
		if !slices.Equal(got, want) {
			t.Errorf("words matching %q: got %v, want %v", w, got, want)
		}
	}
}

// TestNearestTextMatchesBruteForce: Nearest with text, over an index with a delta and
// tombstones, equals a linear scan whether the text index is built or not, and is complete.
func TestNearestTextMatchesBruteForce(t *testing.T) {
	all := rareTextSites(1700)
	ix := geo.NewIndex(all[:1500], 1)
	final := map[string]aidmap.Site{}
	for _, s := range all[:1500] {
		final[s.ID] = s
	}
	// Changes: 200 new sites, some with the rare word; base sites renamed to gain or lose it;
	// some removed.
	var changed []aidmap.Site
	changed = append(changed, all[1500:]...)
	for i := 0; i < 1500; i += 13 {
		s := all[i]
		switch i % 3 {
		case 0:
			s.Name = strings.Replace(s.Name, "Quillwort ", "", 1)
		case 1:
			s.Name = "Quillwort " + s.Name
		case 2:
			s.Status = aidmap.StatusRetired
		}
		changed = append(changed, s)
	}
	for _, s := range changed {
		if s.Visible() {
			final[s.ID] = s
		} else {
			delete(final, s.ID)
		}
	}
	ix = ix.Apply(changed, 2)
	if ix.Delta().Len() == 0 {
		t.Fatal("no delta: the test does not exercise it")
	}
	sites := make([]aidmap.Site, 0, len(final))
	for _, s := range final {
		sites = append(sites, s)
	}
	queries := map[string]Query{
		"rare":               {Text: "quillwort"},
		"rare prefix":        {Text: "quill"},
		"rare typo":          {Text: "quilwort"},
		"rare with category": {Text: "quillwort", Categories: aidmap.NewCategorySet(aidmap.CategoryShelter, aidmap.CategoryFoodBank)},
		"rare and free":      {Text: "quillwort", Free: true},
		"rare and language":  {Text: "quillwort", Languages: []string{"fr"}},
		"two rare words":     {Text: "quillworts depot"},
		"accents":            {Text: "Über café"},
		"rare and common":    {Text: "demo quillwort"},
		"nothing":            {Text: "zzzzqqq"},
		"nothing and common": {Text: "zzzzqqq demo"},
		"common":             {Text: "demo"},
		"category word":      {Text: "banque quillwort"},
		"only category word": {Text: "banque"},
	}
	points := [][2]float64{{49.26, -123.1}, {49.2, -122.9}, {43.65, -79.38}, {-33.9, 151.2}}
	for _, built := range []bool{false, true} {
		if built {
			IndexText(ix)
			if textIndexOf(ix.Base()) == nil || textIndexOf(ix.Delta()) == nil {
				t.Fatal("IndexText returned before the index was built")
			}
		}
		for name, filter := range queries {
			for _, p := range points {
				dist := map[string]float64{}
				for _, h := range ix.Nearest(p[0], p[1], ix.Len(), geo.Filter{}) {
					dist[h.ID()] = h.DistanceM
				}
				matches := brute(t, sites, &filter, func(id string) (float64, bool) { return dist[id], true })
				if name == "nothing" || name == "nothing and common" {
					if len(matches) != 0 {
						t.Fatalf("%s: %d sites match", name, len(matches))
					}
				} else if len(matches) == 0 {
					t.Fatalf("%s: no site matches: the test does not exercise it", name)
				}
				slices.SortFunc(matches, func(a, b ranked2) int { return cmp.Or(cmp.Compare(a.d, b.d), strings.Compare(a.id, b.id)) })
				for _, k := range []int{1, 5, 40} {
					q := filter
					q.Lat, q.Lon, q.K = p[0], p[1], k
					want := slices.Clone(matches[:min(k, len(matches))])
					slices.SortFunc(want, func(a, b ranked2) int { return cmp.Or(cmp.Compare(a.key, b.key), strings.Compare(a.id, b.id)) })
					res := Nearest(ix, &q)
					if got := ids(res.Hits); !slices.Equal(got, idsOf(want)) || !res.Complete {
						t.Errorf("built %v, %s at %v, k=%d: got %v complete=%v, want %v", built, name, p, k, got, res.Complete, idsOf(want))
					}
				}
			}
		}
	}
}

// TestNearestTextFar: with the text index built, a word no site has is answered complete and
// empty, and a rare word whose only sites are 3,400 km away finds them, where the search
// without it reads MaxRead sites and gives up.
func TestNearestTextFar(t *testing.T) {
	sites := demo.Sites(MaxRead+4000, 3)
	var far []string
	for i := range 3 {
		s := &sites[i*1000+1]
		s.Lat, s.Lon, s.Confidential = 43.65+float64(i)*0.01, -79.38, false // Toronto
		s.Name = "Quillwort " + s.Name
		far = append(far, s.ID)
	}
	ix := geo.NewIndex(demo.Publisher().PublicSites(sites), 1)
	q := Query{Lat: 49.26, Lon: -123.1, K: 5, Text: "quillwort"}
	if res := Nearest(ix, &q); res.Complete && len(res.Hits) < 3 {
		t.Fatalf("before the text index: got %d sites complete, want 3 or incomplete", len(res.Hits))
	}
	IndexText(ix)
	res := Nearest(ix, &q)
	got := ids(res.Hits)
	slices.Sort(got)
	slices.Sort(far)
	if !slices.Equal(got, far) || !res.Complete {
		t.Errorf("got %v complete=%v, want the 3 in Toronto %v", got, res.Complete, far)
	}
	q.Text = "zzzzqqq"
	if res := Nearest(ix, &q); len(res.Hits) != 0 || !res.Complete {
		t.Errorf("a word no site has: got %d sites complete=%v, want none and complete", len(res.Hits), res.Complete)
	}
}

// TestTextIndexConfidential: a confidential site is not found by its street or postal code,
// by the text index as by textScore, while a public site on the same street is.
func TestTextIndexConfidential(t *testing.T) {
	sites := demo.Sites(50, 4)
	for i := range sites {
		sites[i].Confidential = false
	}
	secret, public := &sites[0], &sites[1]
	secret.Confidential = true
	secret.Name = "Safe Harbour"
	secret.Address = aidmap.Address{Street: "4471 Quillwort Lane", Locality: "Vancouver", PostalCode: "V5Y 9Q7"}
	public.Address = aidmap.Address{Street: "12 Quillwort Lane", Locality: "Vancouver", PostalCode: "V5Y 9Q7"}
	pub := demo.Publisher()
	secretID := pub.PublicID(secret.ID, true)

	// The rule itself, on the site as stored (not its public form).
	for _, f := range textFields(secret) {
		if folded := string(appendFold(nil, f.text)); strings.Contains(folded, "quillwort") || strings.Contains(folded, "v5y") {
			t.Errorf("a confidential site's text fields hold %q", f.text)
		}
	}
	ix := geo.NewIndex(pub.PublicSites(sites), 1)
	IndexText(ix)
	for _, tc := range []struct {
		q          string
		wantSecret bool
	}{
		{"quillwort", false},
		{"quillwort lane", false},
		{"v5y", false},
		{"v5y 9q7", false},
		{"harbour", true},
	} {
		q := Query{Lat: secret.Lat, Lon: secret.Lon, K: 50, Text: tc.q}
		res := Nearest(ix, &q)
		got := ids(res.Hits)
		if slices.Contains(got, secretID) != tc.wantSecret {
			t.Errorf("%q: got %v, want the confidential site %v", tc.q, got, tc.wantSecret)
		}
		if !tc.wantSecret && !slices.Contains(got, public.ID) {
			t.Errorf("%q: got %v, want the public site on the same street", tc.q, got)
		}
	}
}

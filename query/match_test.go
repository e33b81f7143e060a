package query

import (
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

func TestIsFree(t *testing.T) {
	for _, tc := range []struct {
		fees string
		want bool
	}{
		{"", false},
		{"Free.", true},
		{"Free; donations welcome.", true},
		{"Gratuit", true},
		{"No charge", true},
		{"Sans frais", true},
		{"None", true},
		{"0", true},
		{"$0.00", true},
		{"Pay what you can.", false},
		{"$2 suggested donation.", false},
		{"No cash accepted, $5", false},
	} {
		if got := isFree(tc.fees); got != tc.want {
			t.Errorf("isFree(%q): got %v, want %v", tc.fees, got, tc.want)
		}
	}
}

func TestIsWheelchairAccessible(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"", false},
		{"Wheelchair accessible entrance and washroom.", true},
		{"Step-free entrance; service animals welcome.", true},
		{"Second floor, no elevator.", false},
		{"Ramp at the side entrance.", true},
		{"Accessible en fauteuil roulant", true},
		{"Non accessible", false},
		{"Yes", true},
	} {
		if got := isWheelchairAccessible(tc.text); got != tc.want {
			t.Errorf("isWheelchairAccessible(%q): got %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestTextScore(t *testing.T) {
	s := &aidmap.Site{
		Name:           "Soupe populaire Sainte-Thérèse",
		Description:    "Hot meals every evening; showers on Tuesdays.",
		Categories:     []aidmap.Category{aidmap.CategoryFreeMeal},
		OrganizationID: "mission-rive-sud",
		Address:        aidmap.Address{Street: "1200 rue de l'Église", Locality: "Montréal", Region: "QC", PostalCode: "H2X 1Y4"},
	}
	for _, tc := range []struct {
		q         string
		wantMatch bool
		wantScore int
	}{
		{"soupe", true, 3 * weightName},
		{"SOUPE", true, 3 * weightName},
		{"therese", true, 3 * weightName},
		{"thérèse", true, 3 * weightName},
		{"soup", true, 3 * weightCategory},  // "soup kitchen" among the category's words beats the name's prefix
		{"popluaire", true, 1 * weightName}, // transposition
		{"populair", true, 2 * weightName},  // prefix
		{"populaires", true, 1 * weightName},
		{"montreal", true, 3 * weightOther},
		{"eglise", true, 3 * weightOther},
		{"repas", true, 3 * weightCategory},
		{"free meal", true, 2 * 3 * weightCategory},
		{"mission", true, 3 * weightOrg},
		{"showers", true, 3 * weightOther},
		{"soupe clinic", false, 0},
		{"sope", false, 0}, // typos only from 5 letters
		{"xyz", false, 0},
	} {
		t.Run(tc.q, func(t *testing.T) {
			q := Query{Text: tc.q}
			if err := q.Validate(); err != nil {
				t.Fatal(err)
			}
			score, ok := q.Matcher().Match(s)
			if ok != tc.wantMatch || score != tc.wantScore {
				t.Errorf("got %d %v, want %d %v", score, ok, tc.wantScore, tc.wantMatch)
			}
		})
	}
}

// TestTextScoreConfidential: a confidential site's street and postal code are not published,
// so a search by them must not find it (that would confirm a guessed address); its name,
// locality and other published fields still match.
func TestTextScoreConfidential(t *testing.T) {
	s := &aidmap.Site{
		Name:         "Safe Harbour",
		Confidential: true,
		Address:      aidmap.Address{Street: "4471 Quillwort Lane", Locality: "Vancouver", PostalCode: "V5Y 9Q7"},
	}
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"harbour", true},
		{"vancouver", true},
		{"quillwort", false},
		{"4471 quillwort lane", false},
		{"v5y", false},
		{"V5Y 9Q7", false},
	} {
		t.Run(tc.q, func(t *testing.T) {
			q := Query{Text: tc.q}
			if err := q.Validate(); err != nil {
				t.Fatal(err)
			}
			if _, ok := q.Matcher().Match(s); ok != tc.want {
				t.Errorf("match %q: got %v, want %v", tc.q, ok, tc.want)
			}
		})
	}
}

func TestEditDistance1(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"shelter", "shelter", false},
		{"shelter", "shelters", true},
		{"shelter", "shelte", true},
		{"shelter", "shalter", true},
		{"shelter", "sehlter", true},
		{"shelter", "shlter", true},
		{"shelter", "sheltrr", true},
		{"shelter", "shelterss", false},
		{"shelter", "shaltar", false},
		{"shelter", "hselter", true},
	} {
		if got := editDistance1(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance1(%q, %q): got %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// FuzzIndexBits checks that the index's free and wheelchair bits are a necessary condition of
// isFree and isWheelchairAccessible: every text they accept keeps its site in a search that
// prunes by the bits (geo keeps its own superset of these rules, as it may not import their
// folding), so filtered Nearest stays exact.
func FuzzIndexBits(f *testing.F) {
	for _, s := range []string{"", "Free.", "Gratuit", "GRATUITE", "gratis", "No charge", "no-fee",
		"Sans frais", "pas de frais", "None", "nil", "aucuns", "0", "$0.00", "$10", "Coût: aucun",
		"Wheelchair accessible", "Step-free", "plain-pied", "Rampe d'accès", "Oui", "YES", "elevator",
		"ascenseur", "Accès en fauteuil roulant", "l'entrée est accessible", "Non accessible",
		"Pay what you can.", "Second floor, no elevator.", "ＦＲＥＥ", "o'free", "free'd"} {
		f.Add(s)
	}
	site := testSites(1)[0]
	f.Fuzz(func(t *testing.T, text string) {
		free, wheel := isFree(text), isWheelchairAccessible(text)
		if !free && !wheel {
			return
		}
		s := site
		s.Fees, s.Accessibility = text, text
		ix := geo.NewIndex([]aidmap.Site{s}, 1)
		if got := len(ix.Nearest(s.Lat, s.Lon, 1, geo.Filter{MaybeFree: true})); free && got != 1 {
			t.Errorf("fees %q: isFree, but the index's free bit prunes the site", text)
		}
		if got := len(ix.Nearest(s.Lat, s.Lon, 1, geo.Filter{MaybeWheelchair: true})); wheel && got != 1 {
			t.Errorf("accessibility %q: isWheelchairAccessible, but the index's wheelchair bit prunes the site", text)
		}
	})
}

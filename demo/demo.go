// Package demo generates deterministic, realistic and clearly fake sites: the demonstration
// dataset served on first start (Sites, around Vancouver, BC) and worldwide data for tests and
// benchmarks (World).
//
// It imports only the domain and the standard library. Every generated name starts with
// "Demo: ", every phone number is in the fictional 555-01xx range and every website is on
// example.org, so nobody can mistake a generated site for a real service.
package demo

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aidmap/aidmap"
)

// Organization IDs of generated sites.
const (
	OrganizationID      = "demo"  // Sites
	BenchOrganizationID = "bench" // World
)

// Organization returns the organisation that owns the demonstration sites.
func Organization() aidmap.Organization {
	return aidmap.Organization{
		ID:        OrganizationID,
		Name:      "Demo data (not real services)",
		Website:   "https://example.org/",
		Demo:      true,
		CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

// newRand returns the generator for seed. Both PCG words derive from seed so nearby seeds give
// unrelated streams.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// baseTime is the deterministic "now" of a dataset: a fixed date shifted by the seed.
func baseTime(seed uint64) time.Time {
	return time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(seed%997) * time.Hour)
}

// weighted picks an index from cumulative weights cum (ascending, last = total).
func weighted(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	lo, hi := 0, len(cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if cum[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

func cumulative(n int, w func(i int) float64) []float64 {
	cum := make([]float64, n)
	t := 0.0
	for i := range n {
		t += w(i)
		cum[i] = t
	}
	return cum
}

// offset moves (lat, lon) by a normally distributed distance with standard deviation sigmaKm
// in each direction, wrapping longitude and clamping latitude so the result is valid WGS84.
func offset(r *rand.Rand, lat, lon, sigmaKm float64) (float64, float64) {
	const kmPerDeg = 111.195
	lat += r.NormFloat64() * sigmaKm / kmPerDeg
	c := math.Cos(lat * math.Pi / 180)
	if c < 0.02 {
		c = 0.02
	}
	lon += r.NormFloat64() * sigmaKm / (kmPerDeg * c)
	return clampLat(lat), wrapLon(lon)
}

func clampLat(lat float64) float64 { return math.Max(-90, math.Min(90, lat)) }

func wrapLon(lon float64) float64 {
	for lon > 180 {
		lon -= 360
	}
	for lon < -180 {
		lon += 360
	}
	return lon
}

// round7 keeps coordinates to 1 cm, as providers give them.
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

// Category weights: food, meals and shelter most common.
var categoryWeights = []struct {
	c aidmap.Category
	w float64
}{
	{aidmap.CategoryFoodBank, 14},
	{aidmap.CategoryFreeMeal, 16},
	{aidmap.CategoryCommunityKitchen, 8},
	{aidmap.CategoryGrocery, 4},
	{aidmap.CategoryShelter, 12},
	{aidmap.CategoryDropIn, 8},
	{aidmap.CategoryOutreach, 5},
	{aidmap.CategoryHygiene, 6},
	{aidmap.CategoryClinic, 6},
	{aidmap.CategoryMentalHealth, 4},
	{aidmap.CategoryLegalAid, 3},
	{aidmap.CategoryNewcomer, 4},
	{aidmap.CategoryWarmingCentre, 3},
	{aidmap.CategoryClothing, 4},
	{aidmap.CategoryOther, 2},
}

var categoryCum = cumulative(len(categoryWeights), func(i int) float64 { return categoryWeights[i].w })

// categoryNoun names a site by its first category.
var categoryNoun = map[aidmap.Category][]string{
	aidmap.CategoryFoodBank:         {"Food Bank", "Food Hub", "Pantry"},
	aidmap.CategoryFreeMeal:         {"Community Meals", "Free Lunch Program", "Soup Kitchen"},
	aidmap.CategoryCommunityKitchen: {"Community Kitchen", "Kitchen Collective"},
	aidmap.CategoryGrocery:          {"Low-Cost Market", "Good Food Market"},
	aidmap.CategoryShelter:          {"Shelter", "Overnight Shelter", "Family Shelter"},
	aidmap.CategoryDropIn:           {"Drop-In Centre", "Community Drop-In"},
	aidmap.CategoryOutreach:         {"Outreach Team", "Street Outreach"},
	aidmap.CategoryHygiene:          {"Shower Program", "Hygiene Centre"},
	aidmap.CategoryClinic:           {"Community Clinic", "Health Centre"},
	aidmap.CategoryMentalHealth:     {"Wellness Centre", "Counselling Services"},
	aidmap.CategoryLegalAid:         {"Legal Clinic", "Tenant Advocacy"},
	aidmap.CategoryNewcomer:         {"Newcomer Services", "Settlement Centre"},
	aidmap.CategoryWarmingCentre:    {"Warming Centre", "Extreme Weather Centre"},
	aidmap.CategoryClothing:         {"Clothing Bank", "Free Store"},
	aidmap.CategoryOther:            {"Community Services", "Neighbourhood House"},
}

// categories appends 1-3 distinct weighted categories to dst. The first one names the site.
func categories(r *rand.Rand, dst []aidmap.Category) []aidmap.Category {
	n := 1
	switch x := r.IntN(10); {
	case x >= 9:
		n = 3
	case x >= 6:
		n = 2
	}
	start := len(dst)
outer:
	for len(dst)-start < n {
		c := categoryWeights[weighted(r, categoryCum)].c
		for _, have := range dst[start:] {
			if have == c {
				continue outer
			}
		}
		dst = append(dst, c)
	}
	return dst
}

var extraLanguages = []string{"fr", "zh", "pa", "es", "ar", "fa", "uk", "tl", "ko"}

func languages(r *rand.Rand) []string {
	langs := []string{"en"}
	for r.IntN(3) == 0 && len(langs) < 5 {
		l := extraLanguages[r.IntN(len(extraLanguages))]
		dup := false
		for _, have := range langs {
			dup = dup || have == l
		}
		if !dup {
			langs = append(langs, l)
		}
	}
	return langs
}

func hm(h, m int) int { return h*60 + m }

// hours returns realistic weekly hours for a site whose first category is c; sometimes unknown.
func hours(r *rand.Rand, c aidmap.Category, tz string) aidmap.Hours {
	if r.IntN(8) == 0 {
		return aidmap.Hours{} // unknown
	}
	h := aidmap.Hours{Timezone: tz}
	add := func(days []time.Weekday, open, close int) {
		for _, d := range days {
			h.Weekly = append(h.Weekly, aidmap.Period{Day: d, Open: open, Close: close})
		}
	}
	all := []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
	weekdays := all[1:6]
	switch {
	case c == aidmap.CategoryShelter || c == aidmap.CategoryWarmingCentre:
		if r.IntN(3) == 0 {
			add(all, 0, 1440) // 24/7
		} else {
			add(all, hm(20, 0), hm(8, 0)) // overnight, past midnight
		}
	case c == aidmap.CategoryFreeMeal || c == aidmap.CategoryCommunityKitchen:
		days := all
		if r.IntN(2) == 0 {
			days = weekdays
		}
		if r.IntN(2) == 0 {
			// Two sittings a day.
			for _, d := range days {
				h.Weekly = append(h.Weekly,
					aidmap.Period{Day: d, Open: hm(11, 30), Close: hm(13, 30)},
					aidmap.Period{Day: d, Open: hm(17, 0), Close: hm(19, 0)})
			}
		} else {
			add(days, hm(8+r.IntN(4), 0), hm(13+r.IntN(3), 30))
		}
	case c == aidmap.CategoryFoodBank || c == aidmap.CategoryGrocery || c == aidmap.CategoryClothing:
		// A few days a week.
		for _, d := range weekdays {
			if r.IntN(2) == 0 {
				add([]time.Weekday{d}, hm(10, 0), hm(14+r.IntN(4), 0))
			}
		}
		if r.IntN(3) == 0 {
			add([]time.Weekday{time.Saturday}, hm(9, 0), hm(12, 0))
		}
		if len(h.Weekly) == 0 {
			add([]time.Weekday{time.Wednesday}, hm(10, 0), hm(14, 0))
		}
	default:
		add(weekdays, hm(8+r.IntN(3), 30*r.IntN(2)), hm(16+r.IntN(3), 30*r.IntN(2)))
	}
	if r.IntN(10) == 0 {
		h.Notes = "Hours may change on statutory holidays; call ahead."
	}
	return h
}

var (
	eligibilityTexts = []string{
		"Everyone welcome, no ID required.",
		"Adults 19+.",
		"Women and children only.",
		"Youth aged 16-24.",
		"Seniors 55+ and people with disabilities.",
		"Residents of the area; bring proof of address if you have it.",
		"Newcomers and refugee claimants.",
	}
	feeTexts = []string{
		"Free.",
		"Free; donations welcome.",
		"Pay what you can.",
		"$2 suggested donation.",
	}
	accessibilityTexts = []string{
		"Wheelchair accessible entrance and washroom.",
		"Step-free entrance; service animals welcome.",
		"Second floor, no elevator.",
		"Ramp at the side entrance.",
	}
)

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

func phone(r *rand.Rand, area string) string {
	// 555-0100 to 555-0199 are reserved for fiction in the North American plan.
	return "+1 " + area + "-555-01" + twoDigits(r.IntN(100))
}

func twoDigits(n int) string {
	return string([]byte{byte('0' + n/10), byte('0' + n%10)})
}

// externalID returns prefix-NNNNNN (at least six digits).
func externalID(prefix string, i int) string {
	var buf [32]byte
	b := append(buf[:0], prefix...)
	b = append(b, '-')
	for p := 100000; p > 1 && i < p; p /= 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(i), 10)
	return string(b)
}

// postalCode returns a Canadian-looking postal code with the given forward sortation area.
func postalCode(r *rand.Rand, fsa string) string {
	const letters = "ABCEGHJKLMNPRSTVWXYZ"
	return fsa + " " + string([]byte{byte('0' + r.IntN(10)), letters[r.IntN(len(letters))], byte('0' + r.IntN(10))})
}

func slug(s string) string {
	b := make([]byte, 0, len(s))
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b = append(b, c)
			dash = false
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
			dash = false
		default:
			if !dash && len(b) > 0 {
				b = append(b, '-')
				dash = true
			}
		}
	}
	for len(b) > 0 && b[len(b)-1] == '-' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// Publisher returns an aidmap.Publisher under a fixed key that anyone can read here: for the
// demo data's tests and benchmarks only, so their confidential sites have stable pins and IDs.
// A deployment keys its publisher with its store's secret (store.Store.DeploymentKey), never
// with this.
func Publisher() *aidmap.Publisher {
	p, err := aidmap.NewPublisher([]byte("aidmap demo and test key, not secret"))
	if err != nil {
		panic(err) // the key above is long enough
	}
	return p
}

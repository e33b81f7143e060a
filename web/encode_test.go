package web

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

func testSite() *aidmap.Site {
	s := &aidmap.Site{
		OrganizationID: "fbs",
		ExternalID:     "42",
		Name:           `Hastings "Community" Kitchen <b>&</b>`,
		Description:    "Hot meals\nevery day\t\u2028",
		Categories:     []aidmap.Category{aidmap.CategoryFreeMeal, aidmap.CategoryCommunityKitchen},
		Address:        aidmap.Address{Street: "123 E Hastings St", Unit: "Suite 2", Locality: "Vancouver", Region: "BC", PostalCode: "V6A 1N5", Country: "CA"},
		Lat:            49.2812345678,
		Lon:            -123.0987654321,
		Precision:      aidmap.PrecisionAddress,
		Phone:          "+1 604-555-0100",
		Website:        "https://example.org/kitchen",
		Email:          "info@example.org",
		Hours: aidmap.Hours{
			Timezone:   "America/Vancouver",
			Weekly:     []aidmap.Period{{Day: time.Monday, Open: 540, Close: 1020}, {Day: time.Friday, Open: 1200, Close: 480}},
			Exceptions: []aidmap.Exception{{Date: "2026-12-25", Closed: true, Note: "Christmas"}},
			Notes:      "Mon 9-5",
		},
		Languages:     []string{"en", "fr"},
		Eligibility:   "Everyone",
		Accessibility: "Step-free",
		Status:        aidmap.StatusActive,
		UpdatedAt:     time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
	}
	s.ID = aidmap.SiteID(s.OrganizationID, s.ExternalID)
	return s
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return m
}

func TestAppendSiteJSON(t *testing.T) {
	s := testSite()
	org := aidmap.Organization{ID: "fbs", Name: "Food Bank Society"}
	got := decode(t, appendSiteJSON(nil, siteView{site: s, org: org, dist: 1234.56, hasDist: true}))
	want := map[string]any{
		"id":           s.ID,
		"organization": map[string]any{"id": "fbs", "name": "Food Bank Society"},
		"name":         s.Name,
		"description":  s.Description,
		"categories":   []any{"free_meal", "community_kitchen"},
		"address": map[string]any{"street": "123 E Hastings St", "unit": "Suite 2", "locality": "Vancouver",
			"region": "BC", "postal_code": "V6A 1N5", "country": "CA"},
		"lat":         49.2812346,
		"lon":         -123.0987654,
		"precision":   "address",
		"approximate": false,
		"phone":       s.Phone,
		"website":     s.Website,
		"email":       s.Email,
		"hours": map[string]any{
			"known":    true,
			"timezone": "America/Vancouver",
			"weekly": []any{
				map[string]any{"day": 1.0, "open": 540.0, "close": 1020.0},
				map[string]any{"day": 5.0, "open": 1200.0, "close": 480.0},
			},
			"exceptions": []any{map[string]any{"date": "2026-12-25", "closed": true, "note": "Christmas"}},
			"notes":      "Mon 9-5",
		},
		"languages":     []any{"en", "fr"},
		"eligibility":   "Everyone",
		"accessibility": "Step-free",
		"confidential":  false,
		"status":        "active",
		"updated_at":    "2026-11-01T12:00:00Z",
		"distance_m":    1234.6,
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s: got %#v, want %#v", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected field %s: %#v", k, got[k])
		}
	}
}

func TestAppendSiteJSONConfidential(t *testing.T) {
	stored := testSite()
	stored.Confidential = true
	stored.Precision = aidmap.PrecisionExact

	// As stored (which the index never holds): no point and no address at all.
	got := decode(t, appendSiteJSON(nil, siteView{site: stored}))
	if _, ok := got["lat"]; ok || got["address"] != nil {
		t.Errorf("a confidential site not in its public form was published with %v, %v", got["lat"], got["address"])
	}
	if g := decode(t, appendFeatureJSON(nil, siteView{site: stored})); g["geometry"] != nil {
		t.Errorf("a confidential site not in its public form was published as a Feature at %v", g["geometry"])
	}

	public := demo.Publisher().Public(stored)
	s := &public
	b := appendSiteJSON(nil, siteView{site: s, dist: 1234, hasDist: true})
	got = decode(t, b)
	if got["address"] != nil {
		t.Errorf("address: got %v, want none", got["address"])
	}
	if strings.Contains(string(b), "Hastings St") || strings.Contains(string(b), "V6A") || strings.Contains(string(b), "Vancouver") {
		t.Errorf("street or postal code published for a confidential site: %s", b)
	}
	lat, lon := got["lat"].(float64), got["lon"].(float64)
	if (lat == stored.Lat && lon == stored.Lon) || !aidmap.AreaOf(stored.Lat, stored.Lon).Contains(lat, lon) {
		t.Errorf("published point %v,%v is the true one or outside its area", lat, lon)
	}
	if got["id"] == stored.ID {
		t.Errorf("published under its stored ID %s", stored.ID)
	}
	if got["approximate"] != true || got["precision"] != "locality" {
		t.Errorf("got approximate=%v precision=%v, want true and locality", got["approximate"], got["precision"])
	}
}

func TestAppendFeatureJSON(t *testing.T) {
	s := testSite()
	got := decode(t, appendFeatureJSON(nil, siteView{site: s}))
	geom := got["geometry"].(map[string]any)
	if got["type"] != "Feature" || got["id"] != s.ID || geom["type"] != "Point" {
		t.Fatalf("got %v", got)
	}
	if c := geom["coordinates"].([]any); c[0] != -123.0987654 || c[1] != 49.2812346 {
		t.Errorf("coordinates: got %v, want [lon, lat]", c)
	}
	props := got["properties"].(map[string]any)
	if _, ok := props["lat"]; ok || props["name"] != s.Name {
		t.Errorf("properties: got %v, want the site without lat/lon", props)
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `"quoted" \ back`, "<script>&</script>", "tab\tnl\ncr\r\x00\x1f", "\u2028\u2029", "bad \xff utf8", "日本語 عربى"} {
		t.Run(s, func(t *testing.T) { checkAppendString(t, s) })
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff\xfe", "\u2028", "<>&", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(checkAppendString)
}

// checkAppendString asserts that appendString agrees with encoding/json byte for byte.
func checkAppendString(t *testing.T, s string) {
	got := appendString(nil, s)
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("appendString(%q): got %s, want %s", s, got, want)
	}
}

func TestDistanceBand(t *testing.T) {
	for _, tt := range []struct{ d, want float64 }{
		{0, 2000}, {1999.9, 2000}, {2000, 2000}, {2000.1, 5000}, {7300, 10000}, {99_000, 100_000},
		{1_000_001, 2_000_000}, {3_400_000, 4_000_000},
	} {
		if got := aidmap.DistanceBand(tt.d); got != tt.want {
			t.Errorf("aidmap.DistanceBand(%v) = %v, want %v", tt.d, got, tt.want)
		}
	}
}

func TestConfidentialDistanceIsBanded(t *testing.T) {
	s := demo.Sites(1, 3)[0]
	s.Confidential = true
	b := appendSiteJSON(nil, siteView{site: &s, dist: 3210.4, hasDist: true})
	var got struct {
		Distance float64 `json:"distance_m"`
		Band     bool    `json:"distance_band"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Distance != 5000 || !got.Band {
		t.Errorf("confidential site: distance_m %v band %v, want 5000 and true: %s", got.Distance, got.Band, b)
	}
	s.Confidential = false
	b = appendSiteJSON(nil, siteView{site: &s, dist: 3210.4, hasDist: true})
	if err := json.Unmarshal(b, &got); err != nil || got.Distance != 3210.4 {
		t.Errorf("ordinary site: distance_m %v, want 3210.4", got.Distance)
	}
}

// TestAppendTenths compares the distances' printing with strconv's shortest form of the same
// rounded number, on tenths either side of every power of ten and random distances up to
// half the Earth's circumference, and the cases it leaves to strconv.
func TestAppendTenths(t *testing.T) {
	xs := []float64{0, math.Copysign(0, -1), -0.04, -3, 0.04, 0.05, 0.0500001, 0.15, 0.25, 0.35, 1.45, 2.675,
		999.95, 1e15, 1e15 - 0.1, 5e15, 1e300, math.NaN(), math.Inf(1), math.Inf(-1), 20_037_508.342789244}
	for p := 1.0; p < 1e16; p *= 10 {
		for _, d := range []float64{-0.15, -0.1, -0.05, -0.04, 0, 0.04, 0.05, 0.1, 0.15} {
			xs = append(xs, p+d)
		}
	}
	r := rand.New(rand.NewPCG(3, 9))
	for range 200_000 {
		xs = append(xs, r.Float64()*20_037_508.342789244, r.Float64()*100, math.Round(r.Float64()*1e6)/10+0.05)
	}
	for _, x := range xs {
		want := string(strconv.AppendFloat(nil, math.Round(x*10)/10, 'f', -1, 64))
		if got := string(appendTenths(nil, x)); got != want {
			t.Fatalf("appendTenths(%v) = %s, want %s", x, got, want)
		}
	}
}

package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

// roundTrip encodes s into an arena and decodes it again, as the index does.
func roundTrip(t *testing.T, s *aidmap.Site) *aidmap.Site {
	t.Helper()
	id, ok := parseID(s.ID)
	if !ok {
		t.Fatalf("test site has ID %q, not a lowercase UUID", s.ID)
	}
	var a arena
	a.add([]byte("padding before")) // records need not start a chunk
	ref := a.addBody(encodeRecord(nil, s))
	return decodeRecord(a.record(ref), &id)
}

// fullSite sets every field of aidmap.Site.
func fullSite() aidmap.Site {
	s := aidmap.Site{
		OrganizationID: "org-1",
		ExternalID:     "ext/ü/1",
		Name:           "Demo: Everything Centre",
		Description:    strings.Repeat("long text ", 200),
		Categories:     []aidmap.Category{aidmap.CategoryFoodBank, aidmap.CategoryShelter, aidmap.CategoryOther},
		Address: aidmap.Address{Street: "1 Main St", Unit: "2B", Locality: "Vancouver", Region: "BC",
			PostalCode: "V6A 1A1", Country: "CA"},
		Lat: 49.2812345, Lon: -123.0987654,
		Precision: aidmap.PrecisionInterpolated,
		Phone:     "+1 555-0100", Website: "https://example.org/x", Email: "a@example.org",
		Hours: aidmap.Hours{
			Timezone: "America/Vancouver",
			Weekly:   []aidmap.Period{{Day: time.Monday, Open: 540, Close: 1020}, {Day: time.Saturday, Open: 1200, Close: 480}},
			Exceptions: []aidmap.Exception{
				{Date: "2025-12-25", Closed: true, Note: "Christmas"},
				{Date: "2025-12-31", Periods: []aidmap.Period{{Open: 600, Close: 720}}},
				{Date: "2026-01-01", Periods: []aidmap.Period{}},
			},
			Notes: "Mon 9-5",
		},
		Languages:     []string{"en", "fr-CA", "pa"},
		Eligibility:   "Everyone",
		Fees:          "Free",
		Accessibility: "Step-free",
		Confidential:  true,
		Status:        aidmap.StatusTemporarilyClosed,
		UpdatedAt:     time.Date(2025, 6, 1, 9, 30, 15, 123456000, time.UTC),
		VerifiedAt:    time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC),
	}
	s.ID = aidmap.SiteID(s.OrganizationID, s.ExternalID)
	return s
}

func TestRecordRoundTrip(t *testing.T) {
	id := aidmap.SiteID("o", "e")
	tests := []struct {
		name string
		site func() aidmap.Site
	}{
		{"every field", fullSite},
		{"zero but the ID", func() aidmap.Site { return aidmap.Site{ID: id} }},
		{"empty slices are not nil", func() aidmap.Site {
			return aidmap.Site{ID: id, Categories: []aidmap.Category{}, Languages: []string{},
				Hours: aidmap.Hours{Weekly: []aidmap.Period{}, Exceptions: []aidmap.Exception{}}}
		}},
		{"hours with a time zone only", func() aidmap.Site {
			return aidmap.Site{ID: id, Hours: aidmap.Hours{Timezone: "Europe/Paris"}}
		}},
		{"categories out of taxonomy order, repeated, unknown", func() aidmap.Site {
			return aidmap.Site{ID: id, Categories: []aidmap.Category{aidmap.CategoryOther, aidmap.CategoryFoodBank,
				aidmap.CategoryOther, "not_a_category", ""}}
		}},
		{"unknown enums", func() aidmap.Site {
			return aidmap.Site{ID: id, Status: "someday", Precision: "vague"}
		}},
		{"extreme numbers", func() aidmap.Site {
			return aidmap.Site{ID: id, Lat: math.Copysign(0, -1), Lon: math.Inf(1),
				Hours: aidmap.Hours{Weekly: []aidmap.Period{{Day: -1, Open: math.MinInt64, Close: math.MaxInt64}}}}
		}},
		{"NaN", func() aidmap.Site { return aidmap.Site{ID: id, Lat: math.NaN()} }},
		{"record larger than a chunk", func() aidmap.Site {
			return aidmap.Site{ID: id, Description: strings.Repeat("x", chunkSize+10)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.site()
			got := roundTrip(t, &want)
			if math.IsNaN(want.Lat) {
				if !math.IsNaN(got.Lat) {
					t.Fatalf("got lat %v, want NaN", got.Lat)
				}
				got.Lat, want.Lat = 0, 0
			}
			if math.Signbit(want.Lat) != math.Signbit(got.Lat) {
				t.Errorf("got lat %v, want %v", got.Lat, want.Lat)
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("got  %+v\nwant %+v", *got, want)
			}
		})
	}
}

// TestRecordTimes checks that times come back in UTC at microsecond precision, the zero time
// as the zero time.
func TestRecordTimes(t *testing.T) {
	loc := time.FixedZone("X", 5*3600)
	s := aidmap.Site{ID: aidmap.SiteID("o", "e"),
		UpdatedAt: time.Date(2025, 1, 2, 3, 4, 5, 678901234, loc)}
	got := roundTrip(t, &s)
	if want := s.UpdatedAt.Truncate(time.Microsecond).UTC(); got.UpdatedAt != want {
		t.Errorf("UpdatedAt: got %v, want %v", got.UpdatedAt, want)
	}
	if !got.VerifiedAt.IsZero() || got.VerifiedAt != (time.Time{}) {
		t.Errorf("VerifiedAt: got %v, want the zero time", got.VerifiedAt)
	}
}

// TestDecodedSitesAreIndependent checks that each decode returns memory the caller owns.
func TestDecodedSitesAreIndependent(t *testing.T) {
	full := fullSite()
	s := demo.Publisher().Public(&full)
	ix := NewIndex([]aidmap.Site{s}, 1)
	a, _ := ix.Site(s.ID)
	a.Name = "changed"
	a.Categories[0] = aidmap.CategoryClinic
	a.Languages[0] = "xx"
	a.Hours.Weekly[0].Open = 1
	b, _ := ix.Site(s.ID)
	if !reflect.DeepEqual(*b, s) {
		t.Errorf("after changing one decoded site, got %+v, want %+v", *b, s)
	}
}

func FuzzRecord(f *testing.F) {
	f.Add("org", "ext", "Name", "desc", []byte{0, 4}, 49.28, -123.1, "America/Vancouver", []byte{1, 9, 17}, "en,fr", true, "active", "exact", int64(1748768400000000), int64(0), uint8(0xff))
	f.Add("", "", "", "", []byte{}, 0.0, 0.0, "", []byte(nil), "", false, "", "", int64(0), int64(-1), uint8(0))
	f.Fuzz(func(t *testing.T, org, ext, name, desc string, cats []byte, lat, lon float64, tz string,
		periods []byte, langs string, conf bool, status, precision string, upd, ver int64, shape uint8) {
		s := aidmap.Site{
			ID: aidmap.SiteID(org, ext), OrganizationID: org, ExternalID: ext, Name: name, Description: desc,
			Address:   aidmap.Address{Street: name, Country: tz},
			Lat:       lat,
			Lon:       lon,
			Precision: aidmap.Precision(precision), Status: aidmap.Status(status),
			Confidential: conf, Eligibility: desc, Fees: org, Accessibility: ext,
		}
		// shape's bits decide nil versus empty for each list.
		if shape&1 != 0 || len(cats) > 0 {
			s.Categories = []aidmap.Category{}
			for _, c := range cats {
				if int(c) < len(catSlugs) {
					s.Categories = append(s.Categories, catSlugs[c])
				} else {
					s.Categories = append(s.Categories, aidmap.Category(fmt.Sprint(c)))
				}
			}
		}
		if shape&2 != 0 || langs != "" {
			s.Languages = strings.Split(langs, ",")
		}
		if shape&4 != 0 || tz != "" || len(periods) > 0 {
			s.Hours.Timezone = tz
			s.Hours.Notes = desc
			if shape&8 != 0 || len(periods) > 0 {
				s.Hours.Weekly = []aidmap.Period{}
			}
			for i := 0; i+2 < len(periods); i += 3 {
				s.Hours.Weekly = append(s.Hours.Weekly, aidmap.Period{Day: time.Weekday(int8(periods[i])),
					Open: int(periods[i+1]) * 7, Close: -int(periods[i+2])})
			}
			if shape&16 != 0 {
				s.Hours.Exceptions = []aidmap.Exception{{Date: tz, Closed: conf, Note: name}}
				if shape&32 != 0 {
					s.Hours.Exceptions[0].Periods = s.Hours.Weekly
				}
			}
		}
		// Times within ±200 years of 1970, at any nanosecond and in any zone.
		const span = 200 * 365 * 24 * int64(time.Hour/time.Microsecond)
		if upd != 0 {
			s.UpdatedAt = time.UnixMicro(upd % span).Add(time.Duration(ver % 1000)).In(time.FixedZone("Z", int(ver%50000)))
		}
		if shape&64 != 0 {
			s.VerifiedAt = time.UnixMicro(ver % span).UTC()
		}
		want := s
		want.UpdatedAt = normTime(s.UpdatedAt)
		want.VerifiedAt = normTime(s.VerifiedAt)
		got := roundTrip(t, &s)
		if math.IsNaN(lat) || math.IsNaN(lon) {
			if math.IsNaN(got.Lat) != math.IsNaN(lat) || math.IsNaN(got.Lon) != math.IsNaN(lon) {
				t.Fatalf("got %v,%v, want %v,%v", got.Lat, got.Lon, lat, lon)
			}
			got.Lat, got.Lon, want.Lat, want.Lon = 0, 0, 0, 0
		}
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("got  %#v\nwant %#v", *got, want)
		}
	})
}

// normTime is what the record keeps of a time: UTC, to the microsecond, the zero time as is.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMicro(t.UnixMicro()).UTC()
}

func TestIDs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		s := aidmap.SiteID("o", fmt.Sprint(i))
		id, ok := parseID(s)
		if !ok || idString(&id) != s {
			t.Fatalf("parseID(%q): got %x %v, want it back", s, id, ok)
		}
		// compareIDText agrees with string comparison, for IDs and for anything else.
		others := []string{"", aidmap.SiteID("o", fmt.Sprint(i+1)), s[:r.IntN(36)], s + "x",
			strings.ToUpper(s), s[:10] + "g" + s[11:], string(rune(r.IntN(128)))}
		for _, o := range others {
			if got, want := compareIDText(&id, o), strings.Compare(s, o); got != want {
				t.Fatalf("compareIDText(%s, %q): got %d, want %d", s, o, got, want)
			}
		}
	}
	for _, bad := range []string{"", "x", strings.ToUpper(aidmap.SiteID("o", "e")),
		strings.ReplaceAll(aidmap.SiteID("o", "e"), "-", "_"), aidmap.SiteID("o", "e") + " "} {
		if _, ok := parseID(bad); ok {
			t.Errorf("parseID(%q): got ok, want not an ID", bad)
		}
	}
}

func TestSitesWithOtherIDsAreNotIndexed(t *testing.T) {
	good := site(1, 10, 10)
	bad := site(2, 10, 10)
	bad.ID = "not-a-uuid"
	ix := NewIndex([]aidmap.Site{good, bad}, 1)
	if got := ix.Len(); got != 1 {
		t.Errorf("Len: got %d, want 1", got)
	}
	if _, ok := ix.Site("not-a-uuid"); ok {
		t.Errorf("Site(not-a-uuid): got found, want not found")
	}
	if got := ix.Apply([]aidmap.Site{bad}, 2).Len(); got != 1 {
		t.Errorf("Len after Apply: got %d, want 1", got)
	}
}

func TestChordToMetres(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	const rad = math.Pi / 180
	haversine := func(lat1, lon1, lat2, lon2 float64) float64 {
		dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
		s1, s2 := math.Sin(dLat/2), math.Sin(dLon/2)
		h := min(1, s1*s1+math.Cos(lat1*rad)*math.Cos(lat2*rad)*s2*s2)
		return 2 * aidmap.EarthRadiusM * math.Asin(math.Sqrt(h))
	}
	for range 100000 {
		lat1, lon1 := uniformLatLon(r)
		lat2, lon2 := uniformLatLon(r)
		if r.IntN(2) == 0 { // near: metres to 300 km
			lat2 = max(-90, min(90, lat1+r.NormFloat64()*math.Pow(10, -5+r.Float64()*5)))
			lon2 = lon1 + r.NormFloat64()*math.Pow(10, -5+r.Float64()*5)
		}
		got, want := aidmap.DistanceM(lat1, lon1, lat2, lon2), haversine(lat1, lon1, lat2, lon2)
		// Both are rounded; the chord form loses precision only near antipodes.
		if tol := 1e-6 + 1e-12*want + 0.2*max(0, want-2e7); math.Abs(got-want) > tol {
			t.Fatalf("DistanceM(%v, %v, %v, %v): got %.9f, want %.9f (haversine)", lat1, lon1, lat2, lon2, got, want)
		}
	}
	// Non-decreasing across the switch from the series to math.Asin: every float in ±20000 ulps.
	c2 := 4 * 0.01 * 0.01
	for range 20000 {
		c2 = math.Nextafter(c2, 0)
	}
	prev := 0.0
	for range 40000 {
		d := aidmap.ChordToMetres(c2)
		if d < prev {
			t.Fatalf("ChordToMetres(%v) = %v < %v at the previous float", c2, d, prev)
		}
		prev = d
		c2 = math.Nextafter(c2, 1)
	}
	for _, c2 := range []float64{0, 4, 4 + 1e-15, 5} {
		if d := aidmap.ChordToMetres(c2); math.IsNaN(d) || d < 0 || d > math.Pi*aidmap.EarthRadiusM {
			t.Errorf("ChordToMetres(%v) = %v", c2, d)
		}
	}
}

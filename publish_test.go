package aidmap

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

func testPublisher(t testing.TB, seed byte) *Publisher {
	t.Helper()
	p, err := NewPublisher(bytes.Repeat([]byte{seed}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewPublisherRefusesShortKeys(t *testing.T) {
	for _, n := range []int{0, 1, KeySize - 1} {
		if _, err := NewPublisher(make([]byte, n)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%d-byte key: got %v, want ErrInvalid", n, err)
		}
	}
}

// TestPin checks the pin on many random points, poles and the antimeridian included: it is in
// the true point's area cell, the same for the same site and key, different under another
// key, and does not move while the site moves within its cell.
func TestPin(t *testing.T) {
	p, other := testPublisher(t, 1), testPublisher(t, 2)
	r := rand.New(rand.NewPCG(1, 2))
	points := [][2]float64{{90, 180}, {-90, -180}, {89.99, 179.99}, {-89.95, 0}, {0.05, 0.05},
		{49.25, -123.15}, {-0.05, -0.05}, {0, 180}, {0, -180}, {60, 10}, {60.05, 10}, {84.9, -33}}
	for range 100_000 {
		points = append(points, [2]float64{r.Float64()*180 - 90, r.Float64()*360 - 180})
	}
	same := 0
	for i, pt := range points {
		s := Site{ID: SiteID("org", strconv.Itoa(i)), Lat: pt[0], Lon: pt[1], Confidential: true}
		pub := p.Public(&s)
		if err := ValidLatLon(pub.Lat, pub.Lon); err != nil {
			t.Fatalf("%v: published %v,%v: %v", pt, pub.Lat, pub.Lon, err)
		}
		cell := AreaOf(pt[0], pt[1])
		if !cell.Contains(pub.Lat, pub.Lon) {
			t.Fatalf("%v: published point %v,%v is outside the area %v", pt, pub.Lat, pub.Lon, cell)
		}
		if again := p.Public(&s); again.Lat != pub.Lat || again.Lon != pub.Lon {
			t.Fatalf("%v: published %v,%v then %v,%v", pt, pub.Lat, pub.Lon, again.Lat, again.Lon)
		}
		moved := s
		moved.Lat = cell.MinLat + r.Float64()*(cell.MaxLat-cell.MinLat)
		moved.Lon = cell.MinLon + r.Float64()*(cell.MaxLon-cell.MinLon)
		if AreaOf(moved.Lat, moved.Lon) == cell {
			if m := p.Public(&moved); m.Lat != pub.Lat || m.Lon != pub.Lon {
				t.Fatalf("%v: the pin moved with the site inside its cell", pt)
			}
		}
		if o := other.Public(&s); o.Lat == pub.Lat && o.Lon == pub.Lon {
			same++
		}
	}
	if same > len(points)/100 {
		t.Errorf("%d of %d pins are the same under two keys", same, len(points))
	}
	open := Site{ID: SiteID("org", "open"), Lat: 1.5, Lon: 2.5, Address: Address{Street: "1 Main St"}}
	if pub := p.Public(&open); pub.Lat != 1.5 || pub.Lon != 2.5 || pub.Address != open.Address || pub.ID != open.ID || !pub.IsPublic() {
		t.Errorf("a public site is published as %+v, want itself, marked public", pub)
	}
}

// TestPinIsUniformOverTheCell checks that pins spread over their whole cell alike (chi-squared
// over a 4×4 grid), so a pin tells an attacker nothing about which part of the cell to search.
func TestPinIsUniformOverTheCell(t *testing.T) {
	p := testPublisher(t, 7)
	cell := AreaOf(49.25, -123.15)
	const grid, n = 4, 16_000
	var counts [grid * grid]int
	for i := range n {
		s := Site{ID: SiteID("org", strconv.Itoa(i)), Lat: cell.CentreLat(), Lon: cell.CentreLon(), Confidential: true}
		pub := p.Public(&s)
		gy := min(int((pub.Lat-cell.MinLat)/(cell.MaxLat-cell.MinLat)*grid), grid-1)
		gx := min(int((pub.Lon-cell.MinLon)/(cell.MaxLon-cell.MinLon)*grid), grid-1)
		counts[gy*grid+gx]++
	}
	// 37.7 is the 0.1% critical value of chi-squared with 15 degrees of freedom.
	want := float64(n) / (grid * grid)
	chi := 0.0
	for _, c := range counts {
		chi += (float64(c) - want) * (float64(c) - want) / want
	}
	if chi > 37.7 {
		t.Errorf("pins are not spread evenly over the cell: chi² = %.1f, counts %v", chi, counts)
	}
}

func TestAreaOf(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		lat, lon := r.Float64()*180-90, r.Float64()*360-180
		a := AreaOf(lat, lon)
		if !a.Contains(lat, lon) {
			t.Fatalf("%v,%v: not in its area %v", lat, lon, a)
		}
		if a.MaxLat-a.MinLat < AreaCellDeg-1e-9 {
			t.Fatalf("%v,%v: area %v is lower than a cell", lat, lon, a)
		}
		// No cell narrower than a 0.1° cell at 60° (about 5.5 km), measured at its wider edge.
		edge := math.Min(math.Abs(a.MinLat), math.Abs(a.MaxLat))
		if w := DistanceM(edge, a.MinLon, edge, a.MaxLon); a.MaxLon-a.MinLon < 359 && w < 5_000 {
			t.Fatalf("%v,%v: area %v is only %.0f m wide", lat, lon, a, w)
		}
	}
	if a := AreaOf(90, 180); a.MinLon != -180 || a.MaxLon != 180 {
		t.Errorf("the pole's area is %v, want the whole ring", a)
	}
}

func TestPublicForm(t *testing.T) {
	p := testPublisher(t, 1)
	var zoneAsked [2]float64
	p.Zone = func(lat, lon float64) string { zoneAsked = [2]float64{lat, lon}; return "America/Vancouver" }
	s := Site{ID: SiteID("org", "7 Secret Rd"), OrganizationID: "org", ExternalID: "7 Secret Rd", Name: "Safe home", Lat: 49.2321, Lon: -123.0712,
		Confidential: true, Precision: PrecisionAddress, Categories: []Category{CategoryShelter}, Status: StatusActive,
		Address: Address{Street: "7 Secret Rd", Unit: "2", Locality: "Vancouver", Region: "BC", PostalCode: "V5R 1A1", Country: "CA"},
		Phone:   "604-555-0100",
		Hours:   Hours{Timezone: "America/Edmonton", Weekly: []Period{{Day: 1, Open: 540, Close: 1020}}}}
	pub := p.Public(&s)
	if !pub.IsPublic() || pub.Address != (Address{}) || pub.ExternalID != "" || pub.Precision != PrecisionLocality {
		t.Errorf("public form %+v: want marked public, no address, no external ID, precision locality", pub)
	}
	if pub.Phone != s.Phone || pub.Name != s.Name || pub.ID != p.PublicID(s.ID, true) {
		t.Errorf("public form lost what is published: %+v", pub)
	}
	cell := AreaOf(s.Lat, s.Lon)
	if pub.Hours.Timezone != "America/Vancouver" || zoneAsked != [2]float64{cell.CentreLat(), cell.CentreLon()} {
		t.Errorf("zone %q asked at %v, want the zone of the area's centre %v,%v", pub.Hours.Timezone, zoneAsked, cell.CentreLat(), cell.CentreLon())
	}
	p.Zone = nil
	if pub := p.Public(&s); pub.Hours.Timezone != "" {
		t.Errorf("without a zone finder the zone is %q, want none (fail closed)", pub.Hours.Timezone)
	}
	if err := pub.Validate(); err == nil {
		t.Error("a public form validates: a store would keep it")
	}
	b, _ := pub.AppendBinary(nil)
	var back Site
	if err := back.UnmarshalBinary(b); err != nil || !back.IsPublic() {
		t.Errorf("binary round trip of a public form: %v, public %v", err, back.IsPublic())
	}
	b, _ = s.AppendBinary(nil)
	back = Site{}
	if err := back.UnmarshalBinary(b); err != nil || back.IsPublic() {
		t.Errorf("binary round trip of a stored site: %v, public %v", err, back.IsPublic())
	}
}

// TestPublicID checks the defence against the ID brute force: a confidential site's public ID
// is a keyed hash of its stored ID (which anyone can derive from public fields), stable for
// the same key, different under another, and a public site keeps its ID.
func TestPublicID(t *testing.T) {
	p, other := testPublisher(t, 1), testPublisher(t, 2)
	stored := SiteID("org", "ext")
	id := p.PublicID(stored, true)
	if id == stored || id == other.PublicID(stored, true) || id != p.PublicID(stored, true) {
		t.Errorf("public ID %s: the stored one, the same under another key, or not stable", id)
	}
	if len(id) != 36 || id[14] != '4' || id[8] != '-' {
		t.Errorf("public ID %q is not a version 4 UUID", id)
	}
	if p.PublicID(stored, false) != stored {
		t.Error("a public site's public ID is not its ID")
	}
	s := Site{ID: stored, Confidential: true}
	if got := p.Public(&s).ID; got != id {
		t.Errorf("Public gives ID %s, want %s", got, id)
	}
	if p.Withdrawn(&s) != stored {
		t.Error("Withdrawn of a confidential site is not its ID as a public site")
	}
	s.Confidential = false
	if p.Withdrawn(&s) != id {
		t.Error("Withdrawn of a public site is not its ID as a confidential site")
	}
}

package sms

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/geocode"
)

// TestCorners: a corner ("Main & Hastings", "coin Main et Hastings") is a place, found by the
// gazetteer where the two streets' address points meet, and the reply lists the sites
// nearest it.
func TestCorners(t *testing.T) {
	// Main Street north-south at 123.1000°W and East Hastings Street east-west at
	// 49.2810°N, address points both sides every 25 m.
	var b geocode.Builder
	for i := range 30 {
		lat := 49.2776 + float64(i)*0.000225
		b.Add(aidmap.AddressPoint{Lat: lat, Lon: -123.10025, Number: fmt.Sprint(100 + 10*i), Street: "Main Street", Locality: "Vancouver", Region: "BC", Country: "CA"})
		b.Add(aidmap.AddressPoint{Lat: lat, Lon: -123.09975, Number: fmt.Sprint(101 + 10*i), Street: "Main Street", Locality: "Vancouver", Region: "BC", Country: "CA"})
		lon := -123.0996 + float64(i)*0.00034
		b.Add(aidmap.AddressPoint{Lat: 49.28084, Lon: lon, Number: fmt.Sprint(100 + 10*i), Street: "E Hastings St", Locality: "Vancouver", Region: "BC", Country: "CA"})
		b.Add(aidmap.AddressPoint{Lat: 49.28116, Lon: lon, Number: fmt.Sprint(101 + 10*i), Street: "E Hastings St", Locality: "Vancouver", Region: "BC", Country: "CA"})
	}
	now := testNow
	ix := testIndex(demo.Sites(300, 1))
	e := New(Config{Index: func() *geo.Index { return ix }, Geocoder: geocode.NewEmbedded(b.Build()),
		Now: func() time.Time { return now }})
	want := ix.Nearest(49.2810, -123.1000, 1, geo.Filter{Categories: cats(aidmap.CategoryFoodBank, aidmap.CategoryFreeMeal, aidmap.CategoryCommunityKitchen),
		Statuses: []aidmap.Status{aidmap.StatusActive}})[0].Site().Name
	for _, msg := range []string{"food Main & Hastings", "food Main St and E Hastings St", "food Main/Hastings",
		"nourriture coin Main et Hastings", "comida esquina Main y Hastings", "طعام Main & Hastings"} {
		t.Run(msg, func(t *testing.T) {
			r := e.Answer(context.Background(), "", msg)
			if r.Sites != PerReply || !strings.Contains(r.Text, "Main") {
				t.Fatalf("got %d sites:\n%s", r.Sites, r.Text)
			}
			first := strings.SplitN(strings.SplitN(r.Text, "\n", 3)[1], ".", 2)[1]
			first = strings.TrimSpace(strings.TrimSuffix(strings.Fields(first)[0], ","))
			if r.Encoding == GSM7 && !strings.HasPrefix(want, first) {
				t.Errorf("first site %q, want the one nearest the corner, %q:\n%s", first, want, r.Text)
			}
		})
	}
}

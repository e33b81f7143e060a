package ingest_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/formats"
)

// embeddedGeocoder is the real embedded geocoder over a small gazetteer, as cmd/aidmap wires
// it: Geocode for rows without coordinates, Check for rows with them.
type embeddedGeocoder struct{ e *geocode.Embedded }

func (g embeddedGeocoder) Geocode(ctx context.Context, a aidmap.Address) (geocode.Result, error) {
	rs, err := g.e.Geocode(ctx, geocode.Request{Address: a})
	if err != nil {
		return geocode.Result{}, err
	}
	return rs[0], nil
}

func (g embeddedGeocoder) Check(ctx context.Context, a aidmap.Address) (geocode.Result, bool) {
	rs, err := g.e.Geocode(ctx, geocode.Request{Address: a})
	if err != nil || !rs[0].Placed() {
		return geocode.Result{}, false
	}
	return rs[0], true
}

func TestRunChecksCoordinatesAgainstAddress(t *testing.T) {
	var b geocode.Builder
	b.Add(aidmap.AddressPoint{Lat: 49.2590, Lon: -123.0835, Number: "1080", Street: "E 12th Ave", Locality: "Vancouver", Region: "BC"})
	b.Add(aidmap.AddressPoint{Lat: 43.7384, Lon: 7.4246, Number: "12", Street: "Boulevard des Moulins", Locality: "Monaco", Country: "MC"})
	g := embeddedGeocoder{geocode.NewEmbedded(b.Build())}
	st := newStore(t)
	csv := "id,name,address,city,lat,lon\n" +
		"A,Right,1080 E 12th Ave,Vancouver,49.2591,-123.0836\n" + // within metres of its address
		"B,Far,1080 E 12th Ave,Vancouver,49.3500,-123.0836\n" + // 10 km north of it
		"C,Swapped,12 Boulevard des Moulins,Monaco,7.4246,43.7384\n" + // both readings are valid degrees
		"D,Unknown street,5 Nowhere Rd,Vancouver,49.2,-123.1\n" // nothing to check against
	src, _, err := formats.NewReader(strings.NewReader(csv), formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ingest.Run(context.Background(), src, st, g, ingest.Options{Org: testOrg})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"warning 3 lat: " + ingest.ReasonFarFromAddress, "warning 4 lat: " + ingest.ReasonSwappedByAddress}
	if got := problems(rep); !slices.Equal(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
	sites := storeSites(t, st)
	if s := sites["B"]; s.Lat != 49.35 {
		t.Errorf("B: coordinates %v,%v; want the file's kept (only a warning)", s.Lat, s.Lon)
	}
	if s := sites["C"]; s.Lat != 43.7384 || s.Lon != 7.4246 {
		t.Errorf("C: coordinates %v,%v; want them swapped back to 43.7384,7.4246", s.Lat, s.Lon)
	}
	if len(sites) != 4 {
		t.Errorf("stored %d sites, want 4", len(sites))
	}
}

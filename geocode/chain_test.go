package geocode_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/geocode/remote"
	"github.com/aidmap/aidmap/store/sqlite"
)

// peliasAnswer is a Pelias /v1/search response with one address match, in the service's shape.
const peliasAnswer = `{"geocoding":{"version":"0.2","query":{"text":"x"}},"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[-123.08165,49.277403]},
 "properties":{"id":"a1","gid":"openaddresses:address:a1","layer":"address","source":"openaddresses",
 "name":"1150 Raymur Avenue","housenumber":"1150","street":"Raymur Avenue","postalcode":"V6A 3T2",
 "confidence":0.9,"match_type":"exact","accuracy":"point","locality":"Vancouver","region_a":"BC",
 "country_a":"CAN","label":"1150 Raymur Avenue, Vancouver, BC, Canada"}}]}`

// pelias starts a Pelias-shaped server that answers with status and body, counting requests.
func pelias(t *testing.T, status int, body string) (*remote.Pelias, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	p, err := remote.NewPelias(srv.URL, remote.Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return p, &n
}

func gazetteer() *geocode.Embedded {
	var b geocode.Builder
	b.Add(aidmap.AddressPoint{Lat: 49.2590, Lon: -123.0835, Number: "1080", Street: "E 12th Ave", Locality: "Vancouver", Region: "BC", Country: "CA"})
	return geocode.NewEmbedded(b.Build())
}

func cache(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestGeocoderAsksProvidersOnlyWhenNeeded(t *testing.T) {
	p, calls := pelias(t, 200, peliasAnswer)
	g := geocode.NewGeocoder(gazetteer(), []geocode.Provider{p}, cache(t), nil)
	ctx := context.Background()

	// The embedded gazetteer has this address: nothing leaves the machine.
	rs, err := g.Geocode(ctx, geocode.Request{Text: "1080 E 12th Ave, Vancouver BC"})
	if err != nil || rs[0].Source != geocode.SourceGazetteer || rs[0].Precision != aidmap.PrecisionAddress {
		t.Fatalf("known address = %+v, %v; want the gazetteer's point", rs, err)
	}
	if calls.Load() != 0 {
		t.Errorf("the provider was asked %d times for an address the gazetteer has", calls.Load())
	}

	// The gazetteer knows only the town: the provider's address point wins.
	rs, err = g.Geocode(ctx, geocode.Request{Text: "1150 Raymur Ave, Vancouver BC"})
	if err != nil || rs[0].Source != "pelias" || rs[0].Precision != aidmap.PrecisionAddress {
		t.Fatalf("unknown street = %+v, %v; want pelias' address first", rs, err)
	}
	if calls.Load() != 1 {
		t.Fatalf("provider calls = %d, want 1", calls.Load())
	}
	// The same address written differently is answered from the store's cache.
	rs, err = g.Geocode(ctx, geocode.Request{Text: "1150 RAYMUR AVENUE, VANCOUVER, B.C."})
	if err != nil || rs[0].Source != "pelias" {
		t.Fatalf("cached = %+v, %v", rs, err)
	}
	if calls.Load() != 1 {
		t.Errorf("provider calls after a cached request = %d, want still 1", calls.Load())
	}
}

func TestGeocoderFallsBackWhenProviderFails(t *testing.T) {
	p, _ := pelias(t, http.StatusServiceUnavailable, `{"error":"overloaded"}`)
	g := geocode.NewGeocoder(gazetteer(), []geocode.Provider{p}, cache(t), nil)
	ctx := context.Background()

	// The embedded answer (the town) stands, and says the provider was unavailable.
	rs, err := g.Geocode(ctx, geocode.Request{Text: "1150 Raymur Ave, Vancouver BC"})
	if err != nil {
		t.Fatalf("Geocode: %v; want the embedded answer", err)
	}
	if rs[0].Precision != aidmap.PrecisionLocality || !strings.Contains(rs[0].Note, "pelias was unavailable") {
		t.Errorf("got %+v; want the town, with a note that pelias was unavailable", rs[0])
	}

	// Nothing anywhere: unavailable, not "not found", so an upload says to try again later.
	_, err = g.Geocode(ctx, geocode.Request{Text: "12 Qqqq Zzzz Crescent, Xyzzyville"})
	if !errors.Is(err, aidmap.ErrUnavailable) {
		t.Errorf("err = %v; want ErrUnavailable", err)
	}
}

func TestGeocoderWithoutProviders(t *testing.T) {
	g := geocode.NewGeocoder(gazetteer(), nil, nil, nil)
	_, err := g.Geocode(context.Background(), geocode.Request{Text: "12 Qqqq Zzzz Crescent, Xyzzyville"})
	if !errors.Is(err, aidmap.ErrNotFound) {
		t.Errorf("err = %v; want ErrNotFound", err)
	}
}

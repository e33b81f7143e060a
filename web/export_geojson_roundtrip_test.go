package web

import (
	"reflect"
	"testing"

	"github.com/aidmap/aidmap"
)

// TestGeoJSONExportReimports loads a format=geojson list back with aidmap's own GeoJSON ingest:
// a GIS user's download must be a file aidmap reads again.
func TestGeoJSONExportReimports(t *testing.T) {
	srv := newExportServer(t)
	_, body := get(t, srv.URL+"/api/v1/sites?bbox=-180,-90,180,90&limit=1000&format=geojson")

	got := reimport(t, body, "sites.geojson")
	sites := exportSites()
	for _, w := range sites {
		pw := testPublisher().Public(&w)
		g, ok := got[pw.ID] // the feature id becomes the external ID
		if !ok {
			t.Errorf("%s was not re-imported", w.Name)
			continue
		}
		lat, lon := pw.Lat, pw.Lon
		addr := w.Address
		if w.Confidential {
			addr = aidmap.Address{}
		}
		for _, c := range []struct {
			field     string
			got, want any
		}{
			{"name", g.Name, w.Name},
			{"categories", g.Categories, uniqueCategories(w.Categories)},
			{"address", g.Address, addr},
			{"lat", roundCoord(g.Lat), roundCoord(lat)},
			{"lon", roundCoord(g.Lon), roundCoord(lon)},
			{"weekly hours", g.Hours.Weekly, w.Hours.Weekly},
			{"languages", g.Languages, w.Languages},
			{"status", g.Status, w.Status},
		} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s: %s: got %v, want %v", w.Name, c.field, c.got, c.want)
			}
		}
	}
}

package web

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/store/sqlite"
)

// TestGeoJSONExportReimports loads a format=geojson list back with aidmap's own GeoJSON ingest:
// a GIS user's download must be a file aidmap reads again.
func TestGeoJSONExportReimports(t *testing.T) {
	srv := newExportServer(t)
	_, body := get(t, srv.URL+"/api/v1/sites?bbox=-180,-90,180,90&limit=1000&format=geojson")

	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src, format, err := ingest.NewReader(bytes.NewReader(body), ingest.ReadOptions{Name: "sites.geojson"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ingest.Run(ctx, src, st, nil, ingest.Options{Org: "again", OrgName: "Again", Format: format, File: "sites.geojson"})
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	got := map[string]aidmap.Site{}
	if _, err := st.EachSite(ctx, func(s aidmap.Site) error { got[s.ExternalID] = s; return nil }); err != nil {
		t.Fatal(err)
	}
	sites := exportSites()
	if len(got) != len(sites) {
		t.Fatalf("re-imported %d sites of %d; report: %+v", len(got), len(sites), rep.Problems)
	}
	for _, w := range sites {
		g, ok := got[w.ID] // the feature id becomes the external ID
		if !ok {
			t.Errorf("%s was not re-imported", w.Name)
			continue
		}
		lat, lon := w.PublicLocation()
		addr := w.Address
		if w.Confidential {
			addr = aidmap.Address{Locality: addr.Locality, Region: addr.Region, Country: addr.Country}
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

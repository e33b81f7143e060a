package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/basemap"
	"github.com/aidmap/aidmap/demo"
)

// testArchive builds a z0-1 archive: MVT tiles (gzipped or plain) or PNG-typed bytes.
func testArchive(t *testing.T, format basemap.Format, gz bool) *basemap.Archive {
	t.Helper()
	tiles := map[maptile.Tile][]byte{}
	for _, tile := range []maptile.Tile{maptile.New(0, 0, 0), maptile.New(0, 1, 1)} {
		var b []byte
		if format == basemap.MVT {
			fc := geojson.NewFeatureCollection()
			fc.Append(geojson.NewFeature(tile.Center()))
			layers := mvt.NewLayers(map[string]*geojson.FeatureCollection{"land": fc})
			layers.ProjectToTile(tile)
			var err error
			if gz {
				b, err = mvt.MarshalGzipped(layers)
			} else {
				b, err = mvt.Marshal(layers)
			}
			if err != nil {
				t.Fatal(err)
			}
		} else {
			b = []byte("\x89PNG fake image")
		}
		tiles[tile] = b
	}
	var buf bytes.Buffer
	if err := basemap.WriteArchive(&buf, basemap.Spec{Format: format, Gzip: gz, Tiles: tiles,
		Bounds: orb.Bound{Min: orb.Point{-180, -85}, Max: orb.Point{180, 85}}, Metadata: map[string]any{"name": "city"}}); err != nil {
		t.Fatal(err)
	}
	a, err := basemap.OpenBytes("test", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func newBasemapServer(t *testing.T, a *basemap.Archive) *httptest.Server {
	t.Helper()
	src := snapshot{ix: publicIndex(demo.Sites(5, 7), 1), orgs: map[string]aidmap.Organization{}}
	srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}, Version: "test", Basemap: a}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

func TestBasemapTile(t *testing.T) {
	gzipped := newBasemapServer(t, testArchive(t, basemap.MVT, true))
	plain := newBasemapServer(t, testArchive(t, basemap.MVT, false))
	raster := newBasemapServer(t, testArchive(t, basemap.PNG, false))
	world := newBasemapServer(t, nil)
	tests := []struct {
		name     string
		srv      *httptest.Server
		path     string
		gzip     bool // the request accepts gzip
		status   int
		encoding string
		ctype    string
	}{
		{"stored gzip, client takes gzip", gzipped, "/tiles/basemap/0/0/0.mvt", true, 200, "gzip", "application/vnd.mapbox-vector-tile"},
		{"stored gzip, client does not", gzipped, "/tiles/basemap/0/0/0.mvt", false, 200, "", "application/vnd.mapbox-vector-tile"},
		{"stored plain, client takes gzip", plain, "/tiles/basemap/1/0/1.mvt", true, 200, "gzip", "application/vnd.mapbox-vector-tile"},
		{"stored plain, client does not", plain, "/tiles/basemap/1/0/1.mvt", false, 200, "", "application/vnd.mapbox-vector-tile"},
		{"no such vector tile", gzipped, "/tiles/basemap/1/1/1.mvt", true, 204, "", ""},
		{"past the max zoom", gzipped, "/tiles/basemap/5/1/1.mvt", true, 204, "", ""},
		{"not a tile", gzipped, "/tiles/basemap/1/2/0.mvt", true, 400, "", "application/problem+json"},
		{"wrong extension", gzipped, "/tiles/basemap/0/0/0.png", true, 404, "", "application/problem+json"},
		{"raster", raster, "/tiles/basemap/0/0/0.png", true, 200, "", "image/png"},
		{"no such raster tile", raster, "/tiles/basemap/1/1/1.png", true, 404, "", "application/problem+json"},
		{"default world", world, "/tiles/basemap/0/0/0.mvt", true, 200, "gzip", "application/vnd.mapbox-vector-tile"},
		{"world overview beside a city", gzipped, "/tiles/world/2/0/1.mvt", false, 200, "", "application/vnd.mapbox-vector-tile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.gzip {
				hdr = []string{"Accept-Encoding", "gzip, br"}
			}
			resp, body := fetch(t, tt.srv.URL+tt.path, hdr...)
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Encoding") != tt.encoding || resp.Header.Get("Content-Type") != tt.ctype {
				t.Fatalf("got %d, encoding %q, type %q (%s); want %d, %q, %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Type"), body, tt.status, tt.encoding, tt.ctype)
			}
			if tt.status != 200 || tt.ctype != "application/vnd.mapbox-vector-tile" {
				return
			}
			if tt.encoding == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if layers, err := mvt.Unmarshal(body); err != nil || len(layers) == 0 {
				t.Errorf("got %v, %v; want a decodable tile", layers, err)
			}
		})
	}
}

func TestBasemapTileETag(t *testing.T) {
	srv := newBasemapServer(t, testArchive(t, basemap.MVT, true))
	resp, _ := fetch(t, srv.URL+"/tiles/basemap/0/0/0.mvt", "Accept-Encoding", "gzip")
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `W/"`) || resp.Header.Get("Cache-Control") == "" || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("got ETag %q, Cache-Control %q, Vary %q", etag, resp.Header.Get("Cache-Control"), resp.Header.Get("Vary"))
	}
	for _, c := range []struct {
		name, inm string
		want      int
	}{
		{"same", etag, http.StatusNotModified},
		{"strong form", strings.TrimPrefix(etag, "W/"), http.StatusNotModified},
		{"in a list", `"other", ` + etag, http.StatusNotModified},
		{"star", "*", http.StatusNotModified},
		{"other", `"other"`, http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := fetch(t, srv.URL+"/tiles/basemap/0/0/0.mvt", "If-None-Match", c.inm)
			if resp.StatusCode != c.want {
				t.Errorf("got %d, want %d", resp.StatusCode, c.want)
			}
			if c.want == http.StatusNotModified && (len(body) != 0 || resp.Header.Get("ETag") != etag) {
				t.Errorf("304 with %d bytes and ETag %q", len(body), resp.Header.Get("ETag"))
			}
		})
	}
	// Another tile has another ETag.
	resp2, _ := fetch(t, srv.URL+"/tiles/basemap/1/0/1.mvt")
	if resp2.Header.Get("ETag") == etag {
		t.Error("two tiles share an ETag")
	}
}

func TestBasemapTileJSON(t *testing.T) {
	for _, c := range []struct {
		name        string
		a           *basemap.Archive
		path        string
		wantDefault bool
		wantTiles   string
	}{
		{"city", testArchive(t, basemap.MVT, true), "/tiles/basemap.json", false, "/tiles/basemap/{z}/{x}/{y}.mvt"},
		{"raster", testArchive(t, basemap.PNG, false), "/tiles/basemap.json", false, "/tiles/basemap/{z}/{x}/{y}.png"},
		{"default", nil, "/tiles/basemap.json", true, "/tiles/basemap/{z}/{x}/{y}.mvt"},
		{"world", testArchive(t, basemap.MVT, true), "/tiles/world.json", true, "/tiles/world/{z}/{x}/{y}.mvt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newBasemapServer(t, c.a)
			resp, body := fetch(t, srv.URL+c.path)
			var tj struct {
				TileJSON string   `json:"tilejson"`
				Tiles    []string `json:"tiles"`
				Default  bool     `json:"aidmap_default"`
				MaxZoom  int      `json:"maxzoom"`
			}
			if err := json.Unmarshal(body, &tj); err != nil || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("got %s (%v)", body, err)
			}
			if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || tj.Tiles[0] != srv.URL+c.wantTiles || tj.Default != c.wantDefault {
				t.Errorf("got %s, want tiles %s and aidmap_default %v", body, srv.URL+c.wantTiles, c.wantDefault)
			}
		})
	}
}

// TestStyleIsLocal checks that the map style only points at this server: the page must work
// with no internet.
func TestStyleIsLocal(t *testing.T) {
	b, err := fs.ReadFile(embeddedStatic(), "style.json")
	if err != nil {
		t.Fatal(err)
	}
	var style struct {
		Version int                       `json:"version"`
		Glyphs  string                    `json:"glyphs"`
		Sprite  any                       `json:"sprite"`
		Sources map[string]map[string]any `json:"sources"`
		Layers  []map[string]any          `json:"layers"`
	}
	if err := json.Unmarshal(b, &style); err != nil {
		t.Fatal(err)
	}
	if style.Version != 8 || style.Sprite != nil || len(style.Layers) == 0 {
		t.Errorf("got version %d, sprite %v, %d layers", style.Version, style.Sprite, len(style.Layers))
	}
	if style.Glyphs != "/fonts/{fontstack}/{range}.pbf" {
		t.Errorf("got glyphs %q", style.Glyphs)
	}
	for name, src := range style.Sources {
		u, _ := src["url"].(string)
		if !strings.HasPrefix(u, "/tiles/") || src["tiles"] != nil {
			t.Errorf("source %s: got url %q, tiles %v; want a /tiles/ TileJSON", name, u, src["tiles"])
		}
	}
	if bytes.Contains(b, []byte("://")) {
		t.Error("the style names another host")
	}
	for _, l := range style.Layers {
		if src, ok := l["source"].(string); ok && style.Sources[src] == nil {
			t.Errorf("layer %v uses unknown source %s", l["id"], src)
		}
	}
}

// BenchmarkBasemapTile measures the basemap tile handler alone on the embedded world's z5
// Vancouver tile: passing the stored gzip through, gunzipping for a client without gzip, and
// answering a matching If-None-Match.
func BenchmarkBasemapTile(b *testing.B) {
	src := snapshot{ix: publicIndex(demo.Sites(5, 7), 1), orgs: map[string]aidmap.Organization{}}
	h := NewServer(Config{Source: src, Store: pinger{}}).Handler()
	const path = "/tiles/basemap/5/5/11.mvt"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		b.Fatalf("got %d", rec.Code)
	}
	etag := rec.Header().Get("ETag")
	for _, c := range []struct{ name, header, value string }{
		{"gzip", "Accept-Encoding", "gzip"},
		{"identity", "Accept-Encoding", "identity"},
		{"304", "If-None-Match", etag},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set(c.header, c.value)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK && w.Code != http.StatusNotModified {
					b.Fatalf("got %d", w.Code)
				}
			}
		})
	}
}

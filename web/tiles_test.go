package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
)

// fetch makes a GET with the given headers, without the transport's own gzip handling, so the
// test sees the bytes on the wire.
func fetch(t *testing.T, url string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// vancouverTile is the z12 tile holding the demo sites of newTestServer.
const vancouverTile = "/tiles/sites/12/647/1402.mvt"

func TestSitesTile(t *testing.T) {
	srv := newTestServer(t, nil)

	resp, plain := fetch(t, srv.URL+vancouverTile)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("got %d %s, want 200 and an MVT", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("got Content-Encoding %q without Accept-Encoding: gzip", resp.Header.Get("Content-Encoding"))
	}
	layers, err := mvt.Unmarshal(plain)
	if err != nil || len(layers) != 1 || layers[0].Name != "sites" || len(layers[0].Features) == 0 {
		t.Fatalf("got %v, %v; want a sites layer with features", layers, err)
	}
	etag := resp.Header.Get("ETag")
	if etag != `W/"sites-9-0"` || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age") {
		t.Fatalf("got ETag %q, Cache-Control %q", etag, resp.Header.Get("Cache-Control"))
	}

	t.Run("gzip", func(t *testing.T) {
		resp, body := fetch(t, srv.URL+vancouverTile, "Accept-Encoding", "br, gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("got Content-Encoding %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(zr)
		if !bytes.Equal(raw, plain) {
			t.Fatalf("gunzipped tile differs from the plain one")
		}
		if resp, _ := fetch(t, srv.URL+vancouverTile, "Accept-Encoding", "gzip;q=0"); resp.Header.Get("Content-Encoding") != "" {
			t.Fatal("gzip;q=0 got gzip")
		}
	})

	t.Run("304", func(t *testing.T) {
		for _, inm := range []string{etag, `"sites-9-0"`, `"other", ` + etag, "*"} {
			resp, body := fetch(t, srv.URL+vancouverTile, "If-None-Match", inm)
			if resp.StatusCode != http.StatusNotModified || len(body) != 0 || resp.Header.Get("ETag") != etag {
				t.Errorf("If-None-Match %s: got %d, %d bytes", inm, resp.StatusCode, len(body))
			}
		}
		if resp, _ := fetch(t, srv.URL+vancouverTile, "If-None-Match", `W/"sites-8-0"`); resp.StatusCode != http.StatusOK {
			t.Errorf("stale ETag: got %d, want 200", resp.StatusCode)
		}
	})

	t.Run("filter", func(t *testing.T) {
		resp, body := fetch(t, srv.URL+vancouverTile+"?category=food_bank,shelter")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag {
			t.Fatalf("got %d, ETag %q; want 200 and another ETag", resp.StatusCode, resp.Header.Get("ETag"))
		}
		layers, err := mvt.Unmarshal(body)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range layers[0].Features {
			c, _ := f.Properties["categories"].(string)
			if !strings.Contains(c, "food_bank") && !strings.Contains(c, "shelter") {
				t.Errorf("filtered tile has a feature of %q", c)
			}
		}
	})

	t.Run("empty", func(t *testing.T) {
		if resp, body := fetch(t, srv.URL+"/tiles/sites/12/0/0.mvt"); resp.StatusCode != http.StatusNoContent || len(body) != 0 {
			t.Fatalf("got %d, %d bytes; want 204", resp.StatusCode, len(body))
		}
	})
}

func TestSitesTileBadParams(t *testing.T) {
	srv := newTestServer(t, nil)
	for _, tc := range []struct {
		path, param string
	}{
		{"/tiles/sites/a/0/0.mvt", "z"},
		{"/tiles/sites/23/0/0.mvt", "z"},
		{"/tiles/sites/-1/0/0.mvt", "z"},
		{"/tiles/sites/2/4/0.mvt", "x"},
		{"/tiles/sites/2/1.5/0.mvt", "x"},
		{"/tiles/sites/2/0/4.mvt", "y"},
		{"/tiles/sites/2/0/99999999999.mvt", "y"},
		{"/tiles/sites/2/0/0.mvt?category=soup", "category"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := fetch(t, srv.URL+tc.path)
			var p problem
			if err := json.Unmarshal(body, &p); err != nil || resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("got %d %s, want 400", resp.StatusCode, body)
			}
			if len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != tc.param {
				t.Fatalf("got invalid params %+v, want %s", p.InvalidParams, tc.param)
			}
		})
	}
}

func TestSitesTileJSON(t *testing.T) {
	srv := newTestServer(t, nil)
	resp, body := fetch(t, srv.URL+"/tiles/sites.json?category=shelter", "X-Forwarded-Proto", "https")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d", resp.StatusCode)
	}
	var doc struct {
		TileJSON     string    `json:"tilejson"`
		Tiles        []string  `json:"tiles"`
		MinZoom      int       `json:"minzoom"`
		MaxZoom      int       `json:"maxzoom"`
		Bounds       []float64 `json:"bounds"`
		VectorLayers []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	if want := "https://" + host + "/tiles/sites/{z}/{x}/{y}.mvt?category=shelter"; doc.TileJSON != "3.0.0" || len(doc.Tiles) != 1 || doc.Tiles[0] != want {
		t.Fatalf("got %s %v, want 3.0.0 [%s]", doc.TileJSON, doc.Tiles, want)
	}
	if doc.MaxZoom != 14 || len(doc.Bounds) != 4 || doc.Bounds[0] > -122 || doc.Bounds[2] < -123.2 || doc.Bounds[1] < 49 || doc.Bounds[3] > 49.5 {
		t.Fatalf("got zooms %d-%d, bounds %v", doc.MinZoom, doc.MaxZoom, doc.Bounds)
	}
	if len(doc.VectorLayers) != 1 || doc.VectorLayers[0].ID != "sites" || doc.VectorLayers[0].Fields["point_count"] == "" || doc.VectorLayers[0].Fields["count_food_bank"] == "" {
		t.Fatalf("got vector_layers %+v", doc.VectorLayers)
	}
}

// BenchmarkSitesTileCachedHTTP measures cached tiles over real HTTP (keep-alive connections,
// gzip, the server's whole middleware chain), client and server on the same machine.
func BenchmarkSitesTileCachedHTTP(b *testing.B) {
	src := snapshot{ix: publicIndex(demo.Sites(200, 7), 9)}
	srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}}).Handler())
	defer srv.Close()
	url := srv.URL + vancouverTile
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	warm, _ := http.NewRequest(http.MethodGet, url, nil)
	if resp, err := client.Do(warm); err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("warm-up: %v", err)
	} else {
		resp.Body.Close()
	}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		for pb.Next() {
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkSitesTileCachedHandler is the server's share of a cached tile: the handler and
// its middleware without the network or an HTTP client.
func BenchmarkSitesTileCachedHandler(b *testing.B) {
	src := snapshot{ix: publicIndex(demo.Sites(200, 7), 9)}
	h := NewServer(Config{Source: src, Store: pinger{}}).Handler()
	req := httptest.NewRequest(http.MethodGet, vancouverTile, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Errorf("status %d", w.Code)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// liveSource publishes whatever index its Live holds, as feed.Follower does.
type liveSource struct {
	snapshot
	live *geo.Live
}

func (s liveSource) Index() *geo.Index { return s.live.Load() }

// TestSitesTileFollowsIndex checks that a new index version changes the ETag, so a client's
// cached tile is revalidated to the new sites and not answered 304.
func TestSitesTileFollowsIndex(t *testing.T) {
	sites := demo.Sites(200, 7)
	src := liveSource{live: new(geo.Live)}
	src.live.Store(publicIndex(sites, 1))
	srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}}).Handler())
	defer srv.Close()

	resp, before := fetch(t, srv.URL+vancouverTile)
	etag := resp.Header.Get("ETag")
	src.live.Store(src.live.Load().Apply(nil, 2)) // a new version with the same sites
	resp, _ = fetch(t, srv.URL+vancouverTile, "If-None-Match", etag)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag {
		t.Fatalf("after a new version: got %d, ETag %q (was %q)", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}

	var retired []aidmap.Site // every site removed: the tile becomes empty
	for _, s := range testPublisher().PublicSites(sites) {
		s.Status = aidmap.StatusRetired
		retired = append(retired, s)
	}
	src.live.Store(src.live.Load().Apply(retired, 3))
	if resp, _ := fetch(t, srv.URL+vancouverTile); resp.StatusCode != http.StatusNoContent || len(before) == 0 {
		t.Fatalf("after removing every site: got %d, want 204", resp.StatusCode)
	}
}

// FuzzTileRequest sends arbitrary tile paths, filters and caching headers through the whole
// handler: every answer is a tile, an empty tile, a 304 or a 4xx problem, never a 500.
func FuzzTileRequest(f *testing.F) {
	f.Add("12", "647", "1402", "food_bank", `W/"sites-9-0"`, "gzip")
	f.Add("0", "0", "0", "", "*", "gzip;q=0, br")
	f.Add("23", "-1", "x", "soup,,shelter", `"a", W/"b"`, "GZIP;q=0.5")
	src := snapshot{ix: publicIndex(demo.Sites(200, 7), 9)}
	h := NewServer(Config{Source: src, Store: pinger{}}).Handler()
	f.Fuzz(func(t *testing.T, z, x, y, category, inm, ae string) {
		target := "/tiles/sites/" + url.PathEscape(z) + "/" + url.PathEscape(x) + "/" + url.PathEscape(y) + ".mvt?category=" + url.QueryEscape(category)
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("If-None-Match", inm)
		req.Header.Set("Accept-Encoding", ae)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusNoContent, http.StatusNotModified, http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("%s: got %d %s", target, w.Code, w.Body.String())
		}
	})
}

package basemap_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/basemap"
)

// mvtTile encodes one point feature named name into layer "places" of tile t.
func mvtTile(t *testing.T, tile maptile.Tile, name string) []byte {
	t.Helper()
	fc := geojson.NewFeatureCollection()
	f := geojson.NewFeature(tile.Center())
	f.Properties = geojson.Properties{"name": name}
	fc.Append(f)
	layers := mvt.NewLayers(map[string]*geojson.FeatureCollection{"places": fc})
	layers.ProjectToTile(tile)
	b, err := mvt.MarshalGzipped(layers)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// archive writes an MVT archive with tiles and returns its bytes.
func archive(t *testing.T, tiles map[maptile.Tile][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	err := basemap.WriteArchive(&buf, basemap.Spec{
		Format: basemap.MVT, Gzip: true,
		Bounds: orb.Bound{Min: orb.Point{-10, -10}, Max: orb.Point{10, 10}},
		Metadata: map[string]any{"name": "test", "attribution": "nobody",
			"vector_layers": []map[string]any{{"id": "places", "fields": map[string]string{"name": "String"}}}},
		Tiles: tiles,
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func smallArchive(t *testing.T) []byte {
	tiles := map[maptile.Tile][]byte{}
	for z := maptile.Zoom(0); z <= 2; z++ {
		for x := uint32(0); x < 1<<z; x++ {
			for y := uint32(0); y < 1<<z; y++ {
				tile := maptile.New(x, y, z)
				tiles[tile] = mvtTile(t, tile, fmt.Sprintf("%d/%d/%d", z, x, y))
			}
		}
	}
	return archive(t, tiles)
}

func writeFile(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "a.pmtiles")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// header returns a copy of b with header byte i set to v.
func patch(b []byte, i int, v byte) []byte {
	c := bytes.Clone(b)
	c[i] = v
	return c
}

func TestOpenRejects(t *testing.T) {
	good := smallArchive(t)
	rootOff := binary.LittleEndian.Uint64(good[8:])
	badRoot := bytes.Clone(good)
	copy(badRoot[rootOff:], "not gzip at all")
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"too short", []byte("PMTiles\x03"), "too short"},
		{"plain text", []byte(strings.Repeat("this is not a tile archive\n", 10)), "not a PMTiles archive"},
		{"version 4", patch(good, 7, 4), "version 4 is not supported"},
		{"version 2", patch(good, 7, 2), "convert it to version 3"},
		{"brotli tiles", patch(good, 98, 3), "brotli"},
		{"zstd directories", patch(good, 97, 4), "directories are compressed with zstd"},
		{"MapLibre tiles", patch(good, 99, 6), "MLT"},
		{"unknown tile type", patch(good, 99, 42), "unknown tile type"},
		{"zoom range", patch(good, 100, 9), "zoom range"},
		{"truncated", good[:len(good)-10], "past the end"},
		{"corrupt root", badRoot, "root directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := basemap.Open(context.Background(), writeFile(t, tt.data))
			if err == nil {
				t.Fatal("got no error")
			}
			if !errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrInvalid saying %q", err, tt.want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		if _, err := basemap.Open(context.Background(), filepath.Join(t.TempDir(), "nope.pmtiles")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v, want os.ErrNotExist", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		if _, err := basemap.Open(context.Background(), t.TempDir()); !errors.Is(err, aidmap.ErrInvalid) {
			t.Errorf("got %v, want ErrInvalid", err)
		}
	})
	t.Run("scheme", func(t *testing.T) {
		if _, err := basemap.Open(context.Background(), "s3://bucket/a.pmtiles"); err == nil || !strings.Contains(err.Error(), "unsupported URL scheme") {
			t.Errorf("got %v, want unsupported URL scheme", err)
		}
	})
}

// TestRoundTrip writes enough distinct tiles to need leaf directories, plus runs of one
// repeated tile, and reads every one back.
func TestRoundTrip(t *testing.T) {
	tiles := map[maptile.Tile][]byte{}
	const z = 8
	for x := uint32(0); x < 1<<z; x++ {
		for y := uint32(0); y < 100; y++ {
			tiles[maptile.New(x, y, z)] = []byte(fmt.Sprintf("tile %d/%d", x, y))
		}
		for y := uint32(200); y < 210; y++ {
			tiles[maptile.New(x, y, z)] = []byte("ocean") // deduplicated, in runs
		}
	}
	var buf bytes.Buffer
	if err := basemap.WriteArchive(&buf, basemap.Spec{Format: basemap.PNG, Tiles: tiles}); err != nil {
		t.Fatal(err)
	}
	a, err := basemap.Open(context.Background(), writeFile(t, buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if got := a.Info(); got.MinZoom != z || got.MaxZoom != z || got.Format != basemap.PNG || got.Gzip || got.Tiles != uint64(len(tiles)) {
		t.Errorf("got info %+v, want z%d png, %d tiles", got, z, len(tiles))
	}
	ctx := context.Background()
	etags := map[string]string{}
	for tile, want := range tiles {
		got, err := a.Tile(ctx, int(tile.Z), int(tile.X), int(tile.Y))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("tile %v: got %q, %v, want %q", tile, got, err, want)
		}
		e, _ := a.Find(ctx, int(tile.Z), int(tile.X), int(tile.Y))
		if prev, ok := etags[string(want)]; ok && prev != e.ETag() {
			t.Fatalf("tile %v: same content, ETag %s and %s", tile, prev, e.ETag())
		}
		etags[string(want)] = e.ETag()
	}
	if len(etags) != len(tiles)-(1<<z)*10+1 {
		t.Errorf("got %d distinct ETags, want one per distinct content", len(etags))
	}
	for _, c := range []struct {
		z, x, y int
		want    error
	}{
		{z, 0, 150, aidmap.ErrNotFound}, // a gap between the runs
		{z, 255, 255, aidmap.ErrNotFound},
		{z - 1, 0, 0, aidmap.ErrNotFound},
		{z, 256, 0, aidmap.ErrInvalid},
		{-1, 0, 0, aidmap.ErrInvalid},
		{31, 0, 0, aidmap.ErrInvalid},
	} {
		if _, err := a.Find(ctx, c.z, c.x, c.y); !errors.Is(err, c.want) {
			t.Errorf("Find(%d/%d/%d): got %v, want %v", c.z, c.x, c.y, err, c.want)
		}
	}
}

func TestTileJSON(t *testing.T) {
	a, err := basemap.OpenBytes("small", smallArchive(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.TileJSON("http://localhost:8080/tiles/basemap/{z}/{x}/{y}.mvt", map[string]any{"extra": true})
	if err != nil {
		t.Fatal(err)
	}
	var tj struct {
		TileJSON     string           `json:"tilejson"`
		Tiles        []string         `json:"tiles"`
		MinZoom      *int             `json:"minzoom"`
		MaxZoom      int              `json:"maxzoom"`
		Bounds       []float64        `json:"bounds"`
		Center       []float64        `json:"center"`
		Name         string           `json:"name"`
		Attribution  string           `json:"attribution"`
		VectorLayers []map[string]any `json:"vector_layers"`
		Format       string           `json:"format"`
		Extra        bool             `json:"extra"`
	}
	if err := json.Unmarshal(b, &tj); err != nil {
		t.Fatal(err)
	}
	if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || !strings.HasSuffix(tj.Tiles[0], "/{z}/{x}/{y}.mvt") ||
		tj.MinZoom == nil || *tj.MinZoom != 0 || tj.MaxZoom != 2 || len(tj.Bounds) != 4 || tj.Bounds[0] != -10 || len(tj.Center) != 3 ||
		tj.Name != "test" || tj.Attribution != "nobody" || len(tj.VectorLayers) != 1 || tj.VectorLayers[0]["id"] != "places" ||
		tj.Format != "mvt" || !tj.Extra {
		t.Errorf("got %s", b)
	}
}

func TestOpenHTTP(t *testing.T) {
	data := smallArchive(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/maps/city.pmtiles", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "city.pmtiles", time.Time{}, bytes.NewReader(data))
	})
	mux.HandleFunc("/norange/city.pmtiles", func(w http.ResponseWriter, r *http.Request) {
		w.Write(data) // ignores Range
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	a, err := basemap.Open(context.Background(), srv.URL+"/maps/city.pmtiles")
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Tile(context.Background(), 2, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := mvt.Unmarshal(got)
	if err != nil || len(layers) != 1 || layers[0].Features[0].Properties["name"] != "2/1/3" {
		t.Errorf("got %v, %v, want the 2/1/3 feature", layers, err)
	}
	if _, err := basemap.Open(context.Background(), srv.URL+"/norange/city.pmtiles"); err == nil || !strings.Contains(err.Error(), "Range") {
		t.Errorf("server without ranges: got %v, want an error about Range", err)
	}
	if _, err := basemap.Open(context.Background(), srv.URL+"/missing.pmtiles"); err == nil {
		t.Error("missing URL: got no error")
	}
}

// TestDefault checks the embedded world overview: it opens, covers zooms 0-6, and the tile
// holding each of a few cities exists at every zoom with land in it, and names the city once
// its population earns a label.
func TestDefault(t *testing.T) {
	a, err := basemap.Default()
	if err != nil {
		t.Fatal(err)
	}
	info := a.Info()
	if info.Format != basemap.MVT || !info.Gzip || info.MinZoom != 0 || info.MaxZoom != 6 {
		t.Fatalf("got %+v, want gzipped MVT z0-6", info)
	}
	if n := len(basemap.WorldSources); n == 0 {
		t.Error("no sources text")
	}
	cities := []struct {
		name      string
		lon, lat  float64
		labelFrom int // zoom from which the city is labelled
	}{
		{"Vancouver", -123.12, 49.28, 4},
		{"London", -0.13, 51.51, 2},
		{"Nairobi", 36.82, -1.29, 3},
		{"Tokyo", 139.69, 35.69, 2},
	}
	ctx := context.Background()
	for _, c := range cities {
		for z := 0; z <= info.MaxZoom; z++ {
			tile := maptile.At(orb.Point{c.lon, c.lat}, maptile.Zoom(z))
			b, err := a.Tile(ctx, z, int(tile.X), int(tile.Y))
			if err != nil {
				t.Fatalf("%s z%d: %v", c.name, z, err)
			}
			layers, err := mvt.Unmarshal(b)
			if err != nil {
				t.Fatalf("%s z%d: %v", c.name, z, err)
			}
			byName := map[string]*mvt.Layer{}
			for _, l := range layers {
				byName[l.Name] = l
			}
			if l := byName["land"]; l == nil || len(l.Features) == 0 {
				t.Errorf("%s z%d: no land", c.name, z)
			}
			labelled := false
			if l := byName["places"]; l != nil {
				for _, f := range l.Features {
					if f.Properties["name"] == c.name && f.Properties["class"] == "city" {
						labelled = true
					}
				}
			}
			if want := z >= c.labelFrom; labelled != want {
				t.Errorf("%s z%d: labelled %v, want %v", c.name, z, labelled, want)
			}
		}
	}
	// Lake Superior is water over the land at z5.
	sup := maptile.At(orb.Point{-87.5, 47.7}, 5)
	b, _ := a.Tile(ctx, 5, int(sup.X), int(sup.Y))
	if layers, _ := mvt.Unmarshal(b); !hasLayer(layers, "water") {
		t.Error("Lake Superior z5: no water layer")
	}
	// The Canada-US border crosses Vancouver's z5 tile.
	tile := maptile.At(orb.Point{-123.12, 49.28}, 5)
	b, _ = a.Tile(ctx, 5, int(tile.X), int(tile.Y))
	layers, _ := mvt.Unmarshal(b)
	found := false
	for _, l := range layers {
		for _, f := range l.Features {
			if l.Name == "boundaries" && f.Properties["admin_level"] == float64(2) {
				found = true
			}
		}
	}
	if !found {
		t.Error("Vancouver z5: no country border")
	}
}

func FuzzOpen(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("PMTiles\x03"))
	var buf bytes.Buffer
	basemap.WriteArchive(&buf, basemap.Spec{Format: basemap.MVT, Tiles: map[maptile.Tile][]byte{maptile.New(0, 0, 0): []byte("x"), maptile.New(1, 1, 1): []byte("y")}})
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := basemap.OpenBytes("fuzz", b)
		if err != nil {
			return
		}
		ctx := context.Background()
		info := a.Info()
		for z := info.MinZoom; z <= min(info.MaxZoom, 3); z++ {
			for x := 0; x < 1<<z; x++ {
				a.Tile(ctx, z, x, 0)
			}
		}
		a.TileJSON("http://x/{z}/{x}/{y}.mvt", nil)
	})
}

func hasLayer(layers mvt.Layers, name string) bool {
	for _, l := range layers {
		if l.Name == name && len(l.Features) > 0 {
			return true
		}
	}
	return false
}

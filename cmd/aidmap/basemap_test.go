package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/aidmap/aidmap/basemap"
)

// writeCityArchive writes a one-tile MVT archive (z0) and returns its path.
func writeCityArchive(t *testing.T) string {
	t.Helper()
	tile := maptile.New(0, 0, 0)
	fc := geojson.NewFeatureCollection()
	fc.Append(geojson.NewFeature(tile.Center()))
	layers := mvt.NewLayers(map[string]*geojson.FeatureCollection{"places": fc})
	layers.ProjectToTile(tile)
	b, err := mvt.MarshalGzipped(layers)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := basemap.WriteArchive(&buf, basemap.Spec{Format: basemap.MVT, Gzip: true, Tiles: map[maptile.Tile][]byte{tile: b},
		Metadata: map[string]any{"name": "city"}}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "city.pmtiles")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServeBasemap(t *testing.T) {
	base := startServer(t, "--demo=false", "--basemap", writeCityArchive(t))
	var tj struct {
		Name    string   `json:"name"`
		Tiles   []string `json:"tiles"`
		Default bool     `json:"aidmap_default"`
	}
	if resp := getJSON(t, base, "/tiles/basemap.json", &tj); resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d", resp.StatusCode)
	}
	if tj.Name != "city" || tj.Default || len(tj.Tiles) != 1 || tj.Tiles[0] != base+"/tiles/basemap/{z}/{x}/{y}.mvt" {
		t.Errorf("got %+v", tj)
	}
	for path, want := range map[string]int{
		"/tiles/basemap/0/0/0.mvt": http.StatusOK,
		"/tiles/basemap/1/0/0.mvt": http.StatusNoContent,
		"/tiles/world/3/1/2.mvt":   http.StatusOK, // the world overview is still there underneath
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: got %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// TestServeBasemapRejects checks that serve refuses a bad --basemap (or AIDMAP_BASEMAP) at
// start, saying what is wrong, before it opens the store.
func TestServeBasemapRejects(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, err := os.ReadFile(writeCityArchive(t))
	if err != nil {
		t.Fatal(err)
	}
	v4 := bytes.Clone(good)
	v4[7] = 4
	tests := []struct {
		name, path string
		env        bool
		want       string
	}{
		{"empty", write("empty.pmtiles", nil), false, "the file is empty"},
		{"text", write("notes.pmtiles", []byte(strings.Repeat("not tiles\n", 20))), false, "not a PMTiles archive"},
		{"version 4", write("v4.pmtiles", v4), false, "version 4 is not supported"},
		{"truncated", write("cut.pmtiles", good[:len(good)-5]), false, "past the end"},
		{"missing", filepath.Join(dir, "nope.pmtiles"), false, "no such file"},
		{"from the environment", write("env.pmtiles", nil), true, "the file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data")}
			cmd := exec.Command(binary, args...)
			cmd.Env = cleanEnv()
			if tt.env {
				cmd.Env = append(cmd.Env, "AIDMAP_BASEMAP="+tt.path)
			} else {
				cmd.Args = append(cmd.Args, "--basemap", tt.path)
			}
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatal("serve started with a bad basemap")
			}
			if s := string(out); !strings.Contains(s, "--basemap") || !strings.Contains(s, tt.want) {
				t.Errorf("got %q, want it to name --basemap and say %q", s, tt.want)
			}
			if _, err := os.Stat(filepath.Join(args[4], "aidmap.db")); err == nil {
				t.Error("the store was opened before the basemap was checked")
			}
		})
	}
}

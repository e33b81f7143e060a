package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aidmap/aidmap/basemap"
)

// basemapOSM is a tiny OpenStreetMap XML extract: a named street, a building with a house
// number and a town label.
const basemapOSM = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="45.5000000" lon="-73.5700000"/>
  <node id="2" lat="45.5000000" lon="-73.5600000"/>
  <node id="3" lat="45.5010000" lon="-73.5650000"/>
  <node id="4" lat="45.5010000" lon="-73.5646000"/>
  <node id="5" lat="45.5013000" lon="-73.5646000"/>
  <node id="6" lat="45.5013000" lon="-73.5650000"/>
  <node id="7" lat="45.5020000" lon="-73.5650000">
    <tag k="place" v="town"/>
    <tag k="name" v="Ville-Test"/>
    <tag k="name:en" v="Test Town"/>
  </node>
  <way id="10">
    <nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/>
    <tag k="name" v="Rue Principale"/>
    <tag k="name:en" v="Main Street"/>
  </way>
  <way id="11">
    <nd ref="3"/><nd ref="4"/><nd ref="5"/><nd ref="6"/><nd ref="3"/>
    <tag k="building" v="yes"/>
    <tag k="addr:housenumber" v="21"/>
  </way>
</osm>
`

func TestBasemapBuild(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "ville.osm", basemapOSM)
	out := filepath.Join(dir, "ville.pmtiles")

	res := ingestCmd(t, nil, "basemap", "build", "--osm", in, "--out", out, "--progress", "lines")
	if res.code != 0 {
		t.Fatalf("basemap build: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{"OpenStreetMap elements read (7 nodes, 2 ways, 0 relations)", "elements/s", "zooms 0-15",
		"roads", "buildings", "housenumbers", "places"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.stdout)
		}
	}
	for _, want := range []string{"aidmap basemap build: read ways", "aidmap basemap build: tiles z15"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("progress lines lack %q:\n%s", want, res.stderr)
		}
	}
	a, err := basemap.Open(t.Context(), out)
	if err != nil {
		t.Fatalf("the archive does not open: %v", err)
	}
	defer a.Close()
	if info := a.Info(); info.Format != basemap.MVT || !info.Gzip || info.MinZoom != 0 || info.MaxZoom != 15 || info.Tiles == 0 {
		t.Errorf("archive info %+v: want gzipped MVT, zooms 0-15, some tiles", info)
	}
	if !strings.Contains(string(a.Info().Metadata), `"id":"housenumbers"`) {
		t.Errorf("metadata %s: want the housenumbers layer", a.Info().Metadata)
	}
}

func TestBasemapBuildErrors(t *testing.T) {
	dir := t.TempDir()
	csv := writeFile(t, dir, "sites.csv", "id,name,lat,lon\nA,Food bank,45.5,-73.5\n")
	osm := writeFile(t, dir, "ville.osm", basemapOSM)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"not osm", []string{"--osm", csv, "--out", filepath.Join(dir, "a.pmtiles")}, 1, "not an OpenStreetMap file"},
		{"missing file", []string{"--osm", filepath.Join(dir, "nope.osm.pbf"), "--out", filepath.Join(dir, "b.pmtiles")}, 1, "no such file"},
		{"no input", []string{"--out", filepath.Join(dir, "c.pmtiles")}, 2, "--osm is required"},
		{"bad zooms", []string{"--osm", osm, "--minzoom", "9", "--maxzoom", "3"}, 2, "--minzoom 9 --maxzoom 3"},
		{"zoom too high", []string{"--osm", osm, "--maxzoom", "16"}, 2, "maxzoom <= 15"},
		{"bad progress", []string{"--osm", osm, "--progress", "loud"}, 2, "--progress"},
		{"negative memory", []string{"--osm", osm, "--memory", "-1"}, 2, "--memory -1"},
		{"unknown flag", []string{"--osm", osm, "--colour"}, 2, "colour"},
		{"stray argument", []string{"--osm", osm, "extra"}, 2, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ingestCmd(t, nil, append([]string{"basemap", "build", "--progress", "none"}, tt.args...)...)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, tt.code, res.stdout, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, res.stderr)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d files in the directory after failed builds, want the 2 inputs only", len(entries))
	}
	if res := ingestCmd(t, nil, "basemap"); res.code != 2 || !strings.Contains(res.stderr, "basemap build --osm") {
		t.Errorf("aidmap basemap: exit %d, stderr %s; want usage and exit 2", res.code, res.stderr)
	}
}

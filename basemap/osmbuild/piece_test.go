package osmbuild

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/planar"
)

// bigShapesXML is an extract with features of thousands of points over many z15 tiles: a
// forest with a clearing (a multipolygon with a hole), a lake, and a river that meanders out
// of tiles and back in.
func bigShapesXML() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<osm version="0.6">` + "\n")
	id := 1
	ring := func(lon, lat, r float64, n int, wobble float64) []int {
		var ids []int
		for i := range n {
			a := 2 * math.Pi * float64(i) / float64(n)
			rr := r * (1 + wobble*math.Sin(7*a))
			fmt.Fprintf(&b, `<node id="%d" lat="%.7f" lon="%.7f"/>`+"\n", id, lat+rr*math.Sin(a), lon+rr*math.Cos(a)*1.5)
			ids = append(ids, id)
			id++
		}
		return append(ids, ids[0])
	}
	way := func(wid int, nodes []int, tags string) {
		fmt.Fprintf(&b, `<way id="%d">`, wid)
		for _, n := range nodes {
			fmt.Fprintf(&b, `<nd ref="%d"/>`, n)
		}
		b.WriteString(tags + "</way>\n")
	}
	outer := ring(9.52, 47.14, 0.03, 3000, 0.2)
	hole := ring(9.525, 47.145, 0.008, 400, 0.1)
	lake := ring(9.50, 47.12, 0.01, 1500, 0.3)
	var river []int
	for i := range 2500 {
		t := float64(i) / 2500
		fmt.Fprintf(&b, `<node id="%d" lat="%.7f" lon="%.7f"/>`+"\n", id, 47.10+0.08*t+0.004*math.Sin(60*t), 9.47+0.002*math.Cos(45*t)+0.1*t)
		river = append(river, id)
		id++
	}
	way(1, outer, "")
	way(2, hole, "")
	way(3, lake, `<tag k="natural" v="water"/>`)
	way(4, river, `<tag k="waterway" v="river"/><tag k="name" v="Rhein"/>`)
	b.WriteString(`<relation id="1"><member type="way" ref="1" role="outer"/><member type="way" ref="2" role="inner"/>` +
		`<tag k="type" v="multipolygon"/><tag k="landuse" v="forest"/></relation>` + "\n</osm>\n")
	return b.String()
}

// TestPiecesMatchWholeFeatures encodes every tile of bigShapesXML twice: big features clipped
// from their parent tile's piece, and from the whole feature. The tiles must hold the same
// features with the same properties and geometry within a pixel (the pieces' cuts at the
// parent's edge are collinear with the feature's own segments, so only floating-point
// rounding differs).
func TestPiecesMatchWholeFeatures(t *testing.T) {
	opts := Options{}
	r := &reader{ctx: context.Background(), rs: strings.NewReader(bigShapesXML()), format: FormatXML, opts: &opts}
	if err := r.read(); err != nil {
		t.Fatal(err)
	}
	features := r.features()
	props := r.props
	props.done()
	world := orb.Bound{Max: orb.Point{1, 1}}
	withPieces, whole := newEncoder(features, props, MaxZoom), newEncoder(features, props, MaxZoom)
	var parent []tileJob
	used, tiles, exact := 0, 0, 0
	for z := uint8(0); z <= MaxZoom; z++ {
		jobs := assign(features, z, world, parent, z > 0)
		for i := range jobs {
			pj := parentJob(parent, &jobs[i])
			for _, fi := range jobs[i].features {
				if pj.piece(fi) != nil {
					used++
				}
			}
			other := tileJob{id: jobs[i].id, z: jobs[i].z, x: jobs[i].x, y: jobs[i].y, features: jobs[i].features}
			a, err := withPieces.encode(&jobs[i], pj)
			if err != nil {
				t.Fatal(err)
			}
			b, err := whole.encode(&other, nil)
			if err != nil {
				t.Fatal(err)
			}
			if (a == nil) != (b == nil) {
				t.Fatalf("tile %d/%d/%d: with pieces %d bytes, whole %d", z, jobs[i].x, jobs[i].y, len(a), len(b))
			}
			if a == nil {
				continue
			}
			tiles++
			if string(a) == string(b) {
				exact++
				continue
			}
			la, err := mvt.UnmarshalGzipped(a)
			if err != nil {
				t.Fatal(err)
			}
			lb, err := mvt.UnmarshalGzipped(b)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameTiles(la, lb, pixel); err != nil {
				t.Errorf("tile %d/%d/%d: %v", z, jobs[i].x, jobs[i].y, err)
			}
		}
		parent = jobs
	}
	t.Logf("%d tiles, %d byte for byte the same; %d clips from a parent's piece", tiles, exact, used)
	if used < 100 {
		t.Errorf("%d clips from a parent's piece: the test does not test pieces", used)
	}
}

// sameTiles compares decoded tiles: the same layers and features in the same order, with
// the same properties and geometry types, each feature's geometry within tol units of its
// counterpart's both ways (every vertex of one within tol of the other's outline: a ring may
// start at another vertex, or have extra vertices along the tile's buffer edge) and, for
// polygons, the same area within a pixel along the tile's perimeter.
func sameTiles(a, b mvt.Layers, tol float64) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d layers, want %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Name != b[i].Name || len(a[i].Features) != len(b[i].Features) {
			return fmt.Errorf("layer %s with %d features, want %s with %d", a[i].Name, len(a[i].Features), b[i].Name, len(b[i].Features))
		}
		for j, fa := range a[i].Features {
			fb := b[i].Features[j]
			if fmt.Sprint(fa.Properties) != fmt.Sprint(fb.Properties) {
				return fmt.Errorf("layer %s feature %d: properties %v, want %v", a[i].Name, j, fa.Properties, fb.Properties)
			}
			if fa.Geometry.GeoJSONType() != fb.Geometry.GeoJSONType() {
				return fmt.Errorf("layer %s feature %d: %s, want %s", a[i].Name, j, fa.Geometry.GeoJSONType(), fb.Geometry.GeoJSONType())
			}
			if fmt.Sprint(fa.Geometry) == fmt.Sprint(fb.Geometry) {
				continue
			}
			if polygonal(fa.Geometry) {
				if p, ok := covers(fa.Geometry, fb.Geometry, tol); !ok {
					return fmt.Errorf("layer %s feature %d: %v covered by one and not the other", a[i].Name, j, p)
				}
			} else if d := max(farthest(fa.Geometry, fb.Geometry), farthest(fb.Geometry, fa.Geometry)); d > tol {
				return fmt.Errorf("layer %s feature %d: %.1f units apart", a[i].Name, j, d)
			}
		}
	}
	return nil
}

// farthest is how far the vertex of a farthest from b's outline is.
func farthest(a, b orb.Geometry) float64 {
	var segs [][2]orb.Point
	for _, part := range parts(b) {
		for k := 1; k < len(part); k++ {
			segs = append(segs, [2]orb.Point{part[k-1], part[k]})
		}
		if len(part) == 1 {
			segs = append(segs, [2]orb.Point{part[0], part[0]})
		}
	}
	worst := 0.0
	for _, p := range flatten(a) {
		best := math.Inf(1)
		for _, s := range segs {
			best = min(best, planar.DistanceFromSegment(s[0], s[1], p))
		}
		worst = max(worst, best)
	}
	return worst
}

func polygonal(g orb.Geometry) bool {
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		return true
	}
	return false
}

// covers compares two areas on a grid over the buffered tile (every 16 units): a point
// inside one and outside the other must be within tol of an outline. It returns the first
// point that is not. (A ring clipped to a tile may run along the tile's edge and back, an
// outline of no area that MapLibre does not draw: comparing outlines point by point would
// count it.)
func covers(a, b orb.Geometry, tol float64) (orb.Point, bool) {
	contains := func(g orb.Geometry, p orb.Point) bool {
		switch g := g.(type) {
		case orb.Polygon:
			return planar.PolygonContains(g, p)
		case orb.MultiPolygon:
			return planar.MultiPolygonContains(g, p)
		}
		return false
	}
	for x := -Buffer + 0.5; x < Extent+Buffer; x += 16 {
		for y := -Buffer + 0.5; y < Extent+Buffer; y += 16 {
			p := orb.Point{x, y}
			if contains(a, p) == contains(b, p) {
				continue
			}
			if min(farthest(orb.MultiPoint{p}, a), farthest(orb.MultiPoint{p}, b)) > tol {
				return p, false
			}
		}
	}
	return orb.Point{}, true
}

// parts are g's lines and rings.
func parts(g orb.Geometry) [][]orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return [][]orb.Point{{g}}
	case orb.LineString:
		return [][]orb.Point{g}
	case orb.MultiLineString:
		var out [][]orb.Point
		for _, l := range g {
			out = append(out, l)
		}
		return out
	case orb.Polygon:
		var out [][]orb.Point
		for _, r := range g {
			out = append(out, r)
		}
		return out
	case orb.MultiPolygon:
		var out [][]orb.Point
		for _, p := range g {
			out = append(out, parts(p)...)
		}
		return out
	}
	return nil
}

func flatten(g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.MultiPoint:
		return g
	case orb.Point:
		return []orb.Point{g}
	case orb.LineString:
		return g
	case orb.MultiLineString:
		var out []orb.Point
		for _, l := range g {
			out = append(out, l...)
		}
		return out
	case orb.Polygon:
		var out []orb.Point
		for _, r := range g {
			out = append(out, r...)
		}
		return out
	case orb.MultiPolygon:
		var out []orb.Point
		for _, p := range g {
			out = append(out, flatten(p)...)
		}
		return out
	}
	return nil
}

package osmbuild

import (
	"maps"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// feature is one map feature in world coordinates: Web Mercator scaled to [0, 1] on both
// axes, x east from 180°W, y south from 85.05°N (tile order, so y grows downwards).
type feature struct {
	layer   uint8
	minZoom uint8
	points  uint16       // how many points geom has, at most 65535 (see bigAt)
	props   uint32       // a set of the build's propTable
	geom    orb.Geometry // orb.Point, orb.LineString, orb.Polygon or orb.MultiPolygon
	bound   orb.Bound
}

// maxLat is the latitude where Web Mercator's square world ends.
const maxLat = 85.05112877980659

// project converts degrees to world coordinates.
func project(lon, lat float64) orb.Point {
	lat = max(-maxLat, min(maxLat, lat))
	s := math.Sin(lat * math.Pi / 180)
	y := 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
	return orb.Point{(lon + 180) / 360, y}
}

// unproject converts world coordinates back to degrees (lon, lat).
func unproject(p orb.Point) (lon, lat float64) {
	lon = p[0]*360 - 180
	lat = 180 / math.Pi * math.Atan(math.Sinh(math.Pi*(1-2*p[1])))
	return lon, lat
}

// features assembles the map features from what the passes read.
func (r *reader) features() []feature {
	var out []feature
	add := func(specs []spec, g orb.Geometry) {
		b := g.Bound()
		n := uint16(min(countPoints(g), math.MaxUint16))
		for _, s := range r.keep(specs) {
			out = append(out, feature{layer: s.layer, minZoom: s.minZoom, points: n, geom: g, bound: b, props: s.set})
		}
	}
	boundary := layerIndex(LayerBoundaries)
	housenumbers, pois := layerIndex(LayerHousenumbers), layerIndex(LayerPOIs)
	levels := map[int64]int{} // boundary ways: way ID -> lowest admin level
	var buf [][2]float64
	for i := range r.ways {
		w := &r.ways[i]
		if len(w.specs) == 0 {
			continue
		}
		var ok bool
		buf, ok = r.lonLats(w, buf)
		if !ok || len(buf) < 2 {
			continue
		}
		ls := make(orb.LineString, len(buf))
		for j, p := range buf {
			ls[j] = project(p[0], p[1])
		}
		var areas, lines, points []spec
		for _, s := range w.specs {
			switch {
			case s.layer == boundary:
				l := int(s.level)
				if old, ok := levels[w.id]; !ok || l < old {
					levels[w.id] = l
				}
			case s.layer == housenumbers, s.layer == pois:
				points = append(points, s)
			case s.area:
				areas = append(areas, s)
			default:
				lines = append(lines, s)
			}
		}
		if len(lines) > 0 {
			add(lines, ls)
		}
		closed := len(ls) >= 4 && w.wayNodeClosed(r)
		if len(areas) > 0 && closed {
			add(areas, orb.Polygon{orb.Ring(ls)})
		}
		if len(points) > 0 {
			c := ls[len(ls)/2]
			if closed {
				if p, a := planar.CentroidArea(orb.Polygon{orb.Ring(ls)}); a > 0 {
					c = p
				}
			}
			add(points, c)
		}
	}
	for _, rel := range r.rels {
		if rel.adminLevel != 0 {
			for _, id := range rel.outer {
				if old, ok := levels[id]; !ok || rel.adminLevel < old {
					levels[id] = rel.adminLevel
				}
			}
			continue
		}
		if mp := r.multipolygon(&rel); len(mp) > 0 {
			var g orb.Geometry = mp
			if len(mp) == 1 {
				g = mp[0]
			}
			add(rel.specs, g)
		}
	}
	// In way-ID order, not the map's: features are numbered in the order they are made and
	// tiles list them in that order, so a build is byte for byte the same every time.
	for _, id := range slices.Sorted(maps.Keys(levels)) {
		level := levels[id]
		w, ok := r.way(id)
		if !ok {
			continue
		}
		var okc bool
		buf, okc = r.lonLats(w, buf)
		if !okc || len(buf) < 2 {
			continue
		}
		ls := make(orb.LineString, len(buf))
		for j, p := range buf {
			ls[j] = project(p[0], p[1])
		}
		add([]spec{{layer: boundary, minZoom: boundaryZoom(level), props: geojson.Properties{"admin_level": level}}}, ls)
	}
	for _, p := range r.points {
		add(p.specs, project(p.lon, p.lat))
	}
	if chains := r.coastChains(); len(chains) > 0 {
		box := orb.Bound{}
		if r.bounds != nil {
			box = *r.bounds
		} else {
			box = chains[0].Bound()
			for _, c := range chains[1:] {
				box = box.Union(c.Bound())
			}
		}
		sea := []spec{{layer: layerIndex(LayerWater), area: true, props: geojson.Properties{"class": "ocean"}}}
		for _, p := range ocean(box, chains) {
			world := make(orb.Polygon, len(p))
			for i, ring := range p {
				world[i] = make(orb.Ring, len(ring))
				for j, pt := range ring {
					world[i][j] = project(pt[0], pt[1])
				}
			}
			add(sea, world)
		}
	}
	return out
}

func countPoints(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.LineString:
		return len(g)
	case orb.Polygon:
		n := 0
		for _, r := range g {
			n += len(r)
		}
		return n
	case orb.MultiPolygon:
		n := 0
		for _, p := range g {
			n += countPoints(p)
		}
		return n
	}
	return 1
}

func (w *wayRec) wayNodeClosed(r *reader) bool {
	return w.last-w.first >= 4 && r.wayNodes[w.first] == r.wayNodes[w.last-1]
}

// multipolygon assembles a relation's outer and inner member ways into rings (joining ways
// end to end, reversing as needed) and puts each inner ring in the outer ring that contains
// it. Rings that do not close (members missing from a clipped extract) are dropped.
func (r *reader) multipolygon(rel *relRec) orb.MultiPolygon {
	outers := r.rings(rel.outer)
	if len(outers) == 0 {
		return nil
	}
	mp := make(orb.MultiPolygon, len(outers))
	for i, o := range outers {
		mp[i] = orb.Polygon{o}
	}
	for _, in := range r.rings(rel.inner) {
		for i := range mp {
			if planar.RingContains(mp[i][0], in[0]) {
				mp[i] = append(mp[i], in)
				break
			}
		}
	}
	return mp
}

// rings joins ways into closed rings in world coordinates.
func (r *reader) rings(ids []int64) []orb.Ring {
	var parts [][]int32
	for _, id := range ids {
		if w, ok := r.way(id); ok && w.last-w.first >= 2 {
			parts = append(parts, r.wayNodes[w.first:w.last])
		}
	}
	used := make([]bool, len(parts))
	var out []orb.Ring
	for i := range parts {
		if used[i] {
			continue
		}
		used[i] = true
		ring := append([]int32(nil), parts[i]...)
		for ring[0] != ring[len(ring)-1] {
			found := false
			end := ring[len(ring)-1]
			for j := range parts {
				if used[j] {
					continue
				}
				p := parts[j]
				switch end {
				case p[0]:
					ring = append(ring, p[1:]...)
				case p[len(p)-1]:
					for k := len(p) - 2; k >= 0; k-- {
						ring = append(ring, p[k])
					}
				default:
					continue
				}
				used[j], found = true, true
				break
			}
			if !found {
				break
			}
		}
		if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
			continue
		}
		pts := make(orb.Ring, 0, len(ring))
		complete := true
		for _, n := range ring {
			lon, lat, ok := r.node(n)
			if !ok {
				complete = false
				break
			}
			pts = append(pts, project(lon, lat))
		}
		if complete {
			out = append(out, pts)
		}
	}
	return out
}

// node returns the coordinates in degrees of the node at index i of the node table (a value
// of reader.wayNodes); ok is false when the file did not have it.
func (r *reader) node(i int32) (lon, lat float64, ok bool) {
	if r.coords[2*i] == math.MinInt32 {
		return 0, 0, false
	}
	return float64(r.coords[2*i]) / 1e7, float64(r.coords[2*i+1]) / 1e7, true
}

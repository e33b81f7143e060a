package osmbuild

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/planar"
)

// OpenStreetMap has no sea polygons: the sea is wherever the coastline (natural=coastline
// ways, drawn with land on the left and water on the right) says it is. ocean turns the
// coastline inside the extract's bounds into water polygons of class ocean, the way
// osmcoastline does for the planet, but only within one box:
//
//  1. join coastline ways end to end into chains (closed chains are islands);
//  2. clip each open chain to the box; a piece enters and leaves the box on its edge (a chain
//     that ends inside the box, where the extract cut it, is extended to the nearest edge);
//  3. from where a piece leaves the box, walk the edge clockwise (water stays on the right)
//     to where the next piece enters, follow that piece, and so on until the ring closes:
//     each such ring is a sea polygon;
//  4. islands inside the box become holes of the sea polygon around them (or of the whole
//     box when no coastline crosses it).
//
// It works in degrees (x east, y north) and returns polygons in degrees.
func ocean(box orb.Bound, chains []orb.LineString) []orb.Polygon {
	if box.Max[0] <= box.Min[0] || box.Max[1] <= box.Min[1] {
		return nil
	}
	var (
		pieces  []orb.LineString
		islands []orb.Ring
	)
	for _, c := range chains {
		if len(c) < 2 {
			continue
		}
		closed := c[0] == c[len(c)-1]
		if closed && len(c) >= 4 && inside(box, c.Bound()) {
			islands = append(islands, orb.Ring(c))
			continue
		}
		for _, p := range clip.LineString(box, c) {
			if len(p) < 2 {
				continue
			}
			if !onEdge(box, p[0]) {
				p = append(orb.LineString{nearestEdge(box, p[0])}, p...)
			}
			if !onEdge(box, p[len(p)-1]) {
				p = append(p, nearestEdge(box, p[len(p)-1]))
			}
			pieces = append(pieces, p)
		}
	}
	if len(pieces) == 0 {
		if len(islands) == 0 {
			return nil // no coastline here: all land, or all sea with nothing to say so
		}
		poly := orb.Polygon{box.ToRing()}
		return append([]orb.Polygon{}, append(poly, islands...))
	}
	perimeter := 2 * (box.Max[0] - box.Min[0] + box.Max[1] - box.Min[1])
	entry := make([]float64, len(pieces))
	for i, p := range pieces {
		entry[i] = edgePos(box, p[0])
	}
	used := make([]bool, len(pieces))
	var out []orb.Polygon
	for start := range pieces {
		if used[start] {
			continue
		}
		var ring orb.Ring
		cur, ok := start, true
		for {
			used[cur] = true
			ring = append(ring, pieces[cur]...)
			exit := edgePos(box, pieces[cur][len(pieces[cur])-1])
			// The next entry clockwise from this exit (the start piece closes the ring).
			next, best := -1, math.Inf(1)
			for j := range pieces {
				if used[j] && j != start {
					continue
				}
				d := math.Mod(entry[j]-exit+perimeter, perimeter)
				if d < best {
					next, best = j, d
				}
			}
			if next < 0 {
				ok = false
				break
			}
			ring = append(ring, corners(box, exit, exit+best)...)
			if next == start {
				break
			}
			cur = next
		}
		if !ok || len(ring) < 3 {
			continue
		}
		ring = append(ring, ring[0])
		out = append(out, orb.Polygon{ring})
	}
	for _, isl := range islands {
		for i := range out {
			if planar.RingContains(out[i][0], isl[0]) {
				out[i] = append(out[i], isl)
				break
			}
		}
	}
	return out
}

func inside(box, b orb.Bound) bool {
	return b.Min[0] > box.Min[0] && b.Min[1] > box.Min[1] && b.Max[0] < box.Max[0] && b.Max[1] < box.Max[1]
}

func onEdge(box orb.Bound, p orb.Point) bool {
	return p[0] == box.Min[0] || p[0] == box.Max[0] || p[1] == box.Min[1] || p[1] == box.Max[1]
}

// nearestEdge is the point of the box's edge nearest p (inside the box).
func nearestEdge(box orb.Bound, p orb.Point) orb.Point {
	d := []float64{p[0] - box.Min[0], box.Max[0] - p[0], p[1] - box.Min[1], box.Max[1] - p[1]}
	switch slices.Index(d, slices.Min(d)) {
	case 0:
		return orb.Point{box.Min[0], p[1]}
	case 1:
		return orb.Point{box.Max[0], p[1]}
	case 2:
		return orb.Point{p[0], box.Min[1]}
	}
	return orb.Point{p[0], box.Max[1]}
}

// edgePos is how far along the box's edge p lies, clockwise from the north-west corner.
func edgePos(box orb.Bound, p orb.Point) float64 {
	w, h := box.Max[0]-box.Min[0], box.Max[1]-box.Min[1]
	switch {
	case p[1] == box.Max[1]:
		return p[0] - box.Min[0] // north edge, eastwards
	case p[0] == box.Max[0]:
		return w + box.Max[1] - p[1] // east edge, southwards
	case p[1] == box.Min[1]:
		return w + h + box.Max[0] - p[0] // south edge, westwards
	}
	return 2*w + h + p[1] - box.Min[1] // west edge, northwards
}

// corners are the box's corners passed going clockwise from edge position a to b (b >= a,
// possibly past a full turn's start).
func corners(box orb.Bound, a, b float64) []orb.Point {
	w, h := box.Max[0]-box.Min[0], box.Max[1]-box.Min[1]
	per := 2 * (w + h)
	pos := []float64{w, w + h, 2*w + h, per} // NE, SE, SW, NW
	pts := []orb.Point{{box.Max[0], box.Max[1]}, {box.Max[0], box.Min[1]}, {box.Min[0], box.Min[1]}, {box.Min[0], box.Max[1]}}
	var out []orb.Point
	for turn := 0.0; turn <= per; turn += per {
		for i, c := range pos {
			if t := c + turn; t > a && t < b {
				out = append(out, pts[i])
			}
		}
	}
	return out
}

// coastChains joins coastline ways end to end (in their own direction: OpenStreetMap draws
// every coastline with the land on the left) into chains in degrees. Ways with missing nodes
// are left out.
func (r *reader) coastChains() []orb.LineString {
	var parts [][]int32
	for i := range r.ways {
		if w := &r.ways[i]; w.coast {
			parts = append(parts, r.wayNodes[w.first:w.last])
		}
	}
	byStart := map[int32]int{}
	for i, p := range parts {
		byStart[p[0]] = i
	}
	used := make([]bool, len(parts))
	var out []orb.LineString
	build := func(i int) {
		var ids []int32
		for j := i; j >= 0 && !used[j]; {
			used[j] = true
			if len(ids) > 0 {
				ids = ids[:len(ids)-1]
			}
			ids = append(ids, parts[j]...)
			next, ok := byStart[ids[len(ids)-1]]
			if !ok {
				break
			}
			j = next
		}
		line := make(orb.LineString, 0, len(ids))
		for _, n := range ids {
			lon, lat, ok := r.node(n)
			if !ok {
				return
			}
			line = append(line, orb.Point{lon, lat})
		}
		out = append(out, line)
	}
	// Start chains at ways nothing leads into, then what is left are closed loops.
	ends := map[int32]bool{}
	for _, p := range parts {
		ends[p[len(p)-1]] = true
	}
	for i, p := range parts {
		if !ends[p[0]] {
			build(i)
		}
	}
	for i := range parts {
		if !used[i] {
			build(i)
		}
	}
	return out
}

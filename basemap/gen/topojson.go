package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/paulmach/orb"
)

// topology is the part of a TopoJSON document the generator reads: quantized, delta-encoded
// arcs and the objects that refer to them.
type topology struct {
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    [][][]float64           `json:"arcs"`
	Objects map[string]topoGeometry `json:"objects"`

	decoded [][]orb.Point // arcs in lon/lat
}

type topoGeometry struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Properties map[string]any  `json:"properties"`
	Arcs       json.RawMessage `json:"arcs"`
	Geometries []topoGeometry  `json:"geometries"`
}

func readTopology(path string) (*topology, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := parseTopology(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// parseTopology decodes a TopoJSON document and its arcs (delta-decoded and transformed to
// lon/lat when the topology is quantized).
func parseTopology(b []byte) (*topology, error) {
	var t topology
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	t.decoded = make([][]orb.Point, len(t.Arcs))
	for i, arc := range t.Arcs {
		pts := make([]orb.Point, len(arc))
		var x, y float64
		for j, p := range arc {
			if len(p) < 2 {
				return nil, fmt.Errorf("arc %d: short position", i)
			}
			if t.Transform != nil {
				x += p[0]
				y += p[1]
				pts[j] = orb.Point{x*t.Transform.Scale[0] + t.Transform.Translate[0], y*t.Transform.Scale[1] + t.Transform.Translate[1]}
			} else {
				pts[j] = orb.Point{p[0], p[1]}
			}
		}
		t.decoded[i] = pts
	}
	return &t, nil
}

// arc returns arc i in lon/lat; a negative index is the one's complement of an arc walked
// backwards, as TopoJSON defines.
func (t *topology) arc(i int) ([]orb.Point, error) {
	rev := i < 0
	if rev {
		i = ^i
	}
	if i >= len(t.decoded) {
		return nil, fmt.Errorf("arc %d out of range", i)
	}
	a := t.decoded[i]
	if !rev {
		return a, nil
	}
	out := make([]orb.Point, len(a))
	for j, p := range a {
		out[len(a)-1-j] = p
	}
	return out, nil
}

func (t *topology) ring(arcs []int) (orb.Ring, error) {
	var r orb.Ring
	for k, i := range arcs {
		pts, err := t.arc(i)
		if err != nil {
			return nil, err
		}
		if k > 0 && len(pts) > 0 {
			pts = pts[1:] // the first point repeats the previous arc's last
		}
		r = append(r, pts...)
	}
	return r, nil
}

// geometry decodes a Polygon or MultiPolygon object into a MultiPolygon (nil for others).
func (t *topology) geometry(g topoGeometry) (orb.MultiPolygon, error) {
	var polys [][][]int
	switch g.Type {
	case "Polygon":
		var p [][]int
		if err := json.Unmarshal(g.Arcs, &p); err != nil {
			return nil, err
		}
		polys = [][][]int{p}
	case "MultiPolygon":
		if err := json.Unmarshal(g.Arcs, &polys); err != nil {
			return nil, err
		}
	default:
		return nil, nil
	}
	var mp orb.MultiPolygon
	for _, p := range polys {
		var poly orb.Polygon
		for _, ring := range p {
			r, err := t.ring(ring)
			if err != nil {
				return nil, err
			}
			poly = append(poly, r)
		}
		mp = append(mp, poly)
	}
	return mp, nil
}

// members returns the geometries of a named object (a GeometryCollection or one geometry).
func (t *topology) members(name string) ([]topoGeometry, error) {
	o, ok := t.Objects[name]
	if !ok {
		return nil, fmt.Errorf("no object %q", name)
	}
	if o.Type == "GeometryCollection" {
		return o.Geometries, nil
	}
	return []topoGeometry{o}, nil
}

// sharedArcs returns, as lines, the arcs that two different members of an object share:
// the borders between neighbours, without the coastline (which only one member uses).
func (t *topology) sharedArcs(name string) ([]orb.LineString, error) {
	gs, err := t.members(name)
	if err != nil {
		return nil, err
	}
	users := map[int]map[int]bool{}
	for gi, g := range gs {
		var idx []int
		switch g.Type {
		case "Polygon":
			var p [][]int
			if err := json.Unmarshal(g.Arcs, &p); err != nil {
				return nil, err
			}
			for _, r := range p {
				idx = append(idx, r...)
			}
		case "MultiPolygon":
			var mp [][][]int
			if err := json.Unmarshal(g.Arcs, &mp); err != nil {
				return nil, err
			}
			for _, p := range mp {
				for _, r := range p {
					idx = append(idx, r...)
				}
			}
		}
		for _, i := range idx {
			if i < 0 {
				i = ^i
			}
			if users[i] == nil {
				users[i] = map[int]bool{}
			}
			users[i][gi] = true
		}
	}
	var out []orb.LineString
	for i := range t.decoded {
		if len(users[i]) >= 2 {
			out = append(out, orb.LineString(t.decoded[i]))
		}
	}
	return out, nil
}

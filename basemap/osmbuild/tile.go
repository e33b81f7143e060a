package osmbuild

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/simplify"

	"github.com/aidmap/aidmap/pmtiles"
)

// Tile geometry constants, in tile units (a tile is Extent units across; MapLibre draws a
// vector tile 512 pixels across, so a pixel is 8 units).
const (
	Extent  = 4096
	Buffer  = 64 // 8 pixels around each tile, so lines and labels join across tile edges
	pixel   = Extent / 512
	MaxZoom = 15
)

// tileJob is one tile to encode: the features whose bounds touch it.
type tileJob struct {
	id       uint64
	z        uint8
	x, y     uint32
	features []int32
	touched  []int32 // set by encode: the features left after clipping to the buffered tile
	pieces   []piece // set by encode: big features clipped to the buffered tile, for its children
}

// piece is a big feature's geometry clipped to a tile's buffered box, in that tile's units
// (unsimplified, unrounded). The tile's children clip the feature from it rather than from
// the whole feature: a forest or a sea of thousands of points costs each z15 tile what lies
// in its parent, not every point again.
type piece struct {
	fi    int32
	geom  orb.Geometry
	bound orb.Bound
}

// piece returns the piece of feature fi, or nil (j may be nil).
func (j *tileJob) piece(fi int32) *piece {
	if j == nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(j.pieces, fi, func(p piece, fi int32) int { return int(p.fi - fi) })
	if !ok {
		return nil
	}
	return &j.pieces[i]
}

// piecePoints is how many points make a feature big enough to keep its pieces (a piece is a
// copy: for a small feature, clipping the whole of it again costs less).
var piecePoints = 64

// bigAt reports whether f's pieces are kept at zoom z: it has many points and spans more
// than a tile or so at z, so that its children would otherwise each clip all of it.
func bigAt(f *feature, z uint8) bool {
	if int(f.points) < piecePoints || piecePoints <= 0 {
		return false
	}
	n := float64(uint32(1) << z)
	return (f.bound.Max[0]-f.bound.Min[0])*n > 1 || (f.bound.Max[1]-f.bound.Min[1])*n > 1
}

// assign lists the tiles of zoom z and the features that may touch each, in tile-ID order,
// with each tile's features in feature order. A feature is left out below its zoom or when it
// is smaller than a pixel at z. Only tiles that touch area (world coordinates: the extract's
// bounds) are made, so a long boundary or coastline that the extract carries in full does not
// fill tiles far outside the city.
//
// A feature already drawn at z-1 (parent holds those tiles, with touched set) is only tried
// in the children of the tiles it touched there: a child's buffered box lies inside its
// parent's, so no child is missed, and a long diagonal road costs the tiles it crosses, not
// every tile of its bounding box. Other features start from their bounding box.
func assign(features []feature, z uint8, area orb.Bound, parent []tileJob, parentZoom bool) []tileJob {
	n := float64(uint32(1) << z)
	pad := float64(Buffer) / Extent / n
	byTile := map[uint64][]int32{}
	last := int(n) - 1
	ax0, ax1 := max(0, int(math.Floor(area.Min[0]*n))), min(last, int(math.Floor(area.Max[0]*n)))
	ay0, ay1 := max(0, int(math.Floor(area.Min[1]*n))), min(last, int(math.Floor(area.Max[1]*n)))
	span := func(f *feature) (x0, x1, y0, y1 int) {
		return max(ax0, int(math.Floor((f.bound.Min[0]-pad)*n))), min(ax1, int(math.Floor((f.bound.Max[0]+pad)*n))),
			max(ay0, int(math.Floor((f.bound.Min[1]-pad)*n))), min(ay1, int(math.Floor((f.bound.Max[1]+pad)*n)))
	}
	carried := func(f *feature) bool {
		return parentZoom && z > 0 && f.minZoom < z && !tooSmall(f, z-1)
	}
	for _, pj := range parent {
		for _, fi := range pj.touched {
			f := &features[fi]
			if !carried(f) {
				continue
			}
			x0, x1, y0, y1 := span(f)
			for x := max(x0, 2*int(pj.x)); x <= min(x1, 2*int(pj.x)+1); x++ {
				for y := max(y0, 2*int(pj.y)); y <= min(y1, 2*int(pj.y)+1); y++ {
					id := pmtiles.ZxyToID(z, uint32(x), uint32(y))
					byTile[id] = append(byTile[id], fi)
				}
			}
		}
	}
	for i := range features {
		f := &features[i]
		if f.minZoom > z || tooSmall(f, z) || carried(f) {
			continue
		}
		x0, x1, y0, y1 := span(f)
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				id := pmtiles.ZxyToID(z, uint32(x), uint32(y))
				byTile[id] = append(byTile[id], int32(i))
			}
		}
	}
	jobs := make([]tileJob, 0, len(byTile))
	for id, fs := range byTile {
		_, x, y := pmtiles.IDToZxy(id)
		slices.Sort(fs)
		jobs = append(jobs, tileJob{id: id, z: z, x: x, y: y, features: fs})
	}
	slices.SortFunc(jobs, func(a, b tileJob) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	return jobs
}

// tooSmall reports whether a line or area would be under a pixel at zoom z, so that low zooms
// are not filled with invisible detail. Points are never too small.
func tooSmall(f *feature, z uint8) bool {
	if _, ok := f.geom.(orb.Point); ok {
		return false
	}
	scale := Extent * float64(uint32(1)<<z)
	w := (f.bound.Max[0] - f.bound.Min[0]) * scale
	h := (f.bound.Max[1] - f.bound.Min[1]) * scale
	switch f.geom.(type) {
	case orb.Polygon, orb.MultiPolygon:
		return w < pixel || h < pixel
	}
	return w+h < pixel
}

// encoder turns tile jobs into gzipped vector tiles; one per worker goroutine, because it
// reuses its buffers and gzip writer.
type encoder struct {
	features []feature
	maxZoom  uint8
	buf      bytes.Buffer
	gz       *gzip.Writer
	mvt      *mvtWriter
	pts      []orb.Point // scratch: the current tile's geometries in tile units
	kept     [][]kept    // scratch: the current tile's features per layer
	counts   []int64     // features written, per layer
}

// kept is a feature of the tile being encoded, clipped, simplified and cleaned.
type kept struct {
	set  uint32
	geom orb.Geometry
}

func newEncoder(features []feature, props *propTable, maxZoom uint8) *encoder {
	e := &encoder{features: features, maxZoom: maxZoom, counts: make([]int64, len(layers)),
		mvt: newMVTWriter(props), kept: make([][]kept, len(layers))}
	// klauspost/compress's gzip was tried instead (5 Dec): a 0.3% smaller archive and no
	// measurable CPU gain (merge: 4.36, 4.57, 4.35 CPU s against 4.35, 4.28, 4.11), its
	// Huffman table building as costly as the standard library's for tiles of one block.
	e.gz, _ = gzip.NewWriterLevel(&e.buf, gzip.BestCompression)
	return e
}

// encode returns the gzipped tile, or nil when no feature is left after clipping, and sets
// job.touched and job.pieces. parent is the job of the tile one zoom up, or nil: big
// features are clipped from its pieces.
func (e *encoder) encode(job *tileJob, parent *tileJob) ([]byte, error) {
	n := float64(uint32(1) << job.z)
	tx, ty := float64(job.x), float64(job.y)
	toTile := func(p orb.Point) orb.Point {
		return orb.Point{(p[0]*n - tx) * Extent, (p[1]*n - ty) * Extent}
	}
	// From the parent's units to this tile's: exact in floating point (a doubling and the
	// subtraction of a multiple of Extent), so a point inside the parent lands where toTile
	// puts it.
	var ox, oy float64
	if parent != nil {
		ox, oy = float64(job.x-2*parent.x)*Extent, float64(job.y-2*parent.y)*Extent
	}
	fromParent := func(p orb.Point) orb.Point { return orb.Point{p[0]*2 - ox, p[1]*2 - oy} }
	box := orb.Bound{Min: orb.Point{-Buffer, -Buffer}, Max: orb.Point{Extent + Buffer, Extent + Buffer}}
	// One pixel of simplification below the top zoom; at the top zoom a quarter pixel, as
	// MapLibre overzooms those tiles for the closest views.
	tolerance := float64(pixel)
	if job.z >= e.maxZoom {
		tolerance = pixel / 4
	}
	dp := simplify.DouglasPeucker(tolerance)
	e.pts = e.pts[:0] // the last tile's geometries were encoded: their points are free
	for i := range e.kept {
		clear(e.kept[i]) // let the last tile's geometries go
		e.kept[i] = e.kept[i][:0]
	}
	total := 0
	for _, fi := range job.features {
		f := &e.features[fi]
		var g orb.Geometry
		if p := parent.piece(fi); p != nil {
			g = e.clip(box, p.geom, p.bound, fromParent)
		} else {
			g = e.clip(box, f.geom, f.bound, toTile)
		}
		if g == nil {
			continue
		}
		job.touched = append(job.touched, fi)
		if job.z < e.maxZoom && bigAt(f, job.z) {
			c := orb.Clone(g) // simplify works in place, and g's points are scratch
			job.pieces = append(job.pieces, piece{fi: fi, geom: c, bound: c.Bound()})
		}
		if _, ok := g.(orb.Point); !ok {
			g = dp.Simplify(g)
		}
		g = clean(g)
		if g == nil {
			continue
		}
		e.kept[f.layer] = append(e.kept[f.layer], kept{set: f.props, geom: g})
		e.counts[f.layer]++
		total++
	}
	if total == 0 {
		return nil, nil
	}
	w := e.mvt
	w.reset()
	for i, fs := range e.kept {
		if len(fs) == 0 {
			continue
		}
		w.startLayer()
		for _, k := range fs {
			w.feature(k.set, k.geom)
		}
		w.endLayer(layers[i].name)
	}
	e.buf.Reset()
	e.gz.Reset(&e.buf)
	if _, err := e.gz.Write(w.tile); err != nil {
		return nil, fmt.Errorf("osmbuild: gzip tile %d/%d/%d: %w", job.z, job.x, job.y, err)
	}
	if err := e.gz.Close(); err != nil {
		return nil, fmt.Errorf("osmbuild: gzip tile %d/%d/%d: %w", job.z, job.x, job.y, err)
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// clip returns g (of bound b) in tile units (toTile maps it there) clipped to box, or nil
// when nothing of it is left, shaped as clip.Geometry shapes it (one piece as itself, several
// as a multi-geometry). It gives what clip.Geometry(box, transform(g)) gives, byte for byte,
// for less: the bound comes from b (toTile is increasing on both axes, so it maps the bound's
// corners to the transformed points' bound exactly) instead of a pass over every point, a
// geometry outside the tile costs no copy, one inside is not clipped (clipping would return
// it as it is), and the copy's points come from the encoder's scratch array rather than the
// heap.
func (e *encoder) clip(box orb.Bound, g orb.Geometry, b orb.Bound, toTile func(orb.Point) orb.Point) orb.Geometry {
	b = orb.Bound{Min: toTile(b.Min), Max: toTile(b.Max)}
	if !box.Intersects(b) {
		return nil
	}
	inside := box.Contains(b.Min) && box.Contains(b.Max)
	switch g := g.(type) {
	case orb.Point:
		return toTile(g)
	case orb.LineString:
		l := e.line(g, toTile)
		if inside {
			return l
		}
		switch ls := clip.LineString(box, l); len(ls) {
		case 0:
			return nil
		case 1:
			return ls[0]
		default:
			return ls
		}
	case orb.MultiLineString: // a piece of a line that left its parent tile and came back
		var out orb.MultiLineString
		for _, l := range g {
			t := e.line(l, toTile)
			if inside {
				out = append(out, t)
				continue
			}
			out = append(out, clip.LineString(box, t)...)
		}
		switch len(out) {
		case 0:
			return nil
		case 1:
			return out[0]
		default:
			return out
		}
	case orb.Polygon:
		p := e.polygon(g, toTile)
		if inside {
			return p
		}
		if p = clip.Polygon(box, p); p == nil {
			return nil
		}
		return p
	case orb.MultiPolygon:
		mp := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			mp[i] = e.polygon(p, toTile)
		}
		if !inside {
			mp = clip.MultiPolygon(box, mp)
		}
		switch len(mp) {
		case 0:
			return nil
		case 1:
			return mp[0]
		default:
			return mp
		}
	}
	panic(fmt.Sprintf("osmbuild: unexpected geometry %T", g)) // features only hold the types above
}

// line copies l with f applied to every point into the encoder's scratch points. The copy's
// capacity is its length, so clipping in place never writes over the next copy.
func (e *encoder) line(l orb.LineString, f func(orb.Point) orb.Point) orb.LineString {
	n := len(l)
	if cap(e.pts)-len(e.pts) < n {
		// A new array; copies already made keep the old one alive until the tile is done.
		e.pts = make([]orb.Point, 0, max(n, 2*cap(e.pts), 1<<12))
	}
	start := len(e.pts)
	e.pts = e.pts[:start+n]
	out := e.pts[start : start+n : start+n]
	for i, p := range l {
		out[i] = f(p)
	}
	return out
}

func (e *encoder) polygon(p orb.Polygon, f func(orb.Point) orb.Point) orb.Polygon {
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		out[i] = orb.Ring(e.line(orb.LineString(r), f))
	}
	return out
}

// clean rounds a clipped, simplified geometry to integer tile units, drops repeated points,
// lines under a pixel long and rings under a pixel in area, and winds rings as the vector
// tile specification requires (exterior rings with positive surveyor's area in tile
// coordinates, i.e. clockwise on screen; holes the other way). It returns nil when nothing is
// left.
func clean(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return round(g)
	case orb.LineString:
		if l := cleanLine(g); l != nil {
			return l
		}
	case orb.MultiLineString:
		var out orb.MultiLineString
		for _, l := range g {
			if l := cleanLine(l); l != nil {
				out = append(out, l)
			}
		}
		switch len(out) {
		case 0:
			return nil
		case 1:
			return out[0]
		}
		return out
	case orb.Polygon:
		if p := cleanPolygon(g); p != nil {
			return p
		}
	case orb.MultiPolygon:
		var out orb.MultiPolygon
		for _, p := range g {
			if p := cleanPolygon(p); p != nil {
				out = append(out, p)
			}
		}
		switch len(out) {
		case 0:
			return nil
		case 1:
			return out[0]
		}
		return out
	}
	return nil
}

func round(p orb.Point) orb.Point { return orb.Point{math.Round(p[0]), math.Round(p[1])} }

func dedupe(pts []orb.Point) []orb.Point {
	out := make([]orb.Point, 0, len(pts))
	for _, p := range pts {
		p = round(p)
		if len(out) > 0 && out[len(out)-1] == p {
			continue
		}
		out = append(out, p)
	}
	return out
}

func cleanLine(l orb.LineString) orb.LineString {
	out := orb.LineString(dedupe(l))
	if len(out) < 2 {
		return nil
	}
	var length float64
	for i := 1; i < len(out); i++ {
		length += math.Hypot(out[i][0]-out[i-1][0], out[i][1]-out[i-1][1])
	}
	if length < pixel {
		return nil
	}
	return out
}

func cleanPolygon(p orb.Polygon) orb.Polygon {
	var out orb.Polygon
	for i, r := range p {
		ring := orb.Ring(dedupe(r))
		if len(ring) > 0 && ring[0] != ring[len(ring)-1] {
			ring = append(ring, ring[0])
		}
		a := surveyorArea(ring)
		if len(ring) < 4 || math.Abs(a) < pixel*pixel {
			if i == 0 {
				return nil // no exterior, no polygon
			}
			continue
		}
		if (i == 0) != (a > 0) {
			ring.Reverse()
		}
		out = append(out, ring)
	}
	return out
}

// surveyorArea is the signed area of a closed ring in tile coordinates (y down), positive
// when the ring is clockwise on screen.
func surveyorArea(r orb.Ring) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

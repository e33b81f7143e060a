package osmbuild

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"
)

// Input formats.
const (
	FormatPBF = "pbf" // OpenStreetMap protocol buffer binary (.osm.pbf)
	FormatXML = "osm" // OpenStreetMap XML (.osm)
)

// ErrNotOSM is returned for input that is neither an OpenStreetMap PBF nor XML file.
var ErrNotOSM = errors.New("osmbuild: not an OpenStreetMap file (want .osm.pbf or .osm XML)")

// Sniff tells an OpenStreetMap PBF from XML by the first bytes: a PBF starts with the length
// of its first blob header, whose type is "OSMHeader"; XML with "<?xml" or "<osm".
func Sniff(head []byte) (string, error) {
	if len(head) >= 4+2+9 {
		n := binary.BigEndian.Uint32(head)
		if n > 0 && n < 64<<10 && bytes.Contains(head[4:min(len(head), 4+int(n))], []byte("OSMHeader")) {
			return FormatPBF, nil
		}
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if bytes.HasPrefix(t, []byte("<osm")) {
		return FormatXML, nil
	}
	if bytes.HasPrefix(t, []byte("<?xml")) && bytes.Contains(t, []byte("<osm")) {
		return FormatXML, nil
	}
	return "", ErrNotOSM
}

// wayRec is a way kept for the map: on its own tags (specs) or as a member of a relation.
type wayRec struct {
	id     int64
	first  int32 // its nodes are reader.wayNodes[first:last]
	last   int32
	specs  []spec
	member bool
	coast  bool // natural=coastline, for the ocean
}

// relRec is a multipolygon or boundary relation kept for the map.
type relRec struct {
	id         int64
	specs      []spec // multipolygon areas
	adminLevel int    // boundary relations: 2 or 4
	outer      []int64
	inner      []int64
}

// reader holds what the three passes collect.
type reader struct {
	ctx    context.Context
	rs     io.ReadSeeker
	size   int64
	format string
	opts   *Options

	rels       []relRec
	memberWays []int64 // sorted way IDs that kept relations use
	ways       []wayRec
	// wayNodes are the kept ways' nodes as indexes into the node table, 4 bytes a way node
	// where an ID takes 8: a way's points are then read without a search. The table is
	// coords, with nodeIDs beside it (sorted, for the node pass's search) only until the node
	// pass is done.
	wayNodes []int32
	nodeIDs  []int64 // sorted node IDs that kept ways use; nil after the node pass
	coords   []int32 // lon, lat in 1e-7 degrees of node i at 2i, 2i+1; missing = MinInt32
	points   []pointRec
	bounds   *orb.Bound // the extract's bounds in degrees, when the file states them
	props    *propTable // the kept specs' properties
	index    *pbfIndex  // the PBF's blobs by type, so passes skip the others; nil: read all

	nodes, wayCount, relations atomic.Int64
}

// pointRec is a node feature (a place label or an address).
type pointRec struct {
	lon, lat float64
	specs    []spec
}

func (r *reader) scanner(pass int, stage string) (osm.Scanner, error) {
	if _, err := r.rs.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("osmbuild: rewind: %w", err)
	}
	var in io.Reader = r.rs
	size := r.size
	if r.index != nil {
		// Only the blobs that may hold this pass's type: the rest are not even inflated.
		typ := [...]int{1: pbfRelations, 2: pbfWays, 3: pbfNodes}[pass]
		in, size = sectionsReader(r.rs.(io.ReaderAt), r.index.sections(typ))
	}
	if r.opts.Progress != nil {
		progress := r.opts.Progress
		in = &countingReader{r: in, progress: func(n int64) {
			progress(Progress{Stage: stage, Done: min(n, size), Total: size, Elements: r.nodes.Load() + r.wayCount.Load() + r.relations.Load()})
		}}
	}
	if r.format == FormatXML {
		return osmxml.New(r.ctx, in), nil
	}
	s := osmpbf.New(r.ctx, in, min(runtime.GOMAXPROCS(0), 4))
	switch pass {
	case 1:
		s.SkipNodes, s.SkipWays = true, true
		s.FilterRelation = func(rel *osm.Relation) bool {
			r.relations.Add(1)
			return keepRelation(rel.Tags)
		}
	case 2:
		s.SkipNodes, s.SkipRelations = true, true
		members := r.memberWays // read-only while the decoders run
		s.FilterWay = func(w *osm.Way) bool {
			r.wayCount.Add(1)
			if len(w.Nodes) < 2 {
				return false
			}
			if isCoast(w.Tags) || len(waySpecs(w.Tags, w.Nodes[0].ID == w.Nodes[len(w.Nodes)-1].ID)) > 0 {
				return true
			}
			_, ok := slices.BinarySearch(members, int64(w.ID))
			return ok
		}
	case 3:
		s.SkipWays, s.SkipRelations = true, true
		ids := r.nodeIDs
		s.FilterNode = func(n *osm.Node) bool {
			r.nodes.Add(1)
			if len(n.Tags) > 0 && len(nodeSpecs(n.Tags)) > 0 {
				return true
			}
			_, ok := slices.BinarySearch(ids, int64(n.ID))
			return ok
		}
	}
	// Header starts the decoders, which read the skips and filters: set them first.
	if h, err := s.Header(); err == nil && h.Bounds != nil {
		r.setBounds(h.Bounds)
	}
	return s, nil
}

func keepRelation(tags osm.Tags) bool {
	return len(relationSpecs(tags)) > 0 || boundaryRelation(tags) != 0
}

// read runs the three passes.
func (r *reader) read() error {
	if ra, ok := r.rs.(io.ReaderAt); ok && r.format == FormatPBF {
		// An unsorted file (errNotIndexed) is read whole by every pass.
		r.index, _ = indexPBF(ra, r.size)
	}
	if err := r.readRelations(); err != nil {
		return err
	}
	if err := r.readWays(); err != nil {
		return err
	}
	return r.readNodes()
}

func (r *reader) readRelations() error {
	s, err := r.scanner(1, "read relations")
	if err != nil {
		return err
	}
	defer s.Close()
	for s.Scan() {
		if b, ok := s.Object().(*osm.Bounds); ok {
			r.setBounds(b)
		}
		rel, ok := s.Object().(*osm.Relation)
		if !ok {
			continue
		}
		if r.format == FormatXML {
			r.relations.Add(1)
			if !keepRelation(rel.Tags) {
				continue
			}
		}
		rec := relRec{id: int64(rel.ID), specs: r.keep(relationSpecs(rel.Tags)), adminLevel: boundaryRelation(rel.Tags)}
		for _, m := range rel.Members {
			if m.Type != osm.TypeWay {
				continue
			}
			if m.Role == "inner" && rec.adminLevel == 0 {
				rec.inner = append(rec.inner, m.Ref)
			} else if m.Role == "outer" || m.Role == "" || rec.adminLevel != 0 {
				rec.outer = append(rec.outer, m.Ref)
			}
		}
		r.memberWays = append(r.memberWays, rec.outer...)
		r.memberWays = append(r.memberWays, rec.inner...)
		r.rels = append(r.rels, rec)
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("osmbuild: read relations: %w", err)
	}
	slices.Sort(r.memberWays)
	r.memberWays = slices.Compact(r.memberWays)
	return nil
}

func (r *reader) readWays() error {
	s, err := r.scanner(2, "read ways")
	if err != nil {
		return err
	}
	defer s.Close()
	// The kept ways' node IDs, until they become indexes into the node table: in chunks, so
	// that the list never moves as it grows (a slice that grows copies itself, and holds old
	// and new arrays at once, about 2.25 times its size for a moment).
	var ids idList
	for s.Scan() {
		w, ok := s.Object().(*osm.Way)
		if !ok || len(w.Nodes) < 2 {
			continue
		}
		closed := w.Nodes[0].ID == w.Nodes[len(w.Nodes)-1].ID
		specs := waySpecs(w.Tags, closed)
		_, member := slices.BinarySearch(r.memberWays, int64(w.ID))
		coast := isCoast(w.Tags)
		if r.format == FormatXML {
			r.wayCount.Add(1)
		}
		if len(specs) == 0 && !member && !coast {
			continue
		}
		if ids.n+len(w.Nodes) > math.MaxInt32 {
			return fmt.Errorf("osmbuild: read ways: extract too large (more than %d way nodes)", math.MaxInt32)
		}
		rec := wayRec{id: int64(w.ID), first: int32(ids.n), specs: r.keep(specs), member: member, coast: coast}
		for _, n := range w.Nodes {
			ids.add(int64(n.ID))
		}
		rec.last = int32(ids.n)
		r.ways = append(r.ways, rec)
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("osmbuild: read ways: %w", err)
	}
	slices.SortFunc(r.ways, func(a, b wayRec) int { return cmpInt64(a.id, b.id) })
	sorted := make([]int64, 0, ids.n)
	for _, c := range ids.chunks {
		sorted = append(sorted, c...)
	}
	slices.Sort(sorted)
	r.nodeIDs = slices.Clone(slices.Compact(sorted)) // a copy of its own size, so sorted is freed
	r.wayNodes = make([]int32, ids.n)
	i := 0
	for ci, c := range ids.chunks {
		for _, id := range c {
			n, _ := slices.BinarySearch(r.nodeIDs, id)
			r.wayNodes[i] = int32(n)
			i++
		}
		ids.chunks[ci] = nil // free each chunk once it is read
	}
	r.coords = make([]int32, 2*len(r.nodeIDs))
	for i := range r.coords {
		r.coords[i] = math.MinInt32
	}
	return nil
}

// idList is a list of node IDs in chunks that are never moved: each twice the last, up to
// idChunk.
type idList struct {
	chunks [][]int64
	n      int
}

const idChunk = 1 << 20 // 8 MB

func (l *idList) add(id int64) {
	k := len(l.chunks)
	if k == 0 || len(l.chunks[k-1]) == cap(l.chunks[k-1]) {
		size := 4096
		if k > 0 {
			size = min(idChunk, 2*cap(l.chunks[k-1]))
		}
		l.chunks = append(l.chunks, make([]int64, 0, size))
		k++
	}
	l.chunks[k-1] = append(l.chunks[k-1], id)
	l.n++
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (r *reader) readNodes() error {
	s, err := r.scanner(3, "read nodes")
	if err != nil {
		return err
	}
	defer s.Close()
	for s.Scan() {
		n, ok := s.Object().(*osm.Node)
		if !ok {
			continue
		}
		if r.format == FormatXML {
			r.nodes.Add(1)
		}
		if i, ok := slices.BinarySearch(r.nodeIDs, int64(n.ID)); ok {
			r.coords[2*i], r.coords[2*i+1] = fixed(n.Lon), fixed(n.Lat)
		}
		if len(n.Tags) > 0 {
			if specs := nodeSpecs(n.Tags); len(specs) > 0 && validLonLat(n.Lon, n.Lat) {
				r.points = append(r.points, pointRec{lon: n.Lon, lat: n.Lat, specs: r.keep(specs)})
			}
		}
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("osmbuild: read nodes: %w", err)
	}
	r.nodeIDs = nil // the ways hold indexes into coords
	return nil
}

// keep interns the specs' properties in r.props and drops their maps, so what the reader
// holds for a kept way or node is a number per spec (see propTable).
func (r *reader) keep(specs []spec) []spec {
	if r.props == nil {
		r.props = newPropTable()
	}
	for i := range specs {
		if specs[i].props != nil {
			specs[i].set = r.props.intern(specs[i].props)
			specs[i].props = nil
		}
	}
	return specs
}

func isCoast(tags osm.Tags) bool { return tags.Find("natural") == "coastline" }

// setBounds keeps the extract's stated bounds when they make sense.
func (r *reader) setBounds(b *osm.Bounds) {
	if validLonLat(b.MinLon, b.MinLat) && validLonLat(b.MaxLon, b.MaxLat) && b.MinLon < b.MaxLon && b.MinLat < b.MaxLat {
		r.bounds = &orb.Bound{Min: orb.Point{b.MinLon, b.MinLat}, Max: orb.Point{b.MaxLon, b.MaxLat}}
	}
}

func validLonLat(lon, lat float64) bool {
	return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// fixed stores a coordinate in 1e-7 degrees, OpenStreetMap's own precision.
func fixed(deg float64) int32 { return int32(math.Round(deg * 1e7)) }

// way returns a kept way by ID.
func (r *reader) way(id int64) (*wayRec, bool) {
	i, ok := slices.BinarySearchFunc(r.ways, id, func(w wayRec, id int64) int { return cmpInt64(w.id, id) })
	if !ok {
		return nil, false
	}
	return &r.ways[i], true
}

// lonLats resolves a way's nodes to degrees; it fails when a node is missing from the file, as
// at the edge of a clipped extract (the caller drops the way rather than draw a wrong shape).
func (r *reader) lonLats(w *wayRec, buf [][2]float64) ([][2]float64, bool) {
	buf = buf[:0]
	for _, i := range r.wayNodes[w.first:w.last] {
		if r.coords[2*i] == math.MinInt32 {
			return buf, false
		}
		buf = append(buf, [2]float64{float64(r.coords[2*i]) / 1e7, float64(r.coords[2*i+1]) / 1e7})
	}
	return buf, true
}

// countingReader reports the bytes read so far.
type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.progress(c.n)
	return n, err
}

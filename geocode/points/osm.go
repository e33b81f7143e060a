package points

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"

	"github.com/aidmap/aidmap"
)

// maxNumbersPerElement bounds the points made from one OpenStreetMap house number list
// ("1;3;5"), so one odd tag cannot flood the gazetteer.
const maxNumbersPerElement = 20

var osmLabels = labels{lon: "lon", lat: "lat", number: "addr:housenumber", street: "addr:street"}

// osmReader reads OpenStreetMap nodes and ways that carry an address, in three passes over
// the file, so that memory holds only the coordinates of the nodes that address ways use
// (16 bytes each), never the whole extract, and so that files whose ways come before their
// nodes still work:
//
//  1. ways: collect the node IDs of ways with an address (and count relations with one);
//  2. nodes: yield address nodes, and record the coordinates of the collected node IDs;
//  3. ways: yield each address way at the centroid of its nodes.
type osmReader struct {
	ctx    context.Context
	rs     io.ReadSeeker
	start  int64
	size   int64
	format string
	opts   Options

	pass    int // 0 before the first Next, then 2 and 3 while yielding, 4 at the end
	scanner osm.Scanner
	ids     []int64 // sorted node IDs that address ways use
	coords  []int32 // lon, lat in 1e-7 degrees for ids[i] at 2i, 2i+1; missing = MinInt32
	batch   []aidmap.AddressPoint
	t       tally
	err     error
}

func newOSMReader(ctx context.Context, rs io.ReadSeeker, start int64, format string, opts Options) (*osmReader, error) {
	end, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("points: osm: %w", err)
	}
	return &osmReader{ctx: ctx, rs: rs, start: start, size: end - start, format: format, opts: opts,
		batch: make([]aidmap.AddressPoint, 0, opts.batchSize())}, nil
}

func (o *osmReader) setFile(f string) { o.t.file = f }

func (o *osmReader) Summary() Summary { return o.t.summary() }

// hasAddress reports whether tags make an address candidate: a house number.
func hasAddress(tags osm.Tags) bool {
	return tags.Find("addr:housenumber") != ""
}

// open starts a scan for pass (1 to 3) from the start of the input.
func (o *osmReader) open(pass int) (osm.Scanner, error) {
	if _, err := o.rs.Seek(o.start, io.SeekStart); err != nil {
		return nil, fmt.Errorf("points: osm: rewind: %w", err)
	}
	var r io.Reader = io.LimitReader(o.rs, o.size)
	if o.opts.Progress != nil {
		// Three passes over the file: report a third of the bytes of each, so the count
		// still ends at the file's size.
		done, size, progress := int64(pass-1)*o.size, o.size, o.opts.Progress
		r = &countingReader{r: r, progress: func(n int64) { progress((done + min(n, size)) / 3) }}
	}
	if o.format == FormatOSM {
		return osmxml.New(o.ctx, r), nil
	}
	s := osmpbf.New(o.ctx, r, min(runtime.GOMAXPROCS(0), 4))
	switch pass {
	case 1, 3:
		s.SkipNodes = true
		s.SkipRelations = pass == 3
		s.FilterWay = func(w *osm.Way) bool { return hasAddress(w.Tags) }
		s.FilterRelation = func(r *osm.Relation) bool { return hasAddress(r.Tags) }
	case 2:
		s.SkipWays, s.SkipRelations = true, true
		ids := o.ids // read-only while the decoders run
		s.FilterNode = func(n *osm.Node) bool {
			if hasAddress(n.Tags) {
				return true
			}
			_, ok := slices.BinarySearch(ids, int64(n.ID))
			return ok
		}
	}
	return s, nil
}

// collect is pass 1: the node IDs of address ways, sorted and without repeats.
func (o *osmReader) collect() error {
	s, err := o.open(1)
	if err != nil {
		return err
	}
	defer s.Close()
	for s.Scan() {
		switch e := s.Object().(type) {
		case *osm.Way:
			if !hasAddress(e.Tags) {
				continue
			}
			for _, n := range e.Nodes {
				o.ids = append(o.ids, int64(n.ID))
			}
		case *osm.Relation:
			if hasAddress(e.Tags) {
				o.t.reject(Rejection{Ref: "relation/" + strconv.FormatInt(int64(e.ID), 10), Field: "addr:housenumber",
					Value: e.Tags.Find("addr:housenumber"), Reason: ReasonRelation})
			}
		}
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("points: osm: read ways: %w", err)
	}
	slices.Sort(o.ids)
	o.ids = slices.Compact(o.ids)
	o.ids = slices.Clip(o.ids)
	o.coords = make([]int32, 2*len(o.ids))
	for i := range o.coords {
		o.coords[i] = math.MinInt32
	}
	return nil
}

func (o *osmReader) Next() ([]aidmap.AddressPoint, error) {
	if o.err != nil {
		return nil, o.err
	}
	if err := o.ctx.Err(); err != nil {
		return nil, fmt.Errorf("points: osm: %w", err)
	}
	if o.pass == 0 {
		if err := o.collect(); err != nil {
			o.err = err
			return nil, err
		}
		o.pass = 2
	}
	o.batch = o.batch[:0]
	for o.pass < 4 && len(o.batch) < cap(o.batch) {
		if o.scanner == nil {
			s, err := o.open(o.pass)
			if err != nil {
				o.err = err
				return nil, err
			}
			o.scanner = s
		}
		if !o.scanner.Scan() {
			err := o.scanner.Err()
			o.scanner.Close()
			o.scanner = nil
			if err != nil {
				o.err = fmt.Errorf("points: osm: %w", err)
				return nil, o.err
			}
			o.pass++
			continue
		}
		switch e := o.scanner.Object().(type) {
		case *osm.Node:
			if o.pass != 2 {
				continue
			}
			if i, ok := slices.BinarySearch(o.ids, int64(e.ID)); ok {
				o.coords[2*i], o.coords[2*i+1] = fixed(e.Lon), fixed(e.Lat)
			}
			if hasAddress(e.Tags) {
				o.emit("node/", int64(e.ID), e.Lon, e.Lat, e.Tags)
			}
		case *osm.Way:
			if o.pass != 3 || !hasAddress(e.Tags) {
				continue
			}
			lon, lat, ok := o.centroid(e.Nodes)
			if !ok {
				o.t.reject(Rejection{Ref: "way/" + strconv.FormatInt(int64(e.ID), 10), Field: "nd", Reason: ReasonMissingNodes})
				continue
			}
			o.emit("way/", int64(e.ID), lon, lat, e.Tags)
		}
	}
	if len(o.batch) == 0 {
		o.err = io.EOF
		return nil, io.EOF
	}
	return o.batch, nil
}

// fixed stores a coordinate in 1e-7 degrees, OpenStreetMap's own precision.
func fixed(deg float64) int32 { return int32(math.Round(deg * 1e7)) }

// centroid places a way: the area centroid of a closed way (a building outline), or the
// mean of the nodes of an open one or of a closed one with no area. It fails when a node is
// missing from the file, as at the edge of a clipped extract, rather than guess.
func (o *osmReader) centroid(nodes osm.WayNodes) (lon, lat float64, ok bool) {
	if len(nodes) == 0 {
		return 0, 0, false
	}
	pts := make([][2]float64, 0, len(nodes))
	for _, n := range nodes {
		i, found := slices.BinarySearch(o.ids, int64(n.ID))
		if !found || o.coords[2*i] == math.MinInt32 {
			return 0, 0, false
		}
		pts = append(pts, [2]float64{float64(o.coords[2*i]) / 1e7, float64(o.coords[2*i+1]) / 1e7})
	}
	closed := len(nodes) >= 4 && nodes[0].ID == nodes[len(nodes)-1].ID
	if closed {
		pts = pts[:len(pts)-1]
		// Shoelace about the first vertex, which keeps the products small. An area
		// centroid is unchanged by scaling one axis, so degrees do as well as metres.
		ox, oy := pts[0][0], pts[0][1]
		var a, cx, cy float64
		for i := range pts {
			x0, y0 := pts[i][0]-ox, pts[i][1]-oy
			x1, y1 := pts[(i+1)%len(pts)][0]-ox, pts[(i+1)%len(pts)][1]-oy
			cross := x0*y1 - x1*y0
			a += cross
			cx += (x0 + x1) * cross
			cy += (y0 + y1) * cross
		}
		if math.Abs(a) > 1e-18 {
			return ox + cx/(3*a), oy + cy/(3*a), true
		}
	}
	for _, p := range pts {
		lon += p[0]
		lat += p[1]
	}
	return lon / float64(len(pts)), lat / float64(len(pts)), true
}

// emit validates one element's address and appends a point per house number it lists.
func (o *osmReader) emit(kind string, id int64, lon, lat float64, tags osm.Tags) {
	ref := kind + strconv.FormatInt(id, 10)
	street := clean(tags.Find("addr:street"))
	if street == "" {
		// OpenStreetMap addresses places without named streets (hamlets, squares) with
		// addr:place; for matching it plays the street's part.
		street = clean(tags.Find("addr:place"))
	}
	region := clean(tags.Find("addr:province"))
	if region == "" {
		region = clean(tags.Find("addr:state"))
	}
	p := aidmap.AddressPoint{
		// Round to OpenStreetMap's 1e-7 degrees (about 1 cm), which drops the float noise
		// of scaling its fixed-point integers (7.427968000000001).
		Lon: math.Round(lon*1e7) / 1e7, Lat: math.Round(lat*1e7) / 1e7,
		Unit:     clean(tags.Find("addr:unit")),
		Street:   street,
		Locality: clean(tags.Find("addr:city")),
		Region:   region,
		Postcode: clean(tags.Find("addr:postcode")),
		Country:  strings.ToUpper(clean(tags.Find("addr:country"))),
	}
	if !isCountry(p.Country) {
		p.Country = o.opts.Country
	}
	var numbers []string
	for _, n := range strings.Split(tags.Find("addr:housenumber"), ";") {
		if n = clean(n); n != "" && len(numbers) < maxNumbersPerElement {
			numbers = append(numbers, n)
		}
	}
	if len(numbers) == 0 {
		o.t.reject(Rejection{Ref: ref, Field: "addr:housenumber", Value: tags.Find("addr:housenumber"), Reason: ReasonNoNumber})
		return
	}
	p.Number = numbers[0]
	if field, value, why := checkPoint(&p, &osmLabels); why != "" {
		o.t.reject(Rejection{Ref: ref, Field: field, Value: value, Reason: why})
		return
	}
	for _, n := range numbers {
		p.Number = n
		o.batch = append(o.batch, p)
	}
	o.t.accept()
	o.t.sum.Points += len(numbers) - 1
}

package osmbuild

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// propTable holds every distinct set of feature properties once; features and kept ways
// refer to a set by number. A map per feature was most of the heap while ways were read and
// features assembled (a map of a few entries costs hundreds of bytes, and most features
// share theirs: the buildings with no height, the streets of one name), and encoding a tile
// through maps cost a sort of their keys per feature and tile.
//
// Keys and values are numbered too, so a tile's key and value tables are built from small
// integers. Values compare as Go values in an interface do, as orb's MVT encoder compared
// them: the int 1 and the int64 1 are different values of a layer.
type propTable struct {
	keys   []string
	keyIDs map[string]uint32
	vals   []any // string, int, int64 or float64
	valIDs map[any]uint32
	sets   [][]uint32 // key and value numbers in pairs, in the keys' string order
	setIDs map[string]uint32
	pairs  []uint32 // scratch for intern
	names  []string // scratch for intern
}

func newPropTable() *propTable {
	t := &propTable{keyIDs: map[string]uint32{}, valIDs: map[any]uint32{}, setIDs: map[string]uint32{}}
	t.intern(nil) // set 0: no properties
	return t
}

// intern returns the number of the set p, adding it when it is new.
func (t *propTable) intern(p geojson.Properties) uint32 {
	t.names = t.names[:0]
	for k := range p {
		t.names = append(t.names, k)
	}
	slices.Sort(t.names)
	t.pairs = t.pairs[:0]
	for _, k := range t.names {
		ki, ok := t.keyIDs[k]
		if !ok {
			ki = uint32(len(t.keys))
			t.keys = append(t.keys, k)
			t.keyIDs[k] = ki
		}
		v := p[k]
		switch v.(type) {
		case string, int, int64, float64:
		default:
			panic(fmt.Sprintf("osmbuild: property %s: unexpected type %T", k, v)) // the specs make only these
		}
		vi, ok := t.valIDs[v]
		if !ok {
			vi = uint32(len(t.vals))
			t.vals = append(t.vals, v)
			t.valIDs[v] = vi
		}
		t.pairs = append(t.pairs, ki, vi)
	}
	var key strings.Builder
	key.Grow(4 * len(t.pairs))
	for _, n := range t.pairs {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], n)
		key.Write(b[:])
	}
	id, ok := t.setIDs[key.String()]
	if !ok {
		id = uint32(len(t.sets))
		t.sets = append(t.sets, slices.Clone(t.pairs))
		t.setIDs[key.String()] = id
	}
	return id
}

// done drops the lookup maps once every set is in: tiles only read the tables.
func (t *propTable) done() {
	t.keyIDs, t.valIDs, t.setIDs = nil, nil, nil
	t.pairs, t.names = nil, nil
}

// properties returns set id as a map (tests and debugging).
func (t *propTable) properties(id uint32) geojson.Properties {
	p := geojson.Properties{}
	s := t.sets[id]
	for i := 0; i < len(s); i += 2 {
		p[t.keys[s[i]]] = t.vals[s[i+1]]
	}
	return p
}

// MVT geometry types and commands (vector tile specification 2.1).
const (
	mvtPoint      = 1
	mvtLineString = 2
	mvtPolygon    = 3

	cmdMoveTo    = 1
	cmdLineTo    = 2
	cmdClosePath = 7
)

// mvtWriter encodes vector tiles straight to protocol buffer bytes. It writes what orb's
// mvt.Marshal writes for the same layers, byte for byte (TestMVTWriterMatchesOrb): fields in
// the order of their numbers, each layer's keys and values numbered in the order features
// first use them, a feature's tags in its keys' string order, and the geometry commands
// orb writes (a ring's closing point left to ClosePath). One per encoder: it reuses its
// buffers from tile to tile.
type mvtWriter struct {
	props *propTable
	tile  []byte   // the tile so far
	layer []byte   // the current layer's features
	feat  []byte   // scratch: one feature
	ints  []uint32 // scratch: a feature's tags or geometry before packing
	// Key and value numbers of the current layer: stamp[i] == gen when global value i has a
	// number in the layer, local[i]. A generation per layer avoids clearing the tables.
	keyStamp, keyLocal []uint32
	valStamp, valLocal []uint32
	keyOrder, valOrder []uint32
	gen                uint32
}

func newMVTWriter(props *propTable) *mvtWriter {
	return &mvtWriter{
		props:    props,
		keyStamp: make([]uint32, len(props.keys)), keyLocal: make([]uint32, len(props.keys)),
		valStamp: make([]uint32, len(props.vals)), valLocal: make([]uint32, len(props.vals)),
	}
}

func (w *mvtWriter) reset() { w.tile = w.tile[:0] }

func (w *mvtWriter) startLayer() {
	w.layer = w.layer[:0]
	w.keyOrder, w.valOrder = w.keyOrder[:0], w.valOrder[:0]
	w.gen++
	if w.gen == 0 { // wrapped: stamps from 2^32 layers ago would look current
		clear(w.keyStamp)
		clear(w.valStamp)
		w.gen = 1
	}
}

// feature adds a feature with the properties of set and geometry g (rounded tile units, as
// clean returns) to the current layer.
func (w *mvtWriter) feature(set uint32, g orb.Geometry) {
	pairs := w.props.sets[set]
	w.ints = w.ints[:0]
	for i := 0; i < len(pairs); i += 2 {
		k, v := pairs[i], pairs[i+1]
		if w.keyStamp[k] != w.gen {
			w.keyStamp[k], w.keyLocal[k] = w.gen, uint32(len(w.keyOrder))
			w.keyOrder = append(w.keyOrder, k)
		}
		if w.valStamp[v] != w.gen {
			w.valStamp[v], w.valLocal[v] = w.gen, uint32(len(w.valOrder))
			w.valOrder = append(w.valOrder, v)
		}
		w.ints = append(w.ints, w.keyLocal[k], w.valLocal[v])
	}
	f := w.feat[:0]
	if len(w.ints) > 0 {
		f = appendPacked(f, 0x12, w.ints)
	}
	typ, ints := geometry(w.ints[:0], g)
	w.ints = ints
	f = append(f, 0x18)
	f = binary.AppendUvarint(f, uint64(typ))
	if len(ints) > 0 {
		f = appendPacked(f, 0x22, ints)
	}
	w.feat = f
	w.layer = append(w.layer, 0x12)
	w.layer = binary.AppendUvarint(w.layer, uint64(len(f)))
	w.layer = append(w.layer, f...)
}

// endLayer appends the current layer, named name, to the tile.
func (w *mvtWriter) endLayer(name string) {
	t := w.tile
	// Layer: name (1), features (2), keys (3), values (4), extent (5), version (15).
	size := 1 + uvarintLen(uint64(len(name))) + len(name) + len(w.layer)
	for _, k := range w.keyOrder {
		s := w.props.keys[k]
		size += 1 + uvarintLen(uint64(len(s))) + len(s)
	}
	for _, v := range w.valOrder {
		n := valueLen(w.props.vals[v])
		size += 1 + uvarintLen(uint64(n)) + n
	}
	size += 1 + uvarintLen(Extent) + 1 + uvarintLen(2)
	t = append(t, 0x1a)
	t = binary.AppendUvarint(t, uint64(size))
	t = append(t, 0x0a)
	t = binary.AppendUvarint(t, uint64(len(name)))
	t = append(t, name...)
	t = append(t, w.layer...)
	for _, k := range w.keyOrder {
		s := w.props.keys[k]
		t = append(t, 0x1a)
		t = binary.AppendUvarint(t, uint64(len(s)))
		t = append(t, s...)
	}
	for _, v := range w.valOrder {
		val := w.props.vals[v]
		t = append(t, 0x22)
		t = binary.AppendUvarint(t, uint64(valueLen(val)))
		t = appendValue(t, val)
	}
	t = append(t, 0x28)
	t = binary.AppendUvarint(t, Extent)
	t = append(t, 0x78)
	t = binary.AppendUvarint(t, 2)
	w.tile = t
}

// valueLen is the encoded length of a Tile_Value message holding v.
func valueLen(v any) int {
	switch v := v.(type) {
	case string:
		return 1 + uvarintLen(uint64(len(v))) + len(v)
	case int:
		return 1 + uvarintLen(zigzag(int64(v)))
	case int64:
		return 1 + uvarintLen(zigzag(v))
	case float64:
		return 1 + 8
	}
	panic(fmt.Sprintf("osmbuild: unexpected property type %T", v)) // intern admits only the types above
}

// appendValue appends v as a Tile_Value: strings as string_value (1), integers as
// sint_value (6), floats as double_value (3), as orb encodes them.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		b = append(b, 0x0a)
		b = binary.AppendUvarint(b, uint64(len(v)))
		return append(b, v...)
	case int:
		return binary.AppendUvarint(append(b, 0x30), zigzag(int64(v)))
	case int64:
		return binary.AppendUvarint(append(b, 0x30), zigzag(v))
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, 0x19), math.Float64bits(v))
	}
	panic(fmt.Sprintf("osmbuild: unexpected property type %T", v))
}

func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func appendPacked(b []byte, tag byte, ints []uint32) []byte {
	n := 0
	for _, v := range ints {
		n += uvarintLen(uint64(v))
	}
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(n))
	for _, v := range ints {
		b = binary.AppendUvarint(b, uint64(v))
	}
	return b
}

// geometry appends g's geometry commands to out and returns its MVT type.
func geometry(out []uint32, g orb.Geometry) (uint32, []uint32) {
	var x, y int32 // the cursor: coordinates are deltas from the last point, across parts
	points := func(cmd uint32, pts []orb.Point) {
		out = append(out, uint32(len(pts))<<3|cmd)
		for _, p := range pts {
			px, py := int32(p[0]), int32(p[1])
			dx, dy := px-x, py-y
			x, y = px, py
			out = append(out, uint32((dx<<1)^(dx>>31)), uint32((dy<<1)^(dy>>31)))
		}
	}
	line := func(l []orb.Point) {
		points(cmdMoveTo, l[:1])
		points(cmdLineTo, l[1:])
	}
	ring := func(r orb.Ring) {
		points(cmdMoveTo, r[:1])
		if r.Closed() {
			points(cmdLineTo, r[1:len(r)-1])
		} else {
			points(cmdLineTo, r[1:])
		}
		out = append(out, 1<<3|cmdClosePath)
	}
	switch g := g.(type) {
	case orb.Point:
		points(cmdMoveTo, []orb.Point{g})
		return mvtPoint, out
	case orb.LineString:
		line(g)
		return mvtLineString, out
	case orb.MultiLineString:
		for _, l := range g {
			line(l)
		}
		return mvtLineString, out
	case orb.Polygon:
		for _, r := range g {
			ring(r)
		}
		return mvtPolygon, out
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				ring(r)
			}
		}
		return mvtPolygon, out
	}
	panic(fmt.Sprintf("osmbuild: unexpected geometry %T", g)) // clean returns only the types above
}

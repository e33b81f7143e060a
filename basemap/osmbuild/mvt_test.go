package osmbuild

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

// TestMVTWriterMatchesOrb encodes every tile of the fixture town and wants the bytes orb's
// mvt.Marshal gives for the same features and properties: the archive stays what it was
// when orb encoded it, and orb (which decodes tiles in the tests) reads it.
func TestMVTWriterMatchesOrb(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "city.osm"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opts := Options{}
	r := &reader{ctx: context.Background(), rs: f, format: FormatXML, opts: &opts}
	if err := r.read(); err != nil {
		t.Fatal(err)
	}
	features := r.features()
	props := r.props
	props.done()
	world := orb.Bound{Max: orb.Point{1, 1}}
	enc := newEncoder(features, props, MaxZoom)
	var parent []tileJob
	tiles := 0
	for z := uint8(0); z <= MaxZoom; z++ {
		jobs := assign(features, z, world, parent, z > 0)
		for i := range jobs {
			b, err := enc.encode(&jobs[i], nil)
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				continue
			}
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			var ls mvt.Layers
			for li, fs := range enc.kept {
				if len(fs) == 0 {
					continue
				}
				l := &mvt.Layer{Name: layers[li].name, Version: 2, Extent: Extent}
				for _, k := range fs {
					l.Features = append(l.Features, &geojson.Feature{Geometry: k.geom, Properties: props.properties(k.set)})
				}
				ls = append(ls, l)
			}
			want, err := mvt.Marshal(ls)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("tile %d/%d/%d: %d bytes, orb's mvt.Marshal %d", z, jobs[i].x, jobs[i].y, len(got), len(want))
			}
			tiles++
		}
		parent = jobs
	}
	if tiles < 20 {
		t.Fatalf("%d tiles compared: the fixture should give more", tiles)
	}
}

// TestPropTable checks that equal property sets share a number and that values of different
// Go types stay apart, as orb's encoder keeps them.
func TestPropTable(t *testing.T) {
	p := newPropTable()
	a := p.intern(geojson.Properties{"class": "minor", "name": "Rue A"})
	b := p.intern(geojson.Properties{"name": "Rue A", "class": "minor"})
	c := p.intern(geojson.Properties{"class": "minor", "name": "Rue B"})
	d := p.intern(geojson.Properties{"admin_level": 4})
	e := p.intern(geojson.Properties{"admin_level": int64(4)})
	if a != b || a == c || d == e {
		t.Errorf("sets %d %d %d %d %d: want the first two equal, the rest apart", a, b, c, d, e)
	}
	if got := p.intern(geojson.Properties{}); got != 0 {
		t.Errorf("empty set = %d, want 0", got)
	}
	if got := p.properties(a); len(got) != 2 || got["name"] != "Rue A" || got["class"] != "minor" {
		t.Errorf("properties(%d) = %v", a, got)
	}
}

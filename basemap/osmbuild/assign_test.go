package osmbuild

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
)

// TestAssignFromParents checks the shortcut against brute force: trying a feature only in
// the children of the tiles it touched one zoom up gives the same tiles, byte for byte, as
// trying it in every tile of its bounding box.
func TestAssignFromParents(t *testing.T) {
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
	world := orb.Bound{Max: orb.Point{1, 1}}
	enc := newEncoder(features, r.props, MaxZoom)
	var parent []tileJob
	for z := uint8(0); z <= MaxZoom; z++ {
		fast := assign(features, z, world, parent, z > 0)
		brute := assign(features, z, world, nil, false)
		got := map[uint64][]byte{}
		for i := range fast {
			b, err := enc.encode(&fast[i], nil)
			if err != nil {
				t.Fatal(err)
			}
			if b != nil {
				got[fast[i].id] = b
			}
		}
		n := 0
		for i := range brute {
			b, err := enc.encode(&brute[i], nil)
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				continue
			}
			n++
			if !bytes.Equal(got[brute[i].id], b) {
				t.Errorf("z%d tile %d/%d: from parents %d bytes, brute force %d", z, brute[i].x, brute[i].y, len(got[brute[i].id]), len(b))
			}
		}
		if n != len(got) {
			t.Errorf("z%d: %d tiles from parents, %d by brute force", z, len(got), n)
		}
		parent = fast
	}
}

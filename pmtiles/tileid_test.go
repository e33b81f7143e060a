package pmtiles

import (
	"math/rand/v2"
	"testing"
)

func TestZxyToID(t *testing.T) {
	tests := []struct {
		z    uint8
		x, y uint32
		id   uint64
	}{ // the spec's table
		{0, 0, 0, 0},
		{1, 0, 0, 1},
		{1, 0, 1, 2},
		{1, 1, 1, 3},
		{1, 1, 0, 4},
		{2, 0, 0, 5},
		{12, 3423, 1763, 19078479},
		{MaxZoom, 0, 0, zoomStart(MaxZoom)},
		{MaxZoom, 1<<MaxZoom - 1, 0, zoomStart(MaxZoom+1) - 1}, // last tile of the deepest zoom
	}
	for _, tt := range tests {
		if got := ZxyToID(tt.z, tt.x, tt.y); got != tt.id {
			t.Errorf("ZxyToID(%d, %d, %d) = %d, want %d", tt.z, tt.x, tt.y, got, tt.id)
		}
		if z, x, y := IDToZxy(tt.id); z != tt.z || x != tt.x || y != tt.y {
			t.Errorf("IDToZxy(%d) = %d/%d/%d, want %d/%d/%d", tt.id, z, x, y, tt.z, tt.x, tt.y)
		}
	}
}

// TestZxyToIDCoversZooms checks, exhaustively for low zooms, that a zoom's tiles take
// exactly the IDs between its start and the next zoom's, each once, and convert back.
func TestZxyToIDCoversZooms(t *testing.T) {
	for z := uint8(0); z <= 7; z++ {
		n := uint32(1) << z
		seen := make(map[uint64]bool, n*n)
		for x := range n {
			for y := range n {
				id := ZxyToID(z, x, y)
				if id < zoomStart(z) || id >= zoomStart(z+1) || seen[id] {
					t.Fatalf("ZxyToID(%d, %d, %d) = %d: outside [%d, %d) or repeated", z, x, y, id, zoomStart(z), zoomStart(z+1))
				}
				seen[id] = true
				if gz, gx, gy := IDToZxy(id); gz != z || gx != x || gy != y {
					t.Fatalf("IDToZxy(%d) = %d/%d/%d, want %d/%d/%d", id, gz, gx, gy, z, x, y)
				}
			}
		}
	}
}

func TestIDToZxyRoundTripDeep(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		z := uint8(r.IntN(MaxZoom + 1))
		x, y := r.Uint32N(1<<z), r.Uint32N(1<<z)
		if gz, gx, gy := IDToZxy(ZxyToID(z, x, y)); gz != z || gx != x || gy != y {
			t.Fatalf("%d/%d/%d came back as %d/%d/%d", z, x, y, gz, gx, gy)
		}
	}
}

func TestIDToZxyPastMaxZoom(t *testing.T) {
	for _, id := range []uint64{zoomStart(MaxZoom + 1), 1<<64 - 1} {
		if z, _, _ := IDToZxy(id); z != MaxZoom+1 {
			t.Errorf("IDToZxy(%d): zoom %d, want %d", id, z, MaxZoom+1)
		}
	}
}

func BenchmarkZxyToID(b *testing.B) {
	for i := range b.N {
		ZxyToID(15, uint32(i)&(1<<15-1), uint32(i>>3)&(1<<15-1))
	}
}

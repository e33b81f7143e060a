package pmtiles

import "math/bits"

// MaxZoom is the deepest zoom whose tile IDs fit in a uint64.
const MaxZoom = 31

// zoomStart is the first tile ID of zoom z: the number of tiles in zooms 0 to z-1,
// (4^z - 1) / 3.
func zoomStart(z uint8) uint64 { return (uint64(1)<<(2*uint(z)) - 1) / 3 }

// ZxyToID converts tile z/x/y to its tile ID: its position on the series of Hilbert curves
// that starts at zoom 0 (0/0/0 is 0, 1/0/0 is 1, 1/0/1 is 2, ...). z must be at most MaxZoom
// and x, y below 2^z; other input gives a meaningless ID (but never a panic). Callers that
// take z/x/y from users check it first.
func ZxyToID(z uint8, x, y uint32) uint64 {
	acc := zoomStart(z)
	for s := uint32(1) << (z - 1); z > 0 && s > 0; s >>= 1 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		acc += uint64(s) * uint64(s) * uint64((3*rx)^ry)
		x, y = rotate(s, x, y, rx, ry)
	}
	return acc
}

// IDToZxy converts a tile ID back to z/x/y. IDs past the last tile of MaxZoom have no tile;
// they give zoom MaxZoom+1 and coordinates that mean nothing.
func IDToZxy(id uint64) (z uint8, x, y uint32) {
	// zoomStart(z) <= id < zoomStart(z+1)  <=>  4^z <= 3*id+1 < 4^(z+1); 3*id+1 overflows
	// only above zoom 31, so compute in 128 bits.
	hi, lo := bits.Mul64(id, 3)
	lo, c := bits.Add64(lo, 1, 0)
	hi += c
	if hi > 0 {
		z = MaxZoom + 1
	} else {
		z = uint8((bits.Len64(lo) - 1) / 2)
	}
	t := id - zoomStart(z)
	for a := uint8(0); a < z; a++ {
		s := uint32(1) << a
		rx := uint32(t>>1) & 1
		ry := uint32(t^uint64(rx)) & 1
		x, y = rotate(s, x, y, rx, ry)
		x += rx << a
		y += ry << a
		t >>= 2
	}
	return z, x, y
}

// rotate flips and transposes a quadrant of the Hilbert curve.
func rotate(n, x, y, rx, ry uint32) (uint32, uint32) {
	if ry == 0 {
		if rx != 0 {
			x, y = n-1-x, n-1-y
		}
		return y, x
	}
	return x, y
}

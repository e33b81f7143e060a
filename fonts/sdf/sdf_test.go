package sdf

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// edge is the byte value at a glyph's outline: 255*(1-Cutoff).
const edge = 255 * (1 - Cutoff)

// square returns the coverage of a box×box glyph box with an n×n filled square in its middle.
func square(box, n int) []byte {
	c := make([]byte, box*box)
	m := (box - n) / 2
	for y := m; y < m+n; y++ {
		for x := m; x < m+n; x++ {
			c[y*box+x] = 255
		}
	}
	return c
}

// TestTransformFilledSquare checks the field around a filled 10×10 square drawn in a 14×14 glyph
// box. tiny-sdf searches the distance to the inside over the whole padded grid but the distance
// to the outside only within the glyph box, as here.
func TestTransformFilledSquare(t *testing.T) {
	const box, n, m = 14, 10, 2 // m: empty pixels between the box and the square
	out := Transform(square(box, n), box, box)
	w := box + 2*Buffer
	if len(out) != w*w {
		t.Fatalf("got %d bytes, want %d", len(out), w*w)
	}
	at := func(x, y int) byte { return out[y*w+x] }
	left := Buffer + m // first column of the square
	// Along the middle row: outside the square values fall off by 255/Radius per pixel of
	// distance; inside they rise by as much, and clamp at 255 deep inside.
	mid := w / 2
	sdf := func(d float64) byte { return clampRound(255 - 255*(d/Radius+Cutoff)) }
	tests := []struct {
		name string
		x    int
		want byte
	}{
		{"grid edge, 5 px outside", 0, sdf(5)},
		{"3 px outside", left - 3, sdf(3)},
		{"1 px outside", left - 1, sdf(1)},
		{"first inside pixel", left, sdf(-1)},
		{"second inside pixel", left + 1, sdf(-2)},
		{"centre", left + n/2 - 1, 255},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := at(tt.x, mid); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
	for y := 0; y < w; y++ {
		for x := 0; x < w; x++ {
			inside := x >= left && x < left+n && y >= left && y < left+n
			if v := float64(at(x, y)); inside != (v > edge) {
				t.Fatalf("(%d,%d) = %v: inside %v but the edge is %v", x, y, v, inside, edge)
			}
		}
	}
	// The outside pixel diagonal to the square's corner is sqrt(2) from it.
	if got, want := at(left-1, left-1), sdf(math.Sqrt2); got != want {
		t.Errorf("diagonal neighbour: got %d, want %d", got, want)
	}
	// Values ≈ 192 sit on the outline: 1 px outside reads 159, 1 px inside 223.
	if a, b := at(left-1, mid), at(left, mid); float64(a) >= edge || float64(b) <= edge {
		t.Errorf("edge between %d and %d, want it to straddle %v", a, b, edge)
	}
}

// TestTransformHalfCoverage checks tiny-sdf's sub-pixel edge on a lone, half covered pixel:
// its gamma-corrected coverage 0.5^(1/2.2) ≈ 0.73 puts the edge 0.23 px outside its centre.
func TestTransformHalfCoverage(t *testing.T) {
	out := Transform([]byte{128}, 1, 1)
	w := 1 + 2*Buffer
	got := out[Buffer*w+Buffer]
	d := 0.5 - math.Pow(128.0/255, 1/2.2) // negative: the centre is inside
	want := clampRound(255*(1-Cutoff) - 255/Radius*d)
	if got != want || got != 199 {
		t.Errorf("got %d, want %d (= 199)", got, want)
	}
	// Its neighbours are outside, about 1 px from the pixel's edge point.
	if v := out[Buffer*w+Buffer+1]; float64(v) >= edge {
		t.Errorf("neighbour %d, want < %v", v, edge)
	}
}

// TestTransformMatchesTinySDF compares the port with tiny-sdf 2.1.0 itself (the version MapLibre
// GL JS 5.24 bundles) on the coverage bitmaps of testdata/tinysdf.json, made by
// testdata/tinysdf.mjs.
func TestTransformMatchesTinySDF(t *testing.T) {
	b, err := os.ReadFile("testdata/tinysdf.json")
	if err != nil {
		t.Fatal(err)
	}
	// coverage and sdf are JSON arrays of numbers ([]byte would want base64).
	var raw struct {
		Cases []struct {
			Name     string `json:"name"`
			W, H     int
			Coverage []int `json:"coverage"`
			SDF      []int `json:"sdf"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Cases) < 3 {
		t.Fatalf("got %d cases, want the square, the disc and random ones", len(raw.Cases))
	}
	for _, c := range raw.Cases {
		t.Run(c.Name, func(t *testing.T) {
			cov := make([]byte, len(c.Coverage))
			for i, v := range c.Coverage {
				cov[i] = byte(v)
			}
			got := Transform(cov, c.W, c.H)
			if len(got) != len(c.SDF) {
				t.Fatalf("got %d bytes, want %d", len(got), len(c.SDF))
			}
			for i := range got {
				if int(got[i]) != c.SDF[i] {
					t.Fatalf("pixel %d (%d,%d): got %d, want %d", i, i%(c.W+2*Buffer), i/(c.W+2*Buffer), got[i], c.SDF[i])
				}
			}
		})
	}
}

// TestTransformMatchesBruteForce compares the distance transform with the definition on random
// shapes: for pixels fully in or out, the outer distance is the Euclidean distance to the nearest
// inside pixel (searched over the whole grid) and the inner distance the distance to the nearest
// outside pixel of the glyph box, as tiny-sdf computes them.
func TestTransformMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 40 {
		w, h := 1+rng.IntN(12), 1+rng.IntN(12)
		cov := make([]byte, w*h)
		for i := range cov {
			if rng.IntN(3) == 0 {
				cov[i] = 255
			}
		}
		got := Transform(cov, w, h)
		gw, gh := w+2*Buffer, h+2*Buffer
		in := func(x, y int) bool {
			x, y = x-Buffer, y-Buffer
			return x >= 0 && x < w && y >= 0 && y < h && cov[y*w+x] == 255
		}
		for y := 0; y < gh; y++ {
			for x := 0; x < gw; x++ {
				outer, inner := math.Inf(1), 0.0
				if in(x, y) {
					outer = 0
					inner = math.Inf(1)
					for yy := Buffer; yy < Buffer+h; yy++ {
						for xx := Buffer; xx < Buffer+w; xx++ {
							if !in(xx, yy) {
								inner = min(inner, math.Hypot(float64(xx-x), float64(yy-y)))
							}
						}
					}
				} else {
					for yy := 0; yy < gh; yy++ {
						for xx := 0; xx < gw; xx++ {
							if in(xx, yy) {
								outer = min(outer, math.Hypot(float64(xx-x), float64(yy-y)))
							}
						}
					}
				}
				// tiny-sdf's "infinity" is 1e20 squared-distance: a grid with no inside (or no
				// outside) pixel clamps to 0 (or 255) either way.
				want := clampRound(255 - 255*((outer-inner)/Radius+Cutoff))
				if math.IsInf(outer, 1) {
					want = 0
				}
				if math.IsInf(inner, 1) {
					want = 255
				}
				if g := got[y*gw+x]; g != want {
					t.Fatalf("trial %d (%d×%d) pixel (%d,%d): got %d, want %d", trial, w, h, x, y, g, want)
				}
			}
		}
	}
}

func TestRenderGoRegular(t *testing.T) {
	f, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	z := NewRenderer(f)
	tests := []struct {
		name          string
		r             rune
		wantOutline   bool
		minW, minH    int
		topAtLeast    int // pixels above the baseline
		bottomAtLeast int // pixels below the baseline (descenders)
	}{
		{"capital H", 'H', true, 10, 17, 17, 0},
		{"descender g", 'g', true, 8, 17, 12, 4},
		{"space", ' ', false, 0, 0, 0, 0},
		{"period", '.', true, 2, 2, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := z.Render(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if g.Advance <= 0 {
				t.Errorf("advance %d, want > 0", g.Advance)
			}
			if !tt.wantOutline {
				if g.Width != 0 || g.Height != 0 || g.Bitmap != nil {
					t.Errorf("got %d×%d with %d bytes, want an empty glyph", g.Width, g.Height, len(g.Bitmap))
				}
				return
			}
			if g.Width < tt.minW || g.Height < tt.minH {
				t.Errorf("got %d×%d, want at least %d×%d", g.Width, g.Height, tt.minW, tt.minH)
			}
			if g.Top < tt.topAtLeast || g.Height-g.Top < tt.bottomAtLeast {
				t.Errorf("top %d height %d: want top ≥ %d and ≥ %d px below the baseline", g.Top, g.Height, tt.topAtLeast, tt.bottomAtLeast)
			}
			if want := (g.Width + 2*Buffer) * (g.Height + 2*Buffer); len(g.Bitmap) != want {
				t.Errorf("bitmap %d bytes, want %d", len(g.Bitmap), want)
			}
			// The glyph box is tight around the outline: some pixel of the box is inside.
			w := g.Width + 2*Buffer
			inside := 0
			for y := Buffer; y < Buffer+g.Height; y++ {
				for x := Buffer; x < Buffer+g.Width; x++ {
					if float64(g.Bitmap[y*w+x]) > edge {
						inside++
					}
				}
			}
			if inside == 0 {
				t.Error("no pixel of the glyph is inside the outline")
			}
			// The border is outside.
			for x := 0; x < w; x++ {
				if v := g.Bitmap[x]; float64(v) >= edge {
					t.Fatalf("top border pixel %d = %d, want outside (< %v)", x, v, edge)
				}
			}
		})
	}
	if _, err := z.Render(0x0627); !errors.Is(err, ErrNoGlyph) { // Go fonts have no Arabic
		t.Errorf("Arabic alef: got %v, want ErrNoGlyph", err)
	}
}

func BenchmarkRender(b *testing.B) {
	f, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		b.Fatal(err)
	}
	z := NewRenderer(f)
	for b.Loop() {
		if _, err := z.Render('W'); err != nil {
			b.Fatal(err)
		}
	}
}

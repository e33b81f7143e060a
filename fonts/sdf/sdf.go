// Package sdf renders font glyphs as signed distance fields the way MapLibre GL JS expects them
// in glyph PBFs. It is a port of MapLibre's own tiny-sdf (the code MapLibre uses to draw glyphs
// from local fonts), so glyphs served by aidmap look the same as glyphs MapLibre would draw
// itself: the glyph is rasterised with anti-aliasing, each pixel's distance to the outline is
// found with the Felzenszwalb-Huttenlocher 2D Euclidean distance transform of the inside and the
// outside, and the signed distance is mapped to a byte with the edge at 255*(1-Cutoff) = 191.25.
//
// It is used only by the generator (fonts/gen) and its tests, so the server binary does not
// carry a font rasteriser. It may import golang.org/x/image and the standard library.
package sdf

import (
	"errors"
	"fmt"
	"image"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// MapLibre's glyph parameters. MapLibre lays glyph PBFs out at 24 px per em (its ONE_EM) with a
// 3 px border of distance field around each glyph; tiny-sdf and the classic font servers
// (node-fontnik) use a radius of 8 px and a cutoff of 0.25.
const (
	Size   = 24   // font size in pixels per em
	Buffer = 3    // pixels of distance field around the glyph box, on every side
	Radius = 8.0  // distance in pixels that spans the whole byte range
	Cutoff = 0.25 // fraction of the byte range outside the edge: edge = 255*(1-Cutoff)
)

// inf stands for "no edge seen yet" in the distance transform, as in tiny-sdf.
const inf = 1e20

// alphaTable holds tiny-sdf's seed for a partly covered pixel: the signed squared distance from
// the pixel centre to the edge, estimated from its gamma-corrected coverage (0.5 - a^(1/2.2),
// squared with its sign); positive is outside. A fully covered pixel is inside with no edge
// near (-inf), so it seeds only the distance to the outside.
var alphaTable = func() (t [256]float64) {
	for i := range t {
		d := 0.5 - math.Pow(float64(i)/255, 1/2.2)
		t[i] = d * math.Abs(d)
	}
	t[255] = -inf
	return t
}()

// Glyph is one rendered glyph with the metrics of the glyph PBF format. Width and Height are the
// glyph box in pixels without the buffer; Bitmap holds (Width+2*Buffer)*(Height+2*Buffer) bytes,
// row by row from the top, or nothing when the glyph has no outline (a space). Left is the
// distance from the pen position to the box's left edge and Top the height of the box's top
// edge above the baseline, both in pixels; Advance is the pen advance in whole pixels.
type Glyph struct {
	Bitmap        []byte
	Width, Height int
	Left, Top     int
	Advance       int
}

// Renderer draws glyphs of one font. It is not safe for concurrent use.
type Renderer struct {
	font   *sfnt.Font
	buf    sfnt.Buffer
	raster *vector.Rasterizer
}

// NewRenderer returns a renderer for f.
func NewRenderer(f *sfnt.Font) *Renderer {
	return &Renderer{font: f, raster: vector.NewRasterizer(0, 0)}
}

// ErrNoGlyph is returned by Render for a code point the font does not map.
var ErrNoGlyph = errors.New("sdf: font has no glyph for the code point")

// Render draws the glyph the font maps r to. It returns ErrNoGlyph when the font's cmap has no
// glyph for r (glyph 0, .notdef, is never rendered: MapLibre would show tofu boxes instead of
// falling back to the next font of the stack).
func (z *Renderer) Render(r rune) (Glyph, error) {
	idx, err := z.font.GlyphIndex(&z.buf, r)
	if err != nil {
		return Glyph{}, fmt.Errorf("sdf: glyph index of %U: %w", r, err)
	}
	if idx == 0 {
		return Glyph{}, ErrNoGlyph
	}
	ppem := fixed.I(Size)
	adv, err := z.font.GlyphAdvance(&z.buf, idx, ppem, font.HintingNone)
	if err != nil {
		return Glyph{}, fmt.Errorf("sdf: advance of %U: %w", r, err)
	}
	segs, err := z.font.LoadGlyph(&z.buf, idx, ppem, nil)
	if err != nil {
		return Glyph{}, fmt.Errorf("sdf: outline of %U: %w", r, err)
	}
	g := Glyph{Advance: adv.Round()}
	if len(segs) == 0 {
		return g, nil
	}
	// The pixel box around the outline's control box, like FreeType's CBox that font servers
	// use. sfnt's y axis points down from the baseline.
	b := segs.Bounds()
	x0, y0 := b.Min.X.Floor(), b.Min.Y.Floor()
	x1, y1 := b.Max.X.Ceil(), b.Max.Y.Ceil()
	g.Left, g.Top = x0, -y0
	g.Width, g.Height = x1-x0, y1-y0
	if g.Width <= 0 || g.Height <= 0 {
		g.Width, g.Height = 0, 0
		return g, nil
	}

	z.raster.Reset(g.Width, g.Height)
	pt := func(p fixed.Point26_6) (float32, float32) {
		return float32(p.X)/64 - float32(x0), float32(p.Y)/64 - float32(y0)
	}
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			z.raster.MoveTo(pt(s.Args[0]))
		case sfnt.SegmentOpLineTo:
			z.raster.LineTo(pt(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			ax, ay := pt(s.Args[0])
			bx, by := pt(s.Args[1])
			z.raster.QuadTo(ax, ay, bx, by)
		case sfnt.SegmentOpCubeTo:
			ax, ay := pt(s.Args[0])
			bx, by := pt(s.Args[1])
			cx, cy := pt(s.Args[2])
			z.raster.CubeTo(ax, ay, bx, by, cx, cy)
		}
	}
	z.raster.ClosePath()
	alpha := image.NewAlpha(image.Rect(0, 0, g.Width, g.Height))
	z.raster.Draw(alpha, alpha.Bounds(), image.Opaque, image.Point{})
	g.Bitmap = Transform(alpha.Pix, g.Width, g.Height)
	return g, nil
}

// Transform turns a w×h coverage bitmap (0 outside, 255 inside, anti-aliased in between) into a
// (w+2*Buffer)×(h+2*Buffer) signed distance field, exactly as tiny-sdf 2.1 (the version bundled
// in MapLibre GL JS 5.24) does after it has filled the text: partly covered pixels place the edge
// inside the pixel by their coverage (alphaTable), the distance to the ink is searched over the
// whole padded grid and the distance to the outside only within the glyph box, and each byte is
// round(255*(1-Cutoff) - 255/Radius*d) clamped to 0..255, where d is the distance to the ink
// minus the distance to the outside, in pixels. testdata/tinysdf.json holds tiny-sdf's own output
// for comparison.
func Transform(coverage []byte, w, h int) []byte {
	if w <= 0 || h <= 0 {
		return nil
	}
	if len(coverage) != w*h {
		panic(fmt.Sprintf("sdf: coverage has %d bytes for a %d×%d glyph", len(coverage), w, h))
	}
	width, height := w+2*Buffer, h+2*Buffer
	n := width * height
	outer := make([]float64, n)
	inner := make([]float64, n)
	for i := range outer {
		outer[i] = inf
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := coverage[y*w+x]
			if c == 0 {
				continue
			}
			t := alphaTable[c]
			j := (y+Buffer)*width + x + Buffer
			outer[j] = max(0, t)
			inner[j] = max(0, -t)
		}
	}

	size := max(width, height)
	t := transformer{f: make([]float64, size), z: make([]float64, size+1), v: make([]int, size)}
	t.edt(outer, 0, 0, width, height, width)
	t.edt(inner, Buffer, Buffer, w, h, width)

	const scale, base = 255 / Radius, 255 * (1 - Cutoff)
	out := make([]byte, n)
	for i := range out {
		d := math.Sqrt(outer[i]) - math.Sqrt(inner[i])
		out[i] = clampRound(base - scale*d)
	}
	return out
}

// clampRound rounds like JavaScript's Math.round (halves up) and clamps like a
// Uint8ClampedArray store.
func clampRound(v float64) byte {
	r := math.Floor(v + 0.5)
	switch {
	case r <= 0 || math.IsNaN(r):
		return 0
	case r >= 255:
		return 255
	}
	return byte(r)
}

// transformer holds the scratch arrays of the 1D transform so a glyph allocates them once.
type transformer struct {
	f, z []float64
	v    []int
}

// edt runs the 2D squared Euclidean distance transform over the width×height window at (x0, y0)
// of a grid with rows of gridSize cells: first down every column, then along every row.
func (t *transformer) edt(grid []float64, x0, y0, width, height, gridSize int) {
	for x := x0; x < x0+width; x++ {
		t.edt1d(grid, y0*gridSize+x, gridSize, height)
	}
	for y := y0; y < y0+height; y++ {
		t.edt1d(grid, y*gridSize+x0, 1, width)
	}
}

// edt1d is Felzenszwalb and Huttenlocher's 1D transform: the lower envelope of the parabolas
// rooted at every cell, evaluated at every cell.
func (t *transformer) edt1d(grid []float64, offset, stride, length int) {
	f, z, v := t.f, t.z, t.v
	v[0] = 0
	z[0] = -inf
	z[1] = inf
	f[0] = grid[offset]
	k := 0
	for q := 1; q < length; q++ {
		f[q] = grid[offset+q*stride]
		q2 := float64(q * q)
		var s float64
		for {
			r := v[k]
			s = (f[q] - f[r] + q2 - float64(r*r)) / float64(q-r) / 2
			if s > z[k] {
				break
			}
			k--
			if k < 0 {
				break
			}
		}
		k++
		v[k] = q
		z[k] = s
		z[k+1] = inf
	}
	k = 0
	for q := 0; q < length; q++ {
		for z[k+1] < float64(q) {
			k++
		}
		r := v[k]
		qr := float64(q - r)
		grid[offset+q*stride] = f[r] + qr*qr
	}
}

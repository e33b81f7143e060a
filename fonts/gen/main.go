// Command gen generates aidmap's embedded label glyphs (fonts/data) from Noto TTF files.
//
// The fonts come from Debian's fonts-noto-core package (OFL-1.1); fetch and unpack it with
//
//	apt-get download fonts-noto-core && dpkg -x fonts-noto-core_*_all.deb /tmp/noto
//
// then, from the repository root,
//
//	go run ./fonts/gen -src /tmp/noto/usr/share/fonts/truetype/noto \
//	    -source 'Debian bookworm fonts-noto-core 20201225-1'
//
// It renders every code point of the shipped ranges that a font maps with fonts/sdf (MapLibre's
// tiny-sdf in Go), writes one gzipped glyph PBF per font and range that has glyphs, and a
// manifest.json with the digests of the sources and outputs. The output is deterministic, so
// regenerating unchanged inputs leaves git clean.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/aidmap/aidmap/fonts"
	"github.com/aidmap/aidmap/fonts/sdf"
)

// source is one font to generate, in fallback order (the first is the fallback for unknown
// names).
type source struct {
	name, dir, file string
}

var sources = []source{
	{"Noto Sans Regular", "noto-sans-regular", "NotoSans-Regular.ttf"},
	{"Noto Sans Bold", "noto-sans-bold", "NotoSans-Bold.ttf"},
	{"Noto Sans Arabic Regular", "noto-sans-arabic-regular", "NotoSansArabic-Regular.ttf"},
	{"Noto Sans Gurmukhi Regular", "noto-sans-gurmukhi-regular", "NotoSansGurmukhi-Regular.ttf"},
}

// ranges are the first code points of the ranges shipped: what labels in the supported languages
// (English, French, Spanish, Portuguese, Vietnamese, Ukrainian, Russian, Arabic, Farsi, Urdu,
// Punjabi, ...) use. A font writes only the ranges where it has glyphs.
var ranges = []rune{
	0x0000, // Basic Latin, Latin-1
	0x0100, // Latin Extended-A, -B
	0x0200, // Latin Extended-B, IPA, spacing modifiers
	0x0300, // combining diacritics, Greek
	0x0400, // Cyrillic
	0x0500, // Cyrillic Supplement
	0x0600, // Arabic
	0x0700, // Arabic Supplement (0750-077F)
	0x0800, // Arabic Extended-A (08A0-08FF)
	0x0900, // Devanagari dandas (0964-0965), used in Gurmukhi text
	0x0A00, // Gurmukhi
	0x1E00, // Latin Extended Additional (Vietnamese, Welsh, ...)
	0x2000, // General Punctuation, super/subscripts, currency symbols
	0x2100, // Letterlike symbols (№), number forms
	0x2C00, // Latin Extended-C
	0x2E00, // Supplemental Punctuation (Arabic reversed comma)
	0xA700, // Latin Extended-D
	0xFB00, // Latin ligatures, Arabic Presentation Forms-A
	0xFC00, // Arabic Presentation Forms-A
	0xFD00, // Arabic Presentation Forms-A
	0xFE00, // Arabic Presentation Forms-B (FE70-FEFF)
}

func main() {
	src := flag.String("src", "", "directory holding the Noto TTF files (required)")
	desc := flag.String("source", "", "package the TTF files come from, recorded in the manifest (required)")
	out := flag.String("out", "fonts/data", "output directory")
	flag.Parse()
	if *src == "" || *desc == "" {
		fmt.Fprintln(os.Stderr, "gen: -src and -source are required; see go doc ./fonts/gen")
		os.Exit(2)
	}
	if err := run(*src, *desc, *out, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run generates the data of every source into outDir, reporting each range on log.
func run(srcDir, desc, outDir string, log io.Writer) error {
	check, err := checksum()
	if err != nil {
		return err
	}
	m := fonts.Manifest{Check: check}
	total := 0
	for i, s := range sources {
		ttf, err := os.ReadFile(filepath.Join(srcDir, s.file))
		if err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		f, err := sfnt.Parse(ttf)
		if err != nil {
			return fmt.Errorf("gen: %s: %w", s.file, err)
		}
		sum := sha256.Sum256(ttf)
		mf := fonts.ManifestFont{
			Name: s.name, Dir: s.dir, Source: desc + ": " + s.file,
			SHA256: hex.EncodeToString(sum[:]), Licence: "OFL-1.1", Ranges: map[string]string{},
		}
		dir := filepath.Join(outDir, s.dir)
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		if i == 0 {
			// node-fontnik writes each glyph's top relative to the font's ascender, and MapLibre
			// positions server glyphs expecting that. One ascender, the first font's, is used
			// for all fonts, so Arabic or Gurmukhi in a Latin label sits on the same baseline.
			met, err := f.Metrics(nil, fixed.I(sdf.Size), font.HintingNone)
			if err != nil {
				return fmt.Errorf("gen: %s: metrics: %w", s.file, err)
			}
			m.Ascender = met.Ascent.Ceil()
		}
		r := sdf.NewRenderer(f)
		for _, first := range ranges {
			pbf, n, err := build(r, s.name, first, m.Ascender)
			if err != nil {
				return fmt.Errorf("gen: %s: %w", s.file, err)
			}
			if n == 0 {
				continue
			}
			gz, err := fonts.Gzip(pbf)
			if err != nil {
				return err
			}
			name := strconv.Itoa(int(first))
			if err := os.WriteFile(filepath.Join(dir, name+".pbf.gz"), gz, 0o644); err != nil {
				return fmt.Errorf("gen: %w", err)
			}
			gsum := sha256.Sum256(gz)
			mf.Ranges[name] = hex.EncodeToString(gsum[:])
			total += len(gz)
			fmt.Fprintf(log, "%-28s %5d-%-5d %4d glyphs %7d bytes (%d gzipped)\n", s.name, first, first+fonts.RangeSize-1, n, len(pbf), len(gz))
		}
		m.Fonts = append(m.Fonts, mf)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	if err := os.WriteFile(filepath.Join(outDir, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	fmt.Fprintf(log, "total %d bytes gzipped\n", total)
	return nil
}

// build renders the glyphs font r maps in the range starting at first and encodes them as a
// glyph PBF; n is the number of glyphs. Tops are written relative to ascender (pixels above the
// baseline), as node-fontnik writes them.
func build(r *sdf.Renderer, name string, first rune, ascender int) (pbf []byte, n int, err error) {
	var glyphs []fonts.Glyph
	for c := first; c < first+fonts.RangeSize; c++ {
		if unicode.IsControl(c) {
			continue // fonts map NUL and CR to empty glyphs; labels never draw controls
		}
		g, err := r.Render(c)
		if errors.Is(err, sdf.ErrNoGlyph) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		glyphs = append(glyphs, fonts.Glyph{
			ID: c, Bitmap: g.Bitmap,
			Width: uint32(g.Width), Height: uint32(g.Height),
			Left: int32(g.Left), Top: int32(g.Top - ascender), Advance: uint32(max(g.Advance, 0)),
		})
	}
	return fonts.Encode(name, first, glyphs), len(glyphs), nil
}

// checksum is the digest of range 0-255 of the Go Regular font (shipped with x/image) as the
// generator renders it. The manifest records it; fonts/gen's test recomputes it, so a renderer
// change without regenerated data fails.
func checksum() (string, error) {
	f, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		return "", fmt.Errorf("gen: go regular: %w", err)
	}
	pbf, _, err := build(sdf.NewRenderer(f), "Go Regular", 0, 26)
	if err != nil {
		return "", fmt.Errorf("gen: go regular: %w", err)
	}
	sum := sha256.Sum256(pbf)
	return hex.EncodeToString(sum[:]), nil
}

package fonts

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"slices"
	"strconv"
	"testing"
	"testing/fstest"
)

func embeddedLibrary(t testing.TB) *Library {
	t.Helper()
	l, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// glyphsOf decodes a served range into its glyphs by code point.
func glyphsOf(t testing.TB, r *Range) (Stack, map[rune]Glyph) {
	t.Helper()
	raw, err := r.Gunzip()
	if err != nil {
		t.Fatal(err)
	}
	stacks, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 1 {
		t.Fatalf("got %d fontstacks, want 1", len(stacks))
	}
	m := make(map[rune]Glyph, len(stacks[0].Glyphs))
	for _, g := range stacks[0].Glyphs {
		if _, dup := m[g.ID]; dup {
			t.Fatalf("glyph %U twice", g.ID)
		}
		m[g.ID] = g
	}
	return stacks[0], m
}

func TestNames(t *testing.T) {
	want := []string{"Noto Sans Regular", "Noto Sans Bold", "Noto Sans Arabic Regular", "Noto Sans Gurmukhi Regular"}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestManifestDigests checks every embedded range file against the digest the generator
// recorded, so data edited by hand or half regenerated fails here.
func TestManifestDigests(t *testing.T) {
	m, err := ReadManifest()
	if err != nil {
		t.Fatal(err)
	}
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		t.Fatal(err)
	}
	total, files := 0, 0
	for _, f := range m.Fonts {
		if f.Licence != "OFL-1.1" || f.Source == "" || len(f.SHA256) != 64 {
			t.Errorf("%s: licence %q source %q sha256 %q: want OFL-1.1 and a recorded source", f.Name, f.Licence, f.Source, f.SHA256)
		}
		entries, err := fs.ReadDir(sub, f.Dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != len(f.Ranges) {
			t.Errorf("%s: %d files, manifest lists %d", f.Name, len(entries), len(f.Ranges))
		}
		for first, digest := range f.Ranges {
			b, err := fs.ReadFile(sub, f.Dir+"/"+first+".pbf.gz")
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if got := hex.EncodeToString(sum[:]); got != digest {
				t.Errorf("%s range %s: sha256 %s, manifest says %s", f.Name, first, got, digest)
			}
			total += len(b)
			files++
		}
	}
	t.Logf("%d range files, %d bytes gzipped", files, total)
	if total > 3<<20 {
		t.Errorf("embedded glyphs are %d bytes, want under 3 MB", total)
	}
}

// TestShippedRanges checks that the scripts of the supported languages are there, including the
// Arabic presentation forms the RTL plugin shapes text into, and that CJK is not.
func TestShippedRanges(t *testing.T) {
	l := embeddedLibrary(t)
	tests := []struct {
		name  string
		stack string
		r     rune
		want  bool
	}{
		{"Latin A", "Noto Sans Regular", 'A', true},
		{"Latin ŵ (Extended-A)", "Noto Sans Regular", 'ŵ', true},
		{"Vietnamese ệ", "Noto Sans Regular", 'ệ', true},
		{"Ukrainian ї", "Noto Sans Regular", 'ї', true},
		{"Ukrainian ґ in bold", "Noto Sans Bold", 'ґ', true},
		{"numero sign №", "Noto Sans Regular", '№', true},
		{"euro sign", "Noto Sans Regular", '€', true},
		{"Arabic alef", "Noto Sans Arabic Regular", 'ا', true},
		{"Arabic-Indic digit", "Noto Sans Arabic Regular", '٣', true},
		{"Farsi peh", "Noto Sans Arabic Regular", 'پ', true},
		{"Farsi yeh", "Noto Sans Arabic Regular", 'ی', true},
		{"peh initial form", "Noto Sans Arabic Regular", 0xFB58, true},
		{"keheh final form", "Noto Sans Arabic Regular", 0xFB8F, true},
		{"farsi yeh medial form", "Noto Sans Arabic Regular", 0xFBFF, true},
		{"lam-alef ligature", "Noto Sans Arabic Regular", 0xFEFB, true},
		{"beh final form", "Noto Sans Arabic Regular", 0xFE90, true},
		{"Allah ligature (Forms-A)", "Noto Sans Arabic Regular", 0xFDF2, true},
		{"Gurmukhi ka", "Noto Sans Gurmukhi Regular", 'ਕ', true},
		{"Devanagari danda", "Noto Sans Gurmukhi Regular", '।', true},
		{"Han ideograph (drawn by the device)", "Noto Sans Regular", '中', false},
		{"Hangul (drawn by the device)", "Noto Sans Regular", '한', false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := l.Range(tt.stack, tt.r&^(RangeSize-1))
			if err != nil {
				t.Fatal(err)
			}
			_, glyphs := glyphsOf(t, r)
			g, ok := glyphs[tt.r]
			if ok != tt.want {
				t.Fatalf("%U present: %v, want %v", tt.r, ok, tt.want)
			}
			if !ok {
				return
			}
			if g.Width == 0 || g.Height == 0 || g.Advance == 0 {
				t.Errorf("%U: %d×%d advance %d, want a visible glyph", g.ID, g.Width, g.Height, g.Advance)
			}
			if want := int(g.Width+6) * int(g.Height+6); len(g.Bitmap) != want {
				t.Errorf("%U: bitmap %d bytes, want (w+6)*(h+6) = %d", g.ID, len(g.Bitmap), want)
			}
		})
	}
}

func TestRangeMetrics(t *testing.T) {
	l := embeddedLibrary(t)
	r, err := l.Range("Noto Sans Regular", 0)
	if err != nil {
		t.Fatal(err)
	}
	s, glyphs := glyphsOf(t, r)
	if s.Range != "0-255" {
		t.Errorf("range %q, want 0-255", s.Range)
	}
	m, err := ReadManifest()
	if err != nil {
		t.Fatal(err)
	}
	// Tops are relative to the ascender, as node-fontnik writes them: a capital rises about
	// 17 px (Noto's cap height 714/1000 of 24 px) above the baseline; x-height 13 px; p descends.
	tests := []struct {
		r                    rune
		top, height, advance int32
	}{
		{'H', 18, 18, 18}, // cap height ceil(17.1); advance 742/1000*24 = 17.8
		{'x', 13, 13, 13},
		{'p', 14, 20, 15}, // the bowl's overshoot rounds up; descender 240/1000*24 = 5.8
		{' ', 0, 0, 6},    // space: no outline, advance 260/1000*24 = 6.2
	}
	for _, tt := range tests {
		t.Run(string(tt.r), func(t *testing.T) {
			g, ok := glyphs[tt.r]
			if !ok {
				t.Fatalf("no glyph %q", tt.r)
			}
			if tt.height == 0 {
				if g.Width != 0 || g.Height != 0 || len(g.Bitmap) != 0 || int32(g.Advance) != tt.advance {
					t.Errorf("got %d×%d, %d bytes, advance %d; want an empty glyph advancing %d", g.Width, g.Height, len(g.Bitmap), g.Advance, tt.advance)
				}
				return
			}
			if got := g.Top + int32(m.Ascender); got != tt.top {
				t.Errorf("top above the baseline: got %d, want %d", got, tt.top)
			}
			if int32(g.Height) != tt.height || int32(g.Advance) != tt.advance {
				t.Errorf("height %d advance %d, want %d and %d", g.Height, g.Advance, tt.height, tt.advance)
			}
			if want := int(g.Width+6) * int(g.Height+6); len(g.Bitmap) != want {
				t.Errorf("bitmap %d bytes, want %d", len(g.Bitmap), want)
			}
		})
	}
}

func TestRangeCombinesFonts(t *testing.T) {
	l := embeddedLibrary(t)
	single := func(name string, first rune) map[rune]Glyph {
		t.Helper()
		r, err := l.Range(name, first)
		if err != nil {
			t.Fatal(err)
		}
		_, g := glyphsOf(t, r)
		return g
	}
	regular0, arabic0, bold0 := single("Noto Sans Regular", 0), single("Noto Sans Arabic Regular", 0), single("Noto Sans Bold", 0)

	t.Run("union of the fonts", func(t *testing.T) {
		r, err := l.Range("Noto Sans Arabic Regular,Noto Sans Regular", 0)
		if err != nil {
			t.Fatal(err)
		}
		s, got := glyphsOf(t, r)
		if !sameGlyph(got['A'], regular0['A']) {
			t.Error("A was not taken from Noto Sans Regular")
		}
		if len(got) != len(regular0) || len(arabic0) == 0 {
			t.Errorf("got %d glyphs, want %d (the union; Arabic's %d glyphs of 0-255 are all in Noto Sans)", len(got), len(regular0), len(arabic0))
		}
		if !slices.IsSortedFunc(s.Glyphs, func(a, b Glyph) int { return int(a.ID - b.ID) }) {
			t.Error("glyphs are not sorted by code point")
		}
	})
	t.Run("named font then the others as fallbacks", func(t *testing.T) {
		got := single("Noto Sans Bold", 0x0600)
		if len(got) == 0 || !sameGlyph(got['ا'], single("Noto Sans Arabic Regular", 0x0600)['ا']) {
			t.Error("Arabic in a Noto Sans Bold stack does not fall back to Noto Sans Arabic")
		}
	})
	t.Run("unknown names stand for Noto Sans Regular", func(t *testing.T) {
		for _, stack := range []string{"Open Sans Regular", "", " , ", "Metropolis Bold,Noto Sans Bold"} {
			got := single(stack, 0)
			if !sameGlyph(got['A'], regular0['A']) {
				t.Errorf("%q: A is not Noto Sans Regular's", stack)
			}
		}
		if sameGlyph(regular0['A'], bold0['A']) {
			t.Fatal("bold and regular A are the same; the test cannot tell them apart")
		}
	})
	t.Run("same stack gives the same cached bytes", func(t *testing.T) {
		a, _ := l.Range("Noto Sans Bold , Noto Sans Arabic Regular", 0x0600)
		b, _ := l.Range("Noto Sans Bold,Noto Sans Arabic Regular", 0x0600)
		if a != b || a.ETag == "" {
			t.Error("equivalent stacks are not served from one cache entry")
		}
	})
}

// TestRangeFirstFontWins combines two made-up fonts whose glyphs for the same code points differ.
func TestRangeFirstFontWins(t *testing.T) {
	glyph := func(id rune, adv uint32) Glyph {
		return Glyph{ID: id, Bitmap: make([]byte, 49), Width: 1, Height: 1, Top: -20, Advance: adv}
	}
	fsys := fstest.MapFS{}
	add := func(dir string, first rune, glyphs ...Glyph) string {
		gz, err := Gzip(Encode(dir, first, glyphs))
		if err != nil {
			t.Fatal(err)
		}
		name := strconv.Itoa(int(first))
		fsys[dir+"/"+name+".pbf.gz"] = &fstest.MapFile{Data: gz}
		return name
	}
	add("one", 0, glyph('a', 1), glyph('b', 1))
	add("two", 0, glyph('b', 2), glyph('c', 2))
	add("two", 256, glyph(300, 2))
	fsys["manifest.json"] = &fstest.MapFile{Data: []byte(`{"fonts": [
		{"name": "One", "dir": "one", "ranges": {"0": ""}},
		{"name": "Two", "dir": "two", "ranges": {"0": "", "256": ""}}]}`)}
	l, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		stack string
		first rune
		want  map[rune]uint32 // code point → advance, which tells the font apart
	}{
		{"One,Two", 0, map[rune]uint32{'a': 1, 'b': 1, 'c': 2}},
		{"Two,One", 0, map[rune]uint32{'a': 1, 'b': 2, 'c': 2}},
		{"Two", 0, map[rune]uint32{'a': 1, 'b': 2, 'c': 2}},  // One follows as a fallback
		{"Nope", 0, map[rune]uint32{'a': 1, 'b': 1, 'c': 2}}, // unknown: the first font
		{"One", 256, map[rune]uint32{300: 2}},
		{"One", 512, map[rune]uint32{}},
	}
	for _, tt := range tests {
		t.Run(tt.stack+"/"+strconv.Itoa(int(tt.first)), func(t *testing.T) {
			r, err := l.Range(tt.stack, tt.first)
			if err != nil {
				t.Fatal(err)
			}
			_, got := glyphsOf(t, r)
			if len(got) != len(tt.want) {
				t.Errorf("got %d glyphs, want %d", len(got), len(tt.want))
			}
			for id, adv := range tt.want {
				if got[id].Advance != adv {
					t.Errorf("%q: advance %d, want %d", id, got[id].Advance, adv)
				}
			}
		})
	}
	bad := []struct{ name, manifest string }{
		{"no fonts", `{"fonts": []}`},
		{"repeated name", `{"fonts": [{"name": "One", "dir": "one"}, {"name": "One", "dir": "two"}]}`},
		{"bad range", `{"fonts": [{"name": "One", "dir": "one", "ranges": {"7": ""}}]}`},
		{"missing file", `{"fonts": [{"name": "One", "dir": "one", "ranges": {"1024": ""}}]}`},
		{"not JSON", `{`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			fsys["manifest.json"] = &fstest.MapFile{Data: []byte(tt.manifest)}
			if _, err := Load(fsys); err == nil {
				t.Error("loaded, want an error")
			}
		})
	}
}

func sameGlyph(a, b Glyph) bool {
	return a.ID == b.ID && a.Width == b.Width && a.Height == b.Height && a.Left == b.Left &&
		a.Top == b.Top && a.Advance == b.Advance && string(a.Bitmap) == string(b.Bitmap)
}

func TestRangeEmpty(t *testing.T) {
	l := embeddedLibrary(t)
	for _, first := range []rune{0x4E00, 0xFF00, 0x3000} {
		r, err := l.Range("Noto Sans Regular,Noto Sans Arabic Regular", first)
		if err != nil {
			t.Fatal(err)
		}
		s, glyphs := glyphsOf(t, r)
		if len(glyphs) != 0 {
			t.Errorf("%d: got %d glyphs, want none", first, len(glyphs))
		}
		if want := Encode("", first, nil); len(want) == 0 || s.Range == "" {
			t.Errorf("%d: empty range has no fontstack", first)
		}
	}
	if _, err := l.Range("Noto Sans Regular", 100); !errors.Is(err, ErrInvalidRange) {
		t.Errorf("range at 100: got %v, want ErrInvalidRange", err)
	}
}

func TestParseRange(t *testing.T) {
	tests := []struct {
		in    string
		want  rune
		valid bool
	}{
		{"0-255", 0, true},
		{"256-511", 256, true},
		{"65280-65535", 65280, true},
		{"0-256", 0, false},
		{"1-256", 0, false},
		{"65536-65791", 0, false},
		{"-256-255", 0, false},
		{"+256-511", 0, false},
		{"256-+511", 0, false},
		{"256", 0, false},
		{"a-b", 0, false},
		{"", 0, false},
		{"0-255-511", 0, false},
		{"99999999999999999999-0", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRange(tt.in)
			if tt.valid != (err == nil) || got != tt.want {
				t.Errorf("got %d, %v; want %d, valid %v", got, err, tt.want, tt.valid)
			}
			if err != nil && !errors.Is(err, ErrInvalidRange) {
				t.Errorf("error %v does not wrap ErrInvalidRange", err)
			}
		})
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"0-255", "65280-65535", "1-2", "-0-255", "0255-0510"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first, err := ParseRange(s)
		if err != nil {
			return
		}
		if first < 0 || first > 0xFF00 || first%RangeSize != 0 {
			t.Fatalf("%q accepted as %d", s, first)
		}
	})
}

func BenchmarkRangeCombined(b *testing.B) {
	l := embeddedLibrary(b)
	for b.Loop() {
		// A fresh library each time would measure loading; instead combine directly.
		if _, err := l.combine(l.order("Noto Sans Bold,Noto Sans Arabic Regular"), 0); err != nil {
			b.Fatal(err)
		}
	}
}

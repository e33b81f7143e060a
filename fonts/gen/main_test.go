package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"

	"github.com/aidmap/aidmap/fonts"
	"github.com/aidmap/aidmap/fonts/sdf"
)

// TestDataInSyncWithGenerator recomputes the generator's fingerprint (range 0-255 of the Go
// Regular font, which ships with x/image) and compares it with the one recorded in the embedded
// manifest: a change to the renderer or the PBF encoding without `go run ./fonts/gen` fails here.
func TestDataInSyncWithGenerator(t *testing.T) {
	got, err := checksum()
	if err != nil {
		t.Fatal(err)
	}
	m, err := fonts.ReadManifest()
	if err != nil {
		t.Fatal(err)
	}
	if got != m.Check {
		t.Errorf("generator fingerprint %s, manifest has %s: regenerate fonts/data (see go doc ./fonts/gen)", got, m.Check)
	}
}

// TestBuild renders a range of the Go Regular font and checks what MapLibre relies on.
func TestBuild(t *testing.T) {
	f, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	const ascender = 26
	pbf, n, err := build(sdf.NewRenderer(f), "Go Regular", 0, ascender)
	if err != nil {
		t.Fatal(err)
	}
	stacks, err := fonts.Decode(pbf)
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 1 || stacks[0].Name != "Go Regular" || stacks[0].Range != "0-255" || len(stacks[0].Glyphs) != n {
		t.Fatalf("got %d stacks, want one named Go Regular for 0-255 with %d glyphs", len(stacks), n)
	}
	seen := map[rune]bool{}
	prev := rune(-1)
	for _, g := range stacks[0].Glyphs {
		if g.ID <= prev {
			t.Fatalf("glyph %U after %U: want ascending code points", g.ID, prev)
		}
		prev = g.ID
		seen[g.ID] = true
		if len(g.Bitmap) > 0 && len(g.Bitmap) != int(g.Width+6)*int(g.Height+6) {
			t.Errorf("%U: %d-byte bitmap for %d×%d", g.ID, len(g.Bitmap), g.Width, g.Height)
		}
		if g.ID == 'E' && (g.Top+ascender < 16 || g.Top+ascender > 19) {
			t.Errorf("E rises %d px above the baseline, want a cap height of 16-19 px at 24 px", g.Top+ascender)
		}
	}
	for _, r := range "AZaz09 .,é" {
		if !seen[r] {
			t.Errorf("no glyph for %q", r)
		}
	}
	if seen[0] || seen['\n'] {
		t.Error("control characters have glyphs; .notdef must not be rendered")
	}
}

// TestRunWritesManifest runs the whole generator on the Go fonts standing in for Noto, so the
// file layout it writes is the one package fonts loads.
func TestRunWritesManifest(t *testing.T) {
	src := t.TempDir()
	for _, s := range sources {
		if err := os.WriteFile(filepath.Join(src, s.file), goregular.TTF, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	if err := run(src, "test", out, io.Discard); err != nil {
		t.Fatal(err)
	}
	l, err := fonts.Load(os.DirFS(out))
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Names(); len(got) != len(sources) || got[0] != sources[0].name {
		t.Errorf("names %q, want the %d sources in order", got, len(sources))
	}
	r, err := l.Range(sources[0].name, 0)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := r.Gunzip()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	t.Logf("range 0-255 from the Go font: %d bytes, sha256 %s", len(raw), hex.EncodeToString(sum[:8]))
	if len(raw) < 10000 {
		t.Errorf("range 0-255 is %d bytes, want the Latin glyphs", len(raw))
	}
}

package fonts

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	glyphs := []Glyph{
		{ID: 'A', Bitmap: bytes.Repeat([]byte{7}, (2+6)*(3+6)), Width: 2, Height: 3, Left: -1, Top: -8, Advance: 15},
		{ID: ' ', Width: 0, Height: 0, Left: 0, Top: -26, Advance: 6},
		{ID: 'g', Bitmap: make([]byte, (1+6)*(1+6)), Width: 1, Height: 1, Left: 2, Top: 5, Advance: 0},
	}
	b := Encode("Noto Sans Regular", 0, glyphs)
	stacks, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 1 {
		t.Fatalf("got %d stacks, want 1", len(stacks))
	}
	s := stacks[0]
	if s.Name != "Noto Sans Regular" || s.Range != "0-255" {
		t.Errorf("got name %q range %q, want Noto Sans Regular 0-255", s.Name, s.Range)
	}
	if !reflect.DeepEqual(s.Glyphs, glyphs) {
		t.Errorf("got %+v\nwant %+v", s.Glyphs, glyphs)
	}
	empty, err := Decode(Encode("x", 65280, nil))
	if err != nil || len(empty) != 1 || len(empty[0].Glyphs) != 0 || empty[0].Range != "65280-65535" {
		t.Errorf("empty range: got %+v, %v", empty, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	glyph := func(bitmap []byte, w, h uint64) []byte {
		var g []byte
		g = protowire.AppendTag(g, fieldID, protowire.VarintType)
		g = protowire.AppendVarint(g, 65)
		g = protowire.AppendTag(g, fieldBitmap, protowire.BytesType)
		g = protowire.AppendBytes(g, bitmap)
		g = protowire.AppendTag(g, fieldWidth, protowire.VarintType)
		g = protowire.AppendVarint(g, w)
		g = protowire.AppendTag(g, fieldHeight, protowire.VarintType)
		g = protowire.AppendVarint(g, h)
		s := protowire.AppendTag(nil, fieldStackGlyph, protowire.BytesType)
		s = protowire.AppendBytes(s, g)
		out := protowire.AppendTag(nil, fieldStacks, protowire.BytesType)
		return protowire.AppendBytes(out, s)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"truncated tag", []byte{0x0a}},
		{"length past the end", []byte{0x0a, 0x10, 0x01}},
		{"bitmap of the wrong size", glyph(make([]byte, 10), 2, 2)},
		{"truncated varint", []byte{0x08, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode(tt.in); !errors.Is(err, errPBF) {
				t.Errorf("got %v, want an invalid glyph PBF error", err)
			}
		})
	}
	if _, err := Decode(glyph(make([]byte, 64), 2, 2)); err != nil {
		t.Errorf("well-formed glyph: %v", err)
	}
}

// FuzzDecode checks that no input makes the decoder panic and that what it accepts survives a
// round trip through Encode.
func FuzzDecode(f *testing.F) {
	f.Add(Encode("Noto Sans Regular", 256, []Glyph{{ID: 300, Bitmap: make([]byte, 49), Width: 1, Height: 1, Top: -3, Advance: 4}}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		stacks, err := Decode(b)
		if err != nil {
			return
		}
		for _, s := range stacks {
			again, err := Decode(Encode(s.Name, 0, s.Glyphs))
			if err != nil {
				t.Fatalf("re-encoded stack does not decode: %v", err)
			}
			if len(again) != 1 || len(again[0].Glyphs) != len(s.Glyphs) {
				t.Fatalf("got %d glyphs back, want %d", len(again[0].Glyphs), len(s.Glyphs))
			}
		}
	})
}

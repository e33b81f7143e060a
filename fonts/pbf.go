package fonts

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Glyph is one glyph of a glyph PBF: a signed distance field of the glyph box plus a 3 px
// border, and metrics in pixels at MapLibre's 24 px em. Width and Height exclude the border, so
// a non-empty Bitmap holds (Width+6)*(Height+6) bytes. Left is the box's left edge right of the
// pen, Top the box's top edge above the baseline.
type Glyph struct {
	ID      rune
	Bitmap  []byte
	Width   uint32
	Height  uint32
	Left    int32
	Top     int32
	Advance uint32
}

// Field numbers of the glyphs protobuf that MapLibre GL JS reads (parse_glyph_pbf.ts):
// glyphs{1: repeated fontstack}, fontstack{1: name, 2: range, 3: repeated glyph},
// glyph{1: id, 2: bitmap, 3: width, 4: height, 5: left (sint32), 6: top (sint32), 7: advance}.
const (
	fieldStacks     = 1
	fieldStackName  = 1
	fieldStackRange = 2
	fieldStackGlyph = 3
	fieldID         = 1
	fieldBitmap     = 2
	fieldWidth      = 3
	fieldHeight     = 4
	fieldLeft       = 5
	fieldTop        = 6
	fieldAdvance    = 7
)

// Encode writes a glyph PBF holding one fontstack called name with the glyphs of the range
// starting at first, in the order given (callers sort them by ID).
func Encode(name string, first rune, glyphs []Glyph) []byte {
	var stack []byte
	stack = protowire.AppendTag(stack, fieldStackName, protowire.BytesType)
	stack = protowire.AppendString(stack, name)
	stack = protowire.AppendTag(stack, fieldStackRange, protowire.BytesType)
	stack = protowire.AppendString(stack, fmt.Sprintf("%d-%d", first, first+RangeSize-1))
	var g []byte
	for _, gl := range glyphs {
		g = g[:0]
		g = protowire.AppendTag(g, fieldID, protowire.VarintType)
		g = protowire.AppendVarint(g, uint64(gl.ID))
		if len(gl.Bitmap) > 0 {
			g = protowire.AppendTag(g, fieldBitmap, protowire.BytesType)
			g = protowire.AppendBytes(g, gl.Bitmap)
		}
		g = protowire.AppendTag(g, fieldWidth, protowire.VarintType)
		g = protowire.AppendVarint(g, uint64(gl.Width))
		g = protowire.AppendTag(g, fieldHeight, protowire.VarintType)
		g = protowire.AppendVarint(g, uint64(gl.Height))
		g = protowire.AppendTag(g, fieldLeft, protowire.VarintType)
		g = protowire.AppendVarint(g, protowire.EncodeZigZag(int64(gl.Left)))
		g = protowire.AppendTag(g, fieldTop, protowire.VarintType)
		g = protowire.AppendVarint(g, protowire.EncodeZigZag(int64(gl.Top)))
		g = protowire.AppendTag(g, fieldAdvance, protowire.VarintType)
		g = protowire.AppendVarint(g, uint64(gl.Advance))
		stack = protowire.AppendTag(stack, fieldStackGlyph, protowire.BytesType)
		stack = protowire.AppendBytes(stack, g)
	}
	out := protowire.AppendTag(nil, fieldStacks, protowire.BytesType)
	return protowire.AppendBytes(out, stack)
}

// Stack is one decoded fontstack of a glyph PBF.
type Stack struct {
	Name   string
	Range  string
	Glyphs []Glyph
}

// errPBF is wrapped by every decoding error.
var errPBF = errors.New("fonts: invalid glyph PBF")

// Decode reads a glyph PBF. Unknown fields are skipped, as protobuf readers do; a glyph bitmap
// whose size does not match its width and height is an error, since MapLibre would draw garbage.
// Bitmaps alias b.
func Decode(b []byte) ([]Stack, error) {
	var stacks []Stack
	err := fields(b, func(num protowire.Number, typ protowire.Type, v uint64, body []byte) error {
		if num != fieldStacks || typ != protowire.BytesType {
			return nil
		}
		s, err := decodeStack(body)
		if err != nil {
			return err
		}
		stacks = append(stacks, s)
		return nil
	})
	return stacks, err
}

func decodeStack(b []byte) (Stack, error) {
	var s Stack
	err := fields(b, func(num protowire.Number, typ protowire.Type, v uint64, body []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case fieldStackName:
			s.Name = string(body)
		case fieldStackRange:
			s.Range = string(body)
		case fieldStackGlyph:
			g, err := decodeGlyph(body)
			if err != nil {
				return err
			}
			s.Glyphs = append(s.Glyphs, g)
		}
		return nil
	})
	return s, err
}

func decodeGlyph(b []byte) (Glyph, error) {
	var g Glyph
	err := fields(b, func(num protowire.Number, typ protowire.Type, v uint64, body []byte) error {
		if num == fieldBitmap {
			if typ != protowire.BytesType {
				return fmt.Errorf("%w: glyph bitmap has wire type %d", errPBF, typ)
			}
			g.Bitmap = body
			return nil
		}
		if typ != protowire.VarintType {
			return nil
		}
		switch num {
		case fieldID:
			if v > 0x10FFFF {
				return fmt.Errorf("%w: glyph id %d is not a code point", errPBF, v)
			}
			g.ID = rune(v)
		case fieldWidth:
			g.Width = uint32(v)
		case fieldHeight:
			g.Height = uint32(v)
		case fieldLeft:
			g.Left = int32(protowire.DecodeZigZag(v))
		case fieldTop:
			g.Top = int32(protowire.DecodeZigZag(v))
		case fieldAdvance:
			g.Advance = uint32(v)
		}
		return nil
	})
	if err != nil {
		return Glyph{}, err
	}
	if len(g.Bitmap) > 0 {
		if want := (uint64(g.Width) + 6) * (uint64(g.Height) + 6); uint64(len(g.Bitmap)) != want {
			return Glyph{}, fmt.Errorf("%w: glyph %d has a %d-byte bitmap for %d×%d (want %d)",
				errPBF, g.ID, len(g.Bitmap), g.Width, g.Height, want)
		}
	}
	return g, nil
}

// fields calls fn for each field of one message: v holds varint and fixed values, body the
// bytes of length-delimited ones.
func fields(b []byte, fn func(num protowire.Number, typ protowire.Type, v uint64, body []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: %v", errPBF, protowire.ParseError(n))
		}
		b = b[n:]
		var v uint64
		var body []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			body, n = protowire.ConsumeBytes(b)
		case protowire.Fixed32Type:
			var v32 uint32
			v32, n = protowire.ConsumeFixed32(b)
			v = uint64(v32)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("%w: field %d: %v", errPBF, num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(num, typ, v, body); err != nil {
			return err
		}
	}
	return nil
}

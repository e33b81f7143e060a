package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"unsafe"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

func TestAddressBlockRoundTrip(t *testing.T) {
	full := storetest.AddressPoints("n", store.AddressBlockPoints)
	tests := []struct {
		name   string
		points []aidmap.AddressPoint
	}{
		{"empty", nil},
		{"one empty point", []aidmap.AddressPoint{{}}},
		{"negative zero", []aidmap.AddressPoint{{Lon: math.Copysign(0, -1), Lat: math.Copysign(0, -1)}}},
		{"NaN payload kept", []aidmap.AddressPoint{{Lon: math.Float64frombits(0x7ff8000000000123), Lat: math.Inf(1)}}},
		{"text then empty then text", []aidmap.AddressPoint{{Street: "A"}, {}, {Street: "A"}, {Street: "Rue de l'Église"}}},
		{"all fields", []aidmap.AddressPoint{{Lon: -123.1, Lat: 49.2, Number: "5171", Unit: "203", Street: "221A Street",
			Locality: "Langley", Region: "BC", Postcode: "V2Y 0A1", Country: "CA"}}},
		{"full block", full},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := store.AppendAddressBlock([]byte("prefix"), tt.points)
			if string(b[:6]) != "prefix" {
				t.Fatalf("AppendAddressBlock changed what was before it: %q", b[:6])
			}
			got, err := store.DecodeAddressBlock([]aidmap.AddressPoint{{Number: "kept"}}, b[6:])
			if err != nil {
				t.Fatalf("DecodeAddressBlock: %v", err)
			}
			if len(got) != len(tt.points)+1 || got[0].Number != "kept" {
				t.Fatalf("DecodeAddressBlock: got %d points, want the 1 given and %d", len(got), len(tt.points))
			}
			checkPoints(t, got[1:], tt.points)
		})
	}
}

func checkPoints(t *testing.T, got, want []aidmap.AddressPoint) {
	t.Helper()
	for i := range want {
		g, w := got[i], want[i]
		if math.Float64bits(g.Lon) != math.Float64bits(w.Lon) || math.Float64bits(g.Lat) != math.Float64bits(w.Lat) {
			t.Fatalf("point %d: got lon/lat bits %x/%x, want %x/%x", i,
				math.Float64bits(g.Lon), math.Float64bits(g.Lat), math.Float64bits(w.Lon), math.Float64bits(w.Lat))
		}
		g.Lon, g.Lat, w.Lon, w.Lat = 0, 0, 0, 0
		if g != w {
			t.Fatalf("point %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestAddressBlockShares checks what keeps a loaded gazetteer small: a text repeated by
// consecutive points is stored once and decoded into one string.
func TestAddressBlockShares(t *testing.T) {
	points := []aidmap.AddressPoint{
		{Number: "1", Street: "West 4th Avenue", Locality: "Vancouver"},
		{Number: "3", Street: "West 4th Avenue", Locality: "Vancouver"},
	}
	b := store.AppendAddressBlock(nil, points)
	if n := strings.Count(string(b), "West 4th Avenue"); n != 1 {
		t.Errorf("the block holds the street %d times, want 1", n)
	}
	got, err := store.DecodeAddressBlock(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if unsafe.StringData(got[0].Street) != unsafe.StringData(got[1].Street) {
		t.Error("the decoded streets are two strings, want one shared")
	}
}

func TestDecodeAddressBlockCorrupt(t *testing.T) {
	valid := store.AppendAddressBlock(nil, []aidmap.AddressPoint{{Lon: 1, Lat: 2, Street: "Main", Number: "12"}})
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"unknown format", append([]byte{9}, valid[1:]...)},
		{"no count", []byte{1}},
		{"count above a block", append([]byte{1, 0x81, 0x08}, make([]byte, 30000)...)}, // 1025 points
		{"count above the data", []byte{1, 5, 0, 0, 0}},
		{"truncated text", valid[:len(valid)-1]},
		{"extra text", append(append([]byte(nil), valid...), 'x')},
		{"truncated tags", valid[:2+16+3]},
		{"tag above the field limit", func() []byte {
			b := append([]byte{1, 1}, make([]byte, 16)...)
			b = append(b, 0xff, 0xff, 0x03) // a 65534-byte text
			return append(b, 0, 0, 0, 0, 0, 0)
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := store.DecodeAddressBlock(nil, tt.b)
			if err == nil {
				t.Errorf("DecodeAddressBlock: got %d points, want an error", len(got))
			}
		})
	}
}

// blocksOf drains NewAddressBlocks and returns the decoded blocks.
func blocksOf(t *testing.T, ctx context.Context, next func() ([]aidmap.AddressPoint, error)) ([][]aidmap.AddressPoint, int, error) {
	t.Helper()
	ab := store.NewAddressBlocks(next)
	var out [][]aidmap.AddressPoint
	for {
		b, n, err := ab.Next(ctx, nil)
		if errors.Is(err, io.EOF) {
			return out, ab.Points(), nil
		}
		if err != nil {
			return out, ab.Points(), err
		}
		points, derr := store.DecodeAddressBlock(nil, b)
		if derr != nil || len(points) != n {
			t.Fatalf("block %d: got %d points, %v, want %d", len(out), len(points), derr, n)
		}
		out = append(out, points)
	}
}

func TestAddressBlocks(t *testing.T) {
	points := storetest.AddressPoints("p", 2*store.AddressBlockPoints+5)
	for _, size := range []int{1, 7, store.AddressBlockPoints, len(points)} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			i := 0
			buf := make([]aidmap.AddressPoint, size)
			next := func() ([]aidmap.AddressPoint, error) {
				if i == len(points) {
					return nil, io.EOF
				}
				n := copy(buf, points[i:]) // the same slice every call, as a reader may
				i += n
				return buf[:n], nil
			}
			blocks, n, err := blocksOf(t, context.Background(), next)
			if err != nil || n != len(points) {
				t.Fatalf("got %d points, %v, want %d", n, err, len(points))
			}
			var sizes []int
			var all []aidmap.AddressPoint
			for _, b := range blocks {
				sizes = append(sizes, len(b))
				all = append(all, b...)
			}
			if fmt.Sprint(sizes) != fmt.Sprint([]int{1024, 1024, 5}) {
				t.Errorf("block sizes: got %v, want [1024 1024 5]", sizes)
			}
			checkPoints(t, all, points)
		})
	}
}

func TestAddressBlocksErrors(t *testing.T) {
	boom := errors.New("boom")
	bad := storetest.AddressPoints("p", 10)
	bad[3].Street = "\xff"
	calls := 0
	tests := []struct {
		name    string
		next    func() ([]aidmap.AddressPoint, error)
		wantErr error
		wantMsg string
	}{
		{"next fails", func() ([]aidmap.AddressPoint, error) { return nil, boom }, boom, "boom"},
		{"invalid point in the second batch", func() ([]aidmap.AddressPoint, error) {
			calls++
			switch calls {
			case 1:
				return bad[:2], nil
			case 2:
				return bad[2:], nil
			}
			return nil, io.EOF
		}, aidmap.ErrInvalid, "address point 3: street: is not valid UTF-8 text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := blocksOf(t, context.Background(), tt.next)
			if !errors.Is(err, tt.wantErr) || err.Error() != tt.wantMsg {
				t.Errorf("got %v, want %q wrapping %v", err, tt.wantMsg, tt.wantErr)
			}
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := blocksOf(t, ctx, func() ([]aidmap.AddressPoint, error) { return bad[:1], nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
}

// FuzzDecodeAddressBlock feeds the decoder arbitrary bytes (what a damaged database could
// hold): it must return an error or points that encode back to a block decoding the same.
func FuzzDecodeAddressBlock(f *testing.F) {
	f.Add(store.AppendAddressBlock(nil, storetest.AddressPoints("f", 3)))
	f.Fuzz(func(t *testing.T, b []byte) {
		points, err := store.DecodeAddressBlock(nil, b)
		if err != nil {
			return
		}
		again, err := store.DecodeAddressBlock(nil, store.AppendAddressBlock(nil, points))
		if err != nil {
			t.Fatalf("re-encoded block: %v", err)
		}
		if len(again) != len(points) {
			t.Fatalf("re-encoded block: got %d points, want %d", len(again), len(points))
		}
		checkPoints(t, again, points)
	})
}

// FuzzAddressBlockRoundTrip encodes points made of arbitrary values: they must come back
// exactly.
func FuzzAddressBlockRoundTrip(f *testing.F) {
	f.Add(-123.1, 49.2, "5171", "221A Street", "Langley")
	f.Add(math.Copysign(0, -1), 5e-324, "", "Rue de l'Église", "")
	f.Fuzz(func(t *testing.T, lon, lat float64, number, street, locality string) {
		points := []aidmap.AddressPoint{
			{Lon: lon, Lat: lat, Number: number, Street: street, Locality: locality},
			{Lon: lat, Lat: lon, Number: street, Street: street, Unit: number},
			{Locality: locality, Region: number},
		}
		got, err := store.DecodeAddressBlock(nil, store.AppendAddressBlock(nil, points))
		if err != nil {
			if len(number) > store.MaxAddressField || len(street) > store.MaxAddressField || len(locality) > store.MaxAddressField {
				return // longer than a stored point may be: the decoder refuses it
			}
			t.Fatalf("DecodeAddressBlock: %v", err)
		}
		checkPoints(t, got, points)
	})
}

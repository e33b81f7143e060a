package format

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func sample() []Record {
	return []Record{
		{Kind: KindLocality, Name: "Vancouver", Country: "CA", Region: "BC", Population: 600000, Lat: Deg(49.24966), Lon: Deg(-123.11934)},
		{Kind: KindLocality, Name: "Vancouver", Country: "US", Region: "WA", Population: 172860, Lat: Deg(45.63873), Lon: Deg(-122.66149)},
		{Kind: KindLocality, Name: "Montréal", Country: "CA", Region: "QC", Population: 1600000, Lat: Deg(45.50884), Lon: Deg(-73.58781)},
		{Kind: KindNeighbourhood, Name: "Kitsilano", Country: "CA", Region: "BC", Lat: Deg(49.2683), Lon: Deg(-123.1683)},
		{Kind: KindPostalCode, Name: "V6B", Country: "CA", Region: "BC", Lat: Deg(49.2836), Lon: Deg(-123.1041)},
		{Kind: KindPostalCode, Name: "90210", Country: "US", Region: "CA", Lat: Deg(34.100517), Lon: Deg(-118.41463)},
		{Kind: KindLocality, Name: "Taumatawhakatangihangakoauauotamateaturipukakapikimaungahoronukupokaiwhenuakitanatahu", Country: "NZ", Region: "F1", Lat: Deg(-40.35), Lon: Deg(176.54)},
		{Kind: KindLocality, Name: "Extreme", Country: "AQ", Region: "", Population: 4294967295, Lat: -90 * Scale, Lon: 180 * Scale},
	}
}

func TestRoundTrip(t *testing.T) {
	in := sample()
	var buf bytes.Buffer
	if err := Encode(&buf, slices.Clone(in)); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, in) {
		t.Errorf("got %+v\nwant %+v", got, in)
	}
}

// TestRoundTripRandom checks the codec against many random records: what goes in comes out,
// in the same order.
func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	letters := []rune("abcéßxyz '-.Ü")
	var in []Record
	for range 5000 {
		n := 1 + rng.IntN(12)
		name := make([]rune, n)
		for i := range name {
			name[i] = letters[rng.IntN(len(letters))]
		}
		in = append(in, Record{
			Kind:       uint8(rng.IntN(int(kindCount))),
			Name:       string(name),
			Country:    []string{"CA", "US", "FR"}[rng.IntN(3)],
			Region:     []string{"BC", "QC", "11", ""}[rng.IntN(4)],
			Population: rng.Uint32(),
			Lat:        int32(rng.IntN(180*Scale+1) - 90*Scale),
			Lon:        int32(rng.IntN(360*Scale+1) - 180*Scale),
		})
	}
	var buf bytes.Buffer
	if err := Encode(&buf, slices.Clone(in)); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, in) {
		t.Error("random records did not survive a round trip")
	}
}

func TestEncodeRejects(t *testing.T) {
	tests := map[string]Record{
		"empty name":    {Name: ""},
		"unknown kind":  {Kind: kindCount, Name: "x"},
		"slash country": {Name: "x", Country: "C/A"},
		"long name":     {Name: string(make([]byte, maxName+1))},
	}
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			if err := Encode(&bytes.Buffer{}, []Record{r}); err == nil {
				t.Error("got nil error")
			}
		})
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestDecodeCorrupt(t *testing.T) {
	var good bytes.Buffer
	if err := Encode(&good, sample()); err != nil {
		t.Fatal(err)
	}
	zr, _ := gzip.NewReader(bytes.NewReader(good.Bytes()))
	var raw bytes.Buffer
	raw.ReadFrom(zr)
	tests := map[string][]byte{
		"not gzip":       []byte("hello"),
		"bad magic":      gz([]byte("aidmap-places\x02")),
		"truncated":      gz(raw.Bytes()[:raw.Len()-3]),
		"trailing bytes": gz(append(slices.Clone(raw.Bytes()), 0)),
		"huge count":     gz(append([]byte(magic), 0, 0xff, 0xff, 0xff, 0xff, 0x0f)),
		"lying trailer":  append(gz(raw.Bytes())[:len(gz(raw.Bytes()))-4], 0xff, 0xff, 0xff, 0xff),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(b)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("got %v, want ErrCorrupt", err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	var good bytes.Buffer
	if err := Encode(&good, sample()); err != nil {
		f.Fatal(err)
	}
	zr, _ := gzip.NewReader(bytes.NewReader(good.Bytes()))
	var raw bytes.Buffer
	raw.ReadFrom(zr)
	f.Add(raw.Bytes())
	f.Add([]byte(magic))
	// The fuzzer mutates the uncompressed form: gzip's checksum would reject nearly every
	// mutation of the compressed one before the decoder saw it.
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := decodeRaw(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := Encode(&buf, slices.Clone(recs)); err != nil {
			return // decodable but not encodable (e.g. "/" in a country): fine
		}
		back, err := Decode(buf.Bytes())
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !slices.Equal(back, recs) {
			t.Error("decoded records changed on re-encoding")
		}
	})
}

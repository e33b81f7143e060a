package pmtiles

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzParseHeader: any bytes give a header or an error, never a panic, and a header parsed
// from bytes serializes back to them (bar a clustered byte other than 0 or 1).
func FuzzParseHeader(f *testing.F) {
	f.Add(sampleHeader.Serialize())
	f.Add(Header{}.Serialize())
	f.Add([]byte("PMTiles\x02"))
	f.Add(sampleHeader.Serialize()[:100])
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		if b[96] > 1 {
			b = bytes.Clone(b[:HeaderLen])
			b[96] = 0
		}
		if got := h.Serialize(); !bytes.Equal(got, b[:HeaderLen]) {
			t.Errorf("parsed %+v from % x, serializes to % x", h, b[:HeaderLen], got)
		}
	})
}

// FuzzDeserializeEntries: any bytes give a directory or an error, never a panic or a
// huge allocation, and a directory decoded re-encodes to one that decodes to the same entries.
// (internal/pmtilescompat's FuzzDeserializeEntriesGoPMTiles checks go-pmtiles decodes it the
// same way.)
func FuzzDeserializeEntries(f *testing.F) {
	for _, c := range []Compression{NoCompression, Gzip} {
		for _, entries := range [][]Entry{nil, randomEntries(1, 3), randomEntries(2, 50)} {
			b, _ := SerializeEntries(entries, c)
			f.Add(b, c == Gzip)
		}
	}
	f.Add(uvarints(1<<62, 1, 1, 1, 1), false)
	f.Add(uvarints(2, 1, 0, 1, 1, 1, 1, 1, 0), false)
	f.Fuzz(func(t *testing.T, b []byte, gz bool) {
		c := NoCompression
		if gz {
			c = Gzip
		}
		entries, err := DeserializeEntries(b, c)
		if err != nil {
			return
		}
		re, err := SerializeEntries(entries, c)
		if err != nil {
			t.Fatalf("decoded entries do not encode: %v", err)
		}
		again, err := DeserializeEntries(re, c)
		if err != nil || !reflect.DeepEqual(again, entries) {
			t.Errorf("re-encoded directory decodes to %v, %v; want %v", again, err, entries)
		}
	})
}

// FuzzIDToZxy: every ID converts without a panic, and IDs of real tiles round-trip.
func FuzzIDToZxy(f *testing.F) {
	f.Add(uint64(0))
	f.Add(uint64(19078479))
	f.Add(zoomStart(MaxZoom+1) - 1)
	f.Add(uint64(1<<64 - 1))
	f.Fuzz(func(t *testing.T, id uint64) {
		z, x, y := IDToZxy(id)
		if z > MaxZoom {
			return
		}
		if x>>z != 0 || y>>z != 0 {
			t.Fatalf("IDToZxy(%d) = %d/%d/%d: not a tile", id, z, x, y)
		}
		if got := ZxyToID(z, x, y); got != id {
			t.Errorf("IDToZxy(%d) = %d/%d/%d, which converts to %d", id, z, x, y, got)
		}
	})
}

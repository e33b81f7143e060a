package aidmap

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// everyField sets every field of Site.
func everyField() Site {
	s := Site{
		OrganizationID: "org-1",
		ExternalID:     "ext/ü/1",
		Name:           "Everything Centre",
		Description:    strings.Repeat("long text ", 200),
		Categories:     []Category{CategoryFoodBank, CategoryShelter, CategoryOther},
		Address: Address{Street: "1 Main St", Unit: "2B", Locality: "Vancouver", Region: "BC",
			PostalCode: "V6A 1A1", Country: "CA"},
		Lat: 49.2812345, Lon: -123.0987654,
		Precision: PrecisionInterpolated,
		Phone:     "+1 555-0100", Website: "https://example.org/x", Email: "a@example.org",
		Hours: Hours{
			Timezone: "America/Vancouver",
			Weekly:   []Period{{Day: time.Monday, Open: 540, Close: 1020}, {Day: time.Saturday, Open: 1200, Close: 480}},
			Exceptions: []Exception{
				{Date: "2025-12-25", Closed: true, Note: "Christmas"},
				{Date: "2025-12-31", Periods: []Period{{Open: 600, Close: 720}}},
				{Date: "2026-01-01", Periods: []Period{}},
			},
			Notes: "Mon 9-5",
		},
		Languages:     []string{"en", "fr-CA", "pa"},
		Eligibility:   "Everyone",
		Fees:          "Free",
		Accessibility: "Step-free",
		Confidential:  true,
		Status:        StatusTemporarilyClosed,
		UpdatedAt:     time.Date(2025, 6, 1, 9, 30, 15, 123456000, time.UTC),
		VerifiedAt:    time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC),
		VerifiedBy:    "tok_abc",
	}
	s.ID = SiteID(s.OrganizationID, s.ExternalID)
	return s
}

func mustAppendBinary(t testing.TB, s *Site) []byte {
	t.Helper()
	b, err := s.AppendBinary(nil)
	if err != nil {
		t.Fatalf("AppendBinary: %v", err)
	}
	return b
}

func TestSiteBinaryRoundTrip(t *testing.T) {
	id := SiteID("o", "e")
	paris, err := LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		site Site
		want func(*Site) // changes the site to what must come back, when not exactly it
	}{
		{name: "every field", site: everyField()},
		{name: "zero", site: Site{}},
		{name: "ID only", site: Site{ID: id}},
		{name: "empty slices are not nil", site: Site{ID: id, Categories: []Category{}, Languages: []string{},
			Hours: Hours{Weekly: []Period{}, Exceptions: []Exception{{Periods: []Period{}}}}}},
		{name: "hours with a time zone only", site: Site{Hours: Hours{Timezone: "Europe/Paris"}}},
		{name: "categories out of order, repeated, unknown, empty", site: Site{
			Categories: []Category{CategoryOther, CategoryFoodBank, CategoryOther, "not_a_category", ""}}},
		{name: "unknown and empty-string enums", site: Site{Status: "someday", Precision: "vague"}},
		{name: "every known enum", site: Site{Status: StatusRetired, Precision: PrecisionLocality}},
		{name: "negative zero and infinities", site: Site{Lat: math.Copysign(0, -1), Lon: math.Inf(-1)}},
		{name: "extreme periods", site: Site{Hours: Hours{Weekly: []Period{
			{Day: -1, Open: math.MinInt64, Close: math.MaxInt64}, {Day: 7, Open: -1, Close: 1 << 40}}}}},
		{name: "long strings", site: Site{Name: strings.Repeat("n", 300), Description: strings.Repeat("é", 70_000)}},
		{name: "bytes that are not UTF-8 and NULs", site: Site{Name: "\xff\x00\xfe", Languages: []string{"\x80", ""}}},
		{name: "times in UTC to the microsecond", site: Site{
			UpdatedAt:  time.Date(2025, 1, 2, 3, 4, 5, 678901999, paris),
			VerifiedAt: time.Unix(0, 0),
		}, want: func(s *Site) {
			s.UpdatedAt = time.Date(2025, 1, 2, 2, 4, 5, 678901000, time.UTC)
			s.VerifiedAt = time.Unix(0, 0).UTC()
		}},
		{name: "live data (version 2)", site: Site{ID: id, Name: "n",
			Capacity: []Capacity{{Unit: "beds", Available: 3, Maximum: 20, Updated: time.Date(2026, 12, 4, 18, 0, 0, 123000, time.UTC)},
				{Unit: "meals", Available: 0, Updated: time.Unix(0, 0).UTC()}},
			ClosedReports: []time.Time{time.Date(2026, 12, 3, 1, 2, 3, 0, time.UTC)}}},
		{name: "empty live data", site: Site{Capacity: []Capacity{}, ClosedReports: []time.Time{}}},
		{name: "times before 1970 round down", site: Site{UpdatedAt: time.Date(1900, 1, 1, 0, 0, 0, 1500, time.UTC)},
			want: func(s *Site) { s.UpdatedAt = time.Date(1900, 1, 1, 0, 0, 0, 1000, time.UTC) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.site
			if tt.want != nil {
				tt.want(&want)
			}
			data := mustAppendBinary(t, &tt.site)
			var got Site
			if err := got.UnmarshalBinary(data); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %#v\nwant %#v", got, want)
			}
			if math.Float64bits(got.Lat) != math.Float64bits(want.Lat) || math.Float64bits(got.Lon) != math.Float64bits(want.Lon) {
				t.Errorf("lat, lon: got %v, %v, want %v, %v bit for bit", got.Lat, got.Lon, want.Lat, want.Lon)
			}
			for _, tm := range []time.Time{got.UpdatedAt, got.VerifiedAt} {
				if !tm.IsZero() && tm.Location() != time.UTC {
					t.Errorf("time %v: got location %v, want UTC", tm, tm.Location())
				}
			}
			// Appending keeps what b held.
			prefixed, _ := tt.site.AppendBinary([]byte("abc"))
			if !bytes.Equal(prefixed, append([]byte("abc"), data...)) {
				t.Errorf("AppendBinary to a non-empty slice: got %q, want abc + %q", prefixed, data)
			}
			var fromString Site
			if err := fromString.UnmarshalBinaryString(string(data)); err != nil || !reflect.DeepEqual(fromString, want) {
				t.Errorf("UnmarshalBinaryString: got %#v, %v, want %#v", fromString, err, want)
			}
		})
	}
}

func TestSiteBinaryNaN(t *testing.T) {
	nan := math.Float64frombits(0x7ff8000000000001)
	s := Site{Lat: nan, Lon: -nan}
	var got Site
	if err := got.UnmarshalBinary(mustAppendBinary(t, &s)); err != nil {
		t.Fatal(err)
	}
	if math.Float64bits(got.Lat) != math.Float64bits(s.Lat) || math.Float64bits(got.Lon) != math.Float64bits(s.Lon) {
		t.Errorf("got %x %x, want %x %x", math.Float64bits(got.Lat), math.Float64bits(got.Lon),
			math.Float64bits(s.Lat), math.Float64bits(s.Lon))
	}
}

// TestSiteBinaryZeroFieldsAreFree checks that absent fields take no bytes, which lets stores
// keep some fields in columns at no cost.
func TestSiteBinaryZeroFieldsAreFree(t *testing.T) {
	if got := len(mustAppendBinary(t, &Site{})); got != 5 {
		t.Errorf("zero site: got %d bytes, want 5 (version and field bits)", got)
	}
	if got, want := len(mustAppendBinary(t, &Site{Confidential: true, Status: StatusActive})), 6; got != want {
		t.Errorf("confidential active site: got %d bytes, want %d", got, want)
	}
}

// TestSiteBinaryDoesNotAlias checks that UnmarshalBinary copies: changing the data afterwards
// changes nothing in the site.
func TestSiteBinaryDoesNotAlias(t *testing.T) {
	want := everyField()
	data := mustAppendBinary(t, &want)
	var got Site
	if err := got.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	for i := range data {
		data[i] = 'X'
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after overwriting the data, got %#v, want %#v", got, want)
	}
}

func TestSiteBinaryTruncated(t *testing.T) {
	s := everyField()
	data := mustAppendBinary(t, &s)
	for n := range len(data) {
		got := Site{Name: "untouched"}
		err := got.UnmarshalBinary(data[:n])
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("first %d of %d bytes: got error %v, want one wrapping ErrInvalid", n, len(data), err)
		}
		if !reflect.DeepEqual(got, Site{}) {
			t.Fatalf("first %d bytes: got %#v, want the zero Site after an error", n, got)
		}
	}
}

func TestSiteBinaryCorrupt(t *testing.T) {
	header := func(bits uint32) []byte {
		return []byte{binaryVersion, byte(bits), byte(bits >> 8), byte(bits >> 16), byte(bits >> 24)}
	}
	cat := []byte{1, byte(len(categories) + 1)}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty data"},
		{"unknown version", []byte{3, 0, 0, 0, 0}, "unknown format version 3"},
		{"version 2 without further fields", []byte{2, 0, 0, 0, 0}, "truncated"},
		{"version 2 with no further field bit", []byte{2, 0, 0, 0, 0, 0}, "unknown further field bits 0x0"},
		{"version 2 with an unknown further field", []byte{2, 0, 0, 0, 0, 4}, "unknown further field bits 0x4"},
		{"capacity longer than the data", []byte{2, 0, 0, 0, 0, 1, 9, 0}, "list longer than the data"},
		{"version 0", []byte{0}, "unknown format version 0"},
		// Version 1 uses all 32 field bits (the last is verified_by), so none is unknown.
		{"verified_by longer than the data", append(header(1<<binVerifiedBy), 3, 'a'), "string longer than the data"},
		{"trailing bytes", append(header(0), 0), "1 bytes after the site"},
		{"string longer than the data", append(header(1<<binName), 5, 'a'), "string longer than the data"},
		{"huge string length", append(header(1<<binName), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), "string longer than the data"},
		{"varint overflow", append(header(1<<binName), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02), "varint overflows"},
		{"huge list", append(header(1<<binLanguages), 0xff, 0xff, 0xff, 0xff, 0x0f), "list longer than the data"},
		{"periods longer than the data", append(header(1<<binWeekly), 2, 1, 2, 3), "list longer than the data"},
		{"unknown status code", append(header(1<<binStatus), byte(len(binaryStatuses)+1)), "unknown enum code 5"},
		{"unknown category code", append(header(1<<binCategories), cat...), "unknown category code 16"},
		{"unknown exception flags", append(header(1<<binExceptions), 1, 4, 0, 0), "unknown exception flags"},
		{"truncated float", append(header(1<<binLat), 1, 2, 3), "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Site
			err := s.UnmarshalBinary(tt.data)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one wrapping ErrInvalid that says %q", err, tt.want)
			}
		})
	}
}

// FuzzSiteBinary checks that no input makes the decoder panic or allocate beyond its size,
// and that whatever it accepts encodes back to bytes that decode to the same site.
func FuzzSiteBinary(f *testing.F) {
	for _, s := range []Site{everyField(), {}, {Name: "x", Categories: []Category{"?"}, Status: "s"},
		{Hours: Hours{Exceptions: []Exception{{Closed: true, Periods: []Period{}}}}}} {
		f.Add(mustAppendBinary(f, &s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Site
		if err := s.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got error %v, want one wrapping ErrInvalid", err)
			}
			return
		}
		again := mustAppendBinary(t, &s)
		var s2 Site
		if err := s2.UnmarshalBinary(again); err != nil {
			t.Fatalf("decoding the encoding of a decoded site: %v", err)
		}
		if third := mustAppendBinary(t, &s2); !bytes.Equal(third, again) {
			t.Fatalf("re-encoding changed the bytes:\n%x\n%x", again, third)
		}
		if len(again) > len(data) {
			t.Fatalf("decoding %d bytes gave a site of %d bytes", len(data), len(again))
		}
	})
}

func BenchmarkSiteBinary(b *testing.B) {
	s := everyField()
	s.Description = "A community food bank with fresh produce on Tuesdays."
	data := mustAppendBinary(b, &s)
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			buf, _ = s.AppendBinary(buf[:0])
		}
		b.SetBytes(int64(len(data)))
	})
	b.Run("unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var got Site
			if err := got.UnmarshalBinary(data); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(data)))
	})
}

// TestSiteBinaryCategoriesInto checks that categories are decoded into the array of an empty
// s.Categories with room for them, and into a new one otherwise.
func TestSiteBinaryCategoriesInto(t *testing.T) {
	src := Site{Categories: []Category{CategoryClinic, "custom"}}
	data := string(mustAppendBinary(t, &src))
	tests := []struct {
		name string
		buf  []Category
		into bool
	}{
		{"room", make([]Category, 0, 4), true},
		{"exact room", make([]Category, 0, 2), true},
		{"too small", make([]Category, 0, 1), false},
		{"not empty", make([]Category, 1, 4), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Site{Categories: tt.buf}
			if err := s.UnmarshalBinaryString(data); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Categories, src.Categories) {
				t.Fatalf("got %q, want %q", s.Categories, src.Categories)
			}
			if cap(s.Categories) != len(s.Categories) {
				t.Errorf("got capacity %d, want %d: appending must not write into the buffer", cap(s.Categories), len(s.Categories))
			}
			if into := cap(tt.buf) > 0 && &s.Categories[0] == &tt.buf[:1][0]; into != tt.into {
				t.Errorf("decoded into the buffer: got %v, want %v", into, tt.into)
			}
		})
	}
	s := Site{Categories: make([]Category, 0, 4)}
	if err := s.UnmarshalBinaryString(string(mustAppendBinary(t, &Site{}))); err != nil || s.Categories != nil {
		t.Errorf("absent categories: got %#v, %v, want nil", s.Categories, err)
	}
}

// A site without live data keeps version 1's exact bytes: stores' content hashes of every site
// written before version 2 existed stay valid.
func TestSiteBinaryVersion1Kept(t *testing.T) {
	s := everyField()
	b := mustAppendBinary(t, &s)
	if b[0] != 1 {
		t.Fatalf("format version %d, want 1", b[0])
	}
	s.Capacity = []Capacity{{Unit: "beds", Available: 1}}
	b2 := mustAppendBinary(t, &s)
	if b2[0] != 2 || !bytes.Equal(b2[1:len(b)], b[1:]) {
		t.Errorf("version 2 is not version 1's bytes followed by more fields")
	}
}

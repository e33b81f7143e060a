package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// testGazetteer runs the store.Gazetteer part of the suite: address points and the geocode
// cache. Every store must implement store.Gazetteer.
func testGazetteer(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store, g store.Gazetteer)
	}{
		{"Empty", testGazetteerEmpty},
		{"RoundTrip", testGazetteerRoundTrip},
		{"Sources", testGazetteerSources},
		{"Failure", testGazetteerFailure},
		{"Invalid", testGazetteerInvalid},
		{"EachStops", testGazetteerEachStops},
		{"ConcurrentReplace", testGazetteerConcurrent},
		{"Cache", testGeocodeCache},
		{"CacheLimits", testGeocodeCacheLimits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			g, ok := s.(store.Gazetteer)
			if !ok {
				t.Fatalf("%T does not implement store.Gazetteer", s)
			}
			tt.fn(t, s, g)
		})
	}
}

// AddressPoints returns n valid address points: consecutive runs share a street and locality
// (as open address data does), texts carry accents and other scripts, some fields are empty,
// and the coordinates need every bit of a float64.
func AddressPoints(prefix string, n int) []aidmap.AddressPoint {
	streets := []string{"West 4th Avenue", "Rue Saint-Denis", "Chemin de la Côte-des-Neiges", "Straße des 17. Juni", "東大通"}
	localities := []string{"Vancouver", "Montréal", "Québec", ""}
	out := make([]aidmap.AddressPoint, n)
	for i := range out {
		p := aidmap.AddressPoint{
			Lon:      -123.12073412345678 + float64(i)*1.0000000000000002e-5,
			Lat:      49.28273123456789 - float64(i%977)*3.3333333333333335e-6,
			Number:   fmt.Sprintf("%s%d", prefix, i),
			Street:   streets[(i/7)%len(streets)],
			Locality: localities[(i/50)%len(localities)],
			Region:   "BC",
			Postcode: fmt.Sprintf("V6B %dA%d", i%10, (i/10)%10),
			Country:  "CA",
		}
		if i%3 == 0 {
			p.Unit = fmt.Sprintf("Suite %d", i%200)
		}
		if i%11 == 0 {
			p.Region, p.Country = "", ""
		}
		out[i] = p
	}
	return out
}

// edgePoints are points whose values a careless encoding would change.
var edgePoints = []aidmap.AddressPoint{
	{Lon: math.Copysign(0, -1), Lat: math.Copysign(0, -1)},                              // -0, every text empty
	{Lon: 5e-324, Lat: -5e-324, Number: "1", Street: "A"},                               // subnormals
	{Lon: -180, Lat: -90, Number: "221A", Unit: "203", Street: "221A Street"},           // the corners
	{Lon: 180, Lat: 90, Number: "12-14", Street: "Rue de l'Église", Locality: "Lévis"},  // accents
	{Lon: math.Nextafter(180, 0), Lat: math.Nextafter(-90, 0), Street: "A", Number: ""}, // a text back to empty
	{Lon: 0.1, Lat: 0.2, Number: "½", Street: "Ωmega Road 🚲", Postcode: "SW1A 1AA", Country: "GB"},
	{Lon: 0.1, Lat: 0.2, Number: "½", Street: "Ωmega Road 🚲", Postcode: "SW1A 1AA", Country: "GB"}, // a duplicate
	{Lon: -79.3832, Lat: 43.6532, Number: strings.Repeat("9", store.MaxAddressField)},
}

// Batches yields points as a file reader does: in batches of the given sizes (cycled),
// reusing one slice as callers may, then io.EOF.
func Batches(points []aidmap.AddressPoint, sizes ...int) func() ([]aidmap.AddressPoint, error) {
	var buf []aidmap.AddressPoint
	i, k := 0, 0
	return func() ([]aidmap.AddressPoint, error) {
		if i >= len(points) {
			return nil, io.EOF
		}
		n := min(sizes[k%len(sizes)], len(points)-i)
		k++
		buf = append(buf[:0], points[i:i+n]...)
		i += n
		return buf, nil
	}
}

// SyntheticPoints yields n points in batches of 10,000: the same 10,000 distinct points
// (AddressPoints) again and again, so a benchmark's own memory stays small and its peak RSS
// shows the store's.
func SyntheticPoints(n int) func() ([]aidmap.AddressPoint, error) {
	batch := AddressPoints("", 10_000)
	return func() ([]aidmap.AddressPoint, error) {
		if n <= 0 {
			return nil, io.EOF
		}
		k := min(n, len(batch))
		n -= k
		return batch[:k], nil
	}
}

func mustReplace(t *testing.T, g store.Gazetteer, source string, points []aidmap.AddressPoint) int64 {
	t.Helper()
	n, v, err := g.ReplaceAddressPoints(context.Background(), source, Batches(points, 500))
	if err != nil {
		t.Fatalf("ReplaceAddressPoints(%q, %d points): %v", source, len(points), err)
	}
	if n != len(points) {
		t.Fatalf("ReplaceAddressPoints(%q): got n %d, want %d", source, n, len(points))
	}
	if got := mustGazetteerVersion(t, g); got != v {
		t.Fatalf("ReplaceAddressPoints(%q) returned version %d, GazetteerVersion says %d", source, v, got)
	}
	return v
}

func mustGazetteerVersion(t *testing.T, g store.Gazetteer) int64 {
	t.Helper()
	v, err := g.GazetteerVersion(context.Background())
	if err != nil {
		t.Fatalf("GazetteerVersion: %v", err)
	}
	return v
}

// allPoints collects EachAddressPoint.
func allPoints(t *testing.T, g store.Gazetteer) ([]aidmap.AddressPoint, int64) {
	t.Helper()
	var out []aidmap.AddressPoint
	v, err := g.EachAddressPoint(context.Background(), func(p aidmap.AddressPoint) error {
		out = append(out, p)
		return nil
	})
	if err != nil {
		t.Fatalf("EachAddressPoint: %v", err)
	}
	return out, v
}

// checkPoints fails the test unless got is want exactly: floats bit for bit, texts byte for
// byte, in order.
func checkPoints(t *testing.T, what string, got, want []aidmap.AddressPoint) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d points, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		g, w := got[i], want[i]
		if math.Float64bits(g.Lon) != math.Float64bits(w.Lon) || math.Float64bits(g.Lat) != math.Float64bits(w.Lat) {
			t.Errorf("%s: point %d: got lon/lat %v/%v (bits %x/%x), want %v/%v (bits %x/%x)", what, i,
				g.Lon, g.Lat, math.Float64bits(g.Lon), math.Float64bits(g.Lat), w.Lon, w.Lat, math.Float64bits(w.Lon), math.Float64bits(w.Lat))
			bad++
		}
		g.Lon, g.Lat, w.Lon, w.Lat = 0, 0, 0, 0
		if g != w {
			t.Errorf("%s: point %d: got %+v, want %+v", what, i, got[i], want[i])
			bad++
		}
		if bad > 5 {
			t.Fatalf("%s: too many differences", what)
		}
	}
}

func concat(parts ...[]aidmap.AddressPoint) []aidmap.AddressPoint {
	var out []aidmap.AddressPoint
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func testGazetteerEmpty(t *testing.T, _ store.Store, g store.Gazetteer) {
	if v := mustGazetteerVersion(t, g); v != 0 {
		t.Errorf("GazetteerVersion of a new store: got %d, want 0", v)
	}
	points, v := allPoints(t, g)
	if len(points) != 0 || v != 0 {
		t.Errorf("EachAddressPoint of a new store: got %d points, version %d, want none, 0", len(points), v)
	}
}

func testGazetteerRoundTrip(t *testing.T, _ store.Store, g store.Gazetteer) {
	ctx := context.Background()
	// More than two blocks' worth, in batches that do not line up with blocks; an empty batch
	// in the middle is allowed.
	want := concat(edgePoints, AddressPoints("n", 2*store.AddressBlockPoints+37))
	for _, sizes := range [][]int{{1}, {3, 0, 1000, 1}, {len(want)}} {
		t.Run(fmt.Sprint(sizes), func(t *testing.T) {
			before := mustGazetteerVersion(t, g)
			n, v, err := g.ReplaceAddressPoints(ctx, "openaddresses/ca/bc/vancouver.csv", Batches(want, sizes...))
			if err != nil {
				t.Fatalf("ReplaceAddressPoints: %v", err)
			}
			if n != len(want) || v <= before {
				t.Errorf("ReplaceAddressPoints: got n %d, version %d, want %d and above %d", n, v, len(want), before)
			}
			got, each := allPoints(t, g)
			checkPoints(t, "EachAddressPoint", got, want)
			if each != v {
				t.Errorf("EachAddressPoint version: got %d, want %d", each, v)
			}
		})
	}

	// Points handed over together with io.EOF count.
	_, _, err := g.ReplaceAddressPoints(ctx, "eof", func() ([]aidmap.AddressPoint, error) {
		return edgePoints[:2], io.EOF
	})
	if err != nil {
		t.Fatalf("ReplaceAddressPoints with points and io.EOF: %v", err)
	}
	got, _ := allPoints(t, g)
	checkPoints(t, "points given with io.EOF", got[:2], edgePoints[:2])
}

func testGazetteerSources(t *testing.T, _ store.Store, g store.Gazetteer) {
	a1, b1, a2 := AddressPoints("a", 1500), AddressPoints("b", 700), AddressPoints("A", 30)
	var versions []int64
	versions = append(versions, mustReplace(t, g, "b.csv", b1))
	versions = append(versions, mustReplace(t, g, "a.csv", a1))
	got, _ := allPoints(t, g)
	checkPoints(t, "a.csv then b.csv", got, concat(a1, b1)) // sources in byte order

	versions = append(versions, mustReplace(t, g, "a.csv", a2))
	got, _ = allPoints(t, g)
	checkPoints(t, "a.csv replaced", got, concat(a2, b1))

	// The same points again are still an import: the version moves.
	versions = append(versions, mustReplace(t, g, "a.csv", a2))
	got, _ = allPoints(t, g)
	checkPoints(t, "a.csv replaced by the same", got, concat(a2, b1))

	// No points removes the source.
	versions = append(versions, mustReplace(t, g, "b.csv", nil))
	got, _ = allPoints(t, g)
	checkPoints(t, "b.csv removed", got, a2)
	versions = append(versions, mustReplace(t, g, "a.csv", nil))
	got, v := allPoints(t, g)
	checkPoints(t, "a.csv removed", got, nil)
	// Removing a source that does not exist is a successful import of nothing.
	versions = append(versions, mustReplace(t, g, "never.csv", nil))

	for i := 1; i < len(versions); i++ {
		if versions[i] <= versions[i-1] {
			t.Errorf("versions: got %v, want each above the one before", versions)
			break
		}
	}
	if v != versions[len(versions)-2] || v == 0 {
		t.Errorf("EachAddressPoint of an emptied gazetteer: got version %d, want %d (never back to 0)", v, versions[len(versions)-2])
	}
	if again := mustGazetteerVersion(t, g); again != versions[len(versions)-1] {
		t.Errorf("GazetteerVersion without changes: got %d, want %d", again, versions[len(versions)-1])
	}
}

func testGazetteerFailure(t *testing.T, _ store.Store, g store.Gazetteer) {
	a, b := AddressPoints("a", 2500), AddressPoints("b", 40)
	mustReplace(t, g, "a", a)
	v := mustReplace(t, g, "b", b)
	want := concat(a, b)
	boom := errors.New("boom: row 1234 of the file")

	tests := []struct {
		name   string
		source string
		// next yields some points, then fails; cancel cancels the import's context.
		next    func(cancel context.CancelFunc) func() ([]aidmap.AddressPoint, error)
		wantErr error
	}{
		{"next fails at once", "a", func(context.CancelFunc) func() ([]aidmap.AddressPoint, error) {
			return func() ([]aidmap.AddressPoint, error) { return nil, boom }
		}, boom},
		{"next fails after many blocks", "a", func(context.CancelFunc) func() ([]aidmap.AddressPoint, error) {
			return failAfter(AddressPoints("x", 5000), 4000, boom, nil)
		}, boom},
		{"next fails for a new source", "c", func(context.CancelFunc) func() ([]aidmap.AddressPoint, error) {
			return failAfter(AddressPoints("x", 5000), 1500, boom, nil)
		}, boom},
		{"canceled midway", "a", func(cancel context.CancelFunc) func() ([]aidmap.AddressPoint, error) {
			return failAfter(AddressPoints("x", 5000), 3000, nil, cancel)
		}, context.Canceled},
		{"canceled at the end", "b", func(cancel context.CancelFunc) func() ([]aidmap.AddressPoint, error) {
			next := Batches(AddressPoints("x", 100), 60)
			return func() ([]aidmap.AddressPoint, error) {
				ps, err := next()
				if err == io.EOF {
					cancel()
				}
				return ps, err
			}
		}, context.Canceled},
		{"invalid point midway", "a", func(context.CancelFunc) func() ([]aidmap.AddressPoint, error) {
			ps := AddressPoints("x", 3000)
			ps[2999].Lat = math.NaN()
			return Batches(ps, 100)
		}, aidmap.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n, got, err := g.ReplaceAddressPoints(ctx, tt.source, tt.next(cancel))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ReplaceAddressPoints: got %d, %d, %v, want an error wrapping %v", n, got, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), "replace address points") {
				t.Errorf("error %q does not say what failed", err)
			}
			if n != 0 || got != 0 {
				t.Errorf("ReplaceAddressPoints failed but returned n %d, version %d", n, got)
			}
			if now := mustGazetteerVersion(t, g); now != v {
				t.Errorf("GazetteerVersion after a failed import: got %d, want %d", now, v)
			}
			points, each := allPoints(t, g)
			checkPoints(t, "points after a failed import", points, want)
			if each != v {
				t.Errorf("EachAddressPoint version: got %d, want %d", each, v)
			}
		})
	}
}

// failAfter returns a next function yielding points in batches of 250 until it has yielded
// at least after of them, then calls cancel (when not nil) and returns err (or, with a nil
// err, carries on yielding: the store must notice the cancelled context by itself).
func failAfter(points []aidmap.AddressPoint, after int, err error, cancel context.CancelFunc) func() ([]aidmap.AddressPoint, error) {
	next := Batches(points, 250)
	given := 0
	return func() ([]aidmap.AddressPoint, error) {
		if given >= after {
			if cancel != nil {
				cancel()
			}
			if err != nil {
				return nil, err
			}
		}
		ps, nerr := next()
		given += len(ps)
		return ps, nerr
	}
}

func testGazetteerInvalid(t *testing.T, _ store.Store, g store.Gazetteer) {
	ctx := context.Background()
	ok := AddressPoints("ok", 3)
	tests := []struct {
		name   string
		source string
		change func(p *aidmap.AddressPoint)
	}{
		{"empty source", "", nil},
		{"source not UTF-8", "bad\xff.csv", nil},
		{"source with NUL", "bad\x00.csv", nil},
		{"source too long", strings.Repeat("s", store.MaxSource+1), nil},
		{"lat NaN", "x", func(p *aidmap.AddressPoint) { p.Lat = math.NaN() }},
		{"lat above 90", "x", func(p *aidmap.AddressPoint) { p.Lat = 90.000001 }},
		{"lon infinite", "x", func(p *aidmap.AddressPoint) { p.Lon = math.Inf(-1) }},
		{"street not UTF-8", "x", func(p *aidmap.AddressPoint) { p.Street = "Rue Saint-Andr\xe9" }},
		{"number with NUL", "x", func(p *aidmap.AddressPoint) { p.Number = "1\x002" }},
		{"locality too long", "x", func(p *aidmap.AddressPoint) { p.Locality = strings.Repeat("l", store.MaxAddressField+1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			points := append([]aidmap.AddressPoint(nil), ok...)
			if tt.change != nil {
				tt.change(&points[2])
			}
			_, _, err := g.ReplaceAddressPoints(ctx, tt.source, Batches(points, 10))
			if !errors.Is(err, aidmap.ErrInvalid) {
				t.Fatalf("ReplaceAddressPoints: got %v, want an error wrapping ErrInvalid", err)
			}
			var fe *aidmap.FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error %v does not unwrap to a *aidmap.FieldError", err)
			}
			if tt.change != nil && !strings.Contains(err.Error(), "address point 2") {
				t.Errorf("error %q does not name the point (2)", err)
			}
		})
	}
	if v := mustGazetteerVersion(t, g); v != 0 {
		t.Errorf("GazetteerVersion after refused imports: got %d, want 0", v)
	}
}

func testGazetteerEachStops(t *testing.T, _ store.Store, g store.Gazetteer) {
	mustReplace(t, g, "a", AddressPoints("a", 3000))
	stop := errors.New("enough")
	calls := 0
	_, err := g.EachAddressPoint(context.Background(), func(aidmap.AddressPoint) error {
		calls++
		if calls == 1500 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 1500 {
		t.Errorf("EachAddressPoint: got %v after %d calls, want %v after 1500", err, calls, stop)
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls = 0
	_, err = g.EachAddressPoint(ctx, func(aidmap.AddressPoint) error {
		calls++
		if calls == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("EachAddressPoint with ctx cancelled: got %v after %d calls, want context.Canceled", err, calls)
	}
}

// testGazetteerConcurrent replaces sources from several goroutines: each source ends up
// exactly as one of its imports left it, never a mix, and every import got its own version.
func testGazetteerConcurrent(t *testing.T, _ store.Store, g store.Gazetteer) {
	const writers = 4
	imports := make([][]aidmap.AddressPoint, writers)
	for i := range imports {
		imports[i] = AddressPoints(fmt.Sprintf("w%d-", i), 1000+300*i)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		versions = map[int64]bool{}
	)
	for i := range writers {
		for _, source := range []string{"shared", fmt.Sprintf("own%d", i)} {
			wg.Go(func() {
				_, v, err := g.ReplaceAddressPoints(context.Background(), source, Batches(imports[i], 128))
				if err != nil {
					t.Errorf("ReplaceAddressPoints(%q) by writer %d: %v", source, i, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if versions[v] {
					t.Errorf("version %d returned twice", v)
				}
				versions[v] = true
			})
		}
	}
	wg.Wait()
	got, _ := allPoints(t, g)
	var own []aidmap.AddressPoint
	for i := range writers {
		own = append(own, imports[i]...)
	}
	if len(got) < len(own) {
		t.Fatalf("got %d points, want at least the %d of the own sources", len(got), len(own))
	}
	checkPoints(t, "own sources", got[:len(own)], own)
	shared := got[len(own):]
	for i := range imports {
		if len(shared) == len(imports[i]) && shared[0] == imports[i][0] {
			checkPoints(t, "shared source", shared, imports[i])
			return
		}
	}
	t.Errorf("shared source: got %d points that are none of the imports", len(shared))
}

func testGeocodeCache(t *testing.T, s store.Store, g store.Gazetteer) {
	ctx := context.Background()
	mustReplace(t, g, "a", AddressPoints("a", 10))
	gv, sv := mustGazetteerVersion(t, g), mustVersion(t, s)

	if _, err := g.GeocodeCache(ctx, "nominatim\x00203-5171 221a street langley bc"); !errors.Is(err, aidmap.ErrNotFound) {
		t.Errorf("GeocodeCache of a missing key: got %v, want ErrNotFound", err)
	}
	allBytes := make([]byte, 256)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	entries := []struct {
		key   string
		value []byte
	}{
		{"nominatim\x00203-5171 221a street langley bc", []byte(`{"lat":49.1,"lon":-122.6}`)},
		{"Montréal", []byte("é")},
		{"montreal", []byte("e")},             // distinct from the accented key
		{"\xff\xfe not UTF-8 \x00", allBytes}, // keys and values are bytes
		{"empty value", []byte{}},             // stored, not a miss
		{"nil value", nil},                    // the same as empty
		{strings.Repeat("k", store.MaxGeocodeKey), bytes.Repeat([]byte{0xAB}, store.MaxGeocodeValue)}, // at the limits
	}
	for _, e := range entries {
		if err := g.PutGeocodeCache(ctx, e.key, e.value); err != nil {
			t.Fatalf("PutGeocodeCache(%.20q): %v", e.key, err)
		}
	}
	for _, e := range entries {
		got, err := g.GeocodeCache(ctx, e.key)
		if err != nil || !bytes.Equal(got, e.value) {
			t.Errorf("GeocodeCache(%.20q): got %.40q, %v, want %.40q", e.key, got, err, e.value)
		}
	}
	// Upsert: the last value wins.
	key := entries[0].key
	for _, value := range []string{"second", "third"} {
		if err := g.PutGeocodeCache(ctx, key, []byte(value)); err != nil {
			t.Fatalf("PutGeocodeCache again: %v", err)
		}
		if got, err := g.GeocodeCache(ctx, key); err != nil || string(got) != value {
			t.Errorf("GeocodeCache after an update: got %q, %v, want %q", got, err, value)
		}
	}
	// The returned slice is the caller's.
	got, _ := g.GeocodeCache(ctx, key)
	got[0] = 'X'
	if again, _ := g.GeocodeCache(ctx, key); string(again) != "third" {
		t.Errorf("GeocodeCache after changing a returned value: got %q, want %q", again, "third")
	}

	if v := mustGazetteerVersion(t, g); v != gv {
		t.Errorf("GazetteerVersion after cache writes: got %d, want %d", v, gv)
	}
	if v := mustVersion(t, s); v != sv {
		t.Errorf("Version after cache writes: got %d, want %d", v, sv)
	}
	// An import leaves the cache alone.
	mustReplace(t, g, "a", nil)
	if got, err := g.GeocodeCache(ctx, "Montréal"); err != nil || string(got) != "é" {
		t.Errorf("GeocodeCache after an import: got %q, %v, want %q", got, err, "é")
	}
}

func testGeocodeCacheLimits(t *testing.T, _ store.Store, g store.Gazetteer) {
	ctx := context.Background()
	tests := []struct {
		name  string
		key   string
		value []byte
	}{
		{"empty key", "", []byte("v")},
		{"key too long", strings.Repeat("k", store.MaxGeocodeKey+1), []byte("v")},
		{"value too long", "k", make([]byte, store.MaxGeocodeValue+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := g.PutGeocodeCache(ctx, tt.key, tt.value); !errors.Is(err, aidmap.ErrInvalid) {
				t.Errorf("PutGeocodeCache: got %v, want an error wrapping ErrInvalid", err)
			}
			if _, err := g.GeocodeCache(ctx, tt.key); !errors.Is(err, aidmap.ErrNotFound) {
				t.Errorf("GeocodeCache of a refused entry: got %v, want ErrNotFound", err)
			}
		})
	}
}

// RunGazetteer runs only the store.Gazetteer part of the suite (Run includes it), for an
// implementation's own test of a configuration the rest of the suite does not depend on.
func RunGazetteer(t *testing.T, open func(t *testing.T) store.Store) {
	testGazetteer(t, open)
}

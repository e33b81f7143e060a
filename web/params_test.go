package web

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"

	"github.com/aidmap/aidmap"
)

func TestParseBBox(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		wantErr bool
	}{
		{"-123.3,49.1,-122.9,49.4", false},
		{"179,-20,-179,-10", false}, // crosses the antimeridian
		{" -1 , -1 , 1 , 1 ", false},
		{"1,2,3", true},
		{"1,2,3,4,5", true},
		{"a,2,3,4", true},
		{"NaN,2,3,4", true},
		{"-181,0,0,1", true},
		{"0,-91,1,1", true},
		{"0,10,1,5", true}, // minLat > maxLat
		{"", true},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			_, err := parseBBox(tc.raw)
			if (err != nil) != tc.wantErr {
				t.Fatalf("got error %v, want error: %v", err, tc.wantErr)
			}
			var pe *paramError
			if err != nil && (!errors.As(err, &pe) || pe.Name != "bbox" || !errors.Is(err, aidmap.ErrInvalid)) {
				t.Errorf("got %v, want a bbox parameter error", err)
			}
		})
	}
}

func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"-123.3,49.1,-122.9,49.4", "179,-20,-179,-10", "1,2,3", "Inf,0,0,0", "0x10,0,1,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		b, err := parseBBox(raw)
		if err != nil {
			return
		}
		if b.MinLat > b.MaxLat || b.MinLat < -90 || b.MaxLat > 90 || b.MinLon < -180 || b.MaxLon > 180 || b.MaxLon < -180 || b.MinLon > 180 {
			t.Errorf("parseBBox(%q) accepted %+v", raw, b)
		}
	})
}

func FuzzParseCursor(f *testing.F) {
	f.Add(cursor{Distance: 12.5, ID: "abc"}.encode())
	f.Add("")
	f.Add("!!")
	f.Fuzz(func(t *testing.T, raw string) {
		c, ok, err := parseCursor(url.Values{"cursor": {raw}})
		if err != nil || !ok {
			return
		}
		// A cursor that parses must survive a round trip.
		again, _, err := parseCursor(url.Values{"cursor": {c.encode()}})
		if err != nil || again != c {
			t.Errorf("cursor %q: round trip gave %+v, %v; want %+v", raw, again, err, c)
		}
	})
}

func TestParsePointAndLimit(t *testing.T) {
	for _, tc := range []struct {
		query, param string
	}{
		{"lat=91&lon=0", "lat"},
		{"lat=-90.0001&lon=0", "lat"},
		{"lat=0&lon=180.5", "lon"},
		{"lat=0&lon=abc", "lon"},
		{"lat=Inf&lon=0", "lat"},
		{"lat=0", "lon"},
		{"lat=0&lon=0&limit=0", "limit"},
		{"lat=0&lon=0&limit=1001", "limit"},
		{"lat=0&lon=0&limit=ten", "limit"},
		{"lat=0&lon=0&limit=10", ""},
		{"lat=-90&lon=180&limit=1000", ""},
	} {
		t.Run(tc.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tc.query)
			_, _, err := parsePoint(q)
			if err == nil {
				_, err = parseLimit(q)
			}
			var pe *paramError
			switch {
			case tc.param == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tc.param != "" && (!errors.As(err, &pe) || pe.Name != tc.param):
				t.Fatalf("got %v, want an error naming %s", err, tc.param)
			}
		})
	}
}

// TestParseQueryAsStandard compares parseQuery, with its memory reused from query to query,
// with r.URL.Query() on queries written to hit every case: repeats, empty names and values,
// escapes (good and bad), '+', ';', and more parameters than it reads itself.
func TestParseQueryAsStandard(t *testing.T) {
	queries := []string{"", "&", "&&a=1&&", "lat=49.2&lon=-123.1&limit=10", "a", "a=", "=a", "a=1&a=2&a=3",
		"a=1&b=2&a=3", "q=soup+kitchen", "q=caf%C3%A9", "q=%zz", "a=1;b=2", "a=1&b;=2", "=&=", "a==b",
		"open_now=true&category=food-bank,shelter&lang=fr&free=1&wheelchair=true&status=active&format=geojson"}
	r := rand.New(rand.NewPCG(5, 6))
	const alphabet = "ab=&&=%+;2F1x"
	for range 5000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		queries = append(queries, string(b))
	}
	many := ""
	for i := range 40 {
		many += fmt.Sprintf("p%d=%d&", i%20, i)
	}
	queries = append(queries, many, many[:len(many)/2])
	for _, raw := range queries {
		req := httptest.NewRequest("GET", "/?x", nil)
		req.URL.RawQuery = raw
		qp := parseQuery(req)
		if want := req.URL.Query(); !reflect.DeepEqual(qp.v, want) {
			t.Fatalf("%q: got %v, want %v", raw, qp.v, want)
		}
		qp.release()
	}
}

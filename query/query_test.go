package query

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		q     Query
		field string // "" for valid
	}{
		{"zero", Query{}, ""},
		{"nearest", Query{Lat: 49.26, Lon: -123.1, K: 10}, ""},
		{"lat", Query{Lat: 90.5}, "lat"},
		{"lat NaN", Query{Lat: math.NaN()}, "lat"},
		{"lon", Query{Lon: -181}, "lon"},
		{"radius negative", Query{RadiusM: -1}, "radius_m"},
		{"radius too large", Query{RadiusM: MaxRadiusM + 1}, "radius_m"},
		{"radius max", Query{RadiusM: MaxRadiusM}, ""},
		{"k negative", Query{K: -1}, "limit"},
		{"k too large", Query{K: MaxK + 1}, "limit"},
		{"bbox longitudes", Query{BBox: geo.BBox{MinLon: -190, MaxLon: 0}}, "bbox"},
		{"bbox latitudes", Query{BBox: geo.BBox{MinLat: -91}}, "bbox"},
		{"bbox order", Query{BBox: geo.BBox{MinLat: 10, MaxLat: 0}}, "bbox"},
		{"bbox antimeridian", Query{BBox: geo.BBox{MinLon: 170, MaxLon: -170, MinLat: -10, MaxLat: 10}}, ""},
		{"cursor", Query{After: &Cursor{Distance: math.NaN()}}, "cursor"},
		{"text", Query{Text: "soupe populaire"}, ""},
		{"text too long", Query{Text: strings.Repeat("x", MaxTextBytes+1)}, "q"},
		{"text too many words", Query{Text: strings.Repeat("a ", MaxTextWords+1)}, "q"},
		{"statuses", Query{Statuses: []aidmap.Status{aidmap.StatusActive, aidmap.StatusClosed}}, ""},
		{"status retired", Query{Statuses: []aidmap.Status{aidmap.StatusRetired}}, "status"},
		{"status unknown", Query{Statuses: []aidmap.Status{"open"}}, "status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.q.Validate()
			var qe *aidmap.FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.field != "" && !errors.As(err, &qe):
				t.Errorf("got %v, want an *aidmap.FieldError about %s", err, tc.field)
			case tc.field != "" && (qe.Field != tc.field || !errors.Is(err, aidmap.ErrInvalid) || !strings.HasPrefix(err.Error(), tc.field+": ")):
				t.Errorf("got field %q (%v), want %q wrapping ErrInvalid", qe.Field, err, tc.field)
			}
		})
	}
}

func TestParseOpenAt(t *testing.T) {
	for _, tc := range []struct {
		raw   string
		want  OpenAt
		field string
	}{
		{"2026-12-24T18:00", OpenAt{Time: time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC), Local: true}, ""},
		{"2026-12-24 18:00", OpenAt{Time: time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC), Local: true}, ""},
		{"2026-12-24T18:00:00Z", OpenAt{Time: time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC)}, ""},
		{"2026-12-24", OpenAt{}, "open_at"},
		{strings.Repeat("9", 65), OpenAt{}, "open_at"},
	} {
		got, err := ParseOpenAt(tc.raw)
		var qe *aidmap.FieldError
		switch {
		case tc.field == "" && (err != nil || !got.Time.Equal(tc.want.Time) || got.Local != tc.want.Local):
			t.Errorf("ParseOpenAt(%q): got %+v, %v; want %+v", tc.raw, got, err, tc.want)
		case tc.field != "" && (!errors.As(err, &qe) || qe.Field != tc.field):
			t.Errorf("ParseOpenAt(%q): got %v, want an error about %s", tc.raw, err, tc.field)
		}
	}
}

// TestOpenAtLocal: a wall-clock time is read in each site's zone, an instant is the same
// everywhere.
func TestOpenAtLocal(t *testing.T) {
	wall := OpenAt{Time: time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC), Local: true}
	if got, want := wall.At("America/Vancouver"), time.Date(2026, 12, 25, 2, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("18:00 in Vancouver: got %v, want %v", got, want)
	}
	if got := wall.At(""); !got.Equal(wall.Time) {
		t.Errorf("unknown zone: got %v, want UTC %v", got, wall.Time)
	}
	instant := OpenAt{Time: wall.Time}
	if got := instant.At("Asia/Tokyo"); !got.Equal(wall.Time) {
		t.Errorf("an instant moved: got %v", got)
	}
}

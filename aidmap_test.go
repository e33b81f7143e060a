package aidmap

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func validSite() Site {
	s := Site{
		OrganizationID: "fbs",
		ExternalID:     "A-1",
		Name:           "Food Bank Society",
		Categories:     []Category{CategoryFoodBank},
		Lat:            49.28,
		Lon:            -123.1,
		Precision:      PrecisionExact,
		Status:         StatusActive,
		Hours:          Hours{Timezone: "America/Vancouver", Weekly: []Period{{Day: time.Monday, Open: 540, Close: 1020}}},
	}
	s.ID = SiteID(s.OrganizationID, s.ExternalID)
	return s
}

func TestSiteID(t *testing.T) {
	a := SiteID("fbs", "A-1")
	if a != SiteID("fbs", "A-1") {
		t.Fatal("SiteID is not stable")
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a) {
		t.Errorf("got %q, want a version-5 UUID", a)
	}
	for _, other := range []string{SiteID("fbs", "A-2"), SiteID("fbsA", "-1"), SiteID("fb", "sA-1")} {
		if other == a {
			t.Errorf("distinct keys share the ID %s", a)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Site)
		field  string
	}{
		{"valid", func(*Site) {}, ""},
		{"no name", func(s *Site) { s.Name = "  " }, "name"},
		{"long name", func(s *Site) { s.Name = strings.Repeat("x", MaxNameLen+1) }, "name"},
		{"lat 91", func(s *Site) { s.Lat = 91 }, "lat"},
		{"lon -181", func(s *Site) { s.Lon = -181 }, "lon"},
		{"no category", func(s *Site) { s.Categories = nil }, "categories"},
		{"unknown category", func(s *Site) { s.Categories = []Category{"pizza"} }, "categories"},
		{"bad status", func(s *Site) { s.Status = "open" }, "status"},
		{"bad precision", func(s *Site) { s.Precision = "" }, "precision"},
		{"wrong id", func(s *Site) { s.ID = "x" }, "id"},
		{"bad utf8", func(s *Site) { s.Description = "caf\xe9" }, "description"},
		{"nul byte", func(s *Site) { s.Name = "a\x00b" }, "name"},
		{"bad language", func(s *Site) { s.Languages = []string{"e\xffn"} }, "languages"},
		{"long exception note", func(s *Site) {
			s.Hours.Exceptions = []Exception{{Date: "2026-12-25", Note: strings.Repeat("x", MaxShortTextLen+1)}}
		}, "hours.exceptions.note"},
		{"bad timezone", func(s *Site) { s.Hours.Timezone = "Mars/Olympus" }, "hours.timezone"},
		{"bad period", func(s *Site) { s.Hours.Weekly[0].Close = 2000 }, "hours.weekly"},
		{"bad exception date", func(s *Site) { s.Hours.Exceptions = []Exception{{Date: "25/12/2026"}} }, "hours.exceptions.date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := validSite()
			tc.change(&s)
			err := s.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want a FieldError on %s wrapping ErrInvalid", err, tc.field)
			}
		})
	}
}

func TestFieldErrorMessage(t *testing.T) {
	err := &FieldError{Row: 12, Field: "lat", Value: "91", Reason: "must be between -90 and 90"}
	if got, want := err.Error(), `row 12: lat "91": must be between -90 and 90`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCategories(t *testing.T) {
	all := Categories()
	if len(all) != 15 {
		t.Fatalf("got %d categories, want 15", len(all))
	}
	var set CategorySet
	for _, c := range all {
		if !c.Slug.Valid() || c.Label == "" || c.Slug.Label() != c.Label {
			t.Errorf("category %+v is incomplete", c)
		}
		set |= NewCategorySet(c.Slug)
	}
	if got := set.Slice(); len(got) != 15 {
		t.Errorf("set of all: got %d members, want 15", len(got))
	}
	if c, err := ParseCategory(" Food_Bank "); err != nil || c != CategoryFoodBank {
		t.Errorf("ParseCategory: got %q, %v", c, err)
	}
	if _, err := ParseCategory("pizza"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseCategory(pizza): got %v, want ErrInvalid", err)
	}
}

func TestDistanceM(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want                   float64
	}{
		{"same point", 49, -123, 49, -123, 0},
		{"one degree of latitude", 0, 0, 1, 0, 111195},
		{"across the antimeridian", 0, 179.5, 0, -179.5, 111195},
		{"pole to pole", 90, 0, -90, 0, 20015115},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DistanceM(tc.lat1, tc.lon1, tc.lat2, tc.lon2); got < tc.want-1 || got > tc.want+1 {
				t.Errorf("got %.1f m, want %.0f", got, tc.want)
			}
		})
	}
}

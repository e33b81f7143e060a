package storetest

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
)

func testUpsertSites(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("create", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "org")
		sites := Sites("org", "s", 5)
		res := mustUpsert(t, s, "org", sites)
		checkIDs(t, "Created", res.Created, ids(sites))
		checkIDs(t, "Updated", res.Updated, nil)
		checkIDs(t, "Unchanged", res.Unchanged, nil)
		if res.Version <= 0 {
			t.Errorf("Version: got %d, want > 0", res.Version)
		}
		if v := mustVersion(t, s); v != res.Version {
			t.Errorf("Version(): got %d, want %d (the result's)", v, res.Version)
		}
		for _, site := range sites {
			checkSite(t, "Site", mustSite(t, s, site.ID), site)
		}
	})

	t.Run("unchanged", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "org")
		sites := Sites("org", "s", 5)
		first := mustUpsert(t, s, "org", sites)

		// The same content uploaded later, with a newer UpdatedAt and in another order: nothing
		// changes, not even UpdatedAt.
		again := make([]aidmap.Site, len(sites))
		for i, site := range sites {
			site.UpdatedAt = site.UpdatedAt.Add(time.Hour)
			site.Categories = append([]aidmap.Category(nil), site.Categories...)
			again[len(sites)-1-i] = site
		}
		res := mustUpsert(t, s, "org", again)
		checkIDs(t, "Created", res.Created, nil)
		checkIDs(t, "Updated", res.Updated, nil)
		checkIDs(t, "Unchanged", res.Unchanged, ids(again))
		if res.Version != first.Version {
			t.Errorf("Version: got %d, want %d (unchanged)", res.Version, first.Version)
		}
		if v := mustVersion(t, s); v != first.Version {
			t.Errorf("Version(): got %d, want %d (unchanged)", v, first.Version)
		}
		if cs := allChanges(t, s, first.Version, 100); len(cs) != 0 {
			t.Errorf("ChangesSince(%d): got %d changes, want none", first.Version, len(cs))
		}
		for _, site := range sites {
			checkSite(t, "Site", mustSite(t, s, site.ID), site)
		}
	})

	t.Run("update", func(t *testing.T) {
		t.Parallel()
		// Each case changes one field of the second site; the change must be detected.
		tests := []struct {
			name   string
			change func(*aidmap.Site)
		}{
			{"name", func(s *aidmap.Site) { s.Name += " (moved)" }},
			{"lat", func(s *aidmap.Site) { s.Lat = nextafter(s.Lat) }},
			{"lon", func(s *aidmap.Site) { s.Lon = nextafter(s.Lon) }},
			{"status", func(s *aidmap.Site) { s.Status = aidmap.StatusRetired }},
			{"confidential", func(s *aidmap.Site) { s.Confidential = true }},
			{"categories order", func(s *aidmap.Site) { s.Categories[0], s.Categories[1] = s.Categories[1], s.Categories[0] }},
			{"address", func(s *aidmap.Site) { s.Address.PostalCode = "V6A 2S6" }},
			{"hours", func(s *aidmap.Site) { s.Hours.Weekly[0].Close++ }},
			{"hours exception", func(s *aidmap.Site) { s.Hours.Exceptions[0].Closed = false }},
			{"timezone", func(s *aidmap.Site) { s.Hours.Timezone = "America/Toronto" }},
			{"languages", func(s *aidmap.Site) { s.Languages = s.Languages[:1] }},
			{"description", func(s *aidmap.Site) { s.Description = "" }},
			{"precision", func(s *aidmap.Site) { s.Precision = aidmap.PrecisionLocality }},
			{"verified", func(s *aidmap.Site) { s.VerifiedAt = s.VerifiedAt.Add(time.Microsecond) }},
			{"never verified", func(s *aidmap.Site) { s.VerifiedAt = time.Time{} }},
			{"phone", func(s *aidmap.Site) { s.Phone = "+1 604 555 0199" }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				s := setup(t, open, "org")
				sites := Sites("org", "s", 3)
				first := mustUpsert(t, s, "org", sites)

				changed := Sites("org", "s", 3)
				tt.change(&changed[1])
				changed[1].UpdatedAt = Base.Add(time.Hour)
				res := mustUpsert(t, s, "org", changed)
				checkIDs(t, "Created", res.Created, nil)
				checkIDs(t, "Updated", res.Updated, []string{changed[1].ID})
				checkIDs(t, "Unchanged", res.Unchanged, []string{changed[0].ID, changed[2].ID})
				if res.Version <= first.Version {
					t.Errorf("Version: got %d, want > %d", res.Version, first.Version)
				}
				checkSite(t, "updated site", mustSite(t, s, changed[1].ID), changed[1])
				checkSite(t, "unchanged site", mustSite(t, s, changed[0].ID), sites[0])
				cs := allChanges(t, s, first.Version, 100)
				if len(cs) != 1 {
					t.Fatalf("ChangesSince(%d): got %d changes, want 1", first.Version, len(cs))
				}
				if cs[0].Version != res.Version {
					t.Errorf("change version: got %d, want %d", cs[0].Version, res.Version)
				}
				checkSite(t, "change", cs[0].Site, changed[1])
			})
		}
	})

	t.Run("created updated and unchanged in one batch", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "org")
		old := Sites("org", "s", 2)
		mustUpsert(t, s, "org", old)
		batch := []aidmap.Site{NewSite("org", "new"), old[0], old[1]}
		batch[2].Name = "Renamed"
		res := mustUpsert(t, s, "org", batch)
		checkIDs(t, "Created", res.Created, []string{batch[0].ID})
		checkIDs(t, "Updated", res.Updated, []string{batch[2].ID})
		checkIDs(t, "Unchanged", res.Unchanged, []string{batch[1].ID})
	})

	t.Run("other sites left alone", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "org", "other")
		a := Sites("org", "a", 3)
		o := Sites("other", "o", 2)
		mustUpsert(t, s, "org", a)
		mustUpsert(t, s, "other", o)
		b := Sites("org", "b", 2)
		mustUpsert(t, s, "org", b)
		got, _ := allSites(t, s)
		if len(got) != len(a)+len(b)+len(o) {
			t.Errorf("EachSite: got %d sites, want %d", len(got), len(a)+len(b)+len(o))
		}
		for _, site := range append(append(a, b...), o...) {
			checkSite(t, "Site", mustSite(t, s, site.ID), site)
		}
	})

	t.Run("empty batch", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "org")
		first := mustUpsert(t, s, "org", Sites("org", "s", 2))
		res, err := s.UpsertSites(ctx, "org", nil)
		checkErr(t, "UpsertSites(nil)", err, nil)
		if res.Version != first.Version || len(res.Created)+len(res.Updated)+len(res.Unchanged) != 0 {
			t.Errorf("result: got %+v, want nothing done at version %d", res, first.Version)
		}
	})

	t.Run("versions of a batch", func(t *testing.T) {
		t.Parallel()
		s := setup(t, open, "org")
		sites := Sites("org", "s", 10)
		res := mustUpsert(t, s, "org", sites)
		cs := allChanges(t, s, 0, 100)
		if len(cs) != len(sites) {
			t.Fatalf("ChangesSince(0): got %d changes, want %d", len(cs), len(sites))
		}
		// Every site change gets its own version, so a reader paging by version never skips
		// part of a batch.
		for i, c := range cs {
			if i > 0 && c.Version <= cs[i-1].Version {
				t.Errorf("change %d version: got %d, want > %d", i, c.Version, cs[i-1].Version)
			}
		}
		if last := cs[len(cs)-1].Version; last != res.Version {
			t.Errorf("last change version: got %d, want %d (the result's)", last, res.Version)
		}
	})
}

func testUpsertSitesAllOrNothing(t *testing.T, open Opener) {
	tests := []struct {
		name      string
		orgID     string                            // the org the batch is uploaded as
		batch     func([]aidmap.Site) []aidmap.Site // derives the failing batch from valid ones
		want      error
		field     string // the FieldError's field, for ErrInvalid
		naming    string // text the error must contain to say which site
		emptyOnly bool
	}{
		{
			name:  "invalid site",
			orgID: "org",
			batch: func(b []aidmap.Site) []aidmap.Site {
				b[2].Lat = 91
				return b
			},
			want: aidmap.ErrInvalid, field: "lat", naming: "s2",
		},
		{
			name:  "invalid last site",
			orgID: "org",
			batch: func(b []aidmap.Site) []aidmap.Site {
				b[len(b)-1].Categories = []aidmap.Category{"soup"}
				return b
			},
			want: aidmap.ErrInvalid, field: "categories", naming: "s3",
		},
		{
			name:  "invalid hours",
			orgID: "org",
			batch: func(b []aidmap.Site) []aidmap.Site {
				b[0].Hours.Timezone = "Mars/Olympus_Mons"
				return b
			},
			want: aidmap.ErrInvalid, field: "hours.timezone", naming: "s0",
		},
		{
			// Validate does not check this yet; every store must refuse it rather than store
			// other text than it was given.
			name:  "language not UTF-8",
			orgID: "org",
			batch: func(b []aidmap.Site) []aidmap.Site {
				b[3].Languages = []string{"\xaa"}
				return b
			},
			want: aidmap.ErrInvalid, field: "languages", naming: "s3",
		},
		{
			name:  "ID not derived from external ID",
			orgID: "org",
			batch: func(b []aidmap.Site) []aidmap.Site {
				b[1].ID = aidmap.SiteID("org", "elsewhere")
				return b
			},
			want: aidmap.ErrInvalid, field: "id", naming: "s1",
		},
		{
			name:  "duplicate site",
			orgID: "org",
			batch: func(b []aidmap.Site) []aidmap.Site {
				dup := b[1]
				dup.Name = "Other name"
				return append(b, dup)
			},
			want: aidmap.ErrInvalid, naming: "s1",
		},
		{
			name:  "site of another organisation",
			orgID: "org",
			batch: func(b []aidmap.Site) []aidmap.Site {
				return append(b, NewSite("other", "x"))
			},
			want: aidmap.ErrForbidden, naming: "x",
		},
		{
			name:  "unknown organisation",
			orgID: "ghost",
			batch: func(b []aidmap.Site) []aidmap.Site {
				return Sites("ghost", "s", 2)
			},
			want: aidmap.ErrNotFound,
		},
		{
			name:  "unknown organisation, empty batch",
			orgID: "ghost",
			batch: func(b []aidmap.Site) []aidmap.Site { return nil },
			want:  aidmap.ErrNotFound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := setup(t, open, "org", "other")
			// Existing data the failed batch would change.
			before := Sites("org", "s", 2)
			mustUpsert(t, s, "org", before)
			mustUpsert(t, s, "other", []aidmap.Site{NewSite("other", "x")})
			v := mustVersion(t, s)

			// A batch that would update both existing sites and create two.
			batch := Sites("org", "s", 4)
			for i := range batch {
				batch[i].Name = "Changed " + batch[i].ExternalID
			}
			batch = tt.batch(batch)

			res, err := s.UpsertSites(context.Background(), tt.orgID, batch)
			checkErr(t, "UpsertSites", err, tt.want)
			if tt.field != "" {
				var fe *aidmap.FieldError
				if !errors.As(err, &fe) {
					t.Errorf("error %q: got no *aidmap.FieldError, want one for %s", err, tt.field)
				} else if fe.Field != tt.field {
					t.Errorf("FieldError.Field: got %q, want %q", fe.Field, tt.field)
				}
			}
			if tt.naming != "" && !strings.Contains(err.Error(), tt.naming) {
				t.Errorf("error %q: does not name the site %q", err, tt.naming)
			}
			if len(res.Created)+len(res.Updated)+len(res.Unchanged) != 0 {
				t.Errorf("result: got %+v, want empty on error", res)
			}

			// Nothing was written.
			if got := mustVersion(t, s); got != v {
				t.Errorf("Version: got %d, want %d (unchanged)", got, v)
			}
			for _, site := range before {
				checkSite(t, "existing site", mustSite(t, s, site.ID), site)
			}
			for _, site := range batch {
				if site.ID == before[0].ID || site.ID == before[1].ID || site.OrganizationID != "org" {
					continue
				}
				if _, err := s.Site(context.Background(), site.ID); !errors.Is(err, aidmap.ErrNotFound) {
					t.Errorf("Site(%s) of the failed batch: got error %v, want ErrNotFound", site.ExternalID, err)
				}
			}
			if cs := allChanges(t, s, v, 100); len(cs) != 0 {
				t.Errorf("ChangesSince(%d): got %d changes, want none", v, len(cs))
			}
		})
	}
}

func testRoundTrip(t *testing.T, open Opener) {
	vancouver, err := time.LoadLocation("America/Vancouver")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	kolkata := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name string
		site func() aidmap.Site
	}{
		{"every field", func() aidmap.Site { return NewSite("org", "full") }},
		{"minimal", func() aidmap.Site {
			return aidmap.Site{
				ID:             aidmap.SiteID("org", "min"),
				OrganizationID: "org",
				ExternalID:     "min",
				Name:           "M",
				Categories:     []aidmap.Category{aidmap.CategoryOther},
				Precision:      aidmap.PrecisionExact,
				Status:         aidmap.StatusActive,
			}
		}},
		{"confidential shelter", func() aidmap.Site {
			s := NewSite("org", "safe")
			s.Categories = []aidmap.Category{aidmap.CategoryShelter}
			s.Confidential = true
			return s
		}},
		{"retired", func() aidmap.Site {
			s := NewSite("org", "gone")
			s.Status = aidmap.StatusRetired
			return s
		}},
		{"every status and precision", func() aidmap.Site {
			s := NewSite("org", "tc")
			s.Status = aidmap.StatusTemporarilyClosed
			s.Precision = aidmap.PrecisionPostalCode
			return s
		}},
		{"times in other zones", func() aidmap.Site {
			s := NewSite("org", "zones")
			s.UpdatedAt = time.Date(2026, 7, 1, 23, 59, 59, 999999000, vancouver)
			s.VerifiedAt = time.Date(2024, 2, 29, 0, 0, 0, 1000, kolkata)
			return s
		}},
		{"times with monotonic reading", func() aidmap.Site {
			s := NewSite("org", "now")
			s.UpdatedAt = time.Now().Truncate(time.Microsecond)
			return s
		}},
		{"never verified", func() aidmap.Site {
			s := NewSite("org", "unverified")
			s.VerifiedAt = time.Time{}
			return s
		}},
		{"never updated", func() aidmap.Site {
			s := NewSite("org", "zero-updated")
			s.UpdatedAt = time.Time{}
			return s
		}},
		{"old and far times", func() aidmap.Site {
			s := NewSite("org", "far")
			s.UpdatedAt = time.Date(1900, 1, 1, 0, 0, 0, 1000, time.UTC)
			s.VerifiedAt = time.Date(2999, 12, 31, 23, 59, 59, 999999000, time.UTC)
			return s
		}},
		{"extreme coordinates", func() aidmap.Site {
			s := NewSite("org", "pole")
			s.Lat, s.Lon = -90, 180
			return s
		}},
		{"awkward floats", func() aidmap.Site {
			s := NewSite("org", "floats")
			s.Lat, s.Lon = 0.1+0.2, -1e-300
			return s
		}},
		{"zero coordinates", func() aidmap.Site {
			s := NewSite("org", "null-island")
			s.Lat, s.Lon = 0, 0
			return s
		}},
		{"unicode and quotes", func() aidmap.Site {
			s := NewSite("org", `ext "quoted" 'id' \ ; DROP TABLE sites; --`)
			s.Name = "مطبخ المجتمع — 社区厨房 — ਲੰਗਰ 🍲"
			s.Description = "line one\nline two\ttabbed \u202e rtl override"
			s.Address.Street = "Ørstedsvej 1 ½"
			s.Hours.Notes = `"24/7" {json: true}`
			return s
		}},
		{"hours without timezone", func() aidmap.Site {
			s := NewSite("org", "notz")
			s.Hours = aidmap.Hours{Weekly: []aidmap.Period{{Day: time.Saturday, Open: 0, Close: 0}}}
			return s
		}},
		{"hours notes only", func() aidmap.Site {
			s := NewSite("org", "notes")
			s.Hours = aidmap.Hours{Notes: "Call ahead"}
			return s
		}},
		{"known hours, always closed", func() aidmap.Site {
			s := NewSite("org", "closed-exceptions")
			s.Hours = aidmap.Hours{Timezone: "Europe/Paris", Exceptions: []aidmap.Exception{{Date: "2026-01-01", Closed: true}}}
			return s
		}},
		{"empty slices", func() aidmap.Site {
			s := NewSite("org", "empty")
			s.Languages = []string{}
			s.Hours.Weekly = []aidmap.Period{}
			return s
		}},
		{"all categories", func() aidmap.Site {
			s := NewSite("org", "all")
			s.Categories = nil
			for _, c := range aidmap.Categories() {
				s.Categories = append(s.Categories, c.Slug)
			}
			return s
		}},
	}
	s := setup(t, open, "org")
	var batch []aidmap.Site
	for _, tt := range tests {
		site := tt.site()
		if err := site.Validate(); err != nil {
			t.Fatalf("%s: fixture is invalid: %v", tt.name, err)
		}
		batch = append(batch, site)
	}
	mustUpsert(t, s, "org", batch)
	each, _ := allSites(t, s)
	byID := make(map[string]aidmap.Site)
	for _, site := range each {
		byID[site.ID] = site
	}
	changes := make(map[string]aidmap.Site)
	for _, c := range allChanges(t, s, 0, 1000) {
		changes[c.Site.ID] = c.Site
	}
	for i, tt := range tests {
		want := batch[i]
		t.Run(tt.name, func(t *testing.T) {
			checkSite(t, "Site", mustSite(t, s, want.ID), want)
			checkSite(t, "EachSite", byID[want.ID], want)
			checkSite(t, "ChangesSince", changes[want.ID], want)
		})
	}

	t.Run("re-upload is unchanged", func(t *testing.T) {
		// What a store returns, uploaded again, is the same content.
		var again []aidmap.Site
		for _, site := range batch {
			again = append(again, mustSite(t, s, site.ID))
		}
		res := mustUpsert(t, s, "org", again)
		if len(res.Unchanged) != len(again) {
			t.Errorf("Unchanged: got %d sites, want %d (created %q, updated %q)", len(res.Unchanged), len(again), res.Created, res.Updated)
		}
	})
}

func testSite(t *testing.T, open Opener) {
	ctx := context.Background()
	s := setup(t, open, "org")
	site := NewSite("org", "a")
	mustUpsert(t, s, "org", []aidmap.Site{site})
	tests := []struct {
		name string
		id   string
		want error
	}{
		{"exists", site.ID, nil},
		{"missing", aidmap.SiteID("org", "b"), aidmap.ErrNotFound},
		{"empty ID", "", aidmap.ErrNotFound},
		{"external ID is not an ID", "a", aidmap.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Site(ctx, tt.id)
			checkErr(t, "Site", err, tt.want)
			if tt.want == nil {
				checkSite(t, "Site", got, site)
			}
		})
	}
}

// nextafter returns the next float64 above x, the smallest change a store must keep.
func nextafter(x float64) float64 { return math.Nextafter(x, math.Inf(1)) }

// Package storetest is the conformance suite every store.Store implementation must pass, so the
// embedded SQLite store and PostGIS behave the same to the rest of aidmap. An implementation's
// own test calls Run with a function that opens a fresh, empty store.
//
// It imports the domain, the store contract and the standard library only (testing included):
// it is meant to be imported by _test files only.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// Opener returns a fresh, empty store that no other test shares, so subtests can run in
// parallel. It must register any cleanup (closing the store, dropping a schema) with t.Cleanup;
// the suite never calls Close itself.
type Opener func(t *testing.T) store.Store

// Run runs the whole conformance suite against the stores open returns. Every subtest opens its
// own store and runs in parallel with the others.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"Organizations", testOrganizations},
		{"UpsertSites", testUpsertSites},
		{"UpsertSitesAllOrNothing", testUpsertSitesAllOrNothing},
		{"Upload", testUpload},
		{"RoundTrip", testRoundTrip},
		{"Site", testSite},
		{"EachSite", testEachSite},
		{"ChangesSince", testChangesSince},
		{"Concurrent", testConcurrent},
		{"Canceled", testCanceled},
		{"Ping", testPing},
		{"Dump", testDump},
		{"Gazetteer", testGazetteer},
		{"Accounts", testAccounts},
		{"DeploymentKey", testDeploymentKey},
		{"Verifications", testVerifications},
		{"Reports", testReports},
		{"Capacities", testCapacities},
		{"CapacityLogPrune", testCapacityLogPrune},
		{"ClosedReports", testClosedReports},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open)
		})
	}
}

// Base is the time every fixture is stamped with: microsecond precision (what every store
// keeps) and UTC (what every store returns).
var Base = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

// NewOrganization returns a valid organisation with the given ID.
func NewOrganization(id string) aidmap.Organization {
	return aidmap.Organization{
		ID:        id,
		Name:      "Organisation " + id,
		Website:   "https://example.org/" + id,
		CreatedAt: Base,
	}
}

// NewSite returns a valid site of the organisation with every field set, so a round trip
// through a store exercises all of them. Times are UTC with microsecond precision; call sites
// derive variants by changing fields.
func NewSite(orgID, externalID string) aidmap.Site {
	return aidmap.Site{
		ID:             aidmap.SiteID(orgID, externalID),
		OrganizationID: orgID,
		ExternalID:     externalID,
		Name:           "Community pantry " + externalID,
		Description:    "Groceries every week; no questions asked.",
		Categories:     []aidmap.Category{aidmap.CategoryFoodBank, aidmap.CategoryFreeMeal},
		Address: aidmap.Address{
			Street:     "100 Main Street",
			Unit:       "Unit 2",
			Locality:   "Vancouver",
			Region:     "BC",
			PostalCode: "V6A 2S5",
			Country:    "CA",
		},
		Lat:       49.28273123456789,
		Lon:       -123.12073412345678,
		Precision: aidmap.PrecisionAddress,
		Phone:     "+1 604 555 0100",
		Website:   "https://example.org/pantry",
		Email:     "pantry@example.org",
		Hours: aidmap.Hours{
			Timezone: "America/Vancouver",
			Weekly: []aidmap.Period{
				{Day: time.Monday, Open: 9 * 60, Close: 12 * 60},
				{Day: time.Monday, Open: 13 * 60, Close: 17 * 60},
				{Day: time.Friday, Open: 20 * 60, Close: 8 * 60}, // overnight
				{Day: time.Sunday, Open: 0, Close: 1440},
			},
			Exceptions: []aidmap.Exception{
				{Date: "2026-12-25", Closed: true, Note: "Christmas"},
				{Date: "2026-12-31", Periods: []aidmap.Period{{Open: 10 * 60, Close: 14 * 60}}},
			},
			Notes: "Mon 9-12, 13-17; Fri overnight",
		},
		Languages:     []string{"en", "fr", "pa", "zh-Hant"},
		Eligibility:   "Anyone",
		Fees:          "Free",
		Accessibility: "Step-free entrance",
		Status:        aidmap.StatusActive,
		UpdatedAt:     Base,
		VerifiedAt:    Base.Add(-24 * time.Hour),
		VerifiedBy:    "tok_fixture",
	}
}

// Sites returns n valid sites of the organisation with external IDs prefix0, prefix1, ...
func Sites(orgID, prefix string, n int) []aidmap.Site {
	out := make([]aidmap.Site, n)
	for i := range out {
		s := NewSite(orgID, fmt.Sprintf("%s%d", prefix, i))
		// Spread the points so they are not all identical.
		s.Lat += float64(i%1000) * 1e-4
		s.Lon -= float64(i/1000) * 1e-4
		out[i] = s
	}
	return out
}

// DiffSite describes how got differs from want, field by field, or returns "" when they are
// equal. Nil and empty slices are equal, and times are equal when they are the same instant
// (the location is checked separately by the suite).
func DiffSite(got, want aidmap.Site) string {
	g, w := normalise(got), normalise(want)
	var diffs []string
	gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
	for i := 0; i < gv.NumField(); i++ {
		if !gv.Type().Field(i).IsExported() {
			continue // the public-form mark, which stores never keep (Validate refuses it)
		}
		name := gv.Type().Field(i).Name
		gf, wf := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(gf, wf) {
			diffs = append(diffs, fmt.Sprintf("%s: got %#v, want %#v", name, gf, wf))
		}
	}
	return strings.Join(diffs, "; ")
}

// normalise makes equal content compare equal with reflect.DeepEqual.
func normalise(s aidmap.Site) aidmap.Site {
	if len(s.Categories) == 0 {
		s.Categories = nil
	}
	if len(s.Languages) == 0 {
		s.Languages = nil
	}
	if len(s.Hours.Weekly) == 0 {
		s.Hours.Weekly = nil
	}
	if len(s.Hours.Exceptions) == 0 {
		s.Hours.Exceptions = nil
	} else {
		ex := make([]aidmap.Exception, len(s.Hours.Exceptions))
		copy(ex, s.Hours.Exceptions)
		for i := range ex {
			if len(ex[i].Periods) == 0 {
				ex[i].Periods = nil
			}
		}
		s.Hours.Exceptions = ex
	}
	s.UpdatedAt = normaliseTime(s.UpdatedAt)
	s.VerifiedAt = normaliseTime(s.VerifiedAt)
	return s
}

func normaliseTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Round(0)
}

// checkSite fails the test when got differs from want or a time of got is not in UTC.
func checkSite(t *testing.T, what string, got, want aidmap.Site) {
	t.Helper()
	if d := DiffSite(got, want); d != "" {
		t.Errorf("%s: %s", what, d)
	}
	checkUTC(t, what+": UpdatedAt", got.UpdatedAt)
	checkUTC(t, what+": VerifiedAt", got.VerifiedAt)
}

func checkUTC(t *testing.T, what string, tm time.Time) {
	t.Helper()
	if tm.Location() != time.UTC {
		t.Errorf("%s location: got %v, want UTC", what, tm.Location())
	}
}

// checkErr fails the test unless err wraps want (or is nil when want is nil).
func checkErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: got error %v, want none", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: got error %v, want one wrapping %v", what, err, want)
	}
}

// setup opens a store and creates the given organisations.
func setup(t *testing.T, open Opener, orgIDs ...string) store.Store {
	t.Helper()
	s := open(t)
	for _, id := range orgIDs {
		if err := s.UpsertOrganization(context.Background(), NewOrganization(id)); err != nil {
			t.Fatalf("UpsertOrganization(%q): %v", id, err)
		}
	}
	return s
}

// mustUpsert upserts sites and fails the test on error.
func mustUpsert(t *testing.T, s store.Store, orgID string, sites []aidmap.Site) store.UpsertResult {
	t.Helper()
	res, err := s.UpsertSites(context.Background(), orgID, sites)
	if err != nil {
		t.Fatalf("UpsertSites(%q, %d sites): %v", orgID, len(sites), err)
	}
	return res
}

func mustVersion(t *testing.T, s store.Store) int64 {
	t.Helper()
	v, err := s.Version(context.Background())
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	return v
}

func mustSite(t *testing.T, s store.Store, id string) aidmap.Site {
	t.Helper()
	site, err := s.Site(context.Background(), id)
	if err != nil {
		t.Fatalf("Site(%q): %v", id, err)
	}
	return site
}

// allChanges pages through ChangesSince(since) with the given page size until it is drained.
func allChanges(t *testing.T, s store.Store, since int64, page int) []store.Change {
	t.Helper()
	var out []store.Change
	for {
		cs, err := s.ChangesSince(context.Background(), since, page)
		if err != nil {
			t.Fatalf("ChangesSince(%d, %d): %v", since, page, err)
		}
		if len(cs) > page {
			t.Fatalf("ChangesSince(%d, %d): got %d changes, want at most %d", since, page, len(cs), page)
		}
		out = append(out, cs...)
		if len(cs) < page {
			return out
		}
		since = cs[len(cs)-1].Version
	}
}

// allSites collects EachSite.
func allSites(t *testing.T, s store.Store) ([]aidmap.Site, int64) {
	t.Helper()
	var out []aidmap.Site
	v, err := s.EachSite(context.Background(), func(site aidmap.Site) error {
		out = append(out, site)
		return nil
	})
	if err != nil {
		t.Fatalf("EachSite: %v", err)
	}
	return out, v
}

func ids(sites []aidmap.Site) []string {
	out := make([]string, len(sites))
	for i, s := range sites {
		out[i] = s.ID
	}
	return out
}

func checkIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
)

func testOrganizations(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.Organization(ctx, "nobody")
		checkErr(t, `Organization("nobody")`, err, aidmap.ErrNotFound)
	})

	t.Run("empty store lists none", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		orgs, err := s.Organizations(ctx)
		checkErr(t, "Organizations", err, nil)
		if len(orgs) != 0 {
			t.Errorf("Organizations: got %v, want none", orgs)
		}
	})

	t.Run("round trip", func(t *testing.T) {
		t.Parallel()
		vancouver, err := time.LoadLocation("America/Vancouver")
		if err != nil {
			t.Skipf("no time zone data: %v", err)
		}
		tests := []struct {
			name string
			org  aidmap.Organization
		}{
			{"full", NewOrganization("full")},
			{"minimal", aidmap.Organization{ID: "minimal", Name: "M", CreatedAt: Base}},
			{"demo", aidmap.Organization{ID: "demo", Name: "Demo", Demo: true, CreatedAt: Base}},
			{"unicode", aidmap.Organization{ID: "unicode", Name: "بنك الطعام — 食物银行 🍞", CreatedAt: Base}},
			{"local time", aidmap.Organization{ID: "local", Name: "L", CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 123456000, vancouver)}},
		}
		s := open(t)
		for _, tt := range tests {
			checkErr(t, "UpsertOrganization", s.UpsertOrganization(ctx, tt.org), nil)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Organization(ctx, tt.org.ID)
				checkErr(t, "Organization", err, nil)
				checkOrg(t, got, tt.org)
			})
		}
	})

	t.Run("zero CreatedAt is set", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		before := time.Now().Add(-time.Second)
		org := aidmap.Organization{ID: "new", Name: "New"}
		checkErr(t, "UpsertOrganization", s.UpsertOrganization(ctx, org), nil)
		got, err := s.Organization(ctx, "new")
		checkErr(t, "Organization", err, nil)
		if got.CreatedAt.Before(before) || got.CreatedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("CreatedAt: got %v, want about now", got.CreatedAt)
		}
		checkUTC(t, "CreatedAt", got.CreatedAt)
	})

	t.Run("update keeps CreatedAt", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		org := NewOrganization("org")
		checkErr(t, "UpsertOrganization", s.UpsertOrganization(ctx, org), nil)
		update := aidmap.Organization{ID: "org", Name: "Renamed", Website: "", Demo: true, CreatedAt: Base.Add(time.Hour)}
		checkErr(t, "UpsertOrganization (update)", s.UpsertOrganization(ctx, update), nil)
		got, err := s.Organization(ctx, "org")
		checkErr(t, "Organization", err, nil)
		want := update
		want.CreatedAt = org.CreatedAt
		checkOrg(t, got, want)
	})

	t.Run("listed by ID", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, id := range []string{"m", "b", "z", "a", "a-b"} {
			checkErr(t, "UpsertOrganization", s.UpsertOrganization(ctx, NewOrganization(id)), nil)
		}
		orgs, err := s.Organizations(ctx)
		checkErr(t, "Organizations", err, nil)
		var got []string
		for _, o := range orgs {
			got = append(got, o.ID)
			checkOrg(t, o, NewOrganization(o.ID))
		}
		checkIDs(t, "Organizations", got, []string{"a", "a-b", "b", "m", "z"})
	})

	t.Run("empty ID", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		err := s.UpsertOrganization(ctx, aidmap.Organization{Name: "No ID"})
		checkErr(t, "UpsertOrganization", err, aidmap.ErrInvalid)
	})
}

func checkOrg(t *testing.T, got, want aidmap.Organization) {
	t.Helper()
	if got.ID != want.ID || got.Name != want.Name || got.Website != want.Website || got.Demo != want.Demo {
		t.Errorf("organization: got %+v, want %+v", got, want)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("organization %q CreatedAt: got %v, want %v", want.ID, got.CreatedAt, want.CreatedAt)
	}
	checkUTC(t, "CreatedAt", got.CreatedAt)
}

package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// PlaceDecisions is the conformance test of store.PlaceDecisions: decisions stored with
// their pair in order, replaced by a later decision on the same pair in either order, kept
// across a re-upload that retires and brings back a site, and the rules (two different
// sites of two organisations, both existing, the decider owning one, a known decision). An
// engine's test calls it with the opener it gives Run.
func PlaceDecisions(t *testing.T, open Opener) {
	s := open(t)
	pd, ok := s.(store.PlaceDecisions)
	if !ok {
		t.Skipf("%T does not implement store.PlaceDecisions", s)
	}
	ctx := context.Background()
	for _, org := range []string{"a", "b", "c"} {
		if err := s.UpsertOrganization(ctx, NewOrganization(org)); err != nil {
			t.Fatal(err)
		}
	}
	a0, a1, b0, c0 := NewSite("a", "x0"), NewSite("a", "x1"), NewSite("b", "y0"), NewSite("c", "z0")
	mustUpsert(t, s, "a", []aidmap.Site{a0, a1})
	mustUpsert(t, s, "b", []aidmap.Site{b0})
	mustUpsert(t, s, "c", []aidmap.Site{c0})

	split := store.PlaceDecision{SiteA: b0.ID, SiteB: a0.ID, Decision: store.DecisionSplit,
		OrganizationID: "b", TokenID: "tok_b", DecidedAt: Base}
	checkErr(t, "PutPlaceDecision", pd.PutPlaceDecision(ctx, split), nil)
	confirm := store.PlaceDecision{SiteA: a1.ID, SiteB: c0.ID, Decision: store.DecisionConfirmed,
		OrganizationID: "a", DecidedAt: Base.Add(time.Second)}
	checkErr(t, "PutPlaceDecision", pd.PutPlaceDecision(ctx, confirm), nil)

	ordered := func(d store.PlaceDecision) store.PlaceDecision {
		if d.SiteB < d.SiteA {
			d.SiteA, d.SiteB = d.SiteB, d.SiteA
		}
		return d
	}
	check := func(want ...store.PlaceDecision) {
		t.Helper()
		got, err := pd.PlaceDecisions(ctx)
		checkErr(t, "PlaceDecisions", err, nil)
		for i := range want {
			want[i] = ordered(want[i])
		}
		if len(want) == 2 && want[1].SiteA < want[0].SiteA {
			want[0], want[1] = want[1], want[0]
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("PlaceDecisions:\n got %+v\nwant %+v", got, want)
		}
	}
	check(split, confirm)

	// A later decision on the pair, written the other way round, replaces the first.
	again := store.PlaceDecision{SiteA: a0.ID, SiteB: b0.ID, Decision: store.DecisionConfirmed,
		OrganizationID: "a", TokenID: "tok_a", DecidedAt: Base.Add(2 * time.Second)}
	checkErr(t, "PutPlaceDecision", pd.PutPlaceDecision(ctx, again), nil)
	check(again, confirm)
	checkErr(t, "PutPlaceDecision", pd.PutPlaceDecision(ctx, split), nil)

	// A re-upload that leaves the site out and another that brings it back keep the decision:
	// the site's ID is the same.
	up, err := s.BeginUpload(ctx, "b", store.UploadOptions{RetireMissing: true})
	checkErr(t, "BeginUpload", err, nil)
	checkErr(t, "Add", up.Add(ctx, Sites("b", "other", 1)), nil)
	_, err = up.Commit(ctx)
	checkErr(t, "Commit", err, nil)
	if got := mustSite(t, s, b0.ID); got.Status != aidmap.StatusRetired {
		t.Fatalf("site left out of an upload: status %q, want retired", got.Status)
	}
	b0.Name += " (moved)"
	mustUpsert(t, s, "b", []aidmap.Site{b0})
	check(split, confirm)

	for _, tc := range []struct {
		name string
		d    store.PlaceDecision
		want error
	}{
		{"same site", store.PlaceDecision{SiteA: a0.ID, SiteB: a0.ID, Decision: store.DecisionSplit, OrganizationID: "a"}, aidmap.ErrInvalid},
		{"one organisation", store.PlaceDecision{SiteA: a0.ID, SiteB: a1.ID, Decision: store.DecisionSplit, OrganizationID: "a"}, aidmap.ErrInvalid},
		{"unknown decision", store.PlaceDecision{SiteA: a0.ID, SiteB: b0.ID, Decision: "merge", OrganizationID: "a"}, aidmap.ErrInvalid},
		{"no organisation", store.PlaceDecision{SiteA: a0.ID, SiteB: b0.ID, Decision: store.DecisionSplit}, aidmap.ErrInvalid},
		{"missing site", store.PlaceDecision{SiteA: a0.ID, SiteB: aidmap.SiteID("b", "nope"), Decision: store.DecisionSplit, OrganizationID: "a"}, aidmap.ErrNotFound},
		{"owns neither", store.PlaceDecision{SiteA: a0.ID, SiteB: b0.ID, Decision: store.DecisionConfirmed, OrganizationID: "c"}, aidmap.ErrForbidden},
	} {
		err := pd.PutPlaceDecision(ctx, tc.d)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	check(split, confirm)

	// Withdrawing: only an owner of one of the sites, only a decision there is; the other
	// decision stays.
	checkErr(t, "DeletePlaceDecision by another organisation", pd.DeletePlaceDecision(ctx, "c", a0.ID, b0.ID), aidmap.ErrForbidden)
	checkErr(t, "DeletePlaceDecision of no decision", pd.DeletePlaceDecision(ctx, "a", a0.ID, c0.ID), aidmap.ErrNotFound)
	checkErr(t, "DeletePlaceDecision of one site", pd.DeletePlaceDecision(ctx, "a", a0.ID, a0.ID), aidmap.ErrInvalid)
	checkErr(t, "DeletePlaceDecision", pd.DeletePlaceDecision(ctx, "b", a0.ID, b0.ID), nil)
	check(confirm)
	checkErr(t, "DeletePlaceDecision again", pd.DeletePlaceDecision(ctx, "b", b0.ID, a0.ID), aidmap.ErrNotFound)
}

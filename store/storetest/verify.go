package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// testVerifications checks store.VerificationReader: inside an upload, the stored verification
// of the organisation's verified sites, and nothing for unverified, unknown or other
// organisations' sites; VerifiedBy round-trips with the site.
func testVerifications(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	for _, org := range []string{"fbs", "other"} {
		checkErr(t, "UpsertOrganization", s.UpsertOrganization(ctx, NewOrganization(org)), nil)
	}
	verified, unverified, theirs := NewSite("fbs", "V"), NewSite("fbs", "U"), NewSite("other", "O")
	verified.VerifiedAt, verified.VerifiedBy = Base.Add(-time.Hour), "tok_steward"
	unverified.VerifiedAt, unverified.VerifiedBy = time.Time{}, ""
	mustUpsert(t, s, "fbs", []aidmap.Site{verified, unverified})
	mustUpsert(t, s, "other", []aidmap.Site{theirs})
	if got, err := s.Site(ctx, verified.ID); err != nil || got.VerifiedBy != "tok_steward" || !got.VerifiedAt.Equal(verified.VerifiedAt) {
		t.Fatalf("Site: got %q at %v (%v), want tok_steward at %v", got.VerifiedBy, got.VerifiedAt, err, verified.VerifiedAt)
	}

	u, err := s.BeginUpload(ctx, "fbs", store.UploadOptions{})
	checkErr(t, "BeginUpload", err, nil)
	defer u.Rollback(ctx)
	vr, ok := u.(store.VerificationReader)
	if !ok {
		t.Fatalf("%T does not implement store.VerificationReader", u)
	}
	got, err := vr.Verifications(ctx, []string{verified.ID, unverified.ID, theirs.ID, "nope"})
	checkErr(t, "Verifications", err, nil)
	want := store.Verification{At: verified.VerifiedAt, By: "tok_steward"}
	if len(got) != 1 || !got[verified.ID].At.Equal(want.At) || got[verified.ID].By != want.By {
		t.Errorf("Verifications: got %v, want only %s: %v", got, verified.ID, want)
	}
	if got, err := vr.Verifications(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("Verifications(nil): got %v, %v, want nothing", got, err)
	}
	// The upload still works afterwards.
	checkErr(t, "Add", u.Add(ctx, []aidmap.Site{verified}), nil)
	_, err = u.Commit(ctx)
	checkErr(t, "Commit", err, nil)
}

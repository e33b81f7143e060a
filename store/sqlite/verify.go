package sqlite

import (
	"context"
	"slices"

	"github.com/aidmap/aidmap/store"
)

var _ store.VerificationReader = (*upload)(nil)

// ReadVerifications reads, in the upload's transaction, the stored verification of the given
// sites of the organisation (store.UploadTx, for store.VerificationReader).
func (u *upload) ReadVerifications(ctx context.Context, ids []string) (map[string]store.Verification, error) {
	// With history on, the same query as Add's read of the stored sites (readStored), which
	// it saves Add; without, only the verified sites (readVerified). Each of them probes the
	// primary key for every ID of the batch.
	if u.find == nil {
		read, err := u.readVerified(ctx, ids)
		if err != nil {
			return nil, err
		}
		return verifications(read, u.orgID), nil
	}
	read, err := u.readStored(ctx, ids)
	if err != nil {
		return nil, err
	}
	u.prefetched, u.prefetchedIDs = read, slices.Clone(ids)
	return verifications(read, u.orgID), nil
}

// verifications is what Verifications answers of the stored sites read.
func verifications(read map[string]*storedSite, orgID string) map[string]store.Verification {
	out := map[string]store.Verification{}
	for id, st := range read {
		if st.site.OrganizationID == orgID && !st.site.VerifiedAt.IsZero() {
			out[id] = store.Verification{At: st.site.VerifiedAt, By: st.site.VerifiedBy}
		}
	}
	return out
}

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
	// The same query as Add's read of the stored sites (readStored), which it saves when
	// history is on: each of them probes the primary key for every ID of the batch.
	read, err := u.readStored(ctx, ids)
	if err != nil {
		return nil, err
	}
	if u.find != nil {
		u.prefetched, u.prefetchedIDs = read, slices.Clone(ids)
	}
	out := map[string]store.Verification{}
	for id, st := range read {
		if st.site.OrganizationID == u.orgID && !st.site.VerifiedAt.IsZero() {
			out[id] = store.Verification{At: st.site.VerifiedAt, By: st.site.VerifiedBy}
		}
	}
	return out, nil
}

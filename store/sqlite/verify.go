package sqlite

import (
	"context"
	"fmt"
	"slices"

	"github.com/aidmap/aidmap/store"
)

var _ store.VerificationReader = (*upload)(nil)

// Verifications reads, in the upload's transaction, the stored verification of the given sites
// of the organisation (store.VerificationReader).
func (u *upload) Verifications(ctx context.Context, ids []string) (map[string]store.Verification, error) {
	// Before usable, which waits for the batch being written behind Add: nothing can be
	// stored, so an organisation's first upload need not wait to know it.
	if u.noneStored() {
		return nil, nil
	}
	if err := u.Usable(); err != nil {
		return nil, fmt.Errorf("sqlite: upload: verifications: %w", err)
	}
	// The same query as Add's read of the stored sites (readStored), which it saves when
	// history is on: each of them probes the primary key for every ID of the batch.
	read, err := u.readStored(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: upload: verifications: %w", unavailable(ctx, u.Fail(err)))
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

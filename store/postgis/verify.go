package postgis

import (
	"context"
	"fmt"

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
		return nil, fmt.Errorf("postgis: upload: verifications: %w", err)
	}
	rows, err := u.tx.Query(ctx, `SELECT `+sqlSiteColumns+` FROM sites
		WHERE id = ANY($1) AND organization_id = $2 AND verified_at IS NOT NULL`, ids, u.orgID)
	if err != nil {
		return nil, fmt.Errorf("postgis: upload: verifications: %w", unavailable(ctx, u.Fail(err)))
	}
	defer rows.Close()
	out := map[string]store.Verification{}
	for rows.Next() {
		var r rawSite
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("postgis: upload: verifications: %w", unavailable(ctx, u.Fail(err)))
		}
		s, err := r.decode()
		if err != nil {
			return nil, fmt.Errorf("postgis: upload: verifications: %w", err)
		}
		out[s.ID] = store.Verification{At: s.VerifiedAt, By: s.VerifiedBy}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: upload: verifications: %w", unavailable(ctx, u.Fail(err)))
	}
	return out, nil
}
